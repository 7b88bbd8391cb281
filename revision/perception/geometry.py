"""Camera geometry shared by perception and lifting: translation from 2D/3D landmark pairs.

Given metric, root-relative 3D points ``X`` (camera-aligned axes, as MediaPipe's world landmarks are)
and their pixels ``u``, the translation ``t`` that places them in front of the pinhole camera solves
a linear least-squares problem (each point gives two equations):

    fx (X + tx) - (u - cx) (Z + tz) = 0,    fy (Y + ty) - (v - cy) (Z + tz) = 0

This is how a known body size turns into depth (DESIGN.md §3, the geometric depth prior).
"""

from __future__ import annotations

import numpy as np

from revision.types import Camera


def solve_translation(
    points3d: np.ndarray, points2d: np.ndarray, weights: np.ndarray, camera: Camera, min_depth: float = 0.3
) -> np.ndarray | None:
    """(K, 3) metres, (K, 2) pixels, (K,) weights → (3,) camera-space translation, or None if degenerate.

    Returns None when fewer than 3 points have weight > 0.1 or the solved depth is below ``min_depth``.
    """
    X = np.asarray(points3d, np.float64)
    uv = np.asarray(points2d, np.float64)
    w = np.sqrt(np.clip(np.asarray(weights, np.float64), 0, None))
    ok = w > np.sqrt(0.1)
    if ok.sum() < 3:
        return None
    X, uv, w = X[ok], uv[ok], w[ok]
    du, dv = uv[:, 0] - camera.cx, uv[:, 1] - camera.cy
    n = len(X)
    A = np.zeros((2 * n, 3))
    b = np.zeros(2 * n)
    A[:n, 0] = camera.fx
    A[:n, 2] = -du
    b[:n] = du * X[:, 2] - camera.fx * X[:, 0]
    A[n:, 1] = camera.fy
    A[n:, 2] = -dv
    b[n:] = dv * X[:, 2] - camera.fy * X[:, 1]
    ww = np.concatenate([w, w])
    t, *_ = np.linalg.lstsq(A * ww[:, None], b * ww, rcond=None)
    if not np.all(np.isfinite(t)) or t[2] < min_depth:
        return None
    return t.astype(np.float32)


def project(points: np.ndarray, camera: Camera) -> np.ndarray:
    """(..., 3) camera-space points → (..., 2) pixels (pinhole, no distortion)."""
    p = np.asarray(points, np.float64)
    z = np.clip(p[..., 2], 1e-6, None)
    return np.stack([camera.fx * p[..., 0] / z + camera.cx, camera.fy * p[..., 1] / z + camera.cy], -1)
