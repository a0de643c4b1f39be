// In each engine, a share link: a trained classifier's link (the head, quantized, in the
// address) opens at once in a fresh browser, where there is no project to replace, and predicts
// what the trained head did.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO, serveDist } from '../support/site.mjs';
import { ENGINES, openTab } from '../support/engines.mjs';
import { Journey, tid } from '../support/journey.mjs';

const PHOTOS = join(REPO, 'tests/fixtures/photos');
const photo = (name) => join(PHOTOS, name);
/** How far a link's head may move a probability, by the bits a weight it carries. */
const TOLERANCE = { 4: 0.05, 8: 0.03, 16: 2e-3 };

let site;
before(async () => { site = await serveDist({}, { hooks: true }); });
after(() => site.close());

for (const engine of ENGINES) {
  test(`${engine}: a share link opens the trained classifier in a fresh browser and predicts the same`, { timeout: 600_000 }, async () => {
    const tab = await openTab(engine);
    let fresh;
    try {
      const teach = new Journey(tab);
      await teach.openTeach(site.url);
      await teach.setting('epochs', 30);
      await teach.addClass('grass');
      await teach.addClass('brick');
      await teach.upload('grass', [photo('grass_0_256.png'), photo('grass_1_256.png')], 2);
      await teach.upload('brick', [photo('brick_0_256.png'), photo('brick_1_256.png')], 2);
      await teach.train();
      const trained = [await teach.predict(photo('brick_2_256.png')), await teach.predict(photo('grass_2_256.png'))];
      assert.deepEqual(trained.map((p) => p.best), ['brick', 'grass'], JSON.stringify(trained));

      await tab.click(tid('share-make'));
      const qr = await tab.waitFor(() => {
        const e = document.querySelector('[data-testid="share-qr"]');
        return e && { link: e.dataset.link, bits: e.dataset.bits };
      }, null, { what: 'the share link' });

      // A fresh browser (no project): the link's classifier opens at once.
      fresh = await openTab(engine);
      const shared = new Journey(fresh);
      await shared.open(qr.link);
      assert.equal(await shared.waitForModel(), 'ready');
      await fresh.waitForElement(tid('from-link'));
      assert.equal(await shared.count(tid('shared-arrival')), 0, 'nothing to replace: no question asked');
      let difference = 0;
      for (const [file, before] of [['brick_2_256.png', trained[0]], ['grass_2_256.png', trained[1]]]) {
        const got = await shared.predict(photo(file));
        assert.equal(got.best, before.best, `${file}: the same answer through the link`);
        difference = Math.max(difference, Math.abs(got.probs.brick - before.probs.brick));
      }
      assert.ok(difference < TOLERANCE[qr.bits], `${qr.bits}-bit link: |Δprob| ${difference}`);
      console.log(`${engine}: share link of ${qr.link.length} characters, ${qr.bits}-bit head, |Δprob| ${difference.toExponential(2)}`);
      assert.deepEqual(await teach.errors(), []);
      assert.deepEqual(await shared.errors(), []);
    } finally {
      await tab.close();
      await fresh?.close();
    }
  });
}
