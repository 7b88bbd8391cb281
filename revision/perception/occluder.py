"""What hides a person found by the upright re-look, and what is him: his mask and ``hidden`` from Pose's mask.

:meth:`~revision.perception.multi_person.MultiPersonPose._seen_part` gives the part of Pose's whole-body mask
(``whole``, which paints the hidden body too) that the selfie segmenter and the colours call him (``seen``).
The rest of ``whole`` is not all an occluder in front of him: Pose's mask also spills over the background
beside him (vtest's man behind the sign: part of a cone standing behind him, right of his head), and ``seen``
holds background the segmenter took for him (a lamp pole crossing his shoulders) and misses some of his own
pixels (his dark sleeve where the segmenter's edge runs short). :func:`split_occluded` sorts it out by the
pixels' colour regions (connected pixels within ``tolerance`` of a seed's Lab colour, a fixed-range flood
fill over a box around ``whole``):

1. **background through him**: a pixel of ``seen`` whose colour region lies mostly outside ``whole`` (the pole
   runs on above his head) is not him;
2. **his own colours**: a colour region that starts beside ``seen`` outside it, reaches into it, lies mostly
   inside ``whole`` and whose mean colour is nearer his own (k-means centres of ``seen`` after step 1) than
   the colours of the rest of ``whole``, is him (his sleeve's foot);
3. **the occluder in front of him** (``hidden`` with ``MultiPersonConfig.relook_hidden="occluder"``): the
   colour regions under his hips and knees (Pose's landmarks: the core of the body an occluder hides; its head
   and wrists are read at the mask's edge, on vtest its "hand" lay on the cone), grown 1 px into ``whole`` (the
   blends at a board's border) with the pixels they enclose (its lettering), and the step-1 pixels that lie
   between pixels of his in their row or column (a pole in front of him); only within ``whole``;
4. **the occluder's colours in his mask**: a colour region beside the occluder that lies more on it than on
   him goes to it (the board's white border the segmenter gave him).

The rest of ``whole`` (Pose's spill beside him) is neither. :func:`rejoin` puts back the parts of his mask the
occluder cut off the part that holds his landmarks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

L_HIP, R_HIP, L_KNEE, R_KNEE = 23, 24, 25, 26


@dataclass
class OccluderConfig:
    tolerance: tuple[int, int, int] = (24, 10, 10)  # a colour region: within this of its seed (8-bit Lab)
    margin: float = 0.5  # the box the regions grow in: whole's box grown by margin × √area on each side
    min_outside: float = 0.02  # step 1: the region's pixels outside whole ≥ those inside and ≥ this × area
    between: float = 0.25  # step 3: his pixels on both sides within this × √area (row or column)


def colour_region(lab: np.ndarray, seed: tuple[int, int], tolerance: tuple[int, int, int],
                  blocked: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """(h, w, 3) uint8 Lab, seed (x, y) → (h, w) bool: the 4-connected pixels within ``tolerance`` of the
    seed's colour (per channel), not crossing ``blocked``."""
    import cv2

    ff = np.zeros((lab.shape[0] + 2, lab.shape[1] + 2), np.uint8)
    if blocked is not None:
        ff[1:-1, 1:-1][blocked] = 1
    flags = 4 | cv2.FLOODFILL_FIXED_RANGE | cv2.FLOODFILL_MASK_ONLY | (2 << 8)
    cv2.floodFill(lab, ff, seed, 0, tolerance, tolerance, flags)
    return ff[1:-1, 1:-1] == 2


def fill_holes(m: np.ndarray) -> np.ndarray:
    """``m`` with the regions it encloses (not 4-connected to the border through ~m) filled in."""
    import cv2

    n, lab = cv2.connectedComponents((~m).astype(np.uint8), connectivity=4)
    border = set(np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))) - {0}
    return m | ((lab > 0) & ~np.isin(lab, list(border)))


def between(inner: np.ndarray, cand: np.ndarray, reach: int) -> np.ndarray:
    """Pixels of ``cand`` with a pixel of ``inner`` on both sides in their row or in their column, each within
    ``reach`` px across ``cand`` pixels only."""
    out = np.zeros_like(cand)
    for a, b in ((inner, cand), (inner.T, cand.T)):
        idx = np.broadcast_to(np.arange(b.shape[1]), b.shape)
        left = np.maximum.accumulate(np.where(b, -1, idx), axis=1)  # the last non-cand pixel at or before
        right = np.minimum.accumulate(np.where(b, b.shape[1], idx)[:, ::-1], axis=1)[:, ::-1]
        rows = np.broadcast_to(np.arange(b.shape[0])[:, None], b.shape)
        ok_l = (left >= 0) & (idx - left <= reach)
        ok_r = (right < b.shape[1]) & (right - idx <= reach)
        ok_l &= a[rows, np.clip(left, 0, b.shape[1] - 1)]
        ok_r &= a[rows, np.clip(right, 0, b.shape[1] - 1)]
        both = b & ok_l & ok_r
        out |= both if a is inner else both.T
    return out


def split_occluded(
    frame: np.ndarray, whole: np.ndarray, seen: np.ndarray, keypoints2d: np.ndarray,
    config: OccluderConfig | None = None,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(H, W, 3) uint8 RGB, Pose's whole-body mask, the part ``seen`` of it that is him, (33, 3) landmarks →
    (mask, hidden), both (H, W) bool within ``whole``, disjoint (module doc)."""
    import cv2

    from revision.perception.multi_person import colour_centres

    c = config or OccluderConfig()
    H, W = whole.shape
    area = int(whole.sum())
    root = float(np.sqrt(max(area, 1)))
    ys, xs = np.nonzero(whole)
    m = int(c.margin * root)
    x0, y0 = max(int(xs.min()) - m, 0), max(int(ys.min()) - m, 0)
    x1, y1 = min(int(xs.max()) + 1 + m, W), min(int(ys.max()) + 1 + m, H)
    lab = np.ascontiguousarray(cv2.cvtColor(np.ascontiguousarray(frame[y0:y1, x0:x1]), cv2.COLOR_RGB2LAB))
    wh, mine = whole[y0:y1, x0:x1], seen[y0:y1, x0:x1].copy()

    # 1. background through him: its colour region lies mostly outside whole
    through = np.zeros_like(mine)
    # two passes: the second counts the first's finds as outside (a pole's end at the tape it meets)
    for _ in range(2):
        found = through.copy()
        for y, x in zip(*np.nonzero(mine)):
            r = colour_region(lab, (int(x), int(y)), c.tolerance)
            if (r & (~wh | through)).sum() >= max((r & wh & ~through).sum(), c.min_outside * area):
                found[y, x] = True
        through = found
        mine &= ~through

    # 2. his own colours beyond the segmenter's edge: a colour region that reaches into what is his, lies mostly
    # inside whole, and whose colour is nearer his colours than the colours of the rest of whole
    rest = wh & ~mine & ~through
    if mine.sum() >= 16 and rest.sum() >= 16:
        f = lab.astype(np.float32)
        own = colour_centres(f[mine])
        todo = rest & (cv2.dilate(mine.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
        add = np.zeros_like(mine)
        while todo.any():
            y, x = (int(v[0]) for v in np.nonzero(todo))
            r = colour_region(lab, (x, y), c.tolerance)
            todo &= ~r
            todo[y, x] = False
            if not (r & mine).any() or (r & ~wh).sum() > (r & wh).sum() or (rest & ~r).sum() < 16:
                continue
            col = f[r & rest].mean(0)
            other = colour_centres(f[rest & ~r])
            if np.linalg.norm(own - col, axis=1).min() < np.linalg.norm(other - col, axis=1).min():
                add |= r & rest
        mine |= add

    # 3. the occluder in front of him: colour regions under his hips and knees, and a pole between his pixels
    front = np.zeros_like(mine)
    for j in (L_HIP, R_HIP, L_KNEE, R_KNEE):
        x, y = int(keypoints2d[j, 0]) - x0, int(keypoints2d[j, 1]) - y0
        if 0 <= x < x1 - x0 and 0 <= y < y1 - y0 and wh[y, x] and not mine[y, x] and not front[y, x]:
            front |= colour_region(lab, (x, y), c.tolerance, blocked=mine)
    if front.any():  # the blends at its colour edges (a cyan board's white border), the parts it encloses
        front |= (cv2.dilate(front.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & wh & ~mine
        front = fill_holes(front)
    front |= between(mine, through, max(1, int(c.between * root)))
    # 4. the occluder's colours in his mask (a board's white border the segmenter gave him): a colour region
    # beside the occluder that lies more on it than on him
    todo = mine & (cv2.dilate(front.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
    while todo.any():
        y, x = (int(v[0]) for v in np.nonzero(todo))
        r = colour_region(lab, (x, y), c.tolerance)
        todo &= ~r
        todo[y, x] = False
        if (r & front).sum() > (r & mine).sum():
            front |= r & mine
            mine &= ~r
    mask = np.zeros_like(whole)
    hidden = np.zeros_like(whole)
    mask[y0:y1, x0:x1] = mine
    hidden[y0:y1, x0:x1] = front & wh & ~mine
    return mask, hidden


def rejoin(split: np.ndarray, kept: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """The parts of ``split`` (his mask from :func:`split_occluded`) joined to ``kept`` (the parts that hold his
    landmarks) through ``hidden`` (a pole in front of his shoulder cuts his arm off), except parts the occluder
    encloses (no pixel beside them is neither his nor the occluder: its own texture read as him)."""
    import cv2

    _, comp = cv2.connectedComponents((split | hidden).astype(np.uint8), connectivity=8)
    joined = split & np.isin(comp, np.unique(comp[kept]))
    n, part = cv2.connectedComponents((joined & ~kept).astype(np.uint8), connectivity=8)
    out = kept.copy()
    known = (joined | hidden | kept).astype(np.uint8)
    for i in range(1, n):
        p = (part == i).astype(np.uint8)
        if (cv2.dilate(p, np.ones((3, 3), np.uint8)) > known).any():  # beside something else: open to view
            out |= p > 0
    return out
