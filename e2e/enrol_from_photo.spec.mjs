// Enrolment from a photo file (no camera): a portrait enrols its one face under the typed name, a group
// photo and a photo without a face are refused with their reasons, and a photo dropped on the gallery
// enrols under its file name.
import { readFileSync } from 'node:fs';
import { assert, galleryLoaded, sample } from './harness.mjs';

async function outcome(page, before) {
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid=person]').length !== n ||
      !document.querySelector('[data-testid=gallery-error]').classList.contains('hidden'),
    before, { timeout: 60_000 });
  const error = await page.$eval('[data-testid=gallery-error]', (e) => (e.classList.contains('hidden') ? '' : e.textContent.trim()));
  const message = (await page.textContent('[data-testid=gallery-message]')).trim();
  return { error, message };
}

export default async function ({ browser, page, log }) {
  await page.goto(`${browser.server.url}?view=live`);
  try {
    await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
    await galleryLoaded(page);
    await page.fill('[data-testid=photo-name]', 'Denzel');
    await page.setInputFiles('[data-testid=enrol-photo]', sample('gallery/DWASHT-001_d3323f3c.jpg'));
    let r = await outcome(page, 0);
    log(`portrait: ${r.message || r.error}`);
    assert(!r.error && /Enrolled Denzel/.test(r.message), `portrait: ${JSON.stringify(r)}`);
    const src = await page.getAttribute('[data-testid=person][data-name=Denzel] img', 'src');
    assert(src?.startsWith('data:image/jpeg;base64,'), 'no thumbnail of the aligned face');

    await page.setInputFiles('[data-testid=enrol-photo]', sample('groups/office4.jpg'));
    r = await outcome(page, 1);
    log(`group photo: ${r.error}`);
    assert(/faces were found; enrolment needs a photo of exactly one face/.test(r.error), `group: ${JSON.stringify(r)}`);

    await page.setInputFiles('[data-testid=enrol-photo]', sample('simface/royalty_free_flower.jpg'));
    await page.waitForFunction(() => /no face/.test(document.querySelector('[data-testid=gallery-error]').textContent));
    log(`flower: ${(await page.textContent('[data-testid=gallery-error]')).trim()}`);

    // Dropped on the gallery, with no name typed: the file's name.
    const b64 = readFileSync(sample('gallery/KWINSL-008_6c01eb52.jpg')).toString('base64');
    await page.evaluate((data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'Kate.jpg', { type: 'image/jpeg' }));
      const zone = document.querySelector('[data-testid=gallery-drop]');
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, b64);
    r = await outcome(page, 1);
    const names = await page.$$eval('[data-testid=person]', (l) => l.map((e) => e.dataset.name));
    log(`dropped Kate.jpg: ${r.message}; gallery ${JSON.stringify(names)}`);
    assert(names.includes('Kate'), `dropped photo: ${JSON.stringify(r)} ${names}`);
  } finally {
    // Leave nothing stored in this profile, and the compare view for the next spec.
    if (await page.isEnabled('[data-testid=delete-all]').catch(() => false)) {
      await page.click('[data-testid=delete-all]');
      await page.click('[data-testid=delete-all]');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=person]').length === 0);
    }
    await page.goto(browser.pageUrl);
    // Let that page finish loading: the runner's reload for the next spec would otherwise abort it midway
    // (an aborted WebAssembly compilation, reported as a page error against the next spec).
    await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
  }
}
