// Liveness in the live camera (on by default there): Chromium's fake webcam plays minivision's samples.
// A face shown to the camera on a photo or a screen (F1, F2) is marked "possible photo or screen", never named,
// and enrolment refuses it with that reason; the live face (T1) is enrolled and then named.
import { assert, sample } from './harness.mjs';
import { photoVideo } from './camera.mjs';
import { liveBrowser, seen, startCamera } from './live_enrol_and_recognise.spec.mjs';

export const allowedConsoleErrors = [];

async function enrol(page, name) {
  await page.fill('[data-testid=enrol-name]', name);
  await page.click('[data-testid=enrol]');
  await page.waitForSelector('[data-testid=enrol-status]:is([data-state=done], [data-state=refused])', { timeout: 60_000 });
  return { state: await page.getAttribute('[data-testid=enrol-status]', 'data-state'), text: (await page.textContent('[data-testid=enrol-status]')).trim() };
}

export default async function ({ browser, page, log }) {
  for (const attack of ['image_F1.jpg', 'image_F2.jpg']) {
    const video = await photoVideo(page, `attack_${attack}`, sample(`antispoof/${attack}`));
    const s = await liveBrowser(browser.server, video);
    try {
      assert(await s.page.isChecked('[data-testid=require-liveness]'), 'liveness is not required by default');
      await startCamera(s.page);
      const score = await seen(s.page, 'possible photo or screen', 60_000);
      const r = await enrol(s.page, 'Attacker');
      const names = await s.page.$$eval('[data-testid=live-faces] li', (l) => l.map((e) => e.dataset.name));
      log(`${attack}: marked "possible photo or screen" (live ${score.toFixed(3)}); enrolment ${r.state}: ${r.text}; listed ${JSON.stringify(names)}`);
      assert(score < 0.5, `${attack}: live ${score}`);
      assert(r.state === 'refused' && /photo or a screen/.test(r.text), `${attack}: ${r.state} ${r.text}`);
      assert((await s.page.$$('[data-testid=person]')).length === 0, `${attack}: someone was enrolled`);
    } finally {
      await s.browser.close();
    }
  }
  const live = await photoVideo(page, 'live_t1', sample('antispoof/image_T1.jpg'));
  const s = await liveBrowser(browser.server, live);
  try {
    await startCamera(s.page);
    const r = await enrol(s.page, 'T1');
    const score = await seen(s.page, 'T1', 60_000);
    log(`image_T1.jpg: enrolment ${r.state}: ${r.text}; then named "T1" at ${score.toFixed(3)}`);
    assert(r.state === 'done', `T1: ${r.state} ${r.text}`);
  } finally {
    await s.browser.close();
  }
}
