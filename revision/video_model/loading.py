"""Loading the motion-conditioned SVD from a folder, the HF cache/hub, or the embedded mini model."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import torch

from revision.video_model.conv_in import CONDITION_CHANNELS, condition_channels, expand_conv_in
from revision.video_model.pipeline import MotionConditionedSVDPipeline
from revision.weights import COMPONENTS, TINY_RANDOM, ResolvedWeights, WeightsNotFoundError, resolve

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MemoryOptions:
    """What users with small GPUs ask for; all off by default."""

    cpu_offload: bool = False  # diffusers enable_model_cpu_offload (needs accelerate + a GPU)
    forward_chunking: bool = False  # UNet feed-forward chunking (lower peak memory, a bit slower)


def load_motion_svd(
    weights: str | os.PathLike | None = None,
    *,
    dtype: torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
    memory: MemoryOptions = MemoryOptions(),
    variant: str | None = None,
) -> tuple[MotionConditionedSVDPipeline, ResolvedWeights]:
    """Load the video model; returns the pipeline and where its weights came from.

    ``weights`` is a folder saved by ``save_pretrained``, an HF id (e.g. the stock
    ``stabilityai/stable-video-diffusion-img2vid-xt-1-1``, widened to 10 input channels on load,
    zero-initialised so it behaves as stock SVD until fine-tuned), ``"tiny-random"``, or None for
    ``$REVISION_VIDEO_WEIGHTS`` → the embedded ReVision-mini.
    """
    resolved = resolve("video_model", weights)
    if resolved.source == "random":
        from revision.video_model.tiny import TINY, small_motion_svd_pipeline

        pipe = small_motion_svd_pipeline(TINY)
    else:
        try:
            pipe = MotionConditionedSVDPipeline.from_pretrained(
                resolved.location, dtype=dtype, variant=variant,
                local_files_only=resolved.source != "hf-hub",
            )  # fmt: skip
        except (OSError, ValueError) as e:
            c = COMPONENTS["video_model"]
            raise WeightsNotFoundError(
                f"Could not load the {c.description} from {resolved.location} ({type(e).__name__}: {e}). "
                f"Get the real weights with: {c.download}."
            ) from e
    extra = condition_channels(pipe.unet)
    if extra == 0:
        log.info("widening stock SVD conv_in by %d zero-initialised channels", CONDITION_CHANNELS)
        expand_conv_in(pipe.unet, CONDITION_CHANNELS)
    elif extra != CONDITION_CHANNELS:
        raise ValueError(f"{resolved.location}: UNet has {extra} extra input channels, expected {CONDITION_CHANNELS}")
    if memory.forward_chunking:
        pipe.unet.enable_forward_chunking()
    if memory.cpu_offload:
        pipe.enable_model_cpu_offload()
    else:
        pipe.to(device)
    return pipe, resolved


__all__ = ["MemoryOptions", "TINY_RANDOM", "load_motion_svd"]
