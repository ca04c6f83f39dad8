// What the browser tests share: the system Chromium driven by playwright-core (never a downloaded
// browser), the app served from dist/ on localhost, a log of every request the page makes, and the
// native CLI's answers to compare with.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serve } from './serve.mjs';

export const ROOT = resolve(new URL('..', import.meta.url).pathname);
export const SAMPLES = join(ROOT, 'assets/samples');
export const OUT = join(ROOT, 'target/e2e');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Every console error (`console.error`, from the page or its workers) and every uncaught page error of
 *  every browser the tests start, in order. The runner fails a spec on any of them that the spec does not
 *  allow by name (its `export const allowedConsoleErrors = [/…/]`, for errors it provokes on purpose). */
export const consoleErrors = [];

export class Browser {
  /** `camera`: a .y4m file that Chromium plays as the webcam (permission granted); `denyCamera`: a fake
   *  camera whose permission is refused; `server`: reuse another Browser's server; `webgpu`: give the page
   *  a WebGPU adapter, the software one (SwiftShader: vendor "google", architecture "swiftshader"), which
   *  needs the GPU process, so without `--disable-gpu`; `serviceWorkers: 'allow'`: let the page register its
   *  service worker (offline use). Blocked by default: a worker answers requests from its caches, where
   *  `page.route` never sees them, and after the first visit it would download every model in the background;
   *  only the offline and update specs are about it. */
  static async start({ isolated = true, query = '', camera = null, denyCamera = false, server = null, webgpu = false, serviceWorkers = 'block' } = {}) {
    const b = new Browser();
    // SIMFACE_E2E_URL: test an app that some other static server serves (e.g. `python3 -m http.server`).
    const external = process.env.SIMFACE_E2E_URL;
    b.ownsServer = !server;
    b.server = server
      ? server
      : external
        ? { url: external.endsWith('/') ? external : `${external}/`, close: async () => {} }
        : await serve({ dir: join(ROOT, 'dist'), isolated });
    // The page's address: the server's root, plus `query` (e.g. '?inference=worker').
    b.pageUrl = b.server.url + query;
    b.profile = mkdtempSync(join(tmpdir(), 'simface-chromium-'));
    b.context = await chromium.launchPersistentContext(b.profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        ...FLAGS.filter((f) => !(webgpu && f === '--disable-gpu')),
        ...(webgpu ? ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'] : []),
        ...(camera || denyCamera ? ['--use-fake-device-for-media-stream'] : []),
        ...(camera ? ['--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${camera}`] : []),
        ...(denyCamera ? ['--deny-permission-prompts'] : []),
      ],
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
      serviceWorkers,
    });
    b.requests = [];
    b.consoleErrors = [];
    b.context.on('request', (r) => b.requests.push(r.url()));
    // On the context, so that pages opened later and their workers are covered too.
    const note = (text) => {
      b.consoleErrors.push(text);
      consoleErrors.push(text);
    };
    b.context.on('console', (m) => {
      if (m.type() !== 'error') return;
      const at = m.location?.();
      note(`console.error: ${m.text()}${at?.url ? ` (${at.url}:${at.lineNumber})` : ''}`);
    });
    b.context.on('weberror', (e) => note(`page error: ${e.error()?.stack || e.error()}`));
    return b;
  }

  async open() {
    const page = this.context.pages()[0] || (await this.context.newPage());
    const t0 = Date.now();
    await page.goto(this.pageUrl);
    await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
    page.readyAfterMs = Date.now() - t0;
    return page;
  }

  /** Requests that did not go to our localhost server (data: and blob: URLs are in-page). */
  foreignRequests() {
    return this.requests.filter((u) => !u.startsWith(this.server.url) && !/^(data|blob):/.test(u));
  }

  /** Requests that went to none of `urls` (servers' base addresses) and are not in-page (data:, blob:);
   *  for a page that several of our own servers serve. */
  requestsOutside(...urls) {
    return this.requests.filter((u) => !urls.some((base) => u.startsWith(base)) && !/^(data|blob):/.test(u));
  }

  async close() {
    await this.context.close();
    if (this.ownsServer) await this.server.close();
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** The native CLI (release build if there is one, else the debug build that `cargo test` made). */
function cli() {
  // The newer of the two builds (`make test` has just built the debug one with `cargo test`).
  const built = ['target/release/simface', 'target/debug/simface']
    .map((p) => join(ROOT, p))
    .filter((p) => existsSync(p))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (built.length) return built[0];
  execFileSync('cargo', ['build', '--release', '--bin', 'simface'], { cwd: ROOT, stdio: 'inherit' });
  return join(ROOT, 'target/release/simface');
}

export function nativeJson(...args) {
  const env = { ...process.env, ORT_DYLIB_PATH: process.env.ORT_DYLIB_PATH || join(ROOT, '.tools/lib/libonnxruntime.so') };
  return JSON.parse(execFileSync(cli(), [...args, '--json'], { cwd: ROOT, env, maxBuffer: 64 << 20 }).toString());
}

/** Puts a file (a path, or { name, mimeType, buffer }) into slot 'a' or 'b' and waits until it settles. */
export async function putPhoto(page, slot, file) {
  const job = await slotJob(page, slot);
  await page.setInputFiles(`[data-testid=file-${slot}]`, file);
  await settle(page, slot, job);
}

/** The slot's job counter (`data-job`): it grows each time the slot starts on a photo. */
export async function slotJob(page, slot) {
  return Number(await page.getAttribute(`[data-slot=${slot}]`, 'data-job'));
}

/** Waits until a slot has a compared face or an error, for a job later than `afterJob` when given (so
 *  that the state a previous photo left is not taken for the new one's). */
export async function settle(page, slot, afterJob = -1) {
  await page.waitForFunction(
    ([s, after]) => {
      const card = document.querySelector(`[data-slot=${s}]`);
      if (Number(card.dataset.job) <= after) return false;
      const busy = card.querySelector('.busy');
      const error = card.querySelector('[data-testid=error-' + s + ']');
      const done = !card.querySelector('.face-detail').classList.contains('hidden');
      return busy.classList.contains('hidden') && (done || !error.classList.contains('hidden'));
    },
    [slot, afterJob],
    { timeout: 60_000 },
  );
}

export async function similarity(page) {
  await page.waitForSelector('[data-testid=similarity]', { timeout: 30_000 });
  return Number(await page.getAttribute('[data-testid=similarity]', 'data-value'));
}

export async function verdict(page) {
  return (await page.textContent('[data-testid=verdict]')).trim();
}

/** Waits until the gallery card has loaded the stored gallery of the model in use: the app sets
 *  `data-state="loaded"` on `[data-testid=gallery]` once that load has finished. Before that, what the
 *  card lists says nothing, and an enrolment or import could be replaced by the stored gallery. */
export async function galleryLoaded(page) {
  await page.waitForSelector('[data-testid=gallery][data-state=loaded]', { timeout: 30_000 });
}

export function sample(rel) {
  return join(SAMPLES, rel);
}

export function ensureOut() {
  mkdirSync(OUT, { recursive: true });
  return OUT;
}

/** A numeric command-line option of a benchmark script (`--runs 40`), or `def`. */
export function numberOption(name, def) {
  const args = process.argv.slice(2);
  return args.includes(name) ? Number(args[args.indexOf(name) + 1]) : def;
}

/** The median of a list of numbers (NaN when empty). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The `p`-th percentile (0–100) of a list of numbers, nearest rank (NaN when empty). */
export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** The console errors from index `since` on that none of `allowed` (regular expressions) matches. */
export function unexpectedConsoleErrors(since, allowed = []) {
  return consoleErrors.slice(since).filter((e) => !allowed.some((re) => re.test(e)));
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** How close a browser score must be to the native CLI's with the fp32 models and YuNet (README, "The web app":
 *  "browser scores are within 0.01 of the CLI's"). The page decodes photos with the browser's decoder, which
 *  differs from the CLI's by a grey level here and there (browser_decode_agrees_with_cli.spec.mjs: embeddings
 *  of the same portrait face at cosine ≥ 0.999), so scores are not the CLI's to the last digit; 0.01 is a
 *  hundredth of the score's range and far from deciding anything (same-person pairs score above 0.5,
 *  different people below 0.25). The int8 models and SeetaFace are compared more loosely, and say why. */
export const PARITY = 0.01;

export function near(a, b, tol, what) {
  assert(Number.isFinite(a) && Number.isFinite(b), `${what}: browser ${a} vs native ${b}`);
  assert(Math.abs(a - b) <= tol, `${what}: browser ${a.toFixed(6)} vs native ${b.toFixed(6)} (|diff| ${Math.abs(a - b).toExponential(2)} > ${tol})`);
}

/** `bytes` (an image file) decoded by the page, scaled to `width`×`height` ('high' quality; default: its own
 *  size), turned clockwise by `degrees` onto a canvas that holds all of it (black around it), and encoded again
 *  as `type` (JPEG quality 90 by default): the pixels themselves are scaled and turned, no EXIF says so. */
export async function reencodeInPage(page, bytes, { width, height, degrees = 0, type = 'image/jpeg' } = {}) {
  const b64 = await page.evaluate(async ({ data, width, height, degrees, type }) => {
    const source = await createImageBitmap(new Blob([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))]));
    const bmp = width ? await createImageBitmap(source, { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' }) : source;
    const t = (degrees * Math.PI) / 180;
    const [w, h] = [bmp.width, bmp.height];
    const [c, s] = [Math.abs(Math.cos(t)), Math.abs(Math.sin(t))];
    // Quarter turns swap the sides exactly; other angles take the rotated photo's bounding box.
    const [nw, nh] = degrees % 90 === 0 ? (degrees % 180 === 0 ? [w, h] : [h, w]) : [Math.ceil(w * c + h * s), Math.ceil(w * s + h * c)];
    const canvas = new OffscreenCanvas(nw, nh);
    const g = canvas.getContext('2d');
    g.fillStyle = '#000';
    g.fillRect(0, 0, nw, nh);
    g.translate(nw / 2, nh / 2);
    g.rotate(t);
    g.drawImage(bmp, -w / 2, -h / 2);
    const out = new Uint8Array(await (await canvas.convertToBlob({ type, quality: 0.9 })).arrayBuffer());
    let str = '';
    for (let i = 0; i < out.length; i += 0x8000) str += String.fromCharCode(...out.subarray(i, i + 0x8000));
    return btoa(str);
  }, { data: Buffer.from(bytes).toString('base64'), width, height, degrees, type });
  return Buffer.from(b64, 'base64');
}
