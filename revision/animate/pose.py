"""Re-posing the bound layers for one frame: screen-space triangles carrying frame-0 pixel coordinates.

A body grid vertex goes to ``S_f + R_f · offset``: its anchor point ``S_f`` (barycentric combination of
the posed anchor triangle) plus its stored offset turned by the anchor triangle's frame ``R_f``; it is
projected with the output camera. Grid triangles stretched beyond ``stretch_max`` (a cell spanning an
arm and the torso behind it when the arm moves away) are dropped: the back-fill or the plate shows
there instead of a rubber sheet. The back-fill mesh is the posed body, pushed back by
``backfill_depth_bias``; its vertices of one flat borrowed colour (an unseen hand, an unseen forearm) carry
a colour gain from their posed normals (:func:`shading`). Where the fit put a hand over the face
(``binding.hands_over_face``), the face's cells are drawn nearer by ``Layer.anchor_pull`` and that hand
deeper by ``Layer.behind_m``: it passes behind the face the photo shows. An object is placed, not meshed: a :class:`Sprite` with the least-squares
similarity map (rotation, uniform scale, translation) from its frame-0 to its frame-``f`` projected
points — rigid along its 3D path, scaled by its depth — plus, for a round object whose track does not
turn it in any frame, the rolling angle of its horizontal travel (``Δx / radius``, both in metres).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from revision.animate.binding import Binding, Layer
from revision.animate.geometry import fit_similarity, triangle_frames
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
    sprites: list[Sprite] = field(default_factory=list)  # the objects, drawn over the triangles by depth
    face_tracks: np.ndarray | None = None  # (M,) int32 track index of each triangle's layer
    gain: np.ndarray | None = None  # (N,) float32 colour gain per vertex (the shading of flat parts; None = 1)


@dataclass
class Sprite:
    """One object in one frame: output pixel = ``A @ [x0, y0, 1]`` of its frame-0 pixel, at depth ``z``."""

    layer: Layer
    A: np.ndarray  # (2, 3) float64 similarity map, frame-0 pixel → this frame's pixel
    z: float  # camera depth of the object's centre (metres)
    radius_m: float  # the object's radius in 3D (its bulge towards the camera when round; 0 = flat)


def _body_grid(layer: Layer, V: np.ndarray, camera, stretch_max: float):
    tri = V[layer.anchor_faces]  # (N, 3, 3)
    S = np.einsum("nk,nkd->nd", layer.anchor_bary, tri)
    R = triangle_frames(tri)
    P = S + np.einsum("nij,nj->ni", R, layer.anchor_offset)
    uv, z = project_points(P, camera)
    if layer.anchor_pull is not None:
        z = z - layer.anchor_pull
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


UNSEEN_DEPTH_BIAS = 0.005  # metres: an unseen part's back-fill loses a tie with the pixel cells on its surface
LATE_MOVED_PX = 2.0  # a back-fill triangle of an unseen part over background shows once moved this far (px)
ROLL_MIN_TURN = np.deg2rad(1.0)  # a track that turns its object by more than this in some frame is not rolled


def _similarity(layer: Layer, points: np.ndarray, camera) -> tuple[np.ndarray, float] | None:
    """(frame-0 → this frame similarity map (2, 3), centre depth) of an object's (21, 3) points, or None."""
    uv_f, z_f = project_points(points, camera)
    use = np.r_[np.arange(16), 20]  # outline + centre (the box corners follow from them)
    good = np.isfinite(uv_f[use]).all(1) & (z_f[use] > 0)
    if good.sum() < 2:
        return None
    A = fit_similarity(layer.points_uv0[use][good], uv_f[use][good])
    return A, float(z_f[20]) if good[-1] else float(np.median(z_f[use][good]))


def track_turns(layer: Layer, points: np.ndarray, camera) -> bool:
    """Whether an object's track (F, 21, 3) turns it on screen (> 1°) in some frame: then it carries its own
    spin (a rolling ball's outline turned by the roll angle) and is not rolled on top."""
    for P in points:
        fit = _similarity(layer, np.asarray(P, np.float64), camera)
        if fit is not None and abs(np.arctan2(fit[0][1, 0], fit[0][0, 0])) > ROLL_MIN_TURN:
            return True
    return False


def _object_sprite(layer: Layer, points: np.ndarray, camera) -> Sprite | None:
    fit = _similarity(layer, points, camera)
    if fit is None:
        return None
    A, zc = fit
    if layer.roll:  # the track only carries it: it rolls by its horizontal travel
        th = (float(points[20, 0]) - layer.x0_m) / layer.radius_m
        c = A[:, :2] @ layer.points_uv0[20].astype(np.float64) + A[:, 2]
        Rm = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
        A = np.concatenate([Rm @ A[:, :2], (Rm @ A[:, 2] + c - Rm @ c)[:, None]], 1)
    return Sprite(layer, A, zc, layer.radius_m if layer.round else 0.0)


LIGHT = np.array([0.0, -0.5, -1.0]) / np.sqrt(1.25)  # camera space (y down, z away): from above the camera


def shading(V: np.ndarray, faces: np.ndarray, strength: float) -> np.ndarray:
    """(V,) float32 Lambert gain of each vertex of the posed mesh ``V`` (V, 3) with ``faces`` (F, 3) (outward
    winding): ``(1 − s) + s·max(0, n·l)`` for a light from above the camera, scaled so a surface facing the
    camera keeps its colour (1). A part drawn in one flat borrowed colour gets its form back from it."""
    from revision.body.posed import vertex_normals  # (torch: imported where the bodies are posed already)

    lit = (1 - strength) + strength * np.clip(vertex_normals(V, faces) @ LIGHT, 0, None)
    return (lit / ((1 - strength) + strength * -LIGHT[2])).astype(np.float32)


def pose_frame(binding: Binding, frame_vertices: list[np.ndarray | None], cfg) -> Soup:
    """``frame_vertices[track index]`` = that track's posed (V, 3) vertices (objects: (21, 3) points) → Soup."""
    uvs, zs, srcs, faces, parts, culls, tracks, gains = [], [], [], [], [], [], [], []
    sprites: list[Sprite] = []
    off = 0

    def add(uv, z, src, f, fp, cull, track, gain=None):
        nonlocal off
        tracks.append(np.full(len(f), track, np.int32))
        gains.append(np.ones(len(uv), np.float32) if gain is None else gain)
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
            sp = _object_sprite(layer, V, cam)
            if sp is not None:
                sprites.append(sp)
            continue
        uv, z, f, fp, src = _body_grid(layer, V, cam, cfg.stretch_max)
        add(uv, z, src, f, fp, False, layer.track_index)
        if layer.mesh_faces is not None:
            muv, mz = project_points(V, cam)
            ti = layer.track_index
            mf, mp = layer.mesh_faces, layer.mesh_face_parts
            unseen = layer.mesh_unseen if layer.mesh_unseen is not None else np.zeros(len(mf), bool)
            behind = layer.mesh_behind if layer.mesh_behind is not None else np.zeros(len(mf), bool)
            if layer.mesh_late is not None and layer.mesh_late.any():  # unseen parts over background, a body
                # behind an occluder (binding)
                moved = np.linalg.norm(np.nan_to_num(muv, nan=1e6) - layer.mesh_uv0, axis=1)
                keep = ~layer.mesh_late | (moved[mf].min(1) > LATE_MOVED_PX)
                mf, mp, unseen, behind = mf[keep], mp[keep], unseen[keep], behind[keep]
            gain = None  # the flat parts' shading (the same for every copy of the mesh below)
            if cfg.backfill_shading > 0 and layer.mesh_flat is not None and layer.mesh_flat.any():
                g = shading(V, np.asarray(layer.mesh_faces, np.int64), cfg.backfill_shading)
                gain = np.where(layer.mesh_flat, g, np.float32(1))
            add(muv, mz + cfg.backfill_depth_bias, layer.mesh_src, mf[~unseen], mp[~unseen], True, ti, gain)
            own, far = unseen & ~behind, unseen & behind
            if own.any():  # no pixel layer draws these parts: they meet the others at their own depth (but
                # for a tie with the pixel layer's cells on the same surface: a part mostly past the picture's
                # edge, its few seen pixels)
                add(muv, mz + UNSEEN_DEPTH_BIAS, layer.mesh_src, mf[own], mp[own], True, ti, gain)
            if far.any():  # a hand the fit put over the face: behind the head
                add(muv, mz + layer.behind_m, layer.mesh_src, mf[far], mp[far], True, ti, gain)
    if not uvs:
        e2 = np.zeros((0, 2), np.float32)
        return Soup(e2, np.zeros(0, np.float32), e2, np.zeros((0, 3), np.int64), np.zeros(0, np.int16),
                    np.zeros(0, bool), sprites, np.zeros(0, np.int32))  # fmt: skip
    gain = np.concatenate(gains)
    return Soup(np.concatenate(uvs), np.concatenate(zs), np.concatenate(srcs), np.concatenate(faces),
                np.concatenate(parts), np.concatenate(culls), sprites, np.concatenate(tracks),
                None if (gain == 1).all() else gain)  # fmt: skip
