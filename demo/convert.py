"""Value conversion between Gradio components and the library: images, sketches, clips, files.

Every function here is pure (inputs → outputs or files under a given folder) and raises
:class:`UserInputError` with a message meant for the person using the demo; the handlers turn it
into ``gr.Error``. No gradio import, so these are unit-tested directly.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import PIL.Image

from revision.types import Clip, ConditionMaps, MotionSequence


class UserInputError(ValueError):
    """Bad input from the demo's user; the message is shown as is."""


@dataclass(frozen=True)
class UploadLimits:
    # Uploads above this many pixels are rejected outright (decompression-bomb guard, ~ 14000 x 14000).
    max_decode_pixels: int = 200_000_000
    # Uploads above this (the pipeline's InputLimits.max_pixels) are downscaled with a notice.
    max_pixels: int = 40_000_000
    # Uploads are decoded downscaled to at most this long side (memory stays bounded; the pipeline works at
    # <= 1024 px); None decodes at full size.
    max_side: int | None = 2048


def load_image(path: str | os.PathLike | None, limits: UploadLimits = UploadLimits()) -> tuple[PIL.Image.Image, list[str]]:
    """Uploaded file → RGB image and notices. Non-images and oversized files raise :class:`UserInputError`.

    Images are decoded downscaled to ``limits.max_side`` (JPEGs never at full size) and then, if still over
    ``limits.max_pixels``, downscaled to fit (aspect kept); either way with a notice.
    """
    from revision.io import ImageReadError, read_image

    if path is None:
        raise UserInputError("Upload a first-frame image (PNG, JPEG or WebP) first.")
    name = Path(path).name
    try:
        image = read_image(path, max_pixels=limits.max_decode_pixels, max_side=limits.max_side)
    except ImageReadError as e:
        reason = str(e).split(": ", 1)[-1]
        raise UserInputError(f"The uploaded file {name!r} is not a usable image: {reason}.") from e
    w, h = image.info.get("source_size", image.size)
    if image.size[0] * image.size[1] > limits.max_pixels:
        scale = (limits.max_pixels / (image.size[0] * image.size[1])) ** 0.5
        image = image.resize((max(1, int(image.size[0] * scale)), max(1, int(image.size[1] * scale))),
                             PIL.Image.Resampling.BOX)  # fmt: skip
    if image.size == (w, h):
        return image, []
    size = f"{image.size[0]}x{image.size[1]}"
    if w * h > limits.max_pixels:
        why = f"over the {limits.max_pixels / 1e6:.0f} MP limit"
    else:
        why = f"longer than the {limits.max_side}-pixel side limit"
    return image, [f"The image is {w}x{h} ({w * h / 1e6:.0f} MP), {why}: downscaled to {size} before generation."]


def _as_rgba(layer: Any) -> np.ndarray:
    arr = np.asarray(layer)
    if arr.ndim == 2:
        arr = np.stack([arr] * 3 + [np.full_like(arr, 255)], -1)
    if arr.ndim != 3 or arr.shape[-1] not in (3, 4):
        raise UserInputError(f"The sketch layer has an unexpected shape {arr.shape}; draw on the sketchpad instead.")
    if arr.shape[-1] == 3:
        arr = np.concatenate([arr, np.full(arr.shape[:2] + (1,), 255, arr.dtype)], -1)
    return arr.astype(np.uint8)


def editor_to_sketch(value: dict | None, image_size: tuple[int, int]) -> tuple[np.ndarray | None, list[str]]:
    """ImageEditor value → (H, W, 4) uint8 RGBA strokes at ``image_size`` (W, H), or None if nothing is drawn.

    Layers are alpha-composited (later layers on top); the background (the uploaded photo) is ignored.
    An empty sketch means "no target pose" and comes back as None with a notice. A sketch whose
    aspect ratio differs from the image's cannot be aligned and raises :class:`UserInputError`;
    other sizes are rescaled (nearest neighbour, so colours stay exact).
    """
    layers = [] if value is None else [x for x in (value.get("layers") or []) if x is not None]
    if not layers:
        return None, []
    out = _as_rgba(layers[0]).astype(np.float32)
    for layer in layers[1:]:
        top = _as_rgba(layer).astype(np.float32)
        if top.shape != out.shape:
            raise UserInputError("The sketch layers have different sizes; use a single layer.")
        a = top[..., 3:] / 255.0
        out[..., :3] = top[..., :3] * a + out[..., :3] * (1 - a)
        out[..., 3:] = np.maximum(out[..., 3:], top[..., 3:])
    sketch = out.round().astype(np.uint8)
    if not sketch[..., 3].any():
        return None, ["The target-pose sketch is empty: generating without a target pose."]
    h, w = sketch.shape[:2]
    iw, ih = image_size
    if abs(w / h - iw / ih) > 0.02 * (iw / ih):
        raise UserInputError(
            f"The sketch is {w}x{h} but the image is {iw}x{ih}: draw the sketch over the uploaded image."
        )
    if (w, h) != (iw, ih):
        ys = (np.arange(ih) * h / ih).astype(int)
        xs = (np.arange(iw) * w / iw).astype(int)
        sketch = sketch[ys][:, xs]
    return sketch, []


def _nearest_resize(frames: np.ndarray, num_frames: int, height: int, width: int) -> np.ndarray:
    """(F, H, W, C) → (num_frames, height, width, C) by nearest neighbour in time and space."""
    fi = np.linspace(0, frames.shape[0] - 1, num_frames).round().astype(int)
    yi = (np.arange(height) * frames.shape[1] / height).astype(int)
    xi = (np.arange(width) * frames.shape[2] / width).astype(int)
    return frames[fi][:, yi][:, :, xi]


def _smooth_resize(frames: np.ndarray, num_frames: int, height: int, width: int) -> np.ndarray:
    """(F, H, W, 3) uint8 → (num_frames, height, width, 3): nearest in time, bilinear in space."""
    fi = np.linspace(0, frames.shape[0] - 1, num_frames).round().astype(int)
    if frames.shape[1:3] == (height, width):
        return frames[fi]
    return np.stack([np.asarray(PIL.Image.fromarray(f).resize((width, height), PIL.Image.Resampling.BILINEAR))
                     for f in frames[fi]])  # fmt: skip


def side_by_side(coarse: Clip, condition: ConditionMaps, final: Clip) -> Clip:
    """S1 coarse | S3 part-mask condition | S3 final, time-aligned at the final clip's size and frame count.

    Each panel is at the final clip's full size (a quarter-size S1 preview is scaled up bilinearly, part ids
    by nearest neighbour so colours stay exact); the clip's width is even (video encoders need it)."""
    from revision.palette import colorize

    F, H, W = final.num_frames, final.height, final.width
    panels = [
        _smooth_resize(coarse.frames, F, H, W),
        _nearest_resize(colorize(condition.part_ids).astype(np.uint8), F, H, W),
        final.frames,
    ]
    g = max(2, W // 32 // 2 * 2)
    gap, gap2 = (np.full((F, H, n, 3), 255, np.uint8) for n in (g, g + W % 2))  # 3W + both gaps is even
    return Clip(np.concatenate([panels[0], gap, panels[1], gap2, panels[2]], axis=2), fps=final.fps)


def motion_to_npz(motion: MotionSequence, path: str | os.PathLike) -> Path:
    """Track params as arrays ``track{i}.{param}`` + ``track{i}.confidence`` and a ``meta`` JSON string."""
    from revision.io import atomic_path

    arrays: dict[str, np.ndarray] = {}
    meta = {"num_frames": motion.num_frames, "fps": motion.fps, "tracks": []}
    for i, tr in enumerate(motion.tracks):
        for k, v in tr.params.items():
            arrays[f"track{i}.{k}"] = np.asarray(v, np.float32)
        arrays[f"track{i}.confidence"] = np.asarray(tr.confidence, np.float32)
        meta["tracks"].append({"track_id": tr.track_id, "kind": tr.kind, "label": tr.label})
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, meta=np.array(json.dumps(meta)), **arrays)
    return path


def run_summary(timings: dict[str, float], backends: dict[str, str], notes: list[str], settings: dict) -> dict:
    """The JSON panel: per-stage seconds (rounded), backend per stage, notices, settings used."""
    return {
        "timings_s": {k: round(float(v), 3) for k, v in timings.items()},
        "backends": dict(backends),
        "notes": list(notes),
        "settings": json.loads(json.dumps(settings, default=str)),
    }


def notes_markdown(notes: list[str]) -> str:
    return "\n".join(f"- {n}" for n in notes) if notes else ""
