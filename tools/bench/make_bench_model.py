"""Makes the ~100M-parameter benchmark model for bench/suite.mjs and bench/backends.mjs: random
weights, not a useful model.

    PYTHONPATH=$(bash tools/bench/ensure_python_packages.sh) python3 tools/bench/make_bench_model.py
                                                                # -> .cache/bench-models/gpt2-100m

The bundled model's architecture, export code and tokenizer (models/lens-coder/tokenizer.json)
at GPT-2 small's width (d_model 768, 12 heads of 64) with 13 layers: with the 8192-token vocabulary
that is ~99M parameters, where a backend's matrix throughput matters more than its per-op
overhead. 1280 positions, so a 1024-token prompt still leaves room to decode. Seeded random
weights; fp32 ONNX and the int8 one (tools/model/quantize_int8.py, as the bundled model's).
Written under .cache/ (git-ignored): ~500 MB that anyone can remake in a minute or two.
Idempotent: does nothing when this version of the model is already there.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import torch

# tools/model/export.py was written for the TorchScript exporter (dynamic_axes); torch >= 2.9
# defaults to the dynamo one, which rejects those axes. Keep the TorchScript path here.
_export = torch.onnx.export
torch.onnx.export = lambda *args, **kwargs: _export(*args, **{"dynamo": False, **kwargs})

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tools", "model"))
from lens_model import LensConfig, LensGPT  # noqa: E402
from export import export_model  # noqa: E402

# Bumped whenever CONFIG or the files written change, so an older model is remade.
VERSION = 2
CONFIG = LensConfig(vocab_size=8192, n_positions=1280, n_embd=768, n_layer=13, n_head=12)


def _version(marker: str) -> int:
    with open(marker) as f:
        return int(json.load(f).get("version", 1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(REPO, ".cache", "bench-models", "gpt2-100m"))
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    marker = os.path.join(args.out, "bench-model.json")
    if os.path.exists(marker) and _version(marker) == VERSION:
        print(f"bench model already in {args.out}")
        return
    torch.manual_seed(args.seed)
    model = LensGPT(CONFIG).eval()
    # GPT-2's own init scale (0.02) keeps activations and logits in a realistic range.
    export_model(model, os.path.join(REPO, "models", "lens-coder"), args.out, quantize=True)
    with open(marker, "w") as f:
        json.dump({"version": VERSION, "parameters": model.num_params(), "seed": args.seed, "config": CONFIG.to_dict(),
                   "note": "random weights, made by tools/bench/make_bench_model.py"}, f, indent=2)
        f.write("\n")
    print(f"bench model: {model.num_params() / 1e6:.1f}M parameters -> {args.out}")


if __name__ == "__main__":
    main()
