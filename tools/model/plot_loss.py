"""Loss-curve table (Markdown, printed) and PNG plot (if matplotlib is installed) from train logs.

    /usr/bin/python3 tools/model/plot_loss.py models/lens-coder/training/train_log.json \
        [models/lens-coder/training/train_log_run1_360s.json] --png models/lens-coder/training/loss.png
"""
from __future__ import annotations

import argparse
import json


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("logs", nargs="+")
    ap.add_argument("--png")
    ap.add_argument("--rows", type=int, default=12)
    args = ap.parse_args()
    runs = [(p, json.load(open(p))) for p in args.logs]
    for path, log in runs:
        curve, val = log["curve"], log["val"]
        print(f"\n{path}: {log['steps']} steps, {log['train_seconds']} s on {log['device']}, "
              f"{log['tokens_seen'] / 1e6:.0f}M tokens, {log['tokens_per_second']:,.0f} tok/s")
        print("| step | seconds | tokens (M) | train loss | val loss |")
        print("|---|---|---|---|---|")
        stride = max(1, len(curve) // args.rows)
        val_by_step = {v["step"]: v["val_loss"] for v in val}
        rows = curve[::stride]
        for r in rows:
            print(f"| {r['step']} | {r['seconds']:.0f} | {r['tokens'] / 1e6:.0f} | {r['loss']:.3f} | |")
        for v in val:
            print(f"| {v['step']} | {v['seconds']:.0f} | {v['step'] * log['args']['batch_size'] * log['config']['n_positions'] / 1e6:.0f} | | {v['val_loss']:.3f} |")
    if args.png:
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print("matplotlib not installed: no PNG")
            return
        fig, ax = plt.subplots(figsize=(7, 4))
        for path, log in runs:
            label = f"{log['train_seconds']:.0f} s run"
            tok = log["args"]["batch_size"] * log["config"]["n_positions"]
            ax.plot([r["tokens"] / 1e6 for r in log["curve"]], [r["loss"] for r in log["curve"]], lw=0.6, alpha=0.6, label=f"train ({label})")
            ax.plot([v["step"] * tok / 1e6 for v in log["val"]], [v["val_loss"] for v in log["val"]], "o-", label=f"val ({label})")
        ax.set_xlabel("tokens seen (millions)")
        ax.set_ylabel("loss (nats/token)")
        ax.set_ylim(1.0, 5.0)
        ax.grid(alpha=0.3)
        ax.legend()
        ax.set_title("lens-coder (base, 17.5M params) on an H200")
        fig.tight_layout()
        fig.savefig(args.png, dpi=110)
        print(f"wrote {args.png}")


if __name__ == "__main__":
    main()
