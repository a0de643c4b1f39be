// A user classifies a photo on WebGPU and on the CPU fallback, off the page's thread (no
// main-thread task over 50 ms meanwhile), sees where the model looked for any of the top-5,
// and a corrupt file is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO, serveDist, launch, StudioPage, cliLook, cliTop5, assertSameTop5 } from './support/site.mjs';

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
      // On SwiftShader the automatic choice is the CPU path (device.test.mjs): ask for WebGPU.
      await studio.open(webgpu ? `${site.url}?device=webgpu` : site.url);
      assert.equal(await studio.waitForModel(), 'ready', await studio.page.getByTestId('model-status').textContent());
      const backend = studio.backend();
      assert.equal(await backend.getAttribute('data-backend'), webgpu ? 'webgpu' : 'cpu', await backend.textContent());
      if (!webgpu) assert.match(await backend.textContent(), /WebGPU/, 'the fallback says why');
      await studio.page.getByTestId('demo-banner').waitFor();
      assert.match(await studio.status().textContent(), /ResNet50, int8, [\d.]+ MB, demo \(random weights\)/, 'model name, kind and size shown');

      const since = await studio.now();
      const shown = await studio.classify(PHOTO);
      const cli = cliLook(WEIGHTS, PHOTO);
      assertSameTop5(assert, shown, cli.top);
      assert.deepEqual(await studio.longTasksSince(since), [], 'main-thread tasks over 50 ms while classifying');
      assert.match(await studio.page.getByTestId('timings').textContent(), /decode .* preprocess .* inference .* ms/);

      // Where it looked: the first class's map by default, any other on a click, as the CLI computes them.
      const overlay = studio.page.getByTestId('result-cam-overlay');
      const assertMapOf = async (index) => {
        assert.equal(Number(await overlay.getAttribute('data-class')), index);
        const map = (await overlay.getAttribute('data-map')).split(',').map(Number);
        const expected = cli.maps[cli.top.findIndex((p) => p.index === index)];
        assert.equal(map.length, cli.map_side ** 2);
        const scale = Math.max(...expected.map(Math.abs));
        const worst = Math.max(...map.map((v, i) => Math.abs(v - expected[i])));
        assert.ok(worst <= 2e-3 * scale, `map of class ${index}: max |Δ| ${worst} of ${scale}`);
      };
      await assertMapOf(shown[0].index);
      await studio.page.getByTestId('prediction').nth(2).getByRole('button').click();
      await assertMapOf(shown[2].index);
      assert.equal(await overlay.isVisible(), true);
      await studio.page.getByTestId('result-cam-toggle').click();
      assert.equal(await overlay.isVisible(), false, 'the overlay can be turned off');

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
