"""3D points of a motion for viewers: per track, camera-space points (F, P, 3), the edges between them,
the root's path and (when the body models load) the posed mesh. The forward kinematics live here so a
viewer (``demo/plots.py``) only draws arrays.

Humans (``smplx``) give the 22 SMPL-X body joints along the kinematic chain (from the posed body model of
:mod:`revision.body`, else the joints-only rest skeleton of :mod:`revision.lifting`); objects their 21
points (16 contour + 4 box corners + centre, outline and box as edges); animals (``smal``) their
body-model joints (no edges), else the root path.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from revision.types import MotionSequence, Track

# SMPL-X body joints 0..21 and their parents (the first 22 entries of the SMPL-X kinematic tree).
SMPLX_BODY_PARENTS: tuple[int, ...] = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19)
SMPLX_BODY_EDGES: tuple[tuple[int, int], ...] = tuple((j, p) for j, p in enumerate(SMPLX_BODY_PARENTS) if p >= 0)
# 21 object points: contour ring 0..15, box corners 16..19, centre 20.
OBJECT_EDGES: tuple[tuple[int, int], ...] = (
    *((i, (i + 1) % 16) for i in range(16)), (16, 17), (17, 18), (18, 19), (19, 16),
)  # fmt: skip


@dataclass
class TrackPoints:
    track: Track
    points: np.ndarray  # (F, P, 3) float64, camera space (x right, y down, z forward), metres
    edges: tuple[tuple[int, int], ...]  # pairs of point indices drawn as bones / outline
    root: np.ndarray  # (F, 3) the track's root (pelvis, body root or object centre) over time
    mesh: Any | None = None  # revision.body.TrackMeshes (posed vertices, faces, vertex_parts) or None


@lru_cache(maxsize=1)
def _joints_only_skeleton():
    """The joints-only SMPL-X forward kinematics (built once per process, read-only)."""
    from revision.lifting.rest_skeleton import skeleton_only_model
    from revision.lifting.skeleton import SMPLXSkeleton

    return SMPLXSkeleton(skeleton_only_model())


def _meshes(track: Track, smplx_model=None, smal_model=None):
    """:func:`revision.body.track_meshes` or None when the body models cannot be loaded."""
    from revision.body import track_meshes

    try:
        return track_meshes(track, smplx_model=smplx_model, smal_model=smal_model)
    except (FileNotFoundError, RuntimeError, ValueError, KeyError, ImportError):
        return None


def track_points(track: Track, *, mesh: bool = True, smplx_model=None, smal_model=None) -> TrackPoints:
    """One track → :class:`TrackPoints` (``mesh``: also pose the body model's mesh, when it loads)."""
    p = track.params
    if track.kind == "object":
        pts = np.asarray(p["points"], np.float64).reshape(-1, 21, 3)
        return TrackPoints(track, pts, OBJECT_EDGES, pts[:, -1])
    meshes = _meshes(track, smplx_model, smal_model) if mesh else None
    joints = None if meshes is None or meshes.joints is None else np.asarray(meshes.joints, np.float64)
    if track.kind == "smplx":
        if joints is None:
            import torch

            t = {k: torch.as_tensor(np.asarray(p[k]), dtype=torch.float32)
                 for k in ("global_orient", "body_pose", "betas", "transl")}  # fmt: skip
            with torch.no_grad():
                joints = _joints_only_skeleton()(t["global_orient"], t["body_pose"], t["betas"], t["transl"])[0]
            joints = np.asarray(joints.numpy(), np.float64)
        pts = joints[:, : len(SMPLX_BODY_PARENTS)]
        return TrackPoints(track, pts, SMPLX_BODY_EDGES, pts[:, 0], meshes)
    if joints is not None:  # smal: joints as markers
        return TrackPoints(track, joints, (), joints[:, 0], meshes)
    root = np.asarray(p["transl"], np.float64)
    return TrackPoints(track, root[:, None], (), root, meshes)


def motion_points(motion: MotionSequence, *, mesh: bool = True, smplx_model=None, smal_model=None) -> list[TrackPoints]:
    """Every track of ``motion`` → :class:`TrackPoints` (see :func:`track_points`)."""
    return [track_points(t, mesh=mesh, smplx_model=smplx_model, smal_model=smal_model) for t in motion.tracks]
