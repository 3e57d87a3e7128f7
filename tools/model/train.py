"""Trains LensGPT on the tokenized corpus for a fixed wall-clock budget.

    # on a GPU (what made models/lens-coder), ~6 minutes of training:
    python3 tools/model/train.py --preset base --data tools/model/data --out $OUT --budget-seconds 360
    # here on the 2-core CPU (Debian torch 1.13):
    /usr/bin/python3 tools/model/train.py --preset small --data tools/model/data --out tools/model/work/run-small \
        --budget-seconds 5400 --batch-size 16

Data: DATA/train.bin(.gz) and DATA/val.bin(.gz), little-endian uint16 token streams (documents
separated by <|endoftext|>), written by tools/model/tokenize_corpus.mjs. Each step samples random
windows of n_positions + 1 tokens. The learning-rate schedule runs on elapsed time (warmup, then
cosine to 10%), so a run stopped by its budget ends at the low learning rate.

Writes OUT/weights.index.json + OUT/weights.N.bin (fp16, chunks < 15 MiB, see checkpoint.py) and
OUT/train_log.json (loss curve, throughput, hardware).
"""
from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import platform
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lens_model import PRESETS, LensGPT  # noqa: E402
from checkpoint import save_checkpoint, load_checkpoint  # noqa: E402


def load_tokens(data_dir: str, split: str) -> np.ndarray:
    for name in (f"{split}.bin", f"{split}.bin.gz"):
        p = os.path.join(data_dir, name)
        if os.path.exists(p):
            raw = gzip.open(p).read() if p.endswith(".gz") else open(p, "rb").read()
            return np.frombuffer(raw, dtype="<u2").astype(np.int64)
    raise FileNotFoundError(f"{split}.bin(.gz) in {data_dir}")


class Batches:
    """Random windows of ctx + 1 tokens from one token stream held on the device."""

    def __init__(self, tokens: np.ndarray, ctx: int, device: str, seed: int):
        self.data = torch.from_numpy(tokens).to(device)  # [N]
        self.ctx = ctx
        self.gen = torch.Generator(device="cpu").manual_seed(seed)
        self.offsets = torch.arange(ctx + 1, device=device)  # [ctx + 1]

    def sample(self, batch: int):
        starts = torch.randint(0, len(self.data) - self.ctx - 1, (batch,), generator=self.gen)  # [B]
        idx = starts.to(self.data.device)[:, None] + self.offsets[None]  # [B, ctx + 1]
        win = self.data[idx]  # [B, ctx + 1]
        return win[:, :-1], win[:, 1:]  # inputs [B, ctx], targets [B, ctx]


def lr_at(frac: float, base_lr: float, warmup_frac: float) -> float:
    if frac < warmup_frac:
        return base_lr * frac / warmup_frac
    p = min(1.0, (frac - warmup_frac) / (1 - warmup_frac))
    return base_lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


@torch.no_grad()
def evaluate(model, batches: Batches, n_batches: int, batch: int, autocast) -> float:
    model.eval()
    total = 0.0
    for _ in range(n_batches):
        x, y = batches.sample(batch)
        with autocast():
            _, loss = model(x, y)
        total += loss.item()
    model.train()
    return total / n_batches


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="base", choices=sorted(PRESETS))
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--budget-seconds", type=float, default=360)
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps too (0: no limit)")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--warmup-frac", type=float, default=0.04)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--eval-every-seconds", type=float, default=30)
    ap.add_argument("--eval-batches", type=int, default=20)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--compile", action="store_true", help="torch.compile (torch 2.x); off by default")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    dev = args.device
    if dev == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    cfg = PRESETS[args.preset]
    model = LensGPT(cfg).to(dev)
    train_b = Batches(load_tokens(args.data, "train"), cfg.n_positions, dev, args.seed)
    val_b_tokens = load_tokens(args.data, "val")
    print(f"preset {args.preset}: {model.num_params() / 1e6:.2f}M params; train {len(train_b.data) / 1e6:.1f}M tokens, "
          f"val {len(val_b_tokens) / 1e6:.2f}M tokens; device {dev}", flush=True)

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt_kwargs = {"lr": args.lr, "betas": (0.9, 0.95), "eps": 1e-8}
    if dev == "cuda":
        opt_kwargs["fused"] = True
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], **opt_kwargs)
    step_model = torch.compile(model) if args.compile else model

    def autocast():
        return torch.autocast(device_type="cuda" if dev == "cuda" else "cpu", dtype=torch.bfloat16)

    log = {"preset": args.preset, "config": cfg.to_dict(), "params": model.num_params(), "args": vars(args),
           "device": torch.cuda.get_device_name(0) if dev == "cuda" else platform.processor() or "cpu",
           "torch": torch.__version__, "threads": torch.get_num_threads(), "curve": [], "val": []}
    tokens_per_step = args.batch_size * cfg.n_positions
    t_start = time.time()
    last_eval = t_start
    step = 0
    loss_acc, loss_n = 0.0, 0
    while True:
        elapsed = time.time() - t_start
        if elapsed >= args.budget_seconds or (args.max_steps and step >= args.max_steps):
            break
        lr = lr_at(elapsed / args.budget_seconds, args.lr, args.warmup_frac)
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = train_b.sample(args.batch_size)
        with autocast():
            _, loss = step_model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 10 == 0 or step <= 3:
            lv = loss.item()  # syncs the device; every 10 steps keeps that cheap
            loss_acc += lv
            loss_n += 1
            el = time.time() - t_start
            log["curve"].append({"step": step, "tokens": step * tokens_per_step, "seconds": round(el, 2),
                                 "lr": lr, "loss": round(lv, 4)})
            if step % 100 == 0 or step <= 3:
                print(f"step {step} loss {lv:.4f} lr {lr:.2e} {step * tokens_per_step / el:,.0f} tok/s", flush=True)
        if time.time() - last_eval >= args.eval_every_seconds:
            vl = evaluate(model, Batches(val_b_tokens, cfg.n_positions, dev, 1234), args.eval_batches,
                          min(args.batch_size, 32), autocast)
            log["val"].append({"step": step, "seconds": round(time.time() - t_start, 2), "val_loss": round(vl, 4)})
            print(f"step {step} val {vl:.4f}", flush=True)
            last_eval = time.time()
    train_seconds = time.time() - t_start
    vl = evaluate(model, Batches(val_b_tokens, cfg.n_positions, dev, 1234), args.eval_batches,
                  min(args.batch_size, 32), autocast)
    log["val"].append({"step": step, "seconds": round(train_seconds, 2), "val_loss": round(vl, 4)})
    log.update({"steps": step, "train_seconds": round(train_seconds, 1), "tokens_seen": step * tokens_per_step,
                "tokens_per_second": round(step * tokens_per_step / train_seconds, 1), "final_val_loss": round(vl, 4)})
    print(f"done: {step} steps, {step * tokens_per_step / 1e6:.1f}M tokens in {train_seconds:.0f} s "
          f"({log['tokens_per_second']:,.0f} tok/s); val loss {vl:.4f}", flush=True)
    model.cpu().float()
    written = save_checkpoint(model, args.out, extra={"final_val_loss": vl})
    with open(os.path.join(args.out, "train_log.json"), "w") as f:
        json.dump(log, f)
    # Prove the chunked save reloads to the same function (fp16 rounding aside).
    re = load_checkpoint(args.out)
    x, _ = Batches(val_b_tokens[:10_000], min(cfg.n_positions, 64), "cpu", 0).sample(2)
    with torch.no_grad():
        a, _ = model.half().float()(x)
        b, _ = re(x)
    print(f"saved {len(written)} files; reload max |logit diff| {(a - b).abs().max().item():.2e}", flush=True)


if __name__ == "__main__":
    main()
