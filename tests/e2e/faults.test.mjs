// Faults a user can meet: images whose headers promise gigabytes (refused with a message,
// before the worker allocates them), a model worker that dies (restarted, the model
// loaded again from the cache, the page working as before), and a GPU device lost under the
// model (a new worker, a new device).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { crc32 } from 'node:zlib';
import { REPO, serveDist, launch, StudioPage, cliTop5, assertSameTop5 } from './support/site.mjs';

const PHOTOS = [0, 1, 2].map((i) => join(REPO, `tests/fixtures/photos/chelsea_${i}_256.png`));
const INT8 = join(REPO, 'public/models/resnet50-demo-int8.safetensors');

let site;
let work;
before(async () => {
  site = await serveDist();
  work = mkdtempSync(join(tmpdir(), 'ts-faults-'));
});
after(() => site.close());

/** A PNG that is little more than a header: `width`×`height` at 16 bits a channel, RGBA
 * (colour type 6), and one empty compressed chunk. */
function pngHeader(name, width, height) {
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type), data])));
    return Buffer.concat([length, Buffer.from(type), data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([16, 6, 0, 0, 0], 8);
  const path = join(work, name);
  writeFileSync(path, Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0, 0, 0, 0, 1])), chunk('IEND', Buffer.alloc(0))]));
  return path;
}

test('bomb headers are refused with a message; a dead worker is restarted and the model loaded again', { timeout: 600_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    const studio = new StudioPage(await browser.newPage());
    await studio.open(site.url);
    assert.equal(await studio.waitForModel(), 'ready');
    assertSameTop5(assert, await studio.classify(PHOTOS[0]), cliTop5(INT8, PHOTOS[0]));

    for (const [name, width, height] of [['bomb-16384.png', 16384, 16384], ['bomb-12000x9000.png', 12000, 9000], ['bomb-1x99999999.png', 1, 99_999_999]]) {
      await studio.choose(pngHeader(name, width, height));
      await studio.error().filter({ hasText: name }).waitFor({ timeout: 60_000 });
      assert.match(await studio.error().textContent(), /supported/, name);
    }
    assertSameTop5(assert, await studio.classify(PHOTOS[1]), cliTop5(INT8, PHOTOS[1]));

    // The worker dies as a trapped wasm call would: an uncaught error in it. (The others are
    // its thread pool's: the page is cross-origin isolated.)
    const workers = await studio.modelWorkers();
    assert.equal(workers.length, 1, 'one model worker');
    await workers[0].evaluate(() => { setTimeout(() => { throw new Error('a crash made by the test'); }); });
    await studio.error().filter({ hasText: 'the model is loaded again' }).waitFor({ timeout: 120_000 });
    assert.match(await studio.error().textContent(), /a crash made by the test/);
    assert.equal(await studio.waitForModel(), 'ready');
    assert.equal(await studio.page.getByTestId('model-status').getAttribute('data-state'), 'ready');
    assertSameTop5(assert, await studio.classify(PHOTOS[2]), cliTop5(INT8, PHOTOS[2]));
    assert.equal((await studio.modelWorkers()).length, 1, 'the dead worker is gone, one new one runs');
    assert.equal(studio.page.workers().length, 1 + Number(await studio.backend().getAttribute('data-threads')), 'and its pool only');
    assert.deepEqual(studio.errors, []);
  } finally {
    await browser.close();
  }
});

// burn never reports a destroyed device (the next pass waits for ever); the worker hears
// `GPUDevice.lost` instead and tells the page, which starts a new worker.
test('a lost GPU device: the worker is restarted, picks its device again and the model is loaded again', { timeout: 900_000 }, async () => {
  const browser = await launch({ webgpu: true });
  try {
    const studio = new StudioPage(await browser.newPage());
    // `expose-gpu-device`: a test hook that leaves the worker's GPUDevice where the test can reach it.
    await studio.open(`${site.url}?device=webgpu&expose-gpu-device`);
    assert.equal(await studio.waitForModel(), 'ready');
    assert.equal(await studio.backend().getAttribute('data-backend'), 'webgpu');
    const [worker] = await studio.modelWorkers();
    assert.equal(await worker.evaluate(() => self.gpuDevice instanceof GPUDevice), true, 'the hook kept the device');

    // A real loss: the device is destroyed under the loaded model.
    await worker.evaluate(() => self.gpuDevice.destroy());
    await studio.error().filter({ hasText: 'the model is loaded again' }).waitFor({ timeout: 600_000 });
    assert.match(await studio.error().textContent(), /the GPU device was lost: .*destroyed.*on WebGPU\./);
    assert.equal(await studio.waitForModel(), 'ready');
    assertSameTop5(assert, await studio.classify(PHOTOS[1], 600_000), cliTop5(INT8, PHOTOS[1]));
    assert.equal(await studio.backend().getAttribute('data-backend'), 'webgpu', 'a new device');
    assert.equal(studio.page.workers().length, 1, 'the old worker is gone (WebGPU: no pool)');
    assert.deepEqual(studio.errors, []);
  } finally {
    await browser.close();
  }
});
