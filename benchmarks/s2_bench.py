"""S2 speed (perception + lifting, no PPPM, no rendering) on a 16-frame 1024×576 clip, this CPU.

    python benchmarks/s2_bench.py [--frames 16] [--width 1024] [--height 576] [--repeats 2]

The clip is scikit-image's astronaut photo pasted into a 1024×576 frame and panned 6 px per frame
(a real person, so MediaPipe and the SMPL-X fit do real work). Backend construction (model loading)
is timed separately from S2 itself; the best of ``--repeats`` runs is reported with its stage split.
Target: ≤ 3 s (the paper's whole S2 takes 5 s on an A100).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing


def make_clip(frames: int, width: int, height: int):
    import cv2
    import skimage.data

    from revision.types import Clip

    img = cv2.resize(skimage.data.astronaut(), (height, height), interpolation=cv2.INTER_AREA)
    base = np.full((height, width, 3), 90, np.uint8)
    x0 = (width - height) // 2
    base[:, x0 : x0 + height] = img
    return Clip(np.stack([np.roll(base, 6 * i, axis=1) for i in range(frames)]), fps=7.0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--frames", type=int, default=16)
    p.add_argument("--width", type=int, default=1024)
    p.add_argument("--height", type=int, default=576)
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args()

    from revision.lifting import ExtractConfig, extract_motion
    from revision.lifting.extract import _default_skeleton
    from revision.perception import default_backends

    clip = make_clip(args.frames, args.width, args.height)
    t = time.perf_counter()
    backends = default_backends()
    skeleton, why = _default_skeleton()
    setup = time.perf_counter() - t
    print(f"setup (backends + body model, once per process): {setup:.2f} s")
    if why:
        print(f"note: {why}")
    best = None
    for r in range(args.repeats):
        t = time.perf_counter()
        ex = extract_motion(clip, detectors=backends, skeleton=skeleton, config=ExtractConfig(keep_depth=False))
        total = time.perf_counter() - t
        print(f"run {r + 1}: {total:.2f} s")
        if best is None or total < best[0]:
            best = (total, ex)
    total, ex = best
    print(f"\nS2 on {args.frames} frames {args.width}x{args.height}: {total:.2f} s (target ≤ 3 s)")
    for k, v in ex.timings.items():
        print(f"  {k:<12} {v:6.2f} s  ({100 * v / total:4.1f} %)")
    print("backends:", ex.backends)
    print("tracks:", [(t["kind"], round(t.get("reprojection_px", 0), 1)) for t in ex.tracks])


if __name__ == "__main__":
    main()
