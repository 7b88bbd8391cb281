"""The result file every evaluation command writes, and the provenance it carries.

``{"kind": "vbench" | "tiktok" | "i2v", "system": str, "metrics": {name: float}, "per_video": {name: [..]},
"provenance": {"implementation", "resolution": [H, W], "frames", "fps", "num_videos", "seeds", "videos"}}``
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from eval.video_io import read_video


def video_provenance(paths: Sequence[str | Path]) -> dict[str, Any]:
    """Resolution, frame counts and fps actually found in the video files (ranges when they differ)."""
    sizes, frames, fps = set(), set(), set()
    for p in paths:
        f, r = read_video(p)
        sizes.add(f"{f.shape[1]}x{f.shape[2]}")
        frames.add(int(f.shape[0]))
        fps.add(round(float(r), 3))
    return {"resolution": sorted(sizes), "frames": sorted(frames), "fps": sorted(fps), "num_videos": len(paths)}


def manifest_videos(manifest_path: str | Path, system: str) -> tuple[list[dict], Path]:
    """Items of a benchmark manifest that have a video of ``system`` (+ the folder paths resolve against)."""
    path = Path(manifest_path)
    data = json.loads(path.read_text())
    if system not in data.get("systems", []):
        raise ValueError(f"system {system!r} is not in {path} (systems: {data.get('systems')})")
    return [it for it in data["items"] if system in it["videos"]], path.parent


def write_result(out: str | Path, kind: str, system: str, metrics: dict[str, float],
                 per_video: dict[str, list] | None = None, provenance: dict | None = None) -> Path:  # fmt: skip
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"kind": kind, "system": system, "metrics": {k: float(v) for k, v in metrics.items()},
               "per_video": per_video or {}, "provenance": {**(provenance or {}),
               "written": time.strftime("%Y-%m-%d %H:%M:%S")}}  # fmt: skip
    out.write_text(json.dumps(payload, indent=1, default=_jsonable))
    return out


def _jsonable(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    return str(x)


def load_results(folder: str | Path) -> list[dict]:
    """Every result file (``*.json`` with a ``kind``) under ``folder``."""
    out = []
    for p in sorted(Path(folder).rglob("*.json")):
        try:
            d = json.loads(p.read_text())
        except json.JSONDecodeError:
            continue
        if isinstance(d, dict) and {"kind", "system", "metrics"} <= d.keys():
            d["_path"] = str(p)
            out.append(d)
    return out
