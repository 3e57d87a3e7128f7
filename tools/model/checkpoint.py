"""Chunked fp16 checkpoints: raw little-endian fp16 bytes in files under a size limit, plus a JSON
index. Version independent (torch 2.x on the GPU writes, torch 1.13 here reads) and small enough
to come back from the device machine (files < 15 MiB each)."""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lens_model import LensConfig, LensGPT  # noqa: E402

CHUNK_BYTES = 14 * 1024 * 1024


def save_checkpoint(model: LensGPT, out_dir: str, extra: dict | None = None) -> list:
    """Writes weights.index.json and weights.N.bin; returns the written paths."""
    os.makedirs(out_dir, exist_ok=True)
    index = {"config": model.cfg.to_dict(), "dtype": "float16", "tensors": [], "extra": extra or {}}
    chunk, chunk_id, written = bytearray(), 0, []

    def flush():
        nonlocal chunk, chunk_id
        if chunk:
            p = os.path.join(out_dir, f"weights.{chunk_id}.bin")
            with open(p, "wb") as f:
                f.write(chunk)
            written.append(p)
            chunk, chunk_id = bytearray(), chunk_id + 1

    for name, t in model.state_dict().items():
        data = t.detach().to("cpu", torch.float32).numpy().astype("<f2").tobytes()
        assert len(data) <= CHUNK_BYTES, f"{name} alone exceeds a chunk"
        if len(chunk) + len(data) > CHUNK_BYTES:
            flush()
        index["tensors"].append({"name": name, "shape": list(t.shape), "chunk": chunk_id,
                                 "offset": len(chunk), "nbytes": len(data)})
        chunk += data
    flush()
    p = os.path.join(out_dir, "weights.index.json")
    with open(p, "w") as f:
        json.dump(index, f)
    written.append(p)
    return written


def load_checkpoint(in_dir: str) -> LensGPT:
    with open(os.path.join(in_dir, "weights.index.json")) as f:
        index = json.load(f)
    model = LensGPT(LensConfig(**index["config"]))
    chunks = {}
    state = {}
    for e in index["tensors"]:
        if e["chunk"] not in chunks:
            with open(os.path.join(in_dir, f"weights.{e['chunk']}.bin"), "rb") as f:
                chunks[e["chunk"]] = f.read()
        buf = chunks[e["chunk"]][e["offset"]: e["offset"] + e["nbytes"]]
        arr = np.frombuffer(buf, dtype="<f2").astype(np.float32).reshape(e["shape"])
        state[e["name"]] = torch.from_numpy(arr.copy())
    model.load_state_dict(state)
    return model
