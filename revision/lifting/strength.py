"""Motion strength (paper: from the differences of the 3D parameters between adjacent frames), 0..1.

Per track, the raw speed ``d`` is the confidence-weighted mean over adjacent frame pairs of

- ``smplx`` / ``smal``: the summed rotation change of all joints (global orientation + pose, the
  norm of each joint's axis-angle difference, radians) divided by 4 ("four limbs"), plus the change
  of ``transl`` (metres);
- ``object``: mean displacement of the 21 points (metres),

converted to per-second units with the clip's fps. The clip's strength is the largest track's
``d`` mapped through ``min(1, d / STRENGTH_SCALE)``. ``STRENGTH_SCALE = 4.0`` (rad + m per second):
waving one arm (two joints, ±0.6 rad at 1 Hz ≈ 4.8 rad/s summed → 1.2) ≈ 0.3; walking at 1.2 m/s
with swinging limbs (≈ 3 + 1.2) saturates at 1; a still scene is 0.
"""

from __future__ import annotations

import numpy as np

from revision.types import MotionSequence, Track

STRENGTH_SCALE = 4.0  # per-second parameter change that counts as full strength (1.0)


def track_speed(track: Track, fps: float) -> float:
    """Confidence-weighted mean per-second parameter change of one track (rad + m, or m for objects)."""
    p = track.params
    if track.num_frames < 2:  # a single frame (a photo) has no motion
        return 0.0
    if track.kind == "object":
        pts = np.asarray(p["points"], np.float64)  # (F, 21, 3)
        step = np.linalg.norm(np.diff(pts, axis=0), axis=-1).mean(-1)
    else:
        pose_key = "body_pose" if track.kind == "smplx" else "pose"
        rot = np.concatenate([np.asarray(p["global_orient"]), np.asarray(p[pose_key])], axis=1).astype(np.float64)
        dj = np.linalg.norm(np.diff(rot, axis=0).reshape(len(rot) - 1, -1, 3), axis=-1)  # (F-1, joints)
        step = dj.sum(-1) / 4.0 + np.linalg.norm(np.diff(np.asarray(p["transl"]), axis=0), axis=-1)
    if len(step) == 0:
        return 0.0
    c = np.asarray(track.confidence, np.float64)
    w = np.minimum(c[1:], c[:-1])
    if w.sum() <= 0:
        return 0.0
    return float((step * w).sum() / w.sum() * fps)


def motion_strength(motion: MotionSequence) -> float:
    """0..1 strength of a whole sequence (the strongest track); 0 without tracks."""
    if not motion.tracks:
        return 0.0
    d = max(track_speed(t, motion.fps) for t in motion.tracks)
    return float(min(1.0, d / STRENGTH_SCALE))
