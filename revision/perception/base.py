"""Perception protocols (S2a): the small interfaces every backend implements.

A backend works on one frame at a time, in clip order, so that stateful backends (MediaPipe's
tracking mode) can follow a person across frames; :meth:`reset` starts a new clip. Frames are
(H, W, 3) uint8 RGB numpy arrays; every output is in pixels of that frame.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from revision.types import Detection


class BackendUnavailableError(RuntimeError):
    """A perception backend cannot run here; the message names what to install or download."""


@runtime_checkable
class KeypointDetector(Protocol):
    """Humans: keypoints in image space (33 MediaPipe landmarks), metric 3D landmarks and a person mask."""

    name: str

    def reset(self) -> None: ...

    def detect(self, frame: np.ndarray) -> list[Detection]:
        """(H, W, 3) uint8 → person detections with ``keypoints2d`` (33, 3), ``keypoints3d`` (33, 3), ``mask``."""
        ...


@runtime_checkable
class Segmenter(Protocol):
    """Foreground (person) segmentation."""

    name: str

    def reset(self) -> None: ...

    def segment(self, frame: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 → (H, W) float32 foreground probability in 0..1."""
        ...


@runtime_checkable
class DepthEstimator(Protocol):
    """Per-pixel metric depth."""

    name: str

    def estimate(self, frame: np.ndarray, detections: list[Detection]) -> np.ndarray:
        """(H, W, 3) uint8 + this frame's detections → (H, W) float32 depth in metres along +z."""
        ...


@runtime_checkable
class ObjectDetector(Protocol):
    """Objects and animals: boxes + masks (no keypoints needed)."""

    name: str

    def reset(self) -> None: ...

    def detect(self, frame: np.ndarray, exclude: np.ndarray | None = None) -> list[Detection]:
        """(H, W, 3) uint8 (+ (H, W) bool pixels already explained, e.g. people) → detections with masks."""
        ...


def mask_to_box(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool → (4,) float32 x0, y0, x1, y1 (exclusive max); zeros for an empty mask."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return np.zeros(4, np.float32)
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float32)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, 4), (M, 4) boxes x0 y0 x1 y1 → (N, M) intersection over union."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two (H, W) bool masks (1.0 when both are empty)."""
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)
