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
  // The embedding downloads as JSON: 512 unit-norm values for the compared face.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-slot=a] >> text=Download JSON'),
  ]);
  const json = JSON.parse(readFileSync(await download.path(), 'utf8'));
  const norm = Math.sqrt(json.embedding.reduce((s, v) => s + v * v, 0));
  assert(json.embedding.length === 512 && Math.abs(norm - 1) < 1e-3, `embedding JSON: ${json.embedding.length} values, norm ${norm}`);
  assert(json.model === 'edgeface_xs' && json.face === 0, `embedding JSON: ${json.model} face ${json.face}`);
  const file = join(ensureOut(), 'compare_same_person.png');
  await page.screenshot({ path: file, fullPage: true });
  log(`screenshot ${file}`);
}
