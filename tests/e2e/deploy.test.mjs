// The static site as deployed on a project page: served under a sub-path only, it loads,
// registers its service worker for that path, works offline there, and Chromium finds its
// web app manifest valid and the site installable. Its shell cache holds one build: the
// hashed files of an older one and the caches of an older service worker are dropped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO, serveDist, launch, StudioPage, cliTop5, assertSameTop5 } from './support/site.mjs';

const PHOTO = join(REPO, 'tests/fixtures/photos/chelsea_0_256.png');
const INT8 = join(REPO, 'public/models/resnet50-demo-int8.safetensors');

let site;
before(async () => { site = await serveDist({ 'blank.html': () => Buffer.from('<!doctype html><title>before</title>') }, { base: '/transfer-studio/' }); });
after(() => site.close());

test('under a sub-path: loads, goes offline, installable', { timeout: 600_000 }, async () => {
  const context = await launch({ webgpu: false });
  try {
    const studio = new StudioPage(await context.newPage());
    const page = studio.page;
    // What an earlier version of the service worker left, written (and read back) from a page
    // of the same origin before the app and its service worker first run.
    await page.goto(`${site.url}extra/blank.html`);
    const left = await page.evaluate(async () => {
      await (await caches.open('transfer-studio-shell-v1')).put('old-shell', new Response('v1'));
      return caches.keys();
    });
    assert.deepEqual(left, ['transfer-studio-shell-v1']);
    await studio.open(site.url);
    assert.equal(await studio.waitForModel(), 'ready', await studio.status().textContent());
    assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(INT8, PHOTO));
    // The site's policy: its own files, wasm, blob workers, data/blob images, https fetches;
    // inline scripts only by hash. Every test fails on a violation it reports (support/site.mjs).
    const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    const scripts = policy.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src'));
    assert.match(scripts, /^script-src 'self' 'wasm-unsafe-eval'( 'sha256-[A-Za-z0-9+/=]+')+$/, policy);
    for (const directive of ["default-src 'self'", "worker-src 'self' blob:", "img-src 'self' data: blob:", "object-src 'none'"]) {
      assert.ok(policy.includes(directive), `${directive} in ${policy}`);
    }

    const scope = await studio.offlineReady();
    assert.equal(scope, site.url, 'the service worker controls the sub-path');
    const cdp = await context.newCDPSession(page);
    const manifest = await cdp.send('Page.getAppManifest');
    assert.deepEqual(manifest.errors, [], JSON.stringify(manifest.errors));
    assert.ok(manifest.url.startsWith(site.url), manifest.url);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors, [], JSON.stringify(installabilityErrors));

    // An older build's wasm in the shell cache goes at the next page fetch.
    const stale = await page.evaluate(async () => {
      const url = new URL('app-0123456789abcdef_bg.wasm', location.href).href;
      await (await caches.open('transfer-studio-shell-v2')).put(url, new Response('an older build'));
      return url;
    });
    await page.reload();
    assert.equal(await studio.waitForModel(), 'ready');
    await page.waitForFunction(async (url) => !(await (await caches.open('transfer-studio-shell-v2')).match(url)), stale, { timeout: 30_000 });
    const { names, wasm } = await page.evaluate(async () => ({
      names: await caches.keys(),
      wasm: (await (await caches.open('transfer-studio-shell-v2')).keys()).filter((r) => r.url.endsWith('.wasm')).length,
    }));
    assert.ok(!names.includes('transfer-studio-shell-v1'), `an older worker's cache is dropped: ${names}`);
    assert.equal(wasm, 1, 'one build in the shell cache');

    await context.setOffline(true);
    await page.reload();
    assert.equal(await studio.waitForModel(), 'ready');
    assert.equal(await studio.status().getAttribute('data-origin'), 'cache');
    assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(INT8, PHOTO));
    assert.deepEqual(studio.errors, []);
  } finally {
    await context.close();
  }
});
