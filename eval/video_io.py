"""Eval's view of video files: ``(F, H, W, 3)`` uint8 arrays, frame folders, and a common grid.

Video files are read and written by :mod:`revision.io` (one reader, one writer for the project); this module
adds what only evaluation needs: frame folders (the TikTok dataset's layout, and an exact export), H.264 at a
near-lossless crf for benchmark videos, and resizing every system's clips to one shared resolution
(VBench's dynamic degree depends on it). fps 0.0 means "unknown" (a frame folder, or a file without it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import PIL.Image

from revision import io as rio

VIDEO_SUFFIXES = (".mp4", ".gif", ".webm", ".avi", ".mov")
FRAME_SUFFIXES = (".png", ".jpg", ".jpeg")
CRF = 10  # H.264 quality of exported benchmark videos (near-lossless: metrics see the model, not the codec)


def read_video(path: str | Path) -> tuple[np.ndarray, float]:
    """A video file or a folder of frame images → ``(F, H, W, 3)`` uint8 and its fps (0.0: unknown).

    Raises :class:`revision.io.VideoReadError` (a ``ValueError``) naming the file when it is missing,
    empty, corrupt or not a video, and :class:`revision.io.ImageReadError` for a bad frame image.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in FRAME_SUFFIXES)
        if not files:
            raise rio.VideoReadError(f"{path}: a folder with no {'/'.join(FRAME_SUFFIXES)} frames")
        return np.stack([np.asarray(rio.read_image(f, max_pixels=100_000_000)) for f in files]), 0.0
    clip = rio.read_video(path, default_fps=0.0)
    return clip.frames, float(clip.fps)


def write_video(path: str | Path, frames: np.ndarray, fps: float) -> Path:
    """Write ``(F, H, W, 3)`` uint8 frames. ``.mp4``: H.264 yuv420p at crf :data:`CRF` (plays everywhere; even
    H and W); ``.gif``: 256 colours, every frame kept; a path without suffix: a folder of PNG frames (exact)."""
    path = Path(path)
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be (F, H, W, 3) uint8, got {frames.shape} {frames.dtype}")
    if fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    if path.suffix == "":
        path.mkdir(parents=True, exist_ok=True)
        for i, f in enumerate(frames):
            PIL.Image.fromarray(f).save(path / f"{i:05d}.png")
        return path
    return rio.write_video(path, frames, fps=fps, crf=CRF)


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
