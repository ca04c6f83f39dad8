// Speed of the EdgeFace variants (tools/make_variants.py) in headless Chromium: plain onnxruntime-web 1.30
// (WASM SIMD, the npm package's files) on one 112x112 face, each model warmed up, then timed; alongside the
// accuracy and native numbers from models/variants/report.json, as the markdown table of models/README.md.
//   node e2e/bench_models.mjs [--warmup 60] [--runs 40] [--threads 1]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, ROOT, numberOption as opt } from './harness.mjs';
import { serve } from './serve.mjs';

const WARMUP = opt('--warmup', 60);
const RUNS = opt('--runs', 40);
const THREADS = opt('--threads', 1);
const reportFile = join(ROOT, 'models/variants/report.json');
if (!existsSync(reportFile)) {
  console.error('bench_models: run `.tools/pyvenv/bin/python tools/make_variants.py` first');
  process.exit(2);
}
const report = JSON.parse(readFileSync(reportFile, 'utf8'));

// The checkout itself is served (its index.html is only a page to run scripts in; the app is not built in).
const server = await serve({ dir: ROOT, isolated: true });
const browser = await Browser.start({ server });
try {
  const page = browser.context.pages()[0] || (await browser.context.newPage());
  await page.goto(`${server.url}index.html`);
  await page.addScriptTag({ url: '/node_modules/onnxruntime-web/dist/ort.wasm.min.js' });
  for (const row of report.rows) {
    row.browser_ms = await page.evaluate(async ({ file, warmup, runs, threads }) => {
      const ort = globalThis.ort;
      ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
      ort.env.wasm.numThreads = threads;
      const bytes = new Uint8Array(await (await fetch(`/${file}`)).arrayBuffer());
      const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
      const data = Float32Array.from({ length: 3 * 112 * 112 }, (_, i) => Math.sin(i * 0.37));
      const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, [1, 3, 112, 112]) };
      const t = [];
      for (let i = 0; i < warmup + runs; i++) {
        const t0 = performance.now();
        await session.run(feeds);
        if (i >= warmup) t.push(performance.now() - t0);
      }
      await session.release();
      t.sort((a, b) => a - b);
      return t[t.length >> 1];
    }, { file: row.file, warmup: WARMUP, runs: RUNS, threads: THREADS });
    console.error(`${row.model} ${row.variant}: ${row.browser_ms.toFixed(1)} ms`);
  }
} finally {
  await browser.close();
  await server.close();
}
report.browser = { warmup: WARMUP, runs: RUNS, threads: THREADS };
writeFileSync(reportFile, JSON.stringify(report, null, 1));

const f = (v, d = 2) => Number(v).toFixed(d);
console.log(`| model | variant | size (MB) | cos to fp32 min / mean | rank-1 | lowest genuine | highest impostor | native ms (1 thread) | Chromium ms (${THREADS} thread) |`);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of report.rows) {
  console.log(`| ${r.model} | ${r.variant} | ${f(r.bytes / 1e6)} | ${f(r.cos_to_fp32_min, 4)} / ${f(r.cos_to_fp32_mean, 4)} | ${r.rank1} | ` +
    `${f(r.lowest_genuine, 3)} | ${f(r.highest_impostor, 3)} | ${f(r.native_ms, 1)} | ${f(r.browser_ms, 1)} |`);
}
