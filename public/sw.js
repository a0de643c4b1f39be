// Offline support for the app shell (HTML, JS, wasm, CSS, icons, app and model manifests): network first, the
// last good copy when offline. Model files are cached by the app itself (Cache Storage, a cache of their own).
const SHELL = 'transfer-studio-shell-v2';
// Trunk's content-hashed file names: a new build links new ones, and the old copies are only dead weight in the
// storage quota the user's project shares.
const HASHED = /-[0-9a-f]{16}(?:_bg)?\.(?:js|wasm|css)$/;

const linkedAssets = (html, base) =>
  [...new Set([...html.matchAll(/(?:href|src)="([^"]+\.(?:js|wasm|css|webmanifest|png))"/g)].map((m) => new URL(m[1], base).href))];

/** Drops the hashed files of older builds: those the page just fetched no longer links. */
async function keepOnlyLinked(cache, html, base) {
  const linked = new Set(linkedAssets(html, base));
  const stale = (await cache.keys()).filter((request) => HASHED.test(new URL(request.url).pathname) && !linked.has(request.url));
  await Promise.all(stale.map((request) => cache.delete(request)));
}

const cacheable = (response) => response.ok && response.type === 'basic';

/**
 * The response with cross-origin isolation's headers (COOP/COEP): where the host sends none
 * (static hosts), these let the CPU path share memory between threads. The page loads once
 * without them, before this worker controls it (the app reloads when it can use them).
 */
function isolated(response) {
  if (response.type !== 'basic' || response.headers.has('Cross-Origin-Embedder-Policy')) return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

// The page and every asset it links, cached at install so that the first visit already works offline next time.
async function precache() {
  const cache = await caches.open(SHELL);
  const page = await fetch('./', { cache: 'no-cache' });
  if (!cacheable(page)) throw new Error(`the page answered ${page.status}`);
  const html = await page.clone().text();
  await cache.put('./', page);
  await cache.addAll(linkedAssets(html, page.url));
  // The model manifest too: the app may fetch it before this worker controls the page.
  await cache.add('models/manifest.json').catch(() => {});
  await keepOnlyLinked(cache, html, page.url);
}

/** Shell caches of earlier versions of this worker. */
async function dropOldShells() {
  const names = await caches.keys();
  await Promise.all(names.filter((name) => name.startsWith('transfer-studio-shell-') && name !== SHELL).map((name) => caches.delete(name)));
}

async function remember(request, response) {
  const cache = await caches.open(SHELL);
  await cache.put(request, response.clone());
  if (request.mode === 'navigate') await keepOnlyLinked(cache, await response.text(), response.url);
}

self.addEventListener('install', (event) => event.waitUntil(precache().then(() => self.skipWaiting())));
self.addEventListener('activate', (event) => event.waitUntil(dropOldShells().then(() => self.clients.claim())));
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.endsWith('.safetensors')) {
    return;
  }
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (cacheable(response)) event.waitUntil(remember(event.request, response.clone()));
        return isolated(response);
      })
      .catch(() =>
        caches
          .open(SHELL)
          .then((cache) => cache.match(event.request, { ignoreSearch: true }))
          .then((cached) => (cached ? isolated(cached) : Response.error())),
      ),
  );
});
