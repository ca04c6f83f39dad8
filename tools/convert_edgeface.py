#!/usr/bin/env python3
"""Official EdgeFace checkpoint -> ONNX, with the proof that the ONNX model computes what PyTorch does.

  python tools/convert_edgeface.py CHECKPOINT.pt --variant edgeface_xs_q --out models/edgeface_xs.onnx \\
      [--reference ../shared/models/edgeface_xs.onnx] [--aligned ../shared/golden/aligned]

Variants (the names of the EdgeFace release): edgeface_base, edgeface_s_gamma_05, edgeface_xs_gamma_06,
edgeface_xxs, and the torch dynamic-quantized edgeface_xs_q / edgeface_xxs_q. The architecture is timm's
EdgeNeXt with the classifier reset to 512 outputs, wrapped so that the state dict's keys sit under `model.`;
the gamma variants replace every Linear outside the head by a low-rank pair (linear1: in->rank without bias,
linear2: rank->out), rank = max(2, int(min(in, out) * gamma)). For the `_q` checkpoints the int8 Linear
weights are dequantized into the float architecture before export, so the ONNX graph is plain fp32.

Checks, each fatal when it fails:
  - the checkpoint fills the architecture exactly (load_state_dict strict: no missing, no unexpected keys);
  - onnx.checker passes and the opset is one onnxruntime-web 1.30 runs (<= 21);
  - on every aligned face of --aligned, ONNX Runtime's output vs PyTorch's: max |difference| <= --max-abs
    (default 1e-4) and cosine >= 0.99999;
  - with --reference, cosine to that ONNX model's embedding >= 0.9999 on every face (converting
    edgeface_xs_q.pt must reproduce ../shared/models/edgeface_xs.onnx).
Prints the numbers and the manifest entry (models/manifest.json's format) of the written file.

Needs PyTorch, timm, onnx and onnxruntime (tools/requirements-convert.txt): too heavy for CI, so this runs
by hand (on the project's GPU machine when one is lent); CI keeps to what needs no PyTorch.
"""
import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import timm
import torch
from PIL import Image
from torch import nn

ARCH = {
    "edgeface_base": ("edgenext_base", None, False),
    "edgeface_s_gamma_05": ("edgenext_small", 0.5, False),
    "edgeface_xs_gamma_06": ("edgenext_x_small", 0.6, False),
    "edgeface_xxs": ("edgenext_xx_small", None, False),
    "edgeface_xs_q": ("edgenext_x_small", None, True),
    "edgeface_xxs_q": ("edgenext_xx_small", None, True),
}
MAX_OPSET = 21


class LoRaLin(nn.Module):
    """EdgeFace's low-rank Linear: two thin matrices instead of one."""

    def __init__(self, in_features, out_features, rank, bias=True):
        super().__init__()
        self.linear1 = nn.Linear(in_features, rank, bias=False)
        self.linear2 = nn.Linear(rank, out_features, bias=bias)

    def forward(self, x):
        return self.linear2(self.linear1(x))


def low_rank(module, gamma):
    for name, child in module.named_children():
        if isinstance(child, nn.Linear) and "head" not in name:
            rank = max(2, int(min(child.in_features, child.out_features) * gamma))
            setattr(module, name, LoRaLin(child.in_features, child.out_features, rank, child.bias is not None))
        else:
            low_rank(child, gamma)


class Wrapper(nn.Module):
    """EdgeFace's TimmFRWrapperV2: the timm model under `model.`, classifier reset to 512 outputs."""

    def __init__(self, timm_name):
        super().__init__()
        self.model = timm.create_model(timm_name, pretrained=False)
        self.model.reset_classifier(512)

    def forward(self, x):
        return self.model(x)


def dequantized(module):
    """Replaces every dynamic-quantized Linear by a float Linear holding its dequantized weights."""
    quantized = torch.ao.nn.quantized.dynamic.Linear
    for name, child in module.named_children():
        if isinstance(child, quantized):
            weight, bias = child.weight().dequantize(), child.bias()
            linear = nn.Linear(child.in_features, child.out_features, bias=bias is not None)
            linear.weight.data.copy_(weight)
            if bias is not None:
                linear.bias.data.copy_(bias)
            setattr(module, name, linear)
        else:
            dequantized(child)
    return module


def build(variant, checkpoint):
    timm_name, gamma, is_quantized = ARCH[variant]
    model = Wrapper(timm_name)
    if gamma is not None:
        low_rank(model, gamma)
    if is_quantized:
        model = torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    # The official checkpoints are trusted files (checked by sha256 below); packed int8 weights need the
    # full unpickler.
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    if isinstance(state, nn.Module):
        state = state.state_dict()
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    result = model.load_state_dict(state, strict=True)
    print(f"loaded {checkpoint}: {len(state)} tensors, strict match ({result})")
    if is_quantized:
        model = dequantized(model)
    return model.eval()


def faces(folder):
    files = sorted(Path(folder).glob("*.png"))
    if not files:
        sys.exit(f"no aligned faces (*.png) under {folder}")
    arrays = [(np.asarray(Image.open(f).convert("RGB"), dtype=np.float32) / 127.5 - 1.0).transpose(2, 0, 1) for f in files]
    return [f.name for f in files], np.stack(arrays)


def normalised(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", type=Path)
    p.add_argument("--variant", required=True, choices=sorted(ARCH))
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--aligned", type=Path, default=Path(__file__).resolve().parents[2] / "shared/golden/aligned")
    p.add_argument("--reference", type=Path, help="an ONNX model the result must match (cos >= 0.9999)")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--max-abs", type=float, default=1e-4)
    args = p.parse_args()
    if args.opset > MAX_OPSET:
        sys.exit(f"opset {args.opset} is newer than onnxruntime-web 1.30 runs (<= {MAX_OPSET})")

    model = build(args.variant, args.checkpoint)
    names, x = faces(args.aligned)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        torch.onnx.export(model, torch.from_numpy(x[:1]), str(args.out), input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=args.opset,
                          dynamo=False)
    graph = onnx.load(str(args.out))
    onnx.checker.check_model(graph, full_check=True)
    opset = max(o.version for o in graph.opset_import if o.domain in ("", "ai.onnx"))
    session = ort.InferenceSession(str(args.out), providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": x})[0]
    diff = float(np.abs(got - expected).max())
    cos = np.sum(normalised(got) * normalised(expected), axis=1)
    print(f"{len(names)} aligned faces: ONNX vs PyTorch max |diff| {diff:.2e}, cosine min {cos.min():.7f}")
    failures = []
    if diff > args.max_abs or cos.min() < 0.99999:
        failures.append(f"ONNX output differs from PyTorch (max |diff| {diff:.2e} > {args.max_abs} or cos {cos.min():.7f})")
    if args.reference:
        ref = ort.InferenceSession(str(args.reference), providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
        rcos = np.sum(normalised(got) * normalised(ref), axis=1)
        print(f"vs {args.reference}: cosine min {rcos.min():.6f}, mean {rcos.mean():.6f}")
        if rcos.min() < 0.9999:
            worst = names[int(np.argmin(rcos))]
            failures.append(f"does not reproduce {args.reference}: cos {rcos.min():.6f} on {worst}")
    if failures:
        sys.exit("FAILED: " + "; ".join(failures))

    entry = {
        "name": args.out.stem,
        "file": args.out.name,
        "sha256": sha256(args.out),
        "size": args.out.stat().st_size,
        "kind": "embedder",
        "licence": "BSD-3-Clause (Idiap Research Institute)",
        "format": f"ONNX, opset {opset}, fp32",
        "source": f"converted from the official EdgeFace checkpoint {args.checkpoint.name} (sha256 {sha256(args.checkpoint)}) "
                  f"by tools/convert_edgeface.py --variant {args.variant}",
        "input": {"name": "input", "shape": ["batch", 3, 112, 112], "dtype": "float32", "layout": "NCHW",
                  "colour_order": "RGB", "value_range": [-1.0, 1.0],
                  "preprocess": "face aligned to the ArcFace 112x112 five-point template; value = (pixel / 255 - 0.5) / 0.5"},
        "output": [{"name": "output", "shape": ["batch", 512], "dtype": "float32",
                    "meaning": "face embedding, NOT L2-normalised: normalise before cosine similarity"}],
        "validation": {"faces": len(names), "max_abs_diff_to_torch": diff, "min_cos_to_torch": float(cos.min())},
    }
    print(json.dumps(entry, indent=1))


if __name__ == "__main__":
    main()
