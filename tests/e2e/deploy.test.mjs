// The static site as deployed on a project page: served under a sub-path only, it loads,
// registers its service worker for that path, works offline there, and Chromium finds its
// web app manifest valid and the site installable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO, serveDist, launch, StudioPage, cliTop5, assertSameTop5 } from './support/site.mjs';

const PHOTO = join(REPO, 'tests/fixtures/photos/chelsea_0_256.png');
const INT8 = join(REPO, 'public/models/resnet50-demo-int8.safetensors');

let site;
before(async () => { site = await serveDist({}, { base: '/transfer-studio/' }); });
after(() => site.close());

test('under a sub-path: loads, goes offline, installable', { timeout: 600_000 }, async () => {
  const context = await launch({ webgpu: false });
  try {
    const studio = new StudioPage(await context.newPage());
    const page = studio.page;
    await studio.open(site.url);
    assert.equal(await studio.waitForModel(), 'ready', await studio.status().textContent());
    assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(INT8, PHOTO));

    const scope = await studio.offlineReady();
    assert.equal(scope, site.url, 'the service worker controls the sub-path');
    const cdp = await context.newCDPSession(page);
    const manifest = await cdp.send('Page.getAppManifest');
    assert.deepEqual(manifest.errors, [], JSON.stringify(manifest.errors));
    assert.ok(manifest.url.startsWith(site.url), manifest.url);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors, [], JSON.stringify(installabilityErrors));

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
