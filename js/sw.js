// The service worker: after one visit the page loads and runs with the network off. scripts/write_sw.mjs puts
// `const BUILD = { id, app, ort, models }` (what this build precaches) in front of this file as dist/sw.js.
//
// Three caches, each keyed so that a key never names other bytes:
// - `simface-app-<build id>`: this build's index.html, wasm, glue, CSS, snippets, manifest, icon and sample
//   photos (Trunk's names carry content hashes; the build id is a hash of all the files). One per build: the
//   activation of a new build deletes the others, so an old wasm is never served beside a new index.html.
// - `simface-ort-<version>`: onnxruntime-web's files, checked against the SHA-384 that js/onnxruntime-web.json
//   pins (the page loads them with the same hashes as Subresource Integrity). The WebAssembly build is
//   precached; the WebGPU build (27 MB, used only where WebGPU runs) is kept when the page first loads it.
// - `simface-models-v1`: the app's own model cache (src/app/services/model_files.rs), keyed
//   `models/<file>?sha256=<hash>`. The worker adds the manifest's models the app has not stored yet, after
//   checking their SHA-256, and removes the entries of models the manifest no longer lists.
//
// Requests: a navigation goes to the network first (a new deployment shows at once) and falls back to the
// cached index.html; content-hashed files, onnxruntime-web and the models come from the caches first; the other
// files of the build (snippets, manifest, icon, sample photos) from the cache for a page of this build, else
// from the network first (see OWN). Anything else goes to the network as if there were no worker.

const APP_CACHE = `simface-app-${BUILD.id}`;
const ORT_CACHE = `simface-ort-${BUILD.ort.version}`;
const MODEL_CACHE = 'simface-models-v1';
const SCOPE = new URL('./', self.location).href;
const at = (path) => new URL(path, SCOPE).href;
const modelKey = (m) => at(`models/${m.file}?sha256=${m.sha256}`);
const APP = new Set(BUILD.app);
const ORT = new Map([...BUILD.ort.files, ...BUILD.ort.onUse].map((f) => [f.file, f.sha384]));
const MODELS = new Map(BUILD.models.map((m) => [m.file, m]));
// Trunk's content-hashed names: simface-web-<hash>.js, simface-web-<hash>_bg.wasm, main-<hash>.css, …
const HASHED = /^[^/]+-[0-9a-f]{16}(_bg)?\.[a-z]+$/;

async function digest(algorithm, bytes) {
  return new Uint8Array(await crypto.subtle.digest(algorithm, bytes));
}
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const base64 = (b) => btoa(String.fromCharCode(...b));

/** A fetch that must succeed (an HTTP error status is an error too). */
async function fetchOk(request) {
  const resp = await fetch(request);
  if (!resp.ok) throw new Error(`${request.url ?? request}: HTTP ${resp.status}`);
  return resp;
}

/** `resp` again, with `bytes` as its body and its headers kept (Content-Type for the wasm compiler, COOP/COEP
 *  for a worker script in a cross-origin isolated page). */
function withBody(resp, bytes) {
  return new Response(bytes, { status: resp.status, statusText: resp.statusText, headers: resp.headers });
}

/** onnxruntime-web's `file` from the network, kept only when it has the pinned SHA-384. */
async function fetchOrt(file) {
  const resp = await fetchOk(at(`ort/${file}`));
  const bytes = await resp.arrayBuffer();
  const actual = base64(await digest('SHA-384', bytes));
  if (actual !== ORT.get(file)) throw new Error(`ort/${file}: SHA-384 ${actual}, pinned ${ORT.get(file)}`);
  await (await caches.open(ORT_CACHE)).put(at(`ort/${file}`), withBody(resp, bytes));
}

/** The build's own files, then index.html checked against them: every hashed file it names must be this
 *  build's, else a deployment changed under the worker and nothing is kept (the next visit tries again). */
async function precacheApp() {
  const cache = await caches.open(APP_CACHE);
  await Promise.all(
    BUILD.app.map(async (path) => {
      if (await cache.match(at(path))) return;
      await cache.put(at(path), await fetchOk(new Request(at(path), { cache: 'no-cache' })));
    }),
  );
  const html = await (await cache.match(at('./'))).text();
  const named = [...html.matchAll(/["'](?:\/|\.\/)?([^"'/\s]+-[0-9a-f]{16}(?:_bg)?\.[a-z]+)["']/g)].map((m) => m[1]);
  const foreign = named.filter((p) => !APP.has(p));
  if (named.length === 0 || foreign.length) {
    await caches.delete(APP_CACHE);
    throw new Error(`index.html is not build ${BUILD.id}'s (it names ${foreign.join(', ') || 'no hashed file'})`);
  }
}

async function precacheOrt() {
  const cache = await caches.open(ORT_CACHE);
  for (const { file } of BUILD.ort.files) if (!(await cache.match(at(`ort/${file}`)))) await fetchOrt(file);
}

/** The manifest's models the app has not stored, the liveness models first (the live camera's default needs
 *  them), one at a time so that the app, which checks the cache before it downloads, rarely fetches the same
 *  file at the same moment. */
async function precacheModels() {
  const cache = await caches.open(MODEL_CACHE);
  const order = [...BUILD.models].sort((a, b) => (b.kind === 'liveness') - (a.kind === 'liveness'));
  for (const m of order) {
    if (await cache.match(modelKey(m))) continue;
    const bytes = await (await fetchOk(at(`models/${m.file}`))).arrayBuffer();
    const actual = hex(await digest('SHA-256', bytes));
    if (actual !== m.sha256) throw new Error(`models/${m.file}: SHA-256 ${actual}, the manifest says ${m.sha256}`);
    if (await cache.match(modelKey(m))) continue;
    await cache.put(modelKey(m), new Response(bytes, { headers: { 'Content-Type': 'application/octet-stream' } }));
  }
}

self.addEventListener('install', (event) => {
  // Installed means everything is here: until then the previous worker (if any) keeps its caches.
  event.waitUntil(
    (async () => {
      await precacheApp();
      await precacheOrt();
      await precacheModels();
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        const other = (prefix, own) => name.startsWith(prefix) && name !== own;
        if (other('simface-app-', APP_CACHE) || other('simface-ort-', ORT_CACHE)) await caches.delete(name);
      }
      const models = await caches.open(MODEL_CACHE);
      const keep = new Set(BUILD.models.map(modelKey));
      for (const request of await models.keys()) if (!keep.has(request.url)) await models.delete(request);
      await self.clients.claim();
    })(),
  );
});

// The pages known to run this build: their index.html came from this worker's cache, or the network gave the
// same bytes. Their requests for the build's files are answered from the cache without asking the network. Any
// other page's go to the network first: its index.html may be another deployment's, and some files keep their
// names from build to build (wasm-bindgen's snippets: `snippets/<crate>-<hash of its name and version>/…`).
// A worker that the browser stopped and started again has forgotten them: network first again, still right.
const OWN = new Set();

async function navigation(event) {
  const cache = await caches.open(APP_CACHE);
  try {
    const resp = await fetch(event.request);
    const cached = await cache.match(at('./'));
    if (cached && resp.ok && (await resp.clone().text()) === (await cached.text())) OWN.add(event.resultingClientId);
    return resp;
  } catch (offline) {
    const cached = await cache.match(at('./'));
    if (!cached) throw offline;
    OWN.add(event.resultingClientId);
    return cached;
  }
}

/** A content-hashed file: the same name is the same bytes in any cache, so any cache will do. */
async function cacheFirst(request) {
  return (await caches.match(request.url)) ?? fetch(request);
}

/** A file of the build whose name does not change with its bytes: from the cache for a page of this build,
 *  else from the network first. */
async function buildFile(event, path) {
  const cache = await caches.open(APP_CACHE);
  if (OWN.has(event.clientId)) return (await cache.match(at(path))) ?? fetch(event.request);
  try {
    return await fetch(event.request);
  } catch (offline) {
    const cached = await cache.match(at(path));
    if (cached) return cached;
    throw offline;
  }
}

async function ortFile(event, file) {
  const cached = await (await caches.open(ORT_CACHE)).match(at(`ort/${file}`));
  if (cached) return cached;
  const resp = await fetch(event.request);
  // Not precached (the WebGPU build): kept once the page has used it, when it has the pinned hash.
  if (resp.ok) event.waitUntil(keepOrt(file, resp.clone()));
  return resp;
}

async function keepOrt(file, resp) {
  const bytes = await resp.arrayBuffer();
  if (base64(await digest('SHA-384', bytes)) === ORT.get(file)) {
    await (await caches.open(ORT_CACHE)).put(at(`ort/${file}`), withBody(resp, bytes));
  }
}

async function modelFile(request, model) {
  return (await (await caches.open(MODEL_CACHE)).match(modelKey(model))) ?? fetch(request);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || !request.url.startsWith(SCOPE)) return;
  const url = new URL(request.url);
  const path = url.href.slice(SCOPE.length).split(/[?#]/)[0];
  if (request.mode === 'navigate') {
    if (path === '' || path === 'index.html') event.respondWith(navigation(event));
    return;
  }
  const [folder, file] = path.split('/', 2);
  if (folder === 'ort' && ORT.has(file)) return event.respondWith(ortFile(event, file));
  if (folder === 'models' && MODELS.has(file) && url.search === '') return event.respondWith(modelFile(request, MODELS.get(file)));
  if (HASHED.test(path)) return event.respondWith(cacheFirst(request));
  if (APP.has(path)) return event.respondWith(buildFile(event, path));
});
