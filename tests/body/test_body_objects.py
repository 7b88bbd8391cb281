"""The 21-point object representation from synthetic masks, and its lifting to 3D."""

from __future__ import annotations

import numpy as np
import pytest

from revision.body.objects import lift_object_points, object_points_2d, polygon_mask
from revision.render import project_points
from revision.types import Camera

H, W = 120, 200


def _ellipse(cx=97.0, cy=61.0, a=55.0, b=33.0) -> np.ndarray:
    yy, xx = np.mgrid[:H, :W]
    return ((xx - cx) / a) ** 2 + ((yy - cy) / b) ** 2 <= 1


def test_rectangle_points_within_one_pixel():
    m = np.zeros((H, W), bool)
    m[20:71, 30:151] = True  # rows 20..70, cols 30..150 → outline x 29.5..150.5, y 19.5..70.5
    p = object_points_2d(m)
    assert p.shape == (21, 2) and p.dtype == np.float32
    corners = np.array([[29.5, 19.5], [150.5, 19.5], [150.5, 70.5], [29.5, 70.5]])
    np.testing.assert_allclose(p[16:20], corners, atol=1.0)
    np.testing.assert_allclose(p[20], [90.0, 45.0], atol=1.0)
    # every contour vertex lies on the rectangle's outline, and the 4 corners are among them
    on_x = np.minimum(np.abs(p[:16, 0] - 29.5), np.abs(p[:16, 0] - 150.5)) <= 1
    on_y = np.minimum(np.abs(p[:16, 1] - 19.5), np.abs(p[:16, 1] - 70.5)) <= 1
    assert (on_x | on_y).all()
    for c in corners:
        assert np.min(np.linalg.norm(p[:16] - c, axis=1)) <= 1.0
    # the 16-gon re-rasterises to the mask
    back = polygon_mask(p[:16], H, W)
    assert (back & m).sum() / (back | m).sum() > 0.98


def test_ellipse_points_within_one_pixel():
    cx, cy, a, b = 97.0, 61.0, 55.0, 33.0
    p = object_points_2d(_ellipse(cx, cy, a, b))
    np.testing.assert_allclose(p[20], [cx, cy], atol=1.0)
    np.testing.assert_allclose(p[16], [cx - a, cy - b], atol=1.0)
    np.testing.assert_allclose(p[18], [cx + a, cy + b], atol=1.0)
    # contour vertices on the ellipse: radial distance of (x, y) from the boundary ≤ 1 px
    ang = np.arctan2((p[:16, 1] - cy) / b, (p[:16, 0] - cx) / a)
    boundary = np.stack([cx + a * np.cos(ang), cy + b * np.sin(ang)], 1)
    assert np.linalg.norm(p[:16] - boundary, axis=1).max() <= 1.0
    # order: clockwise on screen, starting at the vertex pointing right (+x) from the centre
    x, y = p[:16, 0], p[:16, 1]
    assert 0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) > 0
    assert p[0, 0] > cx + 0.9 * a


def test_empty_or_bad_mask_raises():
    with pytest.raises(ValueError, match="empty"):
        object_points_2d(np.zeros((H, W), bool))
    with pytest.raises(ValueError, match="H, W"):
        object_points_2d(np.zeros((2, H, W), bool))


def test_lift_reprojects_to_the_2d_points():
    cam = Camera.from_image_size(W, H)
    p2 = object_points_2d(_ellipse())
    depth = np.full((H, W), 9.0, np.float32)
    depth[_ellipse()] = 2.5  # the object in front of a far background
    p3 = lift_object_points(p2, depth, cam)
    assert p3.shape == (21, 3)
    np.testing.assert_allclose(p3[:, 2], 2.5, atol=1e-5)
    uv, z = project_points(p3, cam)
    np.testing.assert_allclose(uv, p2, atol=1e-3)
    np.testing.assert_allclose(lift_object_points(p2, 4.0, cam)[:, 2], 4.0)
    with pytest.raises(ValueError, match="positive"):
        lift_object_points(p2, np.zeros((H, W)), cam)
