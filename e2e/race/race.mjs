// The page side of the race (e2e/bench_race.mjs): one system per tab (race.html?system=...), driven from Node
// through `window.race`. Every file comes from the race's own server on 127.0.0.1 (this origin):
//   /human/, /human-models/         @vladmandic/human's bundle (tfjs included) and its models
//   /face-api/, /face-api-models/   @vladmandic/face-api's bundle (tfjs included) and its models
//   /tfjs-wasm/                     @tensorflow/tfjs-backend-wasm's .wasm files (neither library ships them)
//   /ort/, /models/                 the app's own onnxruntime-web files and models (from dist/), for the raw floor
//   /photos/                        the race's photos (target/race/)
// A run is timed from the File (in memory, as an <input type=file> gives it) to the library's result,
// the browser's decode of the file included.

const BASE = new URL('/', location.href).href;
const photos = new Map(); // name -> File
let runner = null; // (file) -> Promise<number of faces>
let info = {};

const status = (text) => (document.getElementById('status').textContent = text);

/** The photos, as the File objects a file input gives the page: bench_race.mjs puts them into this page's file
 *  input exactly as it puts each photo into the app's (Playwright's setInputFiles with the file's bytes), so that
 *  every system reads the same kind of File; each run reads and decodes it again, as the app does. */
async function loadPhotos(names) {
  const input = document.getElementById('photos');
  for (const name of names) {
    const file = [...input.files].find((f) => f.name === name);
    if (!file) throw new Error(`${name} is not in the page's file input`);
    photos.set(name, file);
  }
}

/** tfjs's WebAssembly backend, as both libraries bundle it: its .wasm files from /tfjs-wasm/, `threads`
 *  threads asked for (setThreadsCount), and what it really runs (getThreadsCount): tfjs-wasm still caps
 *  itself at hardwareConcurrency / 2, so on a 2-core machine it runs 1 thread whatever is asked. */
async function tfjsWasm(tf, threads) {
  tf.setWasmPaths(`${BASE}tfjs-wasm/`);
  if (threads > 0) tf.setThreadsCount(threads);
  await tf.setBackend('wasm');
  await tf.ready();
  return {
    backend: tf.getBackend(),
    threads: tf.getThreadsCount(),
    simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    multithread: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
    tfjs: tf.version_core ?? tf.version?.['tfjs-core'],
  };
}

/** Human 3.3.6: its default face configuration (BlazeFace, face mesh, iris, emotion, FaceRes description;
 *  maxDetected 1), body/hand/object/gesture/segmentation off. Its result cache is off (cacheSensitivity 0),
 *  or it would skip the models on a repeated photo. Input: an ImageBitmap of the file. */
async function setupHuman(threads) {
  const { Human } = await import(`${BASE}human/human.esm.js`);
  const human = new Human({
    backend: 'wasm',
    wasmPath: `${BASE}tfjs-wasm/`,
    modelBasePath: `${BASE}human-models/`,
    debug: false,
    warmup: 'none',
    cacheSensitivity: 0,
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  });
  if (threads > 0) human.tf.setThreadsCount(threads);
  await human.load();
  await human.tf.ready();
  info = {
    library: `Human ${human.version}`,
    backend: human.tf.getBackend(),
    threads: human.tf.getThreadsCount(),
    simd: human.tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    multithread: human.tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
    config: `face: default (maxDetected ${human.config.face.detector.maxDetected}, mesh, iris, emotion, description)`,
  };
  runner = async (file) => {
    const bitmap = await createImageBitmap(file);
    try {
      const result = await human.detect(bitmap);
      if (result.error) throw new Error(result.error);
      const described = result.face.filter((f) => f.embedding?.length > 0).length;
      if (result.face.length && !described) throw new Error('faces without an embedding');
      return result.face.length;
    } finally {
      bitmap.close();
    }
  };
}

/** face-api 1.7.15: `kind` 'tiny' (TinyFaceDetector, input 416) or 'ssd' (SsdMobilenetv1), then the
 *  68-point landmarks and the 128-d descriptor of every face found. Input: an <img> that has decoded the
 *  file (face-api's own input type; it does not take ImageBitmaps). */
async function setupFaceApi(kind, threads) {
  const faceapi = await import(`${BASE}face-api/face-api.esm.js`);
  const tf = faceapi.tf;
  info = { library: `face-api ${faceapi.version} ${kind === 'tiny' ? 'TinyFaceDetector' : 'SsdMobilenetv1'}`, ...(await tfjsWasm(tf, threads)) };
  const models = `${BASE}face-api-models/`;
  const detector = kind === 'tiny' ? faceapi.nets.tinyFaceDetector : faceapi.nets.ssdMobilenetv1;
  await detector.loadFromUri(models);
  await faceapi.nets.faceLandmark68Net.loadFromUri(models);
  await faceapi.nets.faceRecognitionNet.loadFromUri(models);
  const options = kind === 'tiny' ? new faceapi.TinyFaceDetectorOptions() : new faceapi.SsdMobilenetv1Options();
  runner = async (file) => {
    const url = URL.createObjectURL(file);
    const img = new Image();
    try {
      img.src = url;
      await img.decode();
      const faces = await faceapi.detectAllFaces(img, options).withFaceLandmarks().withFaceDescriptors();
      return faces.length;
    } finally {
      img.src = '';
      URL.revokeObjectURL(url);
    }
  };
}

/** The floor: plain onnxruntime-web (the app's files and models) with the app's detection size (longest
 *  side 640, never upscaled), on this page's thread (no proxy worker). A run: decode (createImageBitmap),
 *  downscale on a canvas with the app's quality (imageSmoothingQuality "high": mipmaps; the default "low" is
 *  cheaper on big photos but aliases, so it would be a floor for a lesser detection input), YuNet, its output decoded (score 0.6, NMS 0.3, as the app) to count faces, then
 *  EdgeFace-XS on the best face's box cut to 112×112 (a plain crop: no landmark alignment). */
async function setupRaw(threads) {
  await new Promise((ok, fail) => {
    const s = document.createElement('script');
    s.src = `${BASE}ort/ort.wasm.min.js`;
    s.onload = ok;
    s.onerror = () => fail(new Error('ort.wasm.min.js did not load'));
    document.head.append(s);
  });
  const ort = globalThis.ort;
  ort.env.wasm.wasmPaths = `${BASE}ort/`;
  ort.env.wasm.numThreads = threads > 0 ? threads : 2;
  ort.env.wasm.proxy = false;
  const opts = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  const open = async (path) => ort.InferenceSession.create(new Uint8Array(await (await fetch(BASE + path)).arrayBuffer()), opts);
  const yunet = await open('models/face_detection_yunet.onnx');
  const edgeface = await open('models/edgeface_xs.onnx');
  info = { library: `onnxruntime-web ${ort.env.versions?.web ?? ''}`.trim(), backend: 'wasm', threads: ort.env.wasm.numThreads, proxy: false };
  runner = async (file) => {
    const bitmap = await createImageBitmap(file);
    try {
      const fit = Math.min(1, 640 / Math.max(bitmap.width, bitmap.height));
      const [w, h] = [Math.max(1, Math.round(bitmap.width * fit)), Math.max(1, Math.round(bitmap.height * fit))];
      const canvas = new OffscreenCanvas(w, h);
      const g = canvas.getContext('2d', { willReadFrequently: true });
      g.imageSmoothingQuality = 'high';
      g.drawImage(bitmap, 0, 0, w, h);
      const rgba = g.getImageData(0, 0, w, h).data;
      const [tw, th] = [Math.ceil(w / 32) * 32, Math.ceil(h / 32) * 32];
      const input = new Float32Array(3 * tw * th);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const i = (y * w + x) * 4;
          const o = y * tw + x;
          input[o] = rgba[i + 2];
          input[tw * th + o] = rgba[i + 1];
          input[2 * tw * th + o] = rgba[i];
        }
      const out = await yunet.run({ [yunet.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, th, tw]) });
      const faces = nms(yunetFaces(out, tw, th, 0.6), 0.3);
      if (!faces.length) return 0;
      const best = faces[0];
      const crop = new OffscreenCanvas(112, 112);
      const c = crop.getContext('2d', { willReadFrequently: true });
      c.drawImage(bitmap, best.x / fit, best.y / fit, best.w / fit, best.h / fit, 0, 0, 112, 112);
      const px = c.getImageData(0, 0, 112, 112).data;
      const face = new Float32Array(3 * 112 * 112);
      for (let i = 0; i < 112 * 112; i++) for (let k = 0; k < 3; k++) face[k * 112 * 112 + i] = px[i * 4 + k] / 127.5 - 1;
      await edgeface.run({ [edgeface.inputNames[0]]: new ort.Tensor('float32', face, [1, 3, 112, 112]) });
      return faces.length;
    } finally {
      bitmap.close();
    }
  };
}

/** YuNet's outputs (cls/obj/bbox per stride) as boxes in input pixels, as crates/simface/src/detect/yunet.rs. */
function yunetFaces(out, w, h, threshold) {
  const faces = [];
  for (const s of [8, 16, 32]) {
    const cols = w / s;
    const [cls, obj, bbox] = ['cls', 'obj', 'bbox'].map((k) => out[`${k}_${s}`].data);
    for (let i = 0; i < cls.length; i++) {
      const score = Math.sqrt(Math.min(Math.max(cls[i], 0), 1) * Math.min(Math.max(obj[i], 0), 1));
      if (score < threshold) continue;
      const [c, r] = [i % cols, Math.floor(i / cols)];
      const [cx, cy, bw, bh] = [(c + bbox[i * 4]) * s, (r + bbox[i * 4 + 1]) * s, Math.exp(bbox[i * 4 + 2]) * s, Math.exp(bbox[i * 4 + 3]) * s];
      faces.push({ x: cx - bw / 2, y: cy - bh / 2, w: bw, h: bh, score });
    }
  }
  return faces;
}

/** Greedy non-maximum suppression by intersection over union, best score first. */
function nms(faces, iou) {
  const kept = [];
  for (const f of faces.sort((a, b) => b.score - a.score)) {
    const overlaps = kept.some((k) => {
      const ix = Math.max(0, Math.min(f.x + f.w, k.x + k.w) - Math.max(f.x, k.x));
      const iy = Math.max(0, Math.min(f.y + f.h, k.y + k.h) - Math.max(f.y, k.y));
      const inter = ix * iy;
      return inter / (f.w * f.h + k.w * k.h - inter) > iou;
    });
    if (!overlaps) kept.push(f);
  }
  return kept;
}

/** Makes a photo from `source` (a /photos/ or /samples/ path): `width`×`height`, either the whole source
 *  stretched (as e2e/bench.mjs makes its 640×480) or, with `crop`, its centre at the target's aspect ratio;
 *  drawn on a canvas ('high' quality scaling) and encoded as JPEG quality 0.9. Returns base64. */
async function makePhoto({ source, width, height, crop }) {
  const blob = await (await fetch(BASE + source)).blob();
  const bmp = await createImageBitmap(blob);
  let [sx, sy, sw, sh] = [0, 0, bmp.width, bmp.height];
  if (crop) {
    const aspect = width / height;
    if (sw / sh > aspect) [sx, sw] = [(sw - sh * aspect) / 2, sh * aspect];
    else [sy, sh] = [(sh - sw / aspect) / 2, sw / aspect];
  }
  const canvas = new OffscreenCanvas(width, height);
  const g = canvas.getContext('2d');
  g.imageSmoothingQuality = 'high';
  g.drawImage(bmp, sx, sy, sw, sh, 0, 0, width, height);
  const out = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 })).arrayBuffer());
  let s = '';
  for (let i = 0; i < out.length; i += 0x8000) s += String.fromCharCode(...out.subarray(i, i + 0x8000));
  return btoa(s);
}

window.race = {
  loadPhotos,
  makePhoto,
  /** Loads the system (models, backend) and returns what it really runs. */
  async setup(system, threads) {
    status(`setting up ${system}`);
    if (system === 'human') await setupHuman(threads);
    else if (system === 'faceapi-tiny') await setupFaceApi('tiny', threads);
    else if (system === 'faceapi-ssd') await setupFaceApi('ssd', threads);
    else if (system === 'raw') await setupRaw(threads);
    else throw new Error(`unknown system ${system}`);
    info.crossOriginIsolated = globalThis.crossOriginIsolated;
    info.hardwareConcurrency = navigator.hardwareConcurrency;
    status(`${system} ready`);
    return info;
  },
  /** One timed run on a photo: { ms, faces } or { error }. */
  async run(name) {
    const file = photos.get(name);
    if (!file) return { error: `photo ${name} not loaded` };
    const t0 = performance.now();
    try {
      const faces = await runner(file);
      return { ms: performance.now() - t0, faces };
    } catch (e) {
      return { error: String(e?.message ?? e).slice(0, 300) };
    }
  },
};
status('ready');
