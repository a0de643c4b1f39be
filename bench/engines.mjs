// ResNet50 batch-1 latency per browser engine: Chromium, Firefox ESR and WebKitGTK (the
// e2e suite's drivers, tests/e2e/support/engines.mjs), each its own fresh browser. In each,
// on one bench page: ours on one thread on the page (`ours-cpu`), ours on the threaded
// worker's pool where the engine lets wasm share memory with workers (the relaxed-SIMD build
// where it validates, else the plain one), and onnxruntime-web's wasm on as many threads as
// our pool; runs interleaved after warm-up. Also the app's time to ready on a first visit
// (demo int8 served, nothing cached), and the engine's own figures for one photo (decode,
// preprocess, inference) as the Classify page shows them.
//
//   node bench/engines.mjs [--runs 10] [--warmup 2] [--browsers chromium,firefox,webkit] [--json FILE]
//     (after `trunk build --release` and tests/reference/make_golden.py)
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../tests/e2e/support/site.mjs';
import { openTab } from '../tests/e2e/support/engines.mjs';
import { Journey, tid } from '../tests/e2e/support/journey.mjs';
import { benchSite, prepareBench, option, ortVersion } from './bench_page.mjs';

const runs = Number(option('--runs', 10));
const warmup = Number(option('--warmup', 2));
const browsers = option('--browsers', 'chromium,firefox,webkit').split(',');
const PHOTO = join(REPO, 'tests/fixtures/photos/chelsea_0_256.png');
const AGAIN = join(mkdtempSync(join(tmpdir(), 'engines-')), 'chelsea_again.png');
copyFileSync(PHOTO, AGAIN);
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const site = await benchSite();
const rows = [];
for (const browser of browsers) {
  const tab = await openTab(browser);
  try {
    // The app as a user opens it: time to a ready model, and one photo's figures.
    const studio = new Journey(tab);
    const start = Date.now();
    await studio.open(site.url);
    const state = await studio.waitForModel().catch(async (error) => {
      // What the page shows, to tell a slow load from a stuck one.
      const shown = await tab.evaluate(() => ['model-status', 'notice', 'error', 'backend'].map((id) => `${id}: ${document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '(none)'}`).join('\n'));
      throw new Error(`${browser}: ${error.message}\n${shown}`);
    });
    if (state !== 'ready') throw new Error(`${browser}: the model did not load`);
    const readyMs = Date.now() - start;
    const backend = await tab.waitFor(() => {
      const b = document.querySelector('[data-testid="backend"]');
      return b && b.dataset.backend !== 'pending' && { threads: Number(b.dataset.threads), text: b.textContent };
    });
    // The first photo runs cold code (decoding's functions compiled at their first call),
    // the same photo again does not.
    await studio.classify(PHOTO);
    const photo = (await studio.read(tid('timings'))).text;
    await studio.classify(AGAIN);
    const photoAgain = (await studio.read(tid('timings'))).text;
    const { userAgent, pool } = await tab.evaluate(() => ({ userAgent: navigator.userAgent, pool: Math.min(navigator.hardwareConcurrency, 8) }));

    await prepareBench(tab, site, { ortThreads: backend.threads });
    const engines = ['ours-cpu'];
    const loaded = {};
    loaded['ours-cpu'] = await tab.evaluate((n) => window.loadEngine(n), 'ours-cpu');
    if (backend.threads > 1) {
      for (const name of ['ours-relaxed', 'ours-threads']) {
        const result = await tab.evaluate((n) => window.loadEngine(n).catch((e) => ({ error: String(e) })), name);
        if (result.error) { console.error(`${browser}: ${name}: ${result.error}`); continue; }
        loaded[name] = result;
        engines.push(name);
        break;
      }
    }
    loaded['ort-wasm'] = await tab.evaluate((n) => window.loadEngine(n), 'ort-wasm');
    engines.push('ort-wasm');
    const times = Object.fromEntries(engines.map((n) => [n, []]));
    for (const name of engines) for (let i = 0; i < warmup; i++) await tab.evaluate((n) => window.engines[n](), name);
    for (let round = 0; round < runs; round++) {
      for (const name of engines.map((_, i) => engines[(i + round) % engines.length])) times[name].push(await tab.evaluate((n) => window.engines[n](), name));
    }
    const medians = Object.fromEntries(engines.map((n) => [n, median(times[n])]));
    const ours = engines.find((n) => n !== 'ort-wasm' && n !== 'ours-cpu') ?? 'ours-cpu';
    const row = { browser, userAgent, readyMs, backend: backend.text, threads: backend.threads, pool, photo, photoAgain, ours, medians, ratio: medians[ours] / medians['ort-wasm'], loaded };
    console.error(JSON.stringify(row));
    rows.push(row);
  } finally {
    await tab.close();
  }
}
site.close();

const ms = (v) => `${v.toFixed(0)} ms`;
console.log(`\nResNet50 (int8 demo in the app; seeded fp32 on the bench page) per engine — ${new Date().toISOString().slice(0, 10)}, onnxruntime-web ${ortVersion}; medians of ${runs} interleaved runs after ${warmup} warm-up passes`);
console.log('| engine | app ready (first visit) | app: backend | first photo in Classify | the same photo again | ours on the pool | ours, one thread | ort-wasm (same threads) | ours / ort-wasm |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const pool = r.ours === 'ours-cpu' ? 'no pool' : `${ms(r.medians[r.ours])} (${r.ours}, ${r.threads} threads)`;
  console.log(`| ${r.browser} | ${(r.readyMs / 1000).toFixed(1)} s | ${r.backend} | ${r.photo} | ${r.photoAgain} | ${pool} | ${ms(r.medians['ours-cpu'])} | ${ms(r.medians['ort-wasm'])} (${r.threads}) | ${r.ratio.toFixed(2)} |`);
}
const json = option('--json');
if (json) writeFileSync(json, JSON.stringify({ runs, warmup, ortVersion, rows }, null, 1));
