// The Teach panel as a user works it: classes, settings, training, prediction, export.
import { join } from 'node:path';
import { StudioPage } from './site.mjs';

/** Teach mode as a user works it; exported files go to `work`. */
export class TeachPage extends StudioPage {
  constructor(page, work) {
    super(page);
    this.work = work;
  }
  /** Opens the site and goes to Teach with its tab (reloads keep the mode: it is in the address). */
  async open(url) {
    await super.open(url);
    await this.mode('teach');
  }
  cls(name) { return this.page.locator(`[data-testid="class"][data-name="${name}"]`); }
  async count(name) { return Number(await this.cls(name).getAttribute('data-count')); }
  async addClass(name) {
    await this.page.getByTestId('new-class-name').fill(name);
    await this.page.getByTestId('add-class').click();
    await this.cls(name).waitFor();
  }
  async setting(testid, value) {
    const input = this.page.getByTestId(testid);
    await input.fill(String(value));
    await input.dispatchEvent('change');
  }
  async waitForCount(name, atLeast, timeout = 120_000) {
    await this.page.waitForFunction(([n, c]) => Number(document.querySelector(`[data-testid="class"][data-name="${n}"]`)?.dataset.count) >= c, [name, atLeast], { timeout });
  }
  async idle(timeout = 180_000) { await this.page.getByTestId('pending').waitFor({ state: 'hidden', timeout }); }
  async train(timeout = 300_000) {
    await this.page.getByTestId('train').click();
    await this.page.locator('[data-testid="training-state"][data-state="finished"]').waitFor({ timeout });
  }
  /** Classifies with the user's head; returns {best, probs: {class: prob}}. */
  async predict(file, timeout = 120_000) {
    const name = file.split('/').pop();
    await this.page.getByTestId('teach-predict-file').setInputFiles(file);
    const result = this.page.locator(`[data-testid="teach-result"][data-source="${name}"]`);
    await result.waitFor({ timeout });
    const probs = Object.fromEntries(await this.page.getByTestId('teach-prediction').evaluateAll((rows) => rows.map((r) => [r.dataset.class, Number(r.dataset.prob)])));
    return { best: await result.getAttribute('data-best'), probs };
  }
  message() { return this.page.getByTestId('teach-message'); }
  async exportProject() {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByTestId('export-project').click()]);
    const path = join(this.work, `export-${Date.now()}.safetensors`);
    await download.saveAs(path);
    return path;
  }
}
