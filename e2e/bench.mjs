// Browser benchmark: the app's per-stage times (decode/detect/align/embed, as the photo slot shows them)
// in headless Chromium, on the same 640x480 photos as `simface bench --resize 640x480`, next to
//   - plain onnxruntime-web runs of the same models with the same thread count, in the same page, and
//   - the native CLI's numbers (`simface bench --baseline --json`) from the same run,
// plus how responsive the page stays while a photo is analysed (longest gap between animation frames, long
// tasks), the wasm bundle size (raw and gzip) and the time from navigation to "models ready" with a warm cache;
// and liveness per face (the setting for uploads turned on; both MiniFASNet models) against plain
// onnxruntime-web runs of those models and the native `simface bench --liveness`; and the detect stage on the
// portrait rotated by 0–270° (faces at any angle: extra passes only where the search runs).
// The app's loads and the raw runs alternate in rounds after both have warmed up, so that both see the same
// state of the browser's WebAssembly tiering and of the machine.
//   node e2e/bench.mjs [--rounds 6] [--loads 2] [--warmup 20] [--ort-warmup 60] [--native-runs 20]
//   SIMFACE_BENCH_WORKER=1 runs the models in onnxruntime-web's proxy worker instead of on the page's thread.
// Isolated (ONNX Runtime Web with several threads) by default; SIMFACE_E2E_NOT_ISOLATED=1 for one thread.
// Needs dist/ (`trunk build --release`); builds target/release/simface when it is missing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Browser, ROOT, median, numberOption as opt, reencodeInPage, sample } from './harness.mjs';

const ROUNDS = opt('--rounds', 6);
const LOADS = opt('--loads', 2);
const WARMUP = opt('--warmup', 20);
const ORT_WARMUP = opt('--ort-warmup', 60);
const NATIVE_RUNS = opt('--native-runs', 20);
const WORKER = !!process.env.SIMFACE_BENCH_WORKER;
const ISOLATED = !process.env.SIMFACE_E2E_NOT_ISOLATED;
const IMAGES = ['simface/royalty_free_good_face.jpg', 'groups/office4.jpg'];

if (!existsSync(join(ROOT, 'dist/index.html'))) {
  console.error('bench: dist/ is missing; run `trunk build --release` first');
  process.exit(2);
}
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
const browser = await Browser.start({ isolated: ISOLATED, query: WORKER ? '?inference=worker' : '' });
let threads, threadsText, readyCold, readyWarm = [], browserRows = [], rawRows = [], consoleErrors, livenessRow, angleRows;
try {
  const page = await browser.open();
  readyCold = page.readyAfterMs;
  // Warm-cache navigations: the models come from the Cache API, the page's files revalidate (no-cache).
  for (let i = 0; i < 3; i++) {
    await page.goto(browser.pageUrl);
    const h = await page.waitForFunction(
      () => (document.querySelector('[data-testid=engine-status][data-status=ready]') ? performance.now() : 0),
      null,
      { polling: 10, timeout: 120_000 },
    );
    readyWarm.push(await h.jsonValue());
  }
  for (const p of photos) {
    p.buffer = await reencodeInPage(page, readFileSync(p.file), { width: 640, height: 480 });
    p.resized = join(benchDir, p.rel.replace(/\//g, '_').replace(/\.jpg$/, '_640x480.jpg'));
    writeFileSync(p.resized, p.buffer);
  }
  threadsText = (await page.textContent('[data-testid=threads]')).trim();
  threads = await page.evaluate(() => globalThis.ort?.env?.wasm?.numThreads);
  const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
  console.log(`page: crossOriginIsolated=${isolated}, threads shown "${threadsText}", ort.env.wasm.numThreads=${threads}`);

  for (const p of photos) {
    const samples = { decode: [], detect: [], align: [], embed: [] };
    const raw = { yunet: [], edgeface: [] };
    const ui = { maxGap: [], longTasks: [], longTaskMs: [] };
    const inOrt = { yunet: [], edgeface: [] };
    let faces = '';
    const appLoad = async (keep) => {
      const t = await loadOnce(page, 'a', { name: 'bench.jpg', mimeType: 'image/jpeg', buffer: p.buffer });
      if (t.error) throw new Error(`${p.rel}: ${t.error}`);
      faces = t.faces;
      if (!keep) return;
      for (const [k, v] of Object.entries(t.stages)) samples[k]?.push(v);
      inOrt.yunet.push(t.ort.yunet);
      inOrt.edgeface.push(t.ort[Object.keys(t.ort).find((k) => k.startsWith('edgeface'))]);
      ui.maxGap.push(t.ui.maxGap);
      ui.longTasks.push(t.ui.longTasks);
      ui.longTaskMs.push(t.ui.longTaskMs);
    };
    // Warm both up, then alternate: LOADS photo loads, then as many raw runs of each model.
    for (let i = 0; i < WARMUP; i++) await appLoad(false);
    await page.evaluate(rawOrtOpen, { jpeg: p.buffer.toString('base64') });
    await page.evaluate(rawOrtRuns, ORT_WARMUP);
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < LOADS; i++) await appLoad(true);
      const r = await page.evaluate(rawOrtRuns, LOADS);
      raw.yunet.push(...r.yunet);
      raw.edgeface.push(...r.edgeface);
    }
    await page.evaluate(rawOrtClose);
    browserRows.push({ ...p, faces, samples, ui, inOrt });
    rawRows.push({ yunet: median(raw.yunet), edgeface: median(raw.edgeface) });
  }
  livenessRow = await benchLiveness(page, photos[0]);
  angleRows = await benchAngles(page, photos[0]);
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
// Liveness natively with the page's thread count and with one thread (these small models run faster on one
// thread than on two here).
const nativeLiveness = [threads || 1, 1].map((n) => {
  const args = ['bench', '--threads', String(n), '--liveness', '--runs', String(NATIVE_RUNS), '--resize', '640x480', photos[0].file, '--json'];
  console.log(`native: target/release/simface ${args.join(' ')}`);
  return JSON.parse(execFileSync(cliPath, args, { cwd: ROOT, env, maxBuffer: 64 << 20 }).toString()).results[0].liveness_ms[0];
});

// 5. The report.
console.log(`\n## Browser benchmark (headless Chromium, ${ISOLATED ? 'cross-origin isolated' : 'not isolated'}, ` +
  `${threads} ONNX Runtime Web thread(s); page shows "${threadsText}")`);
console.log(`models run ${WORKER ? "in onnxruntime-web's proxy worker" : "on the page's thread"}; ` +
  `browser: median of ${ROUNDS * LOADS} loads after ${WARMUP} warm-up loads; raw onnxruntime-web (same page, same ` +
  `env, the app's inputs): median of ${ROUNDS * LOADS} runs after ${ORT_WARMUP}, alternating with ` +
  `the loads in ${ROUNDS} rounds; native: median of ${NATIVE_RUNS} runs, --threads ${threads || 1}\n`);
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
  const o = { yunet: median(b.inOrt.yunet), edgeface: median(b.inOrt.edgeface) };
  console.log('| stage | browser median ms | of it in onnxruntime-web | raw onnxruntime-web ms | native ms | browser/raw | browser/native |');
  console.log('|---|---|---|---|---|---|---|');
  const row = (name, bv, ov, rv, nv, note = '') =>
    console.log(`| ${name} | ${f(bv)} | ${ov === undefined ? '–' : f(ov)} | ${rv === undefined ? '–' : f(rv)} | ` +
      `${f(nv)}${note} | ${rv === undefined ? '–' : r(bv, rv)} | ${r(bv, nv)} |`);
  row('decode', m.decode, undefined, undefined, nat.decode);
  row('detect (YuNet 640x480)', m.detect, o.yunet, raw.yunet, nat.detect);
  row('align', m.align, undefined, undefined, nat.align / per, per > 1 ? ` (${f(nat.align)} for ${nFaces} faces ÷ ${nFaces})` : '');
  row('embed (EdgeFace-XS)', m.embed, o.edgeface, raw.edgeface, nat.embed / per,
    per > 1 ? ` (batch of ${nFaces}: ${f(nat.embed)} ÷ ${nFaces})` : '');
  row('total', total, o.yunet + o.edgeface, raw.yunet + raw.edgeface,
    natTotal - (per > 1 ? (nat.align + nat.embed) * (1 - 1 / per) : 0));
  console.log(`\nnative plain ONNX Runtime (same run): YuNet ${f(n.plain_ort.yunet_ms[0])} ms, EdgeFace ×${n.plain_ort.embed_batch} ` +
    `${f(n.plain_ort.embed_ms[0])} ms; raw onnxruntime-web / native plain ORT: YuNet ${r(raw.yunet, n.plain_ort.yunet_ms[0])}` +
    (n.plain_ort.embed_batch === 1 ? `, EdgeFace ${r(raw.edgeface, n.plain_ort.embed_ms[0])}` : ''));
  const max = (xs) => Math.max(...xs);
  console.log(`page responsiveness while a photo is analysed: longest gap between animation frames median ` +
    `${f(median(b.ui.maxGap))} ms, worst ${f(max(b.ui.maxGap))} ms; long tasks (> 50 ms) per load median ` +
    `${median(b.ui.longTasks)}, their total median ${f(median(b.ui.longTaskMs))} ms, worst ${f(max(b.ui.longTaskMs))} ms`);
  console.log(`browser samples (ms): ${Object.entries(b.samples).map(([k, v]) => `${k} [${v.map((x) => x.toFixed(1)).join(' ')}]`).join('; ')}\n`);
});
{
  const l = livenessRow;
  const app = median(l.app);
  const inOrt = median(l.v2) + median(l.v1se);
  const raw = median(l.raw.v2) + median(l.raw.v1se);
  const [nat, nat1] = nativeLiveness;
  console.log(`### Liveness per face (${photos[0].rel}, 640x480; the setting for uploads on)\n`);
  console.log('| | browser median ms | of it in onnxruntime-web | raw onnxruntime-web ms | native ms | browser/raw | browser/native |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(`| liveness (2 crops + MiniFASNetV2 + V1SE) | ${f(app)} | ${f(inOrt)} (V2 ${f(median(l.v2))}, V1SE ${f(median(l.v1se))}) | ` +
    `${f(raw)} (V2 ${f(median(l.raw.v2))}, V1SE ${f(median(l.raw.v1se))}) | ${f(nat)} (1 thread: ${f(nat1)}) | ${r(app, raw)} | ` +
    `${r(app, nat)} (1 thread: ${r(app, nat1)}) |`);
  console.log(`\nthe same loads: embed ${f(median(l.embed))} ms, so liveness costs ${r(app, median(l.embed))} an embedding; ` +
    `browser samples (ms): liveness [${l.app.map((x) => x.toFixed(1)).join(' ')}]\n`);
}
console.log(`### Faces at any angle (${photos[0].rel}, 640x480, rotated in the page; the setting for liveness off)\n`);
console.log('| rotation | detect median ms | × upright | found at | app samples (ms) |');
console.log('|---|---|---|---|---|');
const upright = median(angleRows[0].detect);
for (const a of angleRows)
  console.log(`| ${a.degrees}° | ${f(median(a.detect))} | ${r(median(a.detect), upright)} | ${a.rotation}° | ${a.detect.map((x) => x.toFixed(0)).join(' ')} |`);
console.log('');
console.log('### Bundle and start-up\n');
for (const w of bundle) console.log(`- ${w.name}: ${(w.raw / 1024).toFixed(0)} KiB raw, ${(w.gzip / 1024).toFixed(0)} KiB gzip (zlib level 9)`);
console.log(`- navigation → models ready: fresh profile ${readyCold} ms (wall clock, includes model download); ` +
  `warm cache ${readyWarm.map((x) => x.toFixed(0)).join(', ')} ms (performance.now() at ready; median ${median(readyWarm).toFixed(0)} ms)`);
if (consoleErrors?.length) console.log(`note: console errors:\n  ${consoleErrors.join('\n  ')}`);

/** Loads one photo into a slot and returns the timings the slot shows once the new analysis is done. */
async function loadOnce(page, slot, file) {
  await page.evaluate((s) => {
    const card = document.querySelector(`[data-slot=${s}]`);
    window.__bench = { phase: 0, maxGap: 0, longTasks: 0, longTaskMs: 0 };
    window.__benchObserver?.disconnect();
    window.__benchLong?.disconnect();
    // Responsiveness: the longest time between two animation frames, and long tasks, until the result shows.
    const st0 = window.__bench;
    let last = performance.now();
    const frame = (t) => {
      st0.maxGap = Math.max(st0.maxGap, t - last);
      last = t;
      if (st0.phase !== 2) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    window.__benchLong = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        st0.longTasks += 1;
        st0.longTaskMs += e.duration;
      }
    });
    window.__benchLong.observe({ type: 'longtask' });
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
  await page.evaluate(() => window.__benchLong?.disconnect());
  if (st.error) return { error: st.error };
  // The model runs inside the stages, as the runtime measured them (User Timing, see src/app/services/onnx_web.rs).
  const ort = await page.evaluate(() =>
    Object.fromEntries(performance.getEntriesByType('measure').filter((e) => e.name.startsWith('simface ort '))
      .map((e) => [e.name.slice('simface ort '.length), e.duration])));
  const stages = {};
  for (const m of st.timings.matchAll(/(decode|detect|align|embed|liveness)\s+([\d.]+)\s*ms/g)) stages[m[1]] = Number(m[2]);
  for (const k of ['decode', 'detect', 'align', 'embed'])
    if (!(k in stages)) throw new Error(`timings text without ${k}: "${st.timings}"`);
  return { stages, ort, faces: st.faces.trim(), ui: { maxGap: st.maxGap, longTasks: st.longTasks, longTaskMs: st.longTaskMs } };
}

/** The detect stage of the app on `photo` rotated clockwise by each angle (turned in the page onto a canvas that
 *  holds all of it, re-encoded as JPEG quality 90), after a warm-up load of each; and the rotation the app
 *  found the face at (its Download JSON). */
async function benchAngles(page, photo) {
  await page.uncheck('[data-testid=liveness-uploads]');
  await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
  const rows = [];
  for (const degrees of [0, 90, 180, 270, 30, 60, 135]) {
    const file = { name: `rotated_${degrees}.jpg`, mimeType: 'image/jpeg', buffer: await reencodeInPage(page, photo.buffer, { degrees }) };
    const detect = [];
    for (let i = 0; i <= ROUNDS; i++) {
      const t = await loadOnce(page, 'a', file);
      if (t.error) throw new Error(`rotated ${degrees}°: ${t.error}`);
      if (i > 0) detect.push(t.stages.detect);
    }
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-slot=a] button:has-text("Download JSON")')]);
    const rotation = JSON.parse(readFileSync(await download.path(), 'utf8')).faces[0].rotation;
    rows.push({ degrees, detect, rotation });
  }
  return rows;
}

/** Liveness in the app (the setting for uploads on) on `photo`, alternating with plain onnxruntime-web runs of
 *  both anti-spoofing models, after both have warmed up. */
async function benchLiveness(page, photo) {
  await page.check('[data-testid=liveness-uploads]');
  await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
  const file = { name: 'bench.jpg', mimeType: 'image/jpeg', buffer: photo.buffer };
  const out = { app: [], embed: [], v2: [], v1se: [], raw: { v2: [], v1se: [] } };
  const appLoad = async (keep) => {
    const t = await loadOnce(page, 'a', file);
    if (t.error) throw new Error(`liveness: ${t.error}`);
    if (!('liveness' in t.stages)) throw new Error('liveness: the slot shows no liveness time');
    if (!keep) return;
    out.app.push(t.stages.liveness);
    out.embed.push(t.stages.embed);
    out.v2.push(t.ort.minifasnet_v2);
    out.v1se.push(t.ort.minifasnet_v1se);
  };
  for (let i = 0; i < WARMUP; i++) await appLoad(false);
  await page.evaluate(async ({ jpeg }) => {
    const ort = globalThis.ort;
    const bytes = Uint8Array.from(atob(jpeg), (c) => c.charCodeAt(0));
    // Real pixels (the photo scaled to 80x80, BGR 0..255), as the app's inputs: never all zeros.
    const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }), { resizeWidth: 80, resizeHeight: 80 });
    const canvas = new OffscreenCanvas(80, 80);
    const g = canvas.getContext('2d');
    g.drawImage(bmp, 0, 0);
    const rgba = g.getImageData(0, 0, 80, 80).data;
    const input = new Float32Array(3 * 80 * 80);
    for (let i = 0; i < 80 * 80; i++) for (let c = 0; c < 3; c++) input[c * 6400 + i] = rgba[i * 4 + 2 - c];
    const opts = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
    const open = async (file) => {
      const model = new Uint8Array(await (await fetch(new URL(`models/${file}`, location.href))).arrayBuffer());
      const session = await ort.InferenceSession.create(model, opts);
      return { session, feeds: () => ({ [session.inputNames[0]]: new ort.Tensor('float32', input.slice(), [1, 3, 80, 80]) }) };
    };
    window.__rawLiveness = { v2: await open('MiniFASNetV2.onnx'), v1se: await open('MiniFASNetV1SE.onnx') };
  }, { jpeg: photo.buffer.toString('base64') });
  const rawRuns = (runs) => page.evaluate(async (runs) => {
    const out = { v2: [], v1se: [] };
    for (let i = 0; i < runs; i++)
      for (const k of ['v2', 'v1se']) {
        const { session, feeds } = window.__rawLiveness[k];
        const t0 = performance.now();
        await session.run(feeds());
        out[k].push(performance.now() - t0);
      }
    return out;
  }, runs);
  await rawRuns(ORT_WARMUP);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < LOADS; i++) await appLoad(true);
    const r = await rawRuns(LOADS);
    out.raw.v2.push(...r.v2);
    out.raw.v1se.push(...r.v1se);
  }
  await page.evaluate(async () => {
    for (const { session } of Object.values(window.__rawLiveness)) await session.release();
  });
  return out;
}

/** In the page: plain onnxruntime-web sessions of the app's models, fed the app's own inputs: the photo's
 *  pixels as YuNet's BGR tensor and slot A's aligned crop as EdgeFace's [-1, 1] RGB tensor. (Real pixels,
 *  not zeros: WebAssembly must compute denormal floats exactly, and an all-zero input never makes any.) */
async function rawOrtOpen({ jpeg }) {
  const ort = globalThis.ort;
  const load = async (path) => (await fetch(new URL(path, location.href))).arrayBuffer();
  const opts = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  const pixels = (source, w, h) => {
    const canvas = new OffscreenCanvas(w, h);
    const g = canvas.getContext('2d');
    g.drawImage(source, 0, 0);
    return g.getImageData(0, 0, w, h).data;
  };
  const bytes = Uint8Array.from(atob(jpeg), (c) => c.charCodeAt(0));
  const photo = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }));
  const [pw, ph] = [photo.width, photo.height];
  const [tw, th] = [Math.ceil(pw / 32) * 32, Math.ceil(ph / 32) * 32];
  const rgba = pixels(photo, pw, ph);
  const yunetInput = new Float32Array(3 * tw * th);
  for (let y = 0; y < ph; y++)
    for (let x = 0; x < pw; x++) {
      const i = (y * pw + x) * 4;
      const o = y * tw + x;
      yunetInput[o] = rgba[i + 2];
      yunetInput[tw * th + o] = rgba[i + 1];
      yunetInput[2 * tw * th + o] = rgba[i];
    }
  const crop = pixels(document.querySelector('[data-testid=crop-a]'), 112, 112);
  const faceInput = new Float32Array(3 * 112 * 112);
  for (let i = 0; i < 112 * 112; i++)
    for (let c = 0; c < 3; c++) faceInput[c * 112 * 112 + i] = crop[i * 4 + c] / 127.5 - 1;
  // A fresh copy per run: in proxy mode onnxruntime-web transfers (detaches) the input's buffer.
  const open = async (file, input, shape) => {
    const session = await ort.InferenceSession.create(new Uint8Array(await load(file)), opts);
    const feeds = () => ({ [session.inputNames[0]]: new ort.Tensor('float32', input.slice(), shape) });
    return { session, feeds };
  };
  window.__raw = {
    yunet: await open('models/face_detection_yunet.onnx', yunetInput, [1, 3, th, tw]),
    edgeface: await open('models/edgeface_xs.onnx', faceInput, [1, 3, 112, 112]),
  };
}

/** In the page: `runs` timed runs of each raw session (YuNet, then EdgeFace, alternating). */
async function rawOrtRuns(runs) {
  const out = { yunet: [], edgeface: [] };
  for (let i = 0; i < runs; i++) {
    for (const k of ['yunet', 'edgeface']) {
      const { session, feeds } = window.__raw[k];
      const t0 = performance.now();
      await session.run(feeds());
      out[k].push(performance.now() - t0);
    }
  }
  return out;
}

async function rawOrtClose() {
  for (const { session } of Object.values(window.__raw)) await session.release();
}
