// Test support: the page as a user works it, in any engine (a `Tab` of support/engines.mjs).
// Everything here reads the page through the DOM, as the Chromium-only page objects do.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The CSS selector of a `data-testid`. */
export const tid = (id) => `[data-testid="${id}"]`;

/** The page in any engine: Classify and Teach as a user works them. */
export class Journey {
  /** `work` is a folder for the files the page offers as downloads. */
  constructor(tab, work) {
    this.tab = tab;
    this.work = work;
  }
  get engine() { return this.tab.engine; }
  open(url) { return this.tab.goto(url); }
  reload() { return this.tab.reload(); }
  errors() { return this.tab.errors(); }
  /** `{text, ...dataset}` of the first element matching `css`, or null. */
  read(css) {
    return this.tab.evaluate((s) => {
      const e = document.querySelector(s);
      return e && { text: e.textContent, ...e.dataset };
    }, css);
  }
  count(css) { return this.tab.evaluate((s) => document.querySelectorAll(s).length, css); }
  /** Waits for the model to be ready or failed; says which. */
  waitForModel(timeout = 300_000) {
    return this.tab.waitFor(() => {
      const state = document.querySelector('[data-testid="model-status"]')?.dataset.state;
      return (state === 'ready' || state === 'failed') && state;
    }, null, { timeout, what: 'the model to load' });
  }
  /** Switches to a mode ('classify' or 'teach') with its tab, as a user does. */
  async mode(name) {
    await this.tab.click(tid(`mode-${name}`));
    await this.tab.waitForElement(tid(name));
  }

  // Classify.
  /** Uploads a photo and returns the displayed top-5 as [{index, prob}]. */
  async classify(file, timeout = 180_000) {
    const name = file.split('/').pop();
    await this.tab.setFiles(tid('file-input'), [file]);
    return this.tab.waitFor((n) => {
      const shown = document.querySelector(`[data-testid="result"][data-file="${CSS.escape(n)}"]`);
      if (!shown || !document.querySelector('[data-testid="busy"]')?.hidden) return null;
      return [...document.querySelectorAll('[data-testid="prediction"]')].map((r) => ({ index: Number(r.dataset.index), prob: Number(r.dataset.prob) }));
    }, name, { timeout, what: `the top-5 of ${name}` });
  }

  // Teach.
  cls(name) { return `[data-testid="class"][data-name="${name}"]`; }
  async classCount(name) { return Number((await this.read(this.cls(name)))?.count); }
  /** Every class card's example count, by name. */
  counts() {
    return this.tab.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-testid="class"]')].map((c) => [c.dataset.name, Number(c.dataset.count)])));
  }
  async addClass(name) {
    await this.tab.fill(tid('new-class-name'), name);
    await this.tab.click(tid('add-class'));
    await this.tab.waitForElement(this.cls(name));
  }
  /** Sets a number setting as a user types it (a change event when the field is left). */
  async setting(testid, value) {
    await this.tab.fill(tid(testid), value);
    await this.tab.evaluate((s) => document.querySelector(s).dispatchEvent(new Event('change', { bubbles: true })), tid(testid));
  }
  async uncheck(testid) {
    if (await this.tab.evaluate((s) => document.querySelector(s).checked, tid(testid))) await this.tab.click(tid(testid));
  }
  /** Adds photos to a class with its upload button; waits until they are in (or reported). */
  async upload(name, files, expected) {
    await this.tab.setFiles(`${this.cls(name)} ${tid('class-upload')}`, files);
    await this.tab.waitFor(([card, n]) => Number(document.querySelector(card)?.dataset.count) >= n, [this.cls(name), expected], { what: `${expected} examples in ${name}` });
    await this.idle();
  }
  idle(timeout = 180_000) {
    return this.tab.waitFor(() => document.querySelector('[data-testid="pending"]')?.hidden !== false, null, { timeout, what: 'the examples to be computed' });
  }
  async train(timeout = 300_000) {
    await this.tab.click(tid('train'));
    await this.tab.waitForElement('[data-testid="training-state"][data-state="finished"]', { timeout });
  }
  /** Classifies with the user's head; returns {best, probs: {class: prob}}. */
  async predict(file, timeout = 120_000) {
    const name = file.split('/').pop();
    await this.tab.setFiles(tid('teach-predict-file'), [file]);
    return this.tab.waitFor((n) => {
      const result = document.querySelector(`[data-testid="teach-result"][data-source="${CSS.escape(n)}"]`);
      if (!result) return null;
      const probs = Object.fromEntries([...document.querySelectorAll('[data-testid="teach-prediction"]')].map((r) => [r.dataset.class, Number(r.dataset.prob)]));
      return { best: result.dataset.best, probs };
    }, name, { timeout, what: `the prediction for ${name}` });
  }
  /** Once the saved project is read, its classes (if any) are on the page. */
  /** Opens Teach on `url`: the model ready, the saved project read, augmentation off (one view an example keeps a journey short). */
  async openTeach(url) {
    await this.open(url);
    await this.mode('teach');
    assert.equal(await this.waitForModel(), 'ready');
    await this.storageRead();
    await this.uncheck('augment');
  }
  storageRead() { return this.tab.waitForElement('[data-testid="teach"][data-storage="ready"]'); }
  /** Clicks a button that offers a file; returns the path where its bytes were written. */
  async download(testid) {
    const before = await this.tab.evaluate(() => window.__testHooks.offered());
    await this.tab.click(tid(testid));
    await this.tab.waitFor((n) => window.__testHooks.offered() > n, before, { what: `the file ${testid} offers` });
    const { name, bytes } = (await this.tab.downloads()).at(-1);
    const path = join(this.work, `${this.engine}-${Date.now()}-${name}`);
    writeFileSync(path, bytes);
    return path;
  }
  exportProject() { return this.download('export-project'); }
  async clearProject() {
    await this.tab.click(tid('clear-project'));
    await this.tab.click(tid('confirm-clear'));
    await this.tab.waitFor(() => document.querySelectorAll('[data-testid="class"]').length === 0, null, { what: 'the classes to go' });
  }
}
