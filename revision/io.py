"""Reading user images and writing clips and runs to disk (atomically: never a half-written file)."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import PIL.Image

from revision.types import Clip, ConditionMaps, MotionSequence, Track

if TYPE_CHECKING:
    from revision.pipeline import ReVisionOutput

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}
VIDEO_SUFFIXES = {".mp4", ".gif", ".webm"}


class ImageReadError(ValueError):
    """The file is missing, not an image, or corrupt; the message is meant for the user."""


def read_image(path: str | os.PathLike, *, max_pixels: int = 40_000_000, mode: str = "RGB") -> PIL.Image.Image:
    """Open and fully decode an image as ``mode``; clear errors for missing, non-image, corrupt or huge files."""
    p = Path(path)
    if not p.is_file():
        raise ImageReadError(f"{p}: no such file")
    PIL.Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with PIL.Image.open(p) as im:
            if im.size[0] * im.size[1] > max_pixels:
                w, h = im.size
                raise ImageReadError(f"{p}: image too large ({w}x{h}; the limit is {max_pixels / 1e6:.0f} MP)")
            im.load()
            return im.convert(mode)
    except PIL.Image.DecompressionBombError as e:
        raise ImageReadError(f"{p}: image too large ({e})") from e
    except (PIL.UnidentifiedImageError, OSError, SyntaxError) as e:
        raise ImageReadError(f"{p}: not a readable image ({type(e).__name__}: {e})") from e


@contextmanager
def atomic_path(final: str | os.PathLike):
    """Yield a temporary path next to ``final``; rename it onto ``final`` only if the block succeeds."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.stem}.", suffix=final.suffix)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the final file normal permissions
    try:
        yield Path(tmp)
        os.replace(tmp, final)
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_video(path: str | os.PathLike, clip: Clip | np.ndarray, fps: float | None = None) -> Path:
    """Write (F, H, W, 3) uint8 frames as mp4 (H.264 via imageio-ffmpeg) or gif, atomically."""
    import imageio.v3 as iio

    frames = clip.frames if isinstance(clip, Clip) else np.asarray(clip)
    fps = fps or (clip.fps if isinstance(clip, Clip) else 7.0)
    path = Path(path)
    if path.suffix.lower() not in VIDEO_SUFFIXES:
        raise ValueError(f"{path}: output must end in one of {sorted(VIDEO_SUFFIXES)}")
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".gif":
            iio.imwrite(tmp, frames, extension=".gif", duration=1000 / fps, loop=0)
        else:
            # even sizes for yuv420p; macro_block_size=1 keeps tiny clips at their size
            iio.imwrite(
                tmp, frames, extension=path.suffix, plugin="FFMPEG", fps=fps,
                codec="libx264", macro_block_size=1, pixelformat="yuv420p", output_params=["-crf", "18"],
            )  # fmt: skip
    return path


def read_video(path: str | os.PathLike) -> Clip:
    """Decode a video file to a Clip (fps from its metadata when present)."""
    import imageio.v3 as iio

    frames = np.asarray(iio.imread(path, plugin="FFMPEG" if str(path).endswith((".mp4", ".webm")) else None))
    try:
        fps = float(iio.immeta(path, plugin="FFMPEG").get("fps", 7.0))
    except Exception:
        fps = 7.0
    if frames.ndim == 3:
        frames = frames[None]
    return Clip(np.ascontiguousarray(frames[..., :3]).astype(np.uint8), fps=fps)


def motion_to_json(motion: MotionSequence) -> dict:
    """A JSON-friendly dict of a motion sequence (lists of floats)."""
    cam = motion.camera
    return {
        "num_frames": motion.num_frames,
        "fps": motion.fps,
        "motion_strength": motion.motion_strength,
        "camera": {**{k: getattr(cam, k) for k in ("fx", "fy", "cx", "cy", "width", "height")},
                   "R": np.asarray(cam.R).tolist(), "t": np.asarray(cam.t).tolist()},
        "tracks": [
            {"track_id": t.track_id, "kind": t.kind, "label": t.label, "confidence": np.asarray(t.confidence).tolist(),
             "params": {k: np.asarray(v).tolist() for k, v in t.params.items()}}
            for t in motion.tracks
        ],
    }  # fmt: skip


def motion_from_json(d: dict) -> MotionSequence:
    from revision.types import Camera

    c = d["camera"]
    cam = Camera(c["fx"], c["fy"], c["cx"], c["cy"], c["width"], c["height"],
                 np.asarray(c["R"], np.float32), np.asarray(c["t"], np.float32))  # fmt: skip
    tracks = [
        Track(t["track_id"], t["kind"], {k: np.asarray(v, np.float32) for k, v in t["params"].items()},
              np.asarray(t["confidence"], np.float32), t.get("label", ""))
        for t in d["tracks"]
    ]  # fmt: skip
    return MotionSequence(tracks, cam, d["num_frames"], d.get("fps", 7.0), d.get("motion_strength"))


def save_run(out: ReVisionOutput, directory: str | os.PathLike, image: PIL.Image.Image | None = None) -> Path:
    """Write every intermediate of a run to ``directory`` (what ``--save-intermediates`` produces).

    Files: input.png, coarse.mp4 (S1), condition.mp4 (part masks, coloured), final.mp4 (S3),
    condition.npz, motion_raw.json / motion_refined.json (when S2 produced motion), run.json
    (timings, backends, notes, settings).
    """
    from revision.palette import colorize

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    if image is not None:
        with atomic_path(d / "input.png") as tmp:
            image.save(tmp, format="PNG")
    write_video(d / "coarse.mp4", out.coarse)
    write_video(d / "final.mp4", out.final)
    write_video(d / "condition.mp4", colorize(out.condition.part_ids), fps=out.final.fps)
    with atomic_path(d / "condition.npz") as tmp:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, part_ids=out.condition.part_ids, confidence=out.condition.confidence)
    for name, motion in (("motion_raw.json", out.raw_motion), ("motion_refined.json", out.refined_motion)):
        if motion is not None:
            with atomic_path(d / name) as tmp:
                tmp.write_text(json.dumps(motion_to_json(motion)))
    meta = {"timings": out.timings, "backends": out.backends, "notes": out.notes, "settings": out.settings}
    with atomic_path(d / "run.json") as tmp:
        tmp.write_text(json.dumps(meta, indent=2, default=lambda o: asdict(o) if hasattr(o, "__dataclass_fields__") else str(o)))
    return d


def load_run(directory: str | os.PathLike) -> dict:
    """Read back what :func:`save_run` wrote: paths of the videos plus the parsed JSON/arrays."""
    d = Path(directory)
    if not (d / "run.json").is_file():
        raise FileNotFoundError(f"{d}: not a saved ReVision run (no run.json)")
    run = json.loads((d / "run.json").read_text())
    run["dir"] = str(d)
    for name in ("input.png", "coarse.mp4", "condition.mp4", "final.mp4"):
        run[name.split(".")[0]] = str(d / name) if (d / name).is_file() else None
    for key in ("motion_raw", "motion_refined"):
        p = d / f"{key}.json"
        run[key] = motion_from_json(json.loads(p.read_text())) if p.is_file() else None
    if (d / "condition.npz").is_file():
        with np.load(d / "condition.npz") as z:
            run["condition_maps"] = ConditionMaps(z["part_ids"], z["confidence"])
    return run
