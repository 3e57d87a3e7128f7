"""The Attention Lens code Transformer: a GPT-2 style decoder in plain PyTorch.

Kept deliberately close to nanoGPT: small modules, one config dataclass, a shape comment on every
tensor line. One forward pass serves training (no cache, no taps) and export (KV cache in and out,
plus the attention "taps" the extension's UI shows). Runs on torch 1.13 (Debian, export) and 2.x
(GPU training).

Shapes use B = batch, T = new tokens, P = past tokens, S = P + T, H = heads, D = head_dim,
C = d_model, V = vocab.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, asdict
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class LensConfig:
    # 8192 byte-level BPE tokens: ~3.1 bytes/token on code; a larger vocab would make the fp32/int8
    # embedding (shared with the output head) the biggest part of the 30 MB int8 budget.
    vocab_size: int = 8192
    # 512 tokens (~1.6 kB of code) cover a function plus its doc comment, and keep attention maps
    # small enough to draw in the UI.
    n_positions: int = 512
    # d_model 384 = 6 heads x 64: head_dim 64 is the size the UI explains (sqrt(64) = 8 scaling).
    n_embd: int = 384
    n_layer: int = 8
    n_head: int = 6
    # No dropout: the corpus is seen about once, so the model underfits rather than overfits.
    dropout: float = 0.0
    layer_norm_epsilon: float = 1e-5

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    def to_dict(self) -> dict:
        return asdict(self)


PRESETS = {
    # Trains on the 2-core CPU here in under 2 hours (see tools/model/README.md for throughput).
    "small": LensConfig(vocab_size=8192, n_positions=256, n_embd=256, n_layer=4, n_head=4),
    # For a GPU: ~17M parameters, int8 ONNX under 30 MB, >150 tokens/s decode on 2 CPU cores.
    "base": LensConfig(vocab_size=8192, n_positions=512, n_embd=384, n_layer=8, n_head=6),
    # The random-weight test fixture (test/fixtures/tiny-model).
    "tiny": LensConfig(vocab_size=512, n_positions=128, n_embd=32, n_layer=2, n_head=2),
}


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention with an explicit (readable) softmax, so its probabilities
    can be returned as they are: masked cells exactly 0, every unmasked row summing to 1."""

    def __init__(self, cfg: LensConfig):
        super().__init__()
        self.n_head = cfg.n_head
        self.head_dim = cfg.head_dim
        self.c_attn = nn.Linear(cfg.n_embd, 3 * cfg.n_embd)  # q, k, v in one matmul
        self.c_proj = nn.Linear(cfg.n_embd, cfg.n_embd)
        self.dropout = nn.Dropout(cfg.dropout)

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        return x.view(b, t, self.n_head, self.head_dim).transpose(1, 2)  # [B, H, T, D]

    def forward(self, x: torch.Tensor, mask: torch.Tensor,
                past_k: Optional[torch.Tensor] = None, past_v: Optional[torch.Tensor] = None,
                need_probs: bool = False):
        b, t, c = x.shape  # [B, T, C]
        q, k, v = self.c_attn(x).split(c, dim=2)  # 3 x [B, T, C]
        q, k, v = self.split_heads(q), self.split_heads(k), self.split_heads(v)  # 3 x [B, H, T, D]
        if past_k is not None:
            k_all = torch.cat([past_k, k], dim=2)  # [B, H, S, D]
            v_all = torch.cat([past_v, v], dim=2)  # [B, H, S, D]
        else:
            k_all, v_all = k, v
        if need_probs:
            scores = (q @ k_all.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))  # [B, H, T, S]
            scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)  # [B, H, T, S]
            probs = torch.softmax(scores, dim=-1)  # [B, H, T, S]
            probs = probs.masked_fill(~mask, 0.0)  # exact zeros where masked (also fully masked rows)
            y = self.dropout(probs) @ v_all  # [B, H, T, D]
        elif hasattr(F, "scaled_dot_product_attention"):
            # Fast path for training without a cache (flash kernels on torch 2.x GPUs).
            probs = None
            y = F.scaled_dot_product_attention(q, k_all, v_all, is_causal=True,
                                               dropout_p=self.dropout.p if self.training else 0.0)
        else:
            # torch 1.13 (CPU here): the same computation, written out.
            probs = None
            scores = (q @ k_all.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))  # [B, H, T, T]
            scores = scores.masked_fill(~mask, float("-inf"))  # [B, H, T, T]
            y = self.dropout(torch.softmax(scores, dim=-1)) @ v_all  # [B, H, T, D]
        y = y.transpose(1, 2).contiguous().view(b, t, c)  # [B, T, C]
        return self.c_proj(y), (k_all, v_all), probs, (q, k, v)


class MLP(nn.Module):
    def __init__(self, cfg: LensConfig):
        super().__init__()
        self.c_fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd)
        self.c_proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.gelu(self.c_fc(x), approximate="tanh")  # [B, T, 4C] (GPT-2's gelu_new)
        return self.dropout(self.c_proj(h))  # [B, T, C]


class Block(nn.Module):
    """Pre-norm Transformer block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, cfg: LensConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.mlp = MLP(cfg)

    def forward(self, x, mask, past_k=None, past_v=None, need_probs=False):
        a, present, probs, qkv = self.attn(self.ln_1(x), mask, past_k, past_v, need_probs)
        x = x + a  # [B, T, C]
        x = x + self.mlp(self.ln_2(x))  # [B, T, C]
        return x, present, probs, qkv


class LensGPT(nn.Module):
    def __init__(self, cfg: LensConfig):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)  # token embedding, tied to the head
        self.wpe = nn.Embedding(cfg.n_positions, cfg.n_embd)  # LEARNED position embedding
        self.drop = nn.Dropout(cfg.dropout)
        self.h = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.apply(self._init_weights)
        # GPT-2: scale the residual projections by 1/sqrt(2 * n_layer) so the residual stream's
        # variance does not grow with depth.
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init_weights(m: nn.Module):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, input_ids: torch.Tensor, targets: Optional[torch.Tensor] = None):
        """Training / evaluation path: returns (logits [B, T, V], loss or None).
        targets use -100 for positions that do not count."""
        b, t = input_ids.shape  # [B, T]
        pos = torch.arange(t, device=input_ids.device)  # [T]
        x = self.drop(self.wte(input_ids) + self.wpe(pos)[None])  # [B, T, C]
        mask = torch.ones(t, t, dtype=torch.bool, device=input_ids.device).tril()  # [T, T]
        for block in self.h:
            x, _, _, _ = block(x, mask)
        x = self.ln_f(x)  # [B, T, C]
        logits = x @ self.wte.weight.t()  # [B, T, V] (tied head)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), targets.reshape(-1),
                                   ignore_index=-100)
        return logits, loss

    def forward_with_cache(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                           position_ids: torch.Tensor, past: List[Tuple[torch.Tensor, torch.Tensor]]):
        """Inference / export path with KV cache and taps. past: per layer (k, v) [B, H, P, D]
        (P may be 0). Returns a dict of named outputs (the ONNX output names)."""
        b, t = input_ids.shape  # [B, T]
        p = past[0][0].shape[2]  # P
        tok = self.wte(input_ids)  # [B, T, C]
        pos = self.wpe(position_ids)  # [B, T, C]
        x = tok + pos  # [B, T, C]
        s = p + t
        q_pos = torch.arange(t, device=input_ids.device) + p  # [T] absolute query positions
        k_pos = torch.arange(s, device=input_ids.device)  # [S]
        causal = k_pos[None, :] <= q_pos[:, None]  # [T, S]
        keep = attention_mask.bool()[:, None, None, :]  # [B, 1, 1, S] padding mask
        mask = causal[None, None] & keep  # [B, 1, T, S]
        out = {}
        presents, probs_all, qkv_all = [], [], []
        for i, block in enumerate(self.h):
            x, (k_all, v_all), probs, qkv = block(x, mask, past[i][0], past[i][1], need_probs=True)
            presents.append((k_all, v_all))
            probs_all.append(probs)
            qkv_all.append(qkv)
        x = self.ln_f(x)  # [B, T, C]
        out["logits"] = x @ self.wte.weight.t()  # [B, T, V]
        for i, (k_all, v_all) in enumerate(presents):
            out[f"present.{i}.key"] = k_all  # [B, H, S, D]
            out[f"present.{i}.value"] = v_all  # [B, H, S, D]
        for i, pr in enumerate(probs_all):
            out[f"decoder_attentions.{i}"] = pr  # [B, H, T, S]
        for i, (q, k, v) in enumerate(qkv_all):
            out[f"attn_q.{i}"] = q  # [B, H, T, D] (not scaled)
            out[f"attn_k.{i}"] = k  # [B, H, T, D]
            out[f"attn_v.{i}"] = v  # [B, H, T, D]
        out["embed_tokens"] = tok  # [B, T, C]
        out["embed_positions"] = pos  # [B, T, C]
        return out


def output_names(cfg: LensConfig) -> List[str]:
    """ONNX output names, in the order forward_with_cache returns them."""
    names = ["logits"]
    for i in range(cfg.n_layer):
        names += [f"present.{i}.key", f"present.{i}.value"]
    names += [f"decoder_attentions.{i}" for i in range(cfg.n_layer)]
    for i in range(cfg.n_layer):
        names += [f"attn_q.{i}", f"attn_k.{i}", f"attn_v.{i}"]
    names += ["embed_tokens", "embed_positions"]
    return names
