"""``python -m eval.benchmark --models revision,revision-guided,revision-animation,svd,hunyuan-i2v --prompts FILE|suite
--images DIR --out DIR``

Systems: ``revision`` (S3 conditioned on the part masks: the paper; fine-tuned weights), ``revision-guided``
(S3 guided: the video model steered by the photo animation), ``revision-animation`` (S3 animation: the photo
animation itself, at the photo's aspect), ``svd`` (SVD-XT-1.1), ``hunyuan-i2v`` (HunyuanVideo-I2V).
Sizes: every video is exported to ``--export-size`` (``--export-fit cover``: centre crop, one size for all;
``contain``: each video keeps its aspect inside that box); the manifest records each video's size.

Sharded: ``accelerate launch --num_processes N -m eval.benchmark ...`` (add ``--cpu`` for CPU processes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eval.benchmark.models import MODEL_KINDS
from eval.benchmark.runner import EXPORT_FITS
from eval.cli import non_negative_int, positive_int


def _size(text: str) -> tuple[int, int] | None:
    if text == "native":
        return None
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HxW (e.g. 576x1024) or 'native', got {text!r}") from None
    if h <= 0 or w <= 0 or h % 2 or w % 2:
        raise argparse.ArgumentTypeError(f"export size must be positive and even, got {text!r}")
    return h, w


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval.benchmark", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--models", default=",".join(MODEL_KINDS), help=f"comma list of {', '.join(MODEL_KINDS)}")
    p.add_argument("--images", required=True, type=Path, help="folder of input images")
    p.add_argument("--prompts", default="suite", help="prompts file (.json/.jsonl/.tsv) or 'suite' (prompt = image name)")
    p.add_argument("--out", required=True, type=Path, help="output folder (re-run the same command to resume)")
    p.add_argument("--weights", action="append", default=[], metavar="KIND=PATH",
                   help="weights per model kind: a folder, an HF id in the local cache, or tiny-random; "
                        "a bare value applies to all kinds (e.g. --weights tiny-random)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="base seed (each image gets its own, same for all models)")
    p.add_argument("--export-size", type=_size, default=(576, 1024), help="HxW every video is exported to, or native")
    p.add_argument("--export-fit", default="cover", choices=EXPORT_FITS,
                   help="cover: centre crop to the export size (one size and framing for all systems); "
                        "contain: each video keeps its own aspect, scaled to fit inside it")  # fmt: skip
    p.add_argument("--format", default="mp4", choices=["mp4", "gif"], help="video container")
    p.add_argument("--limit", type=positive_int, default=None, help="only the first N images")
    p.add_argument("--warmup", type=non_negative_int, default=0, help="untimed generations per model before timing")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from eval.benchmark.runner import BenchmarkConfig, run_benchmark

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    weights: dict[str, str | None] = {}
    for w in args.weights:
        if "=" in w:
            k, v = w.split("=", 1)
            weights[k] = v
        else:
            weights.update({m: w for m in models})
    cfg = BenchmarkConfig(models, args.images, args.prompts, args.out, weights, args.seed, args.export_size,
                          args.export_fit, args.format, args.limit, args.warmup)  # fmt: skip
    try:
        manifest = run_benchmark(cfg)
    except (ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"manifest: {manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
