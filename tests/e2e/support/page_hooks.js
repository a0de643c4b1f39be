// Injected by the tests' server (serveDist's `hooks`) as the page's first script, in every
// engine alike: records what the page does wrong, and keeps the files it offers for download.
// The record is in sessionStorage, so that it outlives reloads of the tab.
(() => {
  const KEY = 'transfer-studio-test:log';
  const read = () => JSON.parse(sessionStorage.getItem(KEY) ?? '[]');
  const record = (line) => sessionStorage.setItem(KEY, JSON.stringify([...read(), line]));
  addEventListener('error', (e) => record(`uncaught: ${e.message} (${e.filename}:${e.lineno})`));
  addEventListener('unhandledrejection', (e) => record(`unhandled rejection: ${e.reason}`));
  document.addEventListener('securitypolicyviolation', (e) => record(`policy: ${e.violatedDirective} refused ${e.blockedURI}`));

  // A download is an anchor with `download` clicked on a blob: URL the page made; the Blob
  // itself is kept (the page revokes the URL at once), and the browser asked for nothing,
  // whose download prompts differ by engine.
  const blobs = new Map();
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = (object) => {
    const url = createObjectURL.call(URL, object);
    if (object instanceof Blob) blobs.set(url, object);
    return url;
  };
  const offered = [];
  const click = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function () {
    const blob = this.hasAttribute('download') ? blobs.get(this.href) : undefined;
    if (!blob) return click.call(this);
    offered.push({ name: this.download, blob });
  };
  const base64 = (bytes) => {
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  };

  window.__testHooks = {
    log: read,
    offered: () => offered.length,
    downloads: () => Promise.all(offered.map(async ({ name, blob }) => ({ name, base64: base64(new Uint8Array(await blob.arrayBuffer())) }))),
  };
})();
