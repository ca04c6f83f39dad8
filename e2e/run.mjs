// Runs the browser tests: every e2e/*.spec.mjs (or those named on the command line), one browser and
// one server for all, against the built app in dist/ (`trunk build --release` first).
// Each spec exports `default async function (t)` with t = { browser, page, log }, and may export
// `allowedConsoleErrors`: regular expressions for the console and page errors it provokes on purpose. Any
// other console error (`console.error`, an uncaught exception) while a spec runs fails that spec, and one
// while the app first loads fails the run.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, ROOT, assert, consoleErrors, unexpectedConsoleErrors } from './harness.mjs';

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
  const atStart = unexpectedConsoleErrors(0);
  if (atStart.length) {
    failed++;
    console.log(`FAIL console errors while the app first loaded:\n  ${atStart.join('\n  ')}`);
  }
  for (const spec of specs) {
    const t0 = Date.now();
    const log = (...a) => console.log(`    ${a.join(' ')}`);
    const since = consoleErrors.length;
    try {
      const mod = await import(`./${spec}`);
      await page.reload();
      await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
      await mod.default({ browser, page, log });
      const allowed = mod.allowedConsoleErrors ?? [];
      const unexpected = unexpectedConsoleErrors(since, allowed);
      const allowedSeen = consoleErrors.length - since - unexpected.length;
      assert(unexpected.length === 0, `unexpected console errors:\n  ${unexpected.join('\n  ')}`);
      const note = allowedSeen ? `; ${allowedSeen} console error(s) it provokes on purpose` : '';
      console.log(`ok   ${spec} (${Date.now() - t0} ms${note})`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${spec}: ${e.stack || e}`);
      const later = consoleErrors.slice(since);
      if (later.length) console.log(`     console errors during it:\n       ${later.join('\n       ')}`);
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
} finally {
  await browser.close();
}
// The plain closing line CI reads: 'N passed, N failed'.
console.log(`e2e: ${Math.max(0, specs.length + 1 - failed)} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
