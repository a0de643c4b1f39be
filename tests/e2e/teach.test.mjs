// Teach mode as a user does it, on the CPU fallback: two classes (one recorded from the fake
// camera, one uploaded), training with curves, prediction of held-out photos, reload,
// export, clear, import; a foreign file is refused; the share link's QR code, decoded. Then the same head trained on WebGPU,
// and a calibrated head whose "not sure" threshold the user moves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { REPO, serveDist, launch, readSafetensors } from './support/site.mjs';
import { TeachPage } from './support/teach_page.mjs';

const PHOTOS = join(REPO, 'tests/fixtures/photos');
const WEIGHTS = join(REPO, 'public/models/resnet50-demo-int8.safetensors');
const CORRUPT = join(REPO, 'tests/fixtures/synthetic/corrupt.jpg');
const PYTHON = join(REPO, '.venv/bin/python');
const CLI = process.env.CLI ?? join(REPO, 'target/debug/transfer-studio');

let site;
let work;
let video;
before(async () => {
  site = await serveDist();
  work = mkdtempSync(join(tmpdir(), 'ts-teach-'));
  video = join(work, 'coins.y4m');
  execFileSync(PYTHON, [join(REPO, 'tests/reference/make_y4m.py'), join(PHOTOS, 'coins_0_256.png'), video, '12']);
});
after(() => site.close());

test('CPU fallback: record, upload, train, predict, reload, export, clear, import', { timeout: 1_200_000 }, async () => {
  const browser = await launch({
    webgpu: false,
    args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${video}`],
  });
  try {
    const teach = new TeachPage(await browser.newPage(), work);
    await teach.open(site.url);
    assert.equal(await teach.waitForModel(), 'ready');

    // Too few classes is a message, not a failure.
    await teach.page.getByTestId('train').click();
    await teach.message().waitFor();
    assert.match(await teach.message().textContent(), /at least two classes/);

    await teach.page.getByTestId('augment').uncheck(); // one view per example keeps this test short
    await teach.setting('epochs', 30);
    await teach.setting('validation-fraction', 0.25);
    await teach.setting('weight-decay', 0.002);
    await teach.addClass('coins');
    await teach.addClass('brick');
    await teach.page.getByTestId('train').click();
    await teach.page.waitForFunction(() => /class “coins” has no examples/.test(document.querySelector('[data-testid="teach-message"]')?.textContent ?? ''));

    // Record coins from the fake camera: hold the button until four frames are in.
    await teach.page.getByTestId('camera-start').click();
    await teach.page.getByTestId('camera-stop').waitFor();
    const record = teach.cls('coins').getByTestId('record');
    await record.hover();
    await teach.page.mouse.down();
    await teach.waitForCount('coins', 4);
    await teach.page.mouse.up();
    await teach.idle();
    const recorded = await teach.count('coins');
    assert.ok(recorded >= 4, `recorded ${recorded}`);
    await teach.page.getByTestId('camera-stop').click();
    assert.equal(await teach.page.evaluate(() => document.querySelector('[data-testid="camera-preview"]').srcObject), null, 'the camera is released');

    // Upload a coins photo too, and brick photos (with a corrupt file, reported and skipped).
    await teach.cls('coins').getByTestId('class-upload').setInputFiles([join(PHOTOS, 'coins_2_256.png')]);
    await teach.waitForCount('coins', recorded + 1);
    await teach.idle();
    await teach.cls('brick').getByTestId('class-upload').setInputFiles([
      join(PHOTOS, 'brick_0_256.png'), join(PHOTOS, 'brick_1_256.png'), CORRUPT,
    ]);
    await teach.message().waitFor({ timeout: 120_000 });
    await teach.idle();
    assert.match(await teach.message().textContent(), /corrupt\.jpg/);
    assert.equal(await teach.count('brick'), 2);
    await teach.cls('brick').getByTestId('class-upload').setInputFiles([join(PHOTOS, 'brick_0_256.png')]);
    await teach.waitForCount('brick', 3);
    await teach.idle();
    // Delete that duplicate again.
    await teach.cls('brick').getByTestId('delete-example').first().click();
    await teach.page.waitForFunction(() => document.querySelector('[data-testid="class"][data-name="brick"]').dataset.count === '2');

    await teach.train();
    assert.equal(await teach.page.getByTestId('loss-chart').getAttribute('data-epochs'), '30');
    assert.equal(await teach.page.locator('[data-testid="loss-chart"] polyline').count(), 2, 'training and validation curves');
    assert.equal(await teach.page.getByTestId('confusion-row').count(), 2);
    assert.equal(await teach.page.getByTestId('calibration').getAttribute('data-state'), 'none', 'too few validation examples to calibrate on');

    const brick = await teach.predict(join(PHOTOS, 'brick_2_256.png'));
    assert.equal(brick.best, 'brick', JSON.stringify(brick));
    // The photo the camera films, never added itself.
    const coins = await teach.predict(join(PHOTOS, 'coins_0_256.png'));
    assert.equal(coins.best, 'coins', JSON.stringify(coins));
    assert.ok(Math.abs(coins.probs.coins + coins.probs.brick - 1) < 1e-4);
    assert.equal(await teach.page.getByTestId('cam-overlay').isVisible(), true, 'the activation map is shown');

    // Live: camera frames (coins) are classified one after another.
    await teach.page.getByTestId('camera-start').click();
    await teach.page.getByTestId('camera-stop').waitFor();
    await teach.page.getByTestId('live-start').click();
    const live = teach.page.locator('[data-testid="teach-result"][data-source="camera"]');
    await live.waitFor({ timeout: 120_000 });
    assert.equal(await live.getAttribute('data-best'), 'coins');
    await teach.page.getByTestId('live-stop').click();
    await teach.page.getByTestId('camera-stop').click();

    // Reload: the project (classes, examples, head) is still there and predicts the same.
    await teach.page.reload();
    assert.equal(await teach.waitForModel(), 'ready');
    await teach.cls('brick').waitFor();
    assert.equal(await teach.count('coins'), recorded + 1);
    assert.equal(await teach.count('brick'), 2);
    assert.equal(await teach.page.getByTestId('loss-chart').getAttribute('data-epochs'), '30', 'curves kept');
    const again = await teach.predict(join(PHOTOS, 'brick_2_256.png'));
    assert.ok(Math.abs(again.probs.brick - brick.probs.brick) < 1e-5, `${again.probs.brick} vs ${brick.probs.brick}`);

    // A cancelled training keeps the previous classifier and its curves.
    await teach.setting('epochs', 10000);
    await teach.page.getByTestId('train').click();
    await teach.page.waitForFunction(() => Number(document.querySelector('[data-testid="training-progress"]')?.value) >= 2);
    await teach.page.getByTestId('cancel-training').click();
    await teach.page.locator('[data-testid="training-state"][data-state="cancelled"]').waitFor();
    assert.equal(await teach.page.getByTestId('loss-chart').getAttribute('data-epochs'), '30', 'previous curves back');
    const kept = await teach.predict(join(PHOTOS, 'coins_0_256.png'));
    assert.ok(Math.abs(kept.probs.coins - coins.probs.coins) < 1e-5, `previous head kept: ${kept.probs.coins} vs ${coins.probs.coins}`);
    await teach.setting('epochs', 30);

    // Export; the native CLI reads the browser's file and predicts what the page did.
    const exported = await teach.exportProject();
    const cli = JSON.parse(execFileSync(CLI, ['predict', '--json', '--project', exported, '--weights', WEIGHTS, join(PHOTOS, 'brick_2_256.png')], { encoding: 'utf8' }));
    const cliBrick = cli.classes.find((c) => c.class === 'brick').prob;
    assert.ok(Math.abs(cliBrick - brick.probs.brick) < 1e-3, `CLI ${cliBrick} vs page ${brick.probs.brick}`);

    // Clear (two clicks), reload: empty. Import: everything back, the head byte for byte.
    await teach.page.getByTestId('clear-project').click();
    await teach.page.getByTestId('confirm-clear').click();
    await teach.cls('brick').waitFor({ state: 'detached' });
    await teach.page.reload();
    assert.equal(await teach.waitForModel(), 'ready');
    // Once the saved project is read (storage ready), its classes would show: there are none.
    await teach.page.locator('[data-testid="teach"][data-storage="ready"]').waitFor();
    assert.equal(await teach.page.getByTestId('class').count(), 0);

    await teach.page.getByTestId('import-project').setInputFiles(exported);
    await teach.cls('brick').waitFor();
    assert.equal(await teach.count('coins'), recorded + 1);
    const reexported = await teach.exportProject();
    const [a, b] = [readSafetensors(readFileSync(exported)), readSafetensors(readFileSync(reexported))];
    for (const key of ['head.weight', 'head.bias', 'features', 'thumbnails']) {
      assert.ok(a.tensors[key].bytes.equals(b.tensors[key].bytes), `${key} round-trips byte for byte`);
    }
    assert.equal(a.metadata.format, 'transfer-studio-project');
    assert.equal(JSON.parse(a.metadata.project).settings.weight_decay, 0.002, 'the weight decay field is a setting');

    // A file that is not a project is refused and changes nothing.
    await teach.page.getByTestId('import-project').setInputFiles(WEIGHTS);
    await teach.message().waitFor();
    assert.match(await teach.message().textContent(), /was not imported: not a Transfer Studio project file/);
    assert.equal(await teach.page.getByTestId('class').count(), 2);

    // The QR code, read by a decoder we did not write (zxing-cpp), holds a link that opens
    // this classifier: here, where a project is, only on the user's word.
    await teach.page.getByTestId('share-make').click();
    const qr = teach.page.getByTestId('share-qr');
    await qr.waitFor();
    await qr.evaluate((element) => { element.style.width = '740px'; }); // a few pixels a module, as a phone's camera sees it
    const png = join(work, 'qr.png');
    await qr.screenshot({ path: png });
    const decode = 'import sys, zxingcpp\nfrom PIL import Image\nprint("\\n".join(b.text for b in zxingcpp.read_barcodes(Image.open(sys.argv[1]))))';
    const decoded = execFileSync(PYTHON, ['-c', decode, png], { encoding: 'utf8' }).trim();
    assert.equal(decoded, await qr.getAttribute('data-link'));
    const bits = await qr.getAttribute('data-bits');
    await teach.page.goto(decoded);
    await teach.page.reload();
    await teach.page.locator('[data-testid="shared-arrival"][data-state="replaces"]').waitFor({ timeout: 300_000 });
    await teach.page.getByTestId('shared-open').click();
    await teach.page.getByTestId('from-link').waitFor();
    assert.equal(await teach.count('brick'), 0, 'the shared classifier has no examples');
    let difference = 0;
    for (const [photo, before] of [['brick_2_256.png', brick], ['coins_0_256.png', coins]]) {
      const shared = await teach.predict(join(PHOTOS, photo));
      assert.equal(shared.best, before.best, `${photo}: the same answer through the QR code`);
      difference = Math.max(difference, Math.abs(shared.probs.brick - before.probs.brick));
    }
    assert.ok(difference < { 4: 0.05, 8: 0.03, 16: 2e-3 }[bits], `${bits}-bit QR link: |Δprob| ${difference}`);
    console.log(`QR code: ${decoded.length} characters, ${bits}-bit head, |Δprob| against the trained head ${difference.toExponential(2)}`);
    assert.deepEqual(teach.errors, []);
  } finally {
    await browser.close();
  }
});

test('WebGPU: a project made by the CLI is imported, trained on the GPU device and predicts', { timeout: 900_000 }, async () => {
  const dirs = { brick: join(work, 'brick'), coins: join(work, 'coins') };
  execFileSync('mkdir', ['-p', dirs.brick, dirs.coins]);
  for (const i of [0, 1]) {
    execFileSync('cp', [join(PHOTOS, `brick_${i}_256.png`), dirs.brick]);
    execFileSync('cp', [join(PHOTOS, `coins_${i === 0 ? 0 : 2}_256.png`), dirs.coins]);
  }
  const project = join(work, 'cli-project.safetensors');
  execFileSync(CLI, ['train', '--weights', WEIGHTS, '--class', `brick=${dirs.brick}`, '--class', `coins=${dirs.coins}`, '--epochs', '1', '--out', project], { stdio: 'ignore' });

  const browser = await launch({ webgpu: true });
  try {
    const teach = new TeachPage(await browser.newPage(), work);
    await teach.open(`${site.url}?device=webgpu`);
    assert.equal(await teach.waitForModel(), 'ready');
    assert.equal(await teach.backend().getAttribute('data-backend'), 'webgpu');
    await teach.page.getByTestId('import-project').setInputFiles(project);
    await teach.cls('coins').waitFor();
    await teach.setting('epochs', 15);
    await teach.setting('validation-fraction', 0);
    await teach.train();
    assert.equal(await teach.page.getByTestId('accuracy-chart').getAttribute('data-epochs'), '15');
    const brick = await teach.predict(join(PHOTOS, 'brick_2_256.png'), 300_000);
    assert.equal(brick.best, 'brick', JSON.stringify(brick));
    assert.deepEqual(teach.errors, []);
  } finally {
    await browser.close();
  }
});

test('calibration and mistakes: a calibrated head made by the CLI is imported, its threshold moved to "not sure" and kept; the page calibrates its own training; an example moved from the mistakes gallery changes the next matrix; the gallery shows where it looked', { timeout: 900_000 }, async () => {
  const data = join(work, 'teach-set');
  execFileSync(PYTHON, [join(REPO, 'tests/reference/make_teach_set.py'), data, '15']);
  const classes = ['brick', 'gravel', 'grass', 'coins'];
  const project = join(work, 'calibrated.safetensors');
  execFileSync(CLI, ['train', '--weights', WEIGHTS, ...classes.flatMap((c) => ['--class', `${c}=${join(data, c)}`]), '--validation', '0.5', '--epochs', '20', '--out', project], { stdio: 'ignore' });
  const calibration = JSON.parse(readSafetensors(readFileSync(project)).metadata.project).training.evaluation.calibration;
  // Fitted (a temperature of exactly 1 is "unchanged"), and no worse calibrated than before.
  assert.ok(calibration && calibration.examples >= 20 && Number.isFinite(calibration.temperature) && calibration.temperature !== 1, JSON.stringify(calibration));
  assert.ok(calibration.error_after <= calibration.error_before, JSON.stringify(calibration));

  const browser = await launch({ webgpu: false });
  try {
    const teach = new TeachPage(await browser.newPage(), work);
    await teach.open(site.url);
    assert.equal(await teach.waitForModel(), 'ready');
    await teach.page.getByTestId('import-project').setInputFiles(project);
    await teach.cls('coins').waitFor();
    const shown = teach.page.locator('[data-testid="calibration"][data-state="calibrated"]');
    await shown.waitFor();
    assert.ok(Math.abs(Number(await shown.getAttribute('data-temperature')) - calibration.temperature) < 1e-6);
    assert.ok(await teach.page.getByTestId('reliability-band').count() >= 1);

    // Every answer below 100 %: "not sure", the best guess still named.
    const threshold = teach.page.getByTestId('not-sure-threshold');
    await threshold.fill('1');
    await threshold.dispatchEvent('change');
    await teach.predict(join(data, 'held_out/brick_0.png'));
    const result = teach.page.locator('[data-testid="teach-result"][data-source="brick_0.png"]');
    assert.equal(await result.getAttribute('data-sure'), 'false');
    assert.match(await result.locator('h4').textContent(), /not sure \(best guess \w+, \d+ %, below the 100 % threshold\)/);
    await threshold.fill('0');
    await threshold.dispatchEvent('change');
    await teach.predict(join(data, 'held_out/coins_0.png'));
    assert.equal(await teach.page.locator('[data-testid="teach-result"][data-source="coins_0.png"]').getAttribute('data-sure'), 'true');

    // The moved threshold is saved with the project.
    await threshold.fill('0.99');
    await threshold.dispatchEvent('change');
    await teach.page.getByTestId('saving').waitFor({ state: 'hidden' });
    await teach.page.reload();
    assert.equal(await teach.waitForModel(), 'ready');
    await teach.page.locator('[data-testid="calibration"][data-state="calibrated"]').waitFor();
    assert.equal(await teach.page.getByTestId('not-sure-threshold').inputValue(), '0.99');

    // Trained here with half held out: calibrated again, in the page's worker.
    await teach.setting('validation-fraction', 0.5);
    await teach.setting('epochs', 10);
    await teach.train();
    const mine = teach.page.locator('[data-testid="calibration"][data-state="calibrated"]');
    await mine.waitFor();
    const temperature = Number(await mine.getAttribute('data-temperature'));
    assert.ok(Number.isFinite(temperature) && temperature !== 1, `fitted here: T = ${temperature}`);
    assert.ok(Number(await mine.getAttribute('data-error-after')) <= Number(await mine.getAttribute('data-error-before')) + 0.05);

    // The mistakes gallery: a cell off the diagonal shows its examples; one moved to the
    // class it was taken for, and training again, changes the matrix.
    const matrix = () => teach.page.getByTestId('confusion').textContent();
    const before = await matrix();
    const names = await teach.page.getByTestId('confusion-row').evaluateAll((rows) => rows.map((r) => r.dataset.class));
    const cells = await teach.page.getByTestId('confusion-cell').evaluateAll((all) => all.filter((c) => c.dataset.true !== c.dataset.predicted).map((c) => ({ t: c.dataset.true, p: c.dataset.predicted, n: Number(c.textContent) })));
    assert.ok(cells.length > 0, 'a noisy set has mistakes');
    const cell = cells[0];
    await teach.page.locator(`[data-testid="confusion-cell"][data-true="${cell.t}"][data-predicted="${cell.p}"]`).click();
    await teach.page.getByTestId('mistakes').waitFor();
    assert.equal(await teach.page.getByTestId('mistake').count(), cell.n, 'the gallery shows the examples behind the number');
    const [truth, taken] = [names[Number(cell.t)], names[Number(cell.p)]];
    assert.match(await teach.page.getByTestId('mistake').first().textContent(), new RegExp(`true: ${truth} · predicted: ${taken} \\(\\d+ %\\)`));
    // Where it looked: the predicted class's map over the example's thumbnail, one value
    // per cell of the 7 × 7 grid, not all alike.
    await teach.page.getByTestId('mistake-look').first().click();
    const overlay = teach.page.getByTestId('mistake-cam-overlay');
    await overlay.waitFor({ state: 'attached', timeout: 120_000 });
    await teach.page.waitForFunction(() => (document.querySelector('[data-testid="mistake-cam-overlay"]')?.dataset.map ?? '') !== '');
    assert.equal(await overlay.getAttribute('data-class'), taken);
    const values = (await overlay.getAttribute('data-map')).split(',').map(Number);
    assert.equal(values.length, 49);
    assert.ok(values.every(Number.isFinite) && new Set(values).size > 1, 'a map with structure');
    const counts = { truth: await teach.count(truth), taken: await teach.count(taken) };
    await teach.page.getByTestId('mistake-class').first().selectOption({ label: taken });
    await teach.page.waitForFunction(([n, c]) => Number(document.querySelector(`[data-testid="class"][data-name="${n}"]`)?.dataset.count) === c, [taken, counts.taken + 1]);
    assert.equal(await teach.count(truth), counts.truth - 1);
    assert.equal(await teach.page.getByTestId('mistake').count(), cell.n - 1, 'the moved example left the cell');
    // The state still reads "finished" from the last run until this one starts: every value it
    // takes is recorded, so the wait ends with this run's end.
    await teach.page.evaluate(() => {
      window.__trainingStates = [];
      new MutationObserver(() => window.__trainingStates.push(document.querySelector('[data-testid="training-state"]').dataset.state))
        .observe(document.querySelector('[data-testid="training-state"]'), { attributes: true, attributeFilter: ['data-state'] });
    });
    await teach.page.getByTestId('train').click();
    await teach.page.waitForFunction(() => window.__trainingStates.some((s) => s !== 'finished') && window.__trainingStates.at(-1) === 'finished', null, { timeout: 300_000 });
    assert.notEqual(await matrix(), before, 'training again changes the matrix');
    await teach.page.reload();
    assert.equal(await teach.waitForModel(), 'ready');
    await teach.cls(taken).waitFor();
    assert.equal(await teach.count(taken), counts.taken + 1, 'the move was saved');
    assert.deepEqual(teach.errors, []);
  } finally {
    await browser.close();
  }
});
