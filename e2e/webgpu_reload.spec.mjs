// Automatic in a browser whose only WebGPU adapter is a software one runs WebAssembly (with the reason on
// the runtime card) from onnxruntime-web's WebAssembly build. Choosing WebGPU then needs the other build:
// the settings card says so and offers a reload, the models keep running on WebAssembly meanwhile, and the
// reload comes back on WebGPU with every setting kept.
import { Browser, assert } from './harness.mjs';

// onnxruntime-web logs, through console.error, that it keeps shape operators on the CPU on WebGPU.
export const allowedConsoleErrors = [/VerifyEachNodeIsAssignedToAnEp/];

export default async function ({ browser, log }) {
  const gpu = await Browser.start({ server: browser.server, webgpu: true });
  try {
    const page = await gpu.open();
    assert((await page.inputValue('[data-testid=backend-choice]')) === 'auto', 'a fresh profile should start on Automatic');
    assert((await page.getAttribute('[data-testid=backend]', 'data-backend')) === 'wasm', 'Automatic took the software adapter');
    assert((await page.getAttribute('[data-testid=backend-note]', 'data-why')) === 'software-adapter', 'no software-adapter note');
    assert(await page.isHidden('[data-testid=reload-note]'), 'a reload is offered before anything asks for one');

    await page.selectOption('[data-testid=max-side]', '320');
    await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 60_000 });
    await page.selectOption('[data-testid=backend-choice]', 'webgpu');
    await page.waitForSelector('[data-testid=reload-note]:not(.hidden)', { timeout: 60_000 });
    await page.waitForSelector('[data-testid=backend-note][data-why=needs-reload]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 60_000 });
    assert((await page.getAttribute('[data-testid=backend]', 'data-backend')) === 'wasm', 'WebGPU without the reload');
    log(`before the reload: ${await page.textContent('[data-testid=backend-note]')}`);

    await Promise.all([page.waitForNavigation(), page.click('[data-testid=reload-for-backend]')]);
    await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
    const card = await page.textContent('[data-testid=backend]');
    log(`after the reload (${page.url().replace(/^.*\?/, '?')}): ${card}`);
    assert((await page.getAttribute('[data-testid=backend]', 'data-backend')) === 'webgpu', `backend: ${card}`);
    assert((await page.inputValue('[data-testid=backend-choice]')) === 'webgpu', 'the backend choice was lost');
    assert((await page.inputValue('[data-testid=max-side]')) === '320', 'the detection size was lost');
    assert(await page.isHidden('[data-testid=reload-note]'), 'the reload is still offered');
    const foreign = gpu.foreignRequests();
    assert(foreign.length === 0, `requests to other origins: ${foreign.join(', ')}`);
  } finally {
    await gpu.close();
  }
}
