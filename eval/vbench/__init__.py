"""VBench++: native I2V dimensions (one file each, explicit registry) and the adapter to the official
``vbench`` package, which runs in its own virtual environment (see :mod:`eval.vbench.adapter`)."""

from __future__ import annotations

from collections.abc import Callable

from eval.vbench import camera_motion, i2v_background, i2v_subject
from eval.vbench.base import DimensionResult, I2VSample

# name -> compute(videos, *, model, device) -> DimensionResult
NATIVE_DIMENSIONS: dict[str, Callable[..., DimensionResult]] = {
    "i2v_subject": i2v_subject.compute,
    "i2v_background": i2v_background.compute,
    "camera_motion": camera_motion.compute,
}

# dimension of the paper's Table 1 -> backbone it needs (loaders named in docs/eval.md)
NATIVE_BACKBONES = {"i2v_subject": "dino", "i2v_background": "dreamsim", "camera_motion": "cotracker"}

__all__ = ["NATIVE_DIMENSIONS", "NATIVE_BACKBONES", "DimensionResult", "I2VSample"]
