"""Builds the fixtures for tap injection (src/worker/onnxTapInjector.ts), both with RANDOM weights.

    /usr/bin/python3 tools/model/make_tap_fixtures.py

- test/fixtures/untapped-gpt2/: the tiny fixture model (test/fixtures/tiny-model) with its attention
  taps removed, as a third-party export would come: the tap outputs are dropped from the graph
  outputs and the tensors that carried them are renamed to plain exporter-style names. Everything
  else (weights, nodes, tokenizer) is unchanged, so the taps of the original are an exact reference
  for the taps that the injector adds back.
- test/fixtures/gqa-attention/: one com.microsoft.GroupQueryAttention node between random
  projections (built with onnx.helper), plus reference.json: the input and the attention
  probabilities computed here in torch (softmax(Q·Kᵀ/√d) under a causal mask, kv heads shared
  by groups of query heads).

Runs on Debian's python3-torch 1.13 + python3-onnx 1.12 (`/usr/bin/python3`).
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil

import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
TINY = os.path.join(REPO, "test", "fixtures", "tiny-model")
UNTAPPED = os.path.join(REPO, "test", "fixtures", "untapped-gpt2")
GQA = os.path.join(REPO, "test", "fixtures", "gqa-attention")

# Tap output -> the plain name its tensor gets (what a torch export would have called it).
TAP_RENAMES = [
    (re.compile(r"^decoder_attentions\.(\d+)$"), "/h.{}/attn/Where_1_output_0"),
    (re.compile(r"^attn_q\.(\d+)$"), "/h.{}/attn/Transpose_output_0"),
    (re.compile(r"^attn_k\.(\d+)$"), "/h.{}/attn/Transpose_1_output_0"),
    (re.compile(r"^attn_v\.(\d+)$"), "/h.{}/attn/Transpose_2_output_0"),
    (re.compile(r"^embed_tokens$"), "/wte/Gather_output_0"),
    (re.compile(r"^embed_positions$"), "/wpe/Gather_output_0"),
]

UNTAPPED_README = """# Untapped GPT-2-style fixture (random weights)

A **test fixture**, not a useful model: the weights are **random** (those of
`test/fixtures/tiny-model`, seeded `torch.manual_seed(1234)`). It stands for a third-party ONNX
export without attention taps: the graph is the tiny fixture's, with the tap outputs
(`decoder_attentions.N`, `attn_q/k/v.N`, `embed_*`) removed from the graph outputs and their
tensors renamed to plain exporter-style names (e.g. `/h.0/attn/Where_1_output_0`). Nodes,
weights, inputs, the logits and KV cache outputs and the tokenizer files are unchanged, and
`config.json` has no `attention_lens.taps` section.

Because nothing else changed, the tiny fixture's own taps are an exact reference for the taps
that `src/worker/onnxTapInjector.ts` adds back (test/model/onnxTapInjector.test.ts).

Made by

    /usr/bin/python3 tools/model/make_tap_fixtures.py

(Debian python3-torch 1.13 + python3-onnx 1.12).
"""

GQA_README = """# GroupQueryAttention fixture (random weights)

A **test fixture** with **random** weights (seeded `torch.manual_seed({seed})`): one
`com.microsoft.GroupQueryAttention` node (num_heads {heads}, kv_num_heads {kv_heads}, head size
{head_size}, causal, no rotary) between random Q/K/V and output projections, built with
`onnx.helper` for ONNX Runtime's CPU kernel.

- `onnx/model.onnx`: inputs `x` float [batch, seq, {hidden}], `seqlens_k` int32 [batch]
  (total length - 1), `total_sequence_length` int32 scalar; outputs `y`, `present_key`,
  `present_value`.
- `reference.json`: an input `x` [1, {seq}, {hidden}] and the attention probabilities
  [1, {heads}, {seq}, {seq}] computed in torch: softmax(Q·Kᵀ/√{head_size}) with a causal mask,
  query head h reading kv head h // {group}.

Made by

    /usr/bin/python3 tools/model/make_tap_fixtures.py

(Debian python3-torch 1.13 + python3-onnx 1.12).
"""


def tap_rename(name: str) -> str | None:
    for pattern, template in TAP_RENAMES:
        match = pattern.match(name)
        if match:
            return template.format(*match.groups())
    return None


def make_untapped() -> None:
    model = onnx.load(os.path.join(TINY, "onnx", "model.onnx"))
    graph = model.graph
    renames = {o.name: tap_rename(o.name) for o in graph.output if tap_rename(o.name)}
    existing = {out for node in graph.node for out in node.output}
    clash = [new for new in renames.values() if new in existing]
    assert not clash, f"renamed tensors would clash: {clash}"
    kept = [o for o in graph.output if o.name not in renames]
    del graph.output[:]
    graph.output.extend(kept)
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name in renames:
                node.input[i] = renames[name]
        for i, name in enumerate(node.output):
            if name in renames:
                node.output[i] = renames[name]
    for info in graph.value_info:
        if info.name in renames:
            info.name = renames[info.name]
    onnx.checker.check_model(model)

    shutil.rmtree(UNTAPPED, ignore_errors=True)
    os.makedirs(os.path.join(UNTAPPED, "onnx"))
    onnx.save(model, os.path.join(UNTAPPED, "onnx", "model.onnx"))
    for name in ["generation_config.json", "tokenizer.json", "tokenizer_config.json"]:
        shutil.copy(os.path.join(TINY, name), os.path.join(UNTAPPED, name))
    with open(os.path.join(TINY, "config.json")) as f:
        config = json.load(f)
    config.get("attention_lens", {}).pop("taps", None)
    with open(os.path.join(UNTAPPED, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    with open(os.path.join(UNTAPPED, "README.md"), "w") as f:
        f.write(UNTAPPED_README)
    print(f"untapped: {len(renames)} tap outputs removed -> {UNTAPPED}")


def make_gqa(seed: int = 7, hidden: int = 32, heads: int = 4, kv_heads: int = 2, seq: int = 6) -> None:
    head_size = hidden // heads
    kv_hidden = kv_heads * head_size
    torch.manual_seed(seed)
    wq = torch.randn(hidden, hidden) * 0.5
    wk = torch.randn(hidden, kv_hidden) * 0.5
    wv = torch.randn(hidden, kv_hidden) * 0.5
    wo = torch.randn(hidden, hidden) * 0.5
    x = torch.randn(1, seq, hidden)

    inits = [numpy_helper.from_array(t.numpy(), name) for t, name in [(wq, "Wq"), (wk, "Wk"), (wv, "Wv"), (wo, "Wo")]]
    nodes = [
        helper.make_node("MatMul", ["x", "Wq"], ["q"], name="q_proj"),
        helper.make_node("MatMul", ["x", "Wk"], ["k"], name="k_proj"),
        helper.make_node("MatMul", ["x", "Wv"], ["v"], name="v_proj"),
        helper.make_node(
            "GroupQueryAttention",
            ["q", "k", "v", "", "", "seqlens_k", "total_sequence_length"],
            ["attn", "present_key", "present_value"],
            name="gqa",
            domain="com.microsoft",
            num_heads=heads,
            kv_num_heads=kv_heads,
        ),
        helper.make_node("MatMul", ["attn", "Wo"], ["y"], name="o_proj"),
    ]
    graph = helper.make_graph(
        nodes,
        "gqa_attention",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", hidden]),
            helper.make_tensor_value_info("seqlens_k", TensorProto.INT32, ["batch"]),
            helper.make_tensor_value_info("total_sequence_length", TensorProto.INT32, []),
        ],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "seq", hidden]),
            helper.make_tensor_value_info("present_key", TensorProto.FLOAT, ["batch", kv_heads, "total", head_size]),
            helper.make_tensor_value_info("present_value", TensorProto.FLOAT, ["batch", kv_heads, "total", head_size]),
        ],
        initializer=inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
        producer_name="attention-lens make_tap_fixtures.py",
    )
    model.ir_version = 8

    # Reference: [1, heads, seq, head_size] views of Q, K, V; query head h reads kv head h // group.
    group = heads // kv_heads
    q = (x @ wq).view(1, seq, heads, head_size).transpose(1, 2)  # [1, heads, seq, head_size]
    k = (x @ wk).view(1, seq, kv_heads, head_size).transpose(1, 2)  # [1, kv_heads, seq, head_size]
    k = k.repeat_interleave(group, dim=1)  # [1, heads, seq, head_size]
    scores = q @ k.transpose(-1, -2) / math.sqrt(head_size)  # [1, heads, seq, seq]
    causal = torch.ones(seq, seq, dtype=torch.bool).tril()
    probs = scores.masked_fill(~causal, float("-inf")).softmax(-1)  # [1, heads, seq, seq]

    shutil.rmtree(GQA, ignore_errors=True)
    os.makedirs(os.path.join(GQA, "onnx"))
    onnx.save(model, os.path.join(GQA, "onnx", "model.onnx"))
    reference = {
        "x": {"dims": list(x.shape), "data": x.flatten().tolist()},
        "probs": {"dims": list(probs.shape), "data": probs.flatten().tolist()},
        "num_heads": heads,
        "kv_num_heads": kv_heads,
        "head_size": head_size,
    }
    with open(os.path.join(GQA, "reference.json"), "w") as f:
        json.dump(reference, f)
        f.write("\n")
    with open(os.path.join(GQA, "README.md"), "w") as f:
        f.write(GQA_README.format(seed=seed, heads=heads, kv_heads=kv_heads, head_size=head_size,
                                  hidden=hidden, seq=seq, group=group))
    print(f"gqa: {heads} heads / {kv_heads} kv heads -> {GQA}")


def main() -> None:
    make_untapped()
    make_gqa()


if __name__ == "__main__":
    main()
