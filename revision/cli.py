"""Command line: ``python -m revision generate --image IMG --out OUT.mp4 [...]``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

EXIT_BAD_INPUT = 2
EXIT_MISSING_WEIGHTS = 3


def _unit_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from e
    if not 0.0 <= v <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {v}")
    return v


def _int_range(lo: int, hi: int):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from e
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"must be in [{lo}, {hi}], got {v}")
        return v

    return parse


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m revision", description="ReVision image-to-video generation.")
    sub = p.add_subparsers(dest="command", required=True)
    g = sub.add_parser(
        "generate",
        help="generate a video from one image",
        description="Image (+ optional target-pose sketch, prompt, motion strength) → video, in three stages: "
        "S1 coarse video, S2 3D motion (+ PPPM), S3 final video. Without --weights the embedded "
        "ReVision-mini model is used (offline, CPU).",
    )
    g.add_argument("--image", required=True, help="first frame (PNG/JPEG/WebP/...)")
    g.add_argument("--out", required=True, help="output video (.mp4 or .gif); written only when complete")
    g.add_argument("--prompt", default="", help="text describing the motion (used by PPPM)")
    g.add_argument("--motion-strength", type=_unit_float, default=None, help="0 (calm) .. 1 (dynamic); default 0.5")
    g.add_argument("--target-sketch", help="PNG of part-coloured strokes over the first frame (target pose)")
    g.add_argument("--num-frames", type=_int_range(2, 128), help="frames of the final clip (default: model's)")
    g.add_argument("--steps", type=_int_range(1, 200), help="denoising steps of S3 (S1 uses a fraction)")
    g.add_argument("--seed", type=int, default=0, help="random seed (same seed → same video)")
    g.add_argument("--save-intermediates", metavar="DIR", help="also write every stage's output to DIR")
    g.add_argument(
        "--weights", help="video model: folder, HF id, or 'tiny-random' (default: $REVISION_VIDEO_WEIGHTS, "
        "else the embedded ReVision-mini)"
    )  # fmt: skip
    g.add_argument("--no-s2", action="store_true", help="skip 3D motion (S3 sees only the sketch, if any)")
    g.add_argument("--pppm-weights", help="PPPM folder (default: $REVISION_PPPM_WEIGHTS, else embedded)")
    g.add_argument("--body-model-dir", help="folder with licensed SMPL-X .npz files (default: procedural body)")
    g.add_argument("--smal-model", help="licensed SMAL model file (default: procedural quadruped)")
    g.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _fail(msg: str, code: int) -> int:
    print(f"error: {msg}", file=sys.stderr)
    return code


def apply_model_paths(args: argparse.Namespace) -> None:
    """Model-path flags → the environment variables the loaders read (revision.weights, revision.body)."""
    import os

    for flag, env in (("pppm_weights", "REVISION_PPPM_WEIGHTS"), ("body_model_dir", "REVISION_BODY_MODEL_DIR"),
                      ("smal_model", "REVISION_SMAL_MODEL")):  # fmt: skip
        value = getattr(args, flag, None)
        if value:
            os.environ[env] = value


def generate(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from revision.io import VIDEO_SUFFIXES, ImageReadError, read_image, save_run, write_video
    from revision.pipeline import InputError, ReVisionPipeline
    from revision.weights import WeightsNotFoundError

    out = Path(args.out)
    if out.suffix.lower() not in VIDEO_SUFFIXES:
        return _fail(f"--out must end in one of {sorted(VIDEO_SUFFIXES)}, got {out.name}", EXIT_BAD_INPUT)
    try:
        image = read_image(args.image)
        sketch = None
        if args.target_sketch:
            import numpy as np

            sketch = np.asarray(read_image(args.target_sketch, mode="RGBA"))
    except ImageReadError as e:
        return _fail(str(e), EXIT_BAD_INPUT)
    apply_model_paths(args)
    try:
        pipe = ReVisionPipeline.from_pretrained(args.weights, motion_stage=None if args.no_s2 else "auto",
                                                device=args.device)  # fmt: skip
    except WeightsNotFoundError as e:
        return _fail(str(e), EXIT_MISSING_WEIGHTS)
    bar = tqdm(total=1000, disable=args.quiet, desc="ReVision", bar_format="{l_bar}{bar}| {elapsed} {postfix}")

    def progress(frac: float, msg: str) -> None:
        bar.n = int(frac * 1000)
        bar.set_postfix_str(msg)
        bar.refresh()

    try:
        result = pipe(image, prompt=args.prompt, motion_strength=args.motion_strength, sketch=sketch,
                      num_frames=args.num_frames, num_inference_steps=args.steps, seed=args.seed,
                      progress=progress)  # fmt: skip
    except (InputError, ValueError) as e:
        bar.close()
        return _fail(str(e), EXIT_BAD_INPUT)
    bar.close()
    write_video(out, result.final)
    if args.save_intermediates:
        save_run(result, args.save_intermediates, image=image)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    t = result.timings
    print(f"wrote {out} ({result.final.num_frames} frames {result.final.width}x{result.final.height}); "
          f"S1 {t['s1']:.1f}s, S2 {t['s2']:.1f}s, S3 {t['s3']:.1f}s, total {t['total']:.1f}s")  # fmt: skip
    for role, backend in result.backends.items():
        print(f"  {role}: {backend}")
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    if args.command == "generate":
        return generate(args)
    return 1
