// The development server as scripts/serve.sh runs it (`trunk serve`, profile release-quick):
// its page keeps the site's own Content-Security-Policy — nothing refused, Trunk's
// live-reload script and socket included — and live reload works: a new file in the project
// rebuilds the site and the open page reloads itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, launch, StudioPage } from './support/site.mjs';

async function freePort() {
  const server = createServer();
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

/** Resolves once the server's output has matched `pattern` (from the moment it is called). */
function heard(server, pattern) {
  return new Promise((resolve, reject) => {
    if (server.exitCode !== null) return reject(new Error(`trunk serve exited (${server.exitCode})`));
    const listen = (chunk) => { if (pattern.test(String(chunk))) resolve(); };
    server.stdout.on('data', listen);
    server.stderr.on('data', listen);
    server.once('exit', (code) => reject(new Error(`trunk serve exited (${code})`)));
  });
}

test('trunk serve: no CSP violation, the reload socket connects, and a change reloads the open page', { timeout: 900_000 }, async () => {
  const dist = mkdtempSync(join(tmpdir(), 'ts-serve-'));
  const probe = join(REPO, `tests/reload-probe-${process.pid}.txt`);
  const port = await freePort();
  const server = spawn('trunk', ['serve', '--cargo-profile', 'release-quick', '--port', String(port), '--dist', dist], {
    cwd: REPO, env: { ...process.env, NO_COLOR: 'true' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout.on('data', (chunk) => { output += chunk; });
  server.stderr.on('data', (chunk) => { output += chunk; });
  const context = await launch({ webgpu: false });
  try {
    await heard(server, /server listening at/);
    // No internet here: the pretrained download fails at once and the demo runs.
    await context.route(/^https:/, (route) => route.abort('internetdisconnected'));
    const page = await context.newPage();
    const studio = new StudioPage(page);
    const socket = page.waitForEvent('websocket', { predicate: (ws) => ws.url().endsWith('/.well-known/trunk/ws'), timeout: 120_000 });
    await studio.open(`http://127.0.0.1:${port}/`);
    const ws = await socket;
    assert.equal(ws.isClosed(), false, 'the live-reload socket stays open');
    await page.getByTestId('model-status').waitFor();

    const rebuilt = heard(server, /success/);
    const reloaded = page.waitForEvent('load', { timeout: 600_000 });
    writeFileSync(probe, 'a change for the development server to see\n');
    await rebuilt;
    await reloaded;
    await page.getByTestId('model-status').waitFor();
    assert.deepEqual(studio.errors, [], 'nothing refused, nothing thrown');
  } catch (error) {
    error.message += `\ntrunk serve said:\n${output.slice(-4000)}`;
    throw error;
  } finally {
    rmSync(probe, { force: true });
    await context.close();
    server.kill('SIGINT');
    await new Promise((ok) => (server.exitCode === null ? server.once('exit', ok) : ok()));
    rmSync(dist, { recursive: true, force: true });
  }
});
