"""Real-size check of the SVD path on a CPU: SVD-XT-1.1's UNet, VAE and image encoder (random weights).

    python -m benchmarks.svd_xt_smoke [--dtype bfloat16] [--frames 4] [--height 256] [--width 448]

Builds the three networks from their published configs in code (:mod:`revision.video_model.svd_xt`;
1.52 B + 98 M + 632 M parameters), widens ``conv_in`` 8 → 10, turns on the memory options
(UNet feed-forward chunking, VAE ``decode_chunk_size`` 2, reference encoding in chunks of 2) and runs
**one guided S3 step** at a small size with classifier-free guidance on (CFG ramp 1 → 3, so the UNet
sees a batch of 2 x frames) and a guidance reference + moved-region mask, then the temporal VAE
decode. It checks the output's shape, dtype and finiteness and exits non-zero on any error.

Prints one JSON line: seconds to build, seconds for the call (CLIP + VAE encode + 1 UNet step +
VAE decode), peak resident memory (GiB, ``ru_maxrss``), parameter counts, dtype. bfloat16 is the
default on a CPU: float32 needs ~9 GB of weights and is several times slower on two cores.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB


def inputs(frames: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A smooth test image, a reference (the image shifted right 4 px per frame) and its moved mask."""
    y, x = np.mgrid[0:height, 0:width]
    image = np.stack([x / width, y / height, 0.5 + 0.5 * np.sin(x / 17.0)], -1)
    image = (image * 255).astype(np.uint8)
    ref = np.stack([np.roll(image, 4 * f, axis=1) for f in range(frames)])
    mask = np.zeros((frames, height, width), bool)
    mask[1:, height // 4 : 3 * height // 4, width // 4 : 3 * width // 4] = True
    return image, ref, mask


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 2)[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--dtype", choices=("bfloat16", "float32"), default="bfloat16")
    p.add_argument("--frames", type=int, default=4)
    p.add_argument("--height", type=int, default=256)
    p.add_argument("--width", type=int, default=448)
    p.add_argument("--num-threads", type=int, default=None)
    args = p.parse_args(argv)
    import torch

    from revision.video_model import GuidanceConfig, MotionConditionedSVDPipeline, condition_channels_are_zero
    from revision.video_model.svd_xt import parameter_counts, svd_xt_components

    if args.num_threads:
        torch.set_num_threads(args.num_threads)
    dtype = getattr(torch, args.dtype)
    t0 = time.perf_counter()
    comps = svd_xt_components(dtype)
    pipe = MotionConditionedSVDPipeline(**comps)
    pipe.set_progress_bar_config(disable=True)
    pipe.unet.enable_forward_chunking()
    build_s = time.perf_counter() - t0
    assert pipe.unet.conv_in.in_channels == 10 and condition_channels_are_zero(pipe.unet), "conv_in not widened"
    image, ref, mask = inputs(args.frames, args.height, args.width)
    # 2 steps with start 0.5: sampling starts at step 1, so exactly one UNet call (batch 2 x frames: CFG on)
    guidance = GuidanceConfig(start=0.5, mask_end=1.0, encode_chunk_size=2)
    steps = []
    t0 = time.perf_counter()
    out = pipe(
        image, height=args.height, width=args.width, num_frames=args.frames, num_inference_steps=2,
        min_guidance_scale=1.0, max_guidance_scale=3.0, decode_chunk_size=2, output_type="np",
        generator=torch.Generator().manual_seed(0), reference=ref, reference_mask=mask, guidance=guidance,
        step_callback=lambda i, n: steps.append((i, n, time.perf_counter() - t0)),
    ).frames  # fmt: skip
    call_s = time.perf_counter() - t0
    expected = (1, args.frames, args.height, args.width, 3)
    if out.shape != expected or out.dtype != np.float32:
        raise SystemExit(f"svd_xt_smoke: output {out.shape} {out.dtype}, expected {expected} float32")
    if not np.isfinite(out).all():
        raise SystemExit("svd_xt_smoke: non-finite output")
    print(json.dumps({
        "ok": True, "dtype": args.dtype, "frames": args.frames, "height": args.height, "width": args.width,
        "unet_steps": len(steps), "build_s": round(build_s, 1), "call_s": round(call_s, 1),
        "to_end_of_unet_step_s": round(steps[-1][2], 1) if steps else None,
        "peak_rss_gib": round(peak_rss_gib(), 2), "threads": torch.get_num_threads(),
        "parameters": parameter_counts(comps),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
