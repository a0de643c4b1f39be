// A user classifies a photo on WebGPU and on the CPU fallback; a corrupt file is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO, serveDist, launch, StudioPage, cliTop5, assertSameTop5 } from './support/site.mjs';

const PHOTO = join(REPO, 'tests/fixtures/photos/chelsea_0_256.png');
const OTHER = join(REPO, 'tests/fixtures/photos/coffee_1_256.png');
const CORRUPT = join(REPO, 'tests/fixtures/synthetic/corrupt.jpg');
const WEIGHTS = join(REPO, 'public/models/resnet50-demo-int8.safetensors');

let site;
before(async () => { site = await serveDist(); });
after(() => site.close());

for (const webgpu of [true, false]) {
  const label = webgpu ? 'WebGPU' : 'CPU fallback';
  test(`${label}: top-5 equals the native CLI's; a corrupt file shows an error and the page keeps working`, { timeout: 900_000 }, async () => {
    const browser = await launch({ webgpu });
    try {
      const studio = new StudioPage(await browser.newPage());
      await studio.open(site.url);
      assert.equal(await studio.waitForModel(), 'ready', await studio.page.getByTestId('model-status').textContent());
      const backend = studio.backend();
      assert.equal(await backend.getAttribute('data-backend'), webgpu ? 'webgpu' : 'cpu', await backend.textContent());
      if (!webgpu) assert.match(await backend.textContent(), /WebGPU/, 'the fallback says why');
      await studio.page.getByTestId('demo-banner').waitFor();

      assertSameTop5(assert, await studio.classify(PHOTO), cliTop5(WEIGHTS, PHOTO));
      assert.match(await studio.page.getByTestId('timings').textContent(), /decode .* preprocess .* inference .* ms/);

      await studio.choose(CORRUPT);
      await studio.error().waitFor({ timeout: 60_000 });
      assert.match(await studio.error().textContent(), /corrupt\.jpg: the image could not be decoded/);

      assertSameTop5(assert, await studio.classify(OTHER), cliTop5(WEIGHTS, OTHER));
      assert.equal(await studio.error().count(), 0, 'the error clears after a good image');
      assert.deepEqual(studio.errors, []);
    } finally {
      await browser.close();
    }
  });
}
