// In each engine, a first visit without network: the pinned pretrained download cannot
// happen, so the demo model is made in the browser from its seed, and the page says why. The
// CPU path runs on as many threads as the engine lets wasm share memory with its workers (or
// says why it runs on one), a photo's top-5 equals the native CLI's, and a corrupt file is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { REPO, SHIPPED_MANIFEST, serveDist, cliTop5, assertSameTop5 } from '../support/site.mjs';
import { ENGINES, openTab, freePort } from '../support/engines.mjs';
import { Journey, tid } from '../support/journey.mjs';

const PHOTO = join(REPO, 'tests/fixtures/photos/chelsea_0_256.png');
const CORRUPT = join(REPO, 'tests/fixtures/synthetic/corrupt.jpg');
const INT8 = join(REPO, 'public/models/resnet50-demo-int8.safetensors');

let site;
before(async () => {
  // The shipped manifest, its pinned URL moved to a port where nothing listens: as without network.
  const shipped = JSON.parse(readFileSync(SHIPPED_MANIFEST, 'utf8'));
  const pinned = new URL(shipped.models[0].url);
  const refused = `http://127.0.0.1:${await freePort()}${pinned.pathname}`;
  site = await serveDist({}, { manifest: { models: [{ ...shipped.models[0], url: refused }, ...shipped.models.slice(1)] }, hooks: true });
});
after(() => site.close());

/** Whether this engine lets a shared WebAssembly.Memory cross to another thread (what wasm threads need). */
const sharesWasmMemory = () => {
  try {
    const channel = new MessageChannel();
    channel.port1.postMessage(new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }));
    channel.port1.close();
    return crossOriginIsolated;
  } catch {
    return false;
  }
};

for (const engine of ENGINES) {
  test(`${engine}: first visit without network — demo made here, threads as the engine allows, the CLI's top-5, a corrupt file refused`, { timeout: 600_000 }, async () => {
    const tab = await openTab(engine);
    try {
      const studio = new Journey(tab);
      const start = Date.now();
      await studio.open(site.url);
      assert.equal(await studio.waitForModel(), 'ready', (await studio.read(tid('model-status')))?.text);
      const ready = (Date.now() - start) / 1000;
      assert.ok(await studio.read(tid('demo-banner')), 'the demo banner');
      const notice = await studio.read(tid('notice'));
      assert.equal(notice?.kind, 'fallback', notice?.text);
      assert.match(notice.text, /Using the demo model: the pretrained model could not be loaded \(ResNet50 · torchvision V1: download from 127\.0\.0\.1:\d+ failed/);

      // The threaded worker hands over once its pool is up: the backend line says so.
      const backend = await tab.waitFor(() => {
        const b = document.querySelector('[data-testid="backend"]');
        return b && b.dataset.backend !== 'pending' && { ...b.dataset, text: b.textContent, why: document.querySelector('[data-testid="one-thread"]')?.textContent ?? null };
      }, null, { what: 'the compute device' });
      const [shares, cores] = await Promise.all([tab.evaluate(sharesWasmMemory), tab.evaluate(() => navigator.hardwareConcurrency)]);
      assert.equal(backend.backend, 'cpu', backend.text);
      assert.equal(Number(backend.threads), shares ? Math.min(cores, 8) : 1, backend.text);
      if (!shares) assert.match(backend.why, /cannot share WebAssembly memory between threads \(a shared WebAssembly\.Memory cannot be posted to a worker/);

      assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(INT8, PHOTO));
      const timings = (await studio.read(tid('timings'))).text;
      console.log(`${engine}: ready in ${ready.toFixed(1)} s, ${backend.text}; ${timings}`);

      await tab.setFiles(tid('file-input'), [CORRUPT]);
      const error = await tab.waitFor(() => document.querySelector('[data-testid="error"]')?.textContent, null, { what: 'the error' });
      assert.match(error, /corrupt\.jpg: the image could not be decoded/);
      assert.deepEqual(await studio.errors(), []);
    } finally {
      await tab.close();
    }
  });
}
