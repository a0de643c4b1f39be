// Model loading as a user meets it: first visit from the network, the next one from the
// cache with the network cut, an fp32 URL quantized in the browser, bad downloads refused
// without poisoning the cache, cached files listed and deleted; a weights URL on another site
// without CORS refused with the reason, one with CORS loaded, on the cross-origin isolated page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { REPO, serveDist, launch, StudioPage, cliTop5, assertSameTop5 } from './support/site.mjs';

const PHOTO = join(REPO, 'tests/fixtures/photos/rocket_1_256.png');
const INT8 = join(REPO, 'public/models/resnet50-demo-int8.safetensors');
const FP32 = join(REPO, 'build/resnet50-demo-fp32.safetensors');

let site;
before(async () => {
  site = await serveDist({
    'demo-fp32.safetensors': FP32,
    'truncated.safetensors': async () => (await readFile(FP32)).subarray(0, 40_000_000),
    'not-a-model.safetensors': join(REPO, 'tests/fixtures/synthetic/corrupt.jpg'),
  });
});
after(() => site.close());

test('cached offline, fp32 URL quantized in the browser, bad downloads refused, cache managed', { timeout: 900_000 }, async () => {
  const context = await launch({ webgpu: false });
  try {
    const studio = new StudioPage(await context.newPage());
    await studio.open(site.url);
    assert.equal(await studio.waitForModel(), 'ready', await studio.status().textContent());
    assert.equal(await studio.status().getAttribute('data-origin'), 'network');
    assert.match(await studio.status().textContent(), /int8/);
    const expected = cliTop5(INT8, PHOTO);
    assertSameTop5(assert, await studio.classify(PHOTO), expected);
    const demoKeys = await studio.cachedUrls();
    assert.equal(demoKeys.length, 1, 'the demo model is cached after it loaded');

    // Next visit with the network cut: the shell comes from the service worker, the model from Cache Storage.
    await studio.offlineReady();
    await context.setOffline(true);
    await studio.page.reload();
    assert.equal(await studio.waitForModel(), 'ready', await studio.status().textContent());
    assert.equal(await studio.status().getAttribute('data-origin'), 'cache');
    assertSameTop5(assert, await studio.classify(PHOTO), expected);
    await context.setOffline(false);

    // Bad downloads: an error, the current model kept, nothing new cached.
    for (const [name, message] of [['truncated.safetensors', /not a safetensors file/], ['not-a-model.safetensors', /not a safetensors file/], ['missing.safetensors', /HTTP 404/]]) {
      await studio.loadUrl(`${site.url}extra/${name}`);
      assert.match(await studio.error().textContent(), message, name);
      assert.equal(await studio.status().getAttribute('data-state'), 'ready', `${name}: the previous model stays`);
      assert.deepEqual(await studio.cachedUrls(), demoKeys, `${name}: no poisoned cache entry`);
    }

    // A pretrained-style fp32 source: quantized here once, then cached.
    await studio.loadUrl(`${site.url}extra/demo-fp32.safetensors`);
    assert.equal(await studio.error().count(), 0);
    assert.equal(await studio.status().getAttribute('data-origin'), 'network');
    await studio.page.getByTestId('user-banner').waitFor();
    assertSameTop5(assert, await studio.classify(PHOTO), expected);
    const keys = await studio.cachedUrls();
    assert.equal(keys.length, 2, JSON.stringify(keys));
    await studio.loadUrl(`${site.url}extra/demo-fp32.safetensors`);
    assert.equal(await studio.status().getAttribute('data-origin'), 'cache', 'quantized once, then from the cache');

    // The next visit loads the model the user chose, from the cache.
    await studio.page.reload();
    assert.equal(await studio.waitForModel(), 'ready');
    assert.equal(await studio.status().getAttribute('data-origin'), 'cache');
    await studio.page.getByTestId('user-banner').waitFor();

    // Delete from the cache; the choice is forgotten with it.
    const fp32Key = keys.find((k) => k.includes('demo-fp32'));
    await studio.openModels();
    await studio.page.locator(`[data-testid="cached-file"][data-url="${fp32Key}"] [data-testid="delete-cached"]`).click();
    await studio.page.locator(`[data-testid="cached-file"][data-url="${fp32Key}"]`).waitFor({ state: 'detached' });
    assert.deepEqual(await studio.cachedUrls(), demoKeys);
    await studio.page.reload();
    assert.equal(await studio.waitForModel(), 'ready');
    await studio.page.getByTestId('demo-banner').waitFor();
    assert.deepEqual(studio.errors, []);
  } finally {
    await context.close();
  }
});

test('a wrong digest in the manifest is refused and nothing is cached', { timeout: 300_000 }, async () => {
  // Playwright cannot intercept requests a service worker makes, so none runs here.
  const context = await launch({ webgpu: false, serviceWorkers: 'block' });
  try {
    const page = await context.newPage();
    await page.route('**/models/manifest.json', async (route) => {
      const manifest = await (await route.fetch()).json();
      manifest.models[0].sha256 = '0'.repeat(64);
      await route.fulfill({ json: manifest });
    });
    const studio = new StudioPage(page);
    await studio.open(site.url);
    assert.equal(await studio.waitForModel(), 'failed');
    assert.match(await studio.status().textContent(), /corrupt or incomplete/);
    await studio.openModels();
    await page.getByTestId('cache-empty').waitFor();
  } finally {
    await context.close();
  }
});

test('under isolation: a weights URL on another site without CORS is refused, saying why; with CORS it loads', { timeout: 600_000 }, async () => {
  // Another origin (its own port) that serves the file as a plain static host does: no CORS headers.
  let asked = 0;
  const bare = createServer(async (req, res) => {
    asked += 1;
    const body = await readFile(INT8);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  await new Promise((ok) => bare.listen(0, '127.0.0.1', ok));
  const open = await serveDist({ 'other-site.safetensors': INT8 });
  const context = await launch({ webgpu: false });
  try {
    const studio = new StudioPage(await context.newPage());
    await studio.open(site.url);
    assert.equal(await studio.waitForModel(), 'ready');
    assert.equal(await studio.page.evaluate(() => crossOriginIsolated), true);
    const before = await studio.cachedUrls();

    await studio.loadUrl(`http://127.0.0.1:${bare.address().port}/resnet50.safetensors`);
    assert.ok(asked >= 1, 'the host was asked');
    assert.match(await studio.error().textContent(), /does not let other sites download it .*CORS.*Access-Control-Allow-Origin/);
    assert.equal(await studio.status().getAttribute('data-state'), 'ready', 'the previous model stays');
    assert.deepEqual(await studio.cachedUrls(), before, 'nothing cached');

    const url = `${open.url}extra/other-site.safetensors`;
    assert.notEqual(new URL(url).origin, new URL(site.url).origin);
    await studio.loadUrl(url);
    assert.equal(await studio.error().count(), 0);
    assert.equal(await studio.status().getAttribute('data-origin'), 'network');
    assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(INT8, PHOTO));
    assert.deepEqual(studio.errors, []);
  } finally {
    await context.close();
    bare.close();
    open.close();
  }
});
