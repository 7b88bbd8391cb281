"""VBench++ ``i2v_background``: background consistency between the input image and the video (DreamSim).

Scoring (VBench++ ``vbench2_beta_i2v/i2v_background.py``): DreamSim embeddings of the input image and every
frame (224, values in [0, 1], no normalisation), then
``0.4·max_i cos(image, frame_i) + 0.3·mean_i cos(frame_{i-1}, frame_i) + 0.3·min_i cos(frame_{i-1}, frame_i)``
(cosines clipped at 0), averaged over videos. A static video equal to its image scores exactly 1.
The embedder is passed in: anything with ``embed(x)`` (DreamSim) or a plain ``forward(x)``.
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
from eval.weights import require_path

WEIGHTS = (0.4, 0.3, 0.3)


def compute(videos: Sequence[I2VSample], *, model: nn.Module, device: str | torch.device = "cpu",
            progress: bool = True) -> DimensionResult:  # fmt: skip
    """``model``: (1, 3, 224, w) in [0, 1] → (1, D); DreamSim's ``embed`` is used when present."""
    fn = model.embed if hasattr(model, "embed") else model
    scores = []
    for v in tqdm(videos, desc="i2v_background", disable=not progress):
        img = embed(fn, to_model_input(v.image, normalize=False), device)
        frames = embed(fn, to_model_input(v.frames, normalize=False), device)
        scores.append(weighted_similarity_score(img, frames, WEIGHTS))
    return mean_result(scores, weights=WEIGHTS)


def load_dreamsim(path: str | Path | None = None, device: str = "cpu") -> nn.Module:
    """A DreamSim embedder saved as TorchScript (or a whole pickled module) at ``path``/``$REVISION_DREAMSIM_PATH``."""
    p = require_path("dreamsim", path)
    try:
        return torch.jit.load(str(p), map_location=device).eval()
    except RuntimeError:
        return torch.load(str(p), map_location=device, weights_only=False).eval()
