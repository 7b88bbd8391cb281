"""Perspective projection with :class:`revision.types.Camera` (OpenCV: x right, y down, z forward)."""

from __future__ import annotations

import numpy as np

from revision.types import Camera


def to_camera(points: np.ndarray, camera: Camera) -> np.ndarray:
    """(..., 3) world points → (..., 3) camera coordinates ``R @ x + t``."""
    R = np.asarray(camera.R, np.float64)
    t = np.asarray(camera.t, np.float64)
    return np.asarray(points, np.float64) @ R.T + t


def project_points(points: np.ndarray, camera: Camera) -> tuple[np.ndarray, np.ndarray]:
    """(..., 3) world points → (uv (..., 2) pixels, z (...) camera depth).

    ``u = fx x / z + cx``, ``v = fy y / z + cy``; pixel (row i, col j) has its centre at (u, v) = (j, i).
    Points at or behind the camera (z ≤ 0) get ``uv = nan``.
    """
    pc = to_camera(points, camera)
    z = pc[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        zs = np.where(z > 0, z, np.nan)
        uv = np.stack([camera.fx * pc[..., 0] / zs + camera.cx, camera.fy * pc[..., 1] / zs + camera.cy], -1)
    return uv, z
