// The user opens the page: the models load with a progress bar that reaches 100 %, the backend and
// threads are shown, and a reload takes the models from the Cache API instead of downloading them.
import { assert } from './harness.mjs';

export default async function ({ browser, page, log }) {
  const rows = await page.$$eval('[data-testid=progress] li', (lis) =>
    lis.map((li) => ({ file: li.dataset.file, percent: Number(li.dataset.percent), text: li.textContent })),
  );
  assert(rows.length >= 2, `expected the detector and embedder in the progress list, got ${JSON.stringify(rows)}`);
  for (const r of rows) assert(r.percent === 100, `${r.file} at ${r.percent} %`);
  assert(rows.every((r) => /verified/.test(r.text)), `not all verified: ${JSON.stringify(rows)}`);
  // This page load came after the first one (the runner reloads), so the models came from the cache.
  assert(rows.every((r) => /from cache/.test(r.text)), `a reload downloaded again: ${JSON.stringify(rows)}`);
  const threads = await page.textContent('[data-testid=threads]');
  const backend = await page.textContent('[data-testid=backend]');
  const isolated = await page.evaluate(() => crossOriginIsolated);
  log(`backend: ${backend}; threads: ${threads}; crossOriginIsolated: ${isolated}`);
  assert(/^\d+/.test(threads), `threads not shown: ${threads}`);
  if (!isolated) assert(threads.startsWith('1 '), `not isolated but ${threads}`);
  const modelRequests = browser.requests.filter((u) => u.includes('/models/'));
  log(`model requests so far: ${modelRequests.length} (${rows.map((r) => r.file).join(', ')})`);
}
