"""Turns the mined corpus into training documents mixing the three objectives, plus the eval set.

    /usr/bin/python3 tools/model/build_docs.py --work tools/model/work --eval-out models/lens-coder/eval/test.jsonl

Objectives (the formats are recorded in config.json's `attention_lens`):
  * plain code: a file's text, cut into ~1200-character chunks at line ends;
  * FIM, prefix-suffix-middle, on half of the chunks:
        <fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>{middle}<|endoftext|>
    the middle is 1-3 whole lines half of the time (what inline completion asks for), otherwise
    a random character span;
  * summarization, every mined pair (twice in train, since pairs are the scarce signal):
        <sum_code>{code without its doc comment}<sum_doc>{first doc line}<|endoftext|>
Writes WORK/docs/{train,val}.jsonl ({"text"}) and the test-split eval set (code/doc and
prefix/suffix/middle lines, see tools/model/eval.mjs).
"""
from __future__ import annotations

import argparse
import json
import os
import random

EOS, FP, FS, FM, SC, SD = "<|endoftext|>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<sum_code>", "<sum_doc>"
CHUNK = 1200


def chunks_of(text: str):
    lines = text.split("\n")
    cur, size = [], 0
    for l in lines:
        cur.append(l)
        size += len(l) + 1
        if size >= CHUNK:
            yield "\n".join(cur) + "\n"
            cur, size = [], 0
    if cur and any(l.strip() for l in cur):
        yield "\n".join(cur)


def fim(chunk: str, rng: random.Random) -> str | None:
    lines = chunk.split("\n")
    if rng.random() < 0.5 and len(lines) > 3:
        i = rng.randrange(1, len(lines) - 1)
        j = min(len(lines), i + rng.randint(1, 3))
        pre = "\n".join(lines[:i]) + "\n"
        mid = "\n".join(lines[i:j])
        suf = "\n" + "\n".join(lines[j:]) if j < len(lines) else ""
    else:
        if len(chunk) < 20:
            return None
        a = rng.randrange(0, len(chunk) - 10)
        b = min(len(chunk), a + rng.randint(1, 200))
        pre, mid, suf = chunk[:a], chunk[a:b], chunk[b:]
    return f"{FP}{pre}{FS}{suf}{FM}{mid}{EOS}"


def summary(code: str, doc: str) -> str:
    return f"{SC}{code}{SD}{doc}{EOS}"


def eval_fim_records(text: str, rng: random.Random, n: int):
    """prefix/suffix/middle records whose middle is one whole non-trivial line."""
    lines = text.split("\n")
    cands = [i for i in range(3, len(lines) - 1) if len(lines[i].strip()) >= 4 and lines[i - 1].strip()]
    for i in rng.sample(cands, min(n, len(cands))):
        pre = "\n".join(lines[:i]) + "\n"
        suf = "\n" + "\n".join(lines[i + 1:])
        yield {"prefix": pre[-1000:], "suffix": suf[:400], "middle": lines[i]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="tools/model/work")
    ap.add_argument("--eval-out", default="models/lens-coder/eval/test.jsonl")
    ap.add_argument("--eval-summaries", type=int, default=150)
    ap.add_argument("--eval-fim", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    corpus = os.path.join(args.work, "corpus")
    out = os.path.join(args.work, "docs")
    os.makedirs(out, exist_ok=True)
    writers = {s: open(os.path.join(out, f"{s}.jsonl"), "w") for s in ("train", "val")}
    counts = {s: {"plain": 0, "fim": 0, "summary": 0, "chars": 0} for s in writers}
    test_files = []
    # Tokenizer training text: about 45 MB of the TRAIN split's code (every 4th file).
    sample_dir = os.path.join(args.work, "tokenizer-sample")
    os.makedirs(sample_dir, exist_ok=True)
    sample_parts = [open(os.path.join(sample_dir, f"part-{i}.txt"), "w") for i in range(4)]
    n_train_files = 0

    def emit(split, kind, text):
        writers[split].write(json.dumps({"text": text}) + "\n")
        counts[split][kind] += 1
        counts[split]["chars"] += len(text)

    with open(os.path.join(corpus, "files.jsonl")) as f:
        for line in f:
            rec = json.loads(line)
            if rec["split"] == "test":
                if len(test_files) < 5000:
                    test_files.append(rec)
                continue
            if rec["split"] == "train":
                if n_train_files % 4 == 0:
                    sample_parts[n_train_files % 16 // 4].write(rec["text"] + "\n")
                n_train_files += 1
            plain = []
            for ch in chunks_of(rec["text"]):
                doc = fim(ch, rng) if rng.random() < 0.5 else None
                if doc:
                    emit(rec["split"], "fim", doc)
                else:
                    plain.append(ch)
            if plain:
                emit(rec["split"], "plain", "".join(plain) + EOS)
    test_pairs = []
    with open(os.path.join(corpus, "pairs.jsonl")) as f:
        for line in f:
            rec = json.loads(line)
            if rec["split"] == "test":
                test_pairs.append(rec)
                continue
            for _ in range(2 if rec["split"] == "train" else 1):
                emit(rec["split"], "summary", summary(rec["code"], rec["doc"]))
    for w in list(writers.values()) + sample_parts:
        w.close()
    # Eval set from the TEST packages only: summaries and one-line FIM / next-line records.
    rng_eval = random.Random(1)
    rng_eval.shuffle(test_pairs)
    by_lang = {}
    for p in test_pairs:
        by_lang.setdefault(p["lang"] == "python", []).append(p)
    half = args.eval_summaries // 2
    picked = by_lang.get(True, [])[:half] + by_lang.get(False, [])[: args.eval_summaries - half]
    rng_eval.shuffle(test_files)
    fims = []
    for rec in test_files:
        if len(fims) >= args.eval_fim:
            break
        fims += list(eval_fim_records(rec["text"], rng_eval, 1))
    os.makedirs(os.path.dirname(args.eval_out), exist_ok=True)
    with open(args.eval_out, "w") as f:
        for p in picked:
            f.write(json.dumps({"code": p["code"], "doc": p["doc"], "lang": p["lang"], "package": p["package"]}) + "\n")
        for r in fims[: args.eval_fim]:
            f.write(json.dumps(r) + "\n")
    print(json.dumps(counts))
    print(f"eval: {len(picked)} summaries (of {len(test_pairs)} test pairs), {min(len(fims), args.eval_fim)} FIM lines -> {args.eval_out}")


if __name__ == "__main__":
    main()
