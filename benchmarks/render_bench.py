"""Part-mask rendering speed: SMPL-X (10,475 vertices) at 1024×576 and 256×256.

Prints ms per frame (wall clock and process CPU time, median and best of ``--repeats`` runs) and the
ratio to the budget. The paper's whole S2 costs 5 s for 32 frames on an A100 (156 ms/frame); rendering
must take well under a tenth of that (15.6 ms/frame); our target is ≤ 15 ms/frame at 1024×576.
On a shared machine wall time includes waiting for the CPU; process CPU time is the work itself.

    python benchmarks/render_bench.py [--repeats 30] [--frames 32]
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time

import numpy as np

S2_PAPER_MS_PER_FRAME = 5000 / 32  # whole S2 on an A100 (paper)
BUDGET_MS = 15.0  # target per frame at 1024×576 (< 1/10 of the paper's S2 per frame)


def _walking_track(frames: int):
    from revision.types import Track

    t = np.linspace(0, 2 * np.pi, frames, endpoint=False)
    body_pose = np.zeros((frames, 63), np.float32)
    body_pose[:, 0] = 0.5 * np.sin(t)  # left hip swing
    body_pose[:, 3] = -0.5 * np.sin(t)  # right hip
    body_pose[:, 9] = 0.4 * (1 - np.cos(t))  # knees
    body_pose[:, 48 + 2] = -1.1  # shoulders down from the T-pose
    body_pose[:, 51 + 2] = 1.1
    go = np.tile(np.array([np.pi, 0.3, 0.0], np.float32), (frames, 1))
    transl = np.stack([0.3 * np.sin(t), np.full(frames, -0.93), np.full(frames, 3.0)], 1).astype(np.float32)
    params = {"global_orient": go, "body_pose": body_pose, "betas": np.zeros(10, np.float32), "transl": transl}
    return Track(0, "smplx", params, np.ones(frames, np.float32))


def _render_next(tm, cam, height: int, width: int, counter, frames: int) -> None:
    from revision.render import render_part_masks

    f = next(counter) % frames
    render_part_masks([(tm.vertices[f], tm.faces, tm.vertex_parts)], cam, height, width)


def _time(fn, repeats: int) -> tuple[float, float, float, float]:
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return float(np.median(wall)), float(np.min(wall)), float(np.median(cpu)), float(np.min(cpu))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=30, help="timed runs per size (default 30)")
    ap.add_argument("--frames", type=int, default=32, help="frames of the walking motion (default 32)")
    args = ap.parse_args(argv)
    if args.repeats < 1 or args.frames < 1:
        ap.error("--repeats and --frames must be ≥ 1")
    from tqdm import tqdm

    from revision.body import track_meshes
    from revision.types import Camera

    tm = track_meshes(_walking_track(args.frames))
    print(f"mesh: {tm.vertices.shape[1]} vertices, {len(tm.faces)} faces, {args.frames} frames; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    rows = []
    for width, height in tqdm([(1024, 576), (256, 256)], desc="sizes", file=sys.stderr):
        cam = Camera.from_image_size(width, height)
        one = functools.partial(_render_next, tm, cam, height, width, iter(range(10**9)), args.frames)
        one()  # warm-up
        rows.append((width, height, *_time(one, args.repeats)))
    print(f"{'size':>10} {'wall med':>9} {'wall best':>9} {'cpu med':>8} {'cpu best':>8}   (ms/frame)  "
          f"ratio cpu-med / budget {BUDGET_MS:.0f} ms, / paper S2 {S2_PAPER_MS_PER_FRAME:.0f} ms")  # fmt: skip
    for w, h, wm, wb, cm, cb in rows:
        print(f"{w:>5}x{h:<4} {wm * 1e3:9.2f} {wb * 1e3:9.2f} {cm * 1e3:8.2f} {cb * 1e3:8.2f}   "
              f"{cm * 1e3 / BUDGET_MS:.2f} × budget, {cm * 1e3 / S2_PAPER_MS_PER_FRAME:.3f} × paper S2")  # fmt: skip
    # end to end: posing all frames with LBS + rendering them (what S2 pays per clip)
    from revision.render import render_condition
    from revision.types import MotionSequence

    motion = MotionSequence([_walking_track(args.frames)], Camera.from_image_size(1024, 576), args.frames)
    w0, c0 = time.perf_counter(), time.process_time()
    render_condition(motion, 576, 1024)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    print(f"render_condition, {args.frames} frames at 1024x576 incl. posing: wall {wall * 1e3:.0f} ms "
          f"({wall * 1e3 / args.frames:.1f} ms/frame), cpu {cpu * 1e3:.0f} ms ({cpu * 1e3 / args.frames:.1f} ms/frame)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
