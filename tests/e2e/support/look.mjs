// Test support for how the page looks and reads: axe-core audits (serious and critical
// violations fail), sideways scrolling, and screenshots kept as test artifacts.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { REPO } from './site.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
/** Where screenshots go: the test artifacts, kept after the run (git ignores them); nothing compares pixels. */
export const SHOTS = process.env.SCREENSHOTS ?? join(REPO, 'test-results/screenshots');

/** axe-core's serious and critical violations on the page as it is now, as readable lines. */
export async function audit(page) {
  // Evaluated through the DevTools protocol, which the site's Content-Security-Policy does
  // not govern (a script tag would be refused, as it should be).
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(AXE, 'utf8'));
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

/** How far the page scrolls sideways (0 when it fits the window). */
export function overflow(page) {
  return page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
}

/** Saves a full-page screenshot as `SHOTS/<name>.png`. */
export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}
