// The live camera (Chromium's fake webcam playing a shared photo with small movements): enrol person A
// from A's video, then A's face is named and B's face is "unknown"; the gallery survives a reload,
// exports to JSON and imports again into a cleared gallery with the same matches; another model's
// export is refused; rename and delete work.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, assert, ensureOut, galleryLoaded, sample } from './harness.mjs';
import { photoVideo } from './camera.mjs';

const NAME = 'Angelina Jolie';

/** Opens the live view with a camera playing `video`; returns { browser, page }. */
export async function liveBrowser(server, video) {
  const browser = await Browser.start({ server, camera: video, query: '?view=live' });
  const page = await browser.open();
  await galleryLoaded(page);
  return { browser, page };
}

export async function startCamera(page) {
  await page.click('[data-testid=camera-toggle]');
  await page.waitForFunction(
    () => Number(document.querySelector('[data-testid=live-stats]')?.dataset.frames) >= 3, null, { timeout: 60_000 });
}

/** Waits until the live list shows a face named `name`; returns its score. */
export async function seen(page, name, timeout = 30_000) {
  const h = await page.waitForFunction(
    (n) => [...document.querySelectorAll('[data-testid=live-faces] li')].find((li) => li.dataset.name === n && li.dataset.score !== '')?.dataset.score,
    name, { timeout, polling: 100 });
  return Number(await h.jsonValue());
}

async function galleryNames(page) {
  return page.$$eval('[data-testid=person]', (l) => l.map((e) => e.dataset.name));
}

/** The IndexedDB record of the gallery for `model` (database `simface`, store `galleries`, key
 *  `gallery-<model>`), or null when there is none. Never creates the database. */
async function storedGallery(page, model) {
  return page.evaluate(async (key) => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'simface')) return null;
    return new Promise((resolve, reject) => {
      const open = indexedDB.open('simface');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('galleries')) {
          db.close();
          resolve(null);
          return;
        }
        const get = db.transaction('galleries').objectStore('galleries').get(key);
        get.onsuccess = () => {
          db.close();
          resolve(get.result ?? null);
        };
        get.onerror = () => {
          db.close();
          reject(get.error);
        };
      };
    });
  }, `gallery-${model}`);
}

/** Waits until the live view has processed `count` more frames than it has now. */
async function moreFrames(page, count) {
  const now = Number(await page.getAttribute('[data-testid=live-stats]', 'data-frames'));
  await page.waitForFunction(
    (n) => Number(document.querySelector('[data-testid=live-stats]')?.dataset.frames) >= n, now + count, { timeout: 60_000 });
  return now + count;
}

export default async function ({ browser, page, log }) {
  const videoA = await photoVideo(page, 'person_a', sample('gallery/AJOLIE-001_fe3347c0.jpg'));
  const videoB = await photoVideo(page, 'person_b', sample('gallery/BPITT1-001_c04300ef.jpg'));
  const exportFile = join(ensureOut(), 'gallery_export.json');

  const a = await liveBrowser(browser.server, videoA);
  try {
    const p = a.page;
    await startCamera(p);
    await p.fill('[data-testid=enrol-name]', NAME);
    await p.click('[data-testid=enrol]');
    await p.waitForSelector('[data-testid=enrol-status]:is([data-state=done], [data-state=refused])', { timeout: 60_000 });
    const status = (await p.textContent('[data-testid=enrol-status]')).trim();
    log(`enrol: ${status}`);
    assert(/^Enrolled Angelina Jolie from 5 frames/.test(status), `enrolment: ${status}`);
    const scoreA = await seen(p, NAME);
    log(`A's video after enrolling A: "${NAME}" at ${scoreA.toFixed(3)}`);
    await p.screenshot({ path: join(ensureOut(), 'live_enrolled.png') });

    // The gallery survives a reload (IndexedDB).
    assert(await storedGallery(p, 'edgeface_xs'), 'nothing stored in IndexedDB after enrolling');
    await p.reload();
    await p.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
    await galleryLoaded(p);
    const after = await galleryNames(p);
    const templates = await p.textContent('[data-testid=person] .person-text .muted');
    log(`after reload: ${after.join(', ')} (${templates})`);
    assert(after.length === 1 && after[0] === NAME && /5 templates/.test(templates), `gallery after reload: ${after}`);

    // Export, then delete everyone (the stored record goes too), then import into the empty gallery.
    const download = p.waitForEvent('download');
    await p.click('[data-testid=export]');
    await (await download).saveAs(exportFile);
    const exported = JSON.parse(readFileSync(exportFile, 'utf8'));
    log(`export: format ${exported.format} v${exported.version}, model ${exported.model}, ` +
      `${exported.embedding_size}-d, ${exported.people.length} person with ${exported.people[0].templates.length} templates`);
    assert(exported.format === 'simface-gallery' && exported.model === 'edgeface_xs' && exported.embedding_size === 512,
      'export header');
    await p.click('[data-testid=delete-all]');
    await p.click('[data-testid=delete-all]');
    await p.waitForFunction(() => document.querySelectorAll('[data-testid=person]').length === 0);
    // The message comes once the stored record has been removed; then it must be gone.
    await p.waitForFunction(
      () => /Deleted everyone/.test(document.querySelector('[data-testid=gallery-message]')?.textContent ?? ''), null, { timeout: 10_000 });
    assert((await storedGallery(p, 'edgeface_xs')) === null, 'delete all left the IndexedDB record behind');
    await p.reload();
    await p.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
    await galleryLoaded(p);
    assert((await galleryNames(p)).length === 0, 'delete all did not survive a reload');
    await p.setInputFiles('[data-testid=import-file]', exportFile);
    await p.waitForSelector(`[data-testid=person][data-name="${NAME}"]`, { timeout: 10_000 });
    await startCamera(p);
    const again = await seen(p, NAME);
    log(`after delete all + import: "${NAME}" at ${again.toFixed(3)} (before: ${scoreA.toFixed(3)})`);
    assert(Math.abs(again - scoreA) < 0.05, `imported gallery matches differently: ${again} vs ${scoreA}`);

    // The same export imported again adds nobody (an import keeps everyone enrolled and skips known people).
    await p.setInputFiles('[data-testid=import-file]', exportFile);
    await p.waitForFunction(() => /already enrolled/.test(document.querySelector('[data-testid=gallery-message]')?.textContent ?? ''),
      null, { timeout: 10_000 });
    const reimport = (await p.textContent('[data-testid=gallery-message]')).trim();
    log(`imported again: ${reimport}`);
    assert(/Imported 0 people from .*; 1 person already enrolled/.test(reimport), reimport);
    assert((await galleryNames(p)).length === 1, 'importing the same export twice duplicated the person');

    // Templates of another model are refused, and the gallery stays as it was.
    const other = join(ensureOut(), 'gallery_other_model.json');
    writeFileSync(other, JSON.stringify({ ...exported, model: 'edgeface_xxs' }));
    await p.setInputFiles('[data-testid=import-file]', other);
    await p.waitForSelector('[data-testid=gallery-error]:not(.hidden)');
    const refused = (await p.textContent('[data-testid=gallery-error]')).trim();
    log(`other model's export: ${refused}`);
    assert(/edgeface_xxs/.test(refused), `other-model import: ${refused}`);
    assert((await galleryNames(p)).length === 1, 'a refused import changed the gallery');

    // Rename, then delete the one person.
    await p.fill('[data-testid=person] input.person-name', 'AJ');
    await p.press('[data-testid=person] input.person-name', 'Enter');
    await p.waitForSelector('[data-testid=person][data-name="AJ"]');
    await seen(p, 'AJ');
    await p.click('[data-testid=person] button');
    await p.waitForFunction(() => document.querySelectorAll('[data-testid=person]').length === 0);
    log('renamed to AJ (the live label follows), then deleted');
  } finally {
    await a.browser.close();
  }

  // B's video against A's templates (imported into a fresh browser): "unknown".
  const b = await liveBrowser(browser.server, videoB);
  try {
    const p = b.page;
    // The (empty) stored gallery loads first, so that it cannot replace the import.
    await galleryLoaded(p);
    await p.setInputFiles('[data-testid=import-file]', exportFile);
    await p.waitForSelector(`[data-testid=person][data-name="${NAME}"]`, { timeout: 10_000 });
    await startCamera(p);
    const unknown = await seen(p, 'unknown');
    // Keep watching: 30 more frames (with several re-embeddings of the track), and B is still not A.
    const frames = await moreFrames(p, 30);
    const names = await p.$$eval('[data-testid=live-faces] li', (l) => l.map((e) => e.dataset.name));
    log(`B's video against A's templates: unknown at ${unknown.toFixed(3)}; after frame ${frames} names ${JSON.stringify(names)}`);
    assert(!names.includes(NAME), `B was taken for ${NAME}`);
    assert(unknown < 0.35, `B's best score ${unknown} is above the threshold`);
  } finally {
    await b.browser.close();
  }
}
