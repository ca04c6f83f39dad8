"""The Python reference for liveness (presentation-attack detection), and a check of the CLI against it.

Run by hand (not in CI), in a venv with tools/requirements-liveness.txt:
    python3 -m venv .tools/livenv && .tools/livenv/bin/pip install -r tools/requirements-liveness.txt
    .tools/livenv/bin/python tools/liveness_reference.py [--cli target/release/simface]

The reference: OpenCV's YuNet (cv2.FaceDetectorYN) on the image scaled to a longer side of at most 640 px, the
largest face's box (floats, in the image's pixels); for each model the box enlarged about its centre (2.7x for
MiniFASNetV2, 4.0x for MiniFASNetV1SE, the scale lowered to what fits), corners truncated and clipped to the
image (yakhyo/face-anti-spoofing's crop_face), cv2.resize to 80x80 (INTER_LINEAR), BGR raw 0..255 NCHW, softmax,
the two models averaged; class 1 = real.

It prints, for minivision's samples and every gallery/probe portrait: the reference's real-class probability and
the CLI's (`simface liveness --json`) on the JPEG file, and the CLI's on a lossless PNG copy of OpenCV's decoding
of it (the same pixels as the reference: what is left is our detector's box, crop, resize and runtime); and, to
check the crop and resize alone, the largest difference between the CLI's 80x80 crops (`--crops`) and cv2.resize
of the same region cut with the CLI's own box, both from the PNG copy.

The two JPEG decoders (libjpeg's in OpenCV, zune-jpeg's in the CLI) differ by at most a few grey levels (mean
~0.1), and the models react to that: on a photo near the threshold the probability moves by up to ~0.13 between
the two decodings of one file, where the PNG copies agree within ~0.01.
"""

import argparse
import glob
import json
import os
import subprocess
import tempfile

import cv2
import numpy as np
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("SIMFACE_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
MODELS = {"minifasnet_v2": ("MiniFASNetV2.onnx", 2.7), "minifasnet_v1se": ("MiniFASNetV1SE.onnx", 4.0)}


def largest_face(image):
    h, w = image.shape[:2]
    s = min(1.0, 640 / max(h, w))
    small = cv2.resize(image, (round(w * s), round(h * s))) if s < 1 else image
    detector = cv2.FaceDetectorYN.create(os.path.join(SHARED, "models/face_detection_yunet.onnx"), "", (small.shape[1], small.shape[0]), 0.6, 0.3, 5000)
    _, faces = detector.detect(small)
    if faces is None:
        return None
    return max(faces, key=lambda f: f[2] * f[3])[:4] / s


def crop_box(src_w, src_h, box, scale):
    x, y, bw, bh = box
    scale = min((src_h - 1) / bh, (src_w - 1) / bw, scale)
    nw, nh = bw * scale, bh * scale
    cx, cy = x + bw / 2, y + bh / 2
    return max(0, int(cx - nw / 2)), max(0, int(cy - nh / 2)), min(src_w - 1, int(cx + nw / 2)), min(src_h - 1, int(cy + nh / 2))


def crop(image, box, scale):
    x0, y0, x1, y1 = crop_box(image.shape[1], image.shape[0], box, scale)
    return cv2.resize(image[y0 : y1 + 1, x0 : x1 + 1], (80, 80))


def real_probability(sessions, image, box):
    probs = []
    for name, (_, scale) in MODELS.items():
        x = np.ascontiguousarray(crop(image, box, scale).astype(np.float32).transpose(2, 0, 1)[None])
        logits = sessions[name].run(None, {"input": x})[0][0]
        e = np.exp(logits - logits.max())
        probs.append(e / e.sum())
    return float(np.mean(probs, axis=0)[1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", default=os.path.join(ROOT, "target/release/simface"))
    args = parser.parse_args()
    sessions = {name: ort.InferenceSession(os.path.join(SHARED, "models", f)) for name, (f, _) in MODELS.items()}
    photos = sorted(glob.glob(os.path.join(SHARED, "faces/antispoof/*.jpg")))
    photos += sorted(glob.glob(os.path.join(SHARED, "faces/gallery/*.jpg"))) + sorted(glob.glob(os.path.join(SHARED, "faces/probe/*.jpg")))
    with tempfile.TemporaryDirectory() as crops, tempfile.TemporaryDirectory() as pngs:
        out = subprocess.run([args.cli, "liveness", "--json", *photos], check=True, capture_output=True, text=True).stdout
        cli = {os.path.basename(r["file"]): r for r in json.loads(out)}
        copies = []
        for path in photos:
            copies.append(os.path.join(pngs, os.path.splitext(os.path.basename(path))[0] + ".png"))
            cv2.imwrite(copies[-1], cv2.imread(path))
        out = subprocess.run([args.cli, "liveness", "--json", "--crops", crops, *copies], check=True, capture_output=True, text=True).stdout
        from_png = {os.path.splitext(os.path.basename(r["file"]))[0]: r for r in json.loads(out)}
        worst_diff, worst_prob, worst_png, worst_jpeg = 0, 0.0, 0.0, 0.0
        for path in photos:
            name = os.path.basename(path)
            image = cv2.imread(path)
            ref = real_probability(sessions, image, largest_face(image))
            ours = cli[name]["faces"][0]["liveness"]["real"]
            png = from_png[os.path.splitext(name)[0]]["faces"][0]
            ours_png = png["liveness"]["real"]
            b = png["bbox"]
            box = (b["x"], b["y"], b["width"], b["height"])
            diffs = []
            for model, (_, scale) in MODELS.items():
                mine = cv2.imread(os.path.join(crops, f"{os.path.splitext(name)[0]}_0_{model}.png"))
                diffs.append(int(np.abs(mine.astype(int) - crop(image, box, scale).astype(int)).max()))
            worst_diff = max(worst_diff, *diffs)
            if "antispoof" in path:
                worst_prob = max(worst_prob, abs(ours - ref))
            worst_jpeg = max(worst_jpeg, abs(ours - ref))
            worst_png = max(worst_png, abs(ours_png - ref))
            print(
                f"{name}: reference {ref:.4f}, CLI {ours:.4f} (|diff| {abs(ours - ref):.4f}), CLI on the PNG copy {ours_png:.4f} "
                f"(|diff| {abs(ours_png - ref):.4f}); crops vs cv2.resize of the same box: max |diff| {max(diffs)}"
            )
        print(f"minivision's samples: CLI within {worst_prob:.4f} of the reference")
        print(f"every photo: CLI within {worst_jpeg:.4f} of the reference from the JPEG files, {worst_png:.4f} from the same pixels (PNG copies)")
        print(f"crops within {worst_diff} grey level(s) of cv2.resize")


if __name__ == "__main__":
    main()
