// A local stand-in for the Hugging Face hub, laid out as the real one answers:
// `/{owner}/{name}/resolve/{revision}/{file}`, with weights answered by a redirect to a
// content address (as the hub sends LFS files to its CDN), CORS open, requests counted.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';

/**
 * `repos`: { 'timm/resnet50.x': { config: object, weights: path } }, served at any revision.
 * Returns { url, requests: [paths], close }.
 */
export async function serveHub(repos) {
  const requests = [];
  const blobs = new Map();
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requests.push(path);
    const cors = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'content-length' };
    const blob = path.match(/^\/cdn\/([0-9a-f]{64})$/);
    if (blob && blobs.has(blob[1])) {
      const body = await readFile(blobs.get(blob[1]));
      return res.writeHead(200, { ...cors, 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
    }
    const match = path.match(/^\/([\w.-]+\/[\w.-]+)\/resolve\/([\w.-]+)\/(config\.json|model\.safetensors)$/);
    const repo = match && repos[match[1]];
    if (!repo) return res.writeHead(404, cors).end('Entry not found');
    if (match[3] === 'config.json') {
      const body = Buffer.from(JSON.stringify(repo.config));
      return res.writeHead(200, { ...cors, 'content-type': 'application/json', 'content-length': body.length }).end(body);
    }
    const digest = createHash('sha256').update(await readFile(repo.weights)).digest('hex');
    blobs.set(digest, repo.weights);
    res.writeHead(302, { ...cors, location: `/cdn/${digest}` }).end();
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}`, requests, close: () => server.close() };
}

/** A timm `config.json` for ResNet50 with the given eval transform. */
export function timmConfig({ interpolation = 'bicubic', cropPct = 0.95, size = 224 } = {}) {
  return {
    architecture: 'resnet50',
    num_classes: 1000,
    num_features: 2048,
    pretrained_cfg: {
      tag: 'test_in1k', custom_load: false, input_size: [3, size, size], fixed_input_size: false,
      interpolation, crop_pct: cropPct, crop_mode: 'center',
      mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], num_classes: 1000, pool_size: [7, 7],
      first_conv: 'conv1', classifier: 'fc',
    },
  };
}
