"""The paper's 21-point object representation: 16 contour vertices + 4 box corners + box centre.

Pixel convention (as everywhere in :mod:`revision.render`): pixel (row i, col j) has its centre at
x = j, y = i, so a mask's continuous outline runs half a pixel outside its outer pixel centres.
:func:`object_points_2d` returns, in ``(x, y)`` pixels:

- rows 0..15: the outline of the mask's largest component (holes filled), reduced to 16 vertices by
  Visvalingam–Whyatt (keeps corners: a rectangle keeps its 4 corners exactly), ordered clockwise on
  screen starting from the vertex nearest the ray pointing right (+x) from the box centre;
- rows 16..19: box corners (x0, y0), (x1, y0), (x1, y1), (x0, y1) of that outline;
- row 20: the box centre.

:func:`lift_object_points` back-projects them at one robust depth: the median of the depth map inside
the 16-vertex polygon (positive values only), i.e. a fronto-parallel cut-out at the object's depth.
"""

from __future__ import annotations

import numpy as np

from revision.types import Camera

NUM_CONTOUR = 16
NUM_OBJECT_POINTS = 21


def _outline(mask: np.ndarray) -> np.ndarray:
    """(N, 2) x, y closed outline (first point not repeated) of the largest component, holes filled."""
    from scipy import ndimage
    from skimage.measure import find_contours

    labels, n = ndimage.label(mask)
    if n == 0:
        raise ValueError("object_points_2d: the mask is empty")
    sizes = np.bincount(labels.ravel(), minlength=n + 1)[1:]
    k = 1 + int(np.argmax(sizes))
    rows, cols = ndimage.find_objects(labels)[k - 1]  # work on the component's box only
    comp = ndimage.binary_fill_holes(labels[rows, cols] == k)
    padded = np.pad(comp, 1).astype(np.float32)
    contours = find_contours(padded, 0.5)
    c = max(contours, key=len)[:-1]  # (row, col), closed
    return np.stack([c[:, 1] - 1 + cols.start, c[:, 0] - 1 + rows.start], axis=1)


def _signed_area(p: np.ndarray) -> float:
    x, y = p[:, 0], p[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def simplify_polygon(points: np.ndarray, n: int, min_area: float = 0.5) -> np.ndarray:
    """Visvalingam–Whyatt down to ``n`` vertices, then even densification.

    Vertices whose triangle with their neighbours is smaller than ``min_area`` px² are dropped first
    (batched for speed: each round drops up to a quarter of the surplus, never two neighbours at once);
    if fewer than ``n`` significant vertices remain (a rectangle has 4), the longest edges are split at
    their midpoints until there are ``n``.
    """
    p = np.asarray(points, np.float64)
    while len(p) > 3:
        a, b, c = np.roll(p, 1, 0), p, np.roll(p, -1, 0)
        area = 0.5 * np.abs((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1]))
        surplus = len(p) - n
        if surplus <= 0 and area.min() >= min_area:
            break
        k = max(1, surplus // 4) if surplus > 0 else max(1, int((area < min_area).sum()) // 4)
        drop = np.zeros(len(p), bool)
        taken = 0
        for i in np.argsort(area, kind="stable"):
            if taken == k or (surplus <= 0 and area[i] >= min_area):
                break
            if not drop[(i - 1) % len(p)] and not drop[(i + 1) % len(p)]:
                drop[i] = True
                taken += 1
        p = p[~drop]
    while len(p) < n:
        seg = np.linalg.norm(np.roll(p, -1, 0) - p, axis=1)
        i = int(np.argmax(seg))
        p = np.insert(p, i + 1, (p[i] + p[(i + 1) % len(p)]) / 2, axis=0)
    return p


def object_points_2d(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool mask → (21, 2) float32 x, y pixels (see the module docstring for the layout)."""
    mask = np.asarray(mask, bool)
    if mask.ndim != 2:
        raise ValueError(f"object_points_2d: mask must be (H, W), got {mask.shape}")
    outline = _outline(mask)
    x0, y0 = outline.min(0)
    x1, y1 = outline.max(0)
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    poly = simplify_polygon(outline, NUM_CONTOUR)
    if _signed_area(poly) < 0:  # clockwise on screen (y down) = positive shoelace area
        poly = poly[::-1]
    ang = np.arctan2(poly[:, 1] - centre[1], poly[:, 0] - centre[0])
    poly = np.roll(poly, -int(np.argmin(np.abs(ang))), axis=0)
    box = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    return np.concatenate([poly, box, centre[None]]).astype(np.float32)


def polygon_mask(polygon: np.ndarray, height: int, width: int) -> np.ndarray:
    """(H, W) bool: pixel centres inside the (N, 2) x, y polygon (even-odd rule)."""
    from skimage.draw import polygon as draw_polygon

    out = np.zeros((height, width), bool)
    p = np.asarray(polygon, np.float64)
    rr, cc = draw_polygon(p[:, 1], p[:, 0], shape=(height, width))
    out[rr, cc] = True
    return out


def lift_object_points(points2d: np.ndarray, depth: np.ndarray | float, camera: Camera) -> np.ndarray:
    """(21, 2) pixels + depth ((H, W) metres map or one value) → (21, 3) float32 points.

    The points are returned in the camera's world frame (``R``, ``t`` inverted; the identity camera
    makes that camera space). A map with no positive depth inside the polygon raises ``ValueError``.
    """
    pts = np.asarray(points2d, np.float64)
    if pts.shape != (NUM_OBJECT_POINTS, 2):
        raise ValueError(f"lift_object_points: points2d must be (21, 2), got {pts.shape}")
    if np.ndim(depth) == 0:
        z = float(depth)
    else:
        d = np.asarray(depth, np.float64)
        inside = polygon_mask(pts[:NUM_CONTOUR], *d.shape) & (d > 0)
        if not inside.any():  # tiny object: the nearest pixel to its centre
            cx, cy = np.clip(np.round(pts[20]).astype(int), 0, [d.shape[1] - 1, d.shape[0] - 1])
            inside = np.zeros_like(inside)
            inside[cy, cx] = d[cy, cx] > 0
        if not inside.any():
            raise ValueError("lift_object_points: no positive depth under the object")
        z = float(np.median(d[inside]))
    if not z > 0:
        raise ValueError(f"lift_object_points: depth must be positive, got {z}")
    cam = np.stack([(pts[:, 0] - camera.cx) / camera.fx * z, (pts[:, 1] - camera.cy) / camera.fy * z,
                    np.full(len(pts), z)], axis=1)  # fmt: skip
    R, t = np.asarray(camera.R, np.float64), np.asarray(camera.t, np.float64)
    return ((cam - t) @ R).astype(np.float32)  # R^T (x_cam - t)
