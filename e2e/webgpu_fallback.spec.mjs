// WebGPU asked for where it cannot run, and WebGPU failing in the middle of a comparison: both times the
// models run on WebAssembly, the runtime card says why, the photos stay and the scores are the CLI's.
//  1. WebGPU chosen in a browser with no adapter (the harness's Chromium runs with --disable-gpu).
//  2. WebGPU running (SwiftShader), a photo analysed on it, then the GPU device is lost (destroyed from the
//     page, as a driver reset would): the next photo's run fails, the page moves to WebAssembly by itself
//     and analyses both photos again.
import { Browser, assert, nativeJson, near, PARITY, putPhoto, sample, settle, similarity, slotJob } from './harness.mjs';

// onnxruntime-web logs, through console.error, that it keeps shape operators on the CPU on WebGPU. (The
// lost device itself reaches the console only as the app's warning.)
export const allowedConsoleErrors = [/VerifyEachNodeIsAssignedToAnEp/];

const A = sample('gallery/AJOLIE-001_fe3347c0.jpg');
const B = sample('probe/AJOLIE-013_95ecbd39.jpg');

export default async function ({ browser, log }) {
  // 1. No adapter.
  const plain = await Browser.start({ server: browser.server, query: '?backend=webgpu' });
  try {
    const page = await plain.open();
    const backend = await page.getAttribute('[data-testid=backend]', 'data-backend');
    const note = await page.textContent('[data-testid=backend-note]');
    log(`no adapter: ${await page.textContent('[data-testid=backend]')} · ${note}`);
    assert(backend === 'wasm', `backend ${backend}`);
    assert((await page.getAttribute('[data-testid=backend-note]', 'data-why')) === 'no-adapter', `note: ${note}`);
    assert((await page.inputValue('[data-testid=backend-choice]')) === 'webgpu', 'the WebGPU choice was not kept');
    await putPhoto(page, 'a', A);
    await putPhoto(page, 'b', B);
    near(await similarity(page), nativeJson('compare', A, B).similarity, PARITY, 'no adapter: similarity');
  } finally {
    await plain.close();
  }

  // 2. The device is lost while WebGPU runs.
  const gpu = await Browser.start({ server: browser.server, webgpu: true, query: '?backend=webgpu&size=320' });
  try {
    const page = await gpu.open();
    assert((await page.getAttribute('[data-testid=backend]', 'data-backend')) === 'webgpu', 'WebGPU did not start');
    await putPhoto(page, 'a', A);
    const destroyed = await page.evaluate(() => {
      const device = globalThis.ort?.env?.webgpu?.device;
      if (!device || typeof device.destroy !== 'function') return false;
      device.destroy();
      return true;
    });
    assert(destroyed, 'no WebGPU device to destroy (ort.env.webgpu.device)');
    const jobA = await slotJob(page, 'a');
    const jobB = await slotJob(page, 'b');
    await page.setInputFiles('[data-testid=file-b]', B);
    await page.waitForSelector('[data-testid=backend][data-backend=wasm]', { timeout: 120_000 });
    await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
    await settle(page, 'a', jobA);
    await settle(page, 'b', jobB + 1);
    const note = await page.textContent('[data-testid=backend-note]');
    log(`after the device was lost: ${await page.textContent('[data-testid=backend]')} · ${note}`);
    assert((await page.getAttribute('[data-testid=backend-note]', 'data-why')) === 'failed', `note: ${note}`);
    const names = [await page.textContent('[data-slot=a] .slot-name'), await page.textContent('[data-slot=b] .slot-name')];
    assert(names[0].includes('AJOLIE-001') && names[1].includes('AJOLIE-013'), `photos after the fall back: ${names}`);
    const score = await similarity(page);
    const native = nativeJson('compare', A, B, '--max-side', '320').similarity;
    log(`similarity after the fall back ${score.toFixed(6)}, CLI ${native.toFixed(6)}`);
    near(score, native, PARITY, 'similarity after the fall back');
    const foreign = gpu.foreignRequests();
    assert(foreign.length === 0, `requests to other origins: ${foreign.join(', ')}`);
  } finally {
    await gpu.close();
  }
}
