// Videos for Chromium's fake webcam, built from the shared photos: YUV4MPEG2 (4:2:0) files that
// `--use-file-for-fake-video-capture` plays in a loop. The photos are decoded and placed by Chromium
// itself (an already running page), so no image library is needed here.
import { mkdirSync, openSync, writeSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUT } from './harness.mjs';

export const WIDTH = 640;
export const HEIGHT = 480;

/**
 * Writes `name`.y4m under target/e2e/camera: `frames` frames of `photo` fitted into 640×480 (grey
 * borders), shifted by a few pixels from frame to frame as a person in front of a camera moves, and turned
 * clockwise by `rotate` degrees (a camera held sideways: 90). `photo` may be a list: the photos then stand side
 * by side (two people in view). Returns the file's path.
 */
export async function photoVideo(page, name, photo, { frames = 30, fps = 30, shift = 6, rotate = 0 } = {}) {
  const dir = join(OUT, 'camera');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.y4m`);
  const rgbaFrames = await page.evaluate(
    async ({ photos, frames, shift, rotate, W, H }) => {
      const bmps = await Promise.all(photos.map((b64) =>
        createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))]))));
      const cell = W / bmps.length;
      const canvas = new OffscreenCanvas(W, H);
      const g = canvas.getContext('2d', { willReadFrequently: true });
      const out = [];
      for (let i = 0; i < frames; i++) {
        const a = (2 * Math.PI * i) / frames;
        g.fillStyle = '#808080';
        g.fillRect(0, 0, W, H);
        bmps.forEach((bmp, n) => {
          // Turned by a quarter (the camera held sideways), the photo's sides swap.
          const sideways = rotate % 180 !== 0;
          const [bw, bh] = sideways ? [bmp.height, bmp.width] : [bmp.width, bmp.height];
          const fit = Math.min(cell / bw, H / bh);
          const [cx, cy] = [n * cell + cell / 2 + shift * Math.cos(a), H / 2 + shift * Math.sin(a)];
          g.save();
          g.translate(cx, cy);
          g.rotate((rotate * Math.PI) / 180);
          g.drawImage(bmp, (-bmp.width * fit) / 2, (-bmp.height * fit) / 2, bmp.width * fit, bmp.height * fit);
          g.restore();
        });
        const data = g.getImageData(0, 0, W, H).data;
        let s = '';
        for (let j = 0; j < data.length; j += 0x8000) s += String.fromCharCode(...data.subarray(j, j + 0x8000));
        out.push(btoa(s));
      }
      return out;
    },
    { photos: [photo].flat().map((p) => readFileSync(p).toString('base64')), frames, shift, rotate, W: WIDTH, H: HEIGHT },
  );
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, `YUV4MPEG2 W${WIDTH} H${HEIGHT} F${fps}:1 Ip A1:1 C420jpeg\n`);
    for (const b64 of rgbaFrames) {
      writeSync(fd, 'FRAME\n');
      writeSync(fd, toI420(Buffer.from(b64, 'base64')));
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

/** RGBA (640×480) to planar YUV 4:2:0, full-range BT.601 (what C420jpeg means). */
function toI420(rgba) {
  const W = WIDTH;
  const H = HEIGHT;
  const y = Buffer.alloc(W * H);
  const u = Buffer.alloc((W / 2) * (H / 2));
  const v = Buffer.alloc((W / 2) * (H / 2));
  const clamp = (x) => (x < 0 ? 0 : x > 255 ? 255 : Math.round(x));
  for (let j = 0; j < H; j++)
    for (let i = 0; i < W; i++) {
      const k = (j * W + i) * 4;
      y[j * W + i] = clamp(0.299 * rgba[k] + 0.587 * rgba[k + 1] + 0.114 * rgba[k + 2]);
    }
  for (let j = 0; j < H / 2; j++)
    for (let i = 0; i < W / 2; i++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const k = ((2 * j + dy) * W + 2 * i + dx) * 4;
        r += rgba[k];
        g += rgba[k + 1];
        b += rgba[k + 2];
      }
      [r, g, b] = [r / 4, g / 4, b / 4];
      u[j * (W / 2) + i] = clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
      v[j * (W / 2) + i] = clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
    }
  return Buffer.concat([y, u, v]);
}
