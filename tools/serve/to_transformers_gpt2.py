"""Writes the bundled model as a transformers GPT-2 folder, so `transformers serve` can serve it.

Usage: to_transformers_gpt2.py --onnx <model.onnx> --model-dir <models/NAME> --out <folder> [--check]

The ONNX initializers already carry transformers' GPT-2 names under `model.`, but the four
projection matrices are shaped like nn.Linear ([out, in]) while GPT-2's Conv1D stores [in, out].
The tokenizer files are copied unchanged, so the server tokenizes exactly like the extension.
`--check` reloads the folder with GPT2LMHeadModel (eager attention) and compares last-position
logits with onnxruntime on reference/parity.json's inputs, and checks the tokenizer; it exits
non-zero when the logits differ by more than 1e-4 or the tokenizer disagrees.
"""

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from safetensors.torch import save_file

LOGITS_TOLERANCE = 1e-4
# GPT-2 keeps these as Conv1D, whose weight is [in, out]; the ONNX export holds [out, in].
CONV1D_SUFFIXES = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")
# Keys of the bundled config.json that GPT2Config understands; the rest (attention_lens) is the
# extension's own and stays out of the served folder.
GPT2_CONFIG_KEYS = (
    "vocab_size", "n_positions", "n_ctx", "n_embd", "n_layer", "n_head", "n_inner",
    "activation_function", "layer_norm_epsilon", "resid_pdrop", "embd_pdrop", "attn_pdrop",
    "bos_token_id", "eos_token_id", "pad_token_id", "tie_word_embeddings", "use_cache",
)


def read_state_dict(onnx_path: Path) -> dict[str, torch.Tensor]:
    """Reads the ONNX initializers as a GPT2LMHeadModel state dict (renamed, Conv1D-shaped)."""
    graph = onnx.load(str(onnx_path)).graph
    state: dict[str, torch.Tensor] = {}
    for initializer in graph.initializer:
        if not initializer.name.startswith("model."):
            continue  # constants the exporter folded in, not weights
        array = numpy_helper.to_array(initializer)
        name = "transformer." + initializer.name[len("model."):]
        if name.endswith(CONV1D_SUFFIXES):
            array = array.T  # [out, in] -> [in, out]
        state[name] = torch.from_numpy(np.array(array, dtype=np.float32, order="C"))  # a writable copy
    if "transformer.wte.weight" not in state:
        raise SystemExit(f"{onnx_path}: no model.wte.weight initializer; not the bundled GPT-2 export")
    return state


def write_folder(onnx_path: Path, model_dir: Path, out: Path) -> None:
    """Writes config.json, generation_config.json, model.safetensors and the tokenizer files."""
    bundled = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    config = {key: bundled[key] for key in GPT2_CONFIG_KEYS if key in bundled}
    config.update({"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "torch_dtype": "float32"})
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")

    # Greedy by default, so a request without sampling fields gives the extension's greedy text.
    generation = {
        "bos_token_id": bundled["bos_token_id"],
        "eos_token_id": bundled["eos_token_id"],
        "pad_token_id": bundled["pad_token_id"],
        "do_sample": False,
        "num_beams": 1,
    }
    (out / "generation_config.json").write_text(json.dumps(generation, indent=2) + "\n", encoding="utf-8")

    state = read_state_dict(onnx_path)
    # lm_head is tied to wte (tie_word_embeddings); transformers re-ties it on load.
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    for name in TOKENIZER_FILES:
        shutil.copyfile(model_dir / name, out / name)


def onnx_last_logits(session, input_ids: list[int], layers: int, heads: int, head_dim: int) -> np.ndarray:
    """Runs the ONNX graph on one sequence with an empty cache; returns the last position's logits."""
    length = len(input_ids)
    feeds = {
        "input_ids": np.array([input_ids], dtype=np.int64),  # [1, T]
        "attention_mask": np.ones((1, length), dtype=np.int64),  # [1, T]
        "position_ids": np.arange(length, dtype=np.int64)[None, :],  # [1, T]
    }
    wanted = {i.name for i in session.get_inputs()}
    for layer in range(layers):
        for kind in ("key", "value"):
            feeds[f"past_key_values.{layer}.{kind}"] = np.zeros((1, heads, 0, head_dim), dtype=np.float32)  # [1, H, 0, D]
    feeds = {name: value for name, value in feeds.items() if name in wanted}
    logits = session.run(["logits"], feeds)[0]  # [1, T, V]
    return logits[0, -1]  # [V]


def check_tokenizer(out: Path, model_dir: Path) -> list[str]:
    """Returns the ways the served folder's tokenizer differs from the extension's (none is good)."""
    from transformers import AutoTokenizer
    from tokenizers import Tokenizer

    bundled = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))["attention_lens"]
    served = AutoTokenizer.from_pretrained(str(out))
    reference = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    problems = []
    for token, token_id in bundled["special_tokens"].items():
        ids = served(token, add_special_tokens=True)["input_ids"]
        if ids != [token_id]:
            problems.append(f"{token!r} tokenizes to {ids}, expected [{token_id}]")
    fim = bundled["fim"]["template"].format(prefix="function add(a, b) {\n  return ", suffix=";\n}\n")
    for text in (fim, "def add(a, b):\n    return a + b\n", "  x = 'é' // ünïcode\n"):
        got = served(text, add_special_tokens=True)["input_ids"]
        expected = reference.encode(text, add_special_tokens=False).ids
        if got != expected:
            problems.append(f"{text!r}: served {got[:12]}…, extension {expected[:12]}…")
        if served.decode(got, skip_special_tokens=False) != text:
            problems.append(f"{text!r} does not decode back to itself")
    return problems


def check(out: Path, onnx_path: Path, model_dir: Path) -> int:
    """Compares the served folder with onnxruntime on the parity fixture; returns the exit code."""
    import onnxruntime
    from transformers import GPT2LMHeadModel

    model = GPT2LMHeadModel.from_pretrained(str(out), attn_implementation="eager").eval()
    config = model.config
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    cases = json.loads((model_dir / "reference" / "parity.json").read_text(encoding="utf-8"))["cases"]
    worst = 0.0
    for case in cases:
        ids = case["input_ids"]
        with torch.no_grad():
            torch_logits = model(torch.tensor([ids])).logits[0, -1].numpy()  # [V]
        ort_logits = onnx_last_logits(session, ids, config.n_layer, config.n_head, config.n_embd // config.n_head)
        worst = max(worst, float(np.abs(torch_logits - ort_logits).max()))
    tied = model.lm_head.weight.data_ptr() == model.transformer.wte.weight.data_ptr()
    problems = check_tokenizer(out, model_dir)
    print(f"{len(cases)} parity cases: max |logits(transformers) - logits(onnxruntime)| = {worst:.3g} "
          f"(limit {LOGITS_TOLERANCE}); lm_head tied: {tied}; tokenizer problems: {len(problems)}")
    for problem in problems:
        print("  tokenizer:", problem)
    return 0 if worst <= LOGITS_TOLERANCE and tied and not problems else 1


def main() -> int:
    """Parses the arguments, writes the folder, and checks it when asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onnx", type=Path, required=True, help="the bundled fp32 ONNX file")
    parser.add_argument("--model-dir", type=Path, required=True, help="the bundled model folder (config.json, tokenizer)")
    parser.add_argument("--out", type=Path, required=True, help="the folder to write")
    parser.add_argument("--check", action="store_true", help="compare with onnxruntime and check the tokenizer")
    args = parser.parse_args()
    write_folder(args.onnx, args.model_dir, args.out)
    print(f"wrote {args.out}")
    return check(args.out, args.onnx, args.model_dir) if args.check else 0


if __name__ == "__main__":
    sys.exit(main())
