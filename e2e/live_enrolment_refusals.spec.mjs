// Enrolment refuses a frame with two faces and a frame without a face, each with its reason; a camera
// whose permission is denied says so.
import { Browser, assert, sample } from './harness.mjs';
import { photoVideo } from './camera.mjs';
import { liveBrowser, startCamera } from './live_enrol_and_recognise.spec.mjs';

async function enrolRefusal(page, name) {
  await page.fill('[data-testid=enrol-name]', name);
  await page.click('[data-testid=enrol]');
  await page.waitForSelector('[data-testid=enrol-status]:is([data-state=done], [data-state=refused])', { timeout: 60_000 });
  return { state: await page.getAttribute('[data-testid=enrol-status]', 'data-state'), text: (await page.textContent('[data-testid=enrol-status]')).trim() };
}

// The refusals and the denied camera are reported in the page; the app logs nothing for them (a refused
// getUserMedia is caught), so no console error is allowed here.
export const allowedConsoleErrors = [];

export default async function ({ browser, page, log }) {
  const two = await photoVideo(page, 'two_people', [sample('gallery/AJOLIE-001_fe3347c0.jpg'), sample('gallery/BPITT1-001_c04300ef.jpg')]);
  const none = await photoVideo(page, 'no_face', sample('simface/royalty_free_flower.jpg'));

  for (const [video, what, expect] of [[two, 'two faces', /2 faces in view/], [none, 'no face', /No face in view/]]) {
    const s = await liveBrowser(browser.server, video);
    try {
      await startCamera(s.page);
      // Give the detector a few frames to see what is there.
      await s.page.waitForFunction(
        () => Number(document.querySelector('[data-testid=live-stats]')?.dataset.frames) >= 6, null, { timeout: 60_000 });
      const faces = await s.page.$$eval('[data-testid=live-faces] li', (l) => l.length);
      const r = await enrolRefusal(s.page, 'Someone');
      log(`${what} (${faces} face(s) listed): ${r.state}: ${r.text}`);
      assert(r.state === 'refused' && expect.test(r.text), `${what}: ${r.state} ${r.text}`);
      assert((await s.page.$$('[data-testid=person]')).length === 0, `${what}: someone was enrolled`);
    } finally {
      await s.browser.close();
    }
  }

  // A denied camera permission.
  const denied = await Browser.start({ server: browser.server, denyCamera: true, query: '?view=live' });
  try {
    const p = await denied.open();
    await p.click('[data-testid=camera-toggle]');
    await p.waitForSelector('[data-testid=camera-error]:not(.hidden)', { timeout: 30_000 });
    const text = (await p.textContent('[data-testid=camera-error]')).trim();
    log(`denied permission: ${text}`);
    assert(/permission was denied/.test(text), `denied camera: ${text}`);
    assert(await p.isVisible('[data-testid=camera-toggle]:has-text("Start camera")'), 'the start button did not come back');
  } finally {
    await denied.close();
  }
}
