"""Time S1 in efficient mode against full mode for the same model, in one run, and print the ratio.

    python -m benchmarks.s1_efficient_bench                  # ReVision-mini architecture (random init), CPU
    python -m benchmarks.s1_efficient_bench --arch tiny      # the unit-test model
    python -m benchmarks.s1_efficient_bench --arch svd-xt --device cuda --weights <folder|HF id>  # real size

The paper reports 8 s (efficient S1) vs 36 s (full) for SVD-XT on an A100. Efficient mode is
``EfficientMode()`` applied to the full settings (¼ pixels, ½ frames, 0.4x steps).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from revision.config import MINI_CONFIG, TINY_CONFIG, ReVisionConfig
from revision.types import ConditionMaps
from revision.video_model.config import EfficientMode, SVDSettings


def build(arch: str, weights: str | None, device: str):
    if arch == "svd-xt":
        from revision.video_model.loading import load_motion_svd

        dtype = torch.float16 if device.startswith("cuda") else torch.float32
        pipe, _ = load_motion_svd(weights or "stabilityai/stable-video-diffusion-img2vid-xt-1-1", dtype=dtype,
                                  device=device)  # fmt: skip
        return pipe, ReVisionConfig().svd
    from revision.video_model.tiny import MINI, TINY, small_motion_svd_pipeline

    cfg, rc = (MINI, MINI_CONFIG) if arch == "mini" else (TINY, TINY_CONFIG)
    return small_motion_svd_pipeline(cfg).to(device), rc.svd


def run_once(pipe, s: SVDSettings, device: str) -> float:
    img = (np.random.default_rng(0).random((s.height, s.width, 3)) * 255).astype(np.uint8)
    cond = torch.from_numpy(ConditionMaps.empty(s.num_frames, s.height, s.width).to_array())[None]
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t = time.perf_counter()
    pipe(img, condition=cond, height=s.height, width=s.width, num_frames=s.num_frames,
         num_inference_steps=s.num_inference_steps, decode_chunk_size=s.decode_chunk_size,
         generator=torch.Generator(device).manual_seed(0))  # fmt: skip
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", choices=["tiny", "mini", "svd-xt"], default="mini")
    ap.add_argument("--weights", help="for --arch svd-xt: folder or HF id")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--full-size", help="override full-mode HxW, e.g. 128x128 (mini/tiny only)")
    args = ap.parse_args()
    pipe, full = build(args.arch, args.weights, args.device)
    pipe.set_progress_bar_config(disable=True)
    if args.full_size:
        h, w = (int(x) for x in args.full_size.lower().split("x"))
        full = SVDSettings(**{**full.__dict__, "height": h, "width": w})
    eff = EfficientMode(size_multiple=16 if full.height >= 128 else 8).apply(full)
    run_once(pipe, eff, args.device)  # warm-up
    times = {"full": [], "efficient": []}
    for _ in range(args.repeats):  # interleaved so background load hits both alike
        times["efficient"].append(run_once(pipe, eff, args.device))
        times["full"].append(run_once(pipe, full, args.device))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"arch={args.arch} device={args.device} torch_threads={torch.get_num_threads()}")
    for k, s in (("full", full), ("efficient", eff)):
        print(f"{k:>9}: {s.width}x{s.height}, {s.num_frames} frames, {s.num_inference_steps} steps: "
              f"median {med[k]:.3f} s over {args.repeats} runs")  # fmt: skip
    print(f"speed-up full/efficient = {med['full'] / med['efficient']:.2f}x  (paper, SVD-XT on A100: 36 s / 8 s = 4.5x)")


if __name__ == "__main__":
    main()
