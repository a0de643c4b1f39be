import { serveDist } from './support/site.mjs';
import { openTab } from './support/engines.mjs';
import { Journey, tid } from './support/journey.mjs';
const site = await serveDist({}, {});
for (const engine of (process.env.E ?? 'chromium,webkit').split(',')) {
  const tab = await openTab(engine);
  const j = new Journey(tab);
  await j.open(site.url);
  await j.waitForModel();
  const out = [];
  for (const f of (process.env.FILES ?? '/tmp/exp/p1.png,/tmp/exp/p2.png,/tmp/exp/p3.png,/tmp/exp/p4.png,/tmp/exp/p5.png').split(',')) {
    await j.classify(f);
    out.push((await j.read(tid('timings'))).text);
  }
  console.log(engine, JSON.stringify(out, null, 1));
  await tab.close();
}
site.close();
process.exit(0);
