#!/usr/bin/env python3
"""Smaller EdgeFace variants from the fp32 ONNX models, and how good and fast each is.

For EdgeFace XS and XXS (models/edgeface_{xs,xxs}.onnx, fp32) this writes to models/variants/:
  *_fp16.onnx        weights and activations in float16, float32 at the model's input and output
                     (onnxruntime.transformers.float16, keep_io_types)
  *_int8_dyn.onnx    dynamic int8: MatMul/Gemm weights int8 per channel, activations quantized at run time
                     (the linears only, as EdgeFace's own `_q` checkpoints do with torch)
  *_int8_static.onnx static int8 QDQ: weights per channel, activations calibrated (MinMax) on aligned faces

and measures, for every variant next to its fp32 model, on ../shared/golden/aligned (the reference
pipeline's 112x112 crops, 46 faces):
  - file size;
  - cosine of each embedding to the fp32 model's (min and mean);
  - gallery/probe rank-1 (8 people) and the genuine/impostor margin (lowest genuine score, highest impostor
    score over all 16x16 gallery/probe pairs);
  - native speed: onnxruntime 1.30 on this CPU, one thread, batch 1, median of --runs runs.

The static calibration uses the 21 `edgeface__*` portraits, which are not gallery/probe photos (some show
the same people), so rank-1 and the margins are measured on faces the calibration did not see.

  .tools/pyvenv/bin/python tools/make_variants.py [--runs 200] [--json models/variants/report.json]

Requirements: tools/requirements-variants.txt (no PyTorch). Nothing written here is committed: models/ is
git-ignored, like the models it starts from.
"""
import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quantize_dynamic, quantize_static)
from onnxruntime.transformers.float16 import convert_float_to_float16
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SIMFACE_SHARED", ROOT.parent / "shared"))
ALIGNED = SHARED / "golden" / "aligned"
MODELS = ROOT / "models"
OUT = MODELS / "variants"


def load_crop(path):
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)
    return (rgb / 127.5 - 1.0).transpose(2, 0, 1)[None]


def session(path, threads=1):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def embed(sess, crops):
    name = sess.get_inputs()[0].name
    out = np.concatenate([sess.run(None, {name: c})[0] for c in crops])
    return out / np.linalg.norm(out, axis=1, keepdims=True)


class Faces(CalibrationDataReader):
    def __init__(self, crops, input_name):
        self.items = iter([{input_name: c} for c in crops])

    def get_next(self):
        return next(self.items, None)


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def topologically_sorted(model):
    """float16's keep_io_types appends its input Casts at the end of the node list; ONNX wants producers
    before consumers (onnx.checker refuses the file otherwise)."""
    graph = model.graph
    known = {i.name for i in graph.input} | {i.name for i in graph.initializer} | {""}
    pending, ordered = list(graph.node), []
    while pending:
        ready = [n for n in pending if all(i in known for i in n.input)]
        if not ready:
            raise ValueError("the graph has a cycle or a missing input")
        for n in ready:
            ordered.append(n)
            known.update(n.output)
        pending = [n for n in pending if n not in ready]
    del graph.node[:]
    graph.node.extend(ordered)
    return model


def int8_dynamic(src, dst):
    """The variant the app offers: deterministic for pinned onnx/onnxruntime versions, so set-up can make it
    on every machine and check its SHA-256 against models/manifest.json."""
    quantize_dynamic(src, dst, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul", "Gemm"])


def make(base, calibration):
    """Writes the three variants of models/<base>.onnx; returns {variant: path}."""
    OUT.mkdir(parents=True, exist_ok=True)
    src = MODELS / f"{base}.onnx"
    paths = {}
    fp16 = OUT / f"{base}_fp16.onnx"
    model = topologically_sorted(convert_float_to_float16(onnx.load(src), keep_io_types=True))
    onnx.save(model, fp16)
    paths["fp16"] = fp16

    dyn = OUT / f"{base}_int8_dyn.onnx"
    int8_dynamic(src, dyn)
    paths["int8_dyn"] = dyn

    static = OUT / f"{base}_int8_static.onnx"
    name = onnx.load(src).graph.input[0].name
    quantize_static(src, static, Faces(calibration, name), quant_format=QuantFormat.QDQ, per_channel=True,
                    op_types_to_quantize=["MatMul", "Gemm"],
                    weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8,
                    calibrate_method=CalibrationMethod.MinMax)
    paths["int8_static"] = static
    for p in paths.values():
        onnx.checker.check_model(str(p))
    return paths


def recognition(emb, names):
    """Rank-1 of each probe among the gallery, lowest genuine and highest impostor over gallery x probe."""
    gallery = [i for i, n in enumerate(names) if n.startswith("gallery__")]
    probe = [i for i, n in enumerate(names) if n.startswith("probe__")]
    person = lambda i: names[i].split("__")[1].split("-")[0]
    scores = emb[probe] @ emb[gallery].T
    rank1 = sum(person(gallery[int(np.argmax(row))]) == person(p) for p, row in zip(probe, scores))
    genuine = [s for p, row in zip(probe, scores) for g, s in zip(gallery, row) if person(g) == person(p)]
    impostor = [s for p, row in zip(probe, scores) for g, s in zip(gallery, row) if person(g) != person(p)]
    return {"rank1": f"{rank1}/{len(probe)}", "lowest_genuine": float(min(genuine)),
            "highest_impostor": float(max(impostor)), "margin": float(min(genuine) - max(impostor))}


def speed(path, runs):
    sess = session(path, threads=1)
    name = sess.get_inputs()[0].name
    x = np.random.default_rng(0).uniform(-1, 1, (1, 3, 112, 112)).astype(np.float32)
    for _ in range(20):
        sess.run(None, {name: x})
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        sess.run(None, {name: x})
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--json", type=Path, default=OUT / "report.json")
    parser.add_argument("--offered", type=Path, metavar="DIR",
                        help="only write the variants the app offers (DIR/edgeface_{xs,xxs}_int8.onnx) and stop; "
                             "scripts/setup.sh uses this")
    args = parser.parse_args()
    if args.offered:
        for base in ["edgeface_xs", "edgeface_xxs"]:
            int8_dynamic(MODELS / f"{base}.onnx", args.offered / f"{base}_int8.onnx")
        return
    files = sorted(ALIGNED.glob("*.png"))
    if not files:
        sys.exit(f"no aligned faces under {ALIGNED}; set SIMFACE_SHARED")
    names = [f.stem for f in files]
    crops = [load_crop(f) for f in files]
    calibration = [c for n, c in zip(names, crops) if n.startswith("edgeface__")]
    rows = []
    for base in ["edgeface_xs", "edgeface_xxs"]:
        src = MODELS / f"{base}.onnx"
        if not src.exists():
            sys.exit(f"{src} is missing: run `make setup` first")
        reference = embed(session(src), crops)
        variants = {"fp32": src, **make(base, calibration)}
        for variant, path in variants.items():
            emb = reference if variant == "fp32" else embed(session(path), crops)
            cos = np.sum(emb * reference, axis=1)
            row = {"model": base, "variant": variant, "file": str(path.relative_to(ROOT)),
                   "bytes": path.stat().st_size, "sha256": sha256(path),
                   "cos_to_fp32_min": float(cos.min()), "cos_to_fp32_mean": float(cos.mean()),
                   **recognition(emb, names), "native_ms": speed(path, args.runs)}
            rows.append(row)
            print(f"{base:13} {variant:12} {row['bytes'] / 1e6:6.2f} MB  cos min {row['cos_to_fp32_min']:.5f} "
                  f"mean {row['cos_to_fp32_mean']:.5f}  rank-1 {row['rank1']}  genuine>= {row['lowest_genuine']:.3f} "
                  f"impostor<= {row['highest_impostor']:.3f}  native {row['native_ms']:.2f} ms", flush=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"onnxruntime": ort.__version__, "onnx": onnx.__version__, "rows": rows}, indent=1))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
