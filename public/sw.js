// Offline support for the app shell (HTML, JS, wasm, CSS, icons, app and model manifests): network first, the
// last good copy when offline. Model files are cached by the app itself (Cache Storage).
const SHELL = 'transfer-studio-shell-v1';

// The page and every asset it links (Trunk names them with content hashes), cached at install
// so that the first visit already works offline next time.
async function precache() {
  const cache = await caches.open(SHELL);
  const page = await fetch('./', { cache: 'no-cache' });
  const html = await page.clone().text();
  await cache.put('./', page);
  const assets = [...html.matchAll(/(?:href|src)="([^"]+\.(?:js|wasm|css|webmanifest|png))"/g)].map((m) => m[1]);
  await cache.addAll([...new Set(assets)]);
  // The model manifest too: the app may fetch it before this worker controls the page.
  await cache.add('models/manifest.json').catch(() => {});
}

self.addEventListener('install', (event) => event.waitUntil(precache().then(() => self.skipWaiting())));
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.endsWith('.safetensors')) {
    return;
  }
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          event.waitUntil(caches.open(SHELL).then((cache) => cache.put(event.request, copy)));
        }
        return response;
      })
      .catch(() => caches.match(event.request, { ignoreSearch: true }).then((cached) => cached ?? Response.error())),
  );
});
