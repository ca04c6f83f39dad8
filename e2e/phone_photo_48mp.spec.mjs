// A full-resolution phone photo: 48 MP (8000×6000), the mode of current phone cameras, which the page refused
// before it let the browser decode (its Rust decoder's limit was 40 MP). The spec makes the photo in the page
// (a gallery portrait scaled up, JPEG quality 0.9, as the race's phone photos) and puts it in slot A and the
// portrait itself in slot B: one face found, the page reports the full size, and the two are the same person at a
// score near that of a photo with itself (the upscale adds no detail and loses none that the crop keeps).
import { assert, putPhoto, sample, similarity, verdict } from './harness.mjs';

export default async function ({ page, log }) {
  const portrait = sample('gallery/AJOLIE-001_fe3347c0.jpg');
  await putPhoto(page, 'b', portrait);
  const b64 = await page.evaluate(async () => {
    const source = await (await fetch('samples/gallery/AJOLIE-001_fe3347c0.jpg')).blob();
    const bitmap = await createImageBitmap(source);
    const canvas = new OffscreenCanvas(8000, 6000);
    const g = canvas.getContext('2d');
    g.fillStyle = '#777';
    g.fillRect(0, 0, 8000, 6000);
    // The portrait, scaled up 9×, in the middle of a 4:3 frame.
    const [w, h] = [bitmap.width * 9, bitmap.height * 9];
    g.imageSmoothingQuality = 'high';
    g.drawImage(bitmap, (8000 - w) / 2, (6000 - h) / 2, w, h);
    const out = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 })).arrayBuffer());
    let s = '';
    for (let i = 0; i < out.length; i += 0x8000) s += String.fromCharCode(...out.subarray(i, i + 0x8000));
    return btoa(s);
  });
  const buffer = Buffer.from(b64, 'base64');
  const started = Date.now();
  await putPhoto(page, 'a', { name: 'phone_48mp.jpg', mimeType: 'image/jpeg', buffer });
  const width = Number(await page.getAttribute('[data-testid=photo-a]', 'data-image-width'));
  const faces = (await page.textContent('[data-testid=faces-a]')).trim();
  const timings = (await page.textContent('[data-testid=timings-a]')).trim();
  const score = await similarity(page);
  log(`48 MP photo (${(buffer.length / 1e6).toFixed(1)} MB): ${faces}, width ${width}, ${timings}, ${Date.now() - started} ms in all; score against the portrait ${score.toFixed(4)}`);
  assert(width === 8000, `the page reports a width of ${width}`);
  assert(faces === '1 face found', `faces: ${faces}`);
  // The same photo scaled up 9×: the aligned crop comes from the same face, so the score is far above the
  // threshold (0.35) and near 1 (the decoders and the JPEG round trip differ a little).
  assert(score > 0.95, `score ${score} against the portrait it was made from`);
  assert((await verdict(page)).includes('Same person'), `verdict: ${await verdict(page)}`);
}
