// Dataset import speed in the browser, on the CPU fallback and on WebGPU: the e2e dataset
// (tests/reference/make_dataset.py: class folders with junk, a corrupt image, nesting) as a
// zip and as a picked folder, each into a fresh page, then the other source into the same
// page after a clear (the e2e sequence). Prints images/s as the page reports them.
//
//   node bench/dataset_import.mjs [--webgpu] [--cpu]   (both without a flag)
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

/** Imports `source` and returns the page's figures once it ends. */
async function imported(teach, source) {
  const [testid, path, name] = sources[source];
  const started = performance.now();
  await teach.page.getByTestId(testid).setInputFiles(path);
  const status = teach.page.locator(`[data-testid="import-status"][data-source="${name}"]:not([data-state="running"])`);
  await status.waitFor({ timeout: 1_800_000 });
  const figures = await status.evaluate((e) => ({ ...e.dataset }));
  return { ...figures, wall: ((performance.now() - started) / 1000).toFixed(1) };
}

const site = await serveDist();
try {
  for (const webgpu of paths.length ? paths.map((p) => p === '--webgpu') : [false, true]) {
    for (const [first, second] of [['zip', 'folder'], ['folder', 'zip']]) {
      const browser = await launch({ webgpu });
      try {
        const teach = new TeachPage(await browser.newPage(), work);
        await teach.open(`${site.url}${webgpu ? '?device=webgpu' : ''}#teach`);
        await teach.waitForModel();
        const backend = await teach.backend().getAttribute('data-backend');
        const a = await imported(teach, first);
        await teach.page.getByTestId('clear-project').click();
        await teach.page.getByTestId('confirm-clear').click();
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
