"""Top-level configuration of a ReVision run; defaults are production (paper) values."""

from __future__ import annotations

from dataclasses import dataclass, field

from revision.animate.config import AnimateConfig
from revision.inputs import InputLimits
from revision.video_model.config import EfficientMode, SVDSettings
from revision.video_model.guided import GuidanceConfig

__all__ = ["MINI_CONFIG", "TINY_CONFIG", "InputLimits", "ReVisionConfig"]


@dataclass(frozen=True)
class ReVisionConfig:
    svd: SVDSettings = field(default_factory=SVDSettings)  # S3 (final) sampling settings
    efficient: EfficientMode = field(default_factory=EfficientMode)  # S1 = efficient.apply(svd)
    limits: InputLimits = field(default_factory=InputLimits)
    motion_strength: float = 0.5  # 0 = barely moving .. 1 = very dynamic (paper App. C)
    # S2 perceives the input image itself as the coarse clip's first frame (S1's frame 1 is only the
    # model's lossy re-creation of it); video-mode keypoint tracking then carries the person through
    # the coarse frames (docs/training.md: person tracks on 44 vs 11 of 50 held-out mini clips)
    perceive_input_frame: bool = True
    # S3 mode when a call gives none: "auto" (chosen from the weights) | "conditioned" | "guided" | "animation"
    s3: str = "auto"
    # S3 "animation" / "guided" (revision/s3.py): the photo animation of the prompt's motion
    animate: AnimateConfig = field(default_factory=AnimateConfig)  # output long side ≤ 1024, aspect kept, no crop
    photo_frames: int = 16  # frames of an "animation" run when the call gives none ("guided" uses S3's count)
    photo_fps: float = 8.0  # frame rate of an "animation" run
    guidance: GuidanceConfig = field(default_factory=GuidanceConfig)  # "guided": dual-clock steps, mask dilation


# The ReVision-mini model's native setting: 64x64 pixels, 8 frames (see docs/training.md).
MINI_CONFIG = ReVisionConfig(
    svd=SVDSettings(height=64, width=64, num_frames=8, num_inference_steps=8, fps=7, decode_chunk_size=8,
                    min_guidance_scale=1.0, max_guidance_scale=1.0),  # no CFG: half the UNet calls (30 s budget)
    efficient=EfficientMode(pixel_fraction=1.0, frame_fraction=0.5, step_fraction=0.5, size_multiple=16),
)
# Random tiny model used by tests and the UI plumbing check (`--weights tiny-random`).
TINY_CONFIG = ReVisionConfig(
    svd=SVDSettings(height=64, width=64, num_frames=4, num_inference_steps=2, decode_chunk_size=4),
    efficient=EfficientMode(pixel_fraction=0.25, frame_fraction=0.5, step_fraction=0.5, size_multiple=32),
)
