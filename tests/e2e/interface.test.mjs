// The interface as a user meets it, on the CPU fallback. At 1280 and at 360 px, in the light
// and the dark theme, every main state — model loading, nothing classified yet, a result, a
// batch, an error, the webcam, the model picker, the device details, Teach empty, Teach
// with classes, trained —
// has no serious or critical axe-core violation, never scrolls sideways and is kept as a
// screenshot; the mode lives in the address (back and forward work); leaving a mode releases
// its camera; no main-thread task over 50 ms outside the audits. Then the popovers, Classify
// and Teach (recording included) with the keyboard alone.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { serveDist, launch, StudioPage, REPO, SHIPPED_MANIFEST, watchShown } from './support/site.mjs';
import { audit, overflow, screenshot } from './support/look.mjs';
import { tabTo, chooseWithKeyboard } from './support/keyboard.mjs';

const PHOTOS = join(REPO, 'tests/fixtures/photos');
const photo = (name) => join(PHOTOS, name);
const sites = [];
after(() => sites.forEach((site) => site.close()));

/** The site, its model download held until `release()`. */
async function heldSite() {
  let release;
  const held = new Promise((done) => { release = done; });
  const site = await serveDist({}, { hold: (path) => (path.endsWith('.safetensors') ? held : null) });
  sites.push(site);
  return { site, release };
}

class Looks {
  constructor(studio, width) {
    this.studio = studio;
    this.width = width;
    this.failures = [];
    this.audits = [];
  }
  /** Audits the state in both themes, screenshots it, checks it fits the width. */
  async check(state) {
    const page = this.studio.page;
    const from = await this.studio.now();
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      // The colour transitions the new scheme started are taken to their end (no frames
      // waited for): contrast is measured on the scheme's own colours.
      await page.evaluate(() => document.getAnimations().filter((a) => a instanceof CSSTransition).forEach((a) => a.finish()));
      this.failures.push(...(await audit(page)).map((line) => `${state} (${scheme}, ${this.width} px): ${line}`));
      await screenshot(page, `${this.width}-${state}${scheme === 'dark' ? '-dark' : ''}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    this.audits.push([from, await this.studio.now()]);
    assert.equal(await overflow(page), 0, `${state}: sideways scrolling at ${this.width} px`);
  }
  /** Long tasks since `since` that did not overlap an audit or a screenshot. */
  async longTasksOutsideAudits(since) {
    const tasks = await this.studio.longTaskEntriesSince(since);
    return tasks.filter((task) => !this.audits.some(([from, to]) => task.start < to && task.start + task.duration > from)).map((t) => Math.round(t.duration));
  }
}

for (const [width, height] of [[1280, 800], [360, 740]]) {
  test(`${width} px: every state audited, fits, screenshotted; the mode is in the address`, { timeout: 900_000 }, async () => {
    const { site, release } = await heldSite();
    const context = await launch({ webgpu: false, args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] });
    try {
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      const studio = new StudioPage(page);
      const looks = new Looks(studio, width);
      await studio.open(site.url);
      await page.locator('[data-testid="model-status"][data-state="downloading"]').waitFor();
      await looks.check('loading');
      release();
      assert.equal(await studio.waitForModel(), 'ready');
      const since = await studio.now();
      await page.getByTestId('classify-empty').waitFor();
      await looks.check('classify-empty');

      await studio.classify(photo('coffee_0_256.png'));
      await page.getByTestId('classify-empty').waitFor({ state: 'detached' });
      await looks.check('classify-result');

      await studio.choose([photo('brick_0_256.png'), photo('chelsea_0_256.png'), photo('rocket_1_256.png')]);
      await page.locator('[data-testid="batch-status"][data-running="false"]').waitFor({ timeout: 120_000 });
      assert.equal(await page.getByTestId('batch-row').count(), 3);
      await looks.check('batch');

      await studio.choose(join(REPO, 'tests/fixtures/synthetic/corrupt.jpg'));
      await studio.error().waitFor();
      await looks.check('error');

      await page.getByTestId('live-camera-start').click();
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="live-fps"]')?.dataset.frames) >= 2, null, { timeout: 120_000 });
      await looks.check('webcam');

      // The header's popovers: Escape closes one (focus back on its summary), a click outside too.
      await studio.openModels();
      await looks.check('models');
      await page.keyboard.press('Escape');
      assert.equal(await page.locator('details.models').evaluate((d) => d.open), false, 'Escape closes the picker');
      assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'models-summary');
      await page.getByTestId('device-summary').click();
      await page.getByTestId('storage').filter({ hasText: /Storage: .* used of/ }).waitFor();
      await looks.check('device');
      await page.locator('main').click({ position: { x: 2, y: 2 } });
      assert.equal(await page.locator('details.device').evaluate((d) => d.open), false, 'a click outside closes it');

      // Leaving Classify releases its camera and takes its message along.
      assert.equal(await studio.error().count(), 1);
      await page.evaluate(() => { window.liveStream = document.querySelector('[data-testid="live-camera-preview"]').srcObject; });
      await studio.mode('teach');
      assert.ok(page.url().endsWith('#teach'), page.url());
      await page.waitForFunction(() => window.liveStream.getTracks().every((t) => t.readyState === 'ended'));
      assert.equal(await page.getByTestId('live-camera-preview').evaluate((v) => v.srcObject), null, "Classify's camera is released");
      assert.equal(await page.getByTestId('classify').isVisible(), false, 'one mode at a time');
      assert.equal(await studio.error().count(), 0, "Classify's message goes with it");
      await page.getByTestId('classes-empty').waitFor();
      await page.getByTestId('training-empty').waitFor();
      assert.equal(await page.getByTestId('loss-chart').isVisible(), false, 'no empty charts');
      await looks.check('teach-empty');
      // A paste belongs to Classify: in Teach it does nothing.
      // The paste's handlers run as it is dispatched, and what they start begins in the
      // microtasks after it: anything classified would have made the page busy by then.
      const busy = await watchShown(page, 'busy');
      await page.evaluate(async () => {
        const data = new DataTransfer();
        data.items.add(new File([await (await fetch('icons/icon-192.png')).blob()], 'pasted.png', { type: 'image/png' }));
        window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data }));
        await new Promise((resolve) => requestAnimationFrame(() => resolve()));
      });
      assert.equal(await busy.seen(), false, 'a paste in Teach starts nothing');
      assert.equal(await page.locator('[data-testid="result"][data-file="pasted.png"]').count(), 0, 'nothing classified from a paste in Teach');

      for (const [name, files] of [['brick', ['brick_0_256.png', 'brick_1_256.png']], ['coins', ['coins_0_256.png', 'coins_1_256.png']]]) {
        await page.getByTestId('new-class-name').fill(name);
        await page.getByTestId('add-class').click();
        const card = page.locator(`[data-testid="class"][data-name="${name}"]`);
        await card.getByTestId('class-upload').setInputFiles(files.map(photo));
        await page.waitForFunction((n) => document.querySelector(`[data-testid="class"][data-name="${n}"]`)?.dataset.count === '2', name, { timeout: 120_000 });
      }
      await page.getByTestId('pending').waitFor({ state: 'hidden', timeout: 120_000 });
      await page.getByTestId('classes-empty').waitFor({ state: 'detached' });
      await looks.check('teach-classes');

      await page.getByTestId('augment').uncheck();
      await page.getByTestId('epochs').fill('12');
      await page.getByTestId('epochs').dispatchEvent('change');
      await page.getByTestId('train').click();
      await page.locator('[data-testid="training-state"][data-state="finished"]').waitFor({ timeout: 300_000 });
      assert.match(await page.getByTestId('loss-chart-summary').textContent(), /After epoch 12: training \d/);
      await page.getByTestId('teach-predict-file').setInputFiles(photo('brick_2_256.png'));
      await page.locator('[data-testid="teach-result"][data-source="brick_2_256.png"]').waitFor({ timeout: 120_000 });
      await page.getByTestId('loss-chart').getByText('Figures per epoch').click();
      await page.getByTestId('loss-chart').locator('table tbody tr').first().waitFor();
      assert.equal(await page.getByTestId('loss-chart').locator('table tbody tr').count(), 12, 'the curve as a table');
      await looks.check('trained');
      // Read before back and forward, which may bring another document (bfcache or not).
      assert.deepEqual(await looks.longTasksOutsideAudits(since), [], 'main-thread tasks over 50 ms');

      // The mode is the address's: back returns to Classify, forward to Teach.
      await page.goBack();
      await page.getByTestId('classify').waitFor();
      assert.equal(await page.getByTestId('teach').isVisible(), false);
      await page.goForward();
      await page.getByTestId('teach').waitFor();
      assert.deepEqual(looks.failures, [], 'axe-core: serious or critical violations');
      assert.deepEqual(studio.errors, []);
    } finally {
      await context.close();
    }
  });
}

/** Whether the focused element (or the picker label around a focused file input) shows a focus ring. */
const focusRing = (page) => page.evaluate(() => {
  const focused = document.activeElement;
  const ringed = focused.type === 'file' ? focused.closest('label') : focused;
  const style = getComputedStyle(ringed);
  return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
});

test('360 px, first visit without network: the fallback notice names the host, wraps, and nothing scrolls sideways', { timeout: 900_000 }, async () => {
  const pinned = JSON.parse(readFileSync(SHIPPED_MANIFEST, 'utf8')).models[0].url;
  const site = await serveDist({}, { manifest: SHIPPED_MANIFEST });
  sites.push(site);
  const context = await launch({ webgpu: false });
  try {
    await context.route(pinned, (route) => route.abort('internetdisconnected'));
    const page = await context.newPage();
    await page.setViewportSize({ width: 360, height: 740 });
    const studio = new StudioPage(page);
    await studio.open(site.url);
    assert.equal(await studio.waitForModel(600_000), 'ready', await studio.status().textContent());
    const notice = page.locator('[data-testid="notice"][data-kind="fallback"]');
    await notice.waitFor();
    const text = await notice.textContent();
    assert.ok(text.includes(new URL(pinned).host) && !text.includes(pinned), `the host, not the whole URL: ${text}`);
    await new Looks(studio, 360).check('first-visit-offline');
  } finally {
    await context.close();
  }
});

test('keyboard only: popovers, classify a photo, then teach three classes (one recorded), train and try it', { timeout: 900_000 }, async () => {
  const site = await serveDist();
  sites.push(site);
  const context = await launch({ webgpu: false, args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] });
  try {
    const page = await context.newPage();
    const studio = new StudioPage(page);
    await studio.open(site.url);
    assert.equal(await studio.waitForModel(), 'ready');
    const focused = () => page.evaluate(() => document.activeElement?.dataset?.testid);
    const isOpen = (menu) => page.locator(`details.${menu}`).evaluate((d) => d.open);

    // The header's popovers: Enter opens, Escape closes (focus back on the summary), Tab out closes.
    await tabTo(page, 'models-summary');
    await page.keyboard.press('Enter');
    assert.equal(await isOpen('models'), true);
    await page.keyboard.press('Escape');
    assert.equal(await isOpen('models'), false);
    assert.equal(await focused(), 'models-summary');
    await tabTo(page, 'device-summary');
    await page.keyboard.press('Enter');
    assert.equal(await isOpen('device'), true);
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'device-choice', 'Tab goes into the open popover first');
    assert.equal(await isOpen('device'), true);
    await tabTo(page, 'file-input');
    assert.equal(await isOpen('device'), false, 'tabbing out closes it');

    await tabTo(page, 'file-input');
    assert.ok(await focusRing(page), 'the focused picker is marked');
    await chooseWithKeyboard(page, photo('chelsea_0_256.png'));
    await page.locator('[data-testid="result"][data-file="chelsea_0_256.png"]').waitFor({ timeout: 120_000 });
    await tabTo(page, 'result-cam-toggle');
    await page.keyboard.press('Space');
    assert.equal(await page.getByTestId('result-cam-overlay').isVisible(), false, 'Space hides the map');

    await tabTo(page, 'mode-teach', { back: true });
    assert.ok(await focusRing(page), 'the focused tab is marked');
    await page.keyboard.press('Enter');
    await page.getByTestId('teach').waitFor();
    for (const name of ['brick', 'coins']) {
      await tabTo(page, 'new-class-name');
      await page.keyboard.type(name);
      await page.keyboard.press('Enter');
      await page.locator(`[data-testid="class"][data-name="${name}"]`).waitFor();
    }
    // Each card's "Add images", in order: brick's, then coins'.
    for (const [name, files] of [['brick', ['brick_0_256.png', 'brick_1_256.png']], ['coins', ['coins_0_256.png', 'coins_2_256.png']]]) {
      await tabTo(page, `[data-testid="class"][data-name="${name}"] [data-testid="class-upload"]`);
      await chooseWithKeyboard(page, files.map(photo));
      await page.waitForFunction((n) => document.querySelector(`[data-testid="class"][data-name="${n}"]`)?.dataset.count === '2', name, { timeout: 120_000 });
    }
    await page.getByTestId('pending').waitFor({ state: 'hidden', timeout: 120_000 });

    // A third class recorded from the (generated) fake camera: hold Space on its button.
    await tabTo(page, 'new-class-name', { back: true });
    await page.keyboard.type('camera');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="class"][data-name="camera"]').waitFor();
    await tabTo(page, 'camera-start', { back: true });
    await page.keyboard.press('Enter');
    await page.getByTestId('camera-stop').waitFor();
    const record = '[data-testid="class"][data-name="camera"] [data-testid="record"]';
    await tabTo(page, record);
    await page.keyboard.down('Space');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="class"][data-name="camera"]').dataset.count) >= 3, null, { timeout: 120_000 });
    assert.ok(await page.evaluate((s) => document.activeElement.matches(s), record), 'the held button keeps the focus as examples arrive');
    await page.keyboard.up('Space');
    assert.equal(await page.locator(record).getAttribute('aria-pressed'), 'false', 'letting go of Space stops recording');
    await page.getByTestId('pending').waitFor({ state: 'hidden', timeout: 120_000 });
    const recorded = Number(await page.locator('[data-testid="class"][data-name="camera"]').getAttribute('data-count'));
    // Thirty more camera frames arrive: none of them is recorded.
    await page.evaluate(() => new Promise((resolve) => {
      const video = document.querySelector('video[data-testid="camera-preview"]');
      let left = 30;
      const next = () => (--left ? video.requestVideoFrameCallback(next) : resolve());
      video.requestVideoFrameCallback(next);
    }));
    assert.equal(Number(await page.locator('[data-testid="class"][data-name="camera"]').getAttribute('data-count')), recorded, 'no frame after letting go');

    await tabTo(page, 'epochs');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('10');
    await tabTo(page, 'augment');
    await page.keyboard.press('Space');
    assert.equal(await page.getByTestId('augment').isChecked(), false);
    await tabTo(page, 'train');
    assert.ok(await focusRing(page), 'the focused button is marked');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="training-state"][data-state="finished"]').waitFor({ timeout: 300_000 });
    assert.equal(await page.getByTestId('loss-chart').getAttribute('data-epochs'), '10');

    await tabTo(page, 'teach-predict-file');
    await chooseWithKeyboard(page, photo('brick_2_256.png'));
    const result = page.locator('[data-testid="teach-result"][data-source="brick_2_256.png"]');
    await result.waitFor({ timeout: 120_000 });
    assert.equal(await result.getAttribute('data-best'), 'brick');
    assert.deepEqual(studio.errors, []);
  } finally {
    await context.close();
  }
});
