// The CPU path on every core: on a cross-origin isolated page (COOP/COEP from the server, as
// `trunk serve` sends) the model worker hands over to the threaded worker, whose pool the page
// reports, and its answers match the CLI's. Without the headers, the service worker isolates
// the page: the first visit runs on one thread, says why, and reloads once isolated; where no
// service worker can run, one thread stays, with the reason. A user who chose the CPU gets the
// threaded worker straight away.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO, serveDist, launch, StudioPage, cliTop5, assertSameTop5 } from './support/site.mjs';

const PHOTO = join(REPO, 'tests/fixtures/photos/chelsea_0_256.png');
const WEIGHTS = join(REPO, 'public/models/resnet50-demo-int8.safetensors');

let isolated;
let plain;
before(async () => {
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
    assert.equal(await studio.page.getByTestId('one-thread').count(), 0);
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
    assert.equal(await studio.waitForModel(), 'ready');
    // The first visit may already have reloaded (the service worker can be quick): only an
    // unisolated page must say why it runs on one thread.
    if (!(await studio.page.evaluate(() => crossOriginIsolated))) {
      assert.match(await studio.page.getByTestId('one-thread').textContent(), /not cross-origin isolated/);
    }
    // Once the service worker controls the page and the model is ready, it reloads itself once.
    await studio.page.waitForFunction(() => crossOriginIsolated, null, { timeout: 300_000, polling: 500 });
    assert.equal(await studio.waitForModel(), 'ready');
    await studio.page.locator('[data-testid="backend"][data-threads="2"]').waitFor({ state: 'attached', timeout: 120_000 });
    assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(WEIGHTS, PHOTO));
    assert.deepEqual(studio.errors, []);
  } finally {
    await context.close();
  }
});

test('no headers and no service worker: one thread, and the page says why', { timeout: 600_000 }, async () => {
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
    assert.deepEqual(studio.errors, []);
  } finally {
    await context.close();
  }
});
