"""The user's target-pose sketch → per-part polygons for the LAST frame (confidence 0.5).

The user paints circles / ovals / blobs (filled or outlined) in the part colours of
:mod:`revision.palette` over the first frame; optional *drags* (arrows from a point on a part to
where it should end up) move that part's shape. The result conditions the video model on the last
frame only, with confidence 0.5 (the paper's partial-motion training case).

Which pixels are "drawn":

- RGBA sketch: alpha ≥ 128 (transparent canvas, anti-aliased fringes below half opacity ignored);
- RGB sketch with ``background`` (the image it was drawn on): pixels that differ from it by more
  than :data:`BACKGROUND_TOLERANCE` in some channel;
- RGB sketch alone: everything but near-white (all channels ≥ 240) and near-black (all ≤ 15) canvas.

A drawn pixel belongs to the nearest palette colour if it is within :data:`COLOR_TOLERANCE`
(Euclidean RGB distance; the closest two palette colours are 52 apart). Other drawn pixels are
ignored; if more than :data:`MIN_PIXELS` of them are not just anti-aliased fringes (within 2 px of a
palette stroke), a warning names the colours. Per colour the strokes are closed with a disk of radius
:data:`CLOSE_RADIUS` (bridges gaps of ~3 px in an outline), holes filled (an outlined circle becomes a
disc), components smaller than :data:`MIN_PIXELS` dropped with a warning, and each component's outline
becomes a polygon (≤ :data:`MAX_VERTICES` vertices).

Errors (:class:`SketchError`, a ``ValueError``): not an (H, W, 3|4) uint8 array, a ``background`` of
another size, nothing drawn, or nothing drawn in palette colours. :meth:`SketchResult.to_condition`
scales the polygons when the requested size differs from the sketch's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from revision.palette import NUM_PARTS, PART_BY_ID, color_table
from revision.types import ConditionMaps

COLOR_TOLERANCE = 24.0  # max Euclidean RGB distance from a palette colour
BACKGROUND_TOLERANCE = 12  # max per-channel difference from ``background`` that still counts as undrawn
MIN_PIXELS = 20  # smaller components / off-palette areas are noise
MAX_VERTICES = 64  # per polygon
SKETCH_CONFIDENCE = 0.5
CLOSE_RADIUS = 4  # morphological closing radius (px): bridges gaps of a few px in outlines


class SketchError(ValueError):
    """A sketch that cannot be used; the message is meant for the user."""


@dataclass
class Drag:
    """An arrow: the part under ``start`` moves by ``end - start`` (pixels, x, y)."""

    part_id: int
    start: tuple[float, float]
    end: tuple[float, float]


@dataclass
class SketchResult:
    polygons: dict[int, list[np.ndarray]]  # part id → (N, 2) float32 x, y polygons (sketch pixels, moved by drags)
    height: int  # sketch size the polygons are expressed in
    width: int
    warnings: list[str] = field(default_factory=list)
    drags: list[Drag] = field(default_factory=list)

    def part_mask(self, height: int | None = None, width: int | None = None) -> np.ndarray:
        """(H, W) int16 part ids of the polygons at ``height`` × ``width`` (default: the sketch size).

        Larger polygons are drawn first, so small parts (hands on a torso) stay visible.
        """
        from revision.body.objects import polygon_mask

        H, W = height or self.height, width or self.width
        sx, sy = W / self.width, H / self.height
        out = np.zeros((H, W), np.int16)
        items = [(pid, p) for pid, polys in self.polygons.items() for p in polys]
        items.sort(key=lambda it: -abs(_area(it[1])))
        for pid, poly in items:
            scaled = np.stack([(poly[:, 0] + 0.5) * sx - 0.5, (poly[:, 1] + 0.5) * sy - 0.5], 1)
            out[polygon_mask(scaled, H, W)] = pid
        return out

    def to_condition(self, num_frames: int, height: int, width: int) -> ConditionMaps:
        """(num_frames, height, width) maps: the polygons on the last frame at confidence 0.5, others empty."""
        if num_frames < 1 or height < 1 or width < 1:
            raise SketchError(f"to_condition needs positive sizes, got {num_frames} frames of {width}x{height}")
        cond = ConditionMaps.empty(num_frames, height, width)
        ids = self.part_mask(height, width)
        cond.part_ids[-1] = ids
        cond.confidence[-1][ids > 0] = SKETCH_CONFIDENCE
        return cond


def _area(p: np.ndarray) -> float:
    x, y = p[:, 0], p[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def _check(sketch, background) -> tuple[np.ndarray, np.ndarray | None]:
    if not isinstance(sketch, np.ndarray) or sketch.ndim != 3 or sketch.shape[2] not in (3, 4):
        shape = getattr(sketch, "shape", type(sketch).__name__)
        raise SketchError(f"The sketch must be an (H, W, 3) RGB or (H, W, 4) RGBA image, got {shape}.")
    if sketch.dtype != np.uint8:
        raise SketchError(f"The sketch must be 8-bit (uint8), got {sketch.dtype}.")
    if sketch.shape[0] < 2 or sketch.shape[1] < 2:
        raise SketchError(f"The sketch is too small ({sketch.shape[1]}x{sketch.shape[0]}).")
    if background is not None:
        background = np.asarray(background)
        if background.shape[:2] != sketch.shape[:2]:
            raise SketchError(
                f"The sketch is {sketch.shape[1]}x{sketch.shape[0]} but the image is "
                f"{background.shape[1]}x{background.shape[0]}: draw the sketch over the image at its size."
            )
        background = background[..., :3].astype(np.int16)
    return sketch, background


def _drawn(sketch: np.ndarray, background: np.ndarray | None) -> np.ndarray:
    rgb = sketch[..., :3].astype(np.int16)
    if sketch.shape[2] == 4:
        drawn = sketch[..., 3] >= 128
    else:
        drawn = ~((rgb >= 240).all(-1) | (rgb <= 15).all(-1))
    if background is not None:
        drawn &= np.abs(rgb - background).max(-1) > BACKGROUND_TOLERANCE
    return drawn


def _outline_polygons(mask: np.ndarray, pid: int, warnings: list[str]) -> list[np.ndarray]:
    from scipy import ndimage
    from skimage.measure import find_contours

    from revision.body.objects import simplify_polygon

    r = CLOSE_RADIUS
    disk = np.hypot(*np.mgrid[-r : r + 1, -r : r + 1]) <= r
    padded = np.pad(mask, r + 1)
    closed = ndimage.binary_closing(padded, structure=disk)[r + 1 : -r - 1, r + 1 : -r - 1] | mask
    filled = ndimage.binary_fill_holes(closed)
    labels, n = ndimage.label(filled)
    polys, small = [], 0
    for k in range(1, n + 1):
        comp = labels == k
        if comp.sum() < MIN_PIXELS:
            small += 1
            continue
        contour = max(find_contours(np.pad(comp, 1).astype(np.float32), 0.5), key=len)[:-1]
        pts = np.stack([contour[:, 1] - 1, contour[:, 0] - 1], 1)
        n_vert = int(np.clip(len(pts) // 4, 8, MAX_VERTICES))
        polys.append(simplify_polygon(pts, n_vert, min_area=0.25).astype(np.float32))
    if small:
        warnings.append(f"{small} tiny {PART_BY_ID[pid].name} stroke(s) (< {MIN_PIXELS} px) were ignored.")
    return polys


def _inside(poly: np.ndarray, x: float, y: float) -> bool:
    """Even-odd ray casting."""
    xa, ya = poly[:, 0], poly[:, 1]
    xb, yb = np.roll(xa, -1), np.roll(ya, -1)
    cross = (ya > y) != (yb > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = xa + (y - ya) * (xb - xa) / (yb - ya)
    return bool(np.count_nonzero(cross & (x < xi)) % 2)


def _apply_drags(
    polygons: dict[int, list[np.ndarray]], drags: Sequence, height: int, width: int, warnings: list[str]
) -> list[Drag]:
    out = []
    for d in drags:
        (x0, y0), (x1, y1) = (tuple(map(float, d[0])), tuple(map(float, d[1])))
        hit = None
        best = 10.0  # px: a drag may start up to 10 px outside a part
        for pid, polys in polygons.items():
            for i, poly in enumerate(polys):
                if _inside(poly, x0, y0):
                    dist = -1.0
                else:
                    dist = float(np.min(np.hypot(poly[:, 0] - x0, poly[:, 1] - y0)))
                if dist < best:
                    best, hit = dist, (pid, i)
        if hit is None:
            warnings.append(f"The arrow from ({x0:.0f}, {y0:.0f}) does not start on a sketched part; it was ignored.")
            continue
        x1c, y1c = float(np.clip(x1, 0, width - 1)), float(np.clip(y1, 0, height - 1))
        if (x1c, y1c) != (x1, y1):
            warnings.append(f"The arrow to ({x1:.0f}, {y1:.0f}) ends outside the image; it was clipped to the border.")
        pid, i = hit
        polygons[pid][i] = (polygons[pid][i] + np.array([x1c - x0, y1c - y0], np.float32)).astype(np.float32)
        out.append(Drag(pid, (x0, y0), (x1c, y1c)))
    return out


def parse_sketch(
    sketch: np.ndarray,
    *,
    background: np.ndarray | None = None,
    drags: Sequence[tuple[tuple[float, float], tuple[float, float]]] | None = None,
) -> SketchResult:
    """(H, W, 3|4) uint8 strokes → :class:`SketchResult` (see the module docstring for the rules).

    ``background``: the (H, W, 3) image the sketch was drawn on (RGB sketches only need it).
    ``drags``: arrows ``((x0, y0), (x1, y1))`` in sketch pixels; each moves the part polygon it starts on.
    """
    sketch, bg = _check(sketch, background)
    H, W = sketch.shape[:2]
    drawn = _drawn(sketch, bg)
    if not drawn.any():
        raise SketchError("The sketch is empty: paint the target pose with the part colours, or clear it.")
    table = color_table()[1:].astype(np.float32)  # (P, 3) for ids 1..P
    rgb = sketch[drawn][:, :3].astype(np.int32)
    packed = (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
    colours, inverse = np.unique(packed, return_inverse=True)  # classify each distinct colour once
    crgb = np.stack([colours >> 16, (colours >> 8) & 255, colours & 255], 1).astype(np.float32)
    dist = np.linalg.norm(crgb[:, None, :] - table[None], axis=-1)
    nearest = dist.argmin(1)
    cid = np.where(dist[np.arange(len(crgb)), nearest] <= COLOR_TOLERANCE, nearest + 1, 0)
    ok = cid[inverse.ravel()] > 0
    ids = np.zeros((H, W), np.int16)
    ids[drawn] = cid[inverse.ravel()]
    warnings: list[str] = []
    off = np.zeros((H, W), bool)
    off[drawn] = ~ok
    if off.any():
        from scipy import ndimage

        near_stroke = ndimage.binary_dilation(ids > 0, iterations=2)
        stray = off & ~near_stroke
        if stray.sum() > MIN_PIXELS:
            common = Counter(map(tuple, sketch[stray][:, :3].tolist())).most_common(3)
            names = ", ".join("#{:02x}{:02x}{:02x}".format(*c) for c, _ in common)
            warnings.append(f"{int(stray.sum())} sketch pixels are not in the part palette (e.g. {names}) and "
                            f"were ignored; paint with the palette colours (tolerance {COLOR_TOLERANCE:.0f}).")  # fmt: skip
    if not (ids > 0).any():
        raise SketchError("Nothing in the sketch uses the part colours; paint with the palette colours "
                          "(head, torso, arms, legs, …) shown in the legend.")  # fmt: skip
    polygons: dict[int, list[np.ndarray]] = {}
    for pid in range(1, NUM_PARTS + 1):
        mask = ids == pid
        if mask.any():
            polys = _outline_polygons(mask, pid, warnings)
            if polys:
                polygons[pid] = polys
    if not polygons:
        raise SketchError(f"Every stroke in the sketch is tiny (< {MIN_PIXELS} px); draw the parts larger.")
    moved = _apply_drags(polygons, drags, H, W, warnings) if drags else []
    return SketchResult(polygons, H, W, warnings, moved)
