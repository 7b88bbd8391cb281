"""Command line: ``python -m revision generate --image IMG --out OUT.mp4 [...]``.

Everything the user can get wrong (the output path, the image, the sketch) is checked before torch,
diffusers or any model is imported, so a bad call fails in well under a second with exit status 2.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from revision.s3 import S3_CHOICES

EXIT_BAD_INPUT = 2
MAX_DECODE_SIDE = 2048  # inputs are decoded at most this large (the photo path works at ≤ 1024 px)
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
    g.add_argument("--prompt", default="", help="the motion in words, e.g. \"she waves with her right hand\" "
                   "(the photo path proposes that motion; PPPM is conditioned on it)")
    g.add_argument("--motion-strength", type=_unit_float, default=None, help="0 (calm) .. 1 (dynamic); default 0.5")
    g.add_argument("--target-sketch", help="PNG of part-coloured strokes over the first frame (target pose)")
    g.add_argument("--num-frames", type=_int_range(2, 128),
                   help="frames of the final clip (default: 16 for --s3 animation, else the model's)")
    g.add_argument("--steps", type=_int_range(1, 200), help="denoising steps of S3 (S1 uses a fraction)")
    g.add_argument("--seed", type=int, default=0, help="random seed (same seed → same video)")
    g.add_argument("--save-intermediates", metavar="DIR", help="also write every stage's output to DIR")
    g.add_argument(
        "--weights", help="video model: folder, HF id, or 'tiny-random' (default: $REVISION_VIDEO_WEIGHTS, "
        "else the embedded ReVision-mini)"
    )  # fmt: skip
    g.add_argument("--s2", choices=sorted(S2_FLAGS), default="full",
                   help="3D motion: full (perception → lifting → PPPM), without-pppm (lifted motion, linearly "
                   "resampled), off (no 3D motion: S3 sees only the sketch, if any)")  # fmt: skip
    g.add_argument("--s1-step-fraction", type=_fraction, default=None,
                   help="S1's share of S3's denoising steps, in (0, 1] (default: the model's)")  # fmt: skip
    g.add_argument("--s3", choices=S3_CHOICES, default="auto",
                   help="final video: animation (the 3D motion moves the photo's own pixels, at the photo's "
                   "resolution; CPU), guided (stock video weights steered by that animation), conditioned (the "
                   "fine-tuned video model on the part masks), auto (picked from the weights: animation for the "
                   "embedded/tiny models, guided for stock SVD weights, conditioned for fine-tuned ones; the "
                   "choice and why is printed)")  # fmt: skip
    g.add_argument("--pppm-weights", help="PPPM folder (default: $REVISION_PPPM_WEIGHTS, else embedded)")
    g.add_argument("--body-model-dir", help="folder with licensed SMPL-X .npz files (default: procedural body)")
    g.add_argument("--smal-model", help="licensed SMAL model file (default: procedural quadruped)")
    g.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    g.add_argument("--object-box", action="append", type=_object_box, metavar="X0,Y0,X1,Y1", default=None,
                   help="mark the object the person interacts with by a box in the image's pixels (repeatable); "
                   "default: found from the prompt's noun (\"he kicks the ball\") by shape and colour")  # fmt: skip
    g.add_argument("--object-stroke", action="append", type=_object_stroke, metavar="\"X,Y X,Y ...\"", default=None,
                   help="mark the object by a stroke of points over it, in the image's pixels (repeatable)")  # fmt: skip
    g.add_argument("--quiet", action="store_true", help="no progress bar and no library log lines")
    return p


def _object_box(text: str) -> tuple[float, float, float, float]:
    try:
        v = tuple(float(t) for t in text.replace(" ", "").split(","))
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not four numbers x0,y0,x1,y1: {text!r}") from e
    if len(v) != 4 or not (v[2] > v[0] and v[3] > v[1]):
        raise argparse.ArgumentTypeError(f"need x0,y0,x1,y1 with x1 > x0 and y1 > y0, got {text!r}")
    return v  # type: ignore[return-value]


def _object_stroke(text: str) -> list[tuple[float, float]]:
    try:
        pts = [tuple(float(t) for t in p.split(",")) for p in text.split()]
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not x,y points: {text!r}") from e
    if not pts or any(len(p) != 2 for p in pts):
        raise argparse.ArgumentTypeError(f"need space-separated x,y points, got {text!r}")
    return pts  # type: ignore[return-value]


# --s2 value → the pipeline's s2 argument (revision.s2.S2_CHOICES; not imported here: it pulls in numpy)
S2_FLAGS = {"full": "full", "without-pppm": "without PPPM", "off": "off"}


def _fraction(text: str) -> float:
    v = _unit_float(text)
    if v == 0.0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return v


def _fail(msg: str, code: int) -> int:
    print(f"error: {msg}", file=sys.stderr)
    return code


def check_output(path: str, flag: str = "--out", suffixes: set[str] | None = None) -> str | None:
    """Why ``path`` cannot be written as an output file (None if it can): a folder, a missing or
    unwritable parent folder, or (with ``suffixes``) the wrong file type."""
    p = Path(path)
    if p.is_dir():
        return f"{flag} {p} is a folder; give a file name such as {p / 'out.mp4'}"
    if suffixes is not None and p.suffix.lower() not in suffixes:
        return f"{flag} must end in one of {sorted(suffixes)}, got {p.name}"
    parent = p.parent
    if not parent.is_dir():
        return f"{flag} {p}: the folder {parent} does not exist"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"{flag} {p}: the folder {parent} is not writable"
    if p.exists() and not os.access(p, os.W_OK):
        return f"{flag} {p} exists and is not writable"
    return None


def check_folder(path: str, flag: str) -> str | None:
    """Why ``path`` cannot be used as an output folder (None if it can)."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        return f"{flag} {p} exists and is not a folder"
    base = next((q for q in (p, *p.parents) if q.exists()), Path("."))
    if not os.access(base, os.W_OK | os.X_OK):
        return f"{flag} {p}: {base} is not writable"
    return None


@contextmanager
def quiet_native_logs(enabled: bool):
    """With ``enabled``: native (C++) log lines from MediaPipe/TFLite/glog, written straight to file
    descriptor 2 while the models initialise and run, go to /dev/null, and absl's Python logger is set
    to errors only. Only the CLI process does this, only around the call; Python errors still reach
    stderr because they are printed after the block."""
    if not enabled:
        yield
        return
    try:
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    except ImportError:
        pass
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def generate(args: argparse.Namespace) -> int:
    # 0. Everything the user controls, checked before torch/diffusers load (fails in well under a second)
    from revision.inputs import InputError, InputLimits, check_image_size
    from revision.io import VIDEO_SUFFIXES, ImageReadError, read_image

    problem = check_output(args.out, "--out", VIDEO_SUFFIXES)
    if problem is None and args.save_intermediates:
        problem = check_folder(args.save_intermediates, "--save-intermediates")
    if problem:
        return _fail(problem, EXIT_BAD_INPUT)
    out = Path(args.out)
    limits = InputLimits()
    try:
        image = read_image(args.image, max_pixels=limits.max_pixels, max_side=MAX_DECODE_SIDE)
        check_image_size(*image.size, limits)
        sketch = None
        if args.target_sketch:
            import numpy as np

            sketch = np.asarray(read_image(args.target_sketch, mode="RGBA", max_pixels=limits.max_pixels))
    except (ImageReadError, InputError) as e:
        return _fail(str(e), EXIT_BAD_INPUT)

    # 1. Load (model paths are passed to the loaders, never through the environment)
    from tqdm import tqdm

    from revision.io import save_run, write_video
    from revision.pipeline import ReVisionPipeline
    from revision.weights import WeightsNotFoundError

    try:
        with quiet_native_logs(args.quiet):
            pipe = ReVisionPipeline.from_pretrained(
                args.weights, motion_stage=None if args.s2 == "off" else "auto", device=args.device,
                pppm_weights=args.pppm_weights, body_model_dir=args.body_model_dir, smal_model=args.smal_model,
            )  # fmt: skip
    except WeightsNotFoundError as e:
        return _fail(str(e), EXIT_MISSING_WEIGHTS)
    bar = tqdm(total=1000, disable=args.quiet, desc="ReVision", bar_format="{l_bar}{bar}| {elapsed} {postfix}")

    def progress(frac: float, msg: str) -> None:
        bar.n = int(frac * 1000)
        bar.set_postfix_str(msg)
        bar.refresh()

    # 2. Generate
    try:
        with quiet_native_logs(args.quiet):
            result = pipe(image, prompt=args.prompt, motion_strength=args.motion_strength, sketch=sketch,
                          num_frames=args.num_frames, num_inference_steps=args.steps, seed=args.seed,
                          s2=S2_FLAGS[args.s2], s1_step_fraction=args.s1_step_fraction, s3=args.s3,
                          progress=progress, objects=_object_marks(args))  # fmt: skip
    except ValueError as e:  # InputError, SketchError: the message is for the user
        bar.close()
        return _fail(str(e), EXIT_BAD_INPUT)
    bar.close()
    write_video(out, result.final)
    if args.save_intermediates:
        save_run(result, args.save_intermediates, image=image, sketch=sketch)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    t = result.timings
    print(f"wrote {out} ({result.final.num_frames} frames {result.final.width}x{result.final.height}); "
          f"S1 {t['s1']:.1f}s, S2 {t['s2']:.1f}s, S3 {t['s3']:.1f}s, total {t['total']:.1f}s")  # fmt: skip
    print(f"  S3 mode: {result.s3_mode} — {result.settings.get('s3_reason', '')}")
    for o in result.objects:
        print(f"  object: {o['label']} at {o['box']} ({o['how']}, score {o['score']})")
    if result.interaction:
        it = result.interaction
        print(f"  interaction: {it['verb']} with the {it['part']}, contact frame {it['contact_frame']}, "
              f"impulse {it['impulse_mps']} m/s")
    for role, backend in result.backends.items():
        if role != "s3":
            print(f"  {role}: {backend}")
    return 0


def _object_marks(args: argparse.Namespace) -> list | None:
    """--object-box / --object-stroke → the pipeline's ``objects=`` (boxes, then strokes as {"stroke": ...})."""
    marks = [list(b) for b in (args.object_box or [])] + [{"stroke": s} for s in (args.object_stroke or [])]
    return marks or None


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    if args.command == "generate":
        return generate(args)
    return 1
