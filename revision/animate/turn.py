"""Limiting how far a body turns away from the view the photo shows.

A photo shows one side of each person. The pixel layer is bound to that side's surface, so when the 3D
motion turns a body by more than ~60° about its own up axis (a walker who faces the camera and then walks
sideways), the photographed side goes edge-on: its pixels collapse onto a thin strip and the body's
silhouette is drawn from the back-fill with texture borrowed from the frame-0 outline — the person breaks
into shards (measured on vtest_frame100: 5 walkers turned 75–125°, their drawn pixels 16–70 % of their
frame-0 area in 4–15 pieces, MediaPipe finds each in 6–31 % of the frames).

:func:`clamp_turn` keeps each frame's body turn (its torso's rotation from frame 0) about its frame-0 up
axis within ``max_deg``: the swing (leaning, bending) and every limb's articulation are kept, and the body
turns about its centroid, so it stays where the motion puts it. The photographed side stays in view; a
limb swinging along the walking direction shows ``sin(max_deg)`` of its sideways travel (half at 30°).

The up axis is the body's own (:func:`body_up`: its root's up at frame 0), the axis a motion turns a body
about. The torso's longest extent is no substitute: a fit whose spine bends (vtest's man in the red jacket:
spine bent 28° sideways and 16° forward) has its torso's long axis 30° off the root's, and a 85° turn taken
back about that axis is no pure turn: the legs kick out 20–24 px sideways on a 100-px walker, the torso
tilts, the stretched legs tear and the person is drawn in shards. The torso's axis remains the fallback
when no root is known.
"""

from __future__ import annotations

import numpy as np


def _kabsch(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rotation R (3, 3) minimising ‖R·a_i − b_i‖ over centred point sets a, b (N, 3)."""
    U, _, Wt = np.linalg.svd(a.T @ b)
    d = np.sign(np.linalg.det(U @ Wt)) or 1.0
    return (U @ np.diag([1.0, 1.0, d]) @ Wt).T


def _axis_angle(axis: np.ndarray, angle: float) -> np.ndarray:
    x, y, z = axis
    c, s = np.cos(angle), np.sin(angle)
    K = np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]])
    return np.eye(3) + s * K + (1 - c) * (K @ K)


def twist_angle(R: np.ndarray, axis: np.ndarray) -> float:
    """Angle (rad) of the twist of rotation ``R`` about unit ``axis`` (swing–twist decomposition)."""
    w = 0.5 * np.sqrt(max(1e-12, 1.0 + np.trace(R)))
    v = np.array([R[2, 1] - R[1, 2], R[0, 2] - R[2, 0], R[1, 0] - R[0, 1]]) / (4 * w)
    return float(2 * np.arctan2(v @ axis, w))


def body_up(global_orient: np.ndarray) -> np.ndarray:
    """The up axis (3,) of a SMPL-X body whose root orientation is ``global_orient`` (axis-angle (3,)): the
    rest pose's +y (feet to head) turned by the root. A motion turns the body about it (a walker setting off
    sideways turns about its pelvis's vertical, whatever its spine does)."""
    rv = np.asarray(global_orient, np.float64).reshape(3)
    angle = float(np.linalg.norm(rv))
    if angle < 1e-12:
        return np.array([0.0, 1.0, 0.0])
    return _axis_angle(rv / angle, angle) @ np.array([0.0, 1.0, 0.0])


def clamp_turn(
    vertices: np.ndarray,
    max_deg: float,
    measure: np.ndarray | None = None,
    sample: int = 16,
    up: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(F, V, 3) posed body vertices → (vertices with each frame's turn about the frame-0 up axis clamped to
    ± ``max_deg``, (F,) turn angles in degrees before clamping). Frames within the limit are unchanged.

    ``measure`` (V,) bool: the vertices whose rotation is the body's turn (the torso: raised arms must not
    count as a turn); None = all. ``up`` (3,): the body's frame-0 up axis (:func:`body_up`; its sign does
    not matter); None = the longest extent of the ``measure`` vertices at frame 0 (off the body's axis when
    its spine bends)."""
    V = np.asarray(vertices, np.float64)
    idx = np.arange(V.shape[1]) if measure is None or not np.any(measure) else np.nonzero(measure)[0]
    idx = idx[::sample]
    P0 = V[0, idx]
    c0 = P0.mean(0)
    if up is None:
        _, _, Vt = np.linalg.svd(P0 - c0, full_matrices=False)
        up = Vt[0]  # the body's long axis at frame 0 (its sign does not matter: the clamp is symmetric)
    up = np.asarray(up, np.float64) / np.linalg.norm(up)
    lim = np.deg2rad(max_deg)
    out = V.copy()
    turns = np.zeros(len(V))
    for f in range(1, len(V)):
        Pf = V[f, idx]
        cf = Pf.mean(0)
        R = _kabsch(P0 - c0, Pf - cf)
        th = twist_angle(R, up)
        turns[f] = np.degrees(th)
        excess = th - np.clip(th, -lim, lim)
        if excess != 0.0:
            Q = _axis_angle(R @ up, -excess)
            centre = V[f].mean(0)
            out[f] = (V[f] - centre) @ Q.T + centre
    return out.astype(np.asarray(vertices).dtype), turns
