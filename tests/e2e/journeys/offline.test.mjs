// In each engine, offline: once the service worker has cached the shell, the server goes away
// (every request refused, as with the network gone) and a reload still opens the app, loads
// the model from the browser's cache and classifies as the native CLI does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO, serveDist, cliTop5, assertSameTop5 } from '../support/site.mjs';
import { ENGINES, openTab } from '../support/engines.mjs';
import { Journey, tid } from '../support/journey.mjs';

const PHOTO = join(REPO, 'tests/fixtures/photos/coffee_0_256.png');
const WEIGHTS = join(REPO, 'public/models/resnet50-demo-int8.safetensors');

for (const engine of ENGINES) {
  test(`${engine}: offline reload — the shell from the service worker, the model from the cache, the CLI's top-5`, { timeout: 600_000 }, async () => {
    const site = await serveDist({}, { hooks: true });
    const tab = await openTab(engine);
    try {
      const studio = new Journey(tab);
      await studio.open(site.url);
      assert.equal(await studio.waitForModel(), 'ready');
      await tab.waitFor(async () => (await navigator.serviceWorker.getRegistration())?.active?.state === 'activated', null, { timeout: 120_000, what: 'an active service worker' });
      // The Models panel lists the model file once the browser's cache holds it.
      await tab.click('details.models summary');
      await tab.waitForElement(tid('cached-file'));

      site.close();
      await studio.reload();
      assert.equal(await studio.waitForModel(), 'ready', (await studio.read(tid('model-status')))?.text);
      const status = await studio.read(tid('model-status'));
      assert.equal(status.origin, 'cache', status.text);
      assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(WEIGHTS, PHOTO));
      assert.deepEqual(await studio.errors(), []);
    } finally {
      await tab.close();
      site.close();
    }
  });
}
