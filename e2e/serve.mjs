// A small static file server for the built app (dist/), for the browser tests and for trying a build.
//   node e2e/serve.mjs [--dir dist] [--port 8090] [--isolated]
// --isolated adds the COOP/COEP headers that make the page cross-origin isolated (wasm threads).
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

/** Starts the server; resolves to { url, close, requests, sent, remount } (requests: every path asked for;
 *  sent: { path, status, bytes } of every answer, bytes of the body; remount(mounts): serve other folders from
 *  now on, at the same address: another deployment of the app). `validators`: send an ETag and answer a
 *  request that has it with 304 Not Modified, as most static servers do (without it, every request gets the
 *  whole file, as the benchmarks' numbers assume). */
export async function serve({ dir = 'dist', port = 0, isolated = false, validators = false } = {}) {
  return serveMounts({ mounts: { '/': dir }, port, isolated, validators });
}

/** A static server with several folders, each under its own URL prefix (`{ '/human/': 'node_modules/…',
 *  '/': 'dist' }`; the longest matching prefix wins; a request under no prefix is a 404). Same answers and
 *  headers as `serve`, which is this with one folder at '/'. Resolves to { url, close, requests }. */
export async function serveMounts({ mounts, port = 0, isolated = false, validators = false }) {
  const rootsOf = (mounts) =>
    Object.entries(mounts)
      .map(([prefix, dir]) => [prefix, resolve(dir)])
      .sort((a, b) => b[0].length - a[0].length);
  let roots = rootsOf(mounts);
  const requests = [];
  const sent = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    requests.push(path);
    let bytes = 0;
    res.on('finish', () => sent.push({ path, status: res.statusCode, bytes }));
    const mount = roots.find(([prefix]) => path.startsWith(prefix));
    if (!mount) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const [prefix, root] = mount;
    let file = normalize(join(root, path.slice(prefix.length - 1)));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      const headers = {
        'Content-Type': TYPES[extname(file).toLowerCase()] || 'application/octet-stream',
        'Content-Length': body.length,
        'Cache-Control': 'no-cache',
      };
      if (isolated) {
        headers['Cross-Origin-Opener-Policy'] = 'same-origin';
        headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      }
      if (validators) {
        const { size, mtimeMs } = await stat(file);
        headers.ETag = `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
        if (req.headers['if-none-match'] === headers.ETag) {
          delete headers['Content-Length'];
          res.writeHead(304, headers).end();
          return;
        }
      }
      bytes = body.length;
      res.writeHead(200, headers).end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}/`;
  return {
    url,
    requests,
    sent,
    remount: (mounts) => {
      roots = rootsOf(mounts);
    },
    close: () => new Promise((ok) => server.close(ok)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const opt = (name, def) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
  const { url } = await serve({
    dir: opt('--dir', 'dist'),
    port: Number(opt('--port', 8090)),
    isolated: args.includes('--isolated'),
  });
  console.log(`serving ${opt('--dir', 'dist')} on ${url}${args.includes('--isolated') ? ' (cross-origin isolated)' : ''}`);
}
