"""The annotated-clip shard format shared by the annotation CLI, the synthetic world and training.

One shard per clip: ``<root>/<clip_id>.npz`` (numpy ``savez_compressed``), written atomically
(temporary file + rename) so a killed writer never leaves a half shard behind. Keys:

- ``frames`` (F, H, W, 3) uint8
- ``part_ids`` (F, H, W) int16 and ``confidence`` (F, H, W) float16 — projected part masks
- ``depth`` (F, H, W) float16 metres (0 where unknown)
- ``boxes`` (F, T, 4) float32 per track (NaN where absent)
- ``track{i}.{param}`` — the :class:`revision.types.Track` params of track i
- ``track{i}.confidence`` (F,)
- ``meta`` — a JSON string: clip_id, caption, fps, camera, tracks [{track_id, kind, label}],
  quality {reprojection_iou, ...}, source ("annotate" | "synthetic"), motion_strength, extra
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from revision.types import Camera, ConditionMaps, MotionSequence, Track

SHARD_SUFFIX = ".npz"


@dataclass
class Shard:
    clip_id: str
    frames: np.ndarray
    motion: MotionSequence
    condition: ConditionMaps
    depth: np.ndarray
    boxes: np.ndarray
    caption: str = ""
    source: str = "annotate"
    quality: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def _camera_to_json(cam: Camera) -> dict[str, Any]:
    return {
        "fx": cam.fx, "fy": cam.fy, "cx": cam.cx, "cy": cam.cy, "width": cam.width, "height": cam.height,
        "R": np.asarray(cam.R).tolist(), "t": np.asarray(cam.t).tolist(),
    }  # fmt: skip


def _camera_from_json(d: dict[str, Any]) -> Camera:
    return Camera(
        d["fx"], d["fy"], d["cx"], d["cy"], int(d["width"]), int(d["height"]),
        np.asarray(d["R"], np.float32), np.asarray(d["t"], np.float32),
    )  # fmt: skip


def shard_path(root: str | os.PathLike, clip_id: str) -> Path:
    return Path(root) / f"{clip_id}{SHARD_SUFFIX}"


def write_shard(root: str | os.PathLike, shard: Shard) -> Path:
    """Write ``shard`` atomically; returns its path."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {
        "frames": np.asarray(shard.frames, np.uint8),
        "part_ids": np.asarray(shard.condition.part_ids, np.int16),
        "confidence": np.asarray(shard.condition.confidence, np.float16),
        "depth": np.asarray(shard.depth, np.float16),
        "boxes": np.asarray(shard.boxes, np.float32),
    }
    for i, tr in enumerate(shard.motion.tracks):
        for k, v in tr.params.items():
            arrays[f"track{i}.{k}"] = np.asarray(v, np.float32)
        arrays[f"track{i}.confidence"] = np.asarray(tr.confidence, np.float32)
    meta = {
        "clip_id": shard.clip_id,
        "caption": shard.caption,
        "fps": shard.motion.fps,
        "camera": _camera_to_json(shard.motion.camera),
        "tracks": [{"track_id": t.track_id, "kind": t.kind, "label": t.label} for t in shard.motion.tracks],
        "quality": shard.quality,
        "source": shard.source,
        "motion_strength": shard.motion.motion_strength,
        "extra": shard.extra,
    }
    arrays["meta"] = np.array(json.dumps(meta))
    final = shard_path(root, shard.clip_id)
    fd, tmp = tempfile.mkstemp(dir=root, prefix=f".{shard.clip_id}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, **arrays)
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return final


def read_shard(path: str | os.PathLike, *, load_frames: bool = True) -> Shard:
    """Read a shard written by :func:`write_shard` (``load_frames=False`` skips the pixels)."""
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        tracks = []
        for i, t in enumerate(meta["tracks"]):
            prefix = f"track{i}."
            params = {
                k[len(prefix) :]: z[k] for k in z.files if k.startswith(prefix) and k != f"{prefix}confidence"
            }
            tracks.append(Track(t["track_id"], t["kind"], params, z[f"{prefix}confidence"], t.get("label", "")))
        part_ids = z["part_ids"]
        frames = z["frames"] if load_frames else np.zeros((part_ids.shape[0], 0, 0, 3), np.uint8)
        motion = MotionSequence(
            tracks, _camera_from_json(meta["camera"]), int(part_ids.shape[0]), float(meta["fps"]),
            meta.get("motion_strength"),
        )  # fmt: skip
        return Shard(
            clip_id=meta["clip_id"],
            frames=frames,
            motion=motion,
            condition=ConditionMaps(part_ids, z["confidence"].astype(np.float32)),
            depth=z["depth"].astype(np.float32) if load_frames else np.zeros(0, np.float32),
            boxes=z["boxes"],
            caption=meta.get("caption", ""),
            source=meta.get("source", "annotate"),
            quality=meta.get("quality", {}),
            extra=meta.get("extra", {}),
        )


def list_shards(root: str | os.PathLike) -> list[Path]:
    """Complete shards under ``root``, sorted (temporary files of killed writers are ignored)."""
    return sorted(p for p in Path(root).glob(f"*{SHARD_SUFFIX}") if not p.name.startswith("."))
