// Runs a wasm32-wasip1 test binary under node's WASI (cargo's runner for that target):
// `node [--experimental-wasm-relaxed-simd] scripts/wasi_run.mjs TEST.wasm [ARGS...]`.
import { WASI } from 'node:wasi';
import { readFileSync } from 'node:fs';

const [wasmPath, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [wasmPath, ...args], env: {}, returnOnExit: true });
const module = await WebAssembly.compile(readFileSync(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
