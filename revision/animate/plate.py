"""The background plate: the photo with its moving layers' pixels removed and filled in.

The hole (the union of the layer masks, grown by ``plate_dilate_px`` so no fringe of a person stays
behind as a smeared copy) is filled at a working size whose long side is ``inpaint_max_side`` and the
fill is pasted into the hole only, so pixels outside it are the photo's own. ``telea`` / ``ns`` are
OpenCV's inpainting (fast marching / Navier-Stokes); ``pushpull`` is a mask-weighted image pyramid
(down: average of the known pixels, up: fill the unknown ones), smooth and fast, with no edge
continuation. ``telea+pushpull`` (the default) uses Telea within a band along the hole's edge, where it
continues edges and textures a little way in, and cross-fades to push-pull deeper inside: Telea alone
draws radial streaks across a big hole (a person-sized one), push-pull is smooth there. All leave no
unfilled pixel.
"""

from __future__ import annotations

import numpy as np


def push_pull_fill(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """(H, W, C) float image, (H, W) bool hole → the image with the hole filled from a pyramid of known pixels."""
    import cv2

    img = image.astype(np.float32)
    w = (~hole).astype(np.float32)
    if w.sum() == 0:
        return np.zeros_like(img)
    levels = [(img * w[..., None], w)]
    while min(levels[-1][1].shape) > 1 and (levels[-1][1] == 0).any():
        a, b = levels[-1]
        h2, w2 = (b.shape[0] + 1) // 2, (b.shape[1] + 1) // 2
        levels.append((cv2.resize(a, (w2, h2), interpolation=cv2.INTER_AREA),
                       cv2.resize(b, (w2, h2), interpolation=cv2.INTER_AREA)))  # fmt: skip
    a, b = levels[-1]
    cur = a / np.maximum(b, 1e-8)[..., None]
    for a, b in reversed(levels[:-1]):
        up = cv2.resize(cur, (b.shape[1], b.shape[0]), interpolation=cv2.INTER_LINEAR)
        known = a / np.maximum(b, 1e-8)[..., None]
        t = np.clip(b, 0, 1)[..., None]
        cur = t * known + (1 - t) * up
    return np.where(hole[..., None], cur, img)


def band_for(height: int, width: int) -> float:
    """Width (px at the working size) of the Telea band of ``telea+pushpull``: 5 % of the long side, ≥ 3."""
    return max(3.0, 0.05 * max(height, width))


def blend_fill(image: np.ndarray, hole: np.ndarray, band: float) -> np.ndarray:
    """(H, W, 3) uint8, (H, W) bool hole → uint8: Telea up to ``band`` px inside the hole's edge, push-pull
    beyond ``2·band``, linearly cross-faded between (by the distance to the nearest known pixel)."""
    import cv2

    telea = cv2.inpaint(np.ascontiguousarray(image), hole.astype(np.uint8), 5, cv2.INPAINT_TELEA)
    dist = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 5)
    if dist.max() <= band:
        return telea
    smooth = push_pull_fill(image, hole)
    w = np.clip((dist - band) / band, 0, 1)[..., None]
    return np.clip((1 - w) * telea + w * smooth + 0.5, 0, 255).astype(np.uint8)


def background_plate(
    photo: np.ndarray, hole: np.ndarray, *, method: str = "telea+pushpull", max_side: int = 512
) -> np.ndarray:
    """(H, W, 3) uint8 photo, (H, W) bool hole → (H, W, 3) uint8 plate (photo outside the hole)."""
    import cv2

    H, W = hole.shape
    if not hole.any():
        return photo.copy()
    s = min(1.0, max_side / max(H, W))
    h, w = max(1, round(H * s)), max(1, round(W * s))
    small = cv2.resize(photo, (w, h), interpolation=cv2.INTER_AREA) if s < 1 else photo
    small_hole = (
        cv2.resize(hole.astype(np.uint8), (w, h), interpolation=cv2.INTER_AREA) > 0 if s < 1 else hole
    )
    if small_hole.all():
        fill = np.full_like(small, 127)
    elif method == "pushpull":
        fill = np.clip(push_pull_fill(small, small_hole), 0, 255).astype(np.uint8)
    elif method == "telea+pushpull":
        fill = blend_fill(small, small_hole, band_for(h, w))
    else:
        flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS
        fill = cv2.inpaint(np.ascontiguousarray(small), small_hole.astype(np.uint8), 5, flag)
    if s < 1:
        fill = cv2.resize(fill, (W, H), interpolation=cv2.INTER_LINEAR)
    return np.where(hole[..., None], fill, photo)
