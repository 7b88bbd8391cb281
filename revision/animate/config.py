"""The photo animator's configuration, its output value, and the output-size rule."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from revision.types import Clip

INPAINT_METHODS = ("fsr_fast", "fsr_best", "shiftmap", "telea+pushpull", "telea", "ns", "pushpull")


@dataclass(frozen=True)
class AnimateConfig:
    max_side: int = 1024  # the output's long side is capped at this (never upscaled); aspect kept, no crop
    size_multiple: int = 2  # output sides are rounded to a multiple of this (video codecs want even sides)
    grid_step: int | None = (
        None  # px between the 2D-mesh vertices; None = long side / 170 in [2, 8] (6 at 1024)
    )
    raster_scale: float = 0.5  # layers are rasterised at this fraction of the output size, flow upsampled
    feather_px: float = 1.0  # Gaussian sigma of the matte edge (output pixels)
    footprint_dilate_px: int = 3  # person mask when none is given: frame-0 body footprint dilated by this
    plate_dilate_px: int | None = (
        None  # the hole (person masks) is grown by this before inpainting; None = long side / 100
    )
    matte: str = "inside"  # "inside": the feather lies inside the mask; "centred": it straddles the mask edge
    # background plate fill (revision.animate.plate): "fsr_fast" (OpenCV contrib's frequency-selective
    # reconstruction: continues edges and some texture; best on benchmarks.plate_bench, ~0.2 s a plate) |
    # "fsr_best" | "shiftmap" (cv2.xphoto, slow) | "telea+pushpull" (Telea along the hole's edge, push-pull
    # deeper in: a smooth blur) | "telea" | "ns" (cv2.inpaint) | "pushpull" (fast, smooth)
    inpaint: str = "fsr_fast"
    inpaint_max_side: int = 1024  # the hole is inpainted at this working size (long side), pasted at full size
    # the plate under an arm inside the rest of its still body takes that body's colours, not the background's
    # (revision.animate.interior: the cameraman's chest where his forearm was); None = off
    interior_radius: float | None = 0.08  # closing disk, a fraction of the person's height
    stretch_max: float = 2.5  # a 2D-mesh triangle whose edge grows beyond this factor is dropped (a tear)
    backfill_depth_bias: float = 0.03  # metres: the body-mesh back-fill layer sits this far behind the pixels
    visible_tol: float = 0.02  # metres: a body vertex is visible at frame 0 if within this of the z-buffer
    moved_px: float = 0.5  # displacement (px) at which a pixel counts as fully moved (soft below it)
    moved_grow_px: int = 2  # the moved mask is grown by this and feathered before compositing
    backfill: bool = True  # draw the posed body behind the pixels to fill what was hidden at frame 0
    # a back-filled part the photo does not show takes one flat colour (an unseen hand its glove's or the face's
    # skin); it is shaded by its posed normals, a light from above the camera: this is the diffuse share
    # (0 = flat; revision.animate.pose.shading)
    backfill_shading: float = 0.5
    object_roll: bool = True  # a round object whose track does not turn it rolls by its travel (Δx / radius)
    # a person's turn about its frame-0 up axis is clamped to ± this (degrees; None = off): the photographed
    # side must stay in view, or its pixels go edge-on and the person is drawn in shards (revision.animate.turn)
    max_turn_deg: float | None = 15.0
    # a hand with at least this fraction of its visible frame-0 footprint (and four grid cells) over its own
    # head is misplaced by the fit (the photo shows the face there): it and its forearm carry no pixels, the
    # face stays on the head and in front of them, they are drawn by the back-fill (None = off;
    # revision.animate.binding)
    hand_over_face: float | None = 0.25
    # the other hand of such a body, when its nearest vertex is within this many metres of the misplaced hand's
    # at frame 0, holds the same thing (a camera held in both hands) and is misplaced with it (None = off)
    hands_together: float | None = 0.15
    # threads rendering frames at once (revision.parallel; the frames are the same with any number); None = one per
    # CPU core, at most 4
    workers: int | None = None

    def __post_init__(self) -> None:
        if self.max_side < 16:
            raise ValueError(f"max_side must be >= 16, got {self.max_side}")
        if not 0.1 <= self.raster_scale <= 1.0:
            raise ValueError(f"raster_scale must be in [0.1, 1], got {self.raster_scale}")
        if self.grid_step is not None and self.grid_step < 2:
            raise ValueError(f"grid_step must be >= 2, got {self.grid_step}")
        if self.max_turn_deg is not None and not 0 <= self.max_turn_deg <= 180:
            raise ValueError(f"max_turn_deg must be in [0, 180] or None, got {self.max_turn_deg}")
        if not 0 <= self.backfill_shading <= 1:
            raise ValueError(f"backfill_shading must be in [0, 1], got {self.backfill_shading}")
        if self.hand_over_face is not None and not 0 < self.hand_over_face <= 1:
            raise ValueError(f"hand_over_face must be in (0, 1] or None, got {self.hand_over_face}")
        if self.hands_together is not None and self.hands_together < 0:
            raise ValueError(f"hands_together must be >= 0 or None, got {self.hands_together}")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"workers must be >= 1 or None, got {self.workers}")
        if self.matte not in ("inside", "centred"):
            raise ValueError(f"matte must be 'inside' or 'centred', got {self.matte!r}")
        if self.inpaint not in INPAINT_METHODS:
            raise ValueError(
                f"inpaint must be one of {', '.join(map(repr, INPAINT_METHODS))}, got {self.inpaint!r}"
            )


@dataclass
class PhotoAnimation:
    """The photo's own pixels moved by the 3D motion, at the output size (H, W).

    ``flow[f, y, x]`` = (x0, y0): the frame-0 (output-size photo) pixel that output pixel (x, y) of frame
    ``f`` shows (absolute coordinates, not a displacement; identity where the photo is shown unmoved or
    where the background plate shows through — ``alpha`` is 0 there). ``moved`` is the soft moved-region
    mask (1 = the pixel differs from the photo because something moved). ``alpha`` is the animated layers'
    matte: where it is 1 the frame equals ``remap(frame 0, flow)``. ``part_ids`` holds the palette part
    each layer pixel shows (0 = none / static).
    """

    frames: Clip  # (F, H, W, 3) uint8; frames[0] is the resized photo
    flow: np.ndarray  # (F, H, W, 2) float32 frame-0 pixel coordinates (x, y)
    moved: np.ndarray  # (F, H, W) float32 in [0, 1]
    background: np.ndarray  # (H, W, 3) uint8 inpainted plate
    alpha: np.ndarray  # (F, H, W) float32 in [0, 1]
    part_ids: np.ndarray  # (F, H, W) int16 palette ids of the moved layers
    timings: dict[str, float]  # seconds: "bind" (per photo), "pose", "render" (all frames)

    @property
    def size(self) -> tuple[int, int]:
        """(height, width)."""
        return self.frames.height, self.frames.width


def grid_step_for(cfg: AnimateConfig, height: int, width: int) -> int:
    """The 2D-mesh spacing used at output size ``height`` × ``width`` (``cfg.grid_step`` or automatic).

    It must stay well under a limb's width in pixels, or thin limbs are carried by their neighbours' vertices."""
    if cfg.grid_step is not None:
        return int(cfg.grid_step)
    return int(np.clip(round(max(height, width) / 170), 2, 8))


def plate_dilate_for(cfg: AnimateConfig, height: int, width: int) -> int:
    """How far the background hole reaches beyond the masks (``cfg.plate_dilate_px`` or long side / 100, ≥ 1):
    a mask a little short of the person's edge (a jersey's last pixels, the shadow between the legs) must not
    leave a fringe of the person at the hole's edge, which the fill would continue into the hole as a streak
    or a dark blob (seen on messi5 with long side / 256: 745 black plate pixels, 0 with this margin)."""
    if cfg.plate_dilate_px is not None:
        return int(cfg.plate_dilate_px)
    return max(1, round(max(height, width) / 100))


def output_size(height: int, width: int, max_side: int = 1024, multiple: int = 2) -> tuple[int, int]:
    """(H, W) of the animation of a ``height`` × ``width`` photo: long side ≤ ``max_side``, never upscaled,
    aspect kept (up to rounding each side to a multiple of ``multiple``), no crop."""
    if height <= 0 or width <= 0:
        raise ValueError(f"photo size must be positive, got {height}x{width}")
    s = min(1.0, max_side / max(height, width))
    m = max(1, int(multiple))

    def fit(n: int) -> int:
        return max(m, int(round(n * s / m)) * m)

    cap = max(m, (max_side // m) * m)  # rounding must not pass the cap
    return min(fit(height), cap), min(fit(width), cap)
