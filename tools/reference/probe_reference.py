"""Independent reference for the probe and confidence tests: transformers' own GPT-2 on the bundled weights.

Usage: probe_reference.py < request.json > answer.json

The request names the bundled fp32 ONNX file and model folder and lists cases, each
{"ids": [...], "position": p, "masked": [j, ...], "knockout": [[layer, head], ...]}. For each case
the answer holds, from GPT2LMHeadModel (eager attention, weights converted by
tools/serve/to_transformers_gpt2.py) with attention_mask 0 at the masked positions, position ids
0..T-1, and each knocked-out head's slice of the attention output zeroed before c_proj:
- "probs": the next-token distribution at the position;
- "lens": per depth (embeddings, then after each layer) the distribution of that hidden state
  through ln_f and lm_head (transformers' last hidden state already went through ln_f);
- "next_prob", "entropy": per position, the probability of the token that follows and the entropy.
"""

import json
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "serve"))
from to_transformers_gpt2 import write_folder  # noqa: E402
from transformers import GPT2LMHeadModel  # noqa: E402


def run_case(model: GPT2LMHeadModel, case: dict) -> dict:
    ids = case["ids"]
    position = case["position"]
    mask = torch.ones(1, len(ids), dtype=torch.long)
    for j in case.get("masked", []):
        mask[0, j] = 0
    head_dim = model.config.n_embd // model.config.n_head
    hooks = []
    for layer, head in case.get("knockout", []):
        def zero(_module, args, head=head):
            (x,) = args
            x = x.clone()
            x[..., head * head_dim:(head + 1) * head_dim] = 0
            return (x,)
        hooks.append(model.transformer.h[layer].attn.c_proj.register_forward_pre_hook(zero))
    try:
        with torch.no_grad():
            out = model(
                input_ids=torch.tensor([ids]),
                attention_mask=mask,
                position_ids=torch.arange(len(ids)).unsqueeze(0),
                output_hidden_states=True,
            )
            probs = torch.softmax(out.logits[0].double(), dim=-1)
            lens = []
            states = out.hidden_states
            for depth, state in enumerate(states):
                h = state[0, position]
                if depth < len(states) - 1:
                    h = model.transformer.ln_f(h)
                lens.append(torch.softmax(model.lm_head(h).double(), dim=-1).tolist())
    finally:
        for hook in hooks:
            hook.remove()
    logp = torch.log(probs.clamp_min(1e-300))
    entropy = (-(probs * logp).sum(-1)).tolist()
    next_prob = [probs[p, ids[p + 1]].item() for p in range(len(ids) - 1)] + [-1]
    return {"probs": probs[position].tolist(), "lens": lens, "next_prob": next_prob, "entropy": entropy}


def main() -> int:
    request = json.load(sys.stdin)
    with tempfile.TemporaryDirectory() as folder:
        write_folder(Path(request["onnx"]), Path(request["model_dir"]), Path(folder))
        model = GPT2LMHeadModel.from_pretrained(folder, attn_implementation="eager").eval()
    json.dump({"cases": [run_case(model, case) for case in request["cases"]]}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
