// Browser benchmark: the app's per-stage times (decode/detect/align/embed, as the photo slot shows them)
// in headless Chromium, on the same 640x480 photos as `simface bench --resize 640x480`, next to
//   - plain onnxruntime-web runs of the same models with the same thread count, in the same page, and
//   - the native CLI's numbers (`simface bench --baseline --json`) from the same run,
// plus the wasm bundle size (raw and gzip) and the time from navigation to "models ready" with a warm cache.
//   node e2e/bench.mjs [--loads 10] [--warmup 3] [--ort-warmup 20] [--ort-runs 30] [--native-runs 20]
// Isolated (ONNX Runtime Web with several threads) by default; SIMFACE_E2E_NOT_ISOLATED=1 for one thread.
// Needs dist/ (`trunk build --release`); builds target/release/simface when it is missing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Browser, ROOT, sample } from './harness.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : def);
const LOADS = opt('--loads', 10);
const WARMUP = opt('--warmup', 3);
const ORT_WARMUP = opt('--ort-warmup', 20);
const ORT_RUNS = opt('--ort-runs', 30);
const NATIVE_RUNS = opt('--native-runs', 20);
const ISOLATED = !process.env.SIMFACE_E2E_NOT_ISOLATED;
const IMAGES = ['simface/royalty_free_good_face.jpg', 'groups/office4.jpg'];

if (!existsSync(join(ROOT, 'dist/index.html'))) {
  console.error('bench: dist/ is missing; run `trunk build --release` first');
  process.exit(2);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f = (v) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v.toFixed(1)) : 'n/a');
const r = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

// 1. The photos, resized to 640x480 and re-encoded as JPEG (quality 90), as `simface bench --resize` does.
// The resize happens in the page (canvas, 'high' quality) once the app is up; the CLI resizes with the image
// crate's Triangle filter, so pixels differ slightly, the size and the JPEG quality are the same.
const benchDir = join(ROOT, 'target/bench');
mkdirSync(benchDir, { recursive: true });
const photos = IMAGES.map((rel) => ({ rel, file: sample(rel) }));

// 2. The wasm bundle.
const dist = join(ROOT, 'dist');
const bundle = readdirSync(dist)
  .filter((n) => n.endsWith('.wasm'))
  .map((n) => {
    const bytes = readFileSync(join(dist, n));
    return { name: n, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
const ortWasm = join(dist, 'ort/ort-wasm-simd-threaded.wasm');
if (existsSync(ortWasm)) {
  const bytes = readFileSync(ortWasm);
  bundle.push({ name: 'ort/ort-wasm-simd-threaded.wasm', raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
}

// 3. The browser.
const browser = await Browser.start({ isolated: ISOLATED });
let threads, threadsText, readyCold, readyWarm = [], browserRows = [], rawRows = [], consoleErrors;
try {
  const page = await browser.open();
  readyCold = page.readyAfterMs;
  // Warm-cache navigations: the models come from the Cache API, the page's files revalidate (no-cache).
  for (let i = 0; i < 3; i++) {
    await page.goto(browser.server.url);
    const h = await page.waitForFunction(
      () => (document.querySelector('[data-testid=engine-status][data-status=ready]') ? performance.now() : 0),
      null,
      { polling: 10, timeout: 120_000 },
    );
    readyWarm.push(await h.jsonValue());
  }
  for (const p of photos) {
    const b64 = await page.evaluate(async ({ data }) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }), {
        resizeWidth: 640, resizeHeight: 480, resizeQuality: 'high',
      });
      const canvas = new OffscreenCanvas(640, 480);
      canvas.getContext('2d').drawImage(bmp, 0, 0);
      const out = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 })).arrayBuffer());
      let s = '';
      for (let i = 0; i < out.length; i += 0x8000) s += String.fromCharCode(...out.subarray(i, i + 0x8000));
      return btoa(s);
    }, { data: readFileSync(p.file).toString('base64') });
    p.buffer = Buffer.from(b64, 'base64');
    p.resized = join(benchDir, p.rel.replace(/\//g, '_').replace(/\.jpg$/, '_640x480.jpg'));
    writeFileSync(p.resized, p.buffer);
  }
  threadsText = (await page.textContent('[data-testid=threads]')).trim();
  threads = await page.evaluate(() => globalThis.ort?.env?.wasm?.numThreads);
  const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
  console.log(`page: crossOriginIsolated=${isolated}, threads shown "${threadsText}", ort.env.wasm.numThreads=${threads}`);

  for (const p of photos) {
    const samples = { decode: [], detect: [], align: [], embed: [] };
    let faces = '';
    for (let i = 0; i < WARMUP + LOADS; i++) {
      const t = await loadOnce(page, 'a', { name: `bench-${i}.jpg`, mimeType: 'image/jpeg', buffer: p.buffer });
      if (t.error) throw new Error(`${p.rel}: ${t.error}`);
      faces = t.faces;
      if (i < WARMUP) continue;
      for (const [k, v] of Object.entries(t.stages)) samples[k]?.push(v);
    }
    browserRows.push({ ...p, faces, samples });
    // Plain onnxruntime-web, same page, same env (thread count), right after the pipeline's runs.
    rawRows.push(await page.evaluate(rawOrt, { warmup: ORT_WARMUP, runs: ORT_RUNS }));
  }
  consoleErrors = browser.consoleErrors;
} finally {
  await browser.close();
}

// 4. Native, same run, same thread count.
const cliPath = join(ROOT, 'target/release/simface');
if (!existsSync(cliPath)) execFileSync('cargo', ['build', '--release', '--bin', 'simface'], { cwd: ROOT, stdio: 'inherit' });
const nativeArgs = ['bench', '--threads', String(threads || 1), '--baseline', '--runs', String(NATIVE_RUNS), '--resize', '640x480',
  ...photos.map((p) => p.file), '--json'];
const env = { ...process.env, ORT_DYLIB_PATH: process.env.ORT_DYLIB_PATH || join(ROOT, '.tools/lib/libonnxruntime.so') };
const native = JSON.parse(execFileSync(cliPath, nativeArgs, { cwd: ROOT, env, maxBuffer: 64 << 20 }).toString());
console.log(`native: target/release/simface ${nativeArgs.join(' ')}`);

// 5. The report.
console.log(`\n## Browser benchmark (headless Chromium, ${ISOLATED ? 'cross-origin isolated' : 'not isolated'}, ` +
  `${threads} ONNX Runtime Web thread(s); page shows "${threadsText}")`);
console.log(`browser: median of ${LOADS} loads after ${WARMUP} warm-up loads; raw onnxruntime-web: median of ` +
  `${ORT_RUNS} runs after ${ORT_WARMUP}, zero tensors; native: median of ${NATIVE_RUNS} runs, --threads ${threads || 1}\n`);
browserRows.forEach((b, i) => {
  const raw = rawRows[i];
  const n = native.results[i];
  const nFaces = n.faces;
  const m = Object.fromEntries(Object.entries(b.samples).map(([k, v]) => [k, median(v)]));
  const total = m.decode + m.detect + m.align + m.embed;
  const nat = {
    decode: n.decode_ms[0], detect: n.detect_ms[0], align: n.align_ms[0], embed: n.embed_ms[0],
  };
  const natTotal = nat.decode + n.pipeline_ms[0];
  // The app aligns and embeds the one selected face; the CLI aligns and embeds every face found, in one
  // batch. For a group photo the native align/embed are divided by the face count (per face).
  const per = nFaces > 1 ? nFaces : 1;
  console.log(`### ${b.rel} (640x480; faces: browser "${b.faces}", native ${nFaces})\n`);
  console.log('| stage | browser median ms | raw onnxruntime-web ms | native ms | browser/raw | browser/native |');
  console.log('|---|---|---|---|---|---|');
  const row = (name, bv, rv, nv, note = '') =>
    console.log(`| ${name} | ${f(bv)} | ${rv === undefined ? '–' : f(rv)} | ${f(nv)}${note} | ${rv === undefined ? '–' : r(bv, rv)} | ${r(bv, nv)} |`);
  row('decode', m.decode, undefined, nat.decode);
  row('detect (YuNet 640x480)', m.detect, raw.yunet, nat.detect);
  row('align', m.align, undefined, nat.align / per, per > 1 ? ` (${f(nat.align)} for ${nFaces} faces ÷ ${nFaces})` : '');
  row('embed (EdgeFace-XS)', m.embed, raw.edgeface, nat.embed / per,
    per > 1 ? ` (batch of ${nFaces}: ${f(nat.embed)} ÷ ${nFaces})` : '');
  row('total', total, raw.yunet + raw.edgeface, natTotal - (per > 1 ? (nat.align + nat.embed) * (1 - 1 / per) : 0));
  console.log(`\nnative plain ONNX Runtime (same run): YuNet ${f(n.plain_ort.yunet_ms[0])} ms, EdgeFace ×${n.plain_ort.embed_batch} ` +
    `${f(n.plain_ort.embed_ms[0])} ms; raw onnxruntime-web / native plain ORT: YuNet ${r(raw.yunet, n.plain_ort.yunet_ms[0])}` +
    (n.plain_ort.embed_batch === 1 ? `, EdgeFace ${r(raw.edgeface, n.plain_ort.embed_ms[0])}` : ''));
  console.log(`browser samples (ms): ${Object.entries(b.samples).map(([k, v]) => `${k} [${v.map((x) => x.toFixed(1)).join(' ')}]`).join('; ')}\n`);
});
console.log('### Bundle and start-up\n');
for (const w of bundle) console.log(`- ${w.name}: ${(w.raw / 1024).toFixed(0)} KiB raw, ${(w.gzip / 1024).toFixed(0)} KiB gzip (zlib level 9)`);
console.log(`- navigation → models ready: fresh profile ${readyCold} ms (wall clock, includes model download); ` +
  `warm cache ${readyWarm.map((x) => x.toFixed(0)).join(', ')} ms (performance.now() at ready; median ${median(readyWarm).toFixed(0)} ms)`);
if (consoleErrors?.length) console.log(`note: console errors:\n  ${consoleErrors.join('\n  ')}`);

/** Loads one photo into a slot and returns the timings the slot shows once the new analysis is done. */
async function loadOnce(page, slot, file) {
  await page.evaluate((s) => {
    const card = document.querySelector(`[data-slot=${s}]`);
    window.__bench = { phase: 0 };
    window.__benchObserver?.disconnect();
    const check = () => {
      const st = window.__bench;
      if (st.phase === 2) return;
      const busy = !card.querySelector('.busy').classList.contains('hidden');
      const done = !card.querySelector('.face-detail').classList.contains('hidden');
      const error = card.querySelector(`[data-testid=error-${s}]`);
      if (st.phase === 0 && (busy || !done)) st.phase = 1; // the new job has started
      if (st.phase === 1 && !busy && !error.classList.contains('hidden')) {
        st.phase = 2;
        st.error = error.textContent;
      } else if (st.phase === 1 && !busy && done) {
        st.phase = 2;
        st.timings = card.querySelector(`[data-testid=timings-${s}]`).textContent;
        st.faces = card.querySelector(`[data-testid=faces-${s}]`).textContent;
      }
    };
    window.__benchObserver = new MutationObserver(check);
    window.__benchObserver.observe(card, { subtree: true, childList: true, attributes: true, characterData: true });
  }, slot);
  await page.setInputFiles(`[data-testid=file-${slot}]`, file);
  await page.waitForFunction(() => window.__bench.phase === 2, null, { timeout: 60_000, polling: 20 });
  const st = await page.evaluate(() => window.__bench);
  if (st.error) return { error: st.error };
  const stages = {};
  for (const m of st.timings.matchAll(/(decode|detect|align|embed)\s+([\d.]+)\s*ms/g)) stages[m[1]] = Number(m[2]);
  for (const k of ['decode', 'detect', 'align', 'embed'])
    if (!(k in stages)) throw new Error(`timings text without ${k}: "${st.timings}"`);
  return { stages, faces: st.faces.trim() };
}

/** In the page: plain onnxruntime-web sessions of the app's models, timed on zero tensors of the app's shapes. */
async function rawOrt({ warmup, runs }) {
  const ort = globalThis.ort;
  const load = async (path) => (await fetch(new URL(path, location.href))).arrayBuffer();
  const opts = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  const time = async (file, shape) => {
    const session = await ort.InferenceSession.create(await load(file), opts);
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, shape) };
    const t = [];
    for (let i = 0; i < warmup + runs; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      if (i >= warmup) t.push(performance.now() - t0);
    }
    await session.release();
    t.sort((a, b) => a - b);
    return t.length % 2 ? t[t.length >> 1] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
  };
  return {
    yunet: await time('models/face_detection_yunet.onnx', [1, 3, 480, 640]),
    edgeface: await time('models/edgeface_xs.onnx', [1, 3, 112, 112]),
    numThreads: ort.env.wasm.numThreads,
  };
}
