// Writes the service worker of one build: `sw.js` in the build's folder, made of a header that lists what this
// build precaches and the worker itself (js/sw.js). Trunk runs it after every build (Trunk.toml, [[hooks]]
// post_build, with TRUNK_STAGING_DIR set to the folder that becomes dist/); the update spec runs it on a copy
// of dist/. Usage: node scripts/write_sw.mjs [dir]   (dir defaults to $TRUNK_STAGING_DIR, then dist)
//
// The build id is a hash of every precached app file (path and bytes), the pinned onnxruntime-web files, the
// models of the manifest and the worker's own code: any change to what the page runs gives a sw.js that differs
// byte-wise, so the browser installs the new worker, and an unchanged build gives the same sw.js (no update).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const dir = resolve(process.argv[2] || process.env.TRUNK_STAGING_DIR || join(ROOT, 'dist'));
const OUT = 'sw.js';
// Not app files: onnxruntime-web and the models have caches of their own (js/sw.js), listed below.
const NOT_APP = new Set(['ort', 'models', OUT]);

/** Every file under `at`, as paths relative to the build's folder with '/' separators (symbolic links followed). */
function files(at) {
  return readdirSync(at)
    .sort()
    .flatMap((name) => {
      const path = join(at, name);
      const rel = relative(dir, path).split('\\').join('/');
      if (at === dir && NOT_APP.has(name)) return [];
      return statSync(path).isDirectory() ? files(path) : [rel];
    });
}

const app = files(dir);
if (!app.includes('index.html')) {
  console.error(`write_sw: ${dir} has no index.html; is it a Trunk build?`);
  process.exit(1);
}
const ortPins = JSON.parse(readFileSync(join(ROOT, 'js/onnxruntime-web.json'), 'utf8'));
const pinned = (set) => Object.values(set).map(({ file, sha384 }) => ({ file, sha384 }));
const models = JSON.parse(readFileSync(join(ROOT, 'models/manifest.json'), 'utf8')).models.map(({ file, sha256, size, kind }) => ({
  file,
  sha256,
  size,
  kind,
}));
const worker = readFileSync(join(ROOT, 'js/sw.js'), 'utf8');

const hash = createHash('sha256');
for (const rel of app) hash.update(`${rel}\0`).update(readFileSync(join(dir, rel))).update('\0');
hash.update(JSON.stringify({ ortPins, models })).update(worker);
const build = {
  id: hash.digest('hex').slice(0, 16),
  // index.html is precached as the scope's root ('./'), the address the page is opened at.
  app: app.map((rel) => (rel === 'index.html' ? './' : rel)),
  ort: { version: ortPins.version, files: pinned(ortPins.files), onUse: pinned(ortPins.webgpu_files) },
  models,
};
const header =
  '// Written by scripts/write_sw.mjs for one build (do not edit; the worker itself is js/sw.js).\n' +
  `const BUILD = ${JSON.stringify(build, null, 1)};\n\n`;
writeFileSync(join(dir, OUT), header + worker);
const bytes = (list) => list.reduce((n, rel) => n + statSync(join(dir, rel)).size, 0);
console.log(
  `write_sw: ${OUT} for build ${build.id}: ${app.length} app files (${(bytes(app) / 1e6).toFixed(1)} MB), ` +
    `onnxruntime-web ${build.ort.version} (${build.ort.files.length} files), ${models.length} models`,
);
