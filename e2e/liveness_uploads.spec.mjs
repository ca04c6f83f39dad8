// Liveness of uploaded photos: off by default (an uploaded photo is a photo: no liveness line, the models are not
// downloaded); turned on in the settings, the slot says for minivision's live sample "Live face" and for its two
// attacks (a face shown on a photo or a screen) "Possible photo of a photo or screen", with the real-class
// probability close to the CLI's (the browser decodes and scales the 80×80 inputs itself; README, "Liveness").
import { assert, nativeJson, putPhoto, sample, settle, slotJob } from './harness.mjs';

/** How far the page's real-class probability may be from the CLI's: the bound the CLI itself meets against the
 *  Python reference (tests/liveness.rs). The page's 80×80 inputs come from the browser's decoder and scaler. */
const NEAR_CLI = 0.02;

export default async function ({ page, log }) {
  const t1 = sample('antispoof/image_T1.jpg');
  await putPhoto(page, 'a', t1);
  assert(await page.isHidden('[data-testid=liveness-a]'), 'a liveness line without the setting');
  const before = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => /MiniFASNet/.test(e.name)).length);
  assert(before === 0, 'the liveness models were downloaded without the setting');

  // Turn it on: the models load, the photo in the slot is analysed again.
  const job = await slotJob(page, 'a');
  await page.check('[data-testid=liveness-uploads]');
  await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
  await settle(page, 'a', job);
  await page.waitForSelector('[data-testid=liveness-a]:not(.hidden)', { timeout: 30_000 });

  const cli = nativeJson('liveness', t1, sample('antispoof/image_F1.jpg'), sample('antispoof/image_F2.jpg'));
  for (const [i, [name, live]] of [['image_T1.jpg', true], ['image_F1.jpg', false], ['image_F2.jpg', false]].entries()) {
    if (i > 0) await putPhoto(page, 'a', sample(`antispoof/${name}`));
    await page.waitForSelector('[data-testid=liveness-a]:not(.hidden)', { timeout: 30_000 });
    const text = (await page.textContent('[data-testid=liveness-a]')).trim();
    const real = Number(await page.getAttribute('[data-testid=liveness-a]', 'data-real'));
    const shown = (await page.getAttribute('[data-testid=liveness-a]', 'data-live')) === 'true';
    const native = cli[i].faces[0].liveness.real;
    log(`${name}: "${text}" (page ${real.toFixed(4)}, CLI ${native.toFixed(4)})`);
    assert(shown === live, `${name}: the page says live=${shown}`);
    assert(text.startsWith(live ? 'Live face' : 'Possible photo of a photo or screen'), `${name}: ${text}`);
    assert(Math.abs(real - native) <= NEAR_CLI, `${name}: page ${real} vs CLI ${native}`);
  }
}
