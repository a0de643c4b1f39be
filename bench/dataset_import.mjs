// Dataset import speed in the browser, on the CPU fallback and on WebGPU: the e2e dataset
// (tests/reference/make_dataset.py: class folders with junk, a corrupt image, nesting) as a
// zip and as a picked folder, each into a fresh page, then the other source into the same
// page after a clear (the e2e sequence). Prints images/s as the page reports them.
//
//   node bench/dataset_import.mjs [--webgpu] [--cpu] [--zip-first] [--patience SECONDS]
//     (both paths without a flag; past --patience an import is cancelled and its rate so far printed)
//     (after `trunk build --release`, scripts/demo-model.sh and the test venv)
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { REPO, serveDist, launch } from '../tests/e2e/support/site.mjs';
import { TeachPage } from '../tests/e2e/support/teach_page.mjs';

const work = mkdtempSync(join(tmpdir(), 'ts-import-'));
execFileSync(join(REPO, '.venv/bin/python'), [join(REPO, 'tests/reference/make_dataset.py'), work]);
const sources = { zip: ['dataset-zip', join(work, 'textures.zip'), 'textures.zip'], folder: ['dataset-folder', join(work, 'textures'), 'textures'] };
const paths = ['--cpu', '--webgpu'].filter((p) => process.argv.includes(p));
const at = process.argv.indexOf('--patience');
const patience = at >= 0 ? Number(process.argv[at + 1]) : 1800;
const orders = process.argv.includes('--zip-first') ? [['zip', 'folder']] : [['zip', 'folder'], ['folder', 'zip']];

/** Imports `source` and returns the page's figures once it ends. */
async function imported(teach, source) {
  const [testid, path, name] = sources[source];
  const started = performance.now();
  await teach.page.getByTestId(testid).setInputFiles(path);
  const status = teach.page.locator(`[data-testid="import-status"][data-source="${name}"]:not([data-state="running"])`);
  // SwiftShader's WebGPU takes many seconds an image: past `patience`, the rate so far.
  const ended = await status.waitFor({ timeout: patience * 1000 }).then(() => true, () => false);
  const figures = await teach.page.getByTestId('import-status').evaluate((e) => ({ ...e.dataset }));
  const partial = ended ? '' : ` (stopped after ${patience} s: ${figures.done} of ${figures.total} done)`;
  if (!ended) await teach.page.getByTestId('import-cancel').click();
  return { ...figures, wall: `${((performance.now() - started) / 1000).toFixed(1)}${partial}` };
}

const site = await serveDist();
try {
  for (const webgpu of paths.length ? paths.map((p) => p === '--webgpu') : [false, true]) {
    for (const [first, second] of orders) {
      const browser = await launch({ webgpu });
      try {
        const teach = new TeachPage(await browser.newPage(), work);
        await teach.open(`${site.url}${webgpu ? '?device=webgpu' : ''}#teach`);
        await teach.waitForModel();
        const backend = await teach.backend().getAttribute('data-backend');
        const a = await imported(teach, first);
        await teach.page.getByTestId('clear-project').click();
        await teach.page.getByTestId('confirm-clear').click();
        await teach.page.locator('[data-testid="import-status"]:not([data-state="running"])').waitFor({ timeout: 600_000 });
        await teach.page.getByTestId('classes-empty').waitFor();
        const b = await imported(teach, second);
        for (const [source, f, when] of [[first, a, 'fresh page'], [second, b, 'after a clear']]) {
          console.log(`${backend}\t${source}\t${when}\t${f.added} added\t${f.rate} images/s\t${f.wall} s wall`);
        }
      } finally {
        await browser.close();
      }
    }
  }
} finally {
  site.close();
}
