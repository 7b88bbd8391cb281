"""The SVD-XT-1.1 architecture built from its published configs in code, with random weights.

No weights can be downloaded here, yet shape, dtype and memory bugs at real size must be found before
users do (``benchmarks/svd_xt_smoke.py`` on a CPU, ``benchmarks/gpu_check.py`` on a GPU). The
configs are those of ``stabilityai/stable-video-diffusion-img2vid-xt-1-1``:

- UNet: ``UNetSpatioTemporalConditionModel``'s defaults in diffusers 0.42 *are* SVD's config
  (block widths 320/640/1280/1280, heads 5/10/20/20, cross-attention 1024, time-embedding 256 x 3
  micro-conditions = 768, 2 layers per block); XT's ``num_frames`` is 25, ``sample_size`` 96;
  the same values appear in third-party transcriptions of the hub's ``unet/config.json``
  (e.g. candle's ``SvdUnetConfig``, model_unfolder's ``SVD_UNET`` test fixture);
- VAE: ``AutoencoderKLTemporalDecoder`` with SD's encoder widths 128/256/512/512, 2 layers per block,
  4 latent channels, ``scaling_factor`` 0.18215, ``force_upcast`` True, ``sample_size`` 768
  (candle's ``SvdVaeConfig``);
- image encoder: OpenCLIP ViT-H/14 as ``CLIPVisionModelWithProjection`` — hidden 1280, 32 layers,
  16 heads, MLP 5120, patch 14, 224 px, projection 1024, GELU, layer-norm eps 1e-5 (InvokeAI's
  ``CLIP_VISION_VIT_H_CONFIG``, ComfyUI's clip-vision ViT-H config);
- scheduler: SVD's EDM Euler (:func:`revision.video_model.tiny.svd_scheduler`), CLIP preprocessing
  with OpenAI's mean/std at 224 px.

Weights are random and materialised directly in the requested dtype (parameters are created on
the meta device first: no float32 copy of the 1.5 B-parameter UNet is ever allocated): matrices
``N(0, 1/fan_in)``, biases 0, 1-D scales 1. Outputs are meaningless; shapes, dtypes, memory and time
are real.
"""

from __future__ import annotations

import torch
from torch import nn

UNET = dict(
    sample_size=96, in_channels=8, out_channels=4,
    down_block_types=("CrossAttnDownBlockSpatioTemporal",) * 3 + ("DownBlockSpatioTemporal",),
    up_block_types=("UpBlockSpatioTemporal",) + ("CrossAttnUpBlockSpatioTemporal",) * 3,
    block_out_channels=(320, 640, 1280, 1280), addition_time_embed_dim=256,
    projection_class_embeddings_input_dim=768, layers_per_block=2, cross_attention_dim=1024,
    transformer_layers_per_block=1, num_attention_heads=(5, 10, 20, 20), num_frames=25,
)  # fmt: skip
VAE = dict(
    in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 4,
    block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4, sample_size=768,
    scaling_factor=0.18215, force_upcast=True,
)  # fmt: skip
IMAGE_ENCODER = dict(
    hidden_size=1280, intermediate_size=5120, projection_dim=1024, num_hidden_layers=32, num_attention_heads=16,
    num_channels=3, image_size=224, patch_size=14, hidden_act="gelu", layer_norm_eps=1e-5,
)  # fmt: skip
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def _materialise(model: nn.Module, dtype: torch.dtype, device: str | torch.device, gen: torch.Generator) -> None:
    """Replace meta-device parameters by random ones of ``dtype`` on ``device`` (in place)."""
    for module in model.modules():
        for name, p in list(module._parameters.items()):
            if p is None or not p.is_meta:
                continue
            t = torch.empty(p.shape, dtype=dtype, device=device)
            if name == "bias":
                t.zero_()
            elif p.ndim == 1 and name == "weight":
                t.fill_(1.0)
            else:
                fan_in = p[0].numel() if p.ndim > 1 else p.numel()
                t.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float32).div_(fan_in**0.5))
            module._parameters[name] = nn.Parameter(t, requires_grad=False)


def svd_xt_components(
    dtype: torch.dtype = torch.bfloat16, device: str | torch.device = "cpu", *, seed: int = 0, widened: bool = True
) -> dict:
    """SVD-XT-1.1's five pipeline components at real size with random weights; ``widened`` adds the
    2 zero-initialised condition channels to ``conv_in`` (8 → 10), as loading stock weights does."""
    from accelerate import init_empty_weights
    from diffusers import AutoencoderKLTemporalDecoder, UNetSpatioTemporalConditionModel
    from transformers import CLIPImageProcessorPil, CLIPVisionConfig, CLIPVisionModelWithProjection

    from revision.video_model.conv_in import CONDITION_CHANNELS, expand_conv_in
    from revision.video_model.tiny import svd_scheduler

    gen = torch.Generator().manual_seed(seed)
    with init_empty_weights(include_buffers=False):
        unet = UNetSpatioTemporalConditionModel(**UNET)
        vae = AutoencoderKLTemporalDecoder(**VAE)
        image_encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(**IMAGE_ENCODER))
    for m in (unet, vae, image_encoder):
        _materialise(m, dtype, device, gen)
        for module in m.modules():  # buffers (e.g. CLIP's position ids) to the device, floating ones to dtype
            for name, b in list(module._buffers.items()):
                if b is not None:
                    module._buffers[name] = b.to(device=device, dtype=dtype if b.is_floating_point() else b.dtype)
        m.eval()
    if widened:
        expand_conv_in(unet, CONDITION_CHANNELS)
    feature_extractor = CLIPImageProcessorPil(
        size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224}, image_mean=list(CLIP_MEAN),
        image_std=list(CLIP_STD), resample=3, do_center_crop=True,
    )  # fmt: skip
    return {"unet": unet, "vae": vae, "image_encoder": image_encoder, "scheduler": svd_scheduler(),
            "feature_extractor": feature_extractor}  # fmt: skip


def parameter_counts(components: dict) -> dict[str, int]:
    """Parameters per module component."""
    return {k: sum(p.numel() for p in v.parameters()) for k, v in components.items() if isinstance(v, nn.Module)}


__all__ = ["IMAGE_ENCODER", "UNET", "VAE", "parameter_counts", "svd_xt_components"]
