// Test support: the three browser engines behind one small driver (a `Tab`), so that a
// journey is written once and run in each. Chromium through Playwright (CDP), Firefox ESR
// through puppeteer-core (WebDriver BiDi), WebKitGTK through selenium-webdriver (WebDriver
// classic: WebKitWebDriver starts MiniBrowser, on an Xvfb display of its own unless one is set).
// What the page does wrong (uncaught errors, refused policies) is recorded by the page hooks
// the tests' server injects (support/page_hooks.js), the same way in every engine.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { Builder, By, until } from 'selenium-webdriver';
import { launch as launchChromium } from './site.mjs';

const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** The engines a journey runs in: all three, or those E2E_ENGINES names (comma-separated). */
export const ENGINES = (process.env.E2E_ENGINES ?? 'chromium,firefox,webkit').split(',').map((e) => e.trim()).filter(Boolean);

/**
 * A browser of `engine` with one tab. `env` adds environment variables for the browser
 * (WebKit's web process inherits them from MiniBrowser).
 */
export async function openTab(engine, { env = {} } = {}) {
  if (engine === 'chromium') return ChromiumTab.open();
  if (engine === 'firefox') return FirefoxTab.open(env);
  if (engine === 'webkit') return WebKitTab.open(env);
  throw new Error(`unknown engine ${engine}`);
}

/** Polls `condition` (a function evaluated in the page with `arg`) until it returns a truthy value, which it returns. */
async function poll(tab, condition, arg, timeout, what) {
  const end = Date.now() + timeout;
  for (;;) {
    // A navigation under way can lose an evaluation: the next poll asks the new document.
    const value = await tab.evaluate(condition, arg).catch((err) => (Date.now() < end ? undefined : Promise.reject(err)));
    if (value) return value;
    if (Date.now() >= end) throw new Error(`timed out after ${timeout / 1000} s waiting for ${what ?? condition.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What every tab offers on top of its engine's few primitives. */
class Tab {
  /** Waits until `condition(arg)`, evaluated in the page, is truthy; returns its value. */
  waitFor(condition, arg = null, { timeout = 120_000, what } = {}) { return poll(this, condition, arg, timeout, what); }
  /** Waits for an element matching `css`. */
  waitForElement(css, options = {}) { return this.waitFor((s) => document.querySelector(s) !== null, css, { what: css, ...options }); }
  /** What the page hooks recorded: uncaught errors, unhandled rejections, refused policies. */
  errors() { return this.evaluate(() => window.__testHooks?.log() ?? ['the page hooks are missing']); }
  /** Files the page offered as downloads since it loaded: [{name, bytes: Buffer}]. */
  async downloads() {
    const saved = await this.evaluate(() => window.__testHooks.downloads());
    return saved.map(({ name, base64 }) => ({ name, bytes: Buffer.from(base64, 'base64') }));
  }
}

class ChromiumTab extends Tab {
  static async open() {
    const tab = new ChromiumTab();
    tab.engine = 'chromium';
    tab.context = await launchChromium({ webgpu: false });
    tab.page = await tab.context.newPage();
    return tab;
  }
  goto(url) { return this.page.goto(url); }
  reload() { return this.page.reload(); }
  evaluate(fn, arg = null) { return this.page.evaluate(fn, arg); }
  click(css) { return this.page.click(css); }
  fill(css, value) { return this.page.fill(css, String(value)); }
  setFiles(css, paths) { return this.page.setInputFiles(css, paths); }
  close() { return this.context.close(); }
}

class FirefoxTab extends Tab {
  static async open(env) {
    const tab = new FirefoxTab();
    tab.engine = 'firefox';
    tab.browser = await puppeteer.launch({
      browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true, env: { ...process.env, ...env },
    });
    tab.page = (await tab.browser.pages())[0] ?? await tab.browser.newPage();
    return tab;
  }
  goto(url) { return this.page.goto(url); }
  reload() { return this.page.reload(); }
  evaluate(fn, arg = null) { return this.page.evaluate(fn, arg); }
  click(css) { return this.page.locator(css).click(); }
  fill(css, value) { return this.page.locator(css).fill(String(value)); }
  async setFiles(css, paths) {
    const input = await this.page.waitForSelector(css);
    await input.uploadFile(...paths);
  }
  close() { return this.browser.close(); }
}

/** A free TCP port on loopback. */
export async function freePort() {
  const server = createServer();
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

/** An Xvfb display of our own (its number, as Xvfb picks a free one), unless DISPLAY is set. */
async function display() {
  if (process.env.DISPLAY) return { name: process.env.DISPLAY, stop: () => {} };
  // (Its stderr names each display it finds taken on the way.)
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const number = await new Promise((resolve, reject) => {
    let out = '';
    xvfb.stdio[3].on('data', (chunk) => { out += chunk; if (out.includes('\n')) resolve(out.trim()); });
    xvfb.on('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it named its display`)));
  });
  return { name: `:${number}`, stop: () => xvfb.kill() };
}

/** Waits until a WebDriver server answers its status. */
async function driverReady(url, child) {
  let exited = null;
  child.on('exit', (code) => { exited = code; });
  for (let tries = 0; ; tries++) {
    if (exited !== null) throw new Error(`WebKitWebDriver exited (${exited})`);
    const ok = await fetch(`${url}/status`).then((r) => r.ok, () => false);
    if (ok) return;
    if (tries > 100) throw new Error('WebKitWebDriver did not answer in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

class WebKitTab extends Tab {
  static async open(env) {
    if (!existsSync(MINIBROWSER)) throw new Error(`no MiniBrowser at ${MINIBROWSER} (setup installs webkit2gtk-driver)`);
    const tab = new WebKitTab();
    tab.engine = 'webkit';
    tab.display = await display();
    const port = await freePort();
    tab.home = mkdtempSync(join(tmpdir(), 'ts-webkit-'));
    // A home of its own: MiniBrowser keeps no state there in automation, but GTK and GStreamer caches would go to the user's.
    tab.driver = spawn('WebKitWebDriver', [`--port=${port}`, '--host=127.0.0.1'], {
      stdio: 'ignore', env: { ...process.env, ...env, DISPLAY: tab.display.name, HOME: tab.home, XDG_CACHE_HOME: join(tab.home, 'cache'), MESA_SHADER_CACHE_DISABLE: 'true' },
    });
    const server = `http://127.0.0.1:${port}`;
    await driverReady(server, tab.driver);
    const capabilities = { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } };
    tab.session = await new Builder().usingServer(server).withCapabilities(capabilities).build();
    // Scripts may await the page's promises (the first model load among them).
    await tab.session.manage().setTimeouts({ script: 600_000, pageLoad: 300_000 });
    return tab;
  }
  goto(url) { return this.session.get(url); }
  reload() { return this.session.navigate().refresh(); }
  evaluate(fn, arg = null) { return this.session.executeScript(`return (${fn})(arguments[0]);`, arg); }
  /** The element `css` matches, once there is one (as Playwright and puppeteer wait for it). */
  element(css) { return this.session.wait(until.elementLocated(By.css(css)), 120_000, `no element ${css}`); }
  async click(css) { await (await this.element(css)).click(); }
  async fill(css, value) {
    const input = await this.element(css);
    await input.clear();
    await input.sendKeys(String(value));
  }
  // WebDriver's Element Send Keys on a file input: one path a line.
  async setFiles(css, paths) { await (await this.element(css)).sendKeys(paths.join('\n')); }
  async close() {
    await this.session.quit().catch(() => {});
    this.driver.kill();
    this.display.stop();
    // Its processes may still be writing as they go.
    rmSync(this.home, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}
