// The user drops a text file, a truncated JPEG, a photo far too large and a photo without a face: each
// slot says what is wrong, and the slots still work afterwards with real photos.
import { readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import { assert, putPhoto, sample, similarity } from './harness.mjs';

/** A PNG that declares width × height, with a tiny IDAT and IEND: the pixel data are nowhere near there. */
function pngHeader(width, height) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type), data])));
    return Buffer.concat([len, Buffer.from(type), data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(16))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// The bad files are reported in their slots, not on the console: the app decodes them itself (no <img> of
// a broken file) and logs nothing for them, so no console error is allowed here.
export const allowedConsoleErrors = [];

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

  // 20000 × 20000 = 400 MP: refused from the header, before any pixel is allocated.
  await putPhoto(page, 'a', { name: 'huge.png', mimeType: 'image/png', buffer: pngHeader(20000, 20000) });
  const errHuge = (await page.textContent('[data-testid=error-a]')).trim();
  log(`too large: ${errHuge}`);
  assert(/20000×20000 pixels .*limit/.test(errHuge), `too-large error: ${errHuge}`);

  await putPhoto(page, 'b', sample('simface/royalty_free_flower.jpg'));
  const errFlower = (await page.textContent('[data-testid=error-b]')).trim();
  log(`no face: ${errFlower}`);
  assert(/no face/i.test(errFlower), `no-face error: ${errFlower}`);
  assert(!(await page.$('[data-testid=panic]')), 'a bad file made the app panic');

  await putPhoto(page, 'a', sample('gallery/BPITT1-001_c04300ef.jpg'));
  assert(await page.$eval('[data-testid=error-a]', (e) => e.classList.contains('hidden')), 'slot A error not cleared');
  await putPhoto(page, 'b', sample('probe/BPITT1-003_7a6b2156.jpg'));
  const s = await similarity(page);
  log(`after the errors, BPITT1 gallery vs probe: ${s.toFixed(4)}`);
  assert(s > 0.35, `expected the same person, got ${s}`);
}
