"""21-point object lifting: per-frame masks + depth → (F, 21, 3) camera-space points.

The 21 points (16 contour samples + 4 box corners + centre) come from
``revision.body.objects.object_points_2d`` and are lifted with the frame's depth by
``revision.body.objects.lift_object_points``. Frames where the object is missing copy the nearest
frame that has it (confidence 0 there).
"""

from __future__ import annotations

import numpy as np

from revision.types import Camera


def lift_object_track(
    masks: list[np.ndarray | None], depths: np.ndarray, camera: Camera, scores: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """F masks ((H, W) bool or None) + (F, H, W) depth → points (F, 21, 3), confidence (F,)."""
    from revision.body.objects import lift_object_points, object_points_2d

    F = len(masks)
    present = np.array([m is not None and bool(np.asarray(m).any()) for m in masks])
    if not present.any():
        raise ValueError("lift_object_track: the object is in no frame")
    pts = np.zeros((F, 21, 3), np.float32)
    for f in np.nonzero(present)[0]:
        p2 = object_points_2d(np.asarray(masks[f], bool))
        pts[f] = lift_object_points(p2, depths[f], camera)
    idx = np.nonzero(present)[0]
    for f in np.nonzero(~present)[0]:
        pts[f] = pts[idx[np.argmin(np.abs(idx - f))]]
    conf = np.ones(F, np.float32) if scores is None else np.clip(np.asarray(scores, np.float32), 0, 1)
    return pts, np.where(present, conf, 0.0).astype(np.float32)
