// ResNet50 batch-1 latency (with --batch N: a batch's, and images/s) in the browser, side by
// side in one page: ours (burn on WebGPU and on the CPU fallback, through the app's
// `BenchModel`) and onnxruntime-web (webgpu and wasm execution providers) on the ONNX export
// of the same seeded weights (tests/reference/make_golden.py). After each engine's load and
// first prediction, runs are interleaved: one pass of every engine per round. Peak memory is
// measured apart, one fresh browser per engine: the peak resident memory of all its
// processes, less that of a browser that loaded no engine.
//
//   node bench/browser.mjs [--runs 20] [--warmup 2] [--engines ours-webgpu,ours-cpu,ort-webgpu,ort-wasm]
//     [--ort-threads 1] [--batch 1] [--json FILE] [--real-gpu]   (after `trunk build --release` and tests/reference/make_golden.py)
//
// Engines: ours-webgpu, ours-cpu (one thread, on the page), ours-threads (the threaded
// worker's pool: navigator.hardwareConcurrency threads, at most 8), ours-relaxed (the same
// pool, the build with relaxed SIMD's fused multiply-add), ours-threads-1 and ours-relaxed-1
// (those builds on a pool of one thread), ours-workers (one-thread workers, one per core, at
// most 4, a batch split between them), ort-webgpu, ort-wasm (on --ort-threads threads; the
// page is cross-origin isolated).
//
// --batch N: every pass is one batch of N copies of the input (ours: one forward of the
// batch; onnxruntime-web: the ONNX graph's dynamic batch), reported as images/s too.
//
// --real-gpu: Chromium is started to use the machine's GPU (Vulkan, no blocklist), and the
// run stops if WebGPU's adapter is a software one (SwiftShader, llvmpipe/lavapipe), so a
// silent fallback cannot pass for a GPU figure.
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { REPO, launch } from '../tests/e2e/support/site.mjs';
import { GPU_FLAGS, adapterName, benchSite, benchPage, option, ortVersion } from './bench_page.mjs';
import { peakRss } from './memory.mjs';

const runs = Number(option('--runs', 20));
const warmup = Number(option('--warmup', 2));
const engines = option('--engines', 'ours-webgpu,ours-cpu,ort-webgpu,ort-wasm').split(',');
const realGpu = process.argv.includes('--real-gpu');
const ortThreads = Number(option('--ort-threads', 1));
const images = Number(option('--batch', 1));
const browserArgs = realGpu ? GPU_FLAGS : [];
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|software/i;
const site = await benchSite();

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function peakMemory(engine) {
  const context = await launch({ webgpu: true, args: browserArgs });
  try {
    const page = await benchPage(context, site, { ortThreads, images });
    if (engine) {
      await page.evaluate((name) => window.loadEngine(name), engine);
      for (let i = 0; i < 2; i++) await page.evaluate((name) => window.engines[name](), engine);
    }
    return peakRss(context.profileDir);
  } finally {
    await context.close();
  }
}

const results = Object.fromEntries(engines.map((name) => [name, { times: [] }]));
const context = await launch({ webgpu: true, args: browserArgs });
let adapter;
try {
  const page = await benchPage(context, site, { ortThreads, images });
  adapter = await adapterName(page);
  console.error(`WebGPU adapter: ${adapter}`);
  if (realGpu && (adapter === 'none' || SOFTWARE_ADAPTER.test(adapter))) {
    throw new Error(`--real-gpu: WebGPU's adapter is "${adapter}", not a GPU (check the driver, Vulkan and Chromium's flags: ${GPU_FLAGS.join(' ')})`);
  }
  for (const name of engines) {
    Object.assign(results[name], await page.evaluate((n) => window.loadEngine(n), name));
    results[name].warmupMs = [];
    for (let i = 0; i < warmup; i++) results[name].warmupMs.push(await page.evaluate((n) => window.engines[n](), name));
    console.error(`${name} (${results[name].precision}, ${results[name].threads} thread(s)): loaded in ${results[name].loadMs.toFixed(0)} ms, first prediction ${results[name].firstMs.toFixed(0)} ms, warm-up passes ${results[name].warmupMs.map((v) => v.toFixed(0)).join(', ')} ms`);
  }
  for (let round = 0; round < runs; round++) {
    const order = engines.map((_, i) => engines[(i + round) % engines.length]);
    for (const name of order) results[name].times.push(await page.evaluate((n) => window.engines[n](), name));
    console.error(`round ${round + 1}/${runs}`);
  }
} finally {
  await context.close();
}

const baseline = await peakMemory(null);
for (const name of engines) {
  results[name].peakBytes = (await peakMemory(name)) - baseline;
  results[name].median = median(results[name].times);
  results[name].p90 = quantile(results[name].times, 0.9);
}
site.close();

const chromium = (await import('node:child_process')).execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim();
const burn = /name = "burn"\nversion = "([^"]+)"/.exec(readFileSync(join(REPO, 'Cargo.lock'), 'utf8'))?.[1];
const meta = { date: new Date().toISOString().slice(0, 10), chromium, adapter, burn, onnxruntimeWeb: ortVersion, runs, warmup, batch: images, cpus: (await import('node:os')).cpus().length };
const ratio = (a, b) => (results[a] && results[b] ? (results[a].median / results[b].median).toFixed(2) : 'n/a');
const ms = (v) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(0)} ms`);
console.log(`\nResNet50 batch ${images} in the browser — ${meta.date}, ${meta.chromium}, adapter: ${adapter}, ${meta.cpus} CPUs, burn ${burn}, onnxruntime-web ${ortVersion}; median and p90 of ${runs} interleaved runs after ${warmup} warm-up passes`);
console.log('| engine | threads | median | p90 | images/s | load | first prediction | peak memory (RSS over an empty page) |\n| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const name of engines) {
  const r = results[name];
  console.log(`| ${name}${r.precision === "f16" ? " (f16)" : ""} | ${r.threads} | ${ms(r.median)} | ${ms(r.p90)} | ${((images * 1000) / r.median).toFixed(2)} | ${ms(r.loadMs)} | ${ms(r.firstMs)} | ${(r.peakBytes / 1e6).toFixed(0)} MB |`);
}
console.log(`\nratios (median): ours-webgpu / ort-webgpu = ${ratio('ours-webgpu', 'ort-webgpu')} (target ≤ 1.0); ours-cpu / ort-wasm = ${ratio('ours-cpu', 'ort-wasm')} (target ≤ 1.5); ours-threads / ort-wasm = ${ratio('ours-threads', 'ort-wasm')}; ours-relaxed / ort-wasm = ${ratio('ours-relaxed', 'ort-wasm')} (target ≤ 1.0); ours-threads / ours-relaxed = ${ratio('ours-threads', 'ours-relaxed')}; ours-relaxed-1 / ours-relaxed = ${ratio('ours-relaxed-1', 'ours-relaxed')} (speed-up of the relaxed pool, target ≥ 1.6); ours-threads-1 / ours-threads = ${ratio('ours-threads-1', 'ours-threads')}; ours-cpu / ours-threads = ${ratio('ours-cpu', 'ours-threads')} (speed-up of the pool); ours-workers / ort-wasm = ${ratio('ours-workers', 'ort-wasm')}; ours-cpu / ours-workers = ${ratio('ours-cpu', 'ours-workers')}`);
const json = option('--json');
if (json) writeFileSync(json, JSON.stringify({ meta, results }, null, 1));
