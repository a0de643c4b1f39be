// Datasets in and out of Teach mode, on the CPU fallback: a zip of class folders (with junk,
// a corrupt image and a nested folder) becomes classes with the right counts and says what it
// skipped; the examples export as a zip of class folders; the same tree picked as a folder
// imports the same way; the map flags a planted mislabel; a pool of unlabelled photos is
// offered least sure first; a 10,000-image zip is listed without a long task and cancelled.
// The zip is picked, the flagged example found on the map and moved, and a pool image
// labelled with the keyboard alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { REPO, serveDist, launch } from './support/site.mjs';
import { TeachPage } from './support/teach_page.mjs';
import { tabTo, chooseWithKeyboard, chooseWithArrows } from './support/keyboard.mjs';

const PYTHON = join(REPO, '.venv/bin/python');
const PHOTOS = join(REPO, 'tests/fixtures/photos');
const CORRUPT = join(REPO, 'tests/fixtures/synthetic/corrupt.jpg');
const LARGE = 10_000;

let site;
let work;
before(async () => {
  site = await serveDist();
  work = mkdtempSync(join(tmpdir(), 'ts-dataset-'));
  execFileSync(PYTHON, [join(REPO, 'tests/reference/make_dataset.py'), work, String(LARGE)]);
});
after(() => site.close());

class DatasetPage extends TeachPage {
  status() { return this.page.getByTestId('import-status'); }
  /** Waits for the import of `source` (a zip's or the top folder's name) to end; its figures. */
  async imported(source, timeout = 600_000) {
    await this.page.locator(`[data-testid="import-status"][data-source="${source}"]:not([data-state="running"])`).waitFor({ timeout });
    return this.status().evaluate((e) => ({ ...e.dataset, text: e.textContent }));
  }
  async counts() {
    return Object.fromEntries(await this.page.getByTestId('class').evaluateAll((cards) => cards.map((c) => [c.dataset.name, Number(c.dataset.count)])));
  }
}

/** Names in a zip file, read by Python's zipfile (not by the code under test). */
function zipNames(path) {
  return JSON.parse(execFileSync(PYTHON, ['-c', 'import sys, json, zipfile; print(json.dumps(zipfile.ZipFile(sys.argv[1]).namelist()))', path], { encoding: 'utf8' }));
}

test('a zip of class folders becomes classes, says what it skipped, exports back; the map flags a planted mislabel; a folder imports the same; a pool is offered least sure first; 10,000 images listed and cancelled', { timeout: 1_500_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const teach = new DatasetPage(await browser.newPage(), work);
    await teach.open(site.url);
    assert.equal(await teach.waitForModel(), 'ready');
    await teach.page.getByTestId('augment').uncheck();

    // Keyboard only through the dataset card, the map and its flagged list.
    const since = await teach.now();
    await tabTo(teach.page, 'dataset-zip');
    await chooseWithKeyboard(teach.page, join(work, 'textures.zip'));
    const zipped = await teach.imported('textures.zip');
    assert.equal(zipped.state, 'finished', zipped.text);
    assert.deepEqual(await teach.counts(), { brick: 7, grass: 5, gravel: 6 });
    assert.equal(Number(zipped.added), 18);
    assert.equal(Number(zipped.failed), 1, 'broken.jpg cannot be read');
    assert.equal(Number(zipped.skipped), 3, 'notes.txt, .DS_Store and the __MACOSX file');
    assert.match(await teach.page.getByTestId('import-skipped').textContent(), /2 system files, 1 not images/);
    assert.match(await teach.page.getByTestId('import-failed').textContent(), /broken\.jpg/);
    console.log(`zip import, CPU: ${zipped.rate} images/s`);
    assert.deepEqual(await teach.longTasksSince(since), [], 'no long task on the page while importing');

    // Exported: one folder per class, one JPEG per example.
    const [download] = await Promise.all([teach.page.waitForEvent('download'), teach.page.getByTestId('dataset-export').click()]);
    const exported = join(work, 'exported.zip');
    await download.saveAs(exported);
    const names = zipNames(exported);
    const perFolder = {};
    for (const name of names) perFolder[name.split('/')[0]] = (perFolder[name.split('/')[0]] ?? 0) + 1;
    assert.deepEqual(perFolder, { brick: 7, grass: 5, gravel: 6 });
    assert.ok(names.every((n) => n.endsWith('.jpg')), names.join());

    // The map: one point per example; the brick photo filed under gravel (the last example
    // imported) is the one flagged; moved to brick, a redrawn map flags nothing.
    await tabTo(teach.page, 'draw-map');
    await teach.page.keyboard.press('Enter');
    await teach.page.getByTestId('map').waitFor();
    const points = await teach.page.getByTestId('map-point').evaluateAll((ps) => ps.map((p) => ({ id: Number(p.dataset.example), cls: p.dataset.class, flagged: p.dataset.flagged === 'true' })));
    assert.equal(points.length, 18);
    const planted = Math.max(...points.map((p) => p.id));
    assert.deepEqual(points.filter((p) => p.flagged).map((p) => p.id), [planted], JSON.stringify(points));
    const flag = teach.page.locator(`[data-testid="flag"][data-example="${planted}"]`);
    assert.match(await flag.textContent(), /labelled “gravel”; \d of its 5 nearest examples are “brick”/);
    await tabTo(teach.page, `[data-testid="map-point"][data-example="${planted}"]`);
    await teach.page.keyboard.press('Enter');
    assert.match(await teach.page.getByTestId('map-selected').textContent(), /labelled “gravel”/);
    await tabTo(teach.page, `[data-testid="flag"][data-example="${planted}"] [data-testid="example-class"]`);
    await chooseWithArrows(teach.page, 'brick');
    await teach.page.getByTestId('map-stale').waitFor();
    await teach.waitForCount('brick', 8);
    assert.deepEqual(await teach.counts(), { brick: 8, grass: 5, gravel: 5 });
    await teach.page.getByTestId('draw-map').click();
    await teach.page.getByTestId('map-stale').waitFor({ state: 'hidden' });
    assert.equal(await teach.page.getByTestId('flag').count(), 0);

    // The same tree picked as a folder, into a cleared project.
    await teach.page.getByTestId('clear-project').click();
    await teach.page.getByTestId('confirm-clear').click();
    await teach.page.getByTestId('classes-empty').waitFor();
    await teach.page.getByTestId('dataset-folder').setInputFiles(join(work, 'textures'));
    const folder = await teach.imported('textures');
    assert.equal(folder.state, 'finished', folder.text);
    assert.deepEqual(await teach.counts(), { brick: 7, grass: 5, gravel: 6 });
    assert.equal(Number(folder.failed), 1);
    assert.equal(Number(folder.skipped), 2, 'notes.txt and .DS_Store');
    console.log(`folder import, CPU: ${folder.rate} images/s`);

    // The exported zip imports back into the same classes (their counts double).
    await teach.page.getByTestId('dataset-zip').setInputFiles(exported);
    const again = await teach.imported('exported.zip');
    assert.equal(again.state, 'finished', again.text);
    assert.deepEqual(await teach.counts(), { brick: 14, grass: 10, gravel: 12 });

    // What to add next: once trained, a pool of photos is offered least sure first, with the
    // margin the head's own prediction gives; labelling one adds it to that class.
    await teach.setting('epochs', 10);
    await teach.train();
    const pool = ['brick_0_256.png', 'gravel_1_256.png', 'grass_2_256.png', 'coins_0_256.png'];
    // A file that is no image is refused in the pool's own card, by name; the others join.
    await teach.page.getByTestId('pool-files').setInputFiles([CORRUPT, ...pool.map((f) => join(PHOTOS, f))]);
    await teach.page.waitForFunction((n) => document.querySelectorAll('[data-testid="offer"]').length === n, pool.length, { timeout: 120_000 });
    const refused = await teach.page.getByTestId('pool-refused').textContent({ timeout: 60_000 });
    assert.match(refused, /Not added to the pool — corrupt\.jpg: /);
    const offers = await teach.page.getByTestId('offer').evaluateAll((os) => os.map((o) => ({ name: o.dataset.name, margin: Number(o.dataset.margin) })));
    assert.deepEqual([...offers].sort((a, b) => a.margin - b.margin), offers, 'least sure first');
    const { probs } = await teach.predict(join(PHOTOS, offers[0].name));
    const [top, second] = Object.values(probs).sort((a, b) => b - a);
    assert.ok(Math.abs(top - second - offers[0].margin) < 1e-3, `${offers[0].margin} vs ${top - second}`);
    const labelIt = `[data-testid="offer"][data-name="${offers[0].name}"] [data-testid="offer-class"]`;
    const before = await teach.counts();
    // One step down from "Label as…": each step is a change, so the first class is the one labelled.
    const first = (await teach.page.locator(`${labelIt} option`).allTextContents())[1];
    await tabTo(teach.page, labelIt);
    const named = await chooseWithArrows(teach.page, first);
    await teach.waitForCount(named, before[named] + 1);
    await teach.page.waitForFunction(() => document.querySelectorAll('[data-testid="offer"]').length === 3);

    // 10,000 images: listed, four classes made, progress moves, no long task; cancel keeps what was added.
    const large = await teach.now();
    await teach.page.getByTestId('dataset-zip').setInputFiles(join(work, 'large.zip'));
    await teach.page.locator('[data-testid="import-status"][data-state="running"]').waitFor();
    assert.equal(Number(await teach.status().getAttribute('data-total')), LARGE);
    await teach.page.waitForFunction(() => Number(document.querySelector('[data-testid="import-status"]')?.dataset.done) >= 3, null, { timeout: 300_000 });
    await teach.page.getByTestId('import-cancel').click();
    const cancelled = await teach.imported('large.zip');
    assert.equal(cancelled.state, 'cancelled', cancelled.text);
    const counts = await teach.counts();
    const added = [0, 1, 2, 3].reduce((sum, i) => sum + (counts[`class_${i}`] ?? -1), 0);
    assert.equal(added, Number(cancelled.added), JSON.stringify(counts));
    assert.ok(added >= 3, `${added} added before the cancel`);
    assert.deepEqual(await teach.longTasksSince(large), [], 'no long task with 10,000 images listed');
    assert.deepEqual(teach.errors, []);
  } finally {
    await browser.close();
  }
});
