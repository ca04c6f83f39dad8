// The page works on a phone-width screen and with the keyboard alone: nothing overflows sideways at
// 390 px, every control has a name, and a photo can be chosen, a face picked and the threshold moved
// without a mouse.
import { assert, putPhoto, sample, settle, similarity, slotJob } from './harness.mjs';

/** Presses Tab until `selector` has the focus (at most `max` presses). */
async function tabTo(page, selector, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return i + 1;
  }
  throw new Error(`Tab never reached ${selector}`);
}

export default async function ({ page, log }) {
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    // Keyboard: the slot's "Choose a photo…" button opens the file picker with Enter.
    await page.evaluate(() => document.activeElement?.blur());
    const presses = await tabTo(page, '[data-slot=a] .slot-actions button');
    const chooser = page.waitForEvent('filechooser');
    // A round trip to the page, so that Playwright's file-chooser interception is on before the key press.
    await page.evaluate(() => 0);
    const job = await slotJob(page, 'a');
    await page.keyboard.press('Enter');
    await (await chooser).setFiles(sample('groups/office4.jpg'));
    await settle(page, 'a', job);
    log(`"Choose a photo…" of slot A after ${presses} Tab presses, opened with Enter`);
    await putPhoto(page, 'b', sample('gallery/BPITT1-001_c04300ef.jpg'));
    const before = await similarity(page);

    // Pick another face with the arrow keys.
    await page.focus('[data-testid=face-select-a]');
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction((s) => {
      const v = document.querySelector('[data-testid=similarity]')?.getAttribute('data-value');
      return v !== null && v !== undefined && Number(v) !== s;
    }, before, { timeout: 30_000 });
    const after = await similarity(page);
    const selected = await page.$eval('[data-testid=face-select-a]', (e) => e.value);
    log(`face picked with ArrowDown: face ${Number(selected) + 1}, score ${before.toFixed(4)} -> ${after.toFixed(4)}`);
    assert(selected === '1', `face select value ${selected}`);

    // The threshold slider moves with the arrow keys.
    const t0 = await page.textContent('[data-testid=threshold-value]');
    await page.focus('[data-testid=threshold]');
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    const t1 = await page.textContent('[data-testid=threshold-value]');
    log(`threshold with ArrowRight ×5: ${t0} -> ${t1}`);
    assert(Math.abs(Number(t1) - Number(t0) - 0.05) < 1e-6, `threshold ${t0} -> ${t1}`);

    // Phone width: no sideways scrolling, with photos and results shown.
    const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: innerWidth }));
    log(`at 390 px: page scroll width ${width.scroll}, window ${width.inner}`);
    assert(width.scroll <= width.inner, `the page overflows sideways at 390 px (${width.scroll} > ${width.inner})`);
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('main *')]
        .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > innerWidth + 0.5)
        .map((e) => e.tagName.toLowerCase() + (e.className ? `.${String(e.className).split(' ')[0]}` : '')));
    assert(wide.length === 0, `elements wider than the screen: ${wide.slice(0, 5).join(', ')}`);

    // Every visible control has an accessible name.
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('button, input, select, textarea, a[href], [tabindex]:not([tabindex="-1"])')]
        .filter((e) => e.getClientRects().length && !e.closest('.hidden'))
        .filter((e) => {
          const byId = (e.getAttribute('aria-labelledby') || '').split(' ').map((id) => document.getElementById(id));
          const name = [e.getAttribute('aria-label'), e.labels?.[0]?.textContent, e.textContent, e.title,
            ...byId.map((l) => l?.textContent)].find((t) => t && t.trim());
          return !name;
        })
        .map((e) => e.outerHTML.slice(0, 80)));
    assert(unnamed.length === 0, `controls without a name: ${unnamed.join(' | ')}`);
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
  }
}
