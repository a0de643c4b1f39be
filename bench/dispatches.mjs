// The WebGPU work in one batch-1 ResNet50 pass, counted at the API the browser exposes:
// queue submissions, compute dispatches, buffer readbacks (maps for reading), host→device
// writes, device copies, buffers created, pipelines compiled. Ours and onnxruntime-web's
// webgpu provider are counted in the same page on the same seeded weights, each after its
// warm-up, so the counts are those of a steady pass.
//
//   node bench/dispatches.mjs [--warmup 2] [--passes 2] [--engines ours-webgpu,ort-webgpu] [--json FILE] [--real-gpu]
import { writeFileSync } from 'node:fs';
import { launch } from '../tests/e2e/support/site.mjs';
import { GPU_FLAGS, adapterName, benchSite, benchPage, option } from './bench_page.mjs';

const warmup = Number(option('--warmup', 2));
const passes = Number(option('--passes', 2));
const engines = option('--engines', 'ours-webgpu,ort-webgpu').split(',');

/** Wraps WebGPU's prototypes so that every call of interest is counted in `window.gpuCounts`. */
function countWebGpu() {
  const counts = {};
  window.gpuCounts = counts;
  const count = (proto, method, key, amount = () => 1) => {
    const original = proto?.[method];
    if (!original) return;
    proto[method] = function (...args) {
      counts[key] = (counts[key] ?? 0) + amount(args);
      return original.apply(this, args);
    };
  };
  count(globalThis.GPUQueue?.prototype, 'submit', 'submissions');
  count(globalThis.GPUQueue?.prototype, 'submit', 'commandBuffers', ([buffers]) => buffers.length);
  count(globalThis.GPUComputePassEncoder?.prototype, 'dispatchWorkgroups', 'dispatches');
  count(globalThis.GPUComputePassEncoder?.prototype, 'dispatchWorkgroupsIndirect', 'dispatches');
  count(globalThis.GPUCommandEncoder?.prototype, 'beginComputePass', 'computePasses');
  count(globalThis.GPUBuffer?.prototype, 'mapAsync', 'readbacks', ([mode]) => (mode & 1 ? 1 : 0));
  count(globalThis.GPUQueue?.prototype, 'writeBuffer', 'writes');
  count(globalThis.GPUQueue?.prototype, 'writeBuffer', 'writtenBytes', ([, , data, , size]) => size ?? data.byteLength);
  count(globalThis.GPUCommandEncoder?.prototype, 'copyBufferToBuffer', 'copies');
  count(globalThis.GPUDevice?.prototype, 'createBuffer', 'buffersCreated');
  count(globalThis.GPUDevice?.prototype, 'createBindGroup', 'bindGroupsCreated');
  count(globalThis.GPUDevice?.prototype, 'createComputePipeline', 'pipelinesCompiled');
  count(globalThis.GPUDevice?.prototype, 'createComputePipelineAsync', 'pipelinesCompiled');
}

const site = await benchSite();
const context = await launch({ webgpu: true, args: process.argv.includes('--real-gpu') ? GPU_FLAGS : [] });
const report = {};
let adapter;
try {
  await context.addInitScript(countWebGpu);
  const page = await benchPage(context, site);
  adapter = await adapterName(page);
  for (const name of engines) {
    await page.evaluate((n) => window.loadEngine(n), name);
    for (let i = 0; i < warmup; i++) await page.evaluate((n) => window.engines[n](), name);
    const perPass = [];
    for (let i = 0; i < passes; i++) {
      perPass.push(await page.evaluate(async (n) => {
        for (const key of Object.keys(window.gpuCounts)) delete window.gpuCounts[key];
        const ms = await window.engines[n]();
        return { ms, ...window.gpuCounts };
      }, name));
    }
    report[name] = perPass;
    console.error(`${name}: ${JSON.stringify(perPass)}`);
  }
} finally {
  await context.close();
  site.close();
}

const keys = ['submissions', 'commandBuffers', 'computePasses', 'dispatches', 'readbacks', 'writes', 'writtenBytes', 'copies', 'buffersCreated', 'bindGroupsCreated', 'pipelinesCompiled'];
console.log(`\nWebGPU calls in one batch-1 ResNet50 pass (adapter: ${adapter}; after ${warmup} warm-up passes; the last of ${passes} passes)`);
console.log(`| engine | ${keys.join(' | ')} |\n| --- |${keys.map(() => ' --- |').join('')}`);
for (const [name, perPass] of Object.entries(report)) {
  const last = perPass.at(-1);
  console.log(`| ${name} | ${keys.map((k) => last[k] ?? 0).join(' | ')} |`);
}
const json = option('--json');
if (json) writeFileSync(json, JSON.stringify({ adapter, warmup, passes, report }, null, 1));
