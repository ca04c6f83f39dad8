// WebGPU chosen in a browser whose only WebGPU adapter is the software one (SwiftShader): the runtime card
// says WebGPU (google swiftshader) and a same-person and a different-person pair score as on WebAssembly.
// Then Automatic, which passes over a software adapter, runs the same page on WebAssembly (no reload: the
// WebGPU build runs WebAssembly too), keeps both photos, and gives the WebAssembly scores, which equal the
// CLI's at the same detection size.
//
// Detection at 320 px: SwiftShader runs WebGPU on the CPU, YuNet at 640×480 takes ~10 s a run there.
import { Browser, assert, nativeJson, near, PARITY, putPhoto, sample, settle, similarity, slotJob } from './harness.mjs';

/** How far a WebGPU score may be from the WebAssembly score of the same pair. Measured: 1e-6 or less (the
 *  page shows 6 decimals; raw model outputs differ by ≤ 2.5e-5, see `e2e/bench_webgpu.mjs`); this leaves
 *  room for another adapter's float rounding while still catching a wrong layout or a wrong input. */
export const TOLERANCE = 1e-4;

// onnxruntime-web logs, through console.error, that it keeps shape operators on the CPU on WebGPU.
export const allowedConsoleErrors = [/VerifyEachNodeIsAssignedToAnEp/];

const A = sample('gallery/AJOLIE-001_fe3347c0.jpg');
const SAME = sample('probe/AJOLIE-013_95ecbd39.jpg');
const OTHER = sample('probe/BPITT1-003_7a6b2156.jpg');

/** Sets the backend select and waits until both slots have been analysed again on the new models. */
async function chooseBackend(page, value) {
  const jobs = [await slotJob(page, 'a'), await slotJob(page, 'b')];
  await page.selectOption('[data-testid=backend-choice]', value);
  await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
  await settle(page, 'a', jobs[0]);
  await settle(page, 'b', jobs[1]);
}

export default async function ({ browser, log }) {
  const gpu = await Browser.start({ server: browser.server, webgpu: true, query: '?backend=webgpu&size=320' });
  try {
    const page = await gpu.open();
    const card = await page.textContent('[data-testid=backend]');
    log(`runtime card: ${card}`);
    assert((await page.getAttribute('[data-testid=backend]', 'data-backend')) === 'webgpu', `backend: ${card}`);
    assert(/WebGPU \(google swiftshader/.test(card), `card does not name the adapter: ${card}`);
    assert((await page.inputValue('[data-testid=backend-choice]')) === 'webgpu', 'the backend select is not WebGPU');

    let t = Date.now();
    await putPhoto(page, 'a', A);
    await putPhoto(page, 'b', SAME);
    const gpuSame = await similarity(page);
    const firstPairMs = Date.now() - t;
    t = Date.now();
    await putPhoto(page, 'b', OTHER);
    const gpuOther = await similarity(page);
    log(`WebGPU (SwiftShader): same ${gpuSame.toFixed(6)}, different ${gpuOther.toFixed(6)} (${firstPairMs} ms for two photos, ${Date.now() - t} ms for one)`);

    // Automatic does not take a software adapter: WebAssembly, with the reason on the card.
    await chooseBackend(page, 'auto');
    assert((await page.getAttribute('[data-testid=backend]', 'data-backend')) === 'wasm', 'Automatic kept WebGPU on SwiftShader');
    assert((await page.getAttribute('[data-testid=backend-note]', 'data-why')) === 'software-adapter', 'no software-adapter note');
    log(`Automatic: ${await page.textContent('[data-testid=backend]')} · ${await page.textContent('[data-testid=backend-note]')}`);
    const wasmOther = await similarity(page);
    await putPhoto(page, 'b', SAME);
    const wasmSame = await similarity(page);
    log(`WebAssembly: same ${wasmSame.toFixed(6)}, different ${wasmOther.toFixed(6)}`);
    log(`|WebGPU − WebAssembly|: same ${Math.abs(gpuSame - wasmSame).toExponential(2)}, different ${Math.abs(gpuOther - wasmOther).toExponential(2)}`);
    near(gpuSame, wasmSame, TOLERANCE, 'same-person WebGPU vs WebAssembly');
    near(gpuOther, wasmOther, TOLERANCE, 'different-people WebGPU vs WebAssembly');
    near(wasmSame, nativeJson('compare', A, SAME, '--max-side', '320').similarity, PARITY, 'same-person WebAssembly vs CLI');
    near(wasmOther, nativeJson('compare', A, OTHER, '--max-side', '320').similarity, PARITY, 'different-people WebAssembly vs CLI');
    const foreign = gpu.foreignRequests();
    assert(foreign.length === 0, `requests to other origins: ${foreign.join(', ')}`);
  } finally {
    await gpu.close();
  }
}
