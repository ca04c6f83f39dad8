// The user compares photos of two different people: "Different people", with the native score.
import { assert, nativeJson, near, PARITY, putPhoto, sample, similarity, verdict } from './harness.mjs';

export default async function ({ page, log }) {
  const a = sample('gallery/AJOLIE-001_fe3347c0.jpg');
  const b = sample('probe/BPITT1-003_7a6b2156.jpg');
  await putPhoto(page, 'a', a);
  await putPhoto(page, 'b', b);
  const score = await similarity(page);
  const native = nativeJson('compare', a, b).similarity;
  log(`similarity browser ${score.toFixed(6)}, native ${native.toFixed(6)}`);
  near(score, native, PARITY, 'different-people similarity');
  assert((await verdict(page)).includes('Different people'), `verdict: ${await verdict(page)}`);
}
