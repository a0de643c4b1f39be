// A first visit as a new user meets it: the default is pretrained weights from a pinned URL
// (routed here: no internet), downloaded once with progress and cancel, quantized to int8 in
// the browser and cached; when the download cannot happen the demo model — made in the
// browser from its seed — runs instead, the page says why and offers to try again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { REPO, SHIPPED_MANIFEST, serveDist, launch, StudioPage, cliTop5, assertSameTop5 } from './support/site.mjs';

const PHOTO = join(REPO, 'tests/fixtures/photos/rocket_1_256.png');
const INT8 = join(REPO, 'public/models/resnet50-demo-int8.safetensors');
const FP32 = join(REPO, 'build/resnet50-demo-fp32.safetensors');
const SHIPPED = JSON.parse(readFileSync(SHIPPED_MANIFEST, 'utf8'));
const PINNED = SHIPPED.models[0].url;
const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');
const notice = (page) => page.getByTestId('notice');
const pretrainedReady = (page) => page.locator('[data-testid="model-status"][data-state="ready"]', { hasText: 'pretrained' }).waitFor({ timeout: 600_000 });

// The shipped manifest with its pretrained entry pointing at a local stand-in: the demo fp32
// weights, pinned by their real digest, size unknown until the download says.
const STAND_IN = {
  models: [{ ...SHIPPED.models[0], url: PINNED.replace('tv_in1k', 'stand_in'), sha256: sha256(FP32) }, SHIPPED.models[1]],
};

let shipped;
let standIn;
before(async () => {
  shipped = await serveDist({}, { manifest: SHIPPED_MANIFEST });
  standIn = await serveDist({ 'stand-in.safetensors': FP32 }, { manifest: STAND_IN });
});
after(() => { shipped.close(); standIn.close(); });

test('offline first visit: demo made here, reason and retry; cancel; then pretrained, cached, offline next time', { timeout: 1_500_000 }, async () => {
  const context = await launch({ webgpu: false });
  let phase = 'offline';
  let requests = 0;
  await context.route(STAND_IN.models[0].url, async (route) => {
    requests += 1;
    if (phase === 'offline') return route.abort('internetdisconnected');
    if (phase === 'hang') return; // never answered: the user cancels
    // As the hub answers: a redirect to where the bytes are (102 MB bodies do not fit through the route).
    return route.fulfill({ status: 302, headers: { location: `${standIn.url}extra/stand-in.safetensors`, 'access-control-allow-origin': '*' } });
  });
  try {
    const studio = new StudioPage(await context.newPage());
    const page = studio.page;
    await studio.open(standIn.url);
    assert.equal(await studio.waitForModel(600_000), 'ready', await studio.status().textContent());
    await page.getByTestId('demo-banner').waitFor();
    assert.equal(await notice(page).getAttribute('data-kind'), 'fallback');
    assert.match(await notice(page).textContent(), /Using the demo model: the pretrained model could not be loaded \(.*failed.*\)/);
    assert.ok(requests >= 1, 'the pinned URL was asked for');
    assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(INT8, PHOTO));

    // Retry while the network hangs, then cancel: the demo stays, the page says so.
    phase = 'hang';
    await page.getByTestId('retry').click();
    await page.locator('[data-testid="model-status"][data-state="downloading"]').waitFor();
    assert.match(await studio.status().textContent(), /Downloading .*≈ 102\.0 MB/);
    await page.getByTestId('cancel-download').click();
    await page.locator('[data-testid="notice"][data-kind="fallback"]', { hasText: 'cancelled' }).waitFor();
    assert.equal(await studio.status().getAttribute('data-state'), 'ready');
    await page.getByTestId('demo-banner').waitFor();

    // Retry once the URL answers: downloaded, quantized here, cached; the notice goes.
    phase = 'serve';
    await page.getByTestId('retry').click();
    await pretrainedReady(page);
    assert.equal(await notice(page).count(), 0);
    assert.equal(await page.getByTestId('demo-banner').count(), 0, 'no demo banner on pretrained weights');
    assert.equal(await studio.status().getAttribute('data-origin'), 'network');
    assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(INT8, PHOTO));
    const keys = await studio.cachedUrls();
    assert.ok(keys.some((k) => k.startsWith(STAND_IN.models[0].url)), JSON.stringify(keys));

    // The next visit, network cut: the pretrained copy from the cache, no notice.
    await studio.offlineReady();
    await context.setOffline(true);
    await page.reload();
    await pretrainedReady(page);
    assert.equal(await studio.status().getAttribute('data-origin'), 'cache');
    assert.equal(await notice(page).count(), 0);
    assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(INT8, PHOTO));
    assert.deepEqual(studio.errors, []);
  } finally {
    await context.close();
  }
});

test('Save-Data waits for a click; wrong bytes at the pinned URL: digest mismatch, demo kept, nothing cached', { timeout: 1_200_000 }, async () => {
  const context = await launch({ webgpu: false });
  let requests = 0;
  await context.route(PINNED, (route) => {
    requests += 1;
    return route.fulfill({ status: 200, body: readFileSync(INT8), headers: { 'access-control-allow-origin': '*' } });
  });
  try {
    const page = await context.newPage();
    await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'connection', { get: () => ({ saveData: true }) }));
    const studio = new StudioPage(page);
    await studio.open(shipped.url);
    assert.equal(await studio.waitForModel(600_000), 'ready', await studio.status().textContent());
    await page.getByTestId('demo-banner').waitFor();
    assert.equal(await notice(page).getAttribute('data-kind'), 'ask');
    assert.match(await notice(page).textContent(), /ResNet50 · torchvision V1 .*: ≈ 102\.0 MB download once, kept as a 25\.\d MB int8 copy for offline use/);
    assert.equal(requests, 0, 'nothing downloaded before the click');

    await page.getByTestId('start-download').click();
    await page.locator('[data-testid="notice"][data-kind="fallback"]').waitFor({ timeout: 300_000 });
    assert.match(await notice(page).textContent(), /digest mismatch/);
    assert.equal(requests, 1);
    await page.getByTestId('demo-banner').waitFor();
    const keys = await studio.cachedUrls();
    assert.ok(!keys.some((k) => k.startsWith(PINNED)), `nothing cached for the pinned URL: ${JSON.stringify(keys)}`);
    assert.deepEqual(studio.errors, []);
  } finally {
    await context.close();
  }
});
