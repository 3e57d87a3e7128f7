"""Exports a LensGPT to the Hugging Face layout that transformers.js loads from a local folder.

    /usr/bin/python3 tools/model/export.py --weights tools/model/work/run/weights --tokenizer DIR \
        --out models/lens-coder [--train-log tools/model/work/run/train_log.json]

Writes config.json (model_type gpt2 + an `attention_lens` section), generation_config.json,
tokenizer files, onnx/model.onnx (fp32, with KV cache and attention taps),
onnx/model_quantized.onnx (int8, see quantize_int8.py) and reference/parity.json (PyTorch's own
forward on a few short inputs, for the TypeScript parity tests).

Runs on Debian's torch 1.13 + python3-onnx.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lens_model import LensConfig, LensGPT, output_names  # noqa: E402
from checkpoint import load_checkpoint  # noqa: E402
import quantize_int8  # noqa: E402

SPECIAL_TOKENS = ["<|endoftext|>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<sum_code>", "<sum_doc>"]
EOS_ID = 0

# Short inputs for the parity fixture (kept short so the fixture stays small).
PARITY_TEXTS = [
    "def add(a, b):\n    return a + b\n",
    "function greet(name) {\n  return `Hello, ${name}`;\n}",
    "<fim_prefix>const x = <fim_suffix>;\n<fim_middle>",
    "<sum_code>def is_even(n):\n    return n % 2 == 0\n<sum_doc>",
]


def lens_section(cfg: LensConfig) -> dict:
    """The `attention_lens` key of config.json: prompt formats and tap names for the extension."""
    L = cfg.n_layer
    return {
        "format_version": 1,
        "special_tokens": {t: i for i, t in enumerate(SPECIAL_TOKENS)},
        "eos_token": "<|endoftext|>",
        "fim": {
            "order": "psm",
            "template": "<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>",
            "prefix_token": "<fim_prefix>", "suffix_token": "<fim_suffix>", "middle_token": "<fim_middle>",
            "stop": "<|endoftext|>",
        },
        "summarization": {
            "template": "<sum_code>{code}<sum_doc>",
            "code_token": "<sum_code>", "doc_token": "<sum_doc>",
            "output": "the first line of the doc comment, plain text without comment markers",
            "stop": ["<|endoftext|>", "\n"],
        },
        "completion": {
            "template": "{prefix}",
            # Summary and FIM markers must never be generated as code (summary mode leaks otherwise).
            "bad_words_ids": [[i] for i in range(1, len(SPECIAL_TOKENS))],
            "blocked_token_ids": list(range(1, len(SPECIAL_TOKENS))),
        },
        "taps": {
            "attention_probs": [f"decoder_attentions.{i}" for i in range(L)],
            "query": [f"attn_q.{i}" for i in range(L)],
            "key": [f"attn_k.{i}" for i in range(L)],
            "value": [f"attn_v.{i}" for i in range(L)],
            "embed_tokens": "embed_tokens",
            "embed_positions": "embed_positions",
            "notes": "probs [batch, heads, new_tokens, total_tokens], causal+padding mask applied, masked "
                     "cells exactly 0; q/k/v [batch, heads, new_tokens, head_dim] of the new tokens, q not "
                     "scaled (scores = q.k / sqrt(head_dim)); embeddings [batch, new_tokens, d_model], "
                     "the block input is embed_tokens + embed_positions",
        },
        "head_dim": cfg.head_dim,
    }


def hf_config(cfg: LensConfig) -> dict:
    return {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "vocab_size": cfg.vocab_size,
        "n_positions": cfg.n_positions,
        "n_ctx": cfg.n_positions,
        "n_embd": cfg.n_embd,
        "n_layer": cfg.n_layer,
        "n_head": cfg.n_head,
        "n_inner": 4 * cfg.n_embd,
        "activation_function": "gelu_new",
        "layer_norm_epsilon": cfg.layer_norm_epsilon,
        "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0,
        "bos_token_id": EOS_ID,
        "eos_token_id": EOS_ID,
        "pad_token_id": EOS_ID,
        "tie_word_embeddings": True,
        "use_cache": True,
        "attention_lens": lens_section(cfg),
    }


class OnnxWrapper(torch.nn.Module):
    """Flat positional signature for torch.onnx.export."""

    def __init__(self, model: LensGPT):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        out = self.model.forward_with_cache(input_ids, attention_mask, position_ids, past)
        return tuple(out[n] for n in output_names(self.model.cfg))


def export_onnx(model: LensGPT, path: str) -> None:
    cfg = model.cfg
    model.eval()
    b, t, p = 1, 3, 2  # trace with a non-empty past; the axes are dynamic (P = 0 works too)
    input_ids = torch.randint(0, cfg.vocab_size, (b, t))
    attention_mask = torch.ones(b, p + t, dtype=torch.long)
    position_ids = torch.arange(p, p + t)[None]
    past = []
    for _ in range(cfg.n_layer):
        past += [torch.randn(b, cfg.n_head, p, cfg.head_dim), torch.randn(b, cfg.n_head, p, cfg.head_dim)]
    in_names = ["input_ids", "attention_mask", "position_ids"]
    dyn = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
    }
    for i in range(cfg.n_layer):
        for kv in ("key", "value"):
            n = f"past_key_values.{i}.{kv}"
            in_names.append(n)
            dyn[n] = {0: "batch_size", 2: "past_sequence_length"}
    out_names = output_names(cfg)
    for n in out_names:
        if n == "logits":
            dyn[n] = {0: "batch_size", 1: "sequence_length"}
        elif n.startswith("present."):
            dyn[n] = {0: "batch_size", 2: "total_sequence_length"}
        elif n.startswith("decoder_attentions."):
            dyn[n] = {0: "batch_size", 2: "sequence_length", 3: "total_sequence_length"}
        elif n.startswith("attn_"):
            dyn[n] = {0: "batch_size", 2: "sequence_length"}
        else:
            dyn[n] = {0: "batch_size", 1: "sequence_length"}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            OnnxWrapper(model), (input_ids, attention_mask, position_ids, *past), path,
            input_names=in_names, output_names=out_names, dynamic_axes=dyn,
            opset_version=17,
            # With folding on, the tied embedding would be stored twice (Gather + transposed head).
            do_constant_folding=False,
        )


def encode_texts(tok_json_path: str, texts: list) -> list:
    """Token ids from the Rust tokenizer (node tools/model/encode.mjs): the ids transformers.js uses."""
    here = os.path.dirname(os.path.abspath(__file__))
    res = subprocess.run(["node", os.path.join(here, "encode.mjs"), tok_json_path],
                         input=json.dumps(texts).encode(), capture_output=True, check=True)
    return json.loads(res.stdout)


def round_list(x, digits=7):
    return [float(f"{v:.{digits}g}") for v in x]


def write_parity(model: LensGPT, tok_json_path: str, path: str) -> None:
    """PyTorch's own forward on a few short inputs: last-position logits and full attention
    probabilities [layer][head][T][T]."""
    all_ids = encode_texts(tok_json_path, PARITY_TEXTS)
    model.eval()
    cases = []
    with torch.no_grad():
        for text, ids in zip(PARITY_TEXTS, all_ids):
            ids = ids[: model.cfg.n_positions]
            x = torch.tensor([ids])
            logits_train, _ = model(x)  # the training path: no cache, fused/plain attention
            past = [(torch.zeros(1, model.cfg.n_head, 0, model.cfg.head_dim),) * 2 for _ in range(model.cfg.n_layer)]
            out = model.forward_with_cache(x, torch.ones_like(x), torch.arange(len(ids))[None], past)
            gap = (out["logits"] - logits_train).abs().max().item()
            assert gap < 1e-3, f"cache path and training path disagree: {gap}"
            probs = [out[f"decoder_attentions.{i}"][0] for i in range(model.cfg.n_layer)]  # [H, T, T] each
            cases.append({
                "text": text,
                "input_ids": ids,
                "last_logits": round_list(out["logits"][0, -1].tolist()),
                "attentions": [[[round_list(row) for row in head.tolist()] for head in layer] for layer in probs],
            })
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"description": "PyTorch fp32 forward of the exported weights (tools/model/export.py)",
                   "atol": 1e-4, "cases": cases}, f, separators=(",", ":"))


def export_model(model: LensGPT, tokenizer_dir: str, out_dir: str, quantize: bool = True) -> None:
    cfg = model.cfg
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(hf_config(cfg), f, indent=2)
        f.write("\n")
    gen = {"bos_token_id": EOS_ID, "eos_token_id": EOS_ID, "pad_token_id": EOS_ID,
           "max_length": cfg.n_positions, "do_sample": False}
    with open(os.path.join(out_dir, "generation_config.json"), "w") as f:
        json.dump(gen, f, indent=2)
        f.write("\n")
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(tokenizer_dir, name), os.path.join(out_dir, name))
    # model_max_length follows the model's context.
    tc_path = os.path.join(out_dir, "tokenizer_config.json")
    with open(tc_path) as f:
        tc = json.load(f)
    tc["model_max_length"] = cfg.n_positions
    with open(tc_path, "w") as f:
        json.dump(tc, f, indent=2)
        f.write("\n")
    fp32 = os.path.join(out_dir, "onnx", "model.onnx")
    export_onnx(model, fp32)
    if quantize:
        quantize_int8.quantize(fp32, os.path.join(out_dir, "onnx", "model_quantized.onnx"))
    write_parity(model, os.path.join(out_dir, "tokenizer.json"), os.path.join(out_dir, "reference", "parity.json"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True, help="folder written by train.py (config.json + chunks)")
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.manual_seed(0)
    model = load_checkpoint(args.weights)
    export_model(model, args.tokenizer, args.out)
    print(f"exported {model.num_params() / 1e6:.2f}M params to {args.out}")


if __name__ == "__main__":
    main()
