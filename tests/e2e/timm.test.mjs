// A timm model id typed in the model picker, served by a local server laid out like the hub
// (config.json, then the weights through a redirect): the page reads the config's eval
// transform (bicubic, crop_pct 0.95 here, not the defaults), quantizes in the browser, and
// its top-5 equals the CLI's on the same hub, id and files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO, DEMO_MANIFEST, serveDist, launch, StudioPage, assertSameTop5 } from './support/site.mjs';
import { serveHub, timmConfig } from './support/hub.mjs';

const PHOTO = join(REPO, 'tests/fixtures/photos/coffee_0_256.png');
const FP32 = join(REPO, 'build/resnet50-demo-fp32.safetensors');
const ID = 'timm/resnet50.test_in1k@0123abc';

let hub;
let site;
before(async () => {
  hub = await serveHub({
    'timm/resnet50.test_in1k': { config: timmConfig({ interpolation: 'bicubic', cropPct: 0.95 }), weights: FP32 },
    'timm/resnet50d.test_in1k': { config: { ...timmConfig(), architecture: 'resnet50d' }, weights: FP32 },
  });
  const manifest = { ...JSON.parse(readFileSync(DEMO_MANIFEST, 'utf8')), hub: hub.url };
  site = await serveDist({}, { manifest });
});
after(() => { site.close(); hub.close(); });

/**
 * The CLI's top-5 for the same id through the same hub, as the page computes it: quantized
 * to int8 (with the config's transform recorded), then classified. Asynchronous: the hub
 * runs in this process.
 */
async function cliTop5(weights, image) {
  const cli = process.env.CLI ?? join(REPO, 'target/debug/transfer-studio');
  const dir = mkdtempSync(join(tmpdir(), 'ts-timm-'));
  const env = { ...process.env, XDG_CACHE_HOME: dir, TRANSFER_STUDIO_HUB: hub.url };
  const run = (args) => promisify(execFile)(cli, args, { encoding: 'utf8', env });
  await run(['quantize', '--weights', weights, '--out', join(dir, 'int8.safetensors')]);
  const { stdout } = await run(['classify', '--json', '--top', '5', '--weights', join(dir, 'int8.safetensors'), image]);
  return JSON.parse(stdout).top.map(({ index, prob }) => ({ index, prob }));
}

test('a timm id loads from the hub with its own preprocessing; top-5 equals the CLI\'s', { timeout: 900_000 }, async () => {
  const context = await launch({ webgpu: false });
  try {
    const studio = new StudioPage(await context.newPage());
    await studio.open(site.url);
    assert.equal(await studio.waitForModel(), 'ready');
    await studio.loadUrl(ID);
    assert.equal(await studio.error().count(), 0, await studio.error().textContent().catch(() => ''));
    assert.match(await studio.status().textContent(), /timm\/resnet50\.test_in1k@0123abc .*pretrained \(timm\)/);
    assert.ok(hub.requests.includes('/timm/resnet50.test_in1k/resolve/0123abc/config.json'), JSON.stringify(hub.requests));
    assert.ok(hub.requests.some((p) => p.startsWith('/cdn/')), 'the weights came through the redirect');

    const shown = await studio.classify(PHOTO);
    const expected = await cliTop5(ID, PHOTO);
    assertSameTop5(assert, shown, expected);
    // The config's transform matters: the defaults (bilinear 256/224) give other numbers.
    const defaults = await cliTop5(FP32, PHOTO);
    assert.notDeepEqual(expected.map((p) => p.prob.toFixed(4)), defaults.map((p) => p.prob.toFixed(4)), 'bicubic 235/224 differs from bilinear 256/224');

    // The repo's page address, as copied from the browser, is the same model (now from the cache).
    await studio.loadUrl(`${hub.url}/timm/resnet50.test_in1k/tree/0123abc`);
    assert.equal(await studio.error().count(), 0);
    assert.equal(await studio.status().getAttribute('data-origin'), 'cache');

    // Another architecture, or no such repo: refused, the current model kept.
    for (const [id, message] of [['timm/resnet50d.test_in1k', /architecture is "resnet50d"; only resnet50/], ['timm/resnet50.missing', /HTTP 404/]]) {
      await studio.loadUrl(id);
      assert.match(await studio.error().textContent(), message, id);
      assert.equal(await studio.status().getAttribute('data-state'), 'ready', id);
      assert.match(await studio.status().textContent(), /timm\/resnet50\.test_in1k/, `${id}: the previous model stays`);
    }
    assert.deepEqual(studio.errors, []);
  } finally {
    await context.close();
  }
});
