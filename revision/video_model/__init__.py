"""The motion-conditioned Stable Video Diffusion of the paper (Sec. 4.1): S1 and S3."""

from revision.video_model._clip import CLIPImageProcessor  # first: before diffusers' SVD module looks it up
from revision.video_model.config import EfficientMode, SVDSettings
from revision.video_model.conv_in import CONDITION_CHANNELS, condition_channels_are_zero, expand_conv_in
from revision.video_model.guided import GuidanceConfig
from revision.video_model.loading import MemoryOptions, load_motion_svd
from revision.video_model.pipeline import MotionConditionedSVDPipeline, resize_condition

__all__ = [
    "CONDITION_CHANNELS",
    "CLIPImageProcessor",
    "EfficientMode",
    "GuidanceConfig",
    "MemoryOptions",
    "MotionConditionedSVDPipeline",
    "SVDSettings",
    "condition_channels_are_zero",
    "expand_conv_in",
    "load_motion_svd",
    "resize_condition",
]
