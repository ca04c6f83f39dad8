// Faces at any angle in the page. A probe photo turned upside down and one turned sideways (their EXIF
// orientation lost: the pixels themselves are turned) are still found and matched to the upright gallery photo
// of the same person, with the CLI's score on the same files; the downloaded face says at which turn it was
// found. The live camera held sideways (the fake webcam playing minivision's live sample turned by a quarter)
// enrols the person, live, and names them.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, ensureOut, nativeJson, near, PARITY, putPhoto, reencodeInPage, sample, similarity, verdict } from './harness.mjs';
import { photoVideo } from './camera.mjs';
import { liveBrowser, seen, startCamera } from './live_enrol_and_recognise.spec.mjs';

export const allowedConsoleErrors = [];

/** `file` turned clockwise by `degrees` as a PNG written under target/e2e (for the CLI too). */
async function turned(page, file, degrees) {
  const out = join(ensureOut(), `turned_${degrees}.png`);
  writeFileSync(out, await reencodeInPage(page, readFileSync(file), { degrees, type: 'image/png' }));
  return out;
}

export default async function ({ browser, page, log }) {
  const a = sample('gallery/AJOLIE-001_fe3347c0.jpg');
  const probe = sample('probe/AJOLIE-013_95ecbd39.jpg');
  await putPhoto(page, 'a', a);
  for (const degrees of [180, 90]) {
    const b = await turned(page, probe, degrees);
    await putPhoto(page, 'b', b);
    const score = await similarity(page);
    const native = nativeJson('compare', a, b);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-slot=b] button:has-text("Download JSON")'),
    ]);
    const record = JSON.parse(readFileSync(await download.path(), 'utf8'));
    const rotation = record.faces[0].rotation;
    log(`probe turned ${degrees}°: similarity browser ${score.toFixed(4)}, CLI ${native.similarity.toFixed(4)}; ` +
      `found with the photo turned ${rotation}° (CLI ${native.b.face.rotation}°)`);
    assert((await verdict(page)).includes('Same person'), `${degrees}°: ${await verdict(page)}`);
    near(score, native.similarity, PARITY, `${degrees}° similarity`);
    assert(rotation === (360 - degrees) % 360 && native.b.face.rotation === rotation, `${degrees}°: rotation ${rotation}`);
  }

  // The live camera held sideways.
  // minivision's live sample (a camera frame: liveness 1.00), as the camera held sideways sees it.
  const video = await photoVideo(page, 'sideways_t1', sample('antispoof/image_T1.jpg'), { rotate: 90 });
  const s = await liveBrowser(browser.server, video);
  try {
    const live = s.page;
    await startCamera(live);
    await live.fill('[data-testid=enrol-name]', 'Sideways');
    await live.click('[data-testid=enrol]');
    await live.waitForSelector('[data-testid=enrol-status]:is([data-state=done], [data-state=refused])', { timeout: 60_000 });
    const state = await live.getAttribute('[data-testid=enrol-status]', 'data-state');
    const text = (await live.textContent('[data-testid=enrol-status]')).trim();
    assert(state === 'done', `enrolment with the camera held sideways: ${state}: ${text}`);
    const named = await seen(live, 'Sideways', 60_000);
    log(`camera held sideways: ${text}; then named at ${named.toFixed(3)}`);
  } finally {
    await s.browser.close();
  }
}
