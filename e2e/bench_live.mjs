// Live-camera benchmark: headless Chromium with a fake 640×480 webcam playing one person's photo (with
// small movements), that person enrolled, the live view running for a while; prints frames processed
// per second, detection, embedding and liveness times, embeddings and liveness checks per second, sampled
// once a second. Liveness is on (the live view's default): each track is checked every 250 ms on frames
// without an embedding.
//   node e2e/bench_live.mjs [--seconds 60] [--warmup 15]   (warm-up: that many seconds of 30 fps frames)
// Isolated (several ONNX Runtime Web threads) by default; SIMFACE_E2E_NOT_ISOLATED=1 for one thread.
// Needs dist/ (`trunk build --release`).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, ROOT, median, numberOption as opt, sample } from './harness.mjs';
import { photoVideo } from './camera.mjs';

const SECONDS = opt('--seconds', 60);
const WARMUP = opt('--warmup', 15);
const ISOLATED = !process.env.SIMFACE_E2E_NOT_ISOLATED;
if (!existsSync(join(ROOT, 'dist/index.html'))) {
  console.error('bench_live: dist/ is missing; run `trunk build --release` first');
  process.exit(2);
}

const maker = await Browser.start({ isolated: ISOLATED });
let video;
try {
  video = await photoVideo(await maker.open(), 'bench_person', sample('gallery/AJOLIE-001_fe3347c0.jpg'));
} finally {
  await maker.close();
}
const browser = await Browser.start({ isolated: ISOLATED, camera: video, query: '?view=live' });
try {
  const page = await browser.open();
  const threads = await page.evaluate(() => globalThis.ort?.env?.wasm?.numThreads);
  await page.click('[data-testid=camera-toggle]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=live-stats]')?.dataset.frames) > 5, null, { timeout: 60_000 });
  await page.fill('[data-testid=enrol-name]', 'Person');
  await page.click('[data-testid=enrol]');
  await page.waitForSelector('[data-testid=enrol-status][data-state=done]', { timeout: 60_000 });
  // Let the background warm-up runs end and the browser tier the WebAssembly up: WARMUP seconds of frames
  // (counted in frames processed, not wall time: a loaded machine warms up on as many frames).
  const warmed = Number(await page.getAttribute('[data-testid=live-stats]', 'data-frames')) + WARMUP * 30;
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=live-stats]')?.dataset.frames) >= n, warmed,
    { timeout: WARMUP * 4000 + 60_000, polling: 200 });
  const read = () => page.$eval('[data-testid=live-stats]', (e) => ({
    fps: Number(e.dataset.fps), detect: Number(e.dataset.detectMs), embed: Number(e.dataset.embedMs),
    embeds: Number(e.dataset.embedsPerS), frames: Number(e.dataset.frames),
    liveness: Number(e.dataset.livenessMs), checks: Number(e.dataset.livenessPerS),
  }));
  const names = () => page.$$eval('[data-testid=live-faces] li', (l) => l.map((e) => e.dataset.name));
  // Liveness on and off in alternating phases (on, off, on, off), so that both see the same machine: what
  // liveness costs the frame rate, measured, not guessed. The face is enrolled already; both are named.
  const phases = { on: { samples: [], frames: 0, wall: 0, named: 0 }, off: { samples: [], frames: 0, wall: 0, named: 0 } };
  const perPhase = Math.max(5, Math.round(SECONDS / 4));
  for (const mode of ['on', 'off', 'on', 'off']) {
    const p = phases[mode];
    await page.setChecked('[data-testid=require-liveness]', mode === 'on');
    // Until the statistics' one-second window holds this mode only: no liveness check in it when off, checks
    // again when on.
    await page.waitForFunction(
      (on) => {
        const checks = Number(document.querySelector('[data-testid=live-stats]')?.dataset.livenessPerS);
        return on ? checks > 0 : checks === 0;
      },
      mode === 'on',
      { timeout: 30_000, polling: 100 },
    );
    const start = await read();
    const t0 = Date.now();
    for (let i = 0; i < perPhase; i++) {
      // One sample a second of the page's own clock: the statistics are per-second rates.
      await page.waitForFunction((t) => performance.now() >= t, (await page.evaluate(() => performance.now())) + 1000,
        { polling: 50 });
      p.samples.push(await read());
      if ((await names()).includes('Person')) p.named++;
    }
    p.frames += (await read()).frames - start.frames;
    p.wall += (Date.now() - t0) / 1000;
  }
  const m = (p, k) => median(p.samples.map((s) => s[k]));
  const { on, off } = phases;
  console.log(`## Live camera benchmark (headless Chromium, fake 640×480 camera at 30 fps, ${ISOLATED ? 'cross-origin isolated' : 'not isolated'}, ${threads} ONNX Runtime Web thread(s))\n`);
  console.log(`after ${WARMUP * 30} frames of warm-up, one enrolled face in view; liveness ("Require a live face", the default) on ` +
    `and off in alternating phases of ${perPhase} s (${on.wall.toFixed(0)} s on, ${off.wall.toFixed(0)} s off):\n`);
  console.log('| measure | liveness on | liveness off |');
  console.log('| --- | --- | --- |');
  const row = (name, a, b) => console.log(`| ${name} | ${a} | ${b} |`);
  row('frames processed per second (detection on every one)', `${(on.frames / on.wall).toFixed(1)} (per-second median ${m(on, 'fps').toFixed(1)})`,
    `${(off.frames / off.wall).toFixed(1)} (per-second median ${m(off, 'fps').toFixed(1)})`);
  row('detection (YuNet, 320×240 input), ms per frame', m(on, 'detect').toFixed(1), m(off, 'detect').toFixed(1));
  row('embedding (EdgeFace-XS model call), ms per face', m(on, 'embed').toFixed(1), m(off, 'embed').toFixed(1));
  row('embeddings per second', m(on, 'embeds').toFixed(1), m(off, 'embeds').toFixed(1));
  row('liveness (both MiniFASNet models, their crops from the 640×480 frame included), ms per face', m(on, 'liveness').toFixed(1), '–');
  row('liveness checks per second', m(on, 'checks').toFixed(1), '–');
  row('seconds in which the face was named correctly', `${on.named} of ${on.samples.length}`, `${off.named} of ${off.samples.length}`);
} finally {
  await browser.close();
}
