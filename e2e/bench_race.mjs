// The race: the SimFace app against other in-browser face libraries on the same photos, in one headless
// Chromium, every system on the WebAssembly backend:
//   - app          the built app (dist/), 2 onnxruntime-web threads on the page's thread, cross-origin isolated:
//                  timed as a user waits, in the page: from the file input's input/change event (Playwright's
//                  setInputFiles) to the slot showing the new result (a MutationObserver sees the busy sign
//                  hidden and the face detail shown, or the error shown): decode, detection, alignment,
//                  embedding of the chosen face, and the DOM update;
//   - raw          the floor: plain onnxruntime-web on the app's two models (YuNet + EdgeFace-XS) with the same
//                  thread count, decode (createImageBitmap) and a canvas downscale included (e2e/race/race.mjs);
//   - human        @vladmandic/human 3.3.6, default face configuration (detection, mesh, iris, emotion,
//                  description/embedding), tfjs-wasm;
//   - faceapi-tiny @vladmandic/face-api 1.7.15, TinyFaceDetector + 68 landmarks + descriptor, tfjs-wasm;
//   - faceapi-ssd  the same with SsdMobilenetv1.
// The peers and the floor are timed from the File to the library's result, the browser's read and decode of the
// file included: each tab gets the photos through a file input, as the app does (Playwright's setInputFiles with
// the same bytes), so every system starts from the same kind of File. Each system has its own tab, brought to the front before it runs; after a warm-up, the
// systems take turns in rounds (the order rotating each round) so that all see the same state of the machine.
// The peers' files come from node_modules through a separate static server on 127.0.0.1 (never from dist/,
// never from a CDN); every request of the browser is checked to have stayed on our two servers.
// Photos (made once into target/race/): the portrait at 640×480 (as e2e/bench.mjs), a group photo, and "phone
// photos" of 2, 12 and 48 MP upscaled from the portrait (JPEG quality 0.9). The app takes photos up to 200 MP.
//   node e2e/bench_race.mjs [--warmup 5] [--rounds 5] [--runs 3] [--threads 2] [--big-warmup 2]
//                           [--big-rounds 5] [--big-runs 2] [--max-mp 48]
// (--big-*: for the 12 and 48 MP photos, whose single runs take seconds; --max-mp 12 leaves out the 48 MP one.)
// Prints a markdown table; writes target/race/race.json and docs/bench-race.png.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, ROOT, median, numberOption as opt, percentile, sample } from './harness.mjs';
import { serve, serveMounts } from './serve.mjs';

const WARMUP = opt('--warmup', 5);
const ROUNDS = opt('--rounds', 5);
const RUNS = opt('--runs', 3);
const BIG_WARMUP = opt('--big-warmup', 2);
const BIG_ROUNDS = opt('--big-rounds', 5);
const BIG_RUNS = opt('--big-runs', 2);
const THREADS = opt('--threads', 2);
const MAX_MP = opt('--max-mp', 48);
const COLD_RUNS = opt('--cold-runs', 3);

const OUT = join(ROOT, 'target/race');
const CHART = join(ROOT, 'docs/bench-race.png');
const NM = join(ROOT, 'node_modules');

if (!existsSync(join(ROOT, 'dist/index.html'))) {
  console.error('bench-race: dist/ is missing; run `trunk build --release` first');
  process.exit(2);
}
for (const p of ['@vladmandic/human/dist', '@vladmandic/face-api/dist', '@tensorflow/tfjs-backend-wasm/dist'])
  if (!existsSync(join(NM, p))) {
    console.error(`bench-race: node_modules/${p} is missing; run \`npm ci --ignore-scripts\` first`);
    process.exit(2);
  }
mkdirSync(OUT, { recursive: true });

// The photos: `make` says how to make a missing one in the page (race.mjs makePhoto); `big` ones run fewer rounds.
const PORTRAIT = 'simface/royalty_free_good_face.jpg';
const PHOTOS = [
  { name: 'portrait_640x480.jpg', label: 'portrait 640×480', make: { source: `samples/${PORTRAIT}`, width: 640, height: 480 } },
  { name: 'office4.jpg', label: 'group (office4, 615×407)', copy: sample('groups/office4.jpg') },
  { name: 'phone_2mp.jpg', label: 'phone photo 2 MP (1632×1224)', mp: 2, make: { source: `samples/${PORTRAIT}`, width: 1632, height: 1224, crop: true } },
  { name: 'phone_12mp.jpg', label: 'phone photo 12 MP (4000×3000)', mp: 12, big: true, make: { source: `samples/${PORTRAIT}`, width: 4000, height: 3000, crop: true } },
  { name: 'phone_48mp.jpg', label: 'phone photo 48 MP (8000×6000)', mp: 48, big: true, make: { source: `samples/${PORTRAIT}`, width: 8000, height: 6000, crop: true } },
].filter((p) => !(p.mp > MAX_MP));

const SYSTEMS = [
  { id: 'app', label: 'SimFace app' },
  { id: 'raw', label: 'raw onnxruntime-web (floor)' },
  { id: 'human', label: 'Human 3.3.6' },
  { id: 'faceapi-tiny', label: 'face-api Tiny' },
  { id: 'faceapi-ssd', label: 'face-api SSD' },
];

const f = (v) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v.toFixed(0)) : 'n/a');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
const log = (s) => process.stderr.write(`${s}\n`);

// 1. Servers: the app's dist/ (as `make e2e` serves it) and the race's own, both cross-origin isolated.
const appServer = await serve({ dir: join(ROOT, 'dist'), isolated: true });
const raceServer = await serveMounts({
  isolated: true,
  mounts: {
    '/race/': join(ROOT, 'e2e/race'),
    '/photos/': OUT,
    '/samples/': join(ROOT, 'assets/samples'),
    '/human/': join(NM, '@vladmandic/human/dist'),
    '/human-models/': join(NM, '@vladmandic/human/models'),
    '/face-api/': join(NM, '@vladmandic/face-api/dist'),
    '/face-api-models/': join(NM, '@vladmandic/face-api/model'),
    '/tfjs-wasm/': join(NM, '@tensorflow/tfjs-backend-wasm/dist'),
    '/ort/': join(ROOT, 'dist/ort'),
    '/models/': join(ROOT, 'dist/models'),
  },
});
const browser = await Browser.start({ server: appServer });
const results = {}; // photo name -> system id -> { times: [], faces: Set, error, refused }
const info = {};
const pages = {};
const cold = {}; // system id -> [{ ready, first, total, mb } or { error }]
const started = Date.now();
try {
  // 2. The photos, made once in a page of the race's server and kept in target/race/.
  const maker = await browser.context.newPage();
  await maker.goto(`${raceServer.url}race/race.html?system=maker`);
  await maker.waitForFunction(() => window.race);
  for (const p of PHOTOS) {
    const file = join(OUT, p.name);
    if (existsSync(file)) continue;
    if (p.copy) copyFileSync(p.copy, file);
    else writeFileSync(file, Buffer.from(await maker.evaluate((m) => window.race.makePhoto(m), p.make), 'base64'));
    log(`made ${file}`);
  }
  await maker.close();
  for (const p of PHOTOS) p.buffer = readFileSync(join(OUT, p.name));

  // 3. One tab per system.
  pages.app = await browser.open();
  info.app = await pages.app.evaluate(() => ({
    library: 'SimFace app (dist/)',
    backend: document.querySelector('[data-testid=backend]')?.textContent.trim(),
    threads: globalThis.ort?.env?.wasm?.numThreads,
    threadsShown: document.querySelector('[data-testid=threads]')?.textContent.trim(),
    proxy: !!globalThis.ort?.env?.wasm?.proxy,
    crossOriginIsolated: globalThis.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
  }));
  for (const s of SYSTEMS.filter((s) => s.id !== 'app')) {
    const page = await browser.context.newPage();
    await page.goto(`${raceServer.url}race/race.html?system=${s.id}`);
    await page.waitForFunction(() => window.race);
    await page.bringToFront();
    try {
      info[s.id] = await page.evaluate(([id, t]) => window.race.setup(id, t), [s.id, THREADS]);
      await givePhotos(page);
      pages[s.id] = page;
    } catch (e) {
      info[s.id] = { error: String(e.message).split('\n')[0] };
      log(`${s.id}: setup failed: ${info[s.id].error}`);
    }
  }
  for (const s of SYSTEMS) log(`${s.id}: ${JSON.stringify(info[s.id])}`);

  // 4. The race, photo by photo.
  for (const p of PHOTOS) {
    results[p.name] = Object.fromEntries(SYSTEMS.map((s) => [s.id, { times: [], faces: [], errors: [] }]));
    const [warmup, rounds, runs] = p.big ? [BIG_WARMUP, BIG_ROUNDS, BIG_RUNS] : [WARMUP, ROUNDS, RUNS];
    const go = async (s, n, keep) => {
      const page = pages[s.id];
      const r = results[p.name][s.id];
      if (!page || r.stop) return;
      await page.bringToFront();
      for (let i = 0; i < n && !r.stop; i++) {
        const one = s.id === 'app' ? await appRun(page, p) : await peerRun(page, p.name);
        if (one.refused || one.error) {
          // A refusal or a failure is the answer for this photo: no more runs of this system on it.
          r.stop = true;
          r.refused = one.refused;
          r.errors.push(one.error ?? one.refused);
          log(`${s.id} on ${p.name}: ${one.refused ?? one.error}`);
          if (one.crashed) pages[s.id] = await reopen(s);
        } else if (keep) {
          r.times.push(one.ms);
          r.faces.push(one.faces);
        } else r.faces.push(one.faces);
      }
    };
    for (const s of SYSTEMS) await go(s, warmup, false);
    for (let round = 0; round < rounds; round++)
      for (let k = 0; k < SYSTEMS.length; k++) await go(SYSTEMS[(k + round) % SYSTEMS.length], runs, true);
    log(`${p.name} done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }

  // 4b. Cold start: a first visit, each run in a fresh browser profile (empty HTTP cache, Cache API, IndexedDB),
  // the systems taking turns: navigation → ready (the app: "models ready"; a peer: its models loaded and its
  // backend initialised), then ready → the portrait's result (file given → result, as above).
  for (let round = 0; round < COLD_RUNS; round++)
    for (let k = 0; k < SYSTEMS.length; k++) {
      const s = SYSTEMS[(k + round) % SYSTEMS.length];
      if (!pages[s.id] && s.id !== 'app') continue;
      const one = await coldRun(s);
      (cold[s.id] ??= []).push(one);
      if (one.error) log(`${s.id}: cold start failed: ${one.error}`);
    }
  log(`cold starts done (${((Date.now() - started) / 1000).toFixed(0)} s)`);

  // 5. Every request stayed on our two servers on 127.0.0.1.
  const outside = browser.requestsOutside(appServer.url, raceServer.url);
  if (outside.length) throw new Error(`requests outside 127.0.0.1: ${outside.slice(0, 5).join(', ')}`);
  if (browser.consoleErrors.length) log(`console errors:\n  ${browser.consoleErrors.slice(0, 10).join('\n  ')}`);

  // 6. The report: a markdown table, JSON, and a chart drawn by Chromium itself.
  const summary = PHOTOS.map((p) => ({
    photo: p.name,
    label: p.label,
    bytes: p.buffer.length,
    cells: Object.fromEntries(SYSTEMS.map((s) => {
      const r = results[p.name][s.id];
      const faces = r.faces.length ? median(r.faces) : null;
      const facesVary = new Set(r.faces).size > 1 ? `${Math.min(...r.faces)}–${Math.max(...r.faces)}` : null;
      return [s.id, {
        median: median(r.times), p90: percentile(r.times, 90), n: r.times.length, faces, facesVary,
        note: r.refused ?? (r.errors[0] ? `failed on run ${r.faces.length + 1}: ${r.errors[0]}` : !pages[s.id] ? 'not set up' : undefined),
        times: r.times.map((t) => +t.toFixed(2)),
      }];
    })),
  }));
  const sysLine = (s) => {
    const i = info[s.id] ?? {};
    if (i.error) return `- ${s.label}: setup failed: ${i.error}`;
    return `- ${s.label}: ${i.library}, backend ${i.backend}, ${i.threads} thread(s)` +
      `${i.simd !== undefined ? `, SIMD ${i.simd}, multithread ${i.multithread}` : ''}${i.proxy !== undefined ? `, proxy worker ${i.proxy}` : ''}` +
      `${i.threadsShown ? ` (page shows "${i.threadsShown}")` : ''}${i.config ? `; ${i.config}` : ''}; crossOriginIsolated ${i.crossOriginIsolated}`;
  };
  const hc = info.app?.hardwareConcurrency;
  console.log(`## The race (headless Chromium, navigator.hardwareConcurrency ${hc}, all on WebAssembly)\n`);
  console.log(`Warm-up ${WARMUP} runs per system, then ${ROUNDS} rounds × ${RUNS} runs (12/48 MP: ${BIG_WARMUP}, ` +
    `${BIG_ROUNDS} × ${BIG_RUNS}), systems taking turns, each in its own tab brought to the front. App: in-page time from ` +
    `the file input's change to the result in the slot's DOM. Others: in-page time from the File to the library's result, ` +
    `the browser's decode included. Times in ms: median / p90; faces found in brackets.\n`);
  for (const s of SYSTEMS) console.log(sysLine(s));
  console.log('');
  const peers = SYSTEMS.filter((s) => !['app', 'raw'].includes(s.id));
  console.log(`| photo | ${SYSTEMS.map((s) => s.label).join(' | ')} | ${['raw', ...peers.map((s) => s.id)].map((id) => `app / ${SYSTEMS.find((s) => s.id === id).label}`).join(' | ')} |`);
  console.log(`|---|${SYSTEMS.map(() => '---').join('|')}|${[0, ...peers].map(() => '---').join('|')}|`);
  for (const row of summary) {
    const cell = (c) => (Number.isFinite(c.median) ? `${f(c.median)} / ${f(c.p90)} (${c.facesVary ?? c.faces})` : c.note ?? 'n/a');
    const app = row.cells.app.median;
    console.log(`| ${row.label} | ${SYSTEMS.map((s) => cell(row.cells[s.id])).join(' | ')} | ` +
      `${['raw', ...peers.map((s) => s.id)].map((id) => ratio(app, row.cells[id].median)).join(' | ')} |`);
  }
  console.log(`\n### Cold start: a first visit in a fresh profile (median of ${COLD_RUNS}; ms)\n`);
  console.log('| system | navigation → ready | ready → first result (portrait) | total | downloaded (MB) |');
  console.log('|---|---|---|---|---|');
  const coldSummary = Object.fromEntries(SYSTEMS.filter((s) => cold[s.id]).map((s) => {
    const ok = cold[s.id].filter((c) => !c.error);
    const m = (k) => median(ok.map((c) => c[k]));
    const row = { ready: m('ready'), first: m('first'), total: m('total'), mb: m('mb'), runs: cold[s.id] };
    console.log(`| ${s.label} | ${f(row.ready)} | ${f(row.first)} | ${f(row.total)} | ${Number.isFinite(row.mb) ? row.mb.toFixed(1) : 'n/a'} |`);
    return [s.id, row];
  }));
  const json = { date: new Date().toISOString(), options: { WARMUP, ROUNDS, RUNS, BIG_WARMUP, BIG_ROUNDS, BIG_RUNS, THREADS, COLD_RUNS }, systems: info, photos: summary, cold: coldSummary };
  writeFileSync(join(OUT, 'race.json'), JSON.stringify(json, null, 2));
  console.log(`\nJSON: ${join(OUT, 'race.json')}; chart: ${CHART}; ${((Date.now() - started) / 1000).toFixed(0)} s`);

  const chart = await browser.context.newPage();
  await chart.goto(`${raceServer.url}race/chart.html`);
  await chart.waitForFunction(() => window.drawChart);
  const threadsOf = (id) => info[id]?.threads ?? '?';
  await chart.evaluate((d) => window.drawChart(d), {
    title: 'SimFace app vs. in-browser face libraries: photo file → faces + embedding (median ms, | = p90)',
    subtitle: `headless Chromium, WebAssembly, ${hc} cores; threads: app ${threadsOf('app')}, raw ${threadsOf('raw')}, ` +
      `Human ${threadsOf('human')}, face-api ${threadsOf('faceapi-tiny')} (tfjs-wasm: hardwareConcurrency / 2); ${json.date.slice(0, 10)}\n` +
      'app: file input change → result in the page; others: File → library result, decode included. ' +
      'Human: default face config (maxDetected 1).',
    photos: summary,
    systems: SYSTEMS,
  });
  mkdirSync(join(ROOT, 'docs'), { recursive: true });
  await chart.locator('#chart').screenshot({ path: CHART });
} finally {
  await browser.close();
  await raceServer.close();
  await appServer.close();
}

/** A first visit of system `s` in a fresh browser profile: ms from navigation to ready and from ready to the
 *  portrait's result, and the bytes the page downloaded (transfer sizes of the navigation and its resources). */
async function coldRun(s) {
  const fresh = await Browser.start({ server: appServer });
  try {
    const portrait = PHOTOS[0];
    let page, ready;
    if (s.id === 'app') {
      page = await fresh.open();
      ready = await page.evaluate(() => performance.now());
    } else {
      page = await fresh.context.newPage();
      await page.goto(`${raceServer.url}race/race.html?system=${s.id}`);
      await page.waitForFunction(() => window.race);
      await page.evaluate(([id, t]) => window.race.setup(id, t), [s.id, THREADS]);
      ready = await page.evaluate(() => performance.now());
      await givePhotos(page);
    }
    const one = s.id === 'app' ? await appRun(page, portrait) : await peerRun(page, portrait.name);
    if (one.error || one.refused) return { error: one.error ?? one.refused };
    const bytes = await page.evaluate(() =>
      [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].reduce((n, e) => n + (e.transferSize || 0), 0));
    const outside = fresh.requestsOutside(appServer.url, raceServer.url);
    if (outside.length) throw new Error(`requests outside 127.0.0.1: ${outside.slice(0, 5).join(', ')}`);
    return { ready, first: one.ms, total: ready + one.ms, mb: bytes / 1e6 };
  } catch (e) {
    return { error: String(e.message).split('\n')[0] };
  } finally {
    await fresh.close();
  }
}

/** One app run: the photo into slot A by its file input; the in-page time from the input's input/change event
 *  to the slot's new result (or error) in the DOM, and the faces it says it found. */
async function appRun(page, photo) {
  await page.evaluate(() => {
    const card = document.querySelector('[data-slot=a]');
    const input = document.querySelector('[data-testid=file-a]');
    const st = (window.__race = { phase: 0, t0: null });
    const start = () => (st.t0 ??= performance.now());
    input.addEventListener('input', start, { once: true, capture: true });
    input.addEventListener('change', start, { once: true, capture: true });
    window.__raceObserver?.disconnect();
    const check = () => {
      if (st.phase === 2) return;
      const busy = !card.querySelector('.busy').classList.contains('hidden');
      const done = !card.querySelector('.face-detail').classList.contains('hidden');
      const error = card.querySelector('[data-testid=error-a]');
      if (st.phase === 0 && st.t0 !== null && (busy || !done)) st.phase = 1; // the new job has started
      if (st.phase !== 1 || busy) return;
      if (!error.classList.contains('hidden')) st.error = error.textContent;
      else if (done) st.faces = card.querySelector('[data-testid=faces-a]').textContent;
      else return;
      st.t1 = performance.now();
      st.phase = 2;
    };
    window.__raceObserver = new MutationObserver(check);
    window.__raceObserver.observe(card, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  await page.setInputFiles('[data-testid=file-a]', { name: photo.name, mimeType: 'image/jpeg', buffer: photo.buffer });
  await page.waitForFunction(() => window.__race.phase === 2, null, { timeout: 120_000, polling: 50 });
  const st = await page.evaluate(() => window.__race);
  if (st.error) {
    const limit = /the limit is (\d+ MP)/.exec(st.error)?.[1];
    return limit ? { refused: `refused (limit ${limit})` } : { error: st.error.trim() };
  }
  return { ms: st.t1 - st.t0, faces: Number(/(\d+)/.exec(st.faces)?.[1] ?? NaN) };
}

/** Gives a peer's tab the photos as the app gets them: through a file input, from their bytes. */
async function givePhotos(page) {
  const files = PHOTOS.map((p) => ({ name: p.name, mimeType: 'image/jpeg', buffer: p.buffer }));
  await page.setInputFiles('#photos', files);
  await page.evaluate((names) => window.race.loadPhotos(names), PHOTOS.map((p) => p.name));
}

/** One run of a peer (or the raw floor) in its tab; a crashed tab is an error that says so. */
async function peerRun(page, name) {
  try {
    return await page.evaluate((n) => window.race.run(n), name);
  } catch (e) {
    return { error: `tab failed: ${String(e.message).split('\n')[0]}`, crashed: true };
  }
}

/** A fresh tab for a system whose tab crashed (e.g. out of memory on the 48 MP photo), for the next photos. */
async function reopen(s) {
  const old = pages[s.id];
  await old?.close().catch(() => {});
  try {
    const page = await browser.context.newPage();
    await page.goto(`${raceServer.url}race/race.html?system=${s.id}`);
    await page.waitForFunction(() => window.race);
    await page.evaluate(([id, t]) => window.race.setup(id, t), [s.id, THREADS]);
    await givePhotos(page);
    return page;
  } catch (e) {
    log(`${s.id}: could not reopen its tab: ${e.message.split('\n')[0]}`);
    return null;
  }
}
