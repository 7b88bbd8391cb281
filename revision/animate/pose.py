"""Re-posing the bound layers for one frame: screen-space triangles carrying frame-0 pixel coordinates.

A body grid vertex goes to ``S_f + R_f · offset``: its anchor point ``S_f`` (barycentric combination of
the posed anchor triangle) plus its stored offset turned by the anchor triangle's frame ``R_f``; it is
projected with the output camera. Grid triangles stretched beyond ``stretch_max`` (a cell spanning an
arm and the torso behind it when the arm moves away) are dropped: the back-fill or the plate shows
there instead of a rubber sheet. The back-fill mesh is the posed body, pushed back by
``backfill_depth_bias``. An object layer's vertices move by the affine map of its projected points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from revision.animate.binding import Binding, Layer
from revision.animate.geometry import fit_affine, triangle_frames
from revision.render import project_points


@dataclass
class Soup:
    """Screen-space triangles of one frame (output-pixel coordinates)."""

    uv: np.ndarray  # (N, 2) float32
    z: np.ndarray  # (N,) float32 camera depth
    src: np.ndarray  # (N, 2) float32 frame-0 pixel carried by each vertex
    faces: np.ndarray  # (M, 3) int64
    face_parts: np.ndarray  # (M,) int16
    cull: np.ndarray  # (M,) bool back-face culling


def _body_grid(layer: Layer, V: np.ndarray, camera, stretch_max: float):
    tri = V[layer.anchor_faces]  # (N, 3, 3)
    S = np.einsum("nk,nkd->nd", layer.anchor_bary, tri)
    R = triangle_frames(tri)
    P = S + np.einsum("nij,nj->ni", R, layer.anchor_offset)
    uv, z = project_points(P, camera)
    faces = layer.grid_faces
    p = uv[faces]
    edges = np.linalg.norm(p - np.roll(p, -1, axis=1), axis=-1)
    keep = (edges <= stretch_max * np.maximum(layer.grid_edge0, 1.0)).all(1) & np.isfinite(edges).all(1)
    faces = faces[keep]
    # unshared vertices, each triangle flat at its nearest vertex's depth: a cell spanning an arm and the
    # torso behind it must not sink behind the arm (where the back-fill would then win the z-test)
    zf = np.repeat(z[faces].min(1), 3)
    tri = np.arange(3 * len(faces)).reshape(-1, 3)
    return uv[faces].reshape(-1, 2), zf, tri, layer.grid_face_parts[keep], layer.grid_xy[faces].reshape(-1, 2)


def _object_grid(layer: Layer, points: np.ndarray, camera):
    uv_f, z_f = project_points(points, camera)
    A = fit_affine(layer.points_uv0, uv_f)
    xy = layer.grid_xy.astype(np.float64)
    uv = xy @ A[:, :2].T + A[:, 2]
    zc = (
        float(z_f[20])
        if np.isfinite(z_f[20]) and z_f[20] > 0
        else float(np.nanmedian(np.where(z_f > 0, z_f, np.nan)))
    )
    return uv, np.full(len(uv), zc), layer.grid_faces, layer.grid_face_parts


def pose_frame(binding: Binding, frame_vertices: list[np.ndarray | None], cfg) -> Soup:
    """``frame_vertices[track index]`` = that track's posed (V, 3) vertices (objects: (21, 3) points) → Soup."""
    uvs, zs, srcs, faces, parts, culls = [], [], [], [], [], []
    off = 0

    def add(uv, z, src, f, fp, cull):
        nonlocal off
        good = np.isfinite(uv).all(1) & (z > 0)
        uvs.append(np.where(good[:, None], uv, -1e6).astype(np.float32))
        zs.append(np.where(good, z, -1.0).astype(np.float32))
        srcs.append(src.astype(np.float32))
        faces.append(np.asarray(f, np.int64) + off)
        parts.append(fp)
        culls.append(np.full(len(f), cull))
        off += len(uv)

    cam = binding.camera
    for layer in binding.layers:
        V = frame_vertices[layer.track_index]
        if V is None:
            continue
        V = np.asarray(V, np.float64)
        if layer.kind == "object":
            uv, z, f, fp = _object_grid(layer, V, cam)
            add(uv, z, layer.grid_xy, f, fp, False)
            continue
        uv, z, f, fp, src = _body_grid(layer, V, cam, cfg.stretch_max)
        add(uv, z, src, f, fp, False)
        if layer.mesh_faces is not None:
            muv, mz = project_points(V, cam)
            add(
                muv,
                mz + cfg.backfill_depth_bias,
                layer.mesh_src,
                layer.mesh_faces,
                layer.mesh_face_parts,
                True,
            )
    if not uvs:
        e2 = np.zeros((0, 2), np.float32)
        return Soup(e2, np.zeros(0, np.float32), e2, np.zeros((0, 3), np.int64), np.zeros(0, np.int16),
                    np.zeros(0, bool))  # fmt: skip
    return Soup(np.concatenate(uvs), np.concatenate(zs), np.concatenate(srcs), np.concatenate(faces),
                np.concatenate(parts), np.concatenate(culls))  # fmt: skip
