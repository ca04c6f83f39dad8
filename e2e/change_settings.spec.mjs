// The user switches to the smaller EdgeFace-XXS model: the threshold follows the model's calibration,
// the photos already in the slots are compared again, and the score is the native CLI's for --model xxs.
// Then SeetaFace: the comparison still works. Then the int8 XS model (made by set-up): the CLI's score again.
import { assert, nativeJson, near, PARITY, putPhoto, sample, settle, similarity, slotJob, verdict } from './harness.mjs';

/** Changes a setting and waits until both slots have been analysed again with it (a score read while only
 *  one slot is done would mix the old and new settings). */
async function change(page, select, value) {
  const jobs = { a: await slotJob(page, 'a'), b: await slotJob(page, 'b') };
  await page.selectOption(`[data-testid=${select}]`, value);
  await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
  await settle(page, 'a', jobs.a);
  await settle(page, 'b', jobs.b);
}

export default async function ({ page, log }) {
  const a = sample('gallery/DWASHT-001_d3323f3c.jpg');
  const b = sample('probe/DWASHT-002_f44b8d45.jpg');
  await putPhoto(page, 'a', a);
  await putPhoto(page, 'b', b);
  const xs = await similarity(page);

  await change(page, 'model', 'xxs');
  const xxs = await similarity(page);
  const native = nativeJson('compare', a, b, '--model', 'xxs').similarity;
  const threshold = await page.textContent('[data-testid=threshold-value]');
  log(`XS ${xs.toFixed(4)}; XXS browser ${xxs.toFixed(6)}, native ${native.toFixed(6)}; threshold ${threshold}`);
  near(xxs, native, PARITY, 'XXS similarity');
  assert(threshold === '0.37', `threshold ${threshold} after switching to XXS`);

  await change(page, 'detector', 'seeta');
  const seeta = await similarity(page);
  const nativeSeeta = nativeJson('compare', a, b, '--model', 'xxs', '--detector', 'seeta').similarity;
  log(`SeetaFace + XXS browser ${seeta.toFixed(6)}, native ${nativeSeeta.toFixed(6)}`);
  // SeetaFace's box comes from a sliding window at discrete positions and scales, and its landmarks from the box:
  // the grey level or two by which the browser's JPEG decoder differs from the CLI's can move the winning window
  // by a step and every landmark with it. So the page's score is the CLI's only to within 0.1 (README, "The web
  // app"), and the decision must be the same.
  near(seeta, nativeSeeta, 0.1, 'SeetaFace similarity');
  const nativeVerdict = nativeJson('compare', a, b, '--model', 'xxs', '--detector', 'seeta').same_person;
  assert((await verdict(page)).includes(nativeVerdict ? 'Same person' : 'Different people'), `SeetaFace verdict ${await verdict(page)}, the CLI's same_person ${nativeVerdict}`);

  await change(page, 'detector', 'yunet');
  await change(page, 'model', 'xs_int8');
  const int8 = await similarity(page);
  const nativeInt8 = nativeJson('compare', a, b, '--model', 'xs-int8').similarity;
  const label = await page.$eval('[data-testid=model]', (s) => s.selectedOptions[0].textContent);
  log(`XS int8 ("${label}") browser ${int8.toFixed(6)}, native ${nativeInt8.toFixed(6)} (XS ${xs.toFixed(4)})`);
  // Dynamic int8 quantizes activations at run time, and onnxruntime's native and WebAssembly int8 kernels
  // round differently: each lands within ~0.02 of fp32, not within 0.01 of each other.
  near(int8, nativeInt8, 0.03, 'XS int8 similarity');
  near(int8, xs, 0.03, 'XS int8 against fp32 XS');
  assert(/3\.3 MB/.test(label), `the picker does not show the int8 model's size: ${label}`);
}
