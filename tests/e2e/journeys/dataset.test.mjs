// In each engine, a dataset as a user keeps one: a zip of class folders (with junk, a corrupt
// image and a nested folder) becomes classes with the right counts and says what it skipped;
// the examples export as a zip of class folders. Cleared and imported again in the same page,
// it imports the same, with the user's settings kept (Clear once reset them: augmentation back
// on made the second import 3.4 times slower than the first).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { REPO, serveDist, readSafetensors } from '../support/site.mjs';
import { ENGINES, openTab } from '../support/engines.mjs';
import { Journey, tid } from '../support/journey.mjs';

const PYTHON = join(REPO, '.venv/bin/python');

let site;
let work;
before(async () => {
  site = await serveDist({}, { hooks: true });
  work = mkdtempSync(join(tmpdir(), 'ts-dataset-journey-'));
  execFileSync(PYTHON, [join(REPO, 'tests/reference/make_dataset.py'), work]);
});
after(() => site.close());

/** Names in a zip file, read by Python's zipfile (not by the code under test). */
function zipNames(path) {
  return JSON.parse(execFileSync(PYTHON, ['-c', 'import sys, json, zipfile; print(json.dumps(zipfile.ZipFile(sys.argv[1]).namelist()))', path], { encoding: 'utf8' }));
}

/** Imports the zip with the dataset picker; the import's figures once it has ended. */
async function importZip(teach, zip) {
  await teach.tab.setFiles(tid('dataset-zip'), [zip]);
  const source = zip.split('/').pop();
  return teach.tab.waitFor((s) => {
    const status = document.querySelector(`[data-testid="import-status"][data-source="${s}"]`);
    return status && status.dataset.state !== 'running' && { ...status.dataset, text: status.textContent };
  }, source, { timeout: 600_000, what: `the import of ${source}` });
}

for (const engine of ENGINES) {
  test(`${engine}: a zip of class folders becomes classes, says what it skipped, exports back; imported again after Clear`, { timeout: 900_000 }, async () => {
    const tab = await openTab(engine);
    try {
      const teach = new Journey(tab, work);
      await teach.openTeach(site.url);

      const zip = join(work, 'textures.zip');
      const first = await importZip(teach, zip);
      assert.equal(first.state, 'finished', first.text);
      assert.deepEqual(await teach.counts(), { brick: 7, grass: 5, gravel: 6 });
      assert.equal(Number(first.added), 18);
      assert.equal(Number(first.failed), 1, 'broken.jpg cannot be read');
      assert.equal(Number(first.skipped), 3, 'notes.txt, .DS_Store and the __MACOSX file');

      const names = zipNames(await teach.download('dataset-export'));
      const perFolder = {};
      for (const name of names) perFolder[name.split('/')[0]] = (perFolder[name.split('/')[0]] ?? 0) + 1;
      assert.deepEqual(perFolder, { brick: 7, grass: 5, gravel: 6 });

      await teach.clearProject();
      assert.equal(await tab.evaluate(() => document.querySelector('[data-testid="augment"]').checked), false, 'Clear keeps the settings');
      const second = await importZip(teach, zip);
      assert.equal(second.state, 'finished', second.text);
      assert.deepEqual(await teach.counts(), { brick: 7, grass: 5, gravel: 6 });
      const views = readSafetensors(readFileSync(await teach.exportProject())).tensors['example.views'].bytes;
      assert.deepEqual([...new Uint32Array(views.buffer.slice(views.byteOffset, views.byteOffset + views.length))], Array(18).fill(1), 'one view an example: no augmentation');
      console.log(`${engine}: dataset import ${first.rate} images/s, again after Clear ${second.rate} images/s`);
      assert.deepEqual(await teach.errors(), []);
    } finally {
      await tab.close();
    }
  });
}
