// The user opens the page: the models load with a progress bar that reaches 100 %, the backend and
// threads are shown, and a reload takes the models from the Cache API instead of downloading them. Once
// the background warm-up is over, the model picker shows the speed measured in this browser for the model
// in use, and the reference figures for the others.
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

  // 60 background runs of each model: about 10 s here.
  await page.waitForFunction(
    () => /ms\/face here/.test(document.querySelector('[data-testid=model] option:checked')?.textContent ?? ''),
    null,
    { timeout: 90_000 },
  );
  const options = await page.$$eval('[data-testid=model] option', (os) => os.map((o) => ({ value: o.value, text: o.textContent })));
  log(`model picker: ${options.map((o) => o.text).join(' | ')}`);
  const xs = options.find((o) => o.value === 'xs');
  const measured = Number(/(\d+) ms\/face here/.exec(xs.text)?.[1]);
  assert(measured >= 1 && measured < 2000, `implausible measured speed in "${xs.text}"`);
  assert(/\d+\.\d MB/.test(xs.text), `no size in "${xs.text}"`);
  const others = options.filter((o) => o.value !== 'xs');
  assert(others.length === 3 && others.every((o) => /~\d+ ms\/face$/.test(o.text)), `the unused models should show reference speeds: ${JSON.stringify(others)}`);
}
