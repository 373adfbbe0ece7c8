#!/usr/bin/python3
"""Writes reference data for resnetc's samples from their PyTorch twins (twins.py).

For each sample NAME, into OUT/NAME/:
  weights.safetensors  the twin's state_dict (float32; num_batches_tracked as int64, as PyTorch
                       saves it), with random weights and BatchNorm statistics
  weights.npz          the same state_dict as numpy.savez writes it (with --npz)
  input.npy            a random float32 input batch, NCHW (or N,F)
  expected.npy         the twin's output for that batch, computed in float64, stored as float32
  model.onnx           the twin exported to ONNX (with --onnx)

BatchNorm statistics are measured on random data, then perturbed by a few per cent; gamma and beta
are random. The statistics are far from the identity (so folding them matters) while activations
stay of order one through a hundred layers. beta is kept positive so that few ReLUs are dead: with
beta in [-0.5, 0.5], deep plain networks amplify float32 rounding so much that PyTorch's own float32
output is 2e-4 away from its float64 output (plain56), and no float32 implementation could meet the
1e-4 tolerance; with these ranges PyTorch's float32 error is below 2e-5 on every sample.

Usage: /usr/bin/python3 tools/reference/make_reference.py OUT [NAME ...] [--batch 2] [--seed 0]
           [--npz] [--onnx]

--onnx uses torch.onnx.export (opset 13, dynamic batch axis: the same file runs any batch size);
checked with Debian's python3-torch 1.13.1 and python3-onnx 1.12, as bench/run.sh uses it.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from twins import TWINS  # noqa: E402

DTYPES = {torch.float32: "F32", torch.int64: "I64"}


def write_safetensors(path, tensors):
    """The safetensors format: u64 header length, JSON header, then the raw little-endian data."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        arr = t.detach().contiguous().cpu().numpy()
        data = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def randomize(model, shape, generator):
    """Random BatchNorm affine parameters; statistics measured on random data, then perturbed."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            bn.reset_running_stats()
            bn.momentum = None  # a cumulative average over the calibration batch
            bn.weight.uniform_(0.5, 1.0, generator=generator)
            bn.bias.uniform_(0.2, 0.6, generator=generator)
        model.train()
        model(torch.randn((4,) + shape, generator=generator))
        for bn in bns:
            std = bn.running_var.sqrt()
            bn.running_mean.add_(std * (torch.rand(std.shape, generator=generator) * 0.1 - 0.05))
            bn.running_var.mul_(torch.rand(std.shape, generator=generator) * 0.2 + 0.9)
    model.eval()


def make(name, out, batch, seed, npz, onnx):
    build, shape = TWINS[name]
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = build()
    randomize(model, shape, generator)
    x = torch.rand((batch,) + shape, generator=generator) * 2 - 1
    with torch.no_grad():
        expected = model.double()(x.double()).float()
        model.float()
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    state = model.state_dict()
    write_safetensors(os.path.join(d, "weights.safetensors"), state)
    if npz:
        np.savez(os.path.join(d, "weights.npz"), **{k: v.numpy() for k, v in state.items()})
    np.save(os.path.join(d, "input.npy"), x.numpy())
    np.save(os.path.join(d, "expected.npy"), expected.numpy())
    if onnx:
        torch.onnx.export(model, x, os.path.join(d, "model.onnx"), input_names=["input"],
                          output_names=["output"], opset_version=13,
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    params = sum(p.numel() for p in model.parameters())
    print("%-16s %12d params  input %s  max|y| %.3g -> %s" % (
        name, params, tuple(x.shape), expected.abs().max().item(), d))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("names", nargs="*", help="samples (default: all)")
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--npz", action="store_true", help="also write weights.npz")
    p.add_argument("--onnx", action="store_true", help="also write model.onnx")
    args = p.parse_args()
    for name in args.names or sorted(TWINS):
        if name not in TWINS:
            sys.exit("unknown sample %r; known: %s" % (name, ", ".join(sorted(TWINS))))
        make(name, args.out, args.batch, args.seed, args.npz, args.onnx)


if __name__ == "__main__":
    main()
