// A model download goes wrong (damaged bytes, then a server error): the page says so and offers Retry;
// with the server fixed, Retry loads the models and the app works. Nothing damaged is ever cached.
import { assert, putPhoto, sample, similarity } from './harness.mjs';

export default async function ({ page, log }) {
  await page.evaluate(() => caches.delete('simface-models-v1'));
  await page.route('**/models/edgeface_xs.onnx', (route) =>
    route.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.alloc(9151397, 7) }),
  );
  await page.reload();
  await page.waitForSelector('[data-testid=engine-status][data-status=failed]', { timeout: 60_000 });
  const damaged = await page.textContent('[data-testid=engine-status]');
  log(`damaged model: ${damaged}`);
  assert(/failed verification/.test(damaged), damaged);

  await page.unroute('**/models/edgeface_xs.onnx');
  await page.route('**/models/edgeface_xs.onnx', (route) => route.fulfill({ status: 503, body: 'busy' }));
  await page.click('[data-testid=retry]');
  await page.waitForSelector('[data-testid=engine-status][data-status=failed]', { timeout: 60_000 });
  const http = await page.textContent('[data-testid=engine-status]');
  log(`server error: ${http}`);
  assert(/HTTP 503/.test(http), http);

  // A photo dropped meanwhile waits for the models.
  await page.setInputFiles('[data-testid=file-a]', sample('gallery/SJOHAN-011_32193038.jpg'));
  await page.unroute('**/models/edgeface_xs.onnx');
  await page.click('[data-testid=retry]');
  await page.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 60_000 });
  await putPhoto(page, 'b', sample('probe/SJOHAN-022_65ffb673.jpg'));
  const s = await similarity(page);
  log(`after retry: ${s.toFixed(4)}`);
  assert(s > 0.35, `expected the same person, got ${s}`);
}
