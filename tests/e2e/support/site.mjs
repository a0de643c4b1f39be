// Test support: serve dist/ on 127.0.0.1, launch Debian's Chromium, and a page object.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, extname, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

export const REPO = resolve(import.meta.dirname, '../../..');
const DIST = join(REPO, 'dist');
const TYPES = { '.webmanifest': 'application/manifest+json', '.png': 'image/png', '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };

/** Cross-origin isolation: the CPU path's threads share memory only on an isolated page. */
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/** The page hooks' address on the tests' server, and their file. */
const HOOKS_PATH = '/__test__/hooks.js';
const HOOKS = join(import.meta.dirname, 'page_hooks.js');

/** The manifest the tests serve unless told otherwise: only the demo int8 file (scripts/demo-model.sh). */
export const DEMO_MANIFEST = join(REPO, 'build/demo-manifest.json');
/** The site's own manifest, as deployed (pretrained default, demo made from a seed). */
export const SHIPPED_MANIFEST = join(REPO, 'public/models/manifest.json');

/**
 * Serves dist/ on an ephemeral loopback port; `/extra/NAME` serves `extra[NAME]`
 * (a file path, or a function returning bytes) for weights a user would fetch by URL.
 * `models/manifest.json` is `manifest`: a file path or an object (default: the demo's).
 * With `base` (e.g. '/transfer-studio/') the site lives under that path only, as on a
 * project's GitHub Pages; the returned `url` is the site's. `hold(path)` may return a
 * promise the response waits for (to see the page while a download is under way).
 * `isolate` sends COOP/COEP, as `trunk serve` does (without them, only the service worker
 * isolates the page, from the second load). `hooks` makes support/page_hooks.js the page's
 * first script (the engine-neutral journeys read what it records).
 */
export async function serveDist(extra = {}, { manifest = DEMO_MANIFEST, base = '/', hold = () => null, isolate = true, hooks = false } = {}) {
  const manifestBody = typeof manifest === 'string' ? manifest : () => Buffer.from(JSON.stringify(manifest));
  const server = createServer(async (req, res) => {
    const full = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (!full.startsWith(base)) return res.writeHead(404).end();
    const pathname = `/${full.slice(base.length)}`;
    const source = pathname.startsWith('/extra/') ? extra[pathname.slice('/extra/'.length)]
      : pathname === '/models/manifest.json' ? manifestBody
      : hooks && pathname === HOOKS_PATH ? HOOKS
      : join(DIST, pathname.replace(/\/$/, '/index.html'));
    try {
      await hold(pathname);
      let body = typeof source === 'function' ? await source() : await readFile(source);
      if (hooks && source === join(DIST, 'index.html')) body = Buffer.from(body.toString('utf8').replace('<head>', `<head>\n<script src="${HOOKS_PATH.slice(1)}"></script>`));
      const type = TYPES[extname(typeof source === 'string' ? source : pathname)] ?? 'application/octet-stream';
      // Open CORS, as a weights host must have: the tests also reach these files by redirects from other origins.
      res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'access-control-allow-origin': '*', ...(isolate ? ISOLATION : {}) });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  // Closed, it refuses every request, on kept-alive connections too: as a network gone.
  return { url: `http://127.0.0.1:${server.address().port}${base}`, close: () => { server.close(); server.closeAllConnections(); } };
}

/** Any folder as a static site (as a user serves an exported page), on a port of its own. */
export async function serveFolder(dir) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/\/$/, '/index.html');
    try {
      const body = await readFile(join(dir, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

/**
 * Headless Chromium with a fresh profile (a BrowserContext); `webgpu` adds
 * --enable-unsafe-webgpu (SwiftShader here); `args` adds more flags (e.g. a fake camera);
 * anything else is the context's options (e.g. a phone's viewport and touch).
 */
export async function launch({ webgpu, serviceWorkers = 'allow', args: extra = [], ...contextOptions }) {
  const args = [
    '--headless=new', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
  ];
  if (webgpu) args.push('--enable-unsafe-webgpu');
  args.push(...extra);
  const profile = mkdtempSync(join(tmpdir(), 'ts-chrome-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args, ignoreDefaultArgs: ['--headless'], serviceWorkers, ...contextOptions });
  context.profileDir = profile;
  // The profile goes with the browser: hundreds of them once filled the disk, and a full disk
  // makes Cache Storage refuse the app shell (the service worker then never installs).
  const close = context.close.bind(context);
  context.close = async (...options) => {
    await close(...options);
    rmSync(profile, { recursive: true, force: true });
  };
  return context;
}

/** The page as a user sees it. */
export class StudioPage {
  constructor(page) {
    this.page = page;
    this.errors = [];
    page.on('pageerror', (err) => this.errors.push(String(err)));
    // The site's Content-Security-Policy must never have to refuse anything the app does.
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|securitypolicyviolation/.test(message.text())) this.errors.push(message.text());
    });
    page.on('worker', (worker) => worker.on('console', (message) => {
      if (/Content Security Policy/.test(message.text())) this.errors.push(`worker: ${message.text()}`);
    }));
    page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`securitypolicyviolation: ${e.violatedDirective} refused ${e.blockedURI}`));
    });
    // Main-thread tasks over 50 ms, from the start: the page must never be blocked that long.
    // Kept here, in absolute page-clock time, so that a new document (reload, back/forward
    // without bfcache) neither loses them nor leaves a reader with nothing to read.
    // Reported as console messages: one way, so none is left waiting on a reply when the page
    // navigates (a binding's reply delivered to the next document throws there).
    this.longTasks = [];
    page.on('console', (message) => {
      const [kind, start, duration] = message.text().split(' ');
      if (message.type() === 'debug' && kind === 'transfer-studio-test:longtask') this.longTasks.push({ start: Number(start), duration: Number(duration) });
    });
    page.addInitScript(() => {
      const report = (e) => console.debug(`transfer-studio-test:longtask ${performance.timeOrigin + e.startTime} ${e.duration}`);
      const observer = new PerformanceObserver((list) => list.getEntries().forEach(report));
      observer.observe({ type: 'longtask', buffered: true });
      // Entries queued but not yet delivered are reported now, before this call returns.
      window.__longTasksReported = () => observer.takeRecords().forEach(report);
    });
  }
  /** The page's clock (absolute, ms), to bound which long tasks count. */
  now() { return this.page.evaluate(() => performance.timeOrigin + performance.now()); }
  /** Long tasks that started after `since`, each as `{ start, duration }`; takes those not yet reported. */
  async longTaskEntriesSince(since) {
    await this.page.evaluate(() => window.__longTasksReported());
    return this.longTasks.filter((e) => e.start >= since);
  }
  /** Long tasks (ms) that started after `since`. */
  async longTasksSince(since) { return (await this.longTaskEntriesSince(since)).map((e) => Math.round(e.duration)); }
  async open(url) {
    await this.page.goto(url);
  }
  /** Waits until the service worker has cached the shell and is active: only then does a reload work offline. */
  async offlineReady(timeout = 120_000) {
    return this.page.evaluate(async (ms) => {
      const late = new Promise((_, reject) => setTimeout(async () => {
        const found = (await navigator.serviceWorker.getRegistrations()).map((r) => `${r.scope}: ${r.installing?.state ?? r.waiting?.state ?? r.active?.state}`);
        reject(new Error(`no active service worker after ${ms / 1000} s (registrations: ${found.join(', ') || 'none, so its install failed'})`));
      }, ms));
      return Promise.race([navigator.serviceWorker.ready.then((r) => r.scope), late]);
    }, timeout);
  }
  /** Switches to a mode ('classify' or 'teach') with its tab, as a user does. */
  async mode(name) {
    await this.page.getByTestId(`mode-${name}`).click();
    await this.page.getByTestId(name).waitFor();
  }
  backend() { return this.page.getByTestId('backend'); }
  /**
   * The model workers (named `model:…`), not the threaded one's pool, whose threads never
   * return to their event loop (an evaluation there would wait for ever).
   */
  async modelWorkers() {
    const nameOf = (worker) => Promise.race([worker.evaluate(() => self.name).catch(() => ''), new Promise((resolve) => setTimeout(resolve, 2_000, ''))]);
    const named = await Promise.all(this.page.workers().map(async (worker) => [worker, await nameOf(worker)]));
    return named.filter(([, name]) => name.startsWith('model:')).map(([worker]) => worker);
  }
  /** Waits for the model to be ready or failed, and says which, as one read of the page. */
  async waitForModel(timeout = 300_000) {
    const settled = await this.page.waitForFunction(() => {
      const state = document.querySelector('[data-testid="model-status"]')?.dataset.state;
      return (state === 'ready' || state === 'failed') && state;
    }, null, { timeout, polling: 100 });
    return settled.jsonValue();
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
  status() { return this.page.getByTestId('model-status'); }
  async cachedUrls() {
    return this.page.getByTestId('cached-file').evaluateAll((rows) => rows.map((r) => r.dataset.url));
  }
  async openModels() {
    const panel = this.page.locator('details.models');
    if (!(await panel.evaluate((d) => d.open))) await panel.locator('summary').click();
  }
  /**
   * Loads weights from a URL through the Models panel; resolves once that load has run
   * (the page was busy with it, then no longer), and fails if it never started.
   */
  async loadUrl(url, timeout = 300_000) {
    await this.openModels();
    await this.page.getByTestId('weights-url').fill(url);
    const run = await watchShown(this.page, 'busy');
    await this.page.getByTestId('load-url').click();
    await run.ended(timeout);
  }
}

/**
 * Watches an element the page keeps and shows or hides by its `hidden` attribute (e.g.
 * `busy`, `saving`): every change is recorded by a MutationObserver, so a showing shorter
 * than a frame is seen too. `ended()` resolves once it has been shown since this call and
 * is hidden again; `seen()` tells whether it has been shown so far.
 */
export async function watchShown(page, testid) {
  const key = await page.evaluate((testid) => {
    const element = document.querySelector(`[data-testid="${testid}"]`);
    if (!element) throw new Error(`no ${testid} element to watch`);
    window.__watched ??= [];
    const key = window.__watched.push(false) - 1;
    new MutationObserver((records, observer) => {
      // The attribute was there before the change: it was removed, so the element was shown.
      if (records.some((r) => r.oldValue !== null)) {
        window.__watched[key] = true;
        observer.disconnect();
      }
    }).observe(element, { attributes: true, attributeFilter: ['hidden'], attributeOldValue: true });
    return key;
  }, testid);
  return {
    seen: () => page.evaluate((key) => window.__watched[key], key),
    ended: (timeout) => page.waitForFunction(([testid, key]) => window.__watched[key] && document.querySelector(`[data-testid="${testid}"]`)?.hidden, [testid, key], { timeout }),
  };
}

/** The native CLI's verdict on the same weights and image: top-5 and their activation maps. */
export function cliLook(weights, image) {
  const cli = process.env.CLI ?? join(REPO, 'target/debug/transfer-studio');
  return JSON.parse(execFileSync(cli, ['classify', '--json', '--top', '5', '--weights', weights, image], { encoding: 'utf8' }));
}

/** The native CLI's top-5 for the same weights and image. */
export function cliTop5(weights, image) {
  return cliLook(weights, image).top.map(({ index, prob }) => ({ index, prob }));
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

/** A safetensors file's metadata and tensors ({dtype, shape, bytes}), parsed independently of the app. */
export function readSafetensors(buffer) {
  const length = Number(buffer.readBigUInt64LE(0));
  const header = JSON.parse(buffer.subarray(8, 8 + length).toString('utf8'));
  const { __metadata__: metadata = {}, ...entries } = header;
  const tensors = {};
  for (const [name, { dtype, shape, data_offsets: [start, end] }] of Object.entries(entries)) {
    tensors[name] = { dtype, shape, bytes: buffer.subarray(8 + length + start, 8 + length + end) };
  }
  return { metadata, tensors };
}

/** A safetensors file from `tensors` ({name: {dtype, shape, bytes}}) and string `metadata`, written independently of the app. */
export function writeSafetensors(tensors, metadata = {}) {
  const header = { __metadata__: metadata };
  let offset = 0;
  for (const [name, { dtype, shape, bytes }] of Object.entries(tensors)) {
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, ...Object.values(tensors).map((t) => t.bytes)]);
}
