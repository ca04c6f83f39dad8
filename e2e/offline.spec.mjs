// Offline use: a first visit in a fresh profile installs the service worker, which precaches the app,
// onnxruntime-web and every model of the manifest (the bytes this costs are logged); the page is installable
// (Chromium finds no installability error in its manifest). Then with the network off (`setOffline`) a reload
// still gives a ready page (cross-origin isolated as online), two photos compare with the CLI's score, and the
// live camera (liveness on, as by default) enrols a person and names her; no request reaches the server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, ROOT, assert, galleryLoaded, nativeJson, near, PARITY, putPhoto, sample, similarity, verdict } from './harness.mjs';
import { serve } from './serve.mjs';
import { photoVideo } from './camera.mjs';
import { seen, startCamera } from './live_enrol_and_recognise.spec.mjs';

const NAME = 'Angelina Jolie';

/** What a server sent, in MB, by top folder (app files at the root). */
function sentBy(sent) {
  const by = {};
  for (const { path, bytes } of sent) {
    const top = /^\/(ort|models|samples)\//.exec(path)?.[1] ?? 'app';
    by[top] = (by[top] ?? 0) + bytes;
  }
  return Object.entries(by)
    .map(([k, v]) => `${k} ${(v / 1e6).toFixed(1)}`)
    .join(', ');
}

/** The service worker's caches and how many entries each holds. */
async function cacheContents(page) {
  return page.evaluate(async () =>
    Object.fromEntries(await Promise.all((await caches.keys()).map(async (k) => [k, (await (await caches.open(k)).keys()).length]))),
  );
}

export default async function ({ page, log }) {
  const isolated = !process.env.SIMFACE_E2E_NOT_ISOLATED;
  const video = await photoVideo(page, 'offline_person_a', sample('gallery/AJOLIE-001_fe3347c0.jpg'));
  // A server of its own, so that what it sent is this browser's first visit and nothing else; with ETags, as
  // most static servers send, so that the worker's precache revalidates what the page has just downloaded.
  const server = await serve({ dir: join(ROOT, 'dist'), isolated, validators: true });
  const b = await Browser.start({ server, camera: video, serviceWorkers: 'allow' });
  try {
    const p = await b.open();
    const online = await p.evaluate(() => crossOriginIsolated);
    // The worker controls the page once it has activated, and it activates only once everything is precached.
    await p.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 180_000 });
    const total = server.sent.reduce((n, s) => n + s.bytes, 0);
    const twice = server.sent.filter((s, i) => s.bytes > 0 && server.sent.findIndex((o) => o.path === s.path && o.bytes > 0) !== i);
    log(`first visit: ${(total / 1e6).toFixed(1)} MB in ${server.sent.length} answers (${sentBy(server.sent)}); ` +
      `fetched twice: ${twice.map((s) => `${s.path} ${(s.bytes / 1e6).toFixed(1)} MB`).join(', ') || 'nothing'}`);
    const contents = await cacheContents(p);
    log(`caches: ${JSON.stringify(contents)}`);
    const models = JSON.parse(readFileSync(join(ROOT, 'models/manifest.json'), 'utf8')).models;
    assert(contents['simface-models-v1'] === models.length, `models cached: ${contents['simface-models-v1']} of ${models.length}`);
    assert(contents['simface-ort-1.30.0'] === 3, 'onnxruntime-web not precached');
    assert(Object.keys(contents).some((k) => k.startsWith('simface-app-')), 'no app cache');

    const cdp = await b.context.newCDPSession(p);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    const { errors: manifestErrors } = await cdp.send('Page.getAppManifest');
    log(`installability errors: ${JSON.stringify(installabilityErrors)}; manifest errors: ${JSON.stringify(manifestErrors)}`);
    assert(installabilityErrors.length === 0 && manifestErrors.length === 0, 'the page is not installable');

    // Offline from here on: every request the page makes must be answered by the worker.
    const served = server.requests.length;
    const failed = [];
    b.context.on('requestfailed', (r) => {
      if (!r.serviceWorker()) failed.push(`${r.url()} (${r.failure()?.errorText})`);
    });
    await b.context.setOffline(true);
    const t0 = Date.now();
    await p.reload();
    await p.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
    const offlineIsolated = await p.evaluate(() => crossOriginIsolated);
    log(`offline reload: ready after ${Date.now() - t0} ms; crossOriginIsolated ${offlineIsolated} (online ${online})`);
    assert(offlineIsolated === online && online === isolated, `crossOriginIsolated offline ${offlineIsolated}, online ${online}`);

    const a = sample('gallery/AJOLIE-001_fe3347c0.jpg');
    const probe = sample('probe/AJOLIE-013_95ecbd39.jpg');
    await putPhoto(p, 'a', a);
    await putPhoto(p, 'b', probe);
    const score = await similarity(p);
    const native = nativeJson('compare', a, probe).similarity;
    log(`offline compare: similarity ${score.toFixed(6)} (native ${native.toFixed(6)}), ${await verdict(p)}`);
    near(score, native, PARITY, 'offline same-person similarity');
    assert((await verdict(p)).includes('Same person'), `verdict: ${await verdict(p)}`);

    // The live camera, liveness required (its models come from the cache the worker filled).
    await p.click('[data-testid=tab-live]');
    await galleryLoaded(p);
    assert(await p.isChecked('[data-testid=require-liveness]'), 'liveness is not required by default');
    await startCamera(p);
    await p.fill('[data-testid=enrol-name]', NAME);
    await p.click('[data-testid=enrol]');
    await p.waitForSelector('[data-testid=enrol-status]:is([data-state=done], [data-state=refused])', { timeout: 60_000 });
    const status = (await p.textContent('[data-testid=enrol-status]')).trim();
    const named = await seen(p, NAME, 60_000);
    log(`offline live camera: ${status}; then named at ${named.toFixed(3)}`);
    assert(/^Enrolled/.test(status), `offline enrolment: ${status}`);

    const reached = server.requests.slice(served);
    log(`while offline: ${reached.length} requests reached the server, ${failed.length} page requests failed`);
    assert(reached.length === 0, `requests reached the server while offline: ${reached.join(', ')}`);
    assert(failed.every((f) => /\/samples\//.test(f)), `page requests failed offline: ${failed.join(', ')}`);
  } finally {
    await b.close();
    await server.close();
  }
}
