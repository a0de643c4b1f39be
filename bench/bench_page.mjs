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

/**
 * The threaded worker (the CPU path's pool) driven from the page: it loads the threaded
 * build's glue, whose `main` starts the pool and says Ready (bytes), then takes `weights`
 * and `run` messages for its `BenchModel`.
 */
const THREADED_BENCH = `
addEventListener('message', async ({ data }) => {
  try {
    if (data.glue) {
      // The pool takes navigator.hardwareConcurrency threads: '-1' engines ask for one.
      if (data.cores) Object.defineProperty(navigator, 'hardwareConcurrency', { value: data.cores });
      self.glue = await import(data.glue);
      await self.glue.default({ module_or_path: data.module });
    } else if (data.weights) {
      self.model = await self.glue.BenchModel.load(data.weights, false);
      postMessage({ precision: self.model.precision, threads: self.model.threads });
    } else if (data.run) {
      postMessage({ ms: await self.model.run(data.images) });
    }
  } catch (error) {
    postMessage({ error: String(error && error.message || error) });
  }
});`;

/**
 * One of the page's own one-thread modules in a worker (`ours-workers`): the app's glue, whose
 * `main` serves the app's worker protocol beside it (arrays of bytes; these are objects).
 */
const WORKER_BENCH = `
addEventListener('message', async ({ data }) => {
  if (!data?.bench) return;
  try {
    if (data.glue) {
      self.glue = await import(data.glue);
      await self.glue.default({ module_or_path: data.module });
      postMessage({ bench: 'ready' });
    } else if (data.weights) {
      self.model = await self.glue.BenchModel.load(data.weights, false);
      postMessage({ bench: 'loaded', precision: self.model.precision });
    } else if (data.run) {
      postMessage({ bench: 'ran', ms: await self.model.run(data.images) });
    }
  } catch (error) {
    postMessage({ bench: 'error', error: String(error && error.message || error) });
  }
});`;

/**
 * A page of the app with no UI (`?bench`), onnxruntime-web beside it, and `loadEngine`.
 * onnxruntime-web's wasm runs on `ortThreads` threads (the page is cross-origin isolated);
 * every engine's pass is one batch of `images` copies of the input.
 */
export async function benchPage(context, site, options) {
  const page = await context.newPage();
  await prepareBench(page, site, options);
  return page;
}

/**
 * Makes `page` the bench page: a Playwright page or a Tab of tests/e2e/support/engines.mjs
 * (any engine): only its `goto` and `evaluate` are used.
 */
export async function prepareBench(page, site, { ortThreads = 1, images = 1 } = {}) {
  await page.goto(`${site.url}index.html?bench`);
  await page.evaluate(() => new Promise((resolve, reject) => {
    const start = Date.now();
    const check = () => (window.wasmBindings?.BenchModel ? resolve() : Date.now() - start > 120_000 ? reject(new Error('no BenchModel after 120 s')) : setTimeout(check, 50));
    check();
  }));
  await page.evaluate((src) => new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement('script'), { src, onload: resolve, onerror: () => reject(new Error(`${src} did not load`)) });
    document.head.append(script);
  }), '/extra/ort.all.min.js');
  await page.evaluate(([threadedBench, workerBench, ortThreads, images]) => {
    window.engines = {};
    const side = 224;
    // The same smooth ramp in [-1, 1] that BenchModel feeds.
    const ramp = Float32Array.from({ length: 3 * side * side }, (_, i) => ((i % side) / side - 0.5) * 2);
    window.loadEngine = async (name) => {
      const started = performance.now();
      let pass;
      let precision = 'f32';
      let threads = 1;
      if (/^ours-(threads|relaxed)(-1)?$/.test(name)) {
        const worker = new Worker(URL.createObjectURL(new Blob([threadedBench], { type: 'text/javascript' })), { type: 'module' });
        const next = () => new Promise((resolve, reject) => worker.addEventListener('message', function heard({ data }) {
          worker.removeEventListener('message', heard);
          return data?.error || data?.failed ? reject(new Error(data.error ?? data.failed)) : resolve(data);
        }));
        const base = new URL(name.startsWith('ours-relaxed') ? 'threaded-worker-relaxed/' : 'threaded-worker/', location.href).href;
        const ready = next(); // the worker's Ready (its pool is up)
        worker.postMessage({ glue: `${base}threaded_worker.js`, module: `${base}threaded_worker_bg.wasm`, cores: name.endsWith('-1') ? 1 : 0 });
        await ready;
        const weights = new Uint8Array(await (await fetch('/extra/seeded.safetensors')).arrayBuffer());
        const loaded = next();
        worker.postMessage({ weights });
        ({ precision, threads } = await loaded);
        pass = async () => {
          const answer = next();
          worker.postMessage({ run: true, images });
          return (await answer).ms;
        };
      } else if (name === 'ours-workers') {
        // One-thread workers, one per core (at most 4), each with its own model; a batch is
        // split between them, a pass lasts until the last share is done.
        threads = Math.min(navigator.hardwareConcurrency || 1, 4);
        const glue = document.querySelector('link[rel=modulepreload][href*="app-"]').href;
        const module = document.querySelector('link[rel=preload][href$="_bg.wasm"]').href;
        const weights = new Uint8Array(await (await fetch('/extra/seeded.safetensors')).arrayBuffer());
        const workers = await Promise.all(Array.from({ length: threads }, async () => {
          const worker = new Worker(URL.createObjectURL(new Blob([workerBench], { type: 'text/javascript' })), { type: 'module' });
          const next = () => new Promise((resolve, reject) => worker.addEventListener('message', function heard({ data }) {
            if (!data?.bench) return;
            worker.removeEventListener('message', heard);
            return data.bench === 'error' ? reject(new Error(data.error)) : resolve(data);
          }));
          let answer = next();
          worker.postMessage({ bench: true, glue, module });
          await answer;
          answer = next();
          worker.postMessage({ bench: true, weights });
          ({ precision } = await answer);
          return { worker, next };
        }));
        pass = () => Promise.all(workers.map(({ worker, next }, i) => {
          const share = Math.floor(images / workers.length) + (i < images % workers.length ? 1 : 0);
          if (!share) return null;
          const answer = next();
          worker.postMessage({ bench: true, run: true, images: share });
          return answer;
        }));
      } else if (name.startsWith('ours')) {
        const bytes = new Uint8Array(await (await fetch('/extra/seeded.safetensors')).arrayBuffer());
        const model = await window.wasmBindings.BenchModel.load(bytes, name === 'ours-webgpu');
        pass = () => model.run(images);
        precision = model.precision; // f16 where WebGPU has shader-f16
      } else {
        ort.env.wasm.wasmPaths = '/extra/';
        ort.env.wasm.numThreads = ortThreads; // read once, at the first session
        threads = ortThreads;
        const session = await ort.InferenceSession.create('/extra/seeded.onnx', { executionProviders: [name === 'ort-webgpu' ? 'webgpu' : 'wasm'] });
        const batch = new Float32Array(images * ramp.length);
        for (let i = 0; i < images; i++) batch.set(ramp, i * ramp.length);
        const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', batch, [images, 3, side, side]) };
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
      return { loadMs, firstMs, precision, threads };
    };
  }, [THREADED_BENCH, WORKER_BENCH, ortThreads, images]);
}

/** WebGPU's adapter in words (vendor · architecture · description · fallback), or 'none'. */
export function adapterName(page) {
  return page.evaluate(async () => {
    const found = await navigator.gpu?.requestAdapter();
    return found ? [found.info.vendor, found.info.architecture, found.info.description, found.info.isFallbackAdapter ? 'fallback adapter' : ''].filter(Boolean).join(' · ') : 'none';
  });
}
