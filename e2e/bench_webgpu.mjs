// Raw onnxruntime-web on the app's two models, three ways in one headless Chromium with a WebGPU adapter
// (on this machine the software one, SwiftShader): the WebAssembly build on its WebAssembly kernels (what the
// page loads by default), the WebGPU build on its WebAssembly kernels (what the page runs after WebGPU fails,
// or when WebAssembly is chosen after loading the WebGPU build) and the WebGPU build on WebGPU. Each way has
// its own tab (a page can load only one build); rounds alternate between the tabs after a warm-up, each tab
// brought to the front before it runs. Also prints how far the WebGPU outputs are from the WebAssembly ones
// on the same input. Never part of `make test`.
//   node e2e/bench_webgpu.mjs [--rounds 4] [--runs 5] [--warmup 5] [--threads 2]
// Needs .tools/web-ort (scripts/setup.sh) and models/*.onnx; no build of the app.
import { chromium } from 'playwright-core';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, median, numberOption, percentile } from './harness.mjs';
import { serveMounts } from './serve.mjs';

const ROUNDS = numberOption('--rounds', 4);
const RUNS = numberOption('--runs', 5);
const WARMUP = numberOption('--warmup', 5);
const THREADS = numberOption('--threads', 2);

const blank = mkdtempSync(join(tmpdir(), 'simface-bench-webgpu-'));
writeFileSync(join(blank, 'index.html'), '<!doctype html><meta charset="utf-8"><title>bench</title>');
const server = await serveMounts({
  mounts: { '/ort/': join(ROOT, '.tools/web-ort'), '/models/': join(ROOT, 'models'), '/': blank },
  isolated: true,
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'],
});
const context = await browser.newContext();
const foreign = [];
context.on('request', (r) => !r.url().startsWith(server.url) && foreign.push(r.url()));

const WAYS = [
  { name: 'WebAssembly build, wasm EP', script: 'ort.wasm.min.js', ep: 'wasm' },
  { name: 'WebGPU build, wasm EP', script: 'ort.webgpu.min.js', ep: 'wasm' },
  { name: 'WebGPU build, WebGPU EP', script: 'ort.webgpu.min.js', ep: 'webgpu' },
];

/** In the page: loads the build, makes both sessions and the inputs (a smooth pattern, the same in every
 *  tab), returns the adapter's description. */
async function open({ script, ep, threads }) {
  await new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = `/ort/${script}`;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`${script} did not load`));
    document.head.appendChild(s);
  });
  ort.env.wasm.numThreads = threads;
  const options = { executionProviders: [ep], graphOptimizationLevel: 'all' };
  const pattern = (n, c, h, w) => {
    const data = new Float32Array(n * c * h * w);
    for (let i = 0; i < data.length; i++) data[i] = 127 + 120 * Math.sin(i * 0.0037) * Math.cos(i * 0.00011);
    return new ort.Tensor('float32', data, [n, c, h, w]);
  };
  window.bench = {
    yunet: await ort.InferenceSession.create('/models/face_detection_yunet.onnx', options),
    edgeface: await ort.InferenceSession.create('/models/edgeface_xs.onnx', options),
    yunetInput: pattern(1, 3, 480, 640),
    // EdgeFace's input is normalised to [-1, 1].
    edgefaceInput: new ort.Tensor('float32', pattern(1, 3, 112, 112).data.map((v) => (v - 127.5) / 127.5), [1, 3, 112, 112]),
  };
  const adapter = ep === 'webgpu' ? ort.env.webgpu.device?.adapterInfo ?? (await navigator.gpu.requestAdapter())?.info : null;
  return adapter ? `${adapter.vendor} ${adapter.architecture}` : '';
}

/** In the page: `runs` timed runs of each model; the last outputs' values for the comparison. */
async function runs(n) {
  const { yunet, edgeface, yunetInput, edgefaceInput } = window.bench;
  const times = { yunet: [], edgeface: [] };
  let outY, outE;
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    outY = await yunet.run({ [yunet.inputNames[0]]: yunetInput });
    times.yunet.push(performance.now() - t);
    t = performance.now();
    outE = await edgeface.run({ [edgeface.inputNames[0]]: edgefaceInput });
    times.edgeface.push(performance.now() - t);
  }
  const values = (out) => Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data)]));
  return { times, yunet: values(outY), edgeface: values(outE) };
}

const tabs = [];
for (const way of WAYS) {
  const page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && console.log(`  [${way.name}] console.error: ${m.text()}`));
  await page.goto(server.url);
  const adapter = await page.evaluate(open, { ...way, threads: THREADS });
  await page.evaluate(runs, WARMUP);
  tabs.push({ ...way, page, adapter, yunet: [], edgeface: [], last: null });
}
for (let round = 0; round < ROUNDS; round++) {
  for (const tab of tabs) {
    await tab.page.bringToFront();
    const r = await tab.page.evaluate(runs, RUNS);
    tab.yunet.push(...r.times.yunet);
    tab.edgeface.push(...r.times.edgeface);
    tab.last = r;
  }
}

const fmt = (xs) => `${median(xs).toFixed(1)} / ${percentile(xs, 90).toFixed(1)}`;
console.log(`\nraw onnxruntime-web 1.30, ${THREADS} wasm threads, median / p90 ms of ${ROUNDS * RUNS} runs after ${WARMUP} warm-up runs`);
console.log('| way | YuNet 640×480 | EdgeFace-XS 112×112 |');
console.log('| --- | --- | --- |');
for (const t of tabs) console.log(`| ${t.name}${t.adapter ? ` (${t.adapter})` : ''} | ${fmt(t.yunet)} | ${fmt(t.edgeface)} |`);

/** Largest absolute difference over every output of a model between two tabs, and the cosine of the
 *  EdgeFace embeddings. */
function apart(a, b, model) {
  let max = 0;
  for (const [name, xs] of Object.entries(a.last[model])) {
    const ys = b.last[model][name];
    for (let i = 0; i < xs.length; i++) max = Math.max(max, Math.abs(xs[i] - ys[i]));
  }
  return max;
}
function cosine(a, b) {
  const [x] = Object.values(a.last.edgeface);
  const [y] = Object.values(b.last.edgeface);
  let dot = 0, nx = 0, ny = 0;
  for (let i = 0; i < x.length; i++) (dot += x[i] * y[i]), (nx += x[i] * x[i]), (ny += y[i] * y[i]);
  return dot / Math.sqrt(nx * ny);
}
const [plain, gpuBuildWasm, gpu] = tabs;
for (const [label, other] of [['WebGPU build, wasm EP', gpuBuildWasm], ['WebGPU EP', gpu]]) {
  console.log(
    `${label} vs WebAssembly build: YuNet outputs max |Δ| ${apart(plain, other, 'yunet').toExponential(2)}, ` +
      `EdgeFace outputs max |Δ| ${apart(plain, other, 'edgeface').toExponential(2)}, embedding cosine ${cosine(plain, other).toFixed(6)}`,
  );
}
await browser.close();
await server.close();
rmSync(blank, { recursive: true, force: true });
if (foreign.length) {
  console.log(`requests to other origins: ${foreign.join(', ')}`);
  process.exit(1);
}
