// Where the teach project is kept: an import replaces the saved project all or nothing
// (reloads at several moments of it, a full quota); a saved project that cannot be read
// pauses writing until the user chooses; another tab's change is told, not overwritten;
// damaged project files change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { serveDist, launch, StudioPage, readSafetensors, writeSafetensors } from './support/site.mjs';
import { projectBytes } from './support/project.mjs';

let site;
let work;
before(async () => {
  site = await serveDist();
  work = mkdtempSync(join(tmpdir(), 'ts-storage-'));
});
after(() => site.close());

class TeachPage extends StudioPage {
  async open(url) {
    await super.open(url);
    await this.mode('teach');
    await this.settled();
  }
  /** Waits until the saved project has been read; returns 'ready' or 'paused'. */
  async settled() {
    await this.page.locator('[data-testid="teach"]:not([data-storage="loading"])').waitFor({ timeout: 60_000 });
    return this.page.getByTestId('teach').getAttribute('data-storage');
  }
  /** {class name: example count}, as shown. */
  shown() {
    return this.page.getByTestId('class').evaluateAll((cards) => Object.fromEntries(cards.map((c) => [c.dataset.name, Number(c.dataset.count)])));
  }
  async addClass(name) {
    await this.page.getByTestId('new-class-name').fill(name);
    await this.page.getByTestId('add-class').click();
    await this.page.locator(`[data-testid="class"][data-name="${name}"]`).waitFor();
  }
  async importProject(path) { await this.page.getByTestId('import-project').setInputFiles(path); }
  message() { return this.page.getByTestId('teach-message'); }
  paused(cause) { return this.page.locator(`[data-testid="storage-paused"][data-cause="${cause}"]`); }
  async exportProject() {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByTestId('export-project').click()]);
    const path = join(work, `export-${Date.now()}.safetensors`);
    await download.saveAs(path);
    return path;
  }
}

/** A project file written by the test (see support/project.mjs), at `work/name`. */
function projectFile(name, options) {
  const path = join(work, name);
  writeFileSync(path, projectBytes(options));
  return path;
}

test('an import is all or nothing: reloads part way and a full quota keep the previous project', { timeout: 600_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const teach = new TeachPage(await browser.newPage());
    await teach.open(site.url);
    assert.equal(await teach.settled(), 'ready');
    assert.equal(await teach.waitForModel(), 'ready', 'the model is cached: storage use is settled');
    // A quota of what is stored and 2 MB more, set before the project's first write
    // (Chromium holds on to the quota it saw then). The import holds 10 MB of features.
    const cdp = await teach.page.context().newCDPSession(teach.page);
    const origin = new URL(site.url).origin;
    const { usage } = await cdp.send('Storage.getUsageAndQuota', { origin });
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 2_000_000 });
    await teach.addClass('old-a');
    await teach.addClass('old-b');
    const before = await teach.shown();
    const { settings } = JSON.parse(readSafetensors(readFileSync(await teach.exportProject())).metadata.project);
    const big = projectFile('big.safetensors', { classes: ['n0', 'n1', 'n2'], perClass: 400, settings });
    const imported = { n0: 400, n1: 400, n2: 400 };

    // Storage full: the import shows, writing pauses with the reason, the saved project is the old one.
    await teach.importProject(big);
    await teach.paused('write').waitFor({ timeout: 60_000 });
    assert.match(await teach.paused('write').textContent(), /full/);
    assert.deepEqual(await teach.shown(), imported, 'the imported project stays on the page');
    await teach.page.reload();
    await teach.mode('teach');
    assert.equal(await teach.settled(), 'ready');
    assert.deepEqual(await teach.shown(), before, 'storage full: the previous project is kept whole');
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });

    // Reload while the whole project is being written, then at other moments of the import.
    await teach.importProject(big);
    await teach.page.getByTestId('saving').waitFor({ state: 'visible' });
    await teach.page.reload();
    await teach.mode('teach');
    assert.equal(await teach.settled(), 'ready');
    assert.deepEqual(await teach.shown(), before, 'a reload while saving keeps the previous project');
    const outcomes = [];
    // The delays pick moments to interrupt, nothing is waited for: either project is right.
    for (const delay of [0, 25, 100, 250, 600]) {
      const previous = await teach.shown();
      await teach.importProject(big);
      await teach.page.waitForTimeout(delay);
      await teach.page.reload();
      await teach.mode('teach');
      assert.equal(await teach.settled(), 'ready');
      const after = await teach.shown();
      assert.ok([JSON.stringify(previous), JSON.stringify(imported)].includes(JSON.stringify(after)), `after ${delay} ms: ${JSON.stringify(after)}`);
      outcomes.push(`${delay} ms: ${JSON.stringify(after) === JSON.stringify(imported) ? 'new' : 'old'}`);
      if (JSON.stringify(after) === JSON.stringify(imported)) {
        await teach.page.getByTestId('clear-project').click();
        await teach.page.getByTestId('confirm-clear').click();
        await teach.addClass('old-a');
        await teach.addClass('old-b');
      }
    }
    console.log(`reloads during an import: ${outcomes.join(', ')}`);

    assert.deepEqual(teach.errors, []);
  } finally {
    await browser.close();
  }
});

test('a saved project that cannot be read pauses writing; another tab is told of a change', { timeout: 300_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const a = new TeachPage(await browser.newPage());
    await a.open(site.url);
    await a.addClass('kept');
    const b = new TeachPage(await browser.newPage());
    await b.open(site.url);
    assert.deepEqual(await b.shown(), { kept: 0 });

    // Tab A changes the project: tab B is told and does not overwrite it.
    await a.addClass('from-a');
    await b.paused('other-tab').waitFor();
    await b.addClass('from-b');
    await b.page.getByTestId('storage-reload').click();
    await b.page.locator('[data-testid="teach"][data-storage="ready"]').waitFor();
    assert.deepEqual(await b.shown(), { kept: 0, 'from-a': 0 }, "B shows A's project; its own change was not written");
    await b.page.close();

    // A stored example that cannot be read: the rest shows, writing pauses until the user chooses.
    await a.page.evaluate(() => new Promise((ok, fail) => {
      const open = indexedDB.open('transfer-studio');
      open.onsuccess = () => {
        const tx = open.result.transaction('examples', 'readwrite');
        tx.objectStore('examples').put({ id: 7, class: 0, thumbnail: new Uint8Array(3), features: new Float32Array(5) }, 7);
        tx.oncomplete = () => { open.result.close(); ok(); };
        tx.onerror = () => fail(tx.error);
      };
    }));
    await a.page.reload();
    await a.mode('teach');
    assert.equal(await a.settled(), 'paused');
    assert.match(await a.paused('load').textContent(), /1 saved example\(s\) could not be read/);
    await a.addClass('not-written');
    await a.page.reload();
    await a.mode('teach');
    assert.equal(await a.settled(), 'paused');
    assert.deepEqual(await a.shown(), { kept: 0, 'from-a': 0 }, 'nothing was written while paused');
    await a.page.getByTestId('clear-project').click();
    await a.page.getByTestId('confirm-clear').click();
    await a.page.locator('[data-testid="teach"][data-storage="ready"]').waitFor();
    await a.page.reload();
    await a.mode('teach');
    assert.equal(await a.settled(), 'ready', 'starting over ends the pause');
    assert.deepEqual(await a.shown(), {});
    assert.deepEqual(a.errors, []);
  } finally {
    await browser.close();
  }
});

test('damaged and hostile project files are refused and change nothing', { timeout: 300_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const teach = new TeachPage(await browser.newPage());
    await teach.open(site.url);
    await teach.addClass('mine');
    const good = readFileSync(await teach.exportProject());
    const { settings } = JSON.parse(readSafetensors(good).metadata.project);
    const header = Buffer.alloc(8);
    header.writeBigUInt64LE(1n << 60n);
    const hostile = {
      'truncated.safetensors': good.subarray(0, good.length - 3),
      'huge-header.safetensors': Buffer.concat([header, Buffer.from('{}')]),
      'id-beyond-2^53.safetensors': readFileSync(projectFile('ids.safetensors', { classes: ['x'], perClass: 2, settings, ids: [1n, 1n << 60n] })),
      'same-ids.safetensors': readFileSync(projectFile('same.safetensors', { classes: ['x'], perClass: 2, settings, ids: [4, 4] })),
      'not-json.safetensors': writeSafetensors({}, { format: 'transfer-studio-project', version: '1', project: '{"classes": [' }),
      'empty.safetensors': Buffer.alloc(0),
    };
    for (const [name, bytes] of Object.entries(hostile)) {
      const path = join(work, name);
      writeFileSync(path, bytes);
      await teach.importProject(path);
      await teach.message().filter({ hasText: name }).waitFor();
      assert.match(await teach.message().textContent(), /was not imported/, name);
      assert.deepEqual(await teach.shown(), { mine: 0 }, `${name} changed nothing on the page`);
    }
    await teach.page.reload();
    await teach.mode('teach');
    assert.equal(await teach.settled(), 'ready');
    assert.deepEqual(await teach.shown(), { mine: 0 }, 'nor in storage');
    assert.deepEqual(teach.errors, []);
  } finally {
    await browser.close();
  }
});

test('a panic on the page shows a notice; the reload it offers finds the project as saved', { timeout: 300_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const teach = new TeachPage(await browser.newPage());
    await teach.open(site.url);
    await teach.addClass('before-the-panic');
    await teach.page.locator('[data-testid="teach"][data-storage="ready"]').waitFor();
    // The page's own module (the same instance: one URL, one module) has a test hook that panics.
    const thrown = await teach.page.evaluate(async () => {
      const glue = await import(document.querySelector('link[rel="modulepreload"]').href);
      try { glue.panicForTest(); return null; } catch (error) { return String(error); }
    });
    assert.ok(thrown, 'the panic reached the caller as an error');
    const notice = teach.page.getByTestId('panic-notice');
    await notice.waitFor();
    assert.match(await notice.textContent(), /Something broke.*kept in this browser.*reload/s);
    assert.match(await notice.locator('pre').textContent(), /a panic asked for by a test/);
    await notice.getByRole('link', { name: 'Reload' }).click();
    await teach.page.waitForLoadState('load');
    await teach.mode('teach');
    assert.equal(await teach.settled(), 'ready');
    assert.deepEqual(await teach.shown(), { 'before-the-panic': 0 });
    assert.equal(await teach.page.getByTestId('panic-notice').count(), 0);
    assert.deepEqual(teach.errors, []);
  } finally {
    await browser.close();
  }
});
