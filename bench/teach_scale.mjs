// Teach mode at scale, in the browser: a project of 5,000 examples in 10 classes (written
// independently by bench/make_project.py) is imported (stored in IndexedDB, one record per
// example), trained, and found again after a reload. Times and the wasm heap are printed.
//
//   node bench/teach_scale.mjs [--webgpu] [--epochs N] [--batch N]
//     (after `trunk build --release`, scripts/demo-model.sh and the test venv)
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { REPO, serveDist, launch, StudioPage } from '../tests/e2e/support/site.mjs';

const flag = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const webgpu = process.argv.includes('--webgpu');
const epochs = flag('--epochs', 20);
const batch = flag('--batch', 64);
const perClass = flag('--per-class', 500);
const total = (10 * perClass).toLocaleString('en');
const project = join(mkdtempSync(join(tmpdir(), 'ts-scale-')), 'scale.safetensors');
execFileSync(join(REPO, '.venv/bin/python'), [join(REPO, 'bench/make_project.py'), project, '10', String(perClass)]);

const site = await serveDist();
const context = await launch({ webgpu });
const rows = [];
const log = (row) => { rows.push(row); console.error(row.join(': ')); };
const since = (start) => ((performance.now() - start) / 1000).toFixed(1);
try {
  const studio = new StudioPage(await context.newPage());
  const page = studio.page;
  // The examples IndexedDB holds once the project info (written last) is there, else -1.
  await page.addInitScript(() => {
    window.storedExamples = () => new Promise((done) => {
      const open = indexedDB.open('transfer-studio');
      open.onsuccess = () => {
        const tx = open.result.transaction(['examples', 'project']);
        const count = tx.objectStore('examples').count();
        const info = tx.objectStore('project').get('info');
        tx.oncomplete = () => { open.result.close(); done(info.result === undefined ? -1 : count.result); };
      };
      open.onerror = () => done(-1);
    });
  });
  await studio.open(`${site.url}${webgpu ? '?device=webgpu' : ''}#teach`);
  await studio.waitForModel();
  const backend = await studio.backend().getAttribute('data-backend');
  const allIn = () => page.waitForFunction((n) => {
    const cards = [...document.querySelectorAll('[data-testid="class"]')];
    return cards.length === 10 && cards.every((c) => c.dataset.count === String(n));
  }, perClass, { timeout: 300_000 }).catch(async (error) => {
    const message = await page.getByTestId('teach-message').textContent({ timeout: 1000 }).catch(() => 'no message');
    const counts = await page.getByTestId('class').evaluateAll((cards) => cards.map((c) => c.dataset.count).join(','));
    const stored = await page.evaluate(() => window.storedExamples());
    throw new Error(`not all examples shown (classes: ${counts}; stored: ${stored}; message: ${message}): ${error.message}`);
  });

  await page.evaluate(() => {
    window.longestTask = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.longestTask = Math.max(window.longestTask, entry.duration);
    }).observe({ type: 'longtask' });
  });
  let start = performance.now();
  await page.getByTestId('import-project').setInputFiles(project);
  await allIn();
  log([`import ${total} examples: shown`, `${since(start)} s`]);
  // Stored: IndexedDB holds every example and the project info (written last).
  while ((await page.evaluate(() => window.storedExamples())) !== 10 * perClass) await page.waitForTimeout(250);
  log([`import ${total} examples: all stored in IndexedDB`, `${since(start)} s`]);
  const longest = await page.evaluate(() => window.longestTask);
  log(['longest main-thread task during the import', `${(longest / 1000).toFixed(2)} s`]);

  for (const [id, value] of [['epochs', epochs], ['batch-size', batch]]) {
    await page.getByTestId(id).fill(String(value));
    await page.getByTestId(id).dispatchEvent('change');
  }
  start = performance.now();
  await page.getByTestId('train').click();
  await page.locator('[data-testid="training-state"][data-state="finished"]').waitFor({ timeout: 3_600_000 });
  const run = page.getByTestId('training-run');
  const seconds = Number(await run.getAttribute('data-seconds'));
  log([`train ${epochs} epochs, batch ${batch} (${await run.getAttribute('data-rows')} rows)`, `${seconds.toFixed(1)} s (${(seconds / epochs).toFixed(2)} s/epoch)`]);
  log(['wasm heap after training', `${(Number(await run.getAttribute('data-wasm-heap')) / 1e6).toFixed(0)} MB`]);
  const device = Number(await run.getAttribute('data-device-reserved'));
  if (device) log(['device allocator reserved', `${(device / 1e6).toFixed(0)} MB`]);

  start = performance.now();
  await page.reload();
  await studio.waitForModel();
  await allIn();
  log([`reload until all ${total} examples are back (model load included)`, `${since(start)} s`]);
  const trained = await page.locator('[data-testid="loss-chart"]').getAttribute('data-epochs');
  log(['trained head and curves kept after reload', trained === String(epochs) ? 'yes' : `no (${trained})`]);
  if (studio.errors.length) log(['page errors', studio.errors.join('; ')]);

  console.log(`\nTeach mode at scale — ${backend}, ${new Date().toISOString().slice(0, 10)}`);
  console.log('| step | figure |\n| --- | --- |');
  for (const [step, figure] of rows) console.log(`| ${step} | ${figure} |`);
} finally {
  await context.close();
  site.close();
}
