// The user drops a text file and a truncated JPEG: each slot says what is wrong, and the slots still
// work afterwards with real photos.
import { readFileSync } from 'node:fs';
import { assert, putPhoto, sample, similarity } from './harness.mjs';

export default async function ({ page, log }) {
  await putPhoto(page, 'a', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo\n') });
  const errA = (await page.textContent('[data-testid=error-a]')).trim();
  log(`text file: ${errA}`);
  assert(/not an image/.test(errA), `text file error: ${errA}`);

  const jpeg = readFileSync(sample('gallery/BPITT1-001_c04300ef.jpg'));
  const cut = jpeg.subarray(0, Math.floor(jpeg.length / 2));
  await putPhoto(page, 'b', { name: 'cut.jpg', mimeType: 'image/jpeg', buffer: cut });
  const errB = (await page.textContent('[data-testid=error-b]')).trim();
  log(`truncated JPEG: ${errB}`);
  assert(/damaged or truncated/.test(errB), `truncated JPEG error: ${errB}`);
  // Each error stays in its own slot.
  assert(!(await page.textContent('[data-testid=error-a]')).includes('truncated'), 'slot A shows B\'s error');

  await putPhoto(page, 'a', sample('gallery/BPITT1-001_c04300ef.jpg'));
  assert(await page.$eval('[data-testid=error-a]', (e) => e.classList.contains('hidden')), 'slot A error not cleared');
  await putPhoto(page, 'b', sample('probe/BPITT1-003_7a6b2156.jpg'));
  const s = await similarity(page);
  log(`after the errors, BPITT1 gallery vs probe: ${s.toFixed(4)}`);
  assert(s > 0.35, `expected the same person, got ${s}`);
}
