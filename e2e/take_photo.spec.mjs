// "Take a photo" in the compare view, with Chromium's fake webcam: the slot shows the camera's preview (mirrored),
// the shutter fills the slot with the camera's frame, analysed like an uploaded photo, and its face gets the
// liveness line (on by default for a camera's photo, while the setting for uploads stays off): minivision's
// live sample T1 is a "Live face", its attack F1 (a face shown on a photo or a screen) a "Possible photo of a
// photo or screen". The camera is released (every track ended) once the photo is taken, on Cancel, when the other
// slot opens its camera and when the page shows the live view. A photo from the camera is compared like any
// other: T1 against the uploaded T1 file is the same person.
import { Browser, assert, putPhoto, sample, settle, similarity, slotJob, verdict } from './harness.mjs';
import { photoVideo, WIDTH } from './camera.mjs';

export const allowedConsoleErrors = [];

/** Records every stream the page opens (`window.__streams`), so that the test can tell whether the camera was
 *  released (all tracks `ended`). The page opens the camera only on a click, after this has run. */
async function watchStreams(page) {
  await page.evaluate(() => {
    window.__streams = [];
    const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const stream = await open(constraints);
      window.__streams.push(stream);
      return stream;
    };
  });
}

/** The states of the tracks of every stream the page opened. */
async function trackStates(page) {
  return page.evaluate(() => window.__streams.flatMap((s) => s.getTracks().map((t) => t.readyState)));
}

/** Opens slot `slot`'s camera and waits until its preview plays. */
async function openCamera(page, slot) {
  await page.click(`[data-testid=take-photo-${slot}]`);
  await page.waitForSelector(`[data-testid=camera-${slot}][data-state=playing]`, { timeout: 30_000 });
}

/** Takes the photo in slot `slot` and waits until the slot has analysed it; returns the liveness line. */
async function takePhoto(page, slot) {
  const job = await slotJob(page, slot);
  await page.click(`[data-testid=shutter-${slot}]`);
  await settle(page, slot, job);
  const line = `[data-testid=liveness-${slot}]`;
  await page.waitForSelector(`${line}:not(.hidden)`, { timeout: 30_000 });
  return {
    text: (await page.textContent(line)).trim(),
    live: (await page.getAttribute(line, 'data-live')) === 'true',
    real: Number(await page.getAttribute(line, 'data-real')),
  };
}

export default async function ({ browser, page: first, log }) {
  for (const [name, live] of [['image_T1.jpg', true], ['image_F1.jpg', false]]) {
    const video = await photoVideo(first, `still_${name}`, sample(`antispoof/${name}`), { shift: 0 });
    const b = await Browser.start({ server: browser.server, camera: video });
    try {
      const page = await b.open();
      assert(!(await page.isChecked('[data-testid=liveness-uploads]')), 'liveness of uploads is on by default');
      await watchStreams(page);

      // Cancel releases the camera and leaves the slot as it was.
      await openCamera(page, 'b');
      assert(await page.$eval('[data-testid=camera-b] video', (v) => v.classList.contains('mirrored')), 'the preview is not mirrored');
      await page.click('[data-testid=camera-cancel-b]');
      await page.waitForSelector('[data-testid=camera-b]', { state: 'detached', timeout: 10_000 });
      const afterCancel = await trackStates(page);
      assert(afterCancel.length > 0 && afterCancel.every((s) => s === 'ended'), `tracks after Cancel: ${afterCancel}`);
      assert(await page.isHidden('[data-testid=photo-b]'), 'Cancel left a photo in slot B');

      // One camera at a time: opening A's closes B's; the live view's tab closes A's.
      await openCamera(page, 'b');
      await openCamera(page, 'a');
      await page.waitForSelector('[data-testid=camera-b]', { state: 'detached', timeout: 10_000 });
      await page.click('[data-testid=tab-live]');
      await page.waitForSelector('[data-testid=camera-a]', { state: 'detached', timeout: 10_000 });
      const afterSwitch = await trackStates(page);
      assert(afterSwitch.length >= 3 && afterSwitch.every((s) => s === 'ended'), `tracks after the switches: ${afterSwitch}`);
      await page.click('[data-testid=tab-compare]');

      await openCamera(page, 'a');
      const result = await takePhoto(page, 'a');
      const faces = (await page.textContent('[data-testid=faces-a]')).trim();
      const width = Number(await page.getAttribute('[data-testid=photo-a]', 'data-image-width'));
      const timings = (await page.textContent('[data-testid=timings-a]')).trim();
      const states = await trackStates(page);
      log(`${name} from the camera: ${faces}, ${width} px wide; "${result.text}"; ${timings}; tracks ${states}`);
      assert(faces === '1 face found', `${name}: ${faces}`);
      assert(width === WIDTH, `${name}: the photo is ${width} px wide, the camera gives ${WIDTH}`);
      assert(result.live === live, `${name}: live=${result.live} (real ${result.real})`);
      assert(result.text.startsWith(live ? 'Live face' : 'Possible photo of a photo or screen'), `${name}: ${result.text}`);
      assert(/^capture /.test(timings), `${name}: timings ${timings}`);
      assert((await page.$$('[data-testid=camera-a]')).length === 0, `${name}: the camera view is still open`);
      assert(states.every((s) => s === 'ended'), `${name}: tracks after the photo: ${states}`);
      // The liveness models were fetched for the camera (not for the settings): the runtime card lists them.
      const fetched = await page.$$eval('[data-testid=progress] li', (l) => l.map((e) => [e.dataset.file, e.dataset.percent]));
      for (const file of ['MiniFASNetV2.onnx', 'MiniFASNetV1SE.onnx'])
        assert(fetched.some(([f, pct]) => f.endsWith(file) && pct === '100'), `${file} not in the download list: ${JSON.stringify(fetched)}`);

      if (live) {
        // An uploaded photo next to it gets no liveness line (the setting is off), and is compared with it.
        await putPhoto(page, 'b', sample(`antispoof/${name}`));
        assert(await page.isHidden('[data-testid=liveness-b]'), 'an uploaded photo got a liveness line');
        const score = await similarity(page);
        const said = await verdict(page);
        log(`${name}: camera photo vs the file: similarity ${score.toFixed(3)}, "${said}"`);
        assert(said.includes('Same person'), `${name}: the camera's photo and the file: ${said} (${score})`);
      }
      assert(b.foreignRequests().length === 0, `requests to other origins: ${b.foreignRequests()}`);
    } finally {
      await b.close();
    }
  }
}
