"""The object a prompt names, found on a photo offline: shape + colour cues, the user's box/stroke, the sketch.

:func:`find_objects` returns, for a photo, the objects the prompt names ("he kicks the ball" → a ball),
best first, each a :class:`FoundObject` (mask, box, score, how it was found). In order of trust:

1. **the user's marks** (:class:`ObjectHint`): a box (``x0, y0, x1, y1``) → GrabCut inside it (a round noun:
   within the box's inscribed disk, or the disk itself when that cut is not round or under 20 % of it); a stroke
   (``(N, 2)`` x, y points drawn over the object) → GrabCut with the stroke as sure foreground, its box as
   probable foreground, the box grown by max(16 px, its size) as probable background; the sketch's object colour (:mod:`revision.palette` part ``object``) works like a
   stroke where it covers an object candidate;
2. **automatic**, one noun at a time: candidates are (a) circles from the Hough transform (round nouns:
   ball, balloon, ...) and (b) blobs whose colour differs from their surroundings (Lab distance to a
   large median blur), people's masks excluded. Each candidate is grown from its core colour into a mask
   and scored by colour contrast with its ring, shape (circularity for round nouns; solidity otherwise)
   and how well its size matches the noun's size prior (:data:`NOUN_SIZES`, scaled by the people in the
   photo: a 1.7 m person of ``h`` px makes a 0.22 m ball ``0.22 / 1.7 h`` px across).

:func:`place_object_points` places a lifted object in 3D: on the ground plane (the geometric depth prior
gives object masks the ground's depth at their lowest row) when that agrees with its size prior within 2×,
else at the size prior's depth (``fx · size / pixels``). :class:`PhotoObjects` is the
:class:`~revision.perception.base.ObjectDetector` the photo path uses, so ``extract_motion`` lifts the
found object to a labelled 21-point track. No weights, OpenCV only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from revision.perception.base import mask_to_box
from revision.perception.objects import _cv2, grabcut_mask
from revision.types import Camera, Detection

# noun → (typical size in metres: diameter / longest side, round?); plural "s" and "es" are matched too
NOUN_SIZES: dict[str, tuple[float, bool]] = {
    "ball": (0.22, True), "football": (0.22, True), "soccer ball": (0.22, True), "basketball": (0.24, True),
    "volleyball": (0.21, True), "tennis ball": (0.067, True), "beach ball": (0.4, True), "balloon": (0.3, True),
    "apple": (0.08, True), "orange": (0.08, True), "cup": (0.1, False), "mug": (0.1, False),
    "bottle": (0.25, False), "can": (0.12, False), "box": (0.4, False), "bag": (0.4, False),
    "backpack": (0.45, False), "suitcase": (0.6, False), "book": (0.25, False), "phone": (0.15, False),
    "hat": (0.3, False), "frisbee": (0.27, False), "toy": (0.2, False), "stone": (0.2, False),
    "rock": (0.3, False), "chair": (0.9, False), "umbrella": (0.9, False), "stick": (0.8, False),
    "object": (0.3, False),
}  # fmt: skip
PERSON_HEIGHT_M = 1.7


@dataclass
class ObjectHint:
    """The user's correction: a ``box`` (x0, y0, x1, y1) or a ``stroke`` ((N, 2) x, y points over the object),
    in the photo's pixels; ``label`` names it (default: the prompt's noun, else "object")."""

    box: tuple[float, float, float, float] | None = None
    stroke: np.ndarray | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        if (self.box is None) == (self.stroke is None):
            raise ValueError("ObjectHint needs exactly one of box= or stroke=")
        if self.box is not None:
            b = tuple(float(v) for v in self.box)
            if len(b) != 4 or not (b[2] > b[0] and b[3] > b[1]):
                raise ValueError(f"object box must be x0,y0,x1,y1 with x1 > x0 and y1 > y0, got {self.box}")
            self.box = b  # type: ignore[assignment]
        else:
            s = np.asarray(self.stroke, np.float32).reshape(-1, 2)
            if len(s) == 0:
                raise ValueError("object stroke has no points")
            self.stroke = s

    def scaled(self, sx: float, sy: float) -> ObjectHint:
        """The same mark on the photo resized by (sx, sy)."""
        if self.box is not None:
            x0, y0, x1, y1 = self.box
            return ObjectHint(box=(x0 * sx, y0 * sy, x1 * sx, y1 * sy), label=self.label)
        return ObjectHint(stroke=self.stroke * np.array([sx, sy], np.float32), label=self.label)

    def as_dict(self) -> dict:
        """JSON-ready (run.json)."""
        if self.box is not None:
            return {"box": [round(v, 1) for v in self.box], "label": self.label}
        return {"stroke": np.round(self.stroke, 1).tolist(), "label": self.label}


@dataclass
class FoundObject:
    label: str  # the noun ("ball")
    mask: np.ndarray  # (H, W) bool
    box: np.ndarray  # (4,) x0, y0, x1, y1
    score: float  # 0..1
    how: str  # "user box" | "user stroke" | "sketch (object colour)" | "circle + colour" | "colour blob"
    cues: dict[str, float] = field(default_factory=dict)  # contrast, circularity, size ratio, ...

    @property
    def centre(self) -> np.ndarray:
        ys, xs = np.nonzero(self.mask)
        return np.array([xs.mean(), ys.mean()], np.float32)

    @property
    def diameter_px(self) -> float:
        return float(2.0 * np.sqrt(self.mask.sum() / np.pi))


@dataclass(frozen=True)
class PhotoObjectsConfig:
    work_side: int = 640  # automatic search on the photo resized to this long side (never upscaled)
    min_score: float = 0.15  # automatic candidates below this are not objects
    size_range: tuple[float, float] = (0.35, 2.8)  # accepted pixel size / prior size
    people_margin: int = 3  # px (work size) people's masks are grown by before excluding
    max_people_overlap: float = 0.3  # a candidate more than this inside a person is part of them


def object_nouns(prompt: str) -> list[str]:
    """The nouns of :data:`NOUN_SIZES` in ``prompt`` (longest match first, e.g. "tennis ball" before "ball")."""
    p = prompt.lower()
    found: list[str] = []
    for noun in sorted(NOUN_SIZES, key=len, reverse=True):
        if noun == "object":
            continue
        if re.search(r"\b" + re.escape(noun) + r"(s|es)?\b", p) and not any(noun in f for f in found):
            found.append(noun)
    return found


def person_height_px(people: list[np.ndarray]) -> float | None:
    """Box height of the tallest person's mask (pixels; the main actor), or None."""
    hs = [float(np.ptp(np.nonzero(m.any(1))[0]) + 1) for m in people if m is not None and m.any()]
    return max(hs) if hs else None


def _lab(img: np.ndarray) -> np.ndarray:
    cv2 = _cv2()
    return cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_RGB2LAB).astype(np.float32)


def _from_seed(lab: np.ndarray, cx: float, cy: float, r: float, allowed: np.ndarray) -> np.ndarray | None:
    """Grow a mask from the core colour of the disk (cx, cy, r): pixels within 1.3 r whose Lab distance to
    the core is below an Otsu split of the window's distances, the component holding the centre."""
    cv2 = _cv2()
    h, w = allowed.shape
    x0, y0 = max(0, int(cx - 1.8 * r)), max(0, int(cy - 1.8 * r))
    x1, y1 = min(w, int(cx + 1.8 * r) + 1), min(h, int(cy + 1.8 * r) + 1)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    win = lab[y0:y1, x0:x1]
    yy, xx = np.mgrid[y0:y1, x0:x1]
    d2 = (xx - cx) ** 2 + (yy - cy) ** 2
    core = d2 <= (0.5 * r) ** 2
    if core.sum() < 3:
        return None
    ref = np.median(win[core], 0)
    dist = np.linalg.norm(win - ref, axis=-1)
    u8 = np.clip(dist / max(float(dist.max()), 1e-3) * 255, 0, 255).astype(np.uint8)
    thr, _ = cv2.threshold(u8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    fg = (u8 <= max(thr, 20)) & (d2 <= (1.3 * r) ** 2) & allowed[y0:y1, x0:x1]
    fg = cv2.morphologyEx(fg.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    n, labels = cv2.connectedComponents(fg)
    c = labels[int(np.clip(cy - y0, 0, y1 - y0 - 1)), int(np.clip(cx - x0, 0, x1 - x0 - 1))]
    if c == 0:
        return None
    out = np.zeros((h, w), bool)
    out[y0:y1, x0:x1] = labels == c
    return out


def _shape_cues(lab: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    cv2 = _cv2()
    m8 = mask.astype(np.uint8)
    contours, _ = cv2.findContours(m8, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    c = max(contours, key=cv2.contourArea)
    area, perim = float(cv2.contourArea(c)), float(cv2.arcLength(c, True))
    hull = float(cv2.contourArea(cv2.convexHull(c)))
    (_, _), rad = cv2.minEnclosingCircle(c)
    r_eq = np.sqrt(max(area, 1.0) / np.pi)
    ring = cv2.dilate(m8, np.ones((3, 3), np.uint8), iterations=max(2, int(0.4 * r_eq))).astype(bool) & ~mask
    contrast = float(np.linalg.norm(np.median(lab[mask], 0) - np.median(lab[ring], 0))) if ring.any() else 0.0
    return {
        "circularity": float(min(1.0, 4 * np.pi * area / max(perim, 1.0) ** 2)),
        "fill": float(min(1.0, area / max(np.pi * rad**2, 1.0))),
        "solidity": float(area / max(hull, 1.0)),
        "contrast": contrast,
        "diameter_px": float(2 * r_eq),
    }


def _candidates(small: np.ndarray, lab: np.ndarray, r_exp: float, round_: bool, allowed: np.ndarray):
    """(cx, cy, r, source) seeds: Hough circles (round nouns) and colour blobs distinct from their surroundings."""
    cv2 = _cv2()
    h, w = allowed.shape
    seeds: list[tuple[float, float, float, str]] = []
    if round_:
        grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (0, 0), 1.5)
        lo, hi = max(3, int(0.4 * r_exp)), max(6, int(2.5 * r_exp))
        circles = cv2.HoughCircles(grey, cv2.HOUGH_GRADIENT, dp=1.2, minDist=max(4, lo), param1=100, param2=18,
                                   minRadius=lo, maxRadius=hi)  # fmt: skip
        if circles is not None:
            for cx, cy, r in circles[0][:40]:
                seeds.append((float(cx), float(cy), float(r), "circle"))
    k = int(max(9, 4 * r_exp)) | 1
    bg = cv2.medianBlur(np.ascontiguousarray(small), min(k, 255) if min(k, 255) % 2 else min(k, 255) - 1)
    dist = np.linalg.norm(lab - _lab(bg), axis=-1)
    dist[~allowed] = 0
    thr = max(25.0, float(np.percentile(dist[allowed], 97))) if allowed.any() else 25.0
    fg = cv2.morphologyEx((dist > thr).astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    n, _, stats, cents = cv2.connectedComponentsWithStats(fg)
    for i in range(1, n):
        a = stats[i, cv2.CC_STAT_AREA]
        r = np.sqrt(a / np.pi)
        if 0.3 * r_exp <= r <= 3.0 * r_exp:
            seeds.append((float(cents[i][0]), float(cents[i][1]), float(max(r, 2.0)), "blob"))
    return seeds


def _circle_cues(lab: np.ndarray, edges: np.ndarray, cx: float, cy: float, r: float,
                 people: np.ndarray | None = None) -> dict[str, float]:  # fmt: skip
    """Disk (cx, cy, r) against its ring (1.2 r .. 1.7 r; without ``people``'s pixels when a quarter of it is
    left: an object held in front of a person stands out from the background, not from the holder): share
    of disk pixels whose colour differs from the ring's median (> 20 Lab), and the share of the circle's
    outline on an edge (Canny, ±2 px)."""
    h, w = edges.shape
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)
    disk, ring = d <= r, (d >= 1.2 * r) & (d <= 1.7 * r)
    if people is not None and (ring & ~people).sum() >= 0.25 * ring.sum():
        ring &= ~people
    if disk.sum() < 9 or ring.sum() < 9:
        return {"distinct": 0.0, "edge_support": 0.0}
    distinct = float((np.linalg.norm(lab[disk] - np.median(lab[ring], 0), axis=-1) > 20).mean())
    a = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    px, py = np.round(cx + r * np.cos(a)).astype(int), np.round(cy + r * np.sin(a)).astype(int)
    inside = (px >= 0) & (px < w) & (py >= 0) & (py < h)
    near = np.zeros(64, bool)
    for ox in range(-2, 3):
        for oy in range(-2, 3):
            near |= edges[np.clip(py + oy, 0, h - 1), np.clip(px + ox, 0, w - 1)] > 0
    hit = float((near & inside).mean())
    return {"distinct": distinct, "edge_support": hit}


def _auto(photo: np.ndarray, noun: str, people: np.ndarray, person_h: float | None,
          cfg: PhotoObjectsConfig) -> list[FoundObject]:  # fmt: skip
    cv2 = _cv2()
    H, W = photo.shape[:2]
    s = min(1.0, cfg.work_side / max(H, W))
    small = cv2.resize(photo, (round(W * s), round(H * s)), interpolation=cv2.INTER_AREA) if s < 1 else photo
    h, w = small.shape[:2]
    size_m, round_ = NOUN_SIZES.get(noun, NOUN_SIZES["object"])
    d_exp = (size_m / PERSON_HEIGHT_M * person_h * s) if person_h else 0.08 * min(h, w)
    ppl = cv2.resize(people.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
    ppl = cv2.dilate(ppl, np.ones((2 * cfg.people_margin + 1,) * 2, np.uint8)).astype(bool)
    gap = cv2.distanceTransform((~ppl).astype(np.uint8), cv2.DIST_L2, 5) if ppl.any() else None
    lab = _lab(small)
    edges = cv2.Canny(cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (0, 0), 1.0), 50, 120)
    yy, xx = np.mgrid[0:h, 0:w]
    everywhere = np.ones((h, w), bool)
    out: list[FoundObject] = []
    for cx, cy, r, src in _candidates(small, lab, 0.5 * d_exp, round_, everywhere):
        if src == "circle":
            mask = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
            cc = _circle_cues(lab, edges, cx, cy, r, ppl)
            look = cc["distinct"] * cc["edge_support"]
        else:
            mask = _from_seed(lab, cx, cy, r, everywhere)
            if mask is None or mask.sum() < 9:
                continue
            cc = {}
            look = 0.0
        over = float((mask & ppl).sum() / max(mask.sum(), 1))
        if over > 0.7:
            continue
        if (mask & ~ppl).sum() >= 0.5 * mask.sum():
            mask = mask & ~ppl
        cues = {**_shape_cues(lab, mask), **cc}
        if src != "circle":
            look = float(np.clip(cues["contrast"] / 60.0, 0, 1)) * (
                cues["circularity"] * cues["fill"] if round_ else cues["solidity"]
            )
        ratio = cues["diameter_px"] / max(d_exp, 1e-3)
        if not cfg.size_range[0] <= ratio <= cfg.size_range[1]:
            continue
        size_fit = float(np.exp(-0.5 * (np.log(ratio) / 0.5) ** 2))
        near = 1.0
        if gap is not None:  # the object a person acts on is near them
            g = float(gap[mask].min()) / s if mask.any() else 1e9
            near = float(np.exp(-0.5 * (g / (0.5 * person_h)) ** 2))
        score = look * size_fit * near * (1.0 - 0.5 * over)
        if score < cfg.min_score:
            continue
        full = cv2.resize(mask.astype(np.uint8), (W, H), interpolation=cv2.INTER_NEAREST).astype(bool)
        if not full.any():
            continue
        how = "circle + colour" if src == "circle" else "colour blob"
        out.append(FoundObject(noun, full, mask_to_box(full), score, how,
                               {**cues, "size_ratio": ratio, "people_overlap": over, "near_people": near}))  # fmt: skip
    kept: list[FoundObject] = []  # best first, no two on the same pixels
    for o in sorted(out, key=lambda o: -o.score):
        if not any((o.mask & k.mask).sum() > 0.3 * min(o.mask.sum(), k.mask.sum()) for k in kept):
            kept.append(o)
    return kept


def _circularity(mask: np.ndarray) -> float:
    """4π area / perimeter² of the mask's largest outline (1 for a disk)."""
    cv2 = _cv2()
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return 0.0
    c = max(contours, key=cv2.contourArea)
    return float(min(1.0, 4 * np.pi * cv2.contourArea(c) / max(cv2.arcLength(c, True), 1.0) ** 2))


def _stroke_mask(photo: np.ndarray, stroke: np.ndarray) -> np.ndarray:
    """GrabCut from a stroke drawn over an object: its pixels (grown 2 px) sure foreground, its box probable
    foreground, the box grown by max(16 px, its size) probable background, the rest background."""
    cv2 = _cv2()
    H, W = photo.shape[:2]
    pts = np.asarray(stroke, np.float32).reshape(-1, 2)
    x0, y0 = pts.min(0)
    x1, y1 = pts.max(0)
    pad = max(16.0, float(max(x1 - x0, y1 - y0)))
    gx0, gy0 = int(max(0, x0 - pad)), int(max(0, y0 - pad))
    gx1, gy1 = int(min(W, x1 + pad + 1)), int(min(H, y1 + pad + 1))
    gc = np.full((H, W), cv2.GC_BGD, np.uint8)
    gc[gy0:gy1, gx0:gx1] = cv2.GC_PR_BGD
    gc[int(y0) : int(y1) + 1, int(x0) : int(x1) + 1] = cv2.GC_PR_FGD
    line = np.zeros((H, W), np.uint8)
    cv2.polylines(line, [np.round(pts).astype(np.int32)], False, 1, thickness=5)
    line[
        np.clip(np.round(pts[:, 1]).astype(int), 0, H - 1), np.clip(np.round(pts[:, 0]).astype(int), 0, W - 1)
    ] = 1
    gc[line > 0] = cv2.GC_FGD
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(np.ascontiguousarray(photo[..., ::-1]), gc, None, bgd, fgd, 3, cv2.GC_INIT_WITH_MASK)
    except cv2.error:
        return line > 0
    return (gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)


def _from_hint(photo: np.ndarray, hint: ObjectHint, label: str, how: str | None = None) -> FoundObject:
    H, W = photo.shape[:2]
    name = hint.label or label
    if hint.box is not None:
        box = np.array(hint.box, np.float32)
        mask = grabcut_mask(photo, box)
        how = how or "user box"
        if NOUN_SIZES.get(name, NOUN_SIZES["object"])[1]:  # a round noun: the disk the box holds
            x0, y0, x1, y1 = box
            yy, xx = np.mgrid[0:H, 0:W]
            disk = ((xx + 0.5 - (x0 + x1) / 2) / max((x1 - x0) / 2, 1)) ** 2 + (
                (yy + 0.5 - (y0 + y1) / 2) / max((y1 - y0) / 2, 1)
            ) ** 2 <= 1
            cut = mask & disk
            # GrabCut found the round object when its cut is round and not tiny; else the disk itself
            mask = cut if cut.sum() > 0.2 * disk.sum() and _circularity(cut) > 0.75 else disk
            how += " (round: the box's disk)" if mask is disk else ""
    else:
        mask = _stroke_mask(photo, hint.stroke)
        how = how or "user stroke"
    return FoundObject(name, mask, mask_to_box(mask), 1.0, how)


def find_objects(
    photo: np.ndarray,
    *,
    prompt: str = "",
    people: list[np.ndarray] | None = None,
    hints: list[ObjectHint] | None = None,
    sketch_object: np.ndarray | None = None,
    config: PhotoObjectsConfig | None = None,
) -> list[FoundObject]:
    """Objects on ``photo`` (H, W, 3) uint8: the user's ``hints`` (each one object), the sketch's object-colour
    region ``sketch_object`` ((H, W) bool) where it covers a candidate, then the best automatic candidate of
    each noun the prompt names. ``people``: their (H, W) masks (excluded; their height scales the size prior).
    """
    cfg = config or PhotoObjectsConfig()
    H, W = photo.shape[:2]
    nouns = object_nouns(prompt)
    label = nouns[0] if nouns else "object"
    people = [m for m in (people or []) if m is not None]
    ppl = np.zeros((H, W), bool)
    for m in people:
        ppl |= m
    person_h = person_height_px(people)
    found = [_from_hint(photo, h, label) for h in (hints or [])]
    if found:
        return found
    autos = {
        n: _auto(photo, n, ppl, person_h, cfg)
        for n in (nouns or (["object"] if sketch_object is not None else []))
    }
    if sketch_object is not None and sketch_object.any():
        cands = [o for os_ in autos.values() for o in os_]
        hit = [o for o in cands if (o.mask & sketch_object).any()]
        if hit:
            best = max(hit, key=lambda o: o.score)
            return [FoundObject(best.label, best.mask, best.box, 1.0, "sketch (object colour) on a candidate",
                                best.cues)]  # fmt: skip
    return [os_[0] for os_ in autos.values() if os_]


def place_object_points(points: np.ndarray, label: str, camera: Camera) -> tuple[np.ndarray, str]:
    """A lifted object track's (F, 21, 3) camera-space points (lifted at the ground plane's depth) → the same
    points, rescaled about the camera centre (so they project to the same pixels) to the size prior's depth
    when the two disagree by more than 2× (an object off the ground: held, on a table), and how it was placed."""
    pts = np.asarray(points, np.float32)
    size_m, _ = NOUN_SIZES.get(label, NOUN_SIZES["object"])
    z = float(np.median(pts[0, :, 2]))
    box = pts[0, 16:20]
    extent = float(max(np.ptp(box[:, 0]), np.ptp(box[:, 1])))  # metres across at depth z
    if z <= 0 or extent <= 0:
        return pts, "kept as lifted (no depth)"
    z_size = z * size_m / extent  # the depth at which the object would be size_m across
    if 0.5 <= z / z_size <= 2.0:
        return pts, f"on the ground plane at {z:.2f} m (size prior {size_m:.2f} m agrees: {z_size:.2f} m)"
    return (pts * (z_size / z)).astype(np.float32), (
        f"at {z_size:.2f} m from its size prior {size_m:.2f} m (ground plane said {z:.2f} m: not on the ground)"
    )


class PhotoObjects:
    """:class:`~revision.perception.base.ObjectDetector` for the photo path: :func:`find_objects` on each frame
    (people's masks come as ``exclude``). ``last`` keeps the most recent :class:`FoundObject` list."""

    name = "photo objects (user box/stroke, sketch colour, circles + colour contrast + size prior)"

    def __init__(self, prompt: str = "", hints: list[ObjectHint] | None = None, sketch_object: np.ndarray | None = None,
                 config: PhotoObjectsConfig | None = None) -> None:  # fmt: skip
        self.prompt = prompt
        self.hints = list(hints or [])
        self.sketch_object = sketch_object
        self.config = config or PhotoObjectsConfig()
        self.nouns = object_nouns(prompt)
        self.last: list[FoundObject] = []

    def reset(self) -> None:
        self.last = []

    def detect(self, frame: np.ndarray, exclude: np.ndarray | None = None) -> list[Detection]:
        from scipy import ndimage

        people: list[np.ndarray] = []
        if exclude is not None and exclude.any():
            lab, n = ndimage.label(exclude)
            people = [lab == i for i in range(1, n + 1) if (lab == i).sum() > 0.002 * exclude.size]
        self.last = find_objects(frame, prompt=self.prompt, people=people, hints=self.hints,
                                 sketch_object=self.sketch_object, config=self.config)  # fmt: skip
        return [Detection("object", o.box, float(o.score), mask=o.mask, label=o.label) for o in self.last]
