// Reach, on the CPU fallback (no WebGPU): a phone-width screen, the keyboard alone, a photo
// pasted from the clipboard, and an 8000×8000 photo, each classified as the native CLI does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { REPO, serveDist, launch, StudioPage, cliTop5, assertSameTop5 } from './support/site.mjs';
import { tabTo, chooseWithKeyboard } from './support/keyboard.mjs';

const PHOTOS = join(REPO, 'tests/fixtures/photos');
const WEIGHTS = join(REPO, 'public/models/resnet50-demo-int8.safetensors');
const PYTHON = join(REPO, '.venv/bin/python');

let site;
let large;
before(async () => {
  site = await serveDist();
  large = join(mkdtempSync(join(tmpdir(), 'ts-reach-')), 'large.jpg');
  execFileSync(PYTHON, ['-c', `
import sys
from PIL import Image
Image.open(sys.argv[1]).convert('RGB').resize((8000, 8000), Image.BICUBIC).save(sys.argv[2], quality=90)
`, join(PHOTOS, 'astronaut.png'), large]);
});
after(() => site.close());

const shownTop5 = (page) => page.getByTestId('prediction').evaluateAll((rows) => rows.map((r) => ({ index: Number(r.dataset.index), prob: Number(r.dataset.prob) })));
const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test('360 px wide, keyboard only, paste, and an 8000×8000 photo', { timeout: 900_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 360, height: 740 });
    assert.equal(await page.evaluate(() => window.innerWidth), 360);
    const studio = new StudioPage(page);
    await studio.open(site.url);
    assert.equal(await studio.waitForModel(), 'ready');
    assert.ok((await overflow(page)) <= 0, 'no sideways scrolling at 360 px');

    // Keyboard only: Tab to the photo picker, open it with Space, then pick another class's map with Enter.
    await tabTo(page, 'file-input');
    const photo = join(PHOTOS, 'coffee_0_256.png');
    await chooseWithKeyboard(page, photo);
    await page.locator('[data-testid="result"][data-file="coffee_0_256.png"]').waitFor({ timeout: 120_000 });
    const top = await shownTop5(page);
    assertSameTop5(assert, top, cliTop5(WEIGHTS, photo));
    const second = page.getByTestId('prediction').nth(1).getByRole('button');
    for (let i = 0; i < 60 && !(await second.evaluate((b) => b === document.activeElement)); i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    assert.equal(Number(await page.getByTestId('result-cam-overlay').getAttribute('data-class')), top[1].index);
    assert.ok((await overflow(page)) <= 0, 'results fit 360 px');

    // Paste: an image on the clipboard is classified.
    const pasted = join(PHOTOS, 'brick_0_256.png');
    await page.evaluate((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }));
      window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data }));
    }, readFileSync(pasted).toString('base64'));
    await page.locator('[data-testid="result"][data-file="pasted.png"]').waitFor({ timeout: 120_000 });
    assertSameTop5(assert, await shownTop5(page), cliTop5(WEIGHTS, pasted));

    // 8000×8000: decoded and reduced in the worker; the page stays, the answer is the CLI's.
    const since = await studio.now();
    await studio.choose(large);
    await page.locator('[data-testid="result"][data-file="large.jpg"]').waitFor({ timeout: 300_000 });
    assertSameTop5(assert, await shownTop5(page), cliTop5(WEIGHTS, large));
    assert.deepEqual(await studio.longTasksSince(since), [], 'main-thread tasks over 50 ms with the large photo');
    assert.deepEqual(studio.errors, []);
  } finally {
    await browser.close();
  }
});
