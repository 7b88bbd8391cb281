"""``python -m eval <command>``: VBench++ (vbench venv + native I2V dimensions), TikTok metrics, reports.

Commands:
  vbench-setup  create the virtual environment the official vbench package runs in
  vbench        run vbench dimensions (Table 1 + temporal_flickering) on a system's videos through the venv
  i2v           run the native I2V dimensions (i2v_subject, i2v_background, camera_motion)
  tiktok        SSIM / PSNR / L1 / LPIPS / FID / FVD on the TikTok dataset's DisCo test split
  report        paper-style tables (Markdown/CSV) and plotly charts from result files and benchmark timings
The benchmark runner is ``python -m eval.benchmark`` (see its --help).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eval.vbench.setup_env import DEFAULT_VENV


def int_at_least(lo: int):
    """argparse type: an integer >= ``lo``."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if v < lo:
            raise argparse.ArgumentTypeError(f"must be >= {lo}, got {v}")
        return v

    return parse


positive_int = int_at_least(1)  # argparse type: an integer >= 1
non_negative_int = int_at_least(0)  # argparse type: an integer >= 0


def _add_videos_source(p: argparse.ArgumentParser) -> None:
    p.add_argument("--manifest", type=Path, help="benchmark manifest.json (videos, input images, prompts, seeds)")
    p.add_argument("--system", help="which system of the manifest to score")
    p.add_argument("--videos", nargs="*", type=Path, default=[], help="video files (instead of --manifest)")
    p.add_argument("--out", type=Path, required=True, help="result JSON to write")
    p.add_argument("--device", default="cpu", help="cpu or cuda")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("vbench-setup", help="create the vbench virtual environment")
    s.add_argument("--venv", type=Path, default=DEFAULT_VENV, help=f"where (default {DEFAULT_VENV})")
    s.add_argument("--torch", default="torch==2.14.1", help="torch requirement for the venv")
    s.add_argument("--torchvision", default="torchvision==0.29.1", help="matching torchvision requirement")

    s = sub.add_parser("vbench", help="run official vbench dimensions through its venv")
    _add_videos_source(s)
    s.add_argument("--dimensions", default="subject_consistency,background_consistency,motion_smoothness,"
                   "dynamic_degree,aesthetic_quality,imaging_quality", help="comma list (weights from $VBENCH_CACHE_DIR)")  # fmt: skip
    s.add_argument("--venv", type=Path, default=DEFAULT_VENV)

    s = sub.add_parser("i2v", help="native VBench++ I2V dimensions")
    _add_videos_source(s)
    s.add_argument("--dimensions", default="i2v_subject,i2v_background,camera_motion", help="comma list")
    s.add_argument("--dino", help="DINO ViT-B/16 folder or HF id in the cache (i2v_subject)")
    s.add_argument("--dreamsim", help="DreamSim TorchScript/module file (i2v_background)")
    s.add_argument("--cotracker", help="CoTracker repo folder or saved module (camera_motion)")

    s = sub.add_parser("tiktok", help="TikTok-dance metrics (DisCo test split)")
    s.add_argument("--root", type=Path, required=True, help="TikTok dataset folder (00001 … 00340)")
    s.add_argument("--generated", type=Path, required=True, help="GEN/<video_id>/ frames or GEN/<video_id>.mp4")
    s.add_argument("--system", required=True, help="name of the system in the tables")
    s.add_argument("--test-ids", default=None, help="comma list of video ids (default: DisCo's 00335…00340)")
    s.add_argument("--size", type=positive_int, default=256, help="evaluation resolution (square, pixels)")
    s.add_argument("--lpips", default="alex", help="alex | vgg | squeeze | none")
    s.add_argument("--inception", default="default", help="Inception TorchScript path | default (fid-helper) | none")
    s.add_argument("--i3d", default=None, help="I3D TorchScript path (default $REVISION_I3D_PATH) | none")
    s.add_argument("--out", type=Path, required=True, help="result JSON to write")

    s = sub.add_parser("report", help="tables + charts")
    s.add_argument("--results", type=Path, help="folder of result JSON files")
    s.add_argument("--benchmark", type=Path, help="a benchmark run folder (timings.csv, provenance.json)")
    s.add_argument("--out", type=Path, required=True, help="report folder")
    s.add_argument("--charts", default="on", choices=["on", "off"], help="plotly charts (HTML, PNG if possible)")
    return p


def _videos(args) -> tuple[list[Path], list[dict], dict]:
    from eval.results import manifest_videos, video_provenance

    if args.manifest:
        if not args.system:
            raise ValueError("--manifest needs --system")
        items, base = manifest_videos(args.manifest, args.system)
        paths = [base / it["videos"][args.system] for it in items]
        for it in items:
            it["_image"] = base / it["image"]
    elif args.videos:
        paths, items = list(args.videos), [{"input_id": Path(v).stem, "prompt": "", "seed": None} for v in args.videos]
    else:
        raise ValueError("give --manifest FILE --system NAME, or --videos FILES")
    if not paths:
        raise ValueError("no videos to score")
    prov = video_provenance(paths)
    prov["seeds"] = sorted({it.get("seed") for it in items if it.get("seed") is not None})
    prov["videos"] = [str(p) for p in paths]
    return paths, items, prov


def cmd_vbench_setup(args) -> int:
    from eval.vbench.setup_env import VBenchEnvConfig, create

    create(VBenchEnvConfig(venv=args.venv, torch=args.torch, torchvision=args.torchvision))
    return 0


def cmd_vbench(args) -> int:
    from eval.results import write_result
    from eval.vbench.adapter import VBenchAdapter

    paths, items, prov = _videos(args)
    dims = [d.strip() for d in args.dimensions.split(",") if d.strip()]
    res = VBenchAdapter(venv=args.venv, device=args.device).evaluate(paths, dims, [it.get("prompt", "") for it in items])
    prov["implementation"] = "vbench 0.1.5 (PyPI) in its own venv, custom_input mode"
    system = args.system or "videos"
    write_result(args.out, "vbench", system, {d: r.score for d, r in res.items()}, {d: r.per_video for d, r in res.items()}, prov)
    print("\n".join(f"{d}: {r.score:.4f}" for d, r in res.items()))
    return 0


def cmd_i2v(args) -> int:
    import numpy as np

    from eval.results import write_result
    from eval.vbench import NATIVE_DIMENSIONS, I2VSample
    from eval.video_io import read_video
    from revision.io import read_image

    if not args.manifest:
        raise ValueError("i2v needs --manifest (the input image of each video)")
    paths, items, prov = _videos(args)
    dims = [d.strip() for d in args.dimensions.split(",") if d.strip()]
    unknown = [d for d in dims if d not in NATIVE_DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown native dimension(s) {unknown}; choose from {list(NATIVE_DIMENSIONS)}")
    models = {}  # load every backbone first: all missing weights are reported before any work
    errors = []
    for d in dims:
        try:
            if d == "i2v_subject":
                from eval.vbench.i2v_subject import load_dino

                models[d] = load_dino(args.dino, args.device)
            elif d == "i2v_background":
                from eval.vbench.i2v_background import load_dreamsim

                models[d] = load_dreamsim(args.dreamsim, args.device)
            else:
                from eval.vbench.camera_motion import load_cotracker

                models[d] = load_cotracker(args.cotracker, args.device)
        except FileNotFoundError as e:
            errors.append(str(e))
    if errors:
        raise FileNotFoundError("\n".join(errors))
    samples = []
    for it, p in zip(items, paths):
        frames, _ = read_video(p)
        samples.append(I2VSample(np.asarray(read_image(it["_image"], max_pixels=100_000_000)), frames, it.get("prompt", ""), it["input_id"]))
    res = {d: NATIVE_DIMENSIONS[d](samples, model=models[d], device=args.device) for d in dims}
    prov["implementation"] = "native VBench++ I2V dimensions (eval.vbench)"
    prov["backbones"] = {d: type(m).__name__ for d, m in models.items()}
    write_result(args.out, "i2v", args.system, {d: r.score for d, r in res.items()}, {d: r.per_video for d, r in res.items()}, prov)
    print("\n".join(f"{d}: {r.score:.4f}" for d, r in res.items()))
    return 0


def cmd_tiktok(args) -> int:
    from eval.results import write_result
    from eval.tiktok import DISCO_TEST_IDS, evaluate_tiktok, load_generated, load_tiktok

    ids = tuple(i.strip() for i in args.test_ids.split(",")) if args.test_ids else DISCO_TEST_IDS
    videos = load_tiktok(args.root, ids)
    lpips_net = fid_feature = fvd_feature = None
    errors = []
    if args.lpips != "none":
        from eval.lpips import load_lpips

        try:
            lpips_net = load_lpips(args.lpips)
        except (ImportError, FileNotFoundError) as e:
            errors.append(str(e))
    if args.inception != "none":
        from eval.fid import load_inception

        try:
            fid_feature = load_inception(None if args.inception == "default" else args.inception)
        except FileNotFoundError as e:
            errors.append(str(e))
    if args.i3d != "none":
        from eval.fvd import load_i3d

        try:
            fvd_feature = load_i3d(args.i3d)
        except FileNotFoundError as e:
            errors.append(str(e))
    if errors:
        raise FileNotFoundError("\n".join(errors) + "\n(pass `none` for a metric to skip it)")
    gt = [(v.video_id, v.load(args.size)) for v in videos]
    gen = [load_generated(args.generated, v.video_id, args.size) for v in videos]
    res = evaluate_tiktok(gt, gen, lpips_net=lpips_net, fid_feature=fid_feature, fvd_feature=fvd_feature)
    metrics = {k: v for k, v in res.items() if k in ("ssim", "psnr", "l1", "lpips", "fid", "fvd")}
    prov = {"implementation": "eval.tiktok (DisCo protocol)", "resolution": [f"{args.size}x{args.size}"],
            "frames": res["frames"], "num_videos": res["videos"], "test_ids": list(ids), "skipped": res["skipped"],
            "lpips": args.lpips, "frames_dropped": res["frames_dropped"]}  # fmt: skip
    write_result(args.out, "tiktok", args.system, metrics, None, prov)
    print("\n".join(f"{k}: {v:.4f}" for k, v in metrics.items()))
    return 0


def cmd_report(args) -> int:
    from eval.report import make_report

    files = make_report(args.results, args.out, args.benchmark, charts=args.charts == "on")
    print("\n".join(str(f) for f in files))
    return 0


COMMANDS = {"vbench-setup": cmd_vbench_setup, "vbench": cmd_vbench, "i2v": cmd_i2v, "tiktok": cmd_tiktok,
            "report": cmd_report}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ValueError, FileNotFoundError, ImportError, RuntimeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
