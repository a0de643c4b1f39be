// Draws the benchmark ratios (ours / peer, median latency, same run) as an SVG bar chart
// with each target marked, from the JSON that bench/browser.mjs and bench/native.py write.
//
//   node bench/chart.mjs --browser bench/results/browser.json [--browser …] [--native bench/results/native.json] --out docs/benchmarks.svg
import { readFileSync, writeFileSync } from 'node:fs';

const option = (name) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const bars = [];
// --browser may repeat; each ratio comes from one run, the last that measured both engines.
const browserFiles = process.argv.flatMap((arg, i) => (arg === '--browser' ? [process.argv[i + 1]] : []));
const browserRuns = browserFiles.map((file) => JSON.parse(readFileSync(file)));
const browser = browserRuns[0];
for (const run of browserRuns) {
  const r = run.results;
  const batch = run.meta?.batch > 1 ? `batch ${run.meta.batch}, ` : '';
  // Only like with like: a pair is drawn when both sides ran on the thread counts it names.
  const pair = (ours, peer, label, target, threads = [undefined, undefined]) => {
    if (!r[ours] || !r[peer]) return;
    // Runs from before the threaded builds record no count: they were all one thread.
    if (threads.some((n, i) => n !== undefined && ([r[ours], r[peer]][i].threads ?? 1) !== n)) return;
    label = label.replace('browser ', `browser ${batch}`);
    const bar = { label, ratio: r[ours].median / r[peer].median, target };
    const earlier = bars.findIndex((other) => other.label === label);
    if (earlier >= 0) bars[earlier] = bar; // a later run replaces an earlier one
    else bars.push(bar);
  };
  pair('ours-webgpu', 'ort-webgpu', 'browser WebGPU: ours / onnxruntime-web webgpu', 1.0);
  pair('ours-cpu', 'ort-wasm', 'browser CPU: ours (wasm) / onnxruntime-web wasm', 1.5, [1, 1]);
  pair('ours-relaxed', 'ort-wasm', 'browser CPU, 2 threads: ours relaxed / onnxruntime-web', 1.0, [2, 2]);
  pair('ours-threads', 'ort-wasm', 'browser CPU, 2 threads: ours plain / onnxruntime-web', undefined, [2, 2]);
  pair('ours-relaxed', 'ours-relaxed-1', 'browser CPU: ours relaxed, 2 threads / 1 thread', 1 / 1.6, [2, 1]);
}
const native = option('--native') && JSON.parse(readFileSync(option('--native')));
if (native) {
  const cpu = native.rows.find((row) => /CPUExecutionProvider/.test(row.backend) && row.median_ms);
  for (const row of native.rows.filter((row) => row.median_ms && !/onnxruntime/.test(row.backend))) {
    bars.push({ label: `native ${row.backend}: ours / onnxruntime CPU`, ratio: row.median_ms / cpu.median_ms, target: row.backend.includes('cpu') ? 1.8 : undefined });
  }
}
if (!bars.length) throw new Error('nothing to draw: pass --browser and/or --native');

const width = 900;
const left = 450;
const barHeight = 26;
const gap = 14;
const top = 48;
const height = top + bars.length * (barHeight + gap) + 30;
const max = Math.max(2, ...bars.map((b) => Math.max(b.ratio, b.target ?? 0))) * 1.1;
const x = (ratio) => left + (ratio / max) * (width - left - 70);
const escape = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const dates = [...new Set(browserRuns.map((run) => run.meta?.date).filter(Boolean))].sort();
const meta = [browser?.meta && `browser: ${dates.join(', ')}, ${browser.meta.chromium}, ${browser.meta.adapter}`, native?.meta && `native: ${native.meta.date}, ${native.meta.machine}`]
  .filter(Boolean).join(' · ');
const parts = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
  `<rect width="100%" height="100%" fill="white"/>`,
  `<text x="10" y="18" font-size="14" font-weight="bold">ResNet50: median latency, ours ÷ peer (lower is better; 1 = as fast)</text>`,
  `<text x="10" y="36" fill="#555">${escape(meta)}</text>`,
  `<line x1="${x(1)}" y1="${top - 6}" x2="${x(1)}" y2="${height - 24}" stroke="#999" stroke-dasharray="3 3"/>`,
  `<text x="${x(1)}" y="${height - 10}" text-anchor="middle" fill="#555">1.0</text>`,
];
bars.forEach((bar, i) => {
  const y = top + i * (barHeight + gap);
  const met = bar.target === undefined || bar.ratio <= bar.target;
  parts.push(`<text x="${left - 8}" y="${y + barHeight / 2 + 4}" text-anchor="end">${escape(bar.label)}</text>`);
  parts.push(`<rect x="${left}" y="${y}" width="${x(bar.ratio) - left}" height="${barHeight}" fill="${met ? '#3a7d44' : '#c0504d'}"/>`);
  parts.push(`<text x="${x(bar.ratio) + 4}" y="${y + barHeight / 2 + 4}">${bar.ratio.toFixed(2)}×</text>`);
  if (bar.target !== undefined) {
    parts.push(`<line x1="${x(bar.target)}" y1="${y - 3}" x2="${x(bar.target)}" y2="${y + barHeight + 3}" stroke="black" stroke-width="2"/>`);
  }
});
parts.push(`<text x="${width - 10}" y="${height - 10}" text-anchor="end" fill="#555">black tick: target · green: met · red: missed</text>`, '</svg>');
writeFileSync(option('--out') ?? 'docs/benchmarks.svg', parts.join('\n') + '\n');
