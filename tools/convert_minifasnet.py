#!/usr/bin/env python3
"""minivision's MiniFASNet anti-spoofing checkpoints -> ONNX, with the proof that the ONNX model computes what
PyTorch does and what the shared ONNX files do.

  python tools/convert_minifasnet.py CHECKPOINT.pth --variant v2|v1se --out target/converted/MiniFASNetV2.onnx \\
      --crops DIR [--reference ../shared/models/MiniFASNetV2.onnx]

CHECKPOINT is one of minivision's originals (`2.7_80x80_MiniFASNetV2.pth`, `4_0_0_80x80_MiniFASNetV1SE.pth`:
a state dict, keys possibly under `module.` from DataParallel). DIR holds 80x80 model inputs as PNG, e.g. those
`simface liveness --crops DIR` writes for the samples and the portraits (files `*_<model>.png`; the ones of the
variant converted are used).

The architecture is MiniFASNet as minivision's `src/model_lib/MiniFASNet.py` defines it, written again here
with the same module names (the state dict must fill it exactly): a 3x3 stride-2 conv block, a depthwise block,
then stages of "Depth_Wise" blocks (1x1 expand conv + PReLU, depthwise 3x3 conv + PReLU, 1x1 linear projection,
residual inside the stages), channel widths from minivision's `keep` tables ('1.8M_' for V2, '1.8M' for V1SE),
V1SE adding a squeeze-and-excitation module to the last block of each residual stage; then a 1x1 conv, a 5x5
depthwise "linear" conv over the 5x5 map (conv6_kernel = ((80 + 15) // 16,) * 2), flatten, a 512->128 linear,
BatchNorm1d, dropout (identity in eval) and a 128->3 linear: logits, class 1 = real.

Checks, each fatal when it fails:
  - the checkpoint fills the architecture exactly (load_state_dict strict; the parameter count is printed:
    minivision's comment gives 0.43 M for V2);
  - onnx.checker passes, opset 17 (onnxruntime-web 1.30 runs it), input `input` [1,3,80,80], output `output` [1,3];
  - on every crop of DIR: ONNX Runtime's logits vs PyTorch's, max |difference| <= --max-abs (default 1e-4);
  - with --reference: the converted model's logits vs the reference ONNX model's, max |difference| <= --max-abs,
    and the same real-class decision at 0.5 on every crop.
Prints the numbers and the SHA-256 of the written file.

Needs PyTorch, onnx, onnxruntime, numpy and pillow (tools/requirements-convert.txt): run by hand, not in CI.
"""

import argparse
import glob
import hashlib
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
from PIL import Image
from torch import nn

KEEP = {
    # minivision's keep_dict: '1.8M_' is MiniFASNetV2's, '1.8M' MiniFASNetV1SE's.
    "v2": [32, 32, 103, 103, 64, 13, 13, 64, 13, 13, 64, 13, 13, 64, 13, 13, 64, 231, 231, 128, 231, 231, 128, 52,
           52, 128, 26, 26, 128, 77, 77, 128, 26, 26, 128, 26, 26, 128, 308, 308, 128, 26, 26, 128, 26, 26, 128, 512, 512],
    "v1se": [32, 32, 103, 103, 64, 13, 13, 64, 26, 26, 64, 13, 13, 64, 52, 52, 64, 231, 231, 128, 154, 154, 128, 52,
             52, 128, 26, 26, 128, 52, 52, 128, 26, 26, 128, 26, 26, 128, 308, 308, 128, 26, 26, 128, 26, 26, 128, 512, 512],
}
MODEL_NAME = {"v2": "minifasnet_v2", "v1se": "minifasnet_v1se"}


class ConvBlock(nn.Module):
    """Conv (no bias) + BatchNorm + PReLU; `prelu=False` is minivision's Linear_block."""

    def __init__(self, cin, cout, kernel=1, stride=1, padding=0, groups=1, prelu=True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, padding, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        if prelu:
            self.prelu = nn.PReLU(cout)

    def forward(self, x):
        x = self.bn(self.conv(x))
        return self.prelu(x) if hasattr(self, "prelu") else x


class SE(nn.Module):
    def __init__(self, channels, reduction=4):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, channels // reduction, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels // reduction)
        self.relu = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(channels // reduction, channels, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        s = self.sigmoid(self.bn2(self.fc2(self.relu(self.bn1(self.fc1(self.avg_pool(x)))))))
        return x * s


class DepthWise(nn.Module):
    """1x1 expand + PReLU, depthwise 3x3 + PReLU, 1x1 projection; residual when asked (SE before the sum)."""

    def __init__(self, c1, c2, c3, residual, stride, se=False):
        super().__init__()
        self.conv = ConvBlock(c1[0], c1[1])
        self.conv_dw = ConvBlock(c2[0], c2[1], kernel=3, stride=stride, padding=1, groups=c2[0])
        self.project = ConvBlock(c3[0], c3[1], prelu=False)
        self.residual = residual
        if se:
            self.se_module = SE(c3[1])

    def forward(self, x):
        y = self.project(self.conv_dw(self.conv(x)))
        if not self.residual:
            return y
        if hasattr(self, "se_module"):
            y = self.se_module(y)
        return x + y


class Stage(nn.Module):
    """minivision's Residual / ResidualSE: residual DepthWise blocks under `.model`; with `se`, the last has SE."""

    def __init__(self, k, first, blocks, se):
        super().__init__()
        mods = []
        for i in range(blocks):
            j = first + 3 * i
            mods.append(DepthWise((k[j], k[j + 1]), (k[j + 1], k[j + 2]), (k[j + 2], k[j + 3]), True, 1, se and i == blocks - 1))
        self.model = nn.Sequential(*mods)

    def forward(self, x):
        return self.model(x)


class MiniFASNet(nn.Module):
    def __init__(self, keep, se, conv6_kernel=5, embedding=128, classes=3):
        super().__init__()
        k = keep
        self.conv1 = ConvBlock(3, k[0], kernel=3, stride=2, padding=1)
        self.conv2_dw = ConvBlock(k[0], k[1], kernel=3, stride=1, padding=1, groups=k[1])
        self.conv_23 = DepthWise((k[1], k[2]), (k[2], k[3]), (k[3], k[4]), False, 2)
        self.conv_3 = Stage(k, 4, 4, se)
        self.conv_34 = DepthWise((k[16], k[17]), (k[17], k[18]), (k[18], k[19]), False, 2)
        self.conv_4 = Stage(k, 19, 6, se)
        self.conv_45 = DepthWise((k[37], k[38]), (k[38], k[39]), (k[39], k[40]), False, 2)
        self.conv_5 = Stage(k, 40, 2, se)
        self.conv_6_sep = ConvBlock(k[46], k[47])
        self.conv_6_dw = ConvBlock(k[47], k[48], kernel=conv6_kernel, groups=k[48], prelu=False)
        self.linear = nn.Linear(512, embedding, bias=False)
        self.bn = nn.BatchNorm1d(embedding)
        self.drop = nn.Dropout(0.0)
        self.prob = nn.Linear(embedding, classes, bias=False)

    def forward(self, x):
        for m in (self.conv1, self.conv2_dw, self.conv_23, self.conv_3, self.conv_34, self.conv_4, self.conv_45, self.conv_5, self.conv_6_sep, self.conv_6_dw):
            x = m(x)
        return self.prob(self.drop(self.bn(self.linear(torch.flatten(x, 1)))))


def fail(msg):
    sys.exit(f"convert_minifasnet: {msg}")


def load_crops(directory, variant):
    files = sorted(glob.glob(os.path.join(directory, f"*_{MODEL_NAME[variant]}.png")))
    if not files:
        fail(f"no *_{MODEL_NAME[variant]}.png in {directory} (make them with `simface liveness --crops {directory} ...`)")
    crops = []
    for f in files:
        rgb = np.asarray(Image.open(f).convert("RGB"), dtype=np.float32)
        if rgb.shape != (80, 80, 3):
            fail(f"{f} is not an 80x80 crop")
        crops.append(np.ascontiguousarray(rgb[:, :, ::-1].transpose(2, 0, 1)[None]))  # BGR, NCHW, 0..255
    return files, crops


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--variant", required=True, choices=sorted(KEEP))
    parser.add_argument("--out", required=True)
    parser.add_argument("--crops", required=True)
    parser.add_argument("--reference")
    parser.add_argument("--max-abs", type=float, default=1e-4)
    args = parser.parse_args()

    model = MiniFASNet(KEEP[args.variant], se=args.variant == "v1se").eval()
    state = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
    state = {k.removeprefix("module."): v for k, v in state.items()}
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        fail(f"{args.checkpoint} does not fit MiniFASNet {args.variant}: {str(e).splitlines()[0]}")
    params = sum(p.numel() for p in model.parameters())
    print(f"{args.checkpoint}: {len(state)} tensors, all matched; {params / 1e6:.3f} M parameters")

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.onnx.export(model, torch.zeros(1, 3, 80, 80), args.out, opset_version=17, do_constant_folding=True,
                      input_names=["input"], output_names=["output"])
    graph = onnx.load(args.out)
    onnx.checker.check_model(graph)
    dims = lambda v: [d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
    if dims(graph.graph.input[0]) != [1, 3, 80, 80] or dims(graph.graph.output[0]) != [1, 3]:
        fail(f"unexpected graph signature {dims(graph.graph.input[0])} -> {dims(graph.graph.output[0])}")

    files, crops = load_crops(args.crops, args.variant)
    ours = ort.InferenceSession(args.out)
    reference = ort.InferenceSession(args.reference) if args.reference else None
    worst_torch, worst_ref, decisions = 0.0, 0.0, 0
    with torch.no_grad():
        for f, x in zip(files, crops):
            a = ours.run(None, {"input": x})[0][0]
            t = model(torch.from_numpy(x)).numpy()[0]
            worst_torch = max(worst_torch, float(np.abs(a - t).max()))
            if reference:
                r = reference.run(None, {"input": x})[0][0]
                worst_ref = max(worst_ref, float(np.abs(a - r).max()))
                decisions += (softmax(a)[1] >= 0.5) == (softmax(r)[1] >= 0.5)
    print(f"{len(crops)} crops: ONNX vs PyTorch logits max |diff| {worst_torch:.2e}")
    if worst_torch > args.max_abs:
        fail(f"ONNX and PyTorch differ by {worst_torch:.2e} > {args.max_abs}")
    if reference:
        print(f"converted vs {args.reference}: logits max |diff| {worst_ref:.2e}; same decision on {decisions} of {len(crops)}")
        if worst_ref > args.max_abs or decisions != len(crops):
            fail(f"the converted model does not reproduce {args.reference}")
    sha = hashlib.sha256(open(args.out, "rb").read()).hexdigest()
    print(f"wrote {args.out}: {os.path.getsize(args.out)} bytes, sha256 {sha}")


if __name__ == "__main__":
    main()
