"""Guided sampling for stock video weights: dual-clock denoising (Time-to-Move, Singer et al. 2025).

A *reference* video (the photo animation: the photo's own pixels moved by the 3D motion) and its
*moved-region mask* steer an unmodified image-to-video model without training:

- sampling does not start from pure noise at step 0 but from the reference latents noised to the
  sigma of step ``k = round(start * N)`` (N denoising steps): the whole clip inherits the
  reference's coarse layout, and the model only re-draws the detail below that noise level;
- inside the mask the latent is replaced, after every step up to step ``m = round(mask_end * N)``,
  by the reference noised to the sigma the sampler has just reached (the same noise every time), so
  the moved region follows the reference motion for longer ("strong" clock); outside the mask the
  model is free from step ``k`` on ("weak" clock); from step ``m`` on the model is free everywhere;
- the first frame is the input image (the reference's frame 0 is replaced by it before encoding);
  with ``first_frame="pinned"`` its latent is replaced on every step including the last.

Latents follow the EDM convention of SVD's Euler scheduler: ``x = x0 + sigma * eps`` with ``x0`` the
VAE latent times ``scaling_factor`` (what the UNet was trained to denoise).

This module holds the configuration and the pure tensor functions; the sampling loop that calls them
is :meth:`revision.video_model.pipeline.MotionConditionedSVDPipeline.__call__`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F

FirstFrame = Literal["pinned", "free"]


@dataclass(frozen=True)
class GuidanceConfig:
    """Dual-clock guidance settings. Step fractions are of ``num_inference_steps`` (N).

    The defaults are Time-to-Move's for SVD (t_weak = 16, t_strong = 21 of 50 steps) expressed as
    fractions so that they hold for any step count (S3's 25 steps → k = 8, m = 11; the mini's 8 →
    k = 3, m = 4).
    """

    start: float = 0.32  # sampling starts at step k = round(start * N) from the reference noised to sigma_k
    mask_end: float = 0.42  # in the mask the noised reference replaces the latent up to step m = round(mask_end*N)
    dilation_cells: int = 1  # grow the latent-size mask by this many cells (8 px for SVD) in every direction
    first_frame: FirstFrame = "pinned"  # "pinned": frame 0 = the input image's latent on every step; "free"
    encode_chunk_size: int = 8  # reference frames the VAE encodes at once (memory vs speed)

    def __post_init__(self) -> None:
        if not 0.0 <= self.start < 1.0:
            raise ValueError(f"GuidanceConfig.start must be in [0, 1), got {self.start}")
        if not self.start < self.mask_end <= 1.0:
            raise ValueError(f"GuidanceConfig.mask_end must be in (start, 1], got {self.mask_end}")
        if self.dilation_cells < 0:
            raise ValueError(f"GuidanceConfig.dilation_cells must be >= 0, got {self.dilation_cells}")
        if self.first_frame not in ("pinned", "free"):
            raise ValueError(f"GuidanceConfig.first_frame must be pinned or free, got {self.first_frame!r}")
        if self.encode_chunk_size < 1:
            raise ValueError(f"GuidanceConfig.encode_chunk_size must be >= 1, got {self.encode_chunk_size}")

    def step_indices(self, num_steps: int) -> tuple[int, int]:
        """``(k, m)`` for ``num_steps`` denoising steps: the first step run, and the step from which the
        masked region is denoised freely (``0 <= k < m <= num_steps``; round half up)."""
        if num_steps < 1:
            raise ValueError(f"num_steps must be >= 1, got {num_steps}")
        k = min(math.floor(self.start * num_steps + 0.5), num_steps - 1)
        m = min(max(math.floor(self.mask_end * num_steps + 0.5), k + 1), num_steps)
        return k, m


def _frame_index(f: int, num_frames: int, device: torch.device) -> torch.Tensor:
    return torch.linspace(0, f - 1, num_frames, device=device).round().long()


def video_tensor(reference: torch.Tensor | np.ndarray) -> torch.Tensor:
    """A reference video as ``(B, F, 3, H, W)`` float in [0, 1].

    Accepts ``(B, F, 3, H, W)`` or ``(F, H, W, 3)`` (one clip, channels last, e.g. a
    :class:`revision.types.Clip`'s frames); uint8 is divided by 255, floats must lie in [0, 1].
    """
    x = torch.as_tensor(reference)
    if x.ndim == 4 and x.shape[-1] == 3:
        x = x.permute(0, 3, 1, 2).unsqueeze(0)
    if x.ndim != 5 or x.shape[2] != 3:
        raise ValueError(f"reference must be (B, F, 3, H, W) or (F, H, W, 3), got {tuple(x.shape)}")
    if x.dtype == torch.uint8:
        return x.float() / 255.0
    if not torch.is_floating_point(x):
        raise ValueError(f"reference must be uint8 or float in [0, 1], got {x.dtype}")
    x = x.float()
    if x.numel() and (x.min() < 0 or x.max() > 1):
        raise ValueError(f"a float reference must lie in [0, 1], got [{x.min():.3g}, {x.max():.3g}]")
    return x


def resize_reference(video: torch.Tensor, num_frames: int, height: int, width: int) -> torch.Tensor:
    """``(B, F, 3, H, W)`` → ``(B, num_frames, 3, height, width)``: frames by nearest index, pixels
    bilinear with antialiasing (aspect ratio is not preserved: crop the reference like the image)."""
    b, f = video.shape[:2]
    if f != num_frames:
        video = video[:, _frame_index(f, num_frames, video.device)]
    if video.shape[-2:] != (height, width):
        flat = F.interpolate(video.flatten(0, 1), size=(height, width), mode="bilinear", antialias=True,
                             align_corners=False)  # fmt: skip
        video = flat.clamp(0, 1).reshape(b, num_frames, 3, height, width)
    return video


def latent_mask(
    mask: torch.Tensor | np.ndarray, num_frames: int, h: int, w: int, dilation_cells: int = 1,
    pin_first: bool = False,
) -> torch.Tensor:  # fmt: skip
    """Moved-region mask ``(B, F, H, W)`` or ``(F, H, W)`` (nonzero = moved) at any resolution →
    ``(B, num_frames, 1, h, w)`` bool at latent size.

    Frames are resampled by nearest index; a latent cell is masked when any pixel under it is
    (area resize > 0), then the mask grows by ``dilation_cells`` cells (square max filter).
    ``pin_first`` marks all of frame 0.
    """
    m = torch.as_tensor(mask)
    if m.ndim == 3:
        m = m.unsqueeze(0)
    if m.ndim != 4:
        raise ValueError(f"reference_mask must be (B, F, H, W) or (F, H, W), got {tuple(m.shape)}")
    m = (m != 0).float()
    b, f = m.shape[:2]
    if f != num_frames:
        m = m[:, _frame_index(f, num_frames, m.device)]
    cells = F.interpolate(m.flatten(0, 1).unsqueeze(1), size=(h, w), mode="area") > 0
    if dilation_cells:
        d = dilation_cells
        cells = F.max_pool2d(cells.float(), kernel_size=2 * d + 1, stride=1, padding=d) > 0
    cells = cells.reshape(b, num_frames, 1, h, w)
    if pin_first:
        cells[:, 0] = True
    return cells


def noised(ref_latents: torch.Tensor, noise: torch.Tensor, sigma: torch.Tensor | float) -> torch.Tensor:
    """The reference at noise level ``sigma`` (EDM / Euler convention): ``x0 + sigma * eps``."""
    return ref_latents + noise * sigma


def inject(latents: torch.Tensor, reference: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``reference`` where ``mask`` (bool, broadcast over channels) is set, ``latents`` elsewhere."""
    return torch.where(mask, reference.to(latents.dtype), latents)


__all__ = ["FirstFrame", "GuidanceConfig", "inject", "latent_mask", "noised", "resize_reference",
           "video_tensor"]  # fmt: skip
