// Test support: teach project files written by the tests, independently of the app
// (safetensors laid out as docs/FORMATS.md's "The project file format" says), and byte mutations.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, writeSafetensors } from './site.mjs';

const THUMBNAIL = readFileSync(join(REPO, 'tests/fixtures/synthetic/one_pixel.png'));
const FEATURES = 2048;

/** A generator of reproducible numbers in [0, 1). */
export function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * A project file's bytes: `perClass` one-view examples in each of `classes`, features that
 * do not compress, optionally a trained head (with a k×k confusion matrix); `ids` overrides
 * the example ids (numbers or BigInts).
 */
export function projectBytes({ classes, perClass, settings, ids = null, head = false }) {
  const n = classes.length * perClass;
  const k = classes.length;
  const u64 = (values) => { const b = Buffer.alloc(8 * values.length); values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 8 * i)); return b; };
  const u32 = (values) => Buffer.from(new Uint32Array(values).buffer);
  const f32 = (count, next) => Buffer.from(Float32Array.from({ length: count }, () => next() - 0.5).buffer);
  const next = random(12345);
  const training = head ? {
    class_ids: classes.map((_, id) => id), settings, validation_ids: [], history: [],
    evaluation: { confusion: classes.map(() => classes.map(() => 0)) },
  } : null;
  const info = { classes: classes.map((c, id) => ({ id, name: c })), settings, backbone: null, training };
  const tensors = {
    'example.id': { dtype: 'U64', shape: [n], bytes: u64(ids ?? [...Array(n).keys()]) },
    'example.class': { dtype: 'U32', shape: [n], bytes: u32([...Array(n).keys()].map((i) => Math.floor(i / perClass))) },
    'example.views': { dtype: 'U32', shape: [n], bytes: u32(Array(n).fill(1)) },
    features: { dtype: 'F32', shape: [n, FEATURES], bytes: f32(n * FEATURES, next) },
    'thumbnail.ends': { dtype: 'U64', shape: [n], bytes: u64([...Array(n).keys()].map((i) => (i + 1) * THUMBNAIL.length)) },
    thumbnails: { dtype: 'U8', shape: [n * THUMBNAIL.length], bytes: Buffer.concat(Array(n).fill(THUMBNAIL)) },
  };
  if (head) {
    tensors['head.weight'] = { dtype: 'F32', shape: [k, FEATURES], bytes: f32(k * FEATURES, next) };
    tensors['head.bias'] = { dtype: 'F32', shape: [k], bytes: f32(k, next) };
  }
  return writeSafetensors(tensors, { format: 'transfer-studio-project', version: '1', project: JSON.stringify(info) });
}

const EXTREMES = [0, 1, 2 ** 31, 2 ** 32, 2 ** 53 + 1, '18446744073709551615', '99999999999999999999999'];

/**
 * `bytes` changed by 1–4 mutations drawn from `next`: a byte set in the first `header`
 * bytes or anywhere, a number in the header replaced by an extreme one, a cut, the
 * 8-byte length word overwritten.
 */
export function mutate(bytes, header, next) {
  let out = Buffer.from(bytes);
  const pick = (span) => Math.floor(next() * Math.max(1, span));
  for (let m = 1 + pick(4); m > 0; m--) {
    const kind = pick(5);
    if (kind === 0 && out.length) out[pick(Math.min(header, out.length))] = pick(256);
    else if (kind === 1 && out.length) out[pick(out.length)] = pick(256);
    else if (kind === 2) {
      const text = out.subarray(0, Math.min(header, out.length)).toString('latin1');
      const numbers = [...text.matchAll(/\d+/g)];
      if (numbers.length) {
        const found = numbers[pick(numbers.length)];
        const value = Buffer.from(String(EXTREMES[pick(EXTREMES.length)]), 'latin1');
        out = Buffer.concat([out.subarray(0, found.index), value, out.subarray(found.index + found[0].length)]);
      }
    } else if (kind === 3) out = out.subarray(0, pick(out.length + 1));
    else if (out.length >= 8) out.writeBigUInt64LE(BigInt(String(EXTREMES[pick(EXTREMES.length)])) & 0xffffffffffffffffn, 0);
  }
  return out;
}

/** Where a safetensors file's JSON header ends. */
export function headerEnd(bytes) {
  return Math.min(bytes.length, 8 + Number(bytes.readBigUInt64LE(0)));
}
