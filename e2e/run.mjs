// Runs the browser tests: every e2e/*.spec.mjs (or those named on the command line), one browser and
// one server for all, against the built app in dist/ (`trunk build --release` first).
// Each spec exports `default async function (t)` with t = { browser, page, log }.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, ROOT, assert } from './harness.mjs';

if (!existsSync(join(ROOT, 'dist/index.html'))) {
  console.error('e2e: dist/ is missing; run `trunk build --release` first');
  process.exit(2);
}
const wanted = process.argv.slice(2);
const specs = readdirSync(new URL('.', import.meta.url).pathname)
  .filter((f) => f.endsWith('.spec.mjs'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

const browser = await Browser.start({ isolated: !process.env.SIMFACE_E2E_NOT_ISOLATED });
let failed = 0;
try {
  const page = await browser.open();
  console.log(`e2e: models ready ${page.readyAfterMs} ms after navigation (fresh profile)`);
  for (const spec of specs) {
    const t0 = Date.now();
    const log = (...a) => console.log(`    ${a.join(' ')}`);
    try {
      const mod = await import(`./${spec}`);
      await page.reload();
      await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
      await mod.default({ browser, page, log });
      console.log(`ok   ${spec} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${spec}: ${e.stack || e}`);
    }
  }
  const foreign = browser.foreignRequests();
  try {
    assert(foreign.length === 0, `requests to other origins: ${foreign.join(', ')}`);
    console.log(`ok   every request (${browser.requests.length}) went to ${browser.server.url}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${e.message}`);
  }
  if (browser.consoleErrors.length) console.log(`note: console errors:\n  ${browser.consoleErrors.join('\n  ')}`);
} finally {
  await browser.close();
}
// The plain closing line CI reads: 'N passed, N failed'.
console.log(`e2e: ${specs.length + 1 - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
