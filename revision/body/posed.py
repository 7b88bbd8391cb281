"""Track → posed meshes in camera space, batched over frames (what :mod:`revision.render` draws).

SMPL-X tracks are posed with ``smplx.lbs.lbs`` on the model's own buffers (so real and procedural
models behave the same) with the jaw, eyes, expression and hands at their rest/mean values; SMAL
tracks with :class:`~revision.body.smal.SMAL`; object tracks are their 21 points, with faces that fan
the 16-vertex outline around the centre (the renderer re-triangulates the outline per frame).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from revision.palette import PART_BY_NAME
from revision.types import Track

FRAME_CHUNK = 16  # frames posed per lbs call (bounds memory)


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(..., V, 3) posed vertices, (Fc, 3) outward-wound faces → (..., V, 3) unit vertex normals (the sum of the
    faces' area-weighted normals around each vertex; 0 where a vertex has no face)."""
    V = np.asarray(vertices, np.float64)
    lead, nv = V.shape[:-2], V.shape[-2]
    V = V.reshape(-1, nv, 3)
    a, b, c = (V[:, faces[:, i]] for i in range(3))
    cross = np.cross(b - a, c - a)  # (B, Fc, 3) area-weighted face normals
    at = (np.arange(len(V))[:, None] * nv + faces.T[:, None]).ravel()  # (3, B, Fc): each corner's vertex
    w = np.broadcast_to(cross, (3, *cross.shape)).reshape(-1, 3)
    n = np.stack([np.bincount(at, w[:, d], len(V) * nv) for d in range(3)], -1).reshape(*lead, nv, 3)
    return n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-12)


@dataclass
class TrackMeshes:
    """Unpacks as ``vertices, faces, vertex_parts = track_meshes(track)``."""

    vertices: np.ndarray  # (F, V, 3) float32
    faces: np.ndarray  # (Fc, 3) int64
    vertex_parts: np.ndarray  # (V,) int16 palette ids
    joints: np.ndarray | None = None  # (F, J, 3) float32 (None for objects)
    kind: str = "smplx"
    polygon: np.ndarray | None = None  # (16,) outline vertex order for objects

    def __iter__(self):
        return iter((self.vertices, self.faces, self.vertex_parts))


@lru_cache(maxsize=1)
def default_smplx():
    """The body model used when none is given (env ``REVISION_BODY_MODEL_DIR`` or procedural), cached."""
    from revision.body.smplx_model import load_smplx

    return load_smplx()


@lru_cache(maxsize=1)
def default_smal():
    from revision.body.smal import load_smal

    return load_smal()


@lru_cache(maxsize=4)
def _parts_cached(model_id: int, kind: str, model) -> np.ndarray:
    from revision.body.parts import smal_vertex_parts, smplx_vertex_parts

    return smplx_vertex_parts(model) if kind == "smplx" else smal_vertex_parts(model)


def _t(x, F: int | None = None) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(x, np.float32))
    return t if F is None else t.reshape(F, -1)


@torch.no_grad()
def smplx_vertices(model, global_orient, body_pose, betas, transl, girth=None) -> tuple[torch.Tensor, torch.Tensor]:
    """SMPL-X (F,3), (F,63), (≤num_betas,) or (F, ≤num_betas), (F,3) → vertices (F,V,3), joints (F,55,3).
    ``girth`` (G,): per-segment girth (:mod:`revision.body.girth`); None or zeros: the model's own surface."""
    from revision.body.girth import girth_dirs, girth_offsets
    from revision.body.skinning import effective_posedirs, lbs

    go, bp, tr = torch.as_tensor(global_orient), torch.as_tensor(body_pose), torch.as_tensor(transl)
    F = go.shape[0]
    dtype = model.v_template.dtype
    b = torch.as_tensor(betas, dtype=dtype)
    b = b[None].expand(F, -1) if b.ndim == 1 else b
    nb = model.shapedirs.shape[-1]
    if b.shape[1] > nb:
        raise ValueError(f"betas has {b.shape[1]} coefficients, the body model has {nb}")
    b = torch.nn.functional.pad(b, (0, nb - b.shape[1]))
    expr_dirs = getattr(model, "expr_dirs", None)
    shapedirs = model.shapedirs if expr_dirs is None else torch.cat([model.shapedirs, expr_dirs], -1)
    n_extra = shapedirs.shape[-1] - nb
    pose_mean = getattr(model, "pose_mean", torch.zeros(165, dtype=dtype))
    n_joints = model.J_regressor.shape[0]
    offset = None
    if girth is not None and bool(np.any(np.asarray(girth) != 0)):
        offset = girth_offsets(girth_dirs(model), np.asarray(girth, np.float32))
    verts, joints = [], []
    for s in range(0, F, FRAME_CHUNK):
        e = min(F, s + FRAME_CHUNK)
        n = e - s
        full = torch.zeros(n, n_joints * 3, dtype=dtype)
        full[:, :3] = go[s:e].to(dtype)
        full[:, 3:66] = bp[s:e].reshape(n, 63).to(dtype)
        full = full + pose_mean.to(dtype)[: n_joints * 3]
        shape = torch.cat([b[s:e], torch.zeros(n, n_extra, dtype=dtype)], 1)
        v, j = lbs(shape, full, model.v_template, shapedirs, effective_posedirs(model), model.J_regressor,
                   model.parents, model.lbs_weights, offset)  # fmt: skip
        t = tr[s:e].to(dtype).reshape(n, 1, 3)
        verts.append(v + t)
        joints.append(j + t)
    return torch.cat(verts), torch.cat(joints)


def object_fan_faces() -> np.ndarray:
    """(16, 3) triangles fanning the 16 outline points around the centre point (index 20)."""
    i = np.arange(16)
    return np.stack([np.full(16, 20), i, (i + 1) % 16], 1).astype(np.int64)


def track_meshes(track: Track, *, smplx_model=None, smal_model=None) -> TrackMeshes:
    """One track → :class:`TrackMeshes` (vertices in the track's frame = camera space by convention)."""
    p = track.params
    F = track.num_frames
    if track.kind == "smplx":
        model = smplx_model if smplx_model is not None else default_smplx()
        v, j = smplx_vertices(model, _t(p["global_orient"], F), _t(p["body_pose"], F), _t(p["betas"]),
                              _t(p["transl"], F), p.get("girth"))  # fmt: skip
        faces = np.asarray(model.faces, np.int64)
        return TrackMeshes(v.numpy(), faces, _parts_cached(id(model), "smplx", model), j[:, :55].numpy(), "smplx")
    if track.kind == "smal":
        model = smal_model if smal_model is not None else default_smal()
        with torch.no_grad():
            out = model(_t(p["global_orient"], F), _t(p["pose"], F), _t(p["betas"]), _t(p["transl"], F))
        return TrackMeshes(out.vertices.numpy(), np.asarray(model.faces, np.int64),
                           _parts_cached(id(model), "smal", model), out.joints.numpy(), "smal")  # fmt: skip
    if track.kind == "object":
        pts = np.asarray(p["points"], np.float32).reshape(F, 21, 3)
        parts = np.full(21, PART_BY_NAME["object"].id, np.int16)
        return TrackMeshes(pts, object_fan_faces(), parts, None, "object", np.arange(16))
    raise ValueError(f"unknown track kind {track.kind!r}")
