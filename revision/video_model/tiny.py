"""Small SVD architectures built from configs in code (diffusers-test style).

``tiny`` is for unit tests (random weights, runs in well under a second on CPU); ``mini`` is the
ReVision-mini architecture trained from scratch by ``revision.training.finetune_svd``.
Both are the real SVD classes — only the sizes differ — except that the mini's VAE is the per-frame
``AutoencoderKL`` (see :data:`MINI`); the SVD pipeline decodes with either.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from diffusers import (
    AutoencoderKL,
    AutoencoderKLTemporalDecoder,
    EulerDiscreteScheduler,
    UNetSpatioTemporalConditionModel,
)
from transformers import CLIPImageProcessorPil, CLIPVisionConfig, CLIPVisionModelWithProjection

from revision.video_model.conv_in import CONDITION_CHANNELS, expand_conv_in
from revision.video_model.pipeline import MotionConditionedSVDPipeline


@dataclass(frozen=True)
class SmallSVDConfig:
    unet_channels: tuple[int, ...] = (32, 64)  # UNet block widths (first block has cross-attention)
    unet_layers: int = 1  # resnet layers per UNet block
    unet_heads: int = 4  # attention heads per block
    cross_attention_dim: int = 32  # = CLIP projection dim
    vae_channels: tuple[int, ...] = (32, 64)  # VAE downsamples 2**(len-1)x
    vae_temporal: bool = True  # SVD's AutoencoderKLTemporalDecoder; False: per-frame AutoencoderKL (SD-style)
    vae_norm_groups: int = 32  # GroupNorm groups of the per-frame VAE (the temporal one is fixed at 32)
    latent_channels: int = 4
    clip_hidden: int = 32
    clip_layers: int = 2
    clip_image_size: int = 32  # the CLIP encoder's input size (224 for real SVD)
    clip_patch: int = 4
    num_frames: int = 8  # UNet default frame count


TINY = SmallSVDConfig()
# ReVision-mini: 64x64 pixels → 16x16x4 latents (VAE 4x), a 3-level UNet of 1.84 M parameters (counted from the shipped weights) — sized so
# that it trains on a shared 2-core CPU (docs/training.md) and samples 8 frames in a few seconds.
# Its VAE is the per-frame AutoencoderKL with 8 GroupNorm groups: SVD's temporal VAE class fixes 32 groups,
# which at 32 channels is one channel per group (instance norm right before the output conv: every frame
# decoded with nearly the same mean colour), and its 3D convs make it ~2x slower to train on a CPU.
MINI = SmallSVDConfig(
    unet_channels=(32, 64, 64), unet_layers=1, unet_heads=4, cross_attention_dim=64, vae_channels=(32, 64, 64),
    vae_temporal=False, vae_norm_groups=8,
    clip_hidden=64, clip_layers=2, clip_image_size=64, clip_patch=8, num_frames=8,
)  # fmt: skip


def svd_scheduler() -> EulerDiscreteScheduler:
    """SVD-XT's EDM Euler scheduler config."""
    return EulerDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", interpolation_type="linear",
        num_train_timesteps=1000, prediction_type="v_prediction", sigma_max=700.0, sigma_min=0.002,
        steps_offset=1, timestep_spacing="leading", timestep_type="continuous", use_karras_sigmas=True,
    )  # fmt: skip


def small_svd_components(cfg: SmallSVDConfig = TINY, *, seed: int = 0, widened: bool = True) -> dict:
    """Randomly initialised SVD components of size ``cfg``; ``widened`` adds the 2 condition channels."""
    torch.manual_seed(seed)
    n = len(cfg.unet_channels)
    unet = UNetSpatioTemporalConditionModel(
        block_out_channels=cfg.unet_channels,
        layers_per_block=cfg.unet_layers,
        sample_size=32,
        in_channels=2 * cfg.latent_channels,
        out_channels=cfg.latent_channels,
        down_block_types=("CrossAttnDownBlockSpatioTemporal",) + ("DownBlockSpatioTemporal",) * (n - 1),
        up_block_types=("UpBlockSpatioTemporal",) * (n - 1) + ("CrossAttnUpBlockSpatioTemporal",),
        cross_attention_dim=cfg.cross_attention_dim,
        num_attention_heads=cfg.unet_heads,
        transformer_layers_per_block=1,
        projection_class_embeddings_input_dim=3 * 32,
        addition_time_embed_dim=32,
        num_frames=cfg.num_frames,
    )
    if widened:
        expand_conv_in(unet, CONDITION_CHANNELS)
    n_vae = len(cfg.vae_channels)
    if cfg.vae_temporal:
        vae = AutoencoderKLTemporalDecoder(
            block_out_channels=list(cfg.vae_channels), in_channels=3, out_channels=3,
            down_block_types=["DownEncoderBlock2D"] * n_vae, latent_channels=cfg.latent_channels,
        )  # fmt: skip
    else:
        vae = AutoencoderKL(
            block_out_channels=list(cfg.vae_channels), in_channels=3, out_channels=3, layers_per_block=1,
            down_block_types=["DownEncoderBlock2D"] * n_vae, up_block_types=["UpDecoderBlock2D"] * n_vae,
            latent_channels=cfg.latent_channels, norm_num_groups=cfg.vae_norm_groups,
        )  # fmt: skip
    image_encoder = CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=cfg.clip_hidden, projection_dim=cfg.cross_attention_dim, num_hidden_layers=cfg.clip_layers,
            num_attention_heads=4, image_size=cfg.clip_image_size, intermediate_size=2 * cfg.clip_hidden,
            patch_size=cfg.clip_patch,
        )  # fmt: skip
    )
    feature_extractor = CLIPImageProcessorPil(crop_size=cfg.clip_image_size, size=cfg.clip_image_size)
    return {
        "unet": unet,
        "vae": vae,
        "image_encoder": image_encoder,
        "scheduler": svd_scheduler(),
        "feature_extractor": feature_extractor,
    }


def small_motion_svd_pipeline(
    cfg: SmallSVDConfig = TINY, *, seed: int = 0, widened: bool = True
) -> MotionConditionedSVDPipeline:
    pipe = MotionConditionedSVDPipeline(**small_svd_components(cfg, seed=seed, widened=widened))
    pipe.set_progress_bar_config(disable=True)
    return pipe


def decode_frames(vae, latents: torch.Tensor, num_frames: int) -> torch.Tensor:
    """``vae.decode`` of (F, C, h, w) latents; ``num_frames`` goes only to the temporal decoder."""
    if isinstance(vae, AutoencoderKLTemporalDecoder):
        return vae.decode(latents, num_frames=num_frames).sample
    return vae.decode(latents).sample


def roundtrip(vae, frames: torch.Tensor) -> torch.Tensor:
    """(F, 3, H, W) frames in [-1, 1] of one clip → encoded (posterior mode), decoded, clamped to [-1, 1]."""
    return decode_frames(vae, vae.encode(frames).latent_dist.mode(), len(frames)).clamp(-1, 1)
