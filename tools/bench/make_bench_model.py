"""Makes the ~100M-parameter benchmark model for bench/backends.mjs: random weights, not a useful model.

    /usr/bin/python3 tools/bench/make_bench_model.py            # -> .cache/bench-models/gpt2-100m

The bundled model's architecture, export code and tokenizer (models/lens-coder/tokenizer.json)
at GPT-2 small's width (d_model 768, 12 heads of 64) with 13 layers: with the 8192-token vocabulary
that is ~99M parameters, where a backend's matrix throughput matters more than its per-op
overhead. Seeded random weights; fp32 ONNX only (int8 MatMulInteger would run on the CPU provider
under WebGPU anyway). Written under .cache/ (git-ignored): 400 MB that anyone can remake in a minute
or two. Idempotent: does nothing when the model is already there.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tools", "model"))
from lens_model import LensConfig, LensGPT  # noqa: E402
from export import export_model  # noqa: E402

CONFIG = LensConfig(vocab_size=8192, n_positions=512, n_embd=768, n_layer=13, n_head=12)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(REPO, ".cache", "bench-models", "gpt2-100m"))
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    marker = os.path.join(args.out, "bench-model.json")
    if os.path.exists(marker) and os.path.exists(os.path.join(args.out, "onnx", "model.onnx")):
        print(f"bench model already in {args.out}")
        return
    torch.manual_seed(args.seed)
    model = LensGPT(CONFIG).eval()
    # GPT-2's own init scale (0.02) keeps activations and logits in a realistic range.
    export_model(model, os.path.join(REPO, "models", "lens-coder"), args.out, quantize=False)
    with open(marker, "w") as f:
        json.dump({"parameters": model.num_params(), "seed": args.seed, "config": CONFIG.to_dict(),
                   "note": "random weights, made by tools/bench/make_bench_model.py"}, f, indent=2)
        f.write("\n")
    print(f"bench model: {model.num_params() / 1e6:.1f}M parameters -> {args.out}")


if __name__ == "__main__":
    main()
