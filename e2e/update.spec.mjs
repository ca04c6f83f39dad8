// A new deployment replaces the old one cleanly: build A (dist/) is served and visited until its service worker
// controls the page, then build B is served at the same address and the page reloaded: B's index.html runs with
// B's glue and wasm (never A's beside B's, or the reverse), B's worker takes over and deletes A's build cache,
// and the models and onnxruntime-web stay cached (their keys are hashes and versions, not builds). Offline, a
// reload then gives B from B's cache.
//
// B is dist/ with a marker in index.html and the glue and wasm under other content-hash names (the same bytes
// linked: a real rebuild is a minute of compiling), and its own sw.js written by scripts/write_sw.mjs, as
// Trunk's post-build hook writes it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, ROOT, assert, ensureOut } from './harness.mjs';
import { serve } from './serve.mjs';

const A = join(ROOT, 'dist');

/** Build B in target/e2e/update-b (see above); returns { dir, renamed: [[A's name, B's name]…] }. */
function makeBuildB() {
  const dir = join(ensureOut(), 'update-b');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const renamed = [];
  for (const name of readdirSync(A)) {
    if (name === 'sw.js' || name === 'index.html') continue;
    const hashed = /^(simface-web-)([0-9a-f]{16})((_bg)?\.(js|wasm))$/.exec(name);
    let target = name;
    if (hashed) {
      const other = [...hashed[2]].reverse().join('');
      target = `${hashed[1]}${other === hashed[2] ? other.replace(/^./, (c) => (c === '0' ? '1' : '0')) : other}${hashed[3]}`;
      renamed.push([name, target]);
    }
    symlinkSync(join(A, name), join(dir, target));
  }
  let html = readFileSync(join(A, 'index.html'), 'utf8');
  for (const [from, to] of renamed) html = html.split(from).join(to);
  html = html.replace('<meta charset="utf-8" />', '<meta charset="utf-8" />\n    <meta name="simface-deployment" content="B" />');
  assert(html.includes('simface-deployment') && renamed.length === 2, 'build B: index.html not as expected');
  writeFileSync(join(dir, 'index.html'), html);
  execFileSync(process.execPath, [join(ROOT, 'scripts/write_sw.mjs'), dir], { stdio: 'pipe' });
  return { dir, renamed };
}

const buildId = (dir) => /"id": "([0-9a-f]+)"/.exec(readFileSync(join(dir, 'sw.js'), 'utf8'))[1];

async function cacheNames(page) {
  return page.evaluate(() => caches.keys());
}

export default async function ({ log }) {
  const B = makeBuildB();
  const [idA, idB] = [buildId(A), buildId(B.dir)];
  assert(idA !== idB, `builds A and B have the same id ${idA}`);
  const server = await serve({ dir: A, isolated: !process.env.SIMFACE_E2E_NOT_ISOLATED, validators: true });
  const b = await Browser.start({ server, serviceWorkers: 'allow' });
  try {
    const p = await b.open();
    await p.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 180_000 });
    const before = await cacheNames(p);
    log(`build A (${idA}) controls the page; caches ${before.join(', ')}`);
    assert(before.includes(`simface-app-${idA}`), `no cache of build A: ${before}`);

    server.remount({ '/': B.dir });
    await p.reload();
    await p.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
    const marker = await p.getAttribute('meta[name=simface-deployment]', 'content');
    const loaded = await p.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname.slice(1)));
    const ofA = loaded.filter((n) => B.renamed.some(([a]) => n === a));
    const ofB = B.renamed.filter(([, bName]) => loaded.includes(bName)).map(([, bName]) => bName);
    log(`after B is deployed, one reload: marker ${marker}; loaded B's ${ofB.join(', ')}; A's ${ofA.join(', ') || 'none'}`);
    assert(marker === 'B', 'the reload did not run build B');
    assert(ofB.length === 2 && ofA.length === 0, `glue and wasm: B's ${ofB}, A's ${ofA}`);

    // B's worker (the reload's navigation made the browser fetch the new sw.js) installs, activates, and
    // deletes A's build cache; the models and onnxruntime-web stay.
    // (The wait runs in the page: waitForFunction would take the promise itself for a true value.)
    const replaced = await p.evaluate(async ([a, bId]) => {
      const done = async () => {
        const k = await caches.keys();
        return k.includes(`simface-app-${bId}`) && !k.includes(`simface-app-${a}`);
      };
      for (const end = Date.now() + 120_000; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
        if (await done()) return true;
      }
      return false;
    }, [idA, idB]);
    assert(replaced, `build B's worker did not replace A's cache: ${await cacheNames(p)}`);
    const after = await p.evaluate(async () =>
      Object.fromEntries(await Promise.all((await caches.keys()).map(async (k) => [k, (await (await caches.open(k)).keys()).length]))),
    );
    log(`caches once B's worker is active: ${JSON.stringify(after)}`);
    const models = JSON.parse(readFileSync(join(ROOT, 'models/manifest.json'), 'utf8')).models.length;
    assert(after['simface-models-v1'] === models && after['simface-ort-1.30.0'] === 3, 'the models or onnxruntime-web were dropped');
    assert(Object.keys(after).filter((k) => k.startsWith('simface-app-')).length === 1, 'more than one build cache');

    // Offline, B comes from B's cache.
    await b.context.setOffline(true);
    await p.reload();
    await p.waitForSelector('[data-testid=engine-status][data-status=ready]', { timeout: 120_000 });
    const offline = await p.getAttribute('meta[name=simface-deployment]', 'content');
    log(`offline reload: marker ${offline}`);
    assert(offline === 'B', 'offline, the page is not build B');
  } finally {
    await b.close();
    await server.close();
  }
}
