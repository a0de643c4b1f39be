// Classify from the webcam (Chromium's fake camera fed from a video of a photo), on the CPU
// fallback: frames classified continuously with frames per second, the page never blocked
// over 50 ms, the camera released on stop and while the tab is hidden; no camera: a message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { REPO, serveDist, launch, StudioPage, cliTop5 } from './support/site.mjs';

const PHOTO = join(REPO, 'tests/fixtures/photos/chelsea_0_256.png');
const WEIGHTS = join(REPO, 'public/models/resnet50-demo-int8.safetensors');
const PYTHON = join(REPO, '.venv/bin/python');

let site;
let video;
before(async () => {
  site = await serveDist();
  video = join(mkdtempSync(join(tmpdir(), 'ts-live-')), 'chelsea.y4m');
  execFileSync(PYTHON, [join(REPO, 'tests/reference/make_y4m.py'), PHOTO, video, '12']);
});
after(() => site.close());

const preview = (page) => page.getByTestId('live-camera-preview');
const waitForFrames = (page, atLeast) =>
  page.waitForFunction((n) => Number(document.querySelector('[data-testid="live-fps"]')?.dataset.frames) >= n, atLeast, { timeout: 120_000 });
/** Makes the page believe its tab was hidden (or shown again). */
const setHidden = (page, hidden) => page.evaluate((h) => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
  document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
}, hidden);

test('webcam: continuous top-5 with frames per second; camera released on stop and while hidden', { timeout: 600_000 }, async () => {
  const browser = await launch({
    webgpu: false,
    args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${video}`],
  });
  try {
    const studio = new StudioPage(await browser.newPage());
    await studio.open(site.url);
    assert.equal(await studio.waitForModel(), 'ready');
    const page = studio.page;
    const since = await studio.now();
    await page.getByTestId('live-camera-start').click();
    await waitForFrames(page, 4);
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('[data-testid="live-camera-preview"]')).transform), 'matrix(-1, 0, 0, 1, 0, 0)', 'the preview is mirrored');

    const shown = await page.getByTestId('live-prediction').evaluateAll((rows) => rows.map((r) => ({ index: Number(r.dataset.index), prob: Number(r.dataset.prob) })));
    assert.equal(shown.length, 5);
    for (let i = 1; i < 5; i++) assert.ok(shown[i - 1].prob >= shown[i].prob, 'ranked by smoothed probability');
    // The camera films the photo (through YUV 4:2:0): the top class is among the photo's own top-5.
    const expected = cliTop5(WEIGHTS, PHOTO).map((p) => p.index);
    assert.ok(expected.includes(shown[0].index), `live top-1 ${shown[0].index} not in the photo's top-5 ${expected}`);
    assert.ok(Number(await page.getByTestId('live-fps').getAttribute('data-fps')) > 0, 'frames per second shown');
    assert.deepEqual(await studio.longTasksSince(since), [], 'main-thread tasks over 50 ms while classifying live');

    // Hidden tab: the camera is released, and taken again when the tab is shown.
    await page.evaluate(() => { window.liveStream = document.querySelector('[data-testid="live-camera-preview"]').srcObject; });
    await setHidden(page, true);
    await page.getByTestId('live-camera-start').waitFor();
    assert.equal(await page.evaluate(() => window.liveStream.getTracks().every((t) => t.readyState === 'ended')), true, 'tracks stopped while hidden');
    await setHidden(page, false);
    await page.getByTestId('live-camera-stop').waitFor({ timeout: 30_000 });
    await waitForFrames(page, 2);

    // Stop: the camera is released.
    await page.evaluate(() => { window.liveStream = document.querySelector('[data-testid="live-camera-preview"]').srcObject; });
    await page.getByTestId('live-camera-stop').click();
    await page.getByTestId('live-camera-start').waitFor();
    assert.equal(await preview(page).evaluate((v) => v.srcObject), null);
    assert.equal(await page.evaluate(() => window.liveStream.getTracks().every((t) => t.readyState === 'ended')), true, 'tracks stopped');
    assert.deepEqual(studio.errors, []);
  } finally {
    await browser.close();
  }
});

test('webcam: no camera gives a clear message', { timeout: 300_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const studio = new StudioPage(await browser.newPage());
    await studio.open(site.url);
    await studio.page.getByTestId('live-camera-start').click();
    const problem = studio.page.getByTestId('live-camera-problem');
    await problem.waitFor({ timeout: 30_000 });
    assert.match(await problem.textContent(), /camera access was denied|no camera was found/);
    assert.equal(await studio.page.getByTestId('live-camera-start').isVisible(), true, 'the user can try again');
  } finally {
    await browser.close();
  }
});

test('webcam: choosing another camera swaps the stream and classification goes on', { timeout: 300_000 }, async () => {
  // Two generated fake cameras (a file feeds only one).
  const browser = await launch({ webgpu: false, args: ['--use-fake-device-for-media-stream=device-count=2', '--use-fake-ui-for-media-stream'] });
  try {
    const studio = new StudioPage(await browser.newPage());
    await studio.open(site.url);
    assert.equal(await studio.waitForModel(), 'ready');
    const page = studio.page;
    await page.getByTestId('live-camera-start').click();
    await waitForFrames(page, 1);
    const select = page.getByTestId('live-camera-select');
    const ids = await select.locator('option').evaluateAll((options) => options.map((o) => o.value).filter(Boolean));
    assert.ok(ids.length >= 2, `cameras listed: ${ids}`);
    const first = await preview(page).evaluate((v) => v.srcObject.getVideoTracks()[0].getSettings().deviceId);
    const other = ids.find((id) => id !== first);
    await select.selectOption(other);
    await page.waitForFunction((id) => document.querySelector('[data-testid="live-camera-preview"]').srcObject?.getVideoTracks()[0]?.getSettings().deviceId === id, other, { timeout: 30_000 });
    const counted = Number(await page.getByTestId('live-fps').getAttribute('data-frames'));
    await waitForFrames(page, counted + 2);

    assert.deepEqual(studio.errors, []);
  } finally {
    await browser.close();
  }
});
