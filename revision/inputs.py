"""User-input limits and the checks that need no model: importable without torch, so the CLI refuses bad
input in well under a second, before anything heavy loads (:mod:`revision.pipeline` applies the same checks)."""

from __future__ import annotations

from dataclasses import dataclass


class InputError(ValueError):
    """Bad user input (wrong type, size, range); the message is meant for the user."""


@dataclass(frozen=True)
class InputLimits:
    min_side: int = 32  # smaller images carry too little to animate: rejected
    max_pixels: int = 40_000_000  # larger images are rejected (decompression-bomb guard)


def check_image_size(width: int, height: int, limits: InputLimits = InputLimits()) -> None:
    """Raise :class:`InputError` unless a ``width`` x ``height`` image is within ``limits``."""
    if min(width, height) < limits.min_side:
        raise InputError(f"image is {width}x{height}; both sides must be at least {limits.min_side} pixels")
    if width * height > limits.max_pixels:
        raise InputError(f"image is {width}x{height} ({width * height / 1e6:.0f} MP); the limit is "
                         f"{limits.max_pixels / 1e6:.0f} MP")  # fmt: skip
