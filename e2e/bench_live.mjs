// Live-camera benchmark: headless Chromium with a fake 640×480 webcam playing one person's photo (with
// small movements), that person enrolled, the live view running for a while; prints frames processed
// per second, detection and embedding times and embeddings per second, sampled once a second.
//   node e2e/bench_live.mjs [--seconds 60] [--warmup 15]
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
  // Let the background warm-up runs end and the browser tier the WebAssembly up.
  await page.waitForTimeout(WARMUP * 1000);
  const read = () => page.$eval('[data-testid=live-stats]', (e) => ({
    fps: Number(e.dataset.fps), detect: Number(e.dataset.detectMs), embed: Number(e.dataset.embedMs),
    embeds: Number(e.dataset.embedsPerS), frames: Number(e.dataset.frames),
  }));
  const names = () => page.$$eval('[data-testid=live-faces] li', (l) => l.map((e) => e.dataset.name));
  const start = await read();
  const t0 = Date.now();
  const samples = [];
  let named = 0;
  for (let i = 0; i < SECONDS; i++) {
    await page.waitForTimeout(1000);
    samples.push(await read());
    if ((await names()).includes('Person')) named++;
  }
  const end = await read();
  const wall = (Date.now() - t0) / 1000;
  const m = (k) => median(samples.map((s) => s[k]));
  console.log(`## Live camera benchmark (headless Chromium, fake 640×480 camera at 30 fps, ${ISOLATED ? 'cross-origin isolated' : 'not isolated'}, ${threads} ONNX Runtime Web thread(s))\n`);
  console.log(`over ${wall.toFixed(0)} s after ${WARMUP} s of warm-up, one enrolled face in view:\n`);
  console.log('| measure | value |');
  console.log('| --- | --- |');
  console.log(`| frames processed per second (detection on every one) | ${((end.frames - start.frames) / wall).toFixed(1)} (per-second samples: median ${m('fps').toFixed(1)}) |`);
  console.log(`| detection (YuNet, 320×240 input), ms per frame | ${m('detect').toFixed(1)} |`);
  console.log(`| embedding (EdgeFace-XS model call), ms per face | ${m('embed').toFixed(1)} |`);
  console.log(`| embeddings per second | ${m('embeds').toFixed(1)} |`);
  console.log(`| seconds in which the face was named correctly | ${named} of ${SECONDS} |`);
} finally {
  await browser.close();
}
