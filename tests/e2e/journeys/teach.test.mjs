// In each engine, Teach as a user works it: two classes from uploaded photos, trained, held-out
// photos predicted; a reload keeps the project; exported, cleared and imported again, it
// predicts the same, and the native CLI reads the browser's file and agrees.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { REPO, serveDist, readSafetensors } from '../support/site.mjs';
import { ENGINES, openTab } from '../support/engines.mjs';
import { Journey, tid } from '../support/journey.mjs';

const PHOTOS = join(REPO, 'tests/fixtures/photos');
const photo = (name) => join(PHOTOS, name);
const WEIGHTS = join(REPO, 'public/models/resnet50-demo-int8.safetensors');
const CLI = process.env.CLI ?? join(REPO, 'target/debug/transfer-studio');

let site;
let work;
before(async () => {
  site = await serveDist({}, { hooks: true });
  work = mkdtempSync(join(tmpdir(), 'ts-teach-journey-'));
});
after(() => site.close());

for (const engine of ENGINES) {
  test(`${engine}: two classes uploaded, trained, predicted; reload keeps them; export, clear, import`, { timeout: 900_000 }, async () => {
    const tab = await openTab(engine);
    try {
      const teach = new Journey(tab, work);
      await teach.openTeach(site.url);
      await teach.setting('epochs', 30);
      await teach.addClass('coins');
      await teach.addClass('brick');
      await teach.upload('coins', [photo('coins_1_256.png'), photo('coins_2_256.png')], 2);
      await teach.upload('brick', [photo('brick_0_256.png'), photo('brick_1_256.png')], 2);
      assert.deepEqual(await teach.counts(), { coins: 2, brick: 2 });

      await teach.train();
      assert.equal((await teach.read(tid('loss-chart'))).epochs, '30');
      const brick = await teach.predict(photo('brick_2_256.png'));
      assert.equal(brick.best, 'brick', JSON.stringify(brick));
      const coins = await teach.predict(photo('coins_0_256.png'));
      assert.equal(coins.best, 'coins', JSON.stringify(coins));
      assert.ok(Math.abs(coins.probs.coins + coins.probs.brick - 1) < 1e-4);

      // Reload: classes, examples and head are kept, and predict the same.
      await teach.reload();
      assert.equal(await teach.waitForModel(), 'ready');
      await teach.storageRead();
      await tab.waitForElement(teach.cls('brick'));
      assert.deepEqual(await teach.counts(), { coins: 2, brick: 2 });
      const again = await teach.predict(photo('brick_2_256.png'));
      assert.ok(Math.abs(again.probs.brick - brick.probs.brick) < 1e-5, `${again.probs.brick} vs ${brick.probs.brick}`);

      // Export: the native CLI reads the browser's file and predicts what the page did.
      const exported = await teach.exportProject();
      const cli = JSON.parse(execFileSync(CLI, ['predict', '--json', '--project', exported, '--weights', WEIGHTS, photo('brick_2_256.png')], { encoding: 'utf8' }));
      const cliBrick = cli.classes.find((c) => c.class === 'brick').prob;
      assert.ok(Math.abs(cliBrick - brick.probs.brick) < 1e-3, `CLI ${cliBrick} vs page ${brick.probs.brick}`);

      // Clear, reload: empty. Import: everything back, the head byte for byte.
      await teach.clearProject();
      await teach.reload();
      assert.equal(await teach.waitForModel(), 'ready');
      await teach.storageRead();
      assert.equal(await teach.count(tid('class')), 0);
      await tab.setFiles(tid('import-project'), [exported]);
      await tab.waitForElement(teach.cls('brick'));
      assert.deepEqual(await teach.counts(), { coins: 2, brick: 2 });
      const imported = await teach.predict(photo('brick_2_256.png'));
      assert.ok(Math.abs(imported.probs.brick - brick.probs.brick) < 1e-5, `${imported.probs.brick} vs ${brick.probs.brick}`);
      const [a, b] = [readSafetensors(readFileSync(exported)), readSafetensors(readFileSync(await teach.exportProject()))];
      for (const key of ['head.weight', 'head.bias', 'features', 'thumbnails']) {
        assert.ok(a.tensors[key].bytes.equals(b.tensors[key].bytes), `${key} round-trips byte for byte`);
      }
      assert.deepEqual(await teach.errors(), []);
    } finally {
      await tab.close();
    }
  });
}
