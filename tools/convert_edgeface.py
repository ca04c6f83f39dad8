#!/usr/bin/env python3
"""Official EdgeFace checkpoint -> ONNX, with the proof that the ONNX model computes what PyTorch does.

  python tools/convert_edgeface.py CHECKPOINT.pt --variant edgeface_xs_q --out models/edgeface_xs.onnx \\
      [--reference ../shared/models/edgeface_xs.onnx] [--aligned ../shared/golden/aligned]
  python tools/convert_edgeface.py --self-test

--self-test runs every variant through the same path without its official checkpoint: it builds the
architecture, checks its parameter count against the one the EdgeFace release publishes (18.23 M for
edgeface_base, 3.65 M for edgeface_s_gamma_05, 1.77 M for edgeface_xs_gamma_06, 1.24 M for edgeface_xxs:
a wrong low-rank rule or timm model shows there), saves a checkpoint of seeded random weights in the release's
format (quantize_dynamic'd for the `_q` variants), converts it and checks it like a real one.

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
by hand (`make convert-check`; a CPU converts a model in seconds); CI keeps to what needs no PyTorch.
"""
import argparse
import hashlib
import json
import sys
import tempfile
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
# Parameters of the float architectures, in millions, as the EdgeFace release's table gives them.
PUBLISHED_MPARAMS = {"edgeface_base": 18.23, "edgeface_s_gamma_05": 3.65, "edgeface_xs_gamma_06": 1.77, "edgeface_xxs": 1.24}


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


class ConversionFailed(Exception):
    """A check failed: the message says which and by how much."""


def architecture(variant):
    """The model the release's checkpoint of `variant` was saved from (quantized for the `_q` variants)."""
    timm_name, gamma, is_quantized = ARCH[variant]
    model = Wrapper(timm_name)
    if gamma is not None:
        low_rank(model, gamma)
    if is_quantized:
        model = torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    return model


def build(variant, checkpoint):
    model = architecture(variant)
    # The official checkpoints are trusted files (their sha256 goes into the manifest entry); packed int8
    # weights need the full unpickler.
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    if isinstance(state, nn.Module):
        state = state.state_dict()
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    try:
        result = model.load_state_dict(state, strict=True)
    except (RuntimeError, KeyError) as e:
        # A quantized Linear reports a missing key as a bare KeyError from deep inside torch.
        raise ConversionFailed(f"{checkpoint} does not fit {variant} ({ARCH[variant][0]}): {type(e).__name__}: {e}") from None
    print(f"loaded {checkpoint}: {len(state)} tensors, strict match ({result})")
    if ARCH[variant][2]:
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


def convert(variant, checkpoint, out, aligned, reference=None, opset=17, max_abs=1e-4):
    """Writes `out` from `checkpoint` and returns its manifest entry; raises ConversionFailed on any check."""
    if opset > MAX_OPSET:
        raise ConversionFailed(f"opset {opset} is newer than onnxruntime-web 1.30 runs (<= {MAX_OPSET})")
    model = build(variant, checkpoint)
    names, x = faces(aligned)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
        out.parent.mkdir(parents=True, exist_ok=True)
        torch.onnx.export(model, torch.from_numpy(x[:1]), str(out), input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=opset,
                          dynamo=False)
    graph = onnx.load(str(out))
    onnx.checker.check_model(graph, full_check=True)
    written_opset = max(o.version for o in graph.opset_import if o.domain in ("", "ai.onnx"))
    if written_opset > MAX_OPSET:
        raise ConversionFailed(f"the exporter wrote opset {written_opset} (> {MAX_OPSET})")
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": x})[0]
    diff = float(np.abs(got - expected).max())
    cos = np.sum(normalised(got) * normalised(expected), axis=1)
    print(f"{len(names)} aligned faces: ONNX vs PyTorch max |diff| {diff:.2e}, cosine min {cos.min():.7f}")
    failures = []
    if diff > max_abs or cos.min() < 0.99999:
        failures.append(f"ONNX output differs from PyTorch (max |diff| {diff:.2e} > {max_abs} or cos {cos.min():.7f})")
    validation = {"faces": len(names), "max_abs_diff_to_torch": diff, "min_cos_to_torch": float(cos.min())}
    if reference:
        ref = ort.InferenceSession(str(reference), providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
        rcos = np.sum(normalised(got) * normalised(ref), axis=1)
        rdiff = float(np.abs(got - ref).max())
        print(f"vs {reference}: max |diff| {rdiff:.2e}, cosine min {rcos.min():.7f}, mean {rcos.mean():.7f}")
        validation.update({"reference": Path(reference).name, "max_abs_diff_to_reference": rdiff,
                           "min_cos_to_reference": float(rcos.min())})
        if rcos.min() < 0.9999:
            worst = names[int(np.argmin(rcos))]
            failures.append(f"does not reproduce {reference}: cos {rcos.min():.6f} on {worst}")
    if failures:
        raise ConversionFailed("; ".join(failures))

    return {
        "name": out.stem,
        "file": out.name,
        "sha256": sha256(out),
        "size": out.stat().st_size,
        "kind": "embedder",
        "licence": "BSD-3-Clause (Idiap Research Institute)",
        "format": f"ONNX, opset {written_opset}, fp32",
        "source": f"converted from the official EdgeFace checkpoint {Path(checkpoint).name} (sha256 {sha256(checkpoint)}) "
                  f"by tools/convert_edgeface.py --variant {variant}",
        "input": {"name": "input", "shape": ["batch", 3, 112, 112], "dtype": "float32", "layout": "NCHW",
                  "colour_order": "RGB", "value_range": [-1.0, 1.0],
                  "preprocess": "face aligned to the ArcFace 112x112 five-point template; value = (pixel / 255 - 0.5) / 0.5"},
        "output": [{"name": "output", "shape": ["batch", 512], "dtype": "float32",
                    "meaning": "face embedding, NOT L2-normalised: normalise before cosine similarity"}],
        "validation": validation,
    }


def self_test(aligned, opset):
    """Every variant end to end on a checkpoint of seeded random weights saved in the release's format."""
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for variant, (timm_name, gamma, is_quantized) in ARCH.items():
            print(f"--- {variant} ({timm_name}{f', low rank gamma {gamma}' if gamma else ''}{', int8 Linear' if is_quantized else ''})")
            torch.manual_seed(0)
            float_model = Wrapper(timm_name)
            if gamma is not None:
                low_rank(float_model, gamma)
            mparams = sum(p.numel() for p in float_model.parameters()) / 1e6
            published = PUBLISHED_MPARAMS.get(variant)
            print(f"parameters: {mparams:.3f} M" + (f" (published {published} M)" if published else ""))
            if published is not None and abs(mparams - published) > 0.01:
                failures.append(f"{variant}: {mparams:.3f} M parameters, the release says {published} M")
                continue
            saved = torch.ao.quantization.quantize_dynamic(float_model, {nn.Linear}, dtype=torch.qint8) if is_quantized else float_model
            checkpoint = Path(tmp) / f"{variant}.pt"
            torch.save(saved.state_dict(), checkpoint)
            try:
                convert(variant, checkpoint, Path(tmp) / f"{variant}.onnx", aligned, opset=opset)
            except ConversionFailed as e:
                failures.append(f"{variant}: {e}")
    if failures:
        sys.exit("SELF-TEST FAILED:\n  " + "\n  ".join(failures))
    print(f"self-test passed: {len(ARCH)} variants")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", type=Path, nargs="?")
    p.add_argument("--variant", choices=sorted(ARCH))
    p.add_argument("--out", type=Path)
    p.add_argument("--aligned", type=Path, default=Path(__file__).resolve().parents[2] / "shared/golden/aligned")
    p.add_argument("--reference", type=Path, help="an ONNX model the result must match (cos >= 0.9999)")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--max-abs", type=float, default=1e-4)
    p.add_argument("--self-test", action="store_true", help="every variant on seeded random weights (no checkpoint needed)")
    args = p.parse_args()
    if args.self_test:
        self_test(args.aligned, args.opset)
        return
    if not (args.checkpoint and args.variant and args.out):
        p.error("CHECKPOINT, --variant and --out are needed (or --self-test)")
    try:
        entry = convert(args.variant, args.checkpoint, args.out, args.aligned, args.reference, args.opset, args.max_abs)
    except ConversionFailed as e:
        sys.exit(f"FAILED: {e}")
    print(json.dumps(entry, indent=1))


if __name__ == "__main__":
    main()
