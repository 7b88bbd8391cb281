"""Read and write video files as ``(F, H, W, 3)`` uint8 arrays, and put clips on a common grid.

Every model's videos are exported at the model's real fps and one shared resolution
(VBench's dynamic degree depends on both), and the choice is recorded next to the videos.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import PIL.Image

VIDEO_SUFFIXES = (".mp4", ".gif", ".webm", ".avi", ".mov")


def read_video(path: str | Path) -> tuple[np.ndarray, float]:
    """Decode a video (or a folder of frame images) → ``(F, H, W, 3)`` uint8 and its fps."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"video not found: {path}")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
        if not files:
            raise ValueError(f"{path} holds no .png/.jpg frames")
        return np.stack([np.asarray(PIL.Image.open(f).convert("RGB")) for f in files]), 0.0
    import imageio.v3 as iio

    frames = iio.imread(path, index=None)
    if frames.ndim == 3:  # a single image
        frames = frames[None]
    if frames.shape[-1] == 4:
        frames = frames[..., :3]
    try:
        meta = iio.immeta(path)
        fps = float(meta.get("fps") or (1000.0 / meta["duration"] if meta.get("duration") else 0.0))
    except Exception:  # noqa: BLE001 - fps is informative only
        fps = 0.0
    return np.ascontiguousarray(frames.astype(np.uint8)), fps


def write_video(path: str | Path, frames: np.ndarray, fps: float) -> Path:
    """Write ``(F, H, W, 3)`` uint8 frames. ``.mp4``: H.264, crf 10, yuv420p (plays everywhere; H and W must be
    even); ``.gif``: palette-quantised (256 colours); a path without suffix: a folder of PNG frames (exact)."""
    path = Path(path)
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be (F, H, W, 3) uint8, got {frames.shape} {frames.dtype}")
    if fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == "":
        path.mkdir(exist_ok=True)
        for i, f in enumerate(frames):
            PIL.Image.fromarray(f).save(path / f"{i:05d}.png")
        return path
    import imageio.v3 as iio

    if path.suffix.lower() == ".gif":  # through ffmpeg: Pillow merges identical consecutive frames
        import subprocess

        import imageio_ffmpeg

        cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-s", f"{frames.shape[2]}x{frames.shape[1]}", "-r", f"{fps}", "-i", "-", "-f", "gif", str(path)]  # fmt: skip
        proc = subprocess.run(cmd, input=np.ascontiguousarray(frames).tobytes(), capture_output=True)
        if proc.returncode != 0:
            raise RuntimeError(f"ffmpeg could not write {path}: {proc.stderr.decode()[-500:]}")
    else:
        if frames.shape[1] % 2 or frames.shape[2] % 2:
            raise ValueError(f"H.264 needs even height and width, got {frames.shape[1]}x{frames.shape[2]}")
        iio.imwrite(path, frames, fps=fps, codec="libx264", macro_block_size=1,
                    pixelformat="yuv420p", output_params=["-crf", "10"])  # fmt: skip
    return path


def resize_frames(frames: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize every frame to ``height`` x ``width`` (cover + centre crop, Lanczos). (F,H,W,3) uint8."""
    if frames.shape[1:3] == (height, width):
        return frames
    out = []
    for f in frames:
        img = PIL.Image.fromarray(f)
        w, h = img.size
        s = max(width / w, height / h)
        rw, rh = max(width, round(w * s)), max(height, round(h * s))
        img = img.resize((rw, rh), PIL.Image.Resampling.LANCZOS)
        left, top = (rw - width) // 2, (rh - height) // 2
        out.append(np.asarray(img.crop((left, top, left + width, top + height))))
    return np.stack(out)


def to_float_tensor(frames: np.ndarray):
    """(F, H, W, 3) uint8 → torch (F, 3, H, W) float32 in [0, 1]."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float().div(255.0)
