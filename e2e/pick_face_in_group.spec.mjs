// The user puts a group photo in a slot: every face the CLI finds gets a box, and clicking another
// face compares that one instead (the score changes, and matches the CLI for that face).
import { join } from 'node:path';
import { assert, ensureOut, nativeJson, near, PARITY, putPhoto, sample, similarity } from './harness.mjs';

export default async function ({ page, log }) {
  const group = sample('groups/office4.jpg');
  const probe = sample('simface/royalty_free_good_face.jpg');
  await putPhoto(page, 'a', group);
  await putPhoto(page, 'b', probe);
  // The CLI's faces: { index, bbox: { x, y, width, height }, score, landmarks: [{ x, y }, …], … }, largest
  // first; the page's data-faces: the boxes { x, y, width, height } in the same order.
  const native = nativeJson('detect', group)[0].faces;
  const faces = JSON.parse(await page.getAttribute('[data-testid=photo-a]', 'data-faces'));
  log(`faces: browser ${faces.length}, native ${native.length}`);
  assert(faces.length === native.length, `browser found ${faces.length} faces, the CLI ${native.length}`);
  // Every box where the CLI puts it (same models, same input size): within a pixel on each side.
  let worst = 0;
  native.forEach((n, i) => {
    assert(n.bbox && typeof n.bbox.x === 'number', `CLI face ${i} has no bbox object: ${JSON.stringify(n).slice(0, 120)}`);
    assert(n.index === i, `CLI face ${i} has index ${n.index}`);
    const d = Math.max(...['x', 'y', 'width', 'height'].map((k) => Math.abs(faces[i][k] - n.bbox[k])));
    worst = Math.max(worst, d);
    assert(d <= 1, `face ${i}: browser box ${JSON.stringify(faces[i])} vs CLI ${JSON.stringify(n.bbox)}`);
  });
  log(`every box within ${worst.toFixed(3)} px of the CLI's`);
  const first = await similarity(page);

  // Click the centre of the second face's box.
  const imageWidth = Number(await page.getAttribute('[data-testid=photo-a]', 'data-image-width'));
  const box = await page.locator('[data-testid=photo-a]').boundingBox();
  const f = faces[1];
  const k = box.width / imageWidth;
  await page.locator('[data-testid=photo-a]').click({
    position: { x: (f.x + f.width / 2) * k, y: (f.y + f.height / 2) * k },
  });
  await page.waitForFunction(
    (v) => Number(document.querySelector('[data-testid=similarity]')?.dataset.value) !== v,
    first,
    { timeout: 30_000 },
  );
  const second = await similarity(page);
  const selected = await page.$eval('[data-testid=face-select-a]', (s) => s.value);
  assert(selected === '1', `the face picker shows face ${selected}, expected index 1`);
  const nativeSecond = nativeJson('compare', group, probe, '--face', '1', '--face-b', '0').similarity;
  log(`face 1: ${first.toFixed(4)}; face 2: browser ${second.toFixed(6)}, native ${nativeSecond.toFixed(6)}`);
  near(second, nativeSecond, PARITY, 'second face similarity');
  await page.screenshot({ path: join(ensureOut(), 'pick_face_in_group.png'), fullPage: true });
}
