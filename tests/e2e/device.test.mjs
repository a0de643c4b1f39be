// The right device for the machine: with only a software WebGPU adapter (SwiftShader here)
// the automatic choice measures both (once: the next visit reuses it) and runs on the CPU
// path, saying why; the user can force WebGPU from the device popover (kept across visits)
// and go back to automatic.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO, serveDist, launch, StudioPage, cliTop5, assertSameTop5 } from './support/site.mjs';

const PHOTO = join(REPO, 'tests/fixtures/photos/chelsea_0_256.png');
const WEIGHTS = join(REPO, 'public/models/resnet50-demo-int8.safetensors');

let site;
before(async () => { site = await serveDist(); });
after(() => site.close());

/** Picks `word` in the device popover; the page opens again. */
async function chooseDevice(studio, word) {
  await studio.page.getByTestId('device-summary').click();
  await Promise.all([studio.page.waitForEvent('load'), studio.page.getByTestId('device-choice').selectOption(word)]);
  assert.equal(await studio.waitForModel(), 'ready');
}

test('software adapter: automatic runs on the CPU path and says why; WebGPU can be forced and is kept', { timeout: 600_000 }, async () => {
  const context = await launch({ webgpu: true });
  try {
    const studio = new StudioPage(await context.newPage());
    await studio.open(site.url);
    assert.equal(await studio.waitForModel(), 'ready');
    const backend = studio.backend();
    assert.equal(await backend.getAttribute('data-backend'), 'cpu', await backend.textContent());
    assert.match(await backend.textContent(), /WebGPU runs on the CPU here .*the CPU path is faster \(a test layer took \d+ ms on the CPU path, \d+ ms on WebGPU, just now\)/);
    await studio.page.getByTestId('device-note').waitFor();
    assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(WEIGHTS, PHOTO));

    // The next visit uses the kept measurement instead of measuring again.
    await studio.page.reload();
    assert.equal(await studio.waitForModel(), 'ready');
    assert.equal(await studio.backend().getAttribute('data-backend'), 'cpu');
    assert.match(await studio.backend().textContent(), /ms on WebGPU, on an earlier visit\)/);

    await chooseDevice(studio, 'webgpu');
    assert.equal(await studio.backend().getAttribute('data-backend'), 'webgpu');
    assert.equal(await studio.backend().getAttribute('data-precision'), 'f32', 'SwiftShader has no shader-f16');
    assert.equal(await studio.page.getByTestId('device-note').count(), 0);
    await studio.page.reload();
    assert.equal(await studio.waitForModel(), 'ready');
    assert.equal(await studio.backend().getAttribute('data-backend'), 'webgpu', 'the choice is kept');
    assert.equal(await studio.page.getByTestId('device-choice').inputValue(), 'webgpu');

    await chooseDevice(studio, 'auto');
    assert.equal(await studio.backend().getAttribute('data-backend'), 'cpu');
    assert.deepEqual(studio.errors, []);
  } finally {
    await context.close();
  }
});
