"""Generation settings of the motion-conditioned SVD: the paper's defaults and the S1 efficient mode."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class SVDSettings:
    """Per-call sampling settings; defaults are SVD-XT-1.1 as used by the paper."""

    height: int = 576  # pixels; a multiple of 8 (the VAE factor)
    width: int = 1024
    num_frames: int = 16  # the paper fine-tunes and samples 16 frames (stride 4 from 30 fps video)
    num_inference_steps: int = 25  # EDM Euler steps
    fps: int = 7  # SVD conditioning fps (the pipeline passes fps - 1 to the UNet, as SVD did)
    motion_bucket_id: int = 127  # SVD's motion-amount micro-condition
    noise_aug_strength: float = 0.02  # noise added to the conditioning first frame
    min_guidance_scale: float = 1.0  # CFG ramps linearly over frames from min to max
    max_guidance_scale: float = 3.0
    decode_chunk_size: int = 8  # frames decoded by the temporal VAE at once (memory vs speed)


@dataclass(frozen=True)
class EfficientMode:
    """S1's cheap coarse pass (paper Sec. 4.1): fewer pixels, frames and steps than S3.

    The defaults are the paper's: a quarter of the pixels (half width and height), half the
    frames, and fewer denoising steps.
    """

    pixel_fraction: float = 0.25  # fraction of S3's pixels
    frame_fraction: float = 0.5  # fraction of S3's frames
    step_fraction: float = 0.4  # fraction of S3's denoising steps
    size_multiple: int = 16  # height/width multiple (VAE factor 8 x 2; the UNet pads odd latent sizes itself)

    def __post_init__(self) -> None:
        for name in ("pixel_fraction", "frame_fraction", "step_fraction"):
            v = getattr(self, name)
            if not 0 < v <= 1:
                raise ValueError(f"EfficientMode.{name} must be in (0, 1], got {v}")

    def apply(self, s: SVDSettings) -> SVDSettings:
        """The coarse-pass settings derived from full-quality settings ``s``."""
        side = self.pixel_fraction**0.5
        m = self.size_multiple

        def snap(x: float) -> int:
            return max(m, int(round(x / m)) * m)

        return replace(
            s,
            height=snap(s.height * side),
            width=snap(s.width * side),
            num_frames=max(2, int(round(s.num_frames * self.frame_fraction))),
            num_inference_steps=max(1, int(round(s.num_inference_steps * self.step_fraction))),
            decode_chunk_size=min(s.decode_chunk_size, max(2, int(round(s.num_frames * self.frame_fraction)))),
        )
