"""Reading user images and writing clips and runs to disk (atomically: never a half-written file)."""

from __future__ import annotations

import json
import os
import struct
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


class VideoReadError(ValueError):
    """The file is missing, empty, not a video, or corrupt; the message names the file on one line."""


def _open_lazy(p: Path) -> PIL.Image.Image:
    """Open ``p`` without decoding it, and without Pillow's process-wide size check (``MAX_IMAGE_PIXELS``,
    applied inside ``PIL.Image.open``): :func:`read_image` applies its own limit to the header's size instead.

    Each registered format whose signature test accepts the first bytes is tried with its plugin, the format
    the suffix names first; the plugin opens the file itself (and closes it on failure or ``close()``).
    """
    PIL.Image.init()
    with open(p, "rb") as f:
        prefix = f.read(16)
    named = PIL.Image.registered_extensions().get(p.suffix.lower())
    for fmt in [named, *(f for f in PIL.Image.ID if f != named)]:
        if fmt not in PIL.Image.OPEN:
            continue
        factory, accept = PIL.Image.OPEN[fmt]
        try:
            if accept is None or accept(prefix) is True:
                return factory(str(p), str(p))
        except (SyntaxError, IndexError, TypeError, struct.error):
            continue  # not this format after all
    raise PIL.UnidentifiedImageError(f"cannot identify image file {str(p)!r}")


def _fit_size(w: int, h: int, max_side: int | None) -> tuple[int, int]:
    """(w, h) scaled down (aspect kept) so the longer side is at most ``max_side``; unchanged when it fits."""
    if max_side is None or max(w, h) <= max_side:
        return w, h
    s = max_side / max(w, h)
    return max(1, round(w * s)), max(1, round(h * s))


def read_image(
    path: str | os.PathLike, *, max_pixels: int = 40_000_000, mode: str = "RGB", max_side: int | None = None
) -> PIL.Image.Image:
    """Open and decode an image as ``mode``; clear errors for missing, non-image, corrupt or huge files.

    ``max_pixels`` is checked on the size in the file's header, before anything is decoded (this limit
    replaces Pillow's process-wide ``MAX_IMAGE_PIXELS``, which is neither read nor changed).
    ``max_side``: decode downscaled so that the longer side is at most this many pixels (aspect kept;
    ``None``: full resolution). JPEGs are decoded at 1/2, 1/4 or 1/8 scale directly, so a huge photo
    never exists in memory at full size; other formats (PNG, WebP, ...) are decoded once at full size
    and reduced right away. The size stored in the file is kept in ``image.info["source_size"]`` (w, h).
    """
    p = Path(path)
    if max_side is not None and max_side < 1:
        raise ValueError(f"max_side must be >= 1 or None, got {max_side}")
    if not p.is_file():
        raise ImageReadError(f"{p}: no such file")
    try:
        with _open_lazy(p) as im:
            w, h = im.size
            if w * h > max_pixels:
                raise ImageReadError(f"{p}: image too large ({w}x{h}; the limit is {max_pixels / 1e6:.0f} MP)")
            target = _fit_size(w, h, max_side)
            if target != (w, h):
                im.draft(None, target)  # JPEG: DCT-domain downscale while decoding; other formats: no-op
                if im.mode in ("1", "P", "PA"):  # palette images resize by nearest neighbour: expand first
                    im = im.convert(mode)
                im.thumbnail(target, PIL.Image.Resampling.LANCZOS, reducing_gap=2.0)  # reduce(), then resample
            else:
                im.load()
            out = im if im.mode == mode else im.convert(mode)
            out.load()
    except ImageReadError:
        raise
    except PIL.Image.DecompressionBombError as e:
        raise ImageReadError(f"{p}: image too large ({e})") from e
    except (PIL.UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise ImageReadError(f"{p}: not a readable image ({type(e).__name__}: {e})") from e
    out.info["source_size"] = (w, h)
    return out


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


def _check_frames(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be (F, H, W, 3) uint8, got {frames.shape} {frames.dtype}")
    return np.ascontiguousarray(frames)


def _write_gif(path: Path, frames: np.ndarray, fps: float) -> None:
    """GIF through ffmpeg (one palette for the clip, from the clip). Not Pillow: its GIF writer merges
    identical consecutive frames (and frames that quantise identically) into one longer frame, so a clip
    that holds still for a moment comes back with fewer frames."""
    import subprocess

    import imageio_ffmpeg

    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{frames.shape[2]}x{frames.shape[1]}", "-r", f"{fps}", "-i", "-",
           "-vf", "split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=none",
           "-loop", "0", "-f", "gif", str(path)]  # fmt: skip
    proc = subprocess.run(cmd, input=frames.tobytes(), capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg could not write {path}: {proc.stderr.decode(errors='replace')[-500:]}")


def write_video(path: str | os.PathLike, clip: Clip | np.ndarray, fps: float | None = None, *, crf: int = 18) -> Path:
    """Write (F, H, W, 3) uint8 frames atomically: ``.mp4`` H.264 yuv420p (``crf``: 0 lossless … 51; even H and W),
    ``.webm`` VP9, ``.gif`` (every frame kept, with its duration)."""
    import imageio.v3 as iio

    frames = _check_frames(clip.frames if isinstance(clip, Clip) else clip)
    fps = fps or (clip.fps if isinstance(clip, Clip) else 7.0)
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        raise ValueError(f"{path}: output must end in one of {sorted(VIDEO_SUFFIXES)}")
    if fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    if suffix != ".gif" and (frames.shape[1] % 2 or frames.shape[2] % 2):
        raise ValueError(f"{path}: {suffix} (yuv420p) needs an even height and width, got {frames.shape[1]}x{frames.shape[2]}")
    with atomic_path(path) as tmp:
        if suffix == ".gif":
            _write_gif(tmp, frames, fps)
        else:
            # macro_block_size=1 keeps tiny clips at their size
            codec = "libvpx-vp9" if suffix == ".webm" else "libx264"
            iio.imwrite(
                tmp, frames, extension=suffix, plugin="FFMPEG", fps=fps,
                codec=codec, macro_block_size=1, pixelformat="yuv420p", output_params=["-crf", str(crf)],
            )  # fmt: skip
    return path


def _reason(e: BaseException) -> str:
    """The last non-empty line of an exception's message (ffmpeg puts the cause last), shortened."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    text = lines[-1] if lines else ""
    return f"{type(e).__name__}: {text[:200]}" if text else type(e).__name__


def _read_gif(p: Path) -> tuple[np.ndarray, float | None]:
    """Every frame of a GIF as RGB, and its fps from the frame durations (None when they are missing)."""
    frames, total_ms = [], 0.0
    with PIL.Image.open(p) as im:
        for i in range(getattr(im, "n_frames", 1)):
            im.seek(i)
            frames.append(np.asarray(im.convert("RGB")))
            total_ms += float(im.info.get("duration") or 0)
    return np.stack(frames), (len(frames) * 1000.0 / total_ms if total_ms > 0 else None)


def _read_ffmpeg(p: Path) -> tuple[np.ndarray, float | None]:
    import imageio.v3 as iio

    frames = np.asarray(iio.imread(p, plugin="FFMPEG"))
    fps = iio.immeta(p, plugin="FFMPEG").get("fps")
    return frames, (float(fps) if fps else None)


def read_video(path: str | os.PathLike, *, default_fps: float = 7.0) -> Clip:
    """Decode a video file to a Clip: ``.gif`` with Pillow (every frame), anything else (mp4, webm, avi, mov,
    ...) with ffmpeg. fps from the file (GIF: from its frame durations), else ``default_fps``.

    Raises :class:`VideoReadError`, one line naming the file, for a missing, empty, corrupt or non-video file.
    """
    p = Path(path)
    if not p.is_file():
        raise VideoReadError(f"{p}: no such video file")
    if p.stat().st_size == 0:
        raise VideoReadError(f"{p}: not a readable video (empty file, 0 bytes)")
    try:
        frames, fps = _read_gif(p) if p.suffix.lower() == ".gif" else _read_ffmpeg(p)
    except (OSError, ValueError, RuntimeError, EOFError, IndexError, SyntaxError, struct.error,
            PIL.Image.DecompressionBombError) as e:  # fmt: skip
        raise VideoReadError(f"{p}: not a readable video ({_reason(e)})") from e
    if frames.ndim == 3:  # one frame
        frames = frames[None]
    if frames.ndim != 4 or frames.shape[0] == 0 or frames.shape[-1] not in (3, 4):
        raise VideoReadError(f"{p}: not a readable video (decoded to an array of shape {frames.shape})")
    return Clip(np.ascontiguousarray(frames[..., :3]).astype(np.uint8), fps=fps or default_fps)


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


def save_run(
    out: ReVisionOutput,
    directory: str | os.PathLike,
    image: PIL.Image.Image | None = None,
    sketch: np.ndarray | None = None,
) -> Path:
    """Write every intermediate of a run to ``directory`` (what ``--save-intermediates`` produces).

    Files: input.png, sketch.png (the target-pose strokes, when given), coarse.mp4 (S1), condition.mp4
    (part masks, coloured), final.mp4 (S3), condition.npz, motion_raw.json / motion_refined.json (when S2
    produced motion), animation.npz (S3 "animation"/"guided": the photo animation's ``flow`` to frame 0
    (F, H, W, 2) float16, ``moved`` mask (F, H, W) uint8 0..255, ``alpha`` matte, ``part_ids``, the
    background ``plate`` (H, W, 3) uint8 shown where no layer covers) with
    animation_moved.mp4, run.json (timings, backends, notes and ``settings``: the call's arguments, the S1/S3
    sampling settings, the whole ReVisionConfig, the S2 stage's settings and how the weights were loaded —
    enough to reproduce the run with :func:`run_call_arguments`).
    """
    from revision.palette import colorize

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    if image is not None:
        with atomic_path(d / "input.png") as tmp:
            image.save(tmp, format="PNG")
    if sketch is not None:
        with atomic_path(d / "sketch.png") as tmp:
            PIL.Image.fromarray(np.asarray(sketch, np.uint8)).save(tmp, format="PNG")
    write_video(d / "coarse.mp4", out.coarse)
    write_video(d / "final.mp4", out.final)
    write_video(d / "condition.mp4", colorize(out.condition.part_ids), fps=out.final.fps)
    with atomic_path(d / "condition.npz") as tmp:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, part_ids=out.condition.part_ids, confidence=out.condition.confidence)
    anim = getattr(out, "animation", None)
    if anim is not None:
        moved = (np.clip(anim.moved, 0, 1) * 255).round().astype(np.uint8)
        with atomic_path(d / "animation.npz") as tmp:
            with open(tmp, "wb") as f:
                np.savez_compressed(f, flow=anim.flow.astype(np.float16), moved=moved,
                                    alpha=(np.clip(anim.alpha, 0, 1) * 255).round().astype(np.uint8),
                                    part_ids=anim.part_ids, plate=np.asarray(anim.background, np.uint8))  # fmt: skip
        write_video(d / "animation_moved.mp4", np.repeat(moved[..., None], 3, axis=-1), fps=out.final.fps)
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
    for name in ("input.png", "sketch.png", "coarse.mp4", "condition.mp4", "final.mp4"):
        run[name.split(".")[0]] = str(d / name) if (d / name).is_file() else None
    for key in ("motion_raw", "motion_refined"):
        p = d / f"{key}.json"
        run[key] = motion_from_json(json.loads(p.read_text())) if p.is_file() else None
    if (d / "condition.npz").is_file():
        with np.load(d / "condition.npz") as z:
            run["condition_maps"] = ConditionMaps(z["part_ids"], z["confidence"])
    return run


def run_call_arguments(run: dict) -> dict:
    """The keyword arguments of the ``ReVisionPipeline`` call a saved run recorded (``load_run(d)`` dict),
    with ``image`` (and ``sketch``, when one was used) read back from the run folder: call the pipeline
    loaded as ``run["settings"]["load"]`` records with them to reproduce the run."""
    call = dict(run["settings"]["call"])
    used_sketch = call.pop("sketch", False)
    if run.get("input"):
        call["image"] = read_image(run["input"])
    if used_sketch and run.get("sketch"):
        call["sketch"] = np.asarray(read_image(run["sketch"], mode="RGBA"))
    return call
