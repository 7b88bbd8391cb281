"""ReVision demo (Hugging Face Space entry point): ``python app.py [--weights W] [--share] [--port 7860]``."""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline-first: no telemetry calls


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="ReVision Gradio demo: image (+ sketch, prompt, motion strength) → video.")
    p.add_argument("--weights", help="video model: folder, HF id, or 'tiny-random' (a random test model; output is "
                   "noise). Default: $REVISION_VIDEO_WEIGHTS, else the embedded ReVision-mini")  # fmt: skip
    p.add_argument("--server-name", default="127.0.0.1", help="interface to bind (0.0.0.0 to serve the network)")
    p.add_argument("--port", type=int, default=7860, help="port to serve on")
    p.add_argument("--share", action="store_true", help="also open a public gradio.live link (needs internet)")
    p.add_argument("--concurrency", type=int, default=1, help="generations that run at once (others queue)")
    p.add_argument("--queue-size", type=int, default=32, help="requests that may wait in the queue")
    p.add_argument("--no-s2", action="store_true", help="skip 3D motion (S3 sees only the sketch, if any)")
    p.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    args = p.parse_args(argv)
    if args.concurrency < 1:
        p.error("--concurrency must be at least 1")
    return args


def load_pipeline(args: argparse.Namespace):
    """(pipeline or None, the load error or None, notices). Missing weights never stop the server."""
    from revision.pipeline import ReVisionPipeline, default_motion_stage
    from revision.weights import WeightsNotFoundError

    try:
        pipe = ReVisionPipeline.from_pretrained(args.weights, motion_stage=None, device=args.device)
    except WeightsNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return None, str(e), []
    notices = []
    if not args.no_s2:
        try:
            pipe.motion_stage = default_motion_stage()
        except (WeightsNotFoundError, ImportError) as e:
            notices.append(f"S2 (3D motion) is off because its components could not load: {e}")
            print(f"warning: {notices[-1]}", file=sys.stderr)
    return pipe, None, notices


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from demo import build_demo

    pipe, error, notices = load_pipeline(args)
    demo = build_demo(pipe, load_error=error, notices=notices, concurrency_limit=args.concurrency)
    demo.queue(max_size=args.queue_size, default_concurrency_limit=args.concurrency)
    demo.launch(server_name=args.server_name, server_port=args.port, share=args.share, show_error=True,
                max_file_size="200mb")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
