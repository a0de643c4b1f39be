// Teach on a phone (Chromium's mobile emulation: 360×740, touch): hold-to-record with a
// finger held on the button (touch events, as a phone sends them), photos added, training and
// trying it — with nothing wider than the screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { REPO, serveDist, launch } from './support/site.mjs';
import { TeachPage } from './support/teach_page.mjs';

const PHOTOS = join(REPO, 'tests/fixtures/photos');
const PYTHON = join(REPO, '.venv/bin/python');
const PHONE = { width: 360, height: 740 };

let site;
let video;
before(async () => {
  site = await serveDist();
  const work = mkdtempSync(join(tmpdir(), 'ts-mobile-'));
  video = join(work, 'coins.y4m');
  execFileSync(PYTHON, [join(REPO, 'tests/reference/make_y4m.py'), join(PHOTOS, 'coins_0_256.png'), video, '12']);
});
after(() => site.close());

test('phone: record by holding a finger on the button, add photos, train, try it', { timeout: 900_000 }, async () => {
  const context = await launch({
    webgpu: false,
    args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${video}`],
    viewport: PHONE, screen: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  });
  try {
    const teach = new TeachPage(await context.newPage());
    const page = teach.page;
    const touch = await context.newCDPSession(page);
    await teach.open(site.url);
    assert.equal(await teach.waitForModel(), 'ready');
    await page.locator('[data-testid="teach"][data-storage="ready"]').waitFor();
    await page.getByTestId('augment').tap();
    assert.equal(await page.getByTestId('augment').isChecked(), false);
    await teach.setting('epochs', 30);
    await teach.addClass('coins');
    await teach.addClass('brick');

    await page.getByTestId('camera-start').tap();
    await page.getByTestId('camera-stop').waitFor();
    // A finger held still on the button: touchstart now, touchend once four frames are in.
    const record = teach.cls('coins').getByTestId('record');
    await record.scrollIntoViewIfNeeded();
    const box = await record.boundingBox();
    const finger = [{ x: box.x + box.width / 2, y: box.y + box.height / 2 }];
    await touch.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: finger });
    await teach.waitForCount('coins', 4, 60_000);
    assert.equal(await record.getAttribute('aria-pressed'), 'true', 'still recording while the finger is down');
    await touch.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await page.waitForFunction(() => document.querySelector('[data-testid="class"][data-name="coins"] [data-testid="record"]').getAttribute('aria-pressed') === 'false');
    await teach.idle();
    const recorded = await teach.count('coins');
    assert.ok(recorded >= 4, `recorded ${recorded}`);
    await page.getByTestId('camera-stop').tap();

    // Photos from the phone's picker.
    await teach.cls('brick').getByTestId('class-upload').setInputFiles([join(PHOTOS, 'brick_0_256.png'), join(PHOTOS, 'brick_1_256.png')]);
    await teach.waitForCount('brick', 2);
    await teach.idle();

    await page.getByTestId('train').tap();
    await page.locator('[data-testid="training-state"][data-state="finished"]').waitFor({ timeout: 300_000 });
    const brick = await teach.predict(join(PHOTOS, 'brick_2_256.png'));
    assert.equal(brick.best, 'brick', JSON.stringify(brick));
    const coins = await teach.predict(join(PHOTOS, 'coins_0_256.png'));
    assert.equal(coins.best, 'coins', JSON.stringify(coins));

    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    const wide = await page.evaluate((w) => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > w + 0.5)
      .map((e) => `${e.tagName.toLowerCase()}${e.dataset.testid ? `[${e.dataset.testid}]` : ''}.${e.className?.baseVal ?? e.className} ${Math.round(e.getBoundingClientRect().right)}`).slice(0, 8), PHONE.width);
    assert.ok(width <= PHONE.width, `the page is ${width} px wide on a ${PHONE.width} px screen: ${wide.join(', ')}`);
    assert.deepEqual(teach.errors, []);
  } finally {
    await context.close();
  }
});
