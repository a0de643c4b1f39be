// Test support: serve dist/ on 127.0.0.1, launch Debian's Chromium, and a page object.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, extname, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

export const REPO = resolve(import.meta.dirname, '../../..');
const DIST = join(REPO, 'dist');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };

/** Serves dist/ on an ephemeral loopback port. */
export async function serveDist() {
  const server = createServer(async (req, res) => {
    const path = join(DIST, decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/\/$/, '/index.html'));
    try {
      const info = await stat(path);
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'content-length': info.size });
      res.end(await readFile(path));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

/** Headless Chromium with a fresh profile (a BrowserContext); `webgpu` adds --enable-unsafe-webgpu (SwiftShader here). */
export async function launch({ webgpu }) {
  const args = [
    '--headless=new', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
  ];
  if (webgpu) args.push('--enable-unsafe-webgpu');
  const profile = mkdtempSync(join(tmpdir(), 'ts-chrome-'));
  return chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args, ignoreDefaultArgs: ['--headless'] });
}

/** The page as a user sees it. */
export class StudioPage {
  constructor(page) {
    this.page = page;
    this.errors = [];
    page.on('pageerror', (err) => this.errors.push(String(err)));
  }
  async open(url) { await this.page.goto(url); }
  backend() { return this.page.getByTestId('backend'); }
  async waitForModel(timeout = 300_000) {
    await this.page.locator('[data-testid="model-status"][data-state="ready"], [data-testid="model-status"][data-state="failed"]').waitFor({ timeout });
    return this.page.getByTestId('model-status').getAttribute('data-state');
  }
  async choose(file) { await this.page.getByTestId('file-input').setInputFiles(file); }
  /** Uploads an image and returns the displayed top-5 as [{index, prob}]. */
  async classify(file, timeout = 180_000) {
    const name = file.split('/').pop();
    await this.choose(file);
    await this.page.locator(`[data-testid="result"][data-file="${name}"]`).waitFor({ timeout });
    await this.page.getByTestId('busy').waitFor({ state: 'hidden', timeout });
    return this.page.getByTestId('prediction').evaluateAll((rows) =>
      rows.map((r) => ({ index: Number(r.dataset.index), prob: Number(r.dataset.prob) })));
  }
  error() { return this.page.getByTestId('error'); }
}

/** The native CLI's top-5 for the same weights and image. */
export function cliTop5(weights, image) {
  const cli = process.env.CLI ?? join(REPO, 'target/debug/transfer-studio');
  const out = execFileSync(cli, ['classify', '--json', '--top', '5', '--weights', weights, image], { encoding: 'utf8' });
  return JSON.parse(out).top.map(({ index, prob }) => ({ index, prob }));
}

/** Same classes; same order wherever neighbouring probabilities differ by more than 0.001. */
export function assertSameTop5(assert, shown, expected) {
  assert.deepEqual(new Set(shown.map((p) => p.index)), new Set(expected.map((p) => p.index)), `classes: ${JSON.stringify({ shown, expected })}`);
  for (let i = 0; i + 1 < expected.length; i++) {
    if (Math.abs(expected[i].prob - expected[i + 1].prob) > 0.001) {
      assert.equal(shown[i].index, expected[i].index, `rank ${i + 1}: ${JSON.stringify({ shown, expected })}`);
    }
  }
  for (const p of shown) {
    const e = expected.find((x) => x.index === p.index);
    assert.ok(Math.abs(p.prob - e.prob) < 0.01, `probability of class ${p.index}: ${p.prob} vs ${e.prob}`);
  }
}
