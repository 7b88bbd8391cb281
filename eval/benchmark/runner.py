"""The benchmark runner: every model on every input image, same seed per image, resumable, sharded.

Work is a list of (model, input) jobs. A job is done when its video and its sidecar JSON exist (both written
to a temporary name and renamed), so an interrupted run resumes where it stopped. Pending jobs are split
across processes with ``accelerate``'s ``PartialState.split_between_processes`` (``accelerate launch
--num_processes N -m eval.benchmark ...`` on N GPUs, or machines sharing the output folder). The main process
then writes ``manifest.json`` (the user study's input), ``timings.csv`` and ``provenance.json``.

Layout of ``out/``: ``inputs/<id>.png``, ``videos/<system>/<id>.mp4`` (+ ``.json`` sidecar),
``systems/<system>.json`` (the model's settings), ``manifest.json``, ``timings.csv``, ``provenance.json``.

Sizes: the systems write different native sizes (the video models their own size, ``revision-animation`` the
photo's aspect; see :mod:`eval.benchmark.models`). The export brings them together (:func:`export_frames`):
``fit="cover"`` (default) centre-crops every video to ``export_size`` — one size and one framing for all, the
crop the video models already applied to the photo when the export aspect is theirs; ``fit="contain"`` keeps
each video's own aspect, scaled to fit inside ``export_size``; ``export_size=None`` keeps the native size.
The sidecars and the manifest record every video's native and exported size.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import groupby
from pathlib import Path

import numpy as np
import PIL.Image
from tqdm import tqdm

from eval.benchmark.inputs import InputItem, load_inputs
from eval.benchmark.models import MODEL_KINDS, VideoModel, load_model
from eval.video_io import resize_frames, write_video
from revision.io import read_image

ModelFactory = Callable[[str, str], VideoModel]  # (kind, device) -> model
MAX_INPUT_PIXELS = 100_000_000  # input images above this are refused (a corrupt or hostile file, not a photo)
EXPORT_FITS = ("cover", "contain")


def contain_size(height: int, width: int, box_h: int, box_w: int) -> tuple[int, int]:
    """(H, W) of a ``height`` x ``width`` video scaled to fit inside ``box_h`` x ``box_w``, aspect kept, sides
    even (video codecs want even sides) and at least 2."""
    s = min(box_h / height, box_w / width)
    return (max(2, min(box_h // 2 * 2, round(height * s / 2) * 2)),
            max(2, min(box_w // 2 * 2, round(width * s / 2) * 2)))  # fmt: skip


def export_frames(frames: np.ndarray, size: tuple[int, int] | None, fit: str = "cover") -> np.ndarray:
    """(F, H, W, 3) uint8 → the exported frames: ``size=None`` native; ``cover``: cover + centre crop to ``size``;
    ``contain``: the video's own aspect, scaled to fit inside ``size`` (Lanczos)."""
    if fit not in EXPORT_FITS:
        raise ValueError(f"export fit must be one of {', '.join(EXPORT_FITS)}, got {fit!r}")
    if size is None:
        return frames
    if fit == "cover":
        return resize_frames(frames, *size)
    h, w = contain_size(*frames.shape[1:3], *size)
    if (h, w) == frames.shape[1:3]:
        return frames
    return np.stack([np.asarray(PIL.Image.fromarray(f).resize((w, h), PIL.Image.Resampling.LANCZOS)) for f in frames])


@dataclass
class BenchmarkConfig:
    models: list[str]  # subset of MODEL_KINDS, in run order
    images: Path
    prompts: str  # a prompts file, or "suite" (prompt = image name)
    out: Path
    weights: dict[str, str | None] = field(default_factory=dict)  # kind -> path/HF id/"tiny-random" (None: default)
    seed: int = 0  # base seed; each image gets its own, the same for every model
    export_size: tuple[int, int] | None = (576, 1024)  # (H, W) box every video is exported to; None: native size
    export_fit: str = "cover"  # cover: centre crop to export_size (one size, one framing); contain: own aspect kept
    video_format: str = "mp4"  # mp4 | gif
    limit: int | None = None  # only the first N images
    warmup: int = 0  # untimed generations per model and process before timing (CUDA kernels, caches)


def job_paths(out: Path, system: str, iid: str, fmt: str) -> tuple[Path, Path]:
    video = out / "videos" / system / f"{iid}.{fmt}"
    return video, video.with_suffix(".json")


def is_done(out: Path, system: str, iid: str, fmt: str) -> bool:
    video, side = job_paths(out, system, iid, fmt)
    return video.exists() and side.exists()


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text)
    tmp.replace(path)


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def run_job(model: VideoModel, item: InputItem, cfg: BenchmarkConfig, device: str, process_index: int = 0) -> dict:
    """Generate one video, time it, export it and write its sidecar. Returns the sidecar dict."""
    image = read_image(item.image, max_pixels=MAX_INPUT_PIXELS)
    _sync(device)
    t0 = time.perf_counter()
    gen = model.generate(image, item.prompt, item.seed)
    _sync(device)
    seconds = time.perf_counter() - t0
    native = list(gen.frames.shape[1:3])
    frames = export_frames(gen.frames, cfg.export_size, cfg.export_fit)
    video, side = job_paths(cfg.out, model.name, item.input_id, cfg.video_format)
    video.parent.mkdir(parents=True, exist_ok=True)
    tmp = video.with_name(f".{video.stem}.tmp{os.getpid()}{video.suffix}")
    write_video(tmp, frames, gen.fps)
    tmp.replace(video)
    record = {
        "input_id": item.input_id, "system": model.name, "video": str(video.relative_to(cfg.out)),
        "prompt": item.prompt, "seed": item.seed, "seconds": seconds, "stage_timings": gen.stage_timings,
        "fps": gen.fps, "num_frames": int(frames.shape[0]), "native_size": native,
        "export_size": list(frames.shape[1:3]), **_export_settings(cfg),
        "device": device, "process_index": process_index, "info": gen.info,
    }  # fmt: skip
    _atomic_write_text(side, json.dumps(record, indent=1))
    return record


def _export_settings(cfg: BenchmarkConfig) -> dict:
    """How a run exports (recorded in each sidecar; a resumed run must export the same way)."""
    return {"export_fit": cfg.export_fit if cfg.export_size else "native",
            "export_box": list(cfg.export_size) if cfg.export_size else None}  # fmt: skip


def check_export_consistent(cfg: BenchmarkConfig, jobs: Sequence[tuple[str, InputItem]]) -> None:
    """Refuse to resume into a folder whose finished videos were exported another way (sizes would mix)."""
    want = _export_settings(cfg)
    for system, it in jobs:
        _, side = job_paths(cfg.out, system, it.input_id, cfg.video_format)
        rec = json.loads(side.read_text())
        got = {k: rec[k] for k in want if k in rec}
        if got and got != {k: want[k] for k in got}:
            raise ValueError(f"{side}: exported with {got}, this run asks for {want}; use another --out "
                             "or the same --export-size/--export-fit")  # fmt: skip


def _copy_inputs(items: Sequence[InputItem], out: Path) -> None:
    (out / "inputs").mkdir(parents=True, exist_ok=True)
    for it in items:
        dst = out / "inputs" / f"{it.input_id}.png"
        if not dst.exists():
            read_image(it.image, max_pixels=MAX_INPUT_PIXELS).save(dst)


def write_manifest(cfg: BenchmarkConfig, items: Sequence[InputItem]) -> Path:
    """Collect every sidecar into ``manifest.json`` (user_study's schema + seed/timings/sizes), ``timings.csv``
    and ``provenance.json``. Inputs a system has no video for are listed without it. ``sizes`` /
    ``native_sizes``: per system, the exported / generated [H, W] of that input's video."""
    out = cfg.out
    rows, manifest_items = [], []
    for it in items:
        entry = {"input_id": it.input_id, "image": f"inputs/{it.input_id}.png", "prompt": it.prompt,
                 "seed": it.seed, "videos": {}, "timings": {}, "sizes": {}, "native_sizes": {}}  # fmt: skip
        for system in cfg.models:
            _, side = job_paths(out, system, it.input_id, cfg.video_format)
            if is_done(out, system, it.input_id, cfg.video_format):
                rec = json.loads(side.read_text())
                entry["videos"][system] = rec["video"]
                entry["timings"][system] = rec["seconds"]
                entry["sizes"][system] = rec["export_size"]
                entry["native_sizes"][system] = rec["native_size"]
                rows.append(rec)
        manifest_items.append(entry)
    export = {"size": list(cfg.export_size) if cfg.export_size else None,
              "fit": cfg.export_fit if cfg.export_size else "native"}  # fmt: skip
    manifest = {"version": 1, "systems": list(cfg.models), "export": export, "items": manifest_items}
    _atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=1))
    with open(out / "timings.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["system", "input_id", "seconds", "num_frames", "fps", "native_h", "native_w", "device",
                    "export_h", "export_w"])  # fmt: skip
        for r in rows:
            w.writerow([r["system"], r["input_id"], f"{r['seconds']:.4f}", r["num_frames"], r["fps"],
                        *r["native_size"], r["device"], *r["export_size"]])  # fmt: skip
    systems = {}
    for s in cfg.models:
        p = out / "systems" / f"{s}.json"
        systems[s] = json.loads(p.read_text()) if p.exists() else {}
    prov = {"config": {**asdict(cfg), "images": str(cfg.images), "out": str(cfg.out)}, "systems": systems,
            "num_inputs": len(items), "videos": {s: sum(1 for r in rows if r["system"] == s) for s in cfg.models},
            "host": platform.node(), "written": time.strftime("%Y-%m-%d %H:%M:%S")}  # fmt: skip
    _atomic_write_text(out / "provenance.json", json.dumps(prov, indent=1, default=str))
    return out / "manifest.json"


def run_benchmark(cfg: BenchmarkConfig, factory: ModelFactory | None = None, state=None, progress: bool = True) -> Path:
    """Run all pending jobs of this process's shard; the main process writes the manifest. Returns its path."""
    from accelerate import PartialState

    unknown = [m for m in cfg.models if m not in MODEL_KINDS]
    if unknown or not cfg.models:
        raise ValueError(f"unknown model(s) {unknown}; choose from {', '.join(MODEL_KINDS)}")
    if cfg.video_format not in ("mp4", "gif"):
        raise ValueError(f"video_format must be mp4 or gif, got {cfg.video_format!r}")
    if cfg.export_fit not in EXPORT_FITS:
        raise ValueError(f"export fit must be one of {', '.join(EXPORT_FITS)}, got {cfg.export_fit!r}")
    if state is None:
        import torch

        # cpu=True lets torchrun-started CPU processes (accelerate launch --multi_gpu on a GPU-less host) form a
        # gloo group instead of running as independent single processes
        state = PartialState(cpu=not torch.cuda.is_available())
    device = str(state.device)
    factory = factory or (lambda kind, dev: load_model(kind, cfg.weights.get(kind), dev))
    items = load_inputs(cfg.images, cfg.prompts, cfg.seed, cfg.limit)
    cfg.out.mkdir(parents=True, exist_ok=True)
    if state.is_main_process:
        _copy_inputs(items, cfg.out)
    state.wait_for_everyone()
    done = {(m, it.input_id): is_done(cfg.out, m, it.input_id, cfg.video_format) for m in cfg.models for it in items}
    pending = [(m, it) for m in cfg.models for it in items if not done[m, it.input_id]]
    check_export_consistent(cfg, [(m, it) for m in cfg.models for it in items if done[m, it.input_id]])
    state.wait_for_everyone()  # every process has listed the same pending jobs before anyone writes
    with state.split_between_processes(pending) as mine:
        bar = tqdm(total=len(mine), desc=f"benchmark [rank {state.process_index}]", disable=not progress)
        for kind, jobs in groupby(mine, key=lambda j: j[0]):
            model = factory(kind, device)
            side = cfg.out / "systems" / f"{kind}.json"
            side.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write_text(side, json.dumps(model.describe(), indent=1, default=str))
            for _ in range(cfg.warmup):
                model.generate(read_image(items[0].image, max_pixels=MAX_INPUT_PIXELS), items[0].prompt, items[0].seed)
            for _, item in jobs:
                run_job(model, item, cfg, device, state.process_index)
                bar.update(1)
            del model
        bar.close()
    state.wait_for_everyone()
    if state.is_main_process:
        write_manifest(cfg, items)
    state.wait_for_everyone()
    return cfg.out / "manifest.json"


def copy_tree_for_study(out: Path, dest: Path) -> None:
    """Copy a finished run (manifest + inputs + videos) somewhere else; paths in the manifest are relative."""
    shutil.copytree(out, dest, dirs_exist_ok=True)
