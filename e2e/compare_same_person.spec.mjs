// The user drops a gallery photo and a probe photo of the same person: "Same person", with the score
// the native CLI gives; a screenshot of the result view is written to target/e2e/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, ensureOut, nativeJson, near, PARITY, putPhoto, sample, similarity, verdict } from './harness.mjs';

export default async function ({ page, log }) {
  const a = sample('gallery/AJOLIE-001_fe3347c0.jpg');
  const b = sample('probe/AJOLIE-013_95ecbd39.jpg');
  await putPhoto(page, 'a', a);
  await putPhoto(page, 'b', b);
  const score = await similarity(page);
  const native = nativeJson('compare', a, b).similarity;
  log(`similarity browser ${score.toFixed(6)}, native ${native.toFixed(6)}`);
  near(score, native, PARITY, 'same-person similarity');
  assert((await verdict(page)).includes('Same person'), `verdict: ${await verdict(page)}`);
  // The crop and the embedding strip are drawn.
  const crop = await page.$eval('[data-testid=crop-a]', (c) => [c.width, c.height]);
  assert(crop[0] === 112 && crop[1] === 112, `crop ${crop}`);
  // Moving the threshold above the score flips the decision, live.
  await page.fill('[data-testid=threshold]', '0.95');
  await page.dispatchEvent('[data-testid=threshold]', 'input');
  assert((await verdict(page)).includes('Different people'), 'threshold slider did not flip the decision');
  await page.click('text=Reset to calibrated');
  assert((await verdict(page)).includes('Same person'), 'reset did not restore the decision');
  // The compared face downloads as JSON in the CLI's shape ({ file, width, height, faces: [{ index, bbox,
  // score, landmarks: [{ x, y }…], landmark_source, model, embedding, … }] }): 512 unit-norm values, and
  // the box and landmarks the CLI gives for that face.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-slot=a] >> text=Download JSON'),
  ]);
  const json = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert(Array.isArray(json.faces) && json.faces.length === 1, `embedding JSON: faces ${JSON.stringify(json.faces)?.slice(0, 80)}`);
  const face = json.faces[0];
  const embedding = face.embedding ?? [];
  const norm = Math.sqrt(embedding.reduce((s, v) => s + v * v, 0));
  assert(embedding.length === 512 && Math.abs(norm - 1) < 1e-3, `embedding JSON: ${embedding.length} values, norm ${norm}`);
  assert(face.model === 'edgeface_xs' && face.index === 0, `embedding JSON: ${face.model} face ${face.index}`);
  const nativeFace = nativeJson('detect', a)[0].faces[0];
  const apart = Math.max(
    ...['x', 'y', 'width', 'height'].map((k) => Math.abs(face.bbox[k] - nativeFace.bbox[k])),
    ...face.landmarks.flatMap((p, i) => [Math.abs(p.x - nativeFace.landmarks[i].x), Math.abs(p.y - nativeFace.landmarks[i].y)]),
  );
  log(`downloaded face: box and landmarks within ${apart.toFixed(3)} px of the CLI's`);
  assert(face.landmarks.length === 5 && apart <= 1, `downloaded face ${JSON.stringify(face.bbox)} vs CLI ${JSON.stringify(nativeFace.bbox)}`);
  const file = join(ensureOut(), 'compare_same_person.png');
  await page.screenshot({ path: file, fullPage: true });
  log(`screenshot ${file}`);
}
