"""3D motion → per-frame part masks + confidence (:class:`revision.types.ConditionMaps`).

Every mesh of a frame (SMPL-X / SMAL bodies, objects) goes into one z-buffer, so nearer parts occlude
farther ones across bodies and objects. Bodies are closed meshes with outward faces and are drawn
with back-face culling; an object is a filled polygon: its 16 outline points (3D, with their own
depths) are projected, the screen polygon is ear-clipped, and its triangles carry the 3D depths.
Confidence is ``confidence × track.confidence[f]`` on the pixels a track covers and 0 on background
(the convention of the annotation and synthetic data); a track with confidence 0 in a frame is not
drawn in that frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from revision.render.projection import project_points
from revision.render.raster import rasterize_sparse, triangulate_polygon
from revision.types import Camera, ConditionMaps, MotionSequence


@dataclass
class Mesh:
    """One drawable of one frame. ``polygon`` set → a filled polygon over those vertex indices."""

    vertices: np.ndarray  # (V, 3) world / camera-space metres
    faces: np.ndarray  # (Fc, 3); ignored for polygons
    vertex_parts: np.ndarray  # (V,) palette ids
    polygon: np.ndarray | None = None  # (N,) outline vertex order (objects)
    cull: bool = True  # back-face culling (closed, outward-oriented meshes)
    face_parts: np.ndarray | None = None  # (Fc,) part per face, if precomputed (else from vertex_parts)


def _as_mesh(m) -> Mesh:
    if isinstance(m, Mesh):
        return m
    if hasattr(m, "kind") and getattr(m, "kind", None) == "object":
        return Mesh(m.vertices, m.faces, m.vertex_parts, polygon=m.polygon, cull=False)
    v, f, p = m
    return Mesh(np.asarray(v), np.asarray(f), np.asarray(p))


def _face_parts(faces: np.ndarray, parts: np.ndarray) -> np.ndarray:
    a, b, c = parts[faces[:, 0]], parts[faces[:, 1]], parts[faces[:, 2]]
    return np.where(b == c, b, a)  # majority of the three


def rasterize_meshes(
    meshes: Sequence, camera: Camera, height: int, width: int, *, background_depth: float = np.inf
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Meshes of one frame → (part ids (H, W) int16, depth (H, W) float32, mesh index (H, W) int32).

    Background: part 0, depth ``background_depth``, mesh index −1. ``camera`` must describe a
    ``width`` × ``height`` image.
    """
    uvs, zs, faces, fparts, fmesh, culls = [], [], [], [], [], []
    offset = 0
    for i, m in enumerate(map(_as_mesh, meshes)):
        uv, z = project_points(m.vertices, camera)
        parts = np.asarray(m.vertex_parts)
        if m.polygon is not None:
            poly = np.asarray(m.polygon, np.int64)
            if np.isnan(uv[poly]).any():
                continue
            f = poly[triangulate_polygon(uv[poly])]
            cull = False
            fp = _face_parts(f, parts)
        else:
            f = np.asarray(m.faces, np.int64)
            cull = m.cull
            fp = m.face_parts if m.face_parts is not None else _face_parts(f, parts)
        uvs.append(uv)
        zs.append(z)
        faces.append(f + offset if offset else f)
        fparts.append(fp)
        fmesh.append(np.full(len(f), i, np.int32))
        culls.append(np.full(len(f), cull))
        offset += len(uv)
    part_ids = np.zeros(height * width, np.int16)
    mesh_idx = np.full(height * width, -1, np.int32)
    depth = np.full(height * width, background_depth, np.float32)
    if faces:
        cat = (lambda xs: xs[0]) if len(faces) == 1 else np.concatenate  # noqa: E731
        pix, face, d = rasterize_sparse(cat(uvs), cat(zs), cat(faces), height, width, cull=cat(culls))
        part_ids[pix] = cat(fparts)[face]
        mesh_idx[pix] = cat(fmesh)[face]
        depth[pix] = d
    return part_ids.reshape(height, width), depth.reshape(height, width), mesh_idx.reshape(height, width)


def render_part_masks(meshes: Sequence, camera: Camera, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Meshes of one frame → (part ids (H, W) int16, 0 = background; depth (H, W) float32, 0 = background).

    ``meshes``: :class:`Mesh` items, ``(vertices (V,3), faces, vertex_parts)`` tuples, or one frame of
    :class:`~revision.body.posed.TrackMeshes`-like objects. The camera is rescaled to ``width`` × ``height``
    if it was made for another size.
    """
    cam = camera if (camera.width, camera.height) == (width, height) else camera.scaled(width, height)
    part_ids, depth, _ = rasterize_meshes(meshes, cam, height, width, background_depth=0.0)
    return part_ids, depth


def frame_mesh(tm, f: int, face_parts: np.ndarray | None = None) -> Mesh:
    """Frame ``f`` of a :class:`~revision.body.posed.TrackMeshes` as a :class:`Mesh`."""
    if tm.kind == "object":
        return Mesh(tm.vertices[f], tm.faces, tm.vertex_parts, polygon=tm.polygon, cull=False)
    return Mesh(tm.vertices[f], tm.faces, tm.vertex_parts, face_parts=face_parts)


def render_condition(
    motion: MotionSequence,
    height: int,
    width: int,
    *,
    confidence: float = 1.0,
    smplx_model=None,
    smal_model=None,
    progress=None,
    workers: int | None = None,
) -> ConditionMaps:
    """All frames of ``motion`` → :class:`ConditionMaps` (F, ``height``, ``width``).

    ``progress``: optional callable(fraction, message), called in the caller's thread; ``workers``: threads
    rasterising frames at once (:func:`revision.parallel.map_frames`; None = one per CPU core, at most 4).
    """
    from revision.body.posed import track_meshes
    from revision.parallel import map_frames

    cam = motion.camera
    if (cam.width, cam.height) != (width, height):
        cam = cam.scaled(width, height)
    F = motion.num_frames
    part_ids = np.zeros((F, height, width), np.int16)
    conf = np.zeros((F, height, width), np.float32)
    tms = [track_meshes(t, smplx_model=smplx_model, smal_model=smal_model) for t in motion.tracks]
    fps = [None if tm.kind == "object" else _face_parts(np.asarray(tm.faces, np.int64), tm.vertex_parts) for tm in tms]

    def one(f: int) -> None:  # writes frame f of part_ids / conf only
        live = [i for i, t in enumerate(motion.tracks) if t.confidence[f] > 0]
        if live:
            ids, _, midx = rasterize_meshes([frame_mesh(tms[i], f, fps[i]) for i in live], cam, height, width)
            part_ids[f] = ids
            track_conf = np.array([confidence * float(motion.tracks[i].confidence[f]) for i in live], np.float32)
            hit = midx >= 0
            conf[f][hit] = track_conf[midx[hit]]

    for f, _ in enumerate(map_frames(one, F, workers)):
        if progress is not None:
            progress((f + 1) / F, f"rendering part masks {f + 1}/{F}")
    return ConditionMaps(part_ids, conf)
