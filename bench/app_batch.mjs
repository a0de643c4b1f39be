// A batch of photos classified in the app where threads cannot run (no COOP/COEP, no service
// worker): one worker (`?workers=1`) against the helpers the page starts (`?workers=N`, one a
// core by default), alternating, on the CPU path. Each round opens a fresh page, lets the
// first batch start the helpers (untimed), then times a second batch from choosing the
// files to the last row. Peak memory is the browser's resident peak (all its processes).
//
//   node bench/app_batch.mjs [--photos 16] [--rounds 3] [--workers 2]   (after a trunk build)
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { REPO, serveDist, launch, StudioPage } from '../tests/e2e/support/site.mjs';
import { peakRss } from './memory.mjs';

const { values } = parseArgs({ options: { photos: { type: 'string', default: '16' }, rounds: { type: 'string', default: '3' }, workers: { type: 'string', default: '2' } } });
const PHOTOS = join(REPO, 'tests/fixtures/photos');
const photos = readdirSync(PHOTOS).filter((f) => f.endsWith('_256.png')).slice(0, Number(values.photos)).map((f) => join(PHOTOS, f));
const site = await serveDist({}, { isolate: false });

async function batchSeconds(studio, files) {
  const started = Date.now();
  await studio.choose(files);
  // The rows of this batch, all in (the last batch's status also says it is not running).
  await studio.page.waitForFunction((n) => document.querySelectorAll('[data-testid="batch-row"]').length === n
    && document.querySelector('[data-testid="batch-status"]').dataset.running === 'false', files.length, { timeout: 1_800_000, polling: 100 });
  return (Date.now() - started) / 1000;
}

const results = { 1: [], [values.workers]: [] };
for (let round = 0; round < Number(values.rounds); round++) {
  for (const workers of [1, Number(values.workers)]) {
    const context = await launch({ webgpu: false, serviceWorkers: 'block' });
    try {
      const studio = new StudioPage(await context.newPage());
      await studio.open(`${site.url}?workers=${workers}`);
      await studio.waitForModel();
      await batchSeconds(studio, photos.slice(0, 2));
      if (workers > 1) await studio.page.locator(`[data-testid="batch-workers"][data-workers="${workers}"]`).waitFor({ state: 'attached', timeout: 300_000 });
      const seconds = await batchSeconds(studio, photos);
      const peak = peakRss(context.profileDir);
      results[workers].push({ seconds, peak });
      console.log(`round ${round + 1}, ${workers} worker(s): ${photos.length} photos in ${seconds.toFixed(2)} s (${(photos.length / seconds).toFixed(2)} images/s), peak ${(peak / 1e6).toFixed(0)} MB`);
    } finally {
      await context.close();
    }
  }
}
site.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const [workers, runs] of Object.entries(results)) {
  const seconds = median(runs.map((r) => r.seconds));
  console.log(`${workers} worker(s): median ${seconds.toFixed(2)} s, ${(photos.length / seconds).toFixed(2)} images/s, peak ${(median(runs.map((r) => r.peak)) / 1e6).toFixed(0)} MB`);
}
