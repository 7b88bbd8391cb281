"""Speed of the evaluation metrics, each measured side by side with its reference implementation in one run.

    python -m benchmarks.eval_metrics_speed [--frames 64] [--size 256] [--dims 400,2048]

Prints seconds and the ratio (reference / ours) for: SSIM (ours, torch, batched) vs scikit-image per frame;
PSNR vs scikit-image; Fréchet distance (eigenvalue trace, torch float64) vs scipy.linalg.sqrtm, with the
absolute difference of the two values.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.linalg
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from eval.cli import positive_int
from eval.frame_metrics import psnr_per_frame, ssim_per_frame
from eval.frechet import frechet_distance_from_features


def _time(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=positive_int, default=64)
    ap.add_argument("--size", type=positive_int, default=256)
    ap.add_argument("--dims", default="400", help="feature sizes for the Fréchet distance (I3D 400; Inception 2048 takes minutes)")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    a = rng.random((args.frames, args.size, args.size, 3))
    b = np.clip(a + rng.normal(0, 0.05, a.shape), 0, 1)
    ta, tb = torch.from_numpy(a).permute(0, 3, 1, 2), torch.from_numpy(b).permute(0, 3, 1, 2)
    print(f"torch threads: {torch.get_num_threads()}; {args.frames} frames of {args.size}x{args.size}")

    ours = _time(lambda: ssim_per_frame(ta, tb))
    ref = _time(lambda: [structural_similarity(a[i], b[i], channel_axis=-1, data_range=1.0, gaussian_weights=True,
                                               sigma=1.5, use_sample_covariance=False) for i in range(len(a))], 1)  # fmt: skip
    print(f"SSIM   ours {ours:.3f}s  scikit-image {ref:.3f}s  ratio {ref / ours:.1f}x")
    ours = _time(lambda: psnr_per_frame(ta, tb))
    ref = _time(lambda: [peak_signal_noise_ratio(a[i], b[i], data_range=1.0) for i in range(len(a))])
    print(f"PSNR   ours {ours:.3f}s  scikit-image {ref:.3f}s  ratio {ref / ours:.1f}x")

    for d in (int(v) for v in args.dims.split(",")):
        x, y = rng.normal(size=(2 * d, d)), rng.normal(0.1, 1.1, size=(2 * d, d))
        t0 = time.perf_counter()
        ours_val = float(frechet_distance_from_features(torch.from_numpy(x), torch.from_numpy(y)))
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
        ref_val = float(((x.mean(0) - y.mean(0)) ** 2).sum() + np.trace(s1 + s2 - 2 * scipy.linalg.sqrtm(s1 @ s2).real))
        t_ref = time.perf_counter() - t0
        print(f"Fréchet D={d}: ours {t_ours:.2f}s  scipy sqrtm {t_ref:.2f}s  ratio {t_ref / t_ours:.1f}x  "
              f"|diff| {abs(ours_val - ref_val):.2e} (value {ours_val:.3f})")  # fmt: skip

if __name__ == "__main__":
    main()
