// The user drags a photo onto slot A and pastes another into the page: both arrive in their slots
// and are compared.
import { readFileSync } from 'node:fs';
import { assert, sample, settle, similarity, slotJob } from './harness.mjs';

/** Builds a File in the page from bytes (base64) and hands it to `how` ('drop' on a slot or 'paste'). */
async function give(page, how, slot, path, name) {
  const b64 = readFileSync(path).toString('base64');
  const job = await slotJob(page, slot);
  await page.evaluate(
    ({ how, slot, b64, name }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name, { type: 'image/jpeg' }));
      if (how === 'drop') {
        const zone = document.querySelector(`[data-slot=${slot}] .dropzone`);
        zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      } else {
        window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
      }
    },
    { how, slot, b64, name },
  );
  await settle(page, slot, job);
}

export default async function ({ page, log }) {
  await give(page, 'drop', 'a', sample('gallery/KWINSL-008_6c01eb52.jpg'), 'dropped.jpg');
  // Slot A is full, so the pasted photo goes to B.
  await give(page, 'paste', 'b', sample('probe/KWINSL-006_eda1948f.jpg'), 'pasted.jpg');
  const names = await page.$$eval('.slot-name', (els) => els.map((e) => e.textContent));
  log(`slot names: ${names.join(', ')}`);
  assert(names[0] === 'dropped.jpg' && names[1] === 'pasted.jpg', `names ${names}`);
  const s = await similarity(page);
  log(`dropped vs pasted (same person): ${s.toFixed(4)}`);
  assert(s > 0.35, `expected the same person, got ${s}`);
}
