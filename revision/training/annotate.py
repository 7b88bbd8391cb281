"""Annotate videos into training shards (the paper's data pipeline, Sec. B, with the backends we have).

    python -m revision.training.annotate VIDEOS_DIR --out SHARDS_DIR [--workers 2] [--num-frames 16]

Per clip: frames (sub-sampled to ``--fps``, resized to ``--max-side``), caption (sidecar ``<video>.txt``
or ``--captions FILE.json``), boxes, masks → tracks (SMPL-X / SMAL / 21-point objects), depth,
projected part masks + confidence (``revision.render.render_condition``), quality scores and a filter:
the *reprojection IoU* (rendered tracks vs detected masks, mean over frames) must reach ``--min-iou``.
One shard per clip (:mod:`revision.shards`, written atomically), so the run is **resumable**: clips
with a shard, or recorded as rejected/failed in ``SHARDS_DIR/_annotate_log.jsonl``, are skipped
(``--retry-failed`` retries the latter). Corrupt or unreadable videos are logged with the reason.

Many machines: every process takes the clips with ``index % num_shards == shard_index``; both default
to ``accelerate``'s ``WORLD_SIZE`` / ``RANK`` environment, so
``accelerate launch --num_machines M --num_processes N -m revision.training.annotate VIDEOS --out SHARDS``
splits the work with no coordination beyond a shared ``SHARDS`` folder.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("revision.annotate")
VIDEO_EXTS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".gif", ".m4v")
LOG_NAME = "_annotate_log.jsonl"


@dataclass
class AnnotateSettings:
    num_frames: int = 16  # frames per clip (the first ones after sub-sampling)
    fps: float = 7.0  # sub-sampling rate (the video model's rate)
    max_side: int = 512  # longer image side after resizing
    min_iou: float = 0.3  # quality filter: reprojection IoU below this → rejected
    fit_iters: int | None = None  # SMPL-X full-stage iterations (None: production default)


def find_videos(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in VIDEO_EXTS and not p.name.startswith("."))


def clip_id_for(video: Path, root: Path) -> str:
    rel = video.relative_to(root).with_suffix("")
    return "__".join(rel.parts).replace(" ", "_")


def read_clip(path: Path, settings: AnnotateSettings):
    """Video → Clip (sub-sampled, resized); raises ValueError with the reason if unreadable."""
    import cv2
    import imageio.v2 as iio

    from revision.types import Clip

    try:
        reader = iio.get_reader(str(path))
        meta = reader.get_meta_data()
        src_fps = float(meta.get("fps") or settings.fps)
        step = max(1.0, src_fps / settings.fps)
        frames, want = [], 0.0
        for i, fr in enumerate(reader):
            if i + 1e-6 >= want:
                frames.append(np.asarray(fr)[..., :3])
                want += step
            if len(frames) >= settings.num_frames:
                break
        reader.close()
    except Exception as e:  # noqa: BLE001 - any decoder failure is a corrupt video
        raise ValueError(f"cannot decode video: {type(e).__name__}: {str(e).splitlines()[0][:200]}") from e
    if len(frames) < 2:
        raise ValueError(f"video has {len(frames)} readable frame(s); need ≥ 2")
    h, w = frames[0].shape[:2]
    s = settings.max_side / max(h, w)
    nh, nw = max(8, round(h * s / 8) * 8), max(8, round(w * s / 8) * 8)
    arr = np.stack([cv2.resize(np.ascontiguousarray(f), (nw, nh), interpolation=cv2.INTER_AREA) for f in frames])
    return Clip(arr.astype(np.uint8), fps=settings.fps)


def reprojection_iou(part_ids: np.ndarray, detections) -> float:
    """Mean over frames of IoU(rendered foreground, union of detected masks); frames where both are empty skipped."""
    from revision.perception.base import mask_iou

    ious = []
    for f, dets in enumerate(detections.frames):
        seen = np.zeros(part_ids.shape[1:], bool)
        for d in dets:
            if d.mask is not None and d.track_id >= 0:
                seen |= d.mask
        rendered = part_ids[f] > 0
        if seen.any() or rendered.any():
            ious.append(mask_iou(rendered, seen))
    return float(np.mean(ious)) if ious else 0.0


def annotate_clip(video: Path, root: Path, out: Path, settings: AnnotateSettings, caption: str = "") -> dict[str, Any]:
    """One video → one shard (or a rejection). Returns the log record."""
    from revision.lifting import ExtractConfig, extract_motion
    from revision.render import render_condition
    from revision.shards import Shard, write_shard

    cid = clip_id_for(video, root)
    t0 = time.perf_counter()
    try:
        clip = read_clip(video, settings)
    except ValueError as e:
        return {"clip_id": cid, "video": str(video), "status": "failed", "reason": str(e)}
    cfg = ExtractConfig()
    if settings.fit_iters is not None:
        cfg.smplx.iters_full = settings.fit_iters
        cfg.smplx.iters_3d = max(1, settings.fit_iters // 3)
        cfg.smal.iters = settings.fit_iters
    ex = extract_motion(clip, config=cfg)
    motion, dets = ex.motion, ex.detections
    if not motion.tracks:
        return {"clip_id": cid, "video": str(video), "status": "rejected", "reason": "no tracks",
                "notes": ex.notes}  # fmt: skip
    cond = render_condition(motion, clip.height, clip.width)
    iou = reprojection_iou(cond.part_ids, dets)
    quality = {"reprojection_iou": iou, **{f"track{t['track_id']}_reprojection_px": t["reprojection_px"]
               for t in ex.tracks if "reprojection_px" in t}}  # fmt: skip
    if iou < settings.min_iou:
        return {"clip_id": cid, "video": str(video), "status": "rejected",
                "reason": f"reprojection IoU {iou:.3f} < {settings.min_iou}", "quality": quality}  # fmt: skip
    boxes = np.full((clip.num_frames, len(motion.tracks), 4), np.nan, np.float32)
    for f, fd in enumerate(dets.frames):
        for ti, tr in enumerate(motion.tracks):
            d = next((d for d in fd if d.track_id == tr.track_id), None)
            if d is not None:
                boxes[f, ti] = d.box
    shard = Shard(
        clip_id=cid, frames=clip.frames, motion=motion, condition=cond, depth=ex.depth, boxes=boxes,
        caption=caption, source="annotate", quality=quality,
        extra={"backends": {**ex.backends, "part_masks": "revision.render mesh rasteriser"}, "notes": ex.notes,
               "video": str(video)},
    )  # fmt: skip
    write_shard(out, shard)
    return {"clip_id": cid, "video": str(video), "status": "written", "quality": quality,
            "tracks": [t.kind for t in motion.tracks], "seconds": round(time.perf_counter() - t0, 2)}  # fmt: skip


def _worker(args: tuple[str, str, str, dict, str]) -> dict[str, Any]:
    video, root, out, settings, caption = args
    try:
        return annotate_clip(Path(video), Path(root), Path(out), AnnotateSettings(**settings), caption)
    except Exception as e:  # noqa: BLE001 - one bad clip must not stop the run; the reason is logged
        return {"clip_id": clip_id_for(Path(video), Path(root)), "video": video, "status": "failed",
                "reason": f"{type(e).__name__}: {e}"}  # fmt: skip


def read_log(out: Path) -> dict[str, dict[str, Any]]:
    """Last record per clip id from ``_annotate_log.jsonl`` (a killed run may leave a torn last line)."""
    records: dict[str, dict[str, Any]] = {}
    path = out / LOG_NAME
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                r = json.loads(line)
                records[r["clip_id"]] = r
            except (json.JSONDecodeError, KeyError):
                continue
    return records


def _captions(videos: list[Path], captions_file: Path | None) -> dict[Path, str]:
    table: dict[str, str] = {}
    if captions_file is not None:
        table = json.loads(captions_file.read_text())
        if not isinstance(table, dict):
            raise ValueError(f"{captions_file}: expected a JSON object {{video file name: caption}}")
    out = {}
    for v in videos:
        side = v.with_suffix(".txt")
        out[v] = table.get(v.name) or table.get(str(v)) or (side.read_text().strip() if side.exists() else "")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m revision.training.annotate", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="Sharded on many machines: accelerate launch ... -m revision.training.annotate")  # fmt: skip
    p.add_argument("videos_dir", type=Path, help="folder searched recursively for videos")
    p.add_argument("--out", type=Path, required=True, help="shard folder (created; reruns resume)")
    p.add_argument("--captions", type=Path, default=None, help="JSON {video file name: caption} (else <video>.txt)")
    p.add_argument("--workers", type=int, default=1, help="parallel processes on this machine")
    p.add_argument("--num-frames", type=int, default=16)
    p.add_argument("--fps", type=float, default=7.0)
    p.add_argument("--max-side", type=int, default=512)
    p.add_argument("--min-iou", type=float, default=0.3, help="reject fits whose reprojection IoU is below this")
    p.add_argument("--fit-iters", type=int, default=None, help="fewer fitting iterations (tests / previews)")
    p.add_argument("--num-shards", type=int, default=int(os.environ.get("WORLD_SIZE", 1)))
    p.add_argument("--shard-index", type=int, default=int(os.environ.get("RANK", 0)))
    p.add_argument("--retry-failed", action="store_true", help="retry clips logged as rejected/failed")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if not args.videos_dir.is_dir():
        p.error(f"{args.videos_dir} is not a folder")
    if not 0 <= args.shard_index < args.num_shards:
        p.error(f"--shard-index {args.shard_index} not in [0, {args.num_shards})")
    videos = find_videos(args.videos_dir)
    if not videos:
        p.error(f"no videos ({', '.join(VIDEO_EXTS)}) under {args.videos_dir}")
    videos = [v for i, v in enumerate(videos) if i % args.num_shards == args.shard_index]
    settings = AnnotateSettings(args.num_frames, args.fps, args.max_side, args.min_iou, args.fit_iters)
    args.out.mkdir(parents=True, exist_ok=True)
    from revision.shards import shard_path

    done = read_log(args.out)
    todo, skipped = [], 0
    for v in videos:
        cid = clip_id_for(v, args.videos_dir)
        prev = done.get(cid, {}).get("status")
        if shard_path(args.out, cid).exists() or (prev in ("rejected", "failed") and not args.retry_failed):
            skipped += 1
        else:
            todo.append(v)
    try:
        caps = _captions(todo, args.captions)
    except (OSError, ValueError) as e:
        p.error(str(e))
    jobs = [(str(v), str(args.videos_dir), str(args.out), asdict(settings), caps[v]) for v in todo]
    from tqdm import tqdm

    results: list[dict[str, Any]] = []
    with open(args.out / LOG_NAME, "a") as logf, tqdm(total=len(jobs), desc="annotate", unit="clip") as bar:

        def record(r: dict[str, Any]) -> None:
            logf.write(json.dumps(r) + "\n")
            logf.flush()
            results.append(r)
            if r["status"] != "written":
                log.warning("%s %s: %s", r["clip_id"], r["status"], r.get("reason", ""))
            bar.update(1)

        if args.workers <= 1:
            for j in jobs:
                record(_worker(j))
        else:
            import multiprocessing as mp

            with ProcessPoolExecutor(args.workers, mp_context=mp.get_context("spawn")) as ex:
                for fut in as_completed([ex.submit(_worker, j) for j in jobs]):
                    record(fut.result())
    _summary(results, skipped)
    return 0


def _summary(results: list[dict[str, Any]], skipped: int) -> None:
    counts = {s: sum(r["status"] == s for r in results) for s in ("written", "rejected", "failed")}
    ious = [r["quality"]["reprojection_iou"] for r in results if r.get("quality")]
    rows = [("written", counts["written"]), ("rejected (quality / no tracks)", counts["rejected"]),
            ("failed (corrupt / error)", counts["failed"]), ("skipped (already done)", skipped),
            ("mean reprojection IoU", f"{np.mean(ious):.3f}" if ious else "-")]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    print("\n" + "-" * (width + 12))
    for k, v in rows:
        print(f"{k:<{width}}  {v!s:>8}")
    print("-" * (width + 12))


if __name__ == "__main__":
    sys.exit(main())
