"""The background plate's fill against known truth: person-shaped holes on person-free parts of real photos.

The animator removes the people it moves from the photo and fills the hole they leave
(``revision.animate.plate.background_plate``); what the fill draws is seen wherever a person walks away. Here
the truth is known: person silhouettes (the procedural world's ground-truth person masks, ``make_clip`` seeds
from 1,000,000, grown by the animator's margin, long side / 100) are pasted at random places inside
hand-picked person-free boxes of the real photos of ``benchmarks/photo_set.py`` (a road, a lawn, a crowd, a wall,
a flag, a sky; listed in :data:`BOXES`) and on the procedural world's frames away from their own person
(textured grounds: checker, stripes, noise), at the photos' own size (what the animator works at; none is over
1024 px). The hole is painted a dark person's colour (:data:`PERSON_RGB`), then each method fills the same
holes through ``background_plate`` (its working size and its foreign-sources step included) and is compared
with the true pixels inside the hole:

- **PSNR** (dB) and **SSIM** (scikit-image's SSIM map averaged over the hole's pixels), higher is better;
- **texture**: the fill's mean gradient magnitude (Sobel on grey) in the hole over the truth's; 1 = as busy as
  the truth, ≪ 1 = a smooth blur (what reads as a ghost once the person has gone), > 1 = too busy;
- **ghost ΔE**: the colour error at the silhouette's own scale: fill and truth blurred by a Gaussian of σ = the
  hole's inscribed radius / 2, CIE Lab ΔE (CIE76) between them averaged over the hole; a blob of the wrong
  colour (a person-shaped smudge) scores high, a right-coloured blur low;
- **time** per plate (ms, median) on the photo cases enlarged to a ``--time-side`` (1024) px long side with
  their holes, as the animator meets a 1024-px photo.

Medians over the cases, per set (photos, world) and per method; a method spec ``name@side`` runs ``name`` at
working size ``side`` (``background_plate``'s ``max_side``; default 512, the animator's ``inpaint_max_side``
until 2026-12-02, now 1024: ``fsr_fast@1024`` is the animator's default).

    python -m benchmarks.plate_bench [--cases 6] [--world 12] [--methods telea+pushpull fsr_fast ...]
    python -m benchmarks.plate_bench --methods fsr_best --cases 1 --world 2   # the slow one, on a few holes
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import numpy as np

# person-free boxes (y0, y1, x0, x1) in each photo's own pixels, holes are placed wholly inside them
BOXES: dict[str, tuple[tuple[int, int, int, int], ...]] = {
    "vtest_frame100": ((285, 570, 0, 768), (125, 240, 0, 330)),  # road + lawn + pole + tripod; parking, cones
    "messi5": ((0, 140, 370, 548), (265, 342, 0, 210), (0, 85, 0, 200)),  # crowd, grass, crowd
    "basketball1": ((20, 470, 205, 430),),  # wall, door frame, floor line
    "astronaut": ((0, 290, 310, 512), (0, 230, 0, 110)),  # backdrop + shuttle model, flag
    "cameraman": ((330, 510, 175, 510), (0, 250, 340, 512)),  # grass + tripod legs, sky + buildings
    "grace_hopper": ((0, 330, 0, 150), (0, 330, 370, 512)),  # flag, plain blue
}
DEFAULT_METHODS = ("telea+pushpull", "pushpull", "telea", "fsr_fast", "fsr_fast@1024", "shiftmap")
WORLD_SEED = 1_000_000


@dataclass
class Case:
    set: str  # "photos" | "world"
    name: str
    image: np.ndarray  # (H, W, 3) uint8, the truth
    hole: np.ndarray  # (H, W) bool


def person_silhouettes(n: int, size: int = 256) -> list[np.ndarray]:
    """``n`` tight (h, w) bool person masks: the world's ground-truth person at frames 0 and 4 of clips from
    seed :data:`WORLD_SEED` (clips without a whole person at least 40 px tall are skipped)."""
    from revision.synthetic.world import WorldConfig, make_clip

    out: list[np.ndarray] = []
    seed = WORLD_SEED
    while len(out) < n and seed < WORLD_SEED + 10 * n + 10:
        pid = make_clip(seed, WorldConfig(size=size, num_frames=8)).condition.part_ids
        seed += 1
        for f in (0, 4):
            m = (pid[f] > 0) & (pid[f] <= 15)
            if not m.any():
                continue
            ys, xs = np.nonzero(m)
            if ys.min() == 0 or xs.min() == 0 or ys.max() == size - 1 or xs.max() == size - 1:
                continue  # cut by the frame
            crop = m[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
            if crop.shape[0] >= 40 and len(out) < n:
                out.append(crop)
    return out


def _grow(mask: np.ndarray, px: int) -> np.ndarray:
    import cv2

    if px <= 0:
        return mask
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1, 2 * px + 1))
    return cv2.dilate(mask.astype(np.uint8), k) > 0


def _place(shape: tuple[int, int], sil: np.ndarray, box: tuple[int, int, int, int], height: float, margin: int,
           rng: np.random.Generator, forbidden: np.ndarray | None = None) -> np.ndarray | None:  # fmt: skip
    """The silhouette scaled to ``height`` × the box's height (narrowed to fit), grown by ``margin``, at a random
    place wholly inside the box (and off ``forbidden``); None if it does not fit."""
    import cv2

    y0, y1, x0, x1 = box
    bh, bw = y1 - y0 - 2 * margin - 2, x1 - x0 - 2 * margin - 2
    s = min(height * bh / sil.shape[0], bw / sil.shape[1])
    h, w = max(4, round(sil.shape[0] * s)), max(2, round(sil.shape[1] * s))
    if h > bh or w > bw or h < 8:
        return None
    m = cv2.resize(sil.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
    for _ in range(50):
        y = (
            int(rng.integers(y0 + margin + 1, y1 - margin - h))
            if y1 - margin - h > y0 + margin + 1
            else y0 + margin
        )
        x = (
            int(rng.integers(x0 + margin + 1, x1 - margin - w))
            if x1 - margin - w > x0 + margin + 1
            else x0 + margin
        )
        hole = np.zeros(shape, bool)
        hole[y : y + h, x : x + w] = m
        hole = _grow(hole, margin)
        if forbidden is None or not (hole & forbidden).any():
            return hole
    return None


def photo_cases(per_box: int, sils: list[np.ndarray], seed: int = 0) -> list[Case]:
    """``per_box`` holes per box of :data:`BOXES` (silhouettes 55-90 % of the box's height)."""
    from benchmarks.photo_set import photo

    rng = np.random.default_rng(seed)
    cases = []
    for name, boxes in BOXES.items():
        img = photo(name).load()
        margin = max(1, round(max(img.shape[:2]) / 100))  # the animator's plate_dilate_for
        for b, box in enumerate(boxes):
            for k in range(per_box):
                sil = sils[int(rng.integers(len(sils)))]
                hole = _place(img.shape[:2], sil, box, float(rng.uniform(0.55, 0.9)), margin, rng)
                if hole is not None:
                    cases.append(Case("photos", f"{name}/{b}/{k}", img, hole))
    return cases


def world_cases(n: int, sils: list[np.ndarray], size: int = 256, seed: int = 0,
                height: tuple[float, float] = (0.35, 0.6)) -> list[Case]:  # fmt: skip
    """``n`` world frames (frame 0 of clips from seed :data:`WORLD_SEED` + 500) with a silhouette of ``height``
    (35-60 %) of the frame's height placed off the clip's own person (grown by 6 px) and off the frame's border."""
    from revision.synthetic.world import WorldConfig, make_clip

    rng = np.random.default_rng(seed)
    cases = []
    s = WORLD_SEED + 500
    while len(cases) < n and s < WORLD_SEED + 500 + 5 * n + 10:
        clip = make_clip(s, WorldConfig(size=size, num_frames=8))
        s += 1
        own = _grow((clip.condition.part_ids[0] > 0), 6)
        sil = sils[int(rng.integers(len(sils)))]
        hole = _place((size, size), sil, (0, size, 0, size), float(rng.uniform(*height)),
                      max(1, round(size / 100)), rng, own)  # fmt: skip
        if hole is not None:
            cases.append(Case("world", f"world/{s - 1}", np.ascontiguousarray(clip.frames[0]), hole))
    return cases


def _grad(img: np.ndarray) -> np.ndarray:
    import cv2

    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3))


def score(fill: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> dict[str, float]:
    """PSNR, SSIM, texture ratio and ghost ΔE of ``fill`` against ``truth`` inside ``hole`` (module doc)."""
    import cv2
    from skimage.metrics import structural_similarity

    d = fill.astype(np.float64)[hole] - truth.astype(np.float64)[hole]
    psnr = float(10 * np.log10(255.0**2 / max(float((d**2).mean()), 1e-10)))
    _, smap = structural_similarity(fill, truth, channel_axis=-1, data_range=255, full=True)
    ssim = float(smap.mean(-1)[hole].mean())
    gt = float(_grad(truth)[hole].mean())
    texture = float(_grad(fill)[hole].mean() / max(gt, 1e-6))
    r = float(cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 5).max())
    sigma = max(1.0, r / 2)

    def lab(x: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(cv2.GaussianBlur(x.astype(np.float32) / 255.0, (0, 0), sigma), cv2.COLOR_RGB2LAB)

    ghost = float(np.linalg.norm(lab(fill) - lab(truth), axis=-1)[hole].mean())
    return {"psnr": psnr, "ssim": ssim, "texture": texture, "ghost": ghost}


def parse_method(spec: str) -> tuple[str, int]:
    """ "name" or "name@side" → (method, working size)."""
    name, _, side = spec.partition("@")
    return name, int(side) if side else 512


PERSON_RGB = (35, 32, 30)  # what the hole holds when it is filled: a dark-clothed person, not the truth


def run_method(spec: str, image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """The plate of ``image`` with ``hole`` painted :data:`PERSON_RGB` first: at the working size a pixel partly in
    the hole mixes the person's colour in, as it does in the animator (the truth must not leak into the fill)."""
    from revision.animate.plate import background_plate

    name, side = parse_method(spec)
    src = np.where(hole[..., None], np.array(PERSON_RGB, np.uint8), image)
    return background_plate(src, hole, method=name, max_side=side)


def timed_cases(cases: list[Case], side: int, per_photo: int = 1) -> list[Case]:
    """The first ``per_photo`` photo case(s) of each photo, enlarged to a ``side``-px long side (holes with them)."""
    import cv2

    out, seen = [], {}
    for c in cases:
        if c.set != "photos":
            continue
        p = c.name.split("/")[0]
        if seen.get(p, 0) >= per_photo:
            continue
        seen[p] = seen.get(p, 0) + 1
        H, W = c.hole.shape
        s = side / max(H, W)
        w, h = round(W * s), round(H * s)
        img = cv2.resize(c.image, (w, h), interpolation=cv2.INTER_CUBIC)
        hole = cv2.resize(c.hole.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
        out.append(Case("timed", c.name, img, hole))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--cases", type=int, default=6, help="holes per person-free box of each photo (default 6)"
    )
    ap.add_argument("--world", type=int, default=12, help="procedural-world frames with a hole (default 12)")
    ap.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS),
                    help="fill methods, 'name' or 'name@working_side' (default: %(default)s)")  # fmt: skip
    ap.add_argument(
        "--time-side", type=int, default=1024, help="long side of the timed photos (default 1024)"
    )
    ap.add_argument(
        "--time-per-photo", type=int, default=1, help="timed holes per photo (default 1; 0 = no timing)"
    )
    ap.add_argument("--world-height", type=float, nargs=2, default=(0.35, 0.6),
                    help="world silhouettes' height range, fraction of the frame (default 0.35 0.6)")  # fmt: skip
    ap.add_argument("--world-size", type=int, default=256, help="world frame side in px (default 256)")
    ap.add_argument("--seed", type=int, default=0, help="placement seed (default 0)")
    ap.add_argument("--save", default=None, help="folder to write each case's fills side by side (PNG)")
    args = ap.parse_args(argv)

    sils = person_silhouettes(12)
    cases = photo_cases(args.cases, sils, args.seed) + world_cases(
        args.world, sils, args.world_size, args.seed, tuple(args.world_height)
    )
    timed = timed_cases(cases, args.time_side, args.time_per_photo) if args.time_per_photo > 0 else []
    sets = sorted({c.set for c in cases}, key=["photos", "world"].index)
    holes = {st: [int(c.hole.sum()) for c in cases if c.set == st] for st in sets}
    print(f"plate fill vs truth: {len(cases)} person-shaped holes ("
          + ", ".join(f"{st}: {len(h)}, median {int(np.median(h))} px" for st, h in holes.items())
          + f"); time on {len(timed)} photo holes at {args.time_side} px (median hole "
          + f"{int(np.median([c.hole.sum() for c in timed])) if timed else 0} px)")  # fmt: skip
    rows: dict[str, dict[str, dict[str, float]]] = {}
    times: dict[str, float] = {}
    for spec in args.methods:
        per: dict[str, list[dict[str, float]]] = {st: [] for st in sets}
        for c in cases:
            fill = run_method(spec, c.image, c.hole)
            if not np.array_equal(fill[~c.hole], c.image[~c.hole]):
                raise AssertionError(f"{spec} changed pixels outside the hole on {c.name}")
            per[c.set].append(score(fill, c.image, c.hole))
            if args.save:
                _save(args.save, spec, c, fill)
        rows[spec] = {
            st: {k: float(np.median([r[k] for r in v])) for k in v[0]} for st, v in per.items() if v
        }
        ts = []
        for c in timed:
            t = time.perf_counter()
            run_method(spec, c.image, c.hole)
            ts.append(time.perf_counter() - t)
        times[spec] = float(np.median(ts)) * 1e3 if ts else float("nan")
        print(f"  ... {spec} done", file=sys.stderr)
    head = f"  {'method':<20}" + "".join(f" | {st + ': PSNR  SSIM  texture ghostΔE':<38}" for st in sets)
    print(head + f" | {'ms/plate @' + str(args.time_side):>15}")
    for spec, r in rows.items():
        line = f"  {spec:<20}"
        for st in sets:
            m = r[st]
            line += f" | {m['psnr']:12.2f} {m['ssim']:5.3f} {m['texture']:8.2f} {m['ghost']:8.2f} "
        print(line + f" | {times[spec]:15.0f}")
    print(
        "  (medians over the holes; texture: the fill's gradient energy over the truth's, 1 = as busy;"
        " ghost ΔE: Lab error after a blur at the silhouette's scale, lower is better)"
    )
    return 0


def _save(folder: str, spec: str, c: Case, fill: np.ndarray) -> None:
    from pathlib import Path

    import PIL.Image

    ys, xs = np.nonzero(c.hole)
    m = 10
    y0, y1 = max(0, ys.min() - m), min(c.hole.shape[0], ys.max() + 1 + m)
    x0, x1 = max(0, xs.min() - m), min(c.hole.shape[1], xs.max() + 1 + m)
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    stem = c.name.replace("/", "_")
    if not (d / f"{stem}_truth.png").exists():
        PIL.Image.fromarray(c.image[y0:y1, x0:x1]).save(d / f"{stem}_truth.png")
    PIL.Image.fromarray(fill[y0:y1, x0:x1]).save(d / f"{stem}_{spec.replace('@', '_')}.png")


if __name__ == "__main__":
    raise SystemExit(main())
