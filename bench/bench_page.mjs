// The benchmark page: the app with no UI (`?bench`) and onnxruntime-web beside it, on the
// seeded weights and their ONNX export (tests/reference/make_golden.py), served locally.
import { join } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { REPO, serveDist } from '../tests/e2e/support/site.mjs';

/** A command-line option's value (`--name value`), or `fallback`. */
export const option = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : fallback;
};
/** Headless Chromium on the machine's GPU rather than SwiftShader (`--real-gpu`). */
export const GPU_FLAGS = ['--enable-features=Vulkan,VulkanFromANGLE,DefaultANGLEVulkan', '--use-angle=vulkan', '--ignore-gpu-blocklist', '--enable-gpu'];

const GOLDEN = join(REPO, 'tests/golden');
const ORT_DIST = join(REPO, 'node_modules/onnxruntime-web/dist');
export const ortVersion = JSON.parse(readFileSync(join(REPO, 'node_modules/onnxruntime-web/package.json'))).version;

export async function benchSite() {
  const extra = { 'seeded.safetensors': join(GOLDEN, 'resnet50_seeded.safetensors'), 'seeded.onnx': join(GOLDEN, 'resnet50_seeded.onnx') };
  for (const file of readdirSync(ORT_DIST)) extra[file] = join(ORT_DIST, file);
  return serveDist(extra);
}

/** A page of the app with no UI (`?bench`), onnxruntime-web beside it, and `loadEngine`. */
export async function benchPage(context, site) {
  const page = await context.newPage();
  await page.goto(`${site.url}index.html?bench`);
  await page.waitForFunction(() => window.wasmBindings?.BenchModel, null, { timeout: 120_000 });
  await page.addScriptTag({ url: '/extra/ort.all.min.js' });
  await page.evaluate(() => {
    window.engines = {};
    const side = 224;
    // The same smooth ramp in [-1, 1] that BenchModel feeds.
    const ramp = Float32Array.from({ length: 3 * side * side }, (_, i) => ((i % side) / side - 0.5) * 2);
    window.loadEngine = async (name) => {
      const started = performance.now();
      let pass;
      let precision = 'f32';
      if (name.startsWith('ours')) {
        const bytes = new Uint8Array(await (await fetch('/extra/seeded.safetensors')).arrayBuffer());
        const model = await window.wasmBindings.BenchModel.load(bytes, name === 'ours-webgpu');
        pass = () => model.run();
        precision = model.precision; // f16 where WebGPU has shader-f16
      } else {
        ort.env.wasm.wasmPaths = '/extra/';
        ort.env.wasm.numThreads = 1; // like ours: the page is not cross-origin isolated
        const session = await ort.InferenceSession.create('/extra/seeded.onnx', { executionProviders: [name === 'ort-webgpu' ? 'webgpu' : 'wasm'] });
        const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', ramp, [1, 3, side, side]) };
        pass = async () => {
          const outputs = await session.run(feeds);
          return outputs[session.outputNames[0]].data.length; // logits on the CPU, as ours
        };
      }
      const timed = async () => {
        const start = performance.now();
        await pass();
        return performance.now() - start;
      };
      const loadMs = performance.now() - started;
      const firstMs = await timed();
      window.engines[name] = timed;
      return { loadMs, firstMs, precision };
    };
  });
  return page;
}

/** WebGPU's adapter in words (vendor · architecture · description · fallback), or 'none'. */
export function adapterName(page) {
  return page.evaluate(async () => {
    const found = await navigator.gpu?.requestAdapter();
    return found ? [found.info.vendor, found.info.architecture, found.info.description, found.info.isFallbackAdapter ? 'fallback adapter' : ''].filter(Boolean).join(' · ') : 'none';
  });
}
