// An internal error (a Rust panic) never leaves a silently dead page: the page shows a notice that says
// what happened and to reload. The panic is provoked with ?simulate=panic.
import { assert } from './harness.mjs';

// The deliberate panic: the panic hook's console.error carrying its message, and the WebAssembly trap
// (`RuntimeError: unreachable`) that a Rust panic ends in.
export const allowedConsoleErrors = [/simulated by \?simulate=panic/, /RuntimeError: unreachable/];

export default async function ({ browser, page, log }) {
  try {
    await page.goto(`${browser.server.url}?simulate=panic`);
    const notice = await page.waitForSelector('[data-testid=panic]', { timeout: 30_000 });
    const text = (await notice.textContent()).trim();
    log(`notice: ${text.slice(0, 140)}`);
    assert(/internal error; reload the page/.test(text), `panic notice: ${text}`);
    assert(/simulated by \?simulate=panic/.test(text), 'the notice does not carry the panic message');
    assert((await notice.getAttribute('role')) === 'alert', 'the notice is not announced (role=alert)');
  } finally {
    // The next spec reloads the current address: leave the normal page behind.
    await page.goto(browser.pageUrl);
    // Let that page finish loading: the runner's reload for the next spec would otherwise abort it midway
    // (an aborted WebAssembly compilation, reported as a page error against the next spec).
    await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
  }
}
