"""ReVision demo (Hugging Face Space entry point): ``python app.py [--weights W] [--share] [--port 7860]``.
On a Space (docs/demo.md) host/port come from ``$GRADIO_SERVER_NAME/PORT``, weights from ``$REVISION_VIDEO_WEIGHTS``
(an HF id is downloaded unless ``HF_HUB_OFFLINE=1``); Generate runs under ``spaces.GPU`` when ``spaces`` imports."""

from __future__ import annotations

import argparse
import os
import signal
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline-first: no telemetry calls
S3_CHOICES = ("auto", "animation", "guided", "conditioned")  # revision.s3.S3_CHOICES (not imported: --help stays fast)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="ReVision Gradio demo: image (+ sketch, prompt, motion strength) → video.")
    p.add_argument("--weights", help="video model: folder, HF id, or 'tiny-random' (a random test model; output is "
                   "noise). Default: $REVISION_VIDEO_WEIGHTS, else the embedded ReVision-mini")  # fmt: skip
    p.add_argument("--server-name", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                   help="interface to bind (0.0.0.0 to serve the network); default $GRADIO_SERVER_NAME or 127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)), help="port")
    p.add_argument("--share", action="store_true", help="also open a public gradio.live link (needs internet)")
    p.add_argument("--concurrency", type=int, default=1, help="generations that run at once (others queue)")
    p.add_argument("--queue-size", type=int, default=32, help="requests that may wait in the queue")
    p.add_argument("--s2", choices=["full", "without-pppm", "off"], default="full",
                   help="the page's default S2 choice (each run may pick another); off also skips loading S2")  # fmt: skip
    p.add_argument("--s3", choices=S3_CHOICES, default="auto", help="the page's default S3 mode (each run may pick another)")
    p.add_argument("--device", default=os.environ.get("REVISION_DEVICE", "cpu"), help="torch device ($REVISION_DEVICE)")
    p.add_argument("--keep-runs", type=int, default=20, help="run folders kept in the temporary folder")
    args = p.parse_args(argv)
    for flag in ("concurrency", "keep_runs"):
        if getattr(args, flag) < 1:
            p.error(f"--{flag.replace('_', '-')} must be at least 1")
    return args


def load_pipeline(args: argparse.Namespace):
    """(pipeline or None, the load error or None, notices). Missing weights never stop the server."""
    from revision.pipeline import ReVisionPipeline
    from revision.s2 import FullMotionStage
    from revision.weights import WeightsNotFoundError

    try:
        pipe = ReVisionPipeline.from_pretrained(args.weights, motion_stage=None, device=args.device)
    except WeightsNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return None, str(e), []
    notices = []
    if args.s2 != "off":
        try:
            pipe.motion_stage = FullMotionStage.from_defaults(device=args.device)
        except (WeightsNotFoundError, ImportError) as e:
            notices.append(f"S2 (3D motion) is off because its components could not load: {e}")
            print(f"warning: {notices[-1]}", file=sys.stderr)
    return pipe, None, notices


def build(args: argparse.Namespace):
    """The page around the loaded pipeline; the Generate handler under ``spaces.GPU`` when ``spaces`` imports."""
    from demo import build_demo, space

    pipe, error, notices = load_pipeline(args)
    return build_demo(pipe, load_error=error, notices=notices, concurrency_limit=args.concurrency,
                      keep_runs=args.keep_runs, s2_default=args.s2.replace("-pppm", " PPPM"), s3_default=args.s3,
                      gpu=space.gpu_decorator())  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # exit cleanly on SIGTERM: atexit removes the run folders
    demo = build(args)
    demo.queue(max_size=args.queue_size, default_concurrency_limit=args.concurrency)
    demo.launch(server_name=args.server_name, server_port=args.port, share=args.share, show_error=True,
                max_file_size="200mb")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
