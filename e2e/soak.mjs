// Soak: does the page keep its memory over a long session? Two runs in headless Chromium, each sampling after a
// forced garbage collection (CDP HeapProfiler.collectGarbage): the JS heap in use (Runtime.getHeapUsage), the
// DOM's counts (Memory.getDOMCounters: nodes, JS event listeners), the app's wasm memory and onnxruntime-web's
// (every WebAssembly.Memory the page makes is recorded by an init script; onnxruntime-web's threads are workers
// sharing its one memory, so its size covers them).
//  - live: the fake webcam plays one person, who is enrolled; the live view runs for --minutes (10), its name
//    checked after every 30 frames the page processes (a second of the fake camera's); the camera is turned off
//    and on again every --restart seconds (60), so that what a
//    camera start leaks shows too.
//  - photos: --photos (200) shared photos dropped one after another into the compare view's two slots, each
//    analysed and compared.
// After the warm-up (the live view's first --warmup seconds; one pass over the photos) every series must stay flat:
// the mean of the last three samples within 5 % of the mean of the first three after the warm-up (wasm memories
// never shrink, so for them this is the growth of the high-water mark). Writes target/soak/soak.json and
// docs/soak.png; exits with 1 if a series grew past the bound or the person was not named.
//   node e2e/soak.mjs [--minutes 10] [--warmup 60] [--restart 60] [--photos 200] [--only live|photos] [--chart]
// Needs dist/ (`trunk build --release`). Not part of `make test` (it takes ~15 minutes): `make soak`.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, ROOT, numberOption as opt, sample, settle, slotJob } from './harness.mjs';
import { photoVideo } from './camera.mjs';

const MINUTES = opt('--minutes', 10);
const WARMUP_S = opt('--warmup', 60);
const RESTART_S = opt('--restart', 60);
const PHOTOS = opt('--photos', 200);
const BOUND = 0.05;
const args = process.argv.slice(2);
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const OUT = join(ROOT, 'target/soak');
const CHART = join(ROOT, 'docs/soak.png');
if (!existsSync(join(ROOT, 'dist/index.html'))) {
  console.error('soak: dist/ is missing; run `trunk build --release` first');
  process.exit(2);
}

/** Records every WebAssembly.Memory the page creates or instantiates, and marks the app's (from Trunk's
 *  start-up event), before any of the page's scripts run. */
function recordMemories() {
  const memories = (window.__soakMemories = []);
  const record = (m) => m instanceof WebAssembly.Memory && !memories.includes(m) && memories.push(m);
  const Memory = WebAssembly.Memory;
  WebAssembly.Memory = new Proxy(Memory, {
    construct(target, argv, newTarget) {
      const m = Reflect.construct(target, argv, newTarget);
      record(m);
      return m;
    },
  });
  const exported = (result) => {
    const instance = result?.instance ?? result;
    if (instance instanceof WebAssembly.Instance) Object.values(instance.exports).forEach(record);
    return result;
  };
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const original = WebAssembly[name];
    WebAssembly[name] = (...a) => original.apply(WebAssembly, a).then(exported);
  }
  addEventListener('TrunkApplicationStarted', (e) => {
    window.__soakAppMemory = e.detail.wasm.memory;
    record(e.detail.wasm.memory);
  });
}

/** One sample: garbage collected first, then every counter, in MB where it is bytes. */
async function measure(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const dom = await cdp.send('Memory.getDOMCounters');
  const wasm = await page.evaluate(() => {
    const app = window.__soakAppMemory;
    const others = (window.__soakMemories ?? []).filter((m) => m !== app);
    return { app: app?.buffer.byteLength ?? 0, ort: others.reduce((n, m) => n + m.buffer.byteLength, 0), count: others.length };
  });
  const mb = (b) => b / 1048576;
  return {
    jsHeapMb: mb(heap.usedSize),
    appWasmMb: mb(wasm.app),
    ortWasmMb: mb(wasm.ort),
    ortMemories: wasm.count,
    nodes: dom.nodes,
    listeners: dom.jsEventListeners,
  };
}

const SERIES = ['jsHeapMb', 'appWasmMb', 'ortWasmMb', 'nodes', 'listeners'];

/** Each series' growth after the warm-up: the last three samples' mean against the first three's. */
function growth(samples) {
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return Object.fromEntries(SERIES.map((k) => {
    const first = mean(samples.slice(0, 3).map((s) => s[k]));
    const last = mean(samples.slice(-3).map((s) => s[k]));
    return [k, { first, last, growth: first > 0 ? (last - first) / first : 0 }];
  }));
}

function report(name, g) {
  let ok = true;
  for (const k of SERIES) {
    const { first, last, growth: r } = g[k];
    const flat = r < BOUND;
    ok &&= flat;
    console.log(`  ${name} ${k.padEnd(10)} ${first.toFixed(2).padStart(8)} → ${last.toFixed(2).padStart(8)}  ` +
      `${(100 * r).toFixed(1).padStart(6)} %  ${flat ? 'flat' : `GREW (bound ${100 * BOUND} %)`}`);
  }
  return ok;
}

async function soakLive() {
  const maker = await Browser.start();
  let video;
  try {
    video = await photoVideo(await maker.open(), 'soak_person', sample('gallery/AJOLIE-001_fe3347c0.jpg'));
  } finally {
    await maker.close();
  }
  const browser = await Browser.start({ camera: video, query: '?view=live' });
  try {
    await browser.context.addInitScript(recordMemories);
    const page = await browser.open();
    const cdp = await browser.context.newCDPSession(page);
    const frames = () => page.$eval('[data-testid=live-stats]', (e) => Number(e.dataset.frames));
    // On once a face is listed (each start counts its frames from zero, so the count says nothing at first).
    // Waits for a selector without keeping the element: the handle waitForSelector returns would keep the node
    // alive after the page drops it (one "detached" <li> per camera restart, in the DOM count, was this).
    const appears = async (selector) => (await page.waitForSelector(selector, { timeout: 60_000 })).dispose();
    const cameraOn = async () => {
      await page.click('[data-testid=camera-toggle]');
      await appears('[data-testid=live-faces] li');
    };
    await cameraOn();
    await page.fill('[data-testid=enrol-name]', 'Person');
    await page.click('[data-testid=enrol]');
    await appears('[data-testid=enrol-status][data-state=done]');
    const t0 = Date.now();
    const elapsed = () => (Date.now() - t0) / 1000;
    const samples = [];
    let checked = 0;
    let named = 0;
    let restarts = 0;
    let nextRestart = RESTART_S;
    let nextSample = WARMUP_S;
    while (elapsed() < WARMUP_S + MINUTES * 60) {
      const second = Math.floor(elapsed());
      if (second >= nextRestart) {
        await page.click('[data-testid=camera-toggle]');
        await page.waitForFunction(() => document.querySelectorAll('[data-testid=live-faces] li').length === 0, null, { timeout: 30_000 });
        await cameraOn();
        // A new camera is a new track: named again once its liveness and first embedding are in.
        await appears('[data-testid=live-faces] li[data-name=Person]');
        restarts++;
        nextRestart += RESTART_S;
      }
      if (second >= WARMUP_S) {
        const names = await page.$$eval('[data-testid=live-faces] li', (l) => l.map((e) => e.dataset.name));
        checked++;
        if (names.length === 1 && names[0] === 'Person') named++;
      }
      if (second >= nextSample) {
        samples.push({ t: (elapsed() - WARMUP_S) / 60, frames: await frames(), ...(await measure(page, cdp)) });
        nextSample += 15;
      }
      // The next check once the camera has delivered another second of frames (30 at the fake camera's rate)
      // and the page has processed them; a restart above counts from zero again.
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid=live-stats]')?.dataset.frames) >= n,
        (await frames()) + 30, { timeout: 60_000, polling: 100 });
    }
    await page.click('[data-testid=camera-toggle]');
    console.log(`live: ${MINUTES} min after ${WARMUP_S} s of warm-up, camera restarted ${restarts} times; ` +
      `named "Person" in ${named} of ${checked} checks (one per 30 frames); ${samples.length} samples`);
    return { samples, checked, named, restarts };
  } finally {
    await browser.close();
  }
}

async function soakPhotos() {
  const dirs = ['gallery', 'probe', 'groups', 'simface'];
  const files = dirs.flatMap((d) => readdirSync(sample(d)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).map((f) => sample(`${d}/${f}`)));
  const browser = await Browser.start();
  try {
    await browser.context.addInitScript(recordMemories);
    const page = await browser.open();
    const cdp = await browser.context.newCDPSession(page);
    const samples = [];
    let errors = 0;
    // The warm-up is one pass over the photos, rounded up to the sampling step: onnxruntime-web's memory grows
    // to the largest input's needs the first time it meets it (a group photo), and stays there.
    const warmup = Math.ceil(files.length / 10) * 10;
    for (let i = 0; i < PHOTOS; i++) {
      const slot = i % 2 ? 'b' : 'a';
      const job = await slotJob(page, slot);
      await page.setInputFiles(`[data-testid=file-${slot}]`, files[i % files.length]);
      await settle(page, slot, job);
      if (await page.$eval(`[data-testid=error-${slot}]`, (e) => !e.classList.contains('hidden'))) errors++;
      if ((i + 1) >= warmup && (i + 1) % 10 === 0) samples.push({ t: i + 1, ...(await measure(page, cdp)) });
    }
    console.log(`photos: ${PHOTOS} dropped (${files.length} different, ${errors} showing an error, e.g. no face), ` +
      `${samples.length} samples after the first ${warmup}`);
    return { samples, files: files.length, errors };
  } finally {
    await browser.close();
  }
}

/** docs/soak.png: each run's series against time (minutes) or photos, drawn as SVG in the page. */
async function chart(results) {
  const panels = Object.entries(results).map(([name, r]) => ({ name, samples: r.samples }));
  const colours = { jsHeapMb: '#1f77b4', appWasmMb: '#d62728', ortWasmMb: '#2ca02c', nodes: '#9467bd', listeners: '#ff7f0e' };
  const W = 640;
  const H = 320;
  const svgs = panels.map(({ name, samples }) => {
    const xs = samples.map((s) => s.t);
    const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
    const X = (t) => 50 + ((t - x0) / (x1 - x0 || 1)) * (W - 70);
    // Each series relative to its first sample after warm-up (1.0 = unchanged), so MB and counts share an axis.
    const ratios = SERIES.map((k) => samples.map((s) => s[k] / (samples[0][k] || 1)));
    const lo = Math.min(0.9, ...ratios.flat());
    const hi = Math.max(1.1, ...ratios.flat());
    const Y = (v) => 30 + (1 - (v - lo) / (hi - lo)) * (H - 90);
    const lines = SERIES.map((k, i) =>
      `<polyline fill="none" stroke="${colours[k]}" stroke-width="2" points="${ratios[i].map((v, j) => `${X(xs[j]).toFixed(1)},${Y(v).toFixed(1)}`).join(' ')}"/>`);
    const ticks = [lo, 0.95, 1, 1.05, hi].map((v) =>
      `<line x1="50" x2="${W - 20}" y1="${Y(v)}" y2="${Y(v)}" stroke="${v === 1 ? '#888' : '#ddd'}" stroke-dasharray="${v === 1 ? '' : '4 3'}"/>` +
      `<text x="44" y="${Y(v) + 4}" text-anchor="end">${v.toFixed(2)}</text>`);
    const first = samples[0];
    const legend = SERIES.map((k, i) =>
      `<text x="${50 + (i % 3) * 200}" y="${H - 26 + Math.floor(i / 3) * 15}" fill="${colours[k]}">${k} (${first[k].toFixed(k.endsWith('Mb') ? 1 : 0)}${k.endsWith('Mb') ? ' MB' : ''} at start)</text>`);
    const unit = name === 'live' ? 'minutes after warm-up' : 'photos dropped';
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">` +
      `<text x="50" y="18" font-size="13" font-weight="bold">${name}: memory relative to the first sample (dashed: ±5 %)</text>` +
      ticks.join('') + lines.join('') +
      `<text x="${W / 2}" y="${H - 44}" text-anchor="middle">${unit}: ${x0.toFixed(name === 'live' ? 1 : 0)} … ${x1.toFixed(name === 'live' ? 1 : 0)}</text>` +
      legend.join('') + '</svg>';
  });
  const browser = await Browser.start();
  try {
    const page = await browser.context.newPage();
    await page.setContent(`<div id="chart" style="display:inline-flex;gap:12px;background:#fff;padding:8px">${svgs.join('')}</div>`);
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    await page.locator('#chart').screenshot({ path: CHART });
  } finally {
    await browser.close();
  }
}

// --chart: only draw docs/soak.png again from the last run's target/soak/soak.json.
if (args.includes('--chart')) {
  await chart(JSON.parse(readFileSync(join(OUT, 'soak.json'), 'utf8')).results);
  process.exit(0);
}
const results = {};
if (ONLY !== 'photos') results.live = await soakLive();
if (ONLY !== 'live') results.photos = await soakPhotos();
let ok = true;
for (const [name, r] of Object.entries(results)) {
  console.log(`${name}:`);
  r.growth = growth(r.samples);
  ok = report(name, r.growth) && ok;
}
if (results.live && results.live.named < results.live.checked) {
  console.log(`live: the person was not named in ${results.live.checked - results.live.named} seconds`);
  ok = false;
}
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'soak.json'), JSON.stringify({ date: new Date().toISOString(), bound: BOUND, results }, null, 2));
await chart(results);
console.log(`JSON: ${join(OUT, 'soak.json')}; chart: ${CHART}; ${ok ? 'every series flat' : 'NOT FLAT'}`);
process.exit(ok ? 0 : 1);
