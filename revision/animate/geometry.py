"""Small vectorised geometry used to bind pixels to bodies and re-pose them.

- :func:`barycentric` — screen-space barycentric coordinates of points in triangles;
- :func:`triangle_frames` — an orthonormal frame per 3D triangle (edge, in-plane normal, face normal),
  the local frame in which a pixel's offset from its anchor point on the body is stored, so the offset
  turns with the surface it hangs from;
- :func:`backproject` — pixels + depth → camera-space points (inverse of ``project_points``);
- :func:`fit_similarity` — least-squares 2D rotation + uniform scale + translation (object layers: rigid
  along their path, scaled by depth, never sheared or stretched);
- :func:`mask_box` — the bounding box of a mask, padded.
"""

from __future__ import annotations

import numpy as np

from revision.types import Camera


def barycentric(tri: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """(K, 3, 2) triangles, (K, 2) points → (K, 3) barycentric coordinates (degenerate → (1, 0, 0))."""
    a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
    e1, e2, d = b - a, c - a, pts - a
    den = e1[:, 0] * e2[:, 1] - e2[:, 0] * e1[:, 1]
    ok = np.abs(den) > 1e-12
    den = np.where(ok, den, 1.0)
    l1 = (d[:, 0] * e2[:, 1] - e2[:, 0] * d[:, 1]) / den
    l2 = (e1[:, 0] * d[:, 1] - d[:, 0] * e1[:, 1]) / den
    l1, l2 = np.where(ok, l1, 0.0), np.where(ok, l2, 0.0)
    return np.stack([1 - l1 - l2, l1, l2], 1)


def triangle_frames(tri: np.ndarray) -> np.ndarray:
    """(..., 3, 3) triangle vertices → (..., 3, 3) rotation whose columns are (edge dir, in-plane normal,
    face normal); degenerate triangles give a valid (arbitrary but continuous enough) frame."""
    e1 = tri[..., 1, :] - tri[..., 0, :]
    e2 = tri[..., 2, :] - tri[..., 0, :]
    n = np.cross(e1, e2)
    t1 = e1 / np.maximum(np.linalg.norm(e1, axis=-1, keepdims=True), 1e-12)
    n = n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-12)
    t2 = np.cross(n, t1)
    return np.stack([t1, t2, n], -1)


def backproject(xy: np.ndarray, z: np.ndarray, camera: Camera) -> np.ndarray:
    """(N, 2) pixels, (N,) camera depth → (N, 3) camera-space points (the camera's R, t are not applied)."""
    x = (xy[:, 0] - camera.cx) / camera.fx * z
    y = (xy[:, 1] - camera.cy) / camera.fy * z
    return np.stack([x, y, z], 1)


def fit_similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """(N, 2) → (N, 2) point pairs (NaNs ignored) → (2, 3) least-squares similarity ``dst ≈ A @ [x, y, 1]``
    (rotation, uniform scale, translation: ``a = Σ conj(s)·d / Σ |s|²`` on centred complex points).

    Fewer than 2 valid pairs: the mean translation (identity linear part)."""
    ok = np.isfinite(src).all(1) & np.isfinite(dst).all(1)
    s, d = src[ok].astype(np.float64), dst[ok].astype(np.float64)
    A = np.array([[1.0, 0, 0], [0, 1.0, 0]])
    if len(s) == 0:
        return A
    ms, md = s.mean(0), d.mean(0)
    zs = (s[:, 0] - ms[0]) + 1j * (s[:, 1] - ms[1])
    zd = (d[:, 0] - md[0]) + 1j * (d[:, 1] - md[1])
    den = float(np.sum(np.abs(zs) ** 2))
    a = complex(np.sum(np.conj(zs) * zd) / den) if len(s) >= 2 and den > 1e-12 else 1.0 + 0j
    A[:, :2] = [[a.real, -a.imag], [a.imag, a.real]]
    A[:, 2] = md - A[:, :2] @ ms
    return A


def mask_box(mask: np.ndarray, pad: int) -> tuple[int, int, int, int] | None:
    """(H, W) bool → (y0, y1, x0, x1) of its True pixels grown by ``pad`` and clipped (None when empty)."""
    rows, cols = np.nonzero(mask.any(1))[0], np.nonzero(mask.any(0))[0]
    if len(rows) == 0:
        return None
    H, W = mask.shape
    y0, y1 = max(0, int(rows[0]) - pad), min(H, int(rows[-1]) + 1 + pad)
    return y0, y1, max(0, int(cols[0]) - pad), min(W, int(cols[-1]) + 1 + pad)
