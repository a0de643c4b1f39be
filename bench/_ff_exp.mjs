import { openTab } from '../tests/e2e/support/engines.mjs';
import { benchSite, prepareBench } from './bench_page.mjs';
const site = await benchSite();
const engine = process.env.E ?? 'firefox';
const tab = await openTab(engine);
await prepareBench(tab, site, { ortThreads: 1 });
const t0 = Date.now();
const names = (process.env.N ?? 'ours-cpu,ours-relaxed-1').split(',');
for (const n of names) console.log(n, JSON.stringify(await tab.evaluate((n) => window.loadEngine(n), n)), (Date.now()-t0)/1e3);
for (let i = 0; i < (Number(process.env.R) || 12); i++) {
  const row = [];
  for (const n of names) row.push(n + ' ' + (await tab.evaluate((n) => window.engines[n](), n)).toFixed(0));
  console.log(((Date.now()-t0)/1e3).toFixed(0) + ' s', row.join(' | '));
  await new Promise((r) => setTimeout(r, 8000));
}
await tab.close(); site.close(); process.exit(0);
