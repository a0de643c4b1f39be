// The CPU path on every core: on a cross-origin isolated page (COOP/COEP from the server, as
// `trunk serve` sends) the model worker hands over to the threaded worker, whose pool the page
// reports, and its answers match the CLI's. Without the headers, the service worker isolates
// the page: the first visit runs on one thread, says why, and reloads once isolated; where no
// service worker can run, one thread stays, with the reason. A user who chose the CPU gets the
// threaded worker straight away; a browser with relaxed SIMD gets its build with fused
// multiply-adds. Where threads cannot run, a batch spreads over one-thread helper workers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { REPO, serveDist, launch, StudioPage, cliTop5, assertSameTop5, readSafetensors } from './support/site.mjs';
import { TeachPage } from './support/teach_page.mjs';

const PHOTO = join(REPO, 'tests/fixtures/photos/chelsea_0_256.png');
const WEIGHTS = join(REPO, 'public/models/resnet50-demo-int8.safetensors');

const CLI = process.env.CLI ?? join(REPO, 'target/debug/transfer-studio');

let isolated;
let plain;
let work;
before(async () => {
  work = mkdtempSync(join(tmpdir(), 'ts-threads-'));
  isolated = await serveDist();
  plain = await serveDist({}, { isolate: false });
});
after(() => {
  isolated.close();
  plain.close();
});

/** What the page says about its threads, and whether it is isolated. */
async function threads(studio) {
  const backend = studio.backend();
  return {
    isolated: await studio.page.evaluate(() => crossOriginIsolated),
    cores: await studio.page.evaluate(() => navigator.hardwareConcurrency),
    threads: Number(await backend.getAttribute('data-threads')),
    text: await backend.textContent(),
  };
}

test('a threaded worker that never gets ready: after 30 s the page goes on with one thread, saying why, and gives the CLI\'s answers', { timeout: 600_000 }, async () => {
  // Its module is held for ever, as if its pool never came up (Firefox once left a page so).
  let release;
  const never = new Promise((resolve) => { release = resolve; });
  const stuck = await serveDist({}, { hold: (path) => (path.endsWith('threaded_worker_bg.wasm') ? never : null) });
  const context = await launch({ webgpu: false });
  try {
    const studio = new StudioPage(await context.newPage());
    await studio.open(stuck.url);
    assert.equal(await studio.waitForModel(), 'ready');
    await studio.page.waitForFunction(() => document.querySelector('[data-testid="backend"]')?.dataset.threads === '1', null, { timeout: 120_000 });
    const seen = await threads(studio);
    assert.equal(seen.isolated, true);
    assert.match(await studio.page.getByTestId('one-thread').textContent(), /the threaded worker did not start: .*thread pool was not ready after 30 s/);
    assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(WEIGHTS, PHOTO));
  } finally {
    await context.close();
    release();
    stuck.close();
  }
});

test('isolated page: the CPU path computes on a pool of threads and gives the CLI\'s answers', { timeout: 600_000 }, async () => {
  const context = await launch({ webgpu: false });
  try {
    const studio = new StudioPage(await context.newPage());
    await studio.open(isolated.url);
    assert.equal(await studio.waitForModel(), 'ready');
    const seen = await threads(studio);
    assert.equal(seen.isolated, true);
    assert.ok(seen.cores > 1, 'the test machine has more than one core');
    assert.equal(seen.threads, Math.min(seen.cores, 8), seen.text);
    assert.match(seen.text, new RegExp(`${seen.threads} threads`));
    // Chromium has relaxed SIMD: the threaded worker is the build with fused multiply-adds.
    assert.match(seen.text, /CPU \(wasm, relaxed SIMD\)/);
    assert.equal(await studio.page.getByTestId('one-thread').count(), 0);
    assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(WEIGHTS, PHOTO));
    assert.deepEqual(studio.errors, []);
  } finally {
    await context.close();
  }
});

test('without relaxed SIMD (as in Safari): the plain threaded build computes on the pool and gives the CLI\'s answers', { timeout: 600_000 }, async () => {
  // Chromium's V8 can no longer turn relaxed SIMD off, so the page is told what a browser
  // without it says: no module with a relaxed instruction (f32x4.relaxed_madd) validates.
  const context = await launch({ webgpu: false });
  try {
    const page = await context.newPage();
    await page.addInitScript(() => {
      const validate = WebAssembly.validate;
      WebAssembly.validate = (source, ...rest) => {
        const bytes = ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : new Uint8Array(source);
        for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === 0xfd && bytes[i + 1] === 0x85 && bytes[i + 2] === 0x02) return false;
        return validate(source, ...rest);
      };
    });
    const studio = new StudioPage(page);
    await studio.open(isolated.url);
    assert.equal(await studio.waitForModel(), 'ready');
    const seen = await threads(studio);
    assert.equal(seen.threads, Math.min(seen.cores, 8), seen.text);
    assert.match(seen.text, /CPU \(wasm\)/);
    assert.doesNotMatch(seen.text, /relaxed/);
    assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(WEIGHTS, PHOTO));
    assert.deepEqual(studio.errors, []);
  } finally {
    await context.close();
  }
});

test('the CPU chosen: the threaded worker starts at once, even where WebGPU is offered', { timeout: 600_000 }, async () => {
  const context = await launch({ webgpu: true });
  try {
    const studio = new StudioPage(await context.newPage());
    await studio.open(`${isolated.url}?device=cpu`);
    assert.equal(await studio.waitForModel(), 'ready');
    const seen = await threads(studio);
    assert.equal(await studio.backend().getAttribute('data-backend'), 'cpu', seen.text);
    assert.equal(seen.threads, Math.min(seen.cores, 8), seen.text);
    assert.match(seen.text, /you chose the CPU path/);
    assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(WEIGHTS, PHOTO));
    assert.deepEqual(studio.errors, []);
  } finally {
    await context.close();
  }
});

test('no headers: one thread on the first visit, saying why; the service worker isolates the reload', { timeout: 600_000 }, async () => {
  const context = await launch({ webgpu: false });
  try {
    const studio = new StudioPage(await context.newPage());
    await studio.open(plain.url);
    // No service worker served the first visit, so it is not isolated. It says why it runs on
    // one thread as soon as its worker starts, seconds before its model is ready, after which
    // it reloads itself: one read of the page, taken then.
    const reason = await studio.page.waitForFunction(() => {
      const why = document.querySelector('[data-testid="one-thread"]');
      return why && { isolated: crossOriginIsolated, why: why.textContent };
    }, null, { timeout: 120_000, polling: 100 });
    const first = await reason.jsonValue();
    assert.equal(first.isolated, false);
    assert.match(first.why, /not cross-origin isolated/);
    // Once the service worker controls the page and the model is ready, it reloads itself once.
    await studio.page.waitForFunction(() => crossOriginIsolated, null, { timeout: 300_000, polling: 500 });
    assert.equal(await studio.waitForModel(), 'ready');
    const pool = Math.min(await studio.page.evaluate(() => navigator.hardwareConcurrency), 8);
    await studio.page.locator(`[data-testid="backend"][data-threads="${pool}"]`).waitFor({ state: 'attached', timeout: 120_000 });
    assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(WEIGHTS, PHOTO));
    assert.deepEqual(studio.errors, []);
  } finally {
    await context.close();
  }
});

test('no headers and no service worker: one thread, saying why; batches and a dataset import spread over one-thread helper workers, answering as the CLI does', { timeout: 900_000 }, async () => {
  const context = await launch({ webgpu: false, serviceWorkers: 'block' });
  try {
    const studio = new StudioPage(await context.newPage());
    await studio.open(plain.url);
    assert.equal(await studio.waitForModel(), 'ready');
    const seen = await threads(studio);
    assert.equal(seen.isolated, false);
    assert.equal(seen.threads, 1);
    assert.match(seen.text, /1 thread/);
    await studio.page.getByTestId('device-summary').click();
    assert.match(await studio.page.getByTestId('one-thread').textContent(), /One thread: this page is not cross-origin isolated/);
    assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(WEIGHTS, PHOTO));

    const workers = studio.page.getByTestId('batch-workers');
    const batch = async (photos) => {
      await studio.choose(photos);
      await studio.page.waitForFunction((n) => document.querySelectorAll('[data-testid="batch-row"]').length === n
        && document.querySelector('[data-testid="batch-status"]').dataset.running === 'false', photos.length, { timeout: 600_000, polling: 250 });
      const rows = await studio.page.getByTestId('batch-row').evaluateAll((rows) => rows.map((r) => ({
        file: r.dataset.file,
        failed: r.dataset.failed === 'true',
        top: [...r.querySelectorAll('.batch-top li')].map((li) => ({ index: Number(li.dataset.index), prob: Number(li.dataset.prob) })),
      })));
      assert.deepEqual(rows.map((r) => r.file), photos.map((p) => p.split('/').pop()), 'rows in the order given');
      for (const [i, photo] of photos.entries()) {
        assert.equal(rows[i].failed, false, photo);
        assertSameTop5(assert, rows[i].top, cliTop5(WEIGHTS, photo));
      }
    };
    // The first batch starts the helpers (one a core, here); the second is spread over them.
    await batch(['chelsea_1_256.png', 'coffee_0_256.png'].map((p) => join(REPO, 'tests/fixtures/photos', p)));
    const expected = String(Math.min(seen.cores, 4));
    await studio.page.locator(`[data-testid="batch-workers"][data-workers="${expected}"]`).waitFor({ state: 'attached', timeout: 300_000 });
    await batch(['rocket_0_256.png', 'astronaut_1_256.png', 'coins_2_256.png', 'brick_0_256.png'].map((p) => join(REPO, 'tests/fixtures/photos', p)));
    assert.match(await workers.textContent(), new RegExp(`spread over ${expected} one-thread workers`));
    const answered = Number(await workers.getAttribute('data-helpers-answered'));
    assert.ok(answered >= 1, 'a helper answered some of the batch');

    // A dataset folder imported in Teach mode: its features are spread over the same workers,
    // and each is the one the CLI computes for that photo.
    const folders = {};
    for (const name of ['brick', 'coins']) {
      folders[name] = join(work, 'textures', name);
      mkdirSync(folders[name], { recursive: true });
      for (const i of [0, 1, 2]) copyFileSync(join(REPO, `tests/fixtures/photos/${name}_${i}_256.png`), join(folders[name], `${name}_${i}_256.png`));
    }
    const teach = new TeachPage(studio.page, work);
    await teach.mode('teach');
    await teach.page.getByTestId('augment').uncheck();
    await teach.page.getByTestId('dataset-folder').setInputFiles(join(work, 'textures'));
    await teach.page.locator('[data-testid="import-status"][data-source="textures"][data-state="finished"]').waitFor({ timeout: 600_000 });
    assert.ok(Number(await workers.getAttribute('data-helpers-answered')) > answered, 'a helper computed some of the features');
    const cli = join(work, 'cli.safetensors');
    execFileSync(CLI, ['train', '--weights', WEIGHTS, '--class', `brick=${folders.brick}`, '--class', `coins=${folders.coins}`, '--out', cli]);
    const page = featuresByClass(readFileSync(await teach.exportProject()));
    const native = featuresByClass(readFileSync(cli));
    for (const name of ['brick', 'coins']) {
      assert.equal(page[name].length, 3, name);
      for (const row of page[name]) {
        const scale = Math.max(...row.map(Math.abs));
        const nearest = Math.min(...native[name].map((other) => Math.max(...row.map((v, i) => Math.abs(v - other[i])))));
        assert.ok(nearest <= 1e-3 * scale, `${name}: a page feature row is ${nearest} from the CLI's nearest (scale ${scale})`);
      }
    }
    assert.deepEqual(studio.errors, []);
  } finally {
    await context.close();
  }
});

/** A project file's feature rows (one view each), by class name, parsed independently of the app. */
function featuresByClass(buffer) {
  const { metadata, tensors } = readSafetensors(buffer);
  const array = (Type, { bytes }) => new Type(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const names = Object.fromEntries(JSON.parse(metadata.project).classes.map((c) => [c.id, c.name]));
  assert.ok(array(Uint32Array, tensors['example.views']).every((v) => v === 1), 'one view an example');
  const features = array(Float32Array, tensors.features);
  const width = tensors.features.shape[1];
  const rows = {};
  array(Uint32Array, tensors['example.class']).forEach((id, i) => (rows[names[id]] ??= []).push([...features.subarray(i * width, (i + 1) * width)]));
  return rows;
}
