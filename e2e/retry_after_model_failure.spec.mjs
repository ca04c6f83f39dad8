// A model download goes wrong (damaged bytes, more bytes than the manifest's size, then a server error): the
// page says so and offers Retry;
// with the server fixed, Retry loads the models and the app works. Nothing damaged is ever cached: the
// Cache API holds no entry for the model after either failure, and after the retry it holds the good one
// (entries are keyed `models/<file>?sha256=<hash of the manifest>`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, assert, putPhoto, sample, similarity } from './harness.mjs';

const FILE = 'edgeface_xs.onnx';
const SHA256 = JSON.parse(readFileSync(join(ROOT, 'models/manifest.json'), 'utf8')).models.find((m) => m.file === FILE).sha256;

// Chromium reports the deliberate 503 as a failed resource load; nothing else may reach the console.
export const allowedConsoleErrors = [/Failed to load resource: the server responded with a status of 503/];

/** The URLs the app's model cache holds for `file` (none when the cache does not exist). */
async function cached(page, file) {
  return page.evaluate(async (f) => {
    if (!(await caches.has('simface-models-v1'))) return [];
    const cache = await caches.open('simface-models-v1');
    return (await cache.keys()).map((r) => r.url).filter((u) => new URL(u).pathname.endsWith(`/models/${f}`));
  }, file);
}

export default async function ({ page, log }) {
  await page.evaluate(() => caches.delete('simface-models-v1'));
  await page.route(`**/models/${FILE}`, (route) =>
    route.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.alloc(9151397, 7) }),
  );
  await page.reload();
  await page.waitForSelector('[data-testid=engine-status][data-status=failed]', { timeout: 60_000 });
  const damaged = await page.textContent('[data-testid=engine-status]');
  log(`damaged model: ${damaged}`);
  assert(/failed verification/.test(damaged), damaged);
  const afterDamage = await cached(page, FILE);
  log(`cache after the damaged download: ${JSON.stringify(afterDamage)}`);
  assert(afterDamage.length === 0, `the damaged model was cached: ${afterDamage}`);

  // A server sending more than the manifest's size: the download stops there (nothing sized by the server).
  await page.unroute(`**/models/${FILE}`);
  await page.route(`**/models/${FILE}`, (route) =>
    route.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.alloc(2 * 9151397, 7) }),
  );
  await page.click('[data-testid=retry]');
  await page.waitForFunction(() => /more than/.test(document.querySelector('[data-testid=engine-status]')?.textContent ?? ''),
    null, { timeout: 60_000 });
  const oversized = await page.textContent('[data-testid=engine-status]');
  log(`oversized model: ${oversized}`);
  assert(/the server sent more than the manifest's 9151397 bytes/.test(oversized), oversized);
  assert((await cached(page, FILE)).length === 0, 'the oversized download was cached');

  await page.unroute(`**/models/${FILE}`);
  await page.route(`**/models/${FILE}`, (route) => route.fulfill({ status: 503, body: 'busy' }));
  await page.click('[data-testid=retry]');
  await page.waitForSelector('[data-testid=engine-status][data-status=failed]', { timeout: 60_000 });
  const http = await page.textContent('[data-testid=engine-status]');
  log(`server error: ${http}`);
  assert(/HTTP 503/.test(http), http);
  const afterError = await cached(page, FILE);
  assert(afterError.length === 0, `the server's error page was cached: ${afterError}`);

  // A photo dropped meanwhile waits for the models.
  await page.setInputFiles('[data-testid=file-a]', sample('gallery/SJOHAN-011_32193038.jpg'));
  await page.unroute(`**/models/${FILE}`);
  await page.click('[data-testid=retry]');
  await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 60_000 });
  const afterRetry = await cached(page, FILE);
  log(`cache after the retry: ${JSON.stringify(afterRetry)}`);
  assert(
    afterRetry.length === 1 && new URL(afterRetry[0]).searchParams.get('sha256') === SHA256,
    `after the retry the cache should hold ${FILE}?sha256=${SHA256}, holds ${JSON.stringify(afterRetry)}`,
  );
  await putPhoto(page, 'b', sample('probe/SJOHAN-022_65ffb673.jpg'));
  const s = await similarity(page);
  log(`after retry: ${s.toFixed(4)}`);
  assert(s > 0.35, `expected the same person, got ${s}`);
}
