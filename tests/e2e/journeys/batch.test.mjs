// In each engine, several photos at once: the table fills as each finishes, a corrupt one is
// marked, the rest ranked as the native CLI ranks them, and the JSON export holds the same.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join, basename } from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { REPO, serveDist, cliTop5, assertSameTop5 } from '../support/site.mjs';
import { ENGINES, openTab } from '../support/engines.mjs';
import { Journey, tid } from '../support/journey.mjs';

const PHOTOS = join(REPO, 'tests/fixtures/photos');
const WEIGHTS = join(REPO, 'public/models/resnet50-demo-int8.safetensors');
const BATCH = [join(PHOTOS, 'chelsea_1_256.png'), join(REPO, 'tests/fixtures/synthetic/corrupt.jpg'), join(PHOTOS, 'rocket.jpg')];

let site;
let work;
before(async () => {
  site = await serveDist({}, { hooks: true });
  work = mkdtempSync(join(tmpdir(), 'ts-batch-journey-'));
});
after(() => site.close());

for (const engine of ENGINES) {
  test(`${engine}: a batch of three photos — the CLI's top-5 for each, the corrupt one marked, exported as JSON`, { timeout: 600_000 }, async () => {
    const tab = await openTab(engine);
    try {
      const studio = new Journey(tab, work);
      await studio.open(site.url);
      assert.equal(await studio.waitForModel(), 'ready');
      await tab.setFiles(tid('file-input'), BATCH);
      await tab.waitFor((n) => document.querySelector('[data-testid="batch-status"]')?.dataset.running === 'false'
        && document.querySelectorAll('[data-testid="batch-row"]').length >= n, BATCH.length, { timeout: 300_000, what: 'the batch to finish' });
      const rows = await tab.evaluate(() => [...document.querySelectorAll('[data-testid="batch-row"]')].map((r) => ({
        file: r.dataset.file,
        failed: r.dataset.failed === 'true',
        top: [...r.querySelectorAll('.batch-top li')].map((li) => ({ index: Number(li.dataset.index), prob: Number(li.dataset.prob) })),
      })));
      assert.deepEqual(rows.map((r) => r.file), BATCH.map((f) => basename(f)), 'rows in the order given');
      assert.deepEqual(rows.map((r) => r.failed), [false, true, false]);
      for (const [i, file] of BATCH.entries()) {
        if (!rows[i].failed) assertSameTop5(assert, rows[i].top, cliTop5(WEIGHTS, file));
      }
      assert.match((await studio.read(tid('batch-status'))).text, /3 of 3/);

      const json = JSON.parse(readFileSync(await studio.download('batch-json'), 'utf8'));
      assert.deepEqual(json.map((r) => r.file), rows.map((r) => r.file));
      assert.deepEqual(json.map((r) => r.top.map((p) => p.index)), rows.map((r) => r.top.map((p) => p.index)));
      assert.match(json[1].error, /could not be decoded/);
      assert.deepEqual(await studio.errors(), []);
    } finally {
      await tab.close();
    }
  });
}
