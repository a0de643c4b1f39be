// Hostile files where the app really runs them: in Chromium, on wasm32 (the 32-bit paths
// that native tests cannot reach). Mutated project files are imported on the page, mutated
// images classified and mutated int8 weights loaded in the worker, random messages handed
// to the worker; every one
// is refused with a message or read, nothing panics, and the page still works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { REPO, serveDist, launch, StudioPage, cliTop5, assertSameTop5, watchShown } from './support/site.mjs';
import { projectBytes, mutate, headerEnd, random } from './support/project.mjs';

const CASES = Number(process.env.FUZZ_CASES ?? 60);
/** With FUZZ_SECONDS, random messages go on reaching the worker for that long. */
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 0);
const INT8 = join(REPO, 'public/models/resnet50-demo-int8.safetensors');
const SYNTHETIC = join(REPO, 'tests/fixtures/synthetic');
const SETTINGS = { epochs: 20, learning_rate: 0.01, batch_size: 32, validation_fraction: 0.2, weight_decay: 0.0001, augment: false, seed: 0 };

let site;
let work;
before(async () => {
  site = await serveDist();
  work = mkdtempSync(join(tmpdir(), 'ts-hostile-'));
});
after(() => site.close());

/** 'refused' once a message names `name`, 'read' once `read` resolves; fails if neither comes. */
function outcome(message, name, read, timeout) {
  return Promise.race([
    message.filter({ hasText: name }).waitFor({ timeout }).then(() => 'refused'),
    read.then(() => 'read'),
  ]);
}

test(`${CASES} mutated project files imported on the page (wasm32)`, { timeout: 900_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const studio = new StudioPage(await browser.newPage());
    await studio.open(site.url);
    await studio.mode('teach');
    await studio.page.locator('[data-testid="teach"][data-storage="ready"]').waitFor();
    const valid = projectBytes({ classes: ['a', 'b', 'c'], perClass: 3, settings: SETTINGS, head: true });
    const next = random(7);
    const outcomes = { refused: 0, read: 0 };
    for (let i = 0; i < CASES; i++) {
      const name = `mutant-${i}.safetensors`;
      const path = join(work, name);
      writeFileSync(path, mutate(valid, headerEnd(valid), next));
      // A project that is read replaces the page's and is saved whole: `saving` shows, then hides.
      const saved = await watchShown(studio.page, 'saving');
      await studio.page.getByTestId('import-project').setInputFiles(path);
      outcomes[await outcome(studio.page.getByTestId('teach-message'), name, saved.ended(60_000), 60_000)]++;
      assert.equal(await studio.page.getByTestId('panic-notice').count(), 0, `${name} broke the page`);
    }
    console.log(`mutated projects on wasm32: ${JSON.stringify(outcomes)}`);
    assert.ok(outcomes.refused > CASES / 2, JSON.stringify(outcomes));

    // The valid file still imports whole, and a reload finds it.
    const path = join(work, 'valid.safetensors');
    writeFileSync(path, valid);
    await studio.page.getByTestId('import-project').setInputFiles(path);
    await studio.page.locator('[data-testid="class"][data-name="c"][data-count="3"]').waitFor();
    await studio.page.getByTestId('saving').waitFor({ state: 'hidden' });
    await studio.page.reload();
    await studio.page.locator('[data-testid="teach"][data-storage="ready"]').waitFor();
    assert.equal(await studio.page.getByTestId('class').count(), 3);
    assert.deepEqual(studio.errors, []);
  } finally {
    await browser.close();
  }
});

test(`${Math.ceil(CASES / 2)} mutated images classified in the worker, random messages handed to it (wasm32)`, { timeout: 900_000 + SECONDS * 1500 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const studio = new StudioPage(await browser.newPage());
    await studio.open(site.url);
    assert.equal(await studio.waitForModel(), 'ready');
    const seeds = ['one_pixel.png', 'palette.gif', 'lossless.webp', 'plain.bmp', 'grey.png', 'exif_rotated.jpg'].map((f) => readFileSync(join(SYNTHETIC, f)));
    const next = random(11);
    const outcomes = { refused: 0, read: 0 };
    for (let i = 0; i < Math.ceil(CASES / 2); i++) {
      const seed = seeds[i % seeds.length];
      const ext = ['png', 'gif', 'webp', 'bmp', 'png', 'jpg'][i % seeds.length];
      const name = `mutant-${i}.${ext}`;
      const path = join(work, name);
      writeFileSync(path, mutate(seed, 64, next));
      await studio.choose(path);
      const shown = studio.page.locator(`[data-testid="result"][data-file="${name}"]`);
      const outcome = await Promise.race([
        studio.error().filter({ hasText: name }).waitFor({ timeout: 60_000 }).then(() => 'refused'),
        shown.waitFor({ timeout: 60_000 }).then(() => 'read'),
      ]);
      outcomes[outcome]++;
      await studio.page.getByTestId('busy').waitFor({ state: 'hidden' });
    }
    console.log(`mutated images on wasm32: ${JSON.stringify(outcomes)}`);

    // Messages the worker cannot decode, as if the page had sent them: each is answered
    // with an error (or dropped when not even its id decodes), and the worker goes on.
    // Batches of CASES × 5, each waited for by a classification, until FUZZ_SECONDS pass.
    const [worker] = await studio.modelWorkers();
    const photo = join(REPO, 'tests/fixtures/photos/coffee_0_256.png');
    const started = Date.now();
    let [sent, state] = [0, 5];
    do {
      state = await worker.evaluate(({ count, state }) => {
        const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
        for (let i = 0; i < count; i++) {
          const bytes = Uint8Array.from({ length: Math.floor(next() * 48) }, () => Math.floor(next() * 256));
          self.dispatchEvent(new MessageEvent('message', { data: i % 7 ? [bytes] : bytes }));
        }
        return state;
      }, { count: CASES * 5, state });
      sent += CASES * 5;
      const copy = join(work, `after-${sent}.png`);
      writeFileSync(copy, readFileSync(photo));
      await studio.classify(copy);
    } while (Date.now() - started < SECONDS * 1000);
    console.log(`random messages to the worker: ${sent} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    // One of them may have been a valid request that loaded another model: the test's own again.
    await studio.choose(INT8);
    assertSameTop5(assert, await studio.classify(photo), cliTop5(INT8, photo));
    assert.equal(await studio.page.getByTestId('panic-notice').count(), 0);
    assert.deepEqual(studio.errors, []);
  } finally {
    await browser.close();
  }
});

test(`${Math.ceil(CASES / 5)} mutated int8 weights files loaded in the worker (wasm32)`, { timeout: 900_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const studio = new StudioPage(await browser.newPage());
    await studio.open(site.url);
    assert.equal(await studio.waitForModel(), 'ready');
    const int8 = readFileSync(INT8);
    const next = random(13);
    const outcomes = { refused: 0, read: 0 };
    for (let i = 0; i < Math.ceil(CASES / 5); i++) {
      const name = `mutant-${i}.safetensors`;
      const path = join(work, name);
      writeFileSync(path, mutate(int8, headerEnd(int8), next));
      await studio.choose(path);
      // Weights that are read become the model: ready, under the file's name.
      const loaded = studio.page.locator('[data-testid="model-status"][data-state="ready"]', { hasText: name }).waitFor({ timeout: 120_000 });
      outcomes[await outcome(studio.error(), name, loaded, 120_000)]++;
      assert.equal(await studio.waitForModel(), 'ready', `${name}: a model is ready (the previous one, or this one)`);
      assert.equal(await studio.page.getByTestId('panic-notice').count(), 0, `${name} broke the page`);
    }
    console.log(`mutated int8 weights on wasm32: ${JSON.stringify(outcomes)}`);
    assert.ok(outcomes.refused > 0, JSON.stringify(outcomes));

    await studio.choose(INT8);
    await studio.page.getByTestId('busy').waitFor({ state: 'hidden', timeout: 120_000 });
    const photo = join(REPO, 'tests/fixtures/photos/coffee_0_256.png');
    assertSameTop5(assert, await studio.classify(photo), cliTop5(INT8, photo));
    assert.deepEqual(studio.errors, []);
  } finally {
    await browser.close();
  }
});
