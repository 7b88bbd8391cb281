"""Shared pieces of the native VBench++ dimensions: the result type, frame preprocessing, the scoring rule.

A dimension is a module with ``compute(videos, *, model, device, ...) -> DimensionResult``; ``videos`` are
:class:`I2VSample` (input image + generated frames). Backbones are passed in (DESIGN.md §5), never loaded here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass
class I2VSample:
    """One generated video and what it was generated from.

    ``image``: (H, W, 3) uint8 input image; ``frames``: (F, H', W', 3) uint8; ``prompt`` holds the camera
    instruction for camera_motion (e.g. "..., camera pans left").
    """

    image: np.ndarray
    frames: np.ndarray
    prompt: str = ""
    name: str = ""


@dataclass
class DimensionResult:
    score: float  # mean of per_video
    per_video: list[float]
    details: dict[str, Any] = field(default_factory=dict)


def to_model_input(frames: np.ndarray, size: int = 224, normalize: bool = True) -> torch.Tensor:
    """(F, H, W, 3) or (H, W, 3) uint8 → (F, 3, h, w) float: shorter side resized to ``size`` (bicubic,
    antialiased, aspect kept, like VBench's ``Resize(224)``), [0, 1], ImageNet-normalised if ``normalize``."""
    x = torch.from_numpy(np.ascontiguousarray(frames if frames.ndim == 4 else frames[None]))
    x = x.permute(0, 3, 1, 2).float().div(255.0)
    h, w = x.shape[-2:]
    s = size / min(h, w)
    x = F.interpolate(x, size=(max(1, round(h * s)), max(1, round(w * s))), mode="bicubic", antialias=True,
                      align_corners=False).clamp(0, 1)  # fmt: skip
    if normalize:
        x = (x - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return x


def embed(model: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, device: str | torch.device) -> torch.Tensor:
    """Run ``model`` frame by frame (as VBench does) → (F, D) L2-normalised features."""
    out = []
    with torch.no_grad():
        for frame in x:
            f = model(frame[None].to(device))
            f = f.last_hidden_state[:, 0] if hasattr(f, "last_hidden_state") else f  # HF ViT: CLS token
            out.append(F.normalize(f.reshape(1, -1).float(), dim=-1).cpu())
    return torch.cat(out)


def weighted_similarity_score(image_feat: torch.Tensor, frame_feats: torch.Tensor,
                              weights: tuple[float, float, float]) -> float:  # fmt: skip
    """VBench++ I2V consistency score of one video.

    ``image_feat`` (1, D) and ``frame_feats`` (F, D) unit vectors. conformity_i = max(0, cos(image, frame_i)),
    consec_i = max(0, cos(frame_{i-1}, frame_i)); score = w_max·max(conformity) + w_mean·mean(consec) +
    w_min·min(consec). Needs F ≥ 2.
    """
    if frame_feats.shape[0] < 2:
        raise ValueError("an I2V consistency score needs at least 2 frames")
    conformity = (frame_feats @ image_feat.T).squeeze(-1).clamp_min(0.0)
    consec = (frame_feats[1:] * frame_feats[:-1]).sum(-1).clamp_min(0.0)
    w_max, w_mean, w_min = weights
    return float(w_max * conformity.max() + w_mean * consec.mean() + w_min * consec.min())


def mean_result(per_video: Sequence[float], **details: Any) -> DimensionResult:
    if not per_video:
        raise ValueError("no videos to score")
    return DimensionResult(float(np.mean(per_video)), [float(v) for v in per_video], dict(details))
