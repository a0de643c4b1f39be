// Runs model.onnx with onnxruntime-web (from ./ort/, no CDN), preprocessing each image as
// the classifier was taught: shorter side resized (Pillow's antialiased filter), center
// crop, normalized. Written by Transfer Studio; yours to change.
import * as ort from './ort/ort.wasm.bundle.min.mjs';

const load = async (name) => {
  const response = await fetch(name);
  if (!response.ok) throw new Error(`${name}: ${response.status}`);
  return response;
};

/** The classifier: `classify(blob)` answers `{ best, probability, notSure, probabilities }`. */
export async function open() {
  const [classes, config] = await Promise.all([load('./classes.json').then((r) => r.json()), load('./classifier.json').then((r) => r.json())]);
  ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  const session = await ort.InferenceSession.create(new Uint8Array(await (await load(config.model)).arrayBuffer()), { executionProviders: ['wasm'] });
  const classify = async (blob) => {
    const input = await pixels(blob, config.preprocessing);
    const output = await session.run({ image: input });
    const probabilities = Array.from(output.probabilities.data);
    const best = probabilities.indexOf(Math.max(...probabilities));
    return { best: classes[best], probability: probabilities[best], notSure: probabilities[best] < config.not_sure_below, probabilities: Object.fromEntries(classes.map((c, i) => [c, probabilities[i]])) };
  };
  return { classes, classify };
}

/** The image as the model's `[1, 3, crop, crop]` input. */
async function pixels(blob, p) {
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  context.drawImage(bitmap, 0, 0);
  const rgba = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const [width, height] = [bitmap.width, bitmap.height];
  // torchvision's Resize(p.resize) then CenterCrop(p.crop), resampling only the window kept.
  const [resizedW, resizedH] = width <= height ? [p.resize, Math.floor((p.resize * height) / width)] : [Math.floor((p.resize * width) / height), p.resize];
  const offset = (size) => {
    const half = (size - p.crop) / 2;
    const floor = Math.floor(half);
    return half - floor === 0.5 && floor % 2 === 0 ? floor : Math.round(half); // Python rounds halves to even
  };
  const [scaleX, scaleY] = [width / resizedW, height / resizedH];
  const filter = FILTERS[p.interpolation] ?? FILTERS.bilinear;
  const columns = weights(width, offset(resizedW) * scaleX, p.crop, scaleX, filter);
  const rows = weights(height, offset(resizedH) * scaleY, p.crop, scaleY, filter);
  // Horizontal pass, rounded to bytes as Pillow does, then the vertical one.
  const narrowed = new Uint8ClampedArray(p.crop * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < p.crop; x++) {
      const { start, k } = columns[x];
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let i = 0; i < k.length; i++) sum += k[i] * rgba[(y * width + start + i) * 4 + c];
        narrowed[(y * p.crop + x) * 3 + c] = Math.round(sum);
      }
    }
  }
  const plane = p.crop * p.crop;
  const tensor = new Float32Array(3 * plane);
  for (let y = 0; y < p.crop; y++) {
    const { start, k } = rows[y];
    for (let x = 0; x < p.crop; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let i = 0; i < k.length; i++) sum += k[i] * narrowed[((start + i) * p.crop + x) * 3 + c];
        const byte = Math.min(255, Math.max(0, Math.round(sum)));
        tensor[c * plane + y * p.crop + x] = (byte / 255 - p.mean[c]) / p.std[c];
      }
    }
  }
  return new ort.Tensor('float32', tensor, [1, 3, p.crop, p.crop]);
}

const FILTERS = {
  bilinear: { support: 1, at: (x) => Math.max(0, 1 - Math.abs(x)) },
  bicubic: {
    support: 2,
    at: (x) => {
      const a = -0.5;
      x = Math.abs(x);
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
};

/** Pillow's resampling coefficients: `out` pixels from a window of `size` starting at `from`. */
function weights(size, from, out, scale, filter) {
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  return Array.from({ length: out }, (_, i) => {
    const center = from + (i + 0.5) * scale;
    const start = Math.max(0, Math.trunc(center - support + 0.5));
    const end = Math.min(size, Math.trunc(center + support + 0.5));
    const k = [];
    for (let x = start; x < end; x++) k.push(filter.at((x - center + 0.5) / filterScale));
    const total = k.reduce((a, b) => a + b, 0);
    return { start, k: k.map((w) => w / total) };
  });
}
