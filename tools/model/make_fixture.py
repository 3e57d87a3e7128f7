"""Builds the tiny random-weight fixture model used by the tests (test/fixtures/tiny-model).

    /usr/bin/python3 tools/model/make_fixture.py --out test/fixtures/tiny-model   # npm run fixture:model

Same architecture, tokenizer recipe and export code as the bundled model, at a tiny size
(d_model 32, 2 layers, 2 heads, context 128, vocab 512) with seeded RANDOM weights: it predicts
nothing useful, but it has every input, output and tap of the real model, so the tests run fast.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lens_model import PRESETS, LensGPT  # noqa: E402
from export import export_model  # noqa: E402

# A small piece of real code to train the 512-token BPE on: Python's stdlib (PSF licence) and
# TypeScript's own library declarations (Apache-2.0), both present on this machine.
TOKENIZER_SOURCES = [
    "/usr/lib/python3.11/textwrap.py",
    "/usr/lib/python3.11/json/decoder.py",
    "/usr/lib/python3.11/json/encoder.py",
    "node_modules/typescript/lib/lib.es5.d.ts",
]

README = """# Tiny fixture model (random weights)

This folder is a **test fixture**, not a useful model: its weights are **random** (seeded,
`torch.manual_seed({seed})`). It has exactly the architecture, tokenizer recipe, ONNX inputs,
outputs and attention taps of the bundled model (`models/lens-coder`), at a tiny size:
d_model {n_embd}, {n_layer} layers, {n_head} heads (head_dim {head_dim}), context {n_positions},
byte-level BPE vocabulary {vocab_size} (same special tokens).

Made by `npm run fixture:model`, i.e.

    /usr/bin/python3 tools/model/make_fixture.py --out test/fixtures/tiny-model

(Debian python3-torch 1.13 + python3-onnx; node for the tokenizer). The tokenizer was trained on
{sources}.

- `onnx/model.onnx` fp32, `onnx/model_quantized.onnx` int8 (tools/model/quantize_int8.py)
- `reference/parity.json`: PyTorch's own forward on a few inputs (last-position logits and
  attention probabilities), which the tests compare against ONNX Runtime through transformers.js.
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    repo = os.path.abspath(os.path.join(HERE, "..", ".."))
    cfg = PRESETS["tiny"]
    tok_dir = os.path.join(repo, "tools", "model", "work", "tiny-tokenizer")
    sources = [s if os.path.isabs(s) else os.path.join(repo, s) for s in TOKENIZER_SOURCES]
    subprocess.run(["node", os.path.join(HERE, "train_tokenizer.mjs"), "--out", tok_dir,
                    "--vocab", str(cfg.vocab_size), *sources], check=True, stdout=subprocess.DEVNULL)
    torch.manual_seed(args.seed)
    model = LensGPT(cfg)
    # Larger than GPT-2's init so the random attention maps are not uniform and logits differ.
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() >= 2:
                p.normal_(0.0, 0.3)
    export_model(model, tok_dir, args.out)
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(README.format(seed=args.seed, head_dim=cfg.head_dim,
                              sources=", ".join(f"`{s}`" for s in TOKENIZER_SOURCES), **cfg.to_dict()))
    print(f"fixture: {model.num_params()} params -> {args.out}")


if __name__ == "__main__":
    main()
