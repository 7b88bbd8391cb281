"""GPU check of the real-size video path: ReVision (S1 + S2 + guided S3) vs plain SVD, in one run.

    python -m benchmarks.gpu_check --weights stabilityai/stable-video-diffusion-img2vid-xt-1-1
    python -m benchmarks.gpu_check --weights /path/to/svd-folder [--photo astronaut] [--s2 full]
    python -m benchmarks.gpu_check --weights svd-xt-random      # real-size architecture, random weights

On one CUDA GPU, from one photo (``benchmarks.photo_set``; default astronaut, centre-cropped to
1024x576), with the settings of the paper (SVD-XT, 25 frames, 25 steps, CFG 1 → 3, fp16):

1. **S1** — the efficient coarse pass (:class:`revision.video_model.EfficientMode`: 512x288, 12
   frames, 10 steps);
2. **S2** — ``--s2 full``: the project's S2 (:class:`revision.s2.FullMotionStage`; perception and
   lifting run on the CPU) and the photo animation (:func:`revision.animate.animate_photo`) as the
   guidance reference and moved-region mask; ``--s2 coarse`` (default, and the fallback when S2 finds
   no motion): the S1 clip resized to 1024x576 x 25 frames is the reference and the mask is where it
   differs from its first frame by > 8/255, dilated. ReVisionPipeline's ``s3="guided"`` wiring is
   not used: the stages are called with the video model's API directly;
3. **S3** — guided (:class:`revision.video_model.GuidanceConfig` defaults: start 0.32, mask end 0.42),
   with S2's part-mask condition too when S2 ran (fine-tuned weights use it; stock weights' zero
   condition channels ignore it);
4. **plain SVD** — the same model, photo, seed and settings, no condition, no reference.

Output: one line per stage ``<stage>: <seconds> s, peak GPU memory <GiB> GiB``, then
``ReVision (S1+S2+S3) <s> s / plain SVD <s> s = <ratio> (paper, A100: 49 s / 36 s = 1.36)``, then
one JSON line with the same numbers (``stages`` → seconds and peak GiB per stage, ``ratio``,
``weights``, ``s2_mode`` actually used, ``gpu`` name, ``dtype``, notes). Peak memory is
``torch.cuda.max_memory_allocated`` reset before each stage. Model loading is timed separately and
not counted. ``--save DIR`` writes the S1, S3 and plain clips (``.npz``, uint8 frames). Without a
CUDA device the script prints one line and exits with status 2. Expected run time on an H100-class GPU:
~2-3 minutes plus loading.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

PAPER = (49.0, 36.0)  # ReVision vs SVD seconds on an A100 (paper, Sec. 5)


def coarse_reference(coarse: np.ndarray, num_frames: int, height: int, width: int, threshold: float = 8 / 255,
                     dilate: int = 8) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """S1 clip (F, h, w, 3) uint8 → (reference (num_frames, height, width, 3) uint8, moved mask (same, bool))."""
    import cv2

    idx = np.linspace(0, len(coarse) - 1, num_frames).round().astype(int)
    ref = np.stack([cv2.resize(coarse[i], (width, height), interpolation=cv2.INTER_CUBIC) for i in idx])
    diff = np.abs(ref.astype(np.int16) - ref[:1].astype(np.int16)).max(-1) > threshold * 255
    kernel = np.ones((2 * dilate + 1, 2 * dilate + 1), np.uint8)
    mask = np.stack([cv2.dilate(d.astype(np.uint8), kernel) > 0 for d in diff])
    return ref, mask


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--weights", required=True, help="SVD folder, HF id, or svd-xt-random (random real-size weights)")
    p.add_argument("--photo", default="astronaut", help="a benchmarks.photo_set name, or an image path")
    p.add_argument("--prompt", default=None, help="S2 prompt (default: the photo set's)")
    p.add_argument("--s2", choices=("full", "coarse"), default="coarse")
    p.add_argument("--dtype", choices=("float16", "bfloat16", "float32"), default="float16")
    p.add_argument("--forward-chunking", action="store_true", help="UNet feed-forward chunking (less memory)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save", default=None, help="folder for the S1 / S3 / plain clips (.npz)")
    args = p.parse_args(argv)
    import torch

    if not torch.cuda.is_available():
        print("gpu_check: no CUDA device (torch.cuda.is_available() is False); run it on a GPU machine")
        return 2
    import PIL.Image

    from revision.pipeline import fit_image
    from revision.video_model import EfficientMode, GuidanceConfig, MemoryOptions, SVDSettings

    dtype = getattr(torch, args.dtype)
    notes: list[str] = []
    t0 = time.perf_counter()
    if args.weights == "svd-xt-random":
        from revision.video_model import MotionConditionedSVDPipeline
        from revision.video_model.svd_xt import svd_xt_components

        pipe = MotionConditionedSVDPipeline(**svd_xt_components(dtype, "cuda"))
        weights = "SVD-XT-1.1 architecture, random weights (timing and memory only)"
        if args.forward_chunking:
            pipe.unet.enable_forward_chunking()
    else:
        from revision.video_model import load_motion_svd

        pipe, resolved = load_motion_svd(args.weights, dtype=dtype, device="cuda",
                                         memory=MemoryOptions(forward_chunking=args.forward_chunking))  # fmt: skip
        weights = resolved.describe()
    pipe.set_progress_bar_config(disable=True)
    load_s = time.perf_counter() - t0
    from revision.video_model import condition_channels_are_zero

    stock = condition_channels_are_zero(pipe.unet)
    notes.append(f"condition channels {'zero (stock weights)' if stock else 'non-zero (fine-tuned)'}")

    if Path(args.photo).is_file():
        photo, prompt = np.asarray(PIL.Image.open(args.photo).convert("RGB")), args.prompt or ""
    else:
        from benchmarks.photo_set import photo as photo_set

        entry = photo_set(args.photo)
        photo, prompt = entry.load(), args.prompt or entry.prompt
    s3 = SVDSettings(height=576, width=1024, num_frames=25, num_inference_steps=25, decode_chunk_size=8)
    s1 = EfficientMode().apply(s3)
    pil, note = fit_image(PIL.Image.fromarray(photo), s3.width, s3.height)
    if note:
        notes.append(note)
    stages: dict[str, dict[str, float]] = {}
    clips: dict[str, np.ndarray] = {}

    def generate(name: str, image: PIL.Image.Image, s: SVDSettings, **kw) -> np.ndarray:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        t = time.perf_counter()
        frames = pipe(
            image, height=s.height, width=s.width, num_frames=s.num_frames, num_inference_steps=s.num_inference_steps,
            min_guidance_scale=s.min_guidance_scale, max_guidance_scale=s.max_guidance_scale, fps=s.fps,
            motion_bucket_id=s.motion_bucket_id, noise_aug_strength=s.noise_aug_strength,
            decode_chunk_size=s.decode_chunk_size, generator=torch.Generator("cuda").manual_seed(args.seed),
            output_type="np", **kw,
        ).frames[0]  # fmt: skip
        torch.cuda.synchronize()
        stages[name] = {"seconds": round(time.perf_counter() - t, 2),
                        "peak_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2)}  # fmt: skip
        clips[name] = (np.clip(frames, 0, 1) * 255).round().astype(np.uint8)
        return clips[name]

    # 1. S1 coarse clip
    coarse = generate("s1", pil.resize((s1.width, s1.height), PIL.Image.Resampling.LANCZOS), s1)
    # 2. S2: 3D motion → photo animation (reference + moved mask), or the coarse clip as the reference
    torch.cuda.reset_peak_memory_stats()
    t = time.perf_counter()
    condition, s2_mode = None, "coarse"
    if args.s2 == "full":
        from revision.animate import animate_photo
        from revision.pipeline import with_input_frame
        from revision.s2 import FullMotionStage
        from revision.types import Clip

        stage = FullMotionStage.from_defaults()
        s1_image = pil.resize((s1.width, s1.height), PIL.Image.Resampling.LANCZOS)
        motion = stage(with_input_frame(Clip(coarse, fps=s1.fps), s1_image), prompt=prompt, motion_strength=0.5,
                       sketch=None, num_frames=s3.num_frames, height=s3.height, width=s3.width)  # fmt: skip
        seq = motion.refined_motion or motion.raw_motion
        notes.extend(motion.notes)
        if seq is not None and seq.tracks:
            anim = animate_photo(np.asarray(pil), seq)
            reference, mask = anim.frames.frames, anim.moved > 0.5
            condition, s2_mode = torch.from_numpy(motion.condition.to_array()).unsqueeze(0), "full"
        else:
            notes.append("S2 found no motion: the coarse clip is the reference")
    if s2_mode == "coarse":
        reference, mask = coarse_reference(coarse, s3.num_frames, s3.height, s3.width)
    stages["s2"] = {"seconds": round(time.perf_counter() - t, 2),
                    "peak_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2)}  # fmt: skip
    # 3. S3 guided; 4. plain SVD
    generate("s3", pil, s3, condition=condition, reference=reference, reference_mask=mask, guidance=GuidanceConfig())
    generate("plain_svd", pil, s3)

    revision_s = sum(stages[k]["seconds"] for k in ("s1", "s2", "s3"))
    ratio = revision_s / stages["plain_svd"]["seconds"]
    for k, v in stages.items():
        print(f"{k}: {v['seconds']:.1f} s, peak GPU memory {v['peak_gib']:.2f} GiB")
    print(f"ReVision (S1+S2+S3) {revision_s:.1f} s / plain SVD {stages['plain_svd']['seconds']:.1f} s = {ratio:.2f} "
          f"(paper, A100: {PAPER[0]:.0f} s / {PAPER[1]:.0f} s = {PAPER[0] / PAPER[1]:.2f})")  # fmt: skip
    if args.save:
        out = Path(args.save)
        out.mkdir(parents=True, exist_ok=True)
        for k, v in clips.items():
            np.savez_compressed(out / f"{k}.npz", frames=v)
    print(json.dumps({"gpu": torch.cuda.get_device_name(), "weights": weights, "dtype": args.dtype, "load_s": round(load_s, 1),
                      "s2_mode": s2_mode, "stages": stages, "revision_s": round(revision_s, 2), "ratio": round(ratio, 3),
                      "paper_ratio": round(PAPER[0] / PAPER[1], 3), "notes": notes}))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
