// The gallery holds biometric templates. Its export says so; "Delete all" leaves nothing that could identify a
// person anywhere the page stores things (IndexedDB, the Cache API with the service worker's caches, localStorage),
// for every model's gallery, not only the one shown. And files from outside are measured before they are read: a gallery file over
// 32 MB and a photo over 128 MB are refused with the limit, without the page's wasm memory growing by them.
import { openSync, closeSync, ftruncateSync, writeSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Browser, ROOT, assert, ensureOut, galleryLoaded, sample } from './harness.mjs';

const PEOPLE = ['Denzel', 'Kate'];

async function ready(page) {
  await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
  await galleryLoaded(page);
}

/** Enrols `name` from a photo file and waits for the gallery to list them. */
async function enrol(page, name, file) {
  await page.fill('[data-testid=photo-name]', name);
  await page.setInputFiles('[data-testid=enrol-photo]', file);
  await page.waitForSelector(`[data-testid=person][data-name="${name}"]`, { timeout: 60_000 });
}

/** The gallery card's error once it shows one (the previous text is cleared by each action). */
async function galleryError(page) {
  await page.waitForFunction(() => !document.querySelector('[data-testid=gallery-error]').classList.contains('hidden'),
    null, { timeout: 30_000 });
  return (await page.textContent('[data-testid=gallery-error]')).trim();
}

/** Bytes of the app's wasm memory (it only grows: a file copied into it shows as growth). */
async function wasmBytes(page) {
  return page.evaluate(() => window.__simfaceWasmMemory?.buffer.byteLength ?? -1);
}

/** A file of `bytes` bytes starting with `head` (sparse: the disk holds almost nothing). */
function bigFile(name, bytes, head) {
  const path = join(ensureOut(), name);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, head);
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Every file the build serves, as URL paths ('/', '/index.html', '/models/yunet.onnx', …). */
function servedPaths(dir = join(ROOT, 'dist'), out = new Set(['/'])) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) servedPaths(path, out);
    else out.add(`/${relative(join(ROOT, 'dist'), path)}`);
  }
  return out;
}

/** What the page keeps: IndexedDB databases, every Cache API entry (URL and size), localStorage. */
async function stored(page) {
  return page.evaluate(async () => {
    const databases = (await indexedDB.databases()).map((d) => d.name);
    const cached = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        const body = await (await cache.match(request)).text();
        cached.push({ cache: name, url: request.url, body: body.slice(0, 1 << 20) });
      }
    }
    const local = Object.entries(localStorage);
    return { databases, cached, local };
  });
}

export default async function ({ browser, log }) {
  const url = browser.server.url;
  // A browser of its own, with the service worker allowed (the runner's blocks it), so that its caches are
  // checked too.
  const b = await Browser.start({ server: browser.server, serviceWorkers: 'allow', query: '?view=live&model=xs' });
  // The wasm module's memory, from Trunk's start-up event (the bindings do not export it).
  await b.context.addInitScript(() => {
    addEventListener('TrunkApplicationStarted', (e) => { window.__simfaceWasmMemory = e.detail.wasm.memory; });
  });
  try {
    const page = await b.open();
    await galleryLoaded(page);
    await enrol(page, PEOPLE[0], sample('gallery/DWASHT-001_d3323f3c.jpg'));

    const download = page.waitForEvent('download');
    await page.click('[data-testid=export]');
    const exported = JSON.parse(readFileSync(await (await download).path(), 'utf8'));
    log(`export notice: "${exported.notice}"`);
    assert(/biometric templates/.test(exported.notice ?? '') && exported.people.length === 1, 'the export does not say what it holds');
    const firstKey = Object.keys(exported)[0];
    assert(firstKey === 'format' && Object.keys(exported)[1] === 'notice', `the notice is not at the top: ${Object.keys(exported)}`);

    // A second gallery, of the other model: "Delete all" must remove it too.
    await page.goto(`${url}?view=live&model=xxs`);
    await ready(page);
    await enrol(page, PEOPLE[1], sample('gallery/KWINSL-008_6c01eb52.jpg'));
    // The worker controls the page once everything is precached.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 180_000 });
    const before = await stored(page);
    const keptBefore = before.cached.length;
    assert(before.databases.includes('simface'), 'nothing in IndexedDB after enrolling');
    assert(before.cached.some((e) => e.cache.startsWith('simface-app-')), 'the service worker cached nothing');

    await page.click('[data-testid=delete-all]');
    await page.click('[data-testid=delete-all]');
    await page.waitForFunction(
      () => /Deleted everyone, for every model/.test(document.querySelector('[data-testid=gallery-message]')?.textContent ?? ''),
      null, { timeout: 30_000 });
    const after = await stored(page);
    log(`after Delete all: databases ${JSON.stringify(after.databases)}, ${after.cached.length} Cache API entries ` +
      `(${keptBefore} before), localStorage keys ${JSON.stringify(after.local.map(([k]) => k))}`);
    assert(!after.databases.includes('simface'), `IndexedDB still holds the gallery database: ${after.databases}`);
    const served = servedPaths();
    for (const entry of after.cached) {
      const path = decodeURIComponent(new URL(entry.url).pathname);
      assert(served.has(path), `the Cache API holds something the build does not serve: ${entry.url} (${entry.cache})`);
      for (const name of PEOPLE) assert(!entry.body.includes(name), `a cached ${path} names ${name}`);
    }
    for (const [key, value] of after.local) {
      for (const name of PEOPLE) assert(!value.includes(name), `localStorage ${key} names ${name}`);
      assert(!/templates|embedding/.test(value), `localStorage ${key} holds templates`);
    }
    for (const model of ['xs', 'xxs']) {
      await page.goto(`${url}?view=live&model=${model}`);
      await ready(page);
      const n = await page.$$eval('[data-testid=person]', (l) => l.length);
      assert(n === 0, `${model}: ${n} people after Delete all and a reload`);
    }

    // Limits before reading: nothing of these files reaches wasm memory.
    const memoryBefore = await wasmBytes(page);
    assert(memoryBefore > 0, 'the wasm memory was not found');
    const gallery = bigFile('gallery-33mb.json', 33 * 1024 * 1024, '{"format": "simface-gallery", "people": [');
    await page.setInputFiles('[data-testid=import-file]', gallery);
    const importError = await galleryError(page);
    log(`33 MB gallery file: ${importError}`);
    assert(/gallery-33mb\.json: the file is 33 MB; the limit is 32 MB/.test(importError), `import: ${importError}`);

    const photo = bigFile('photo-129mb.jpg', 129 * 1024 * 1024, Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
    await page.setInputFiles('[data-testid=enrol-photo]', photo);
    await page.waitForFunction(() => /the limit is 128 MB/.test(document.querySelector('[data-testid=gallery-error]').textContent),
      null, { timeout: 30_000 });
    const enrolError = (await page.textContent('[data-testid=gallery-error]')).trim();
    log(`129 MB photo to enrol: ${enrolError}`);
    assert(/photo-129mb\.jpg: the file is 129 MB; the limit is 128 MB/.test(enrolError), `enrol: ${enrolError}`);
    const grown = (await wasmBytes(page)) - memoryBefore;
    log(`wasm memory grew by ${(grown / 1048576).toFixed(1)} MB over both refusals`);
    assert(grown < 8 * 1024 * 1024, `wasm memory grew by ${grown} bytes: a refused file was read`);
    const foreign = b.foreignRequests();
    assert(foreign.length === 0, `requests to other origins: ${foreign.join(', ')}`);
  } finally {
    await b.close();
  }
}
