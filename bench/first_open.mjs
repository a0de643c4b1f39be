// First open to first real-kind prediction, as a new user meets it: the manifest's
// pretrained entry is a 102 MB fp32 ResNet50 (the seeded weights, same layout and size as
// torchvision's) served locally with its digest pinned and its size unknown; the page
// downloads it, checks it, quantizes it to int8 in the browser, caches it, warms up, and a
// photo is classified. Then the second visit, from the cache. On WebGPU (SwiftShader here)
// and on the CPU fallback; peak memory is the browser's resident peak (all its processes).
//
//   node bench/first_open.mjs    (after a trunk build and scripts/demo-model.sh)
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { REPO, SHIPPED_MANIFEST, serveDist, launch, StudioPage } from '../tests/e2e/support/site.mjs';
import { peakRss } from './memory.mjs';

const PHOTO = join(REPO, 'tests/fixtures/photos/chelsea_0_256.png');
const FP32 = join(REPO, 'build/resnet50-demo-fp32.safetensors');
const shipped = JSON.parse(readFileSync(SHIPPED_MANIFEST, 'utf8'));
const manifest = {
  models: [
    { ...shipped.models[0], url: 'extra/pretrained.safetensors', sha256: createHash('sha256').update(readFileSync(FP32)).digest('hex') },
    shipped.models[1],
  ],
};
const site = await serveDist({ 'pretrained.safetensors': FP32 }, { manifest });
const rows = [];

async function firstPrediction(studio) {
  const opened = Date.now();
  await studio.page.locator('[data-testid="model-status"][data-state="ready"]', { hasText: 'pretrained' }).waitFor({ timeout: 900_000 });
  const ready = Date.now();
  await studio.classify(PHOTO);
  return { ready: ready - opened, predicted: Date.now() - opened, origin: await studio.status().getAttribute('data-origin') };
}

for (const webgpu of [false, true]) {
  const context = await launch({ webgpu });
  try {
    const studio = new StudioPage(await context.newPage());
    await studio.open(webgpu ? `${site.url}?device=webgpu` : site.url);
    const first = await firstPrediction(studio);
    const firstPeak = peakRss(context.profileDir);
    await studio.page.reload();
    const second = await firstPrediction(studio);
    const backend = await studio.backend().getAttribute('data-backend');
    rows.push([backend, 'first visit (102 MB download, quantized here)', first, firstPeak]);
    rows.push([backend, 'second visit (int8 from the cache)', second, peakRss(context.profileDir)]);
  } finally {
    await context.close();
  }
}
site.close();
console.log('| backend | visit | page open → model ready | page open → first top-5 | origin | browser peak RSS so far |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [backend, visit, t, peak] of rows) {
  console.log(`| ${backend} | ${visit} | ${(t.ready / 1e3).toFixed(1)} s | ${(t.predicted / 1e3).toFixed(1)} s | ${t.origin} | ${(peak / 1e6).toFixed(0)} MB |`);
}
