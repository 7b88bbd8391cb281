"""The inside of a body where an arm left: filled from the body's own pixels, not from the background.

An arm that moves off the body (raised from across the chest) uncovers what the photo never showed. The
back-fill draws the fitted body's surface there (:mod:`revision.animate.binding`), but where the fit does not
cover the person's whole silhouette a gap is left, and the gap shows the background plate: a patch of sky and
grass in the middle of a dark coat (the cameraman's chest, where his forearm and glove were).

For a person whose torso stays where it is over the clip (:func:`torso_still`), the plate under the arm's
pixels that lie inside the outline of the rest of the body — the person's own pixels anchored to no arm
and the pixels of the masks that stay in the photo (a held camera), closed by a disk of ``radius`` × the
person's height (the arm across the chest is enclosed by the coat on both sides; an arm hanging beside the
body, with background between it and the picture's edge, is not) — is filled from the rest of the body (a
push-pull fill from those pixels only): the coat's colour, not the sky's.
Frame 0 is unchanged (the plate is not drawn there). A torso that moves (a walk, a jump, a turn) keeps the
background plate: a static fill would stay behind as a ghost of the person where they were.
"""

from __future__ import annotations

import numpy as np

from revision.animate.geometry import mask_box
from revision.palette import PART_BY_NAME

ARM_PARTS = tuple(
    PART_BY_NAME[f"{s}_{p}"].id for s in ("left", "right") for p in ("upper_arm", "lower_arm", "hand")
)
TORSO_PART = PART_BY_NAME["torso"].id


def torso_still(verts: np.ndarray, vparts: np.ndarray, camera, tolerance: float) -> bool:
    """Whether a body's torso stays put over the clip: its vertices' median projection (``verts`` (F, V, 3)
    camera space, ``vparts`` (V,) part ids) never moves more than ``tolerance`` × the torso's frame-0 height
    in the picture from frame 0."""
    from revision.render import project_points

    torso = vparts == TORSO_PART
    if not torso.any() or len(verts) < 2:
        return True  # nothing moves: the plate is never seen
    uv = project_points(verts[:, torso], camera)[0]  # (F, T, 2)
    height = float(np.ptp(uv[0, :, 1]))
    move = np.linalg.norm(np.median(uv, axis=1) - np.median(uv[0], axis=0), axis=-1)
    return bool(move.max() <= tolerance * max(height, 1.0))


def arm_pixels(region: np.ndarray, grid_xy: np.ndarray, grid_parts: np.ndarray, step: int, box) -> np.ndarray:
    """(H, W) bool: the pixels of ``region`` whose nearest grid vertex (``grid_xy`` (N, 2) frame-0 positions on
    a lattice of ``step`` px, ``grid_parts`` (N,) the part each is anchored to) is anchored to an arm; ``box`` =
    ``region``'s box. The nearest lattice point of a region pixel is a corner of a cell over the region, which
    the grid keeps."""
    y0, y1, x0, x1 = box
    ys, xs = np.nonzero(region[y0:y1, x0:x1])
    out = np.zeros(region.shape, bool)
    if len(ys) == 0 or len(grid_xy) == 0:
        return out
    lattice = np.rint(np.asarray(grid_xy, np.float64) / step).astype(np.int64)
    lo = lattice.min(0)
    parts = np.full(tuple(lattice.max(0) - lo + 1)[::-1], -1, np.int64)  # (rows, cols)
    parts[lattice[:, 1] - lo[1], lattice[:, 0] - lo[0]] = grid_parts
    r = np.clip(np.rint((ys + y0) / step).astype(np.int64) - lo[1], 0, parts.shape[0] - 1)
    c = np.clip(np.rint((xs + x0) / step).astype(np.int64) - lo[0], 0, parts.shape[1] - 1)
    arm = np.isin(parts[r, c], ARM_PARTS)
    out[ys[arm] + y0, xs[arm] + x0] = True
    return out


def _closed(mask: np.ndarray, r: int, work_r: int = 8) -> np.ndarray:
    """``mask`` closed by a disk of radius ``r`` px, at a scale where the disk's radius is ``work_r`` px (a
    large disk at full size costs tens of milliseconds)."""
    import cv2

    s = min(1.0, work_r / max(r, 1))
    h, w = mask.shape
    small = mask.astype(np.float32)
    if s < 1:
        small = cv2.resize(small, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    k = max(1, round(r * s))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * k + 1, 2 * k + 1))
    closed = cv2.morphologyEx((small > 0.5).astype(np.uint8), cv2.MORPH_CLOSE, disk)
    if s < 1:
        closed = cv2.resize(closed, (w, h), interpolation=cv2.INTER_NEAREST)
    return closed.astype(bool) | mask


def interior_plate(plate: np.ndarray, photo: np.ndarray, binding, posed: list, step: int, *,
                   still: np.ndarray | None = None, radius: float = 0.08, tolerance: float = 0.05, min_px: int = 64,
                   ) -> np.ndarray:  # fmt: skip
    """The background ``plate`` (H, W, 3) uint8 with, per body whose torso stays put, the arm pixels inside
    the rest of its body filled from that body's own pixels of ``photo`` (module doc). ``binding``:
    :class:`revision.animate.binding.Binding`; ``posed``: per track (vertices (F, V, 3), faces, kind, vertex
    parts) or None; ``step``: the layers' grid step (px). ``still``: (H, W) bool pixels of the people's masks
    that stay in the photo (what a misplaced hand holds: a camera and the glove on it), which enclose the arm as
    the body does. ``radius``: the closing disk's radius, a fraction of the person's height in the picture;
    ``tolerance``: :func:`torso_still`'s; fills of fewer than ``min_px`` pixels are skipped → a new plate (the
    same array when nothing is filled)."""
    from revision.animate.binding import face_parts
    from revision.animate.plate import push_pull_fill

    out = plate
    for layer in binding.layers:
        p = posed[layer.track_index]
        if layer.kind != "body" or layer.anchor_faces is None or p is None:
            continue
        verts, vparts = np.asarray(p[0]), np.asarray(p[3])
        if not torso_still(verts, vparts, binding.camera, tolerance):
            continue
        region = binding.owner == layer.track_index
        box = mask_box(region, 0)
        if box is None:
            continue
        arm = arm_pixels(region, layer.grid_xy, face_parts(layer.anchor_faces, vparts), step, box)
        if arm.sum() < min_px:
            continue
        core = region & ~arm
        r = max(1, round(radius * (box[1] - box[0])))
        y0, y1, x0, x1 = mask_box(region, r + 1)
        wall = core[y0:y1, x0:x1] | (False if still is None else still[y0:y1, x0:x1])
        closed = _closed(wall, r)
        inside = arm[y0:y1, x0:x1] & closed
        if inside.sum() < min_px or not core[y0:y1, x0:x1].any():
            continue
        fill = push_pull_fill(photo[y0:y1, x0:x1], ~core[y0:y1, x0:x1])
        if out is plate:
            out = plate.copy()
        crop = out[y0:y1, x0:x1]
        crop[inside] = np.clip(fill[inside] + 0.5, 0, 255).astype(np.uint8)
    return out
