"""FVD: Fréchet distance over I3D features of 16-frame clips at 224², on torchmetrics' FID machinery.

:class:`I3DFeatures` is the feature module: uint8 videos (B, T, 3, H, W) → resize to 224², scale to
[-1, 1], (B, 3, T, 224, 224) → the I3D TorchScript (StyleGAN-V's ``i3d_torchscript.pt``, called with
``rescale=False, resize=False, return_features=True`` → 400-d pre-softmax features). Any module with the
same call shape works (tests use a tiny random 3D conv net). :class:`FrechetVideoDistance` is
torchmetrics' ``FrechetInceptionDistance`` with that module as ``feature``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics.image.fid import FrechetInceptionDistance

from eval.weights import require_path

CLIP_LEN = 16  # frames per clip (DisCo / StyleGAN-V protocol)
I3D_SIZE = 224


class I3DFeatures(nn.Module):
    """uint8 (B, T, 3, H, W) videos → (B, D) features of ``model`` at ``size``², inputs in [-1, 1]."""

    def __init__(self, model: nn.Module, num_features: int = 400, size: int = I3D_SIZE, torchscript_kwargs: bool = True):
        super().__init__()
        self.model = model
        self.num_features = num_features
        self.size = size
        self.torchscript_kwargs = torchscript_kwargs  # call as model(x, rescale=False, resize=False, return_features=True)

    def forward(self, videos: torch.Tensor) -> torch.Tensor:
        if videos.ndim != 5 or videos.shape[2] != 3:
            raise ValueError(f"I3DFeatures expects (B, T, 3, H, W) videos, got {tuple(videos.shape)}")
        b, t = videos.shape[:2]
        x = videos.float() / 255.0 if videos.dtype == torch.uint8 else videos.float()
        x = x.flatten(0, 1)
        if x.shape[-2:] != (self.size, self.size):
            x = F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False)
        x = (x * 2 - 1).view(b, t, 3, self.size, self.size).permute(0, 2, 1, 3, 4).contiguous()
        with torch.no_grad():
            if self.torchscript_kwargs:
                feats = self.model(x, rescale=False, resize=False, return_features=True)
            else:
                feats = self.model(x)
        return feats.reshape(b, -1)


def load_i3d(path: str | Path | None = None) -> I3DFeatures:
    """The I3D TorchScript from ``path`` or ``$REVISION_I3D_PATH``; a clear error naming the download if missing."""
    p = require_path("i3d", path)
    return I3DFeatures(torch.jit.load(str(p), map_location="cpu").eval())


class FrechetVideoDistance(FrechetInceptionDistance):
    """FVD as a torchmetrics metric. ``update(videos uint8 (B, T, 3, H, W), real=bool)``; ``compute()``.

    ``feature``: an :class:`I3DFeatures` (default: :func:`load_i3d` from ``i3d_path``). States are summed
    features and feature outer products, so results do not depend on batch size.
    """

    def __init__(self, feature: nn.Module | None = None, i3d_path: str | Path | None = None, **kwargs):
        super().__init__(feature=feature if feature is not None else load_i3d(i3d_path),
                         reset_real_features=True, normalize=False, **kwargs)  # fmt: skip

    def update(self, videos: torch.Tensor, real: bool) -> None:  # type: ignore[override]
        if videos.ndim != 5:
            raise ValueError(f"FVD expects (B, T, 3, H, W) uint8 videos, got {tuple(videos.shape)}")
        super().update(videos, real=real)


def video_to_clips(frames: np.ndarray, clip_len: int = CLIP_LEN, mode: str = "first") -> np.ndarray:
    """(F, H, W, 3) uint8 → (C, clip_len, 3, H, W) clips. ``mode``: ``"first"`` (one clip from frame 0, the
    DisCo/StyleGAN-V protocol) or ``"all"`` (non-overlapping clips)."""
    if frames.shape[0] < clip_len:
        raise ValueError(f"FVD needs at least {clip_len} frames per video, got {frames.shape[0]}")
    n = 1 if mode == "first" else frames.shape[0] // clip_len
    if mode not in ("first", "all"):
        raise ValueError(f"mode must be 'first' or 'all', got {mode!r}")
    clips = frames[: n * clip_len].reshape(n, clip_len, *frames.shape[1:])
    return np.ascontiguousarray(clips.transpose(0, 1, 4, 2, 3))
