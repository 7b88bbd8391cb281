"""VBench++ ``i2v_subject``: subject consistency between the input image and the video (DINO features).

Scoring (VBench++ ``vbench2_beta_i2v/i2v_subject.py``): DINO ViT-B/16 features of the input image and of
every frame (shorter side 224, ImageNet normalisation), then
``0.5·max_i cos(image, frame_i) + 0.5·mean_i cos(frame_{i-1}, frame_i) + 0·min_i cos(frame_{i-1}, frame_i)``
(cosines clipped at 0), averaged over videos. A static video equal to its image scores exactly 1.
The backbone is passed in: :func:`load_dino` loads ``facebook/dino-vitb16`` from a local path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn
from tqdm import tqdm

from eval.vbench.base import (
    DimensionResult,
    I2VSample,
    embed,
    mean_result,
    to_model_input,
    weighted_similarity_score,
)
from eval.weights import missing_weights, resolve_hf

WEIGHTS = (0.5, 0.5, 0.0)  # max conformity, mean consecutive, min consecutive


def compute(videos: Sequence[I2VSample], *, model: nn.Module, device: str | torch.device = "cpu",
            progress: bool = True) -> DimensionResult:  # fmt: skip
    """``model``: (1, 3, H, W) ImageNet-normalised → (1, D) features (or an HF ViT output)."""
    scores = []
    for v in tqdm(videos, desc="i2v_subject", disable=not progress):
        img = embed(model, to_model_input(v.image), device)
        frames = embed(model, to_model_input(v.frames), device)
        scores.append(weighted_similarity_score(img, frames, WEIGHTS))
    return mean_result(scores, weights=WEIGHTS)


def load_dino(path: str | Path | None = None, device: str = "cpu") -> nn.Module:
    """DINO ViT-B/16 (``facebook/dino-vitb16``) via transformers from a local folder or the HF cache."""
    folder = resolve_hf("dino", str(path) if path else None)
    from transformers import ViTModel

    try:
        return ViTModel.from_pretrained(folder, add_pooling_layer=False).eval().to(device)
    except OSError:
        raise missing_weights("dino", folder) from None
