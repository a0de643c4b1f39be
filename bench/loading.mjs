// Model loading, measured in the browser: time to a ready model from the network and from
// Cache Storage (the page's own figure: fetch or cache read, SHA-256, upload, warm-up), and
// memory from the page's readout (data-testid="memory"): the wasm heap (WebAssembly memory
// only grows, so it is the peak so far) and the bytes the device allocator reserves.
//
//   node bench/loading.mjs [--backends webgpu,cpu]   (after `trunk build --release` and scripts/demo-model.sh)
//
// Loads the int8 demo model from the network, reloads (cache), classifies a photo, then loads
// the fp32 demo weights by URL (quantized in the browser), on WebGPU and on the CPU fallback.
import { join } from 'node:path';
import { REPO, serveDist, launch, StudioPage } from '../tests/e2e/support/site.mjs';
import { option } from './bench_page.mjs';

const PHOTO = join(REPO, 'tests/fixtures/photos/chelsea_0_256.png');
const site = await serveDist({ 'demo-fp32.safetensors': join(REPO, 'build/resnet50-demo-fp32.safetensors') });
const mb = (bytes) => (bytes ? (Number(bytes) / 1e6).toFixed(1) : 'n/a');
const rows = [];
const times = [];

async function figures(studio) {
  const memory = studio.page.getByTestId('memory');
  return { heap: await memory.getAttribute('data-wasm-heap'), device: await memory.getAttribute('data-device-reserved') };
}

async function loadMs(studio) {
  return [await studio.status().getAttribute('data-origin'), Number(await studio.status().getAttribute('data-load-ms'))];
}

/** In the page: when the model became ready, a photo was chosen, and its top-5 appeared. */
function noteMoments() {
  const moments = (window.__moments = {});
  const now = () => Math.round(performance.now());
  document.addEventListener('change', () => (moments.chosen ??= now()), true);
  new MutationObserver(() => {
    if (!moments.ready && document.querySelector('[data-testid="model-status"][data-state="ready"]')) moments.ready = now();
    if (moments.chosen && !moments.shown && document.querySelector('[data-testid="result"]')) moments.shown = now();
  }).observe(document, { subtree: true, childList: true, attributes: true });
}

const backends = option('--backends', 'webgpu,cpu').split(',');
for (const webgpu of backends.map((name) => name === 'webgpu')) {
  const context = await launch({ webgpu });
  await context.addInitScript(noteMoments);
  try {
    const studio = new StudioPage(await context.newPage());
    await studio.open(webgpu ? `${site.url}?device=webgpu` : site.url);
    await studio.waitForModel();
    const backend = await studio.backend().getAttribute('data-backend');
    rows.push([backend, 'int8 model loaded (25.7 MB download)', await figures(studio)]);
    times.push([backend, ...(await loadMs(studio))]);
    // A returning visit, timed in the page (ms since navigation start), so the time this
    // script takes to notice a state and choose the photo is not counted as the app's.
    await studio.page.reload();
    await studio.waitForModel();
    times.push([backend, ...(await loadMs(studio))]);
    rows.push([backend, 'int8 model loaded again, from the cache', await figures(studio)]);
    await studio.classify(PHOTO);
    const { ready, chosen, shown } = await studio.page.evaluate(() => window.__moments);
    times.push([backend, 'returning visit: page opened → model ready', ready]);
    times.push([backend, 'first prediction from cached weights: photo chosen → top-5 shown', shown - chosen]);
    times.push([backend, 'page opened → top-5 shown, less the wait for a photo', ready + shown - chosen]);
    rows.push([backend, 'after one classification', await figures(studio)]);
    await studio.loadUrl(`${site.url}extra/demo-fp32.safetensors`);
    rows.push([backend, 'fp32 (102 MB) quantized in the browser, loaded', await figures(studio)]);
    times.push([backend, 'fp32 URL, quantized in the browser', (await loadMs(studio))[1]]);
  } finally {
    await context.close();
  }
}
site.close();

console.log(`| backend | moment | wasm heap (peak so far) | device allocator reserved |`);
console.log(`| --- | --- | --- | --- |`);
for (const [backend, moment, { heap, device }] of rows) console.log(`| ${backend} | ${moment} | ${mb(heap)} MB | ${mb(device)} MB |`);

console.log(`\n| backend | what | ms |\n| --- | --- | --- |`);
for (const [backend, origin, ms] of times) console.log(`| ${backend} | ${origin} | ${ms} |`);
