"""The motion-conditioned Stable Video Diffusion pipeline (paper Sec. 4.1).

A subclass of diffusers' ``StableVideoDiffusionPipeline`` whose UNet has 2 extra input
channels (see :mod:`revision.video_model.conv_in`). Its ``__call__`` is an explicit copy of the
SVD sampling loop with three changes:

1. ``condition`` — per-frame part mask + confidence ``(B, F, 2, H, W)`` at pixel resolution — is
   resized to latent size and concatenated to the UNet input at every step; the
   classifier-free-guidance unconditional half gets zeros (as SVD does for the image latents).
2. The noise latents have the UNet's *output* channel count (stock ``prepare_latents`` uses
   ``in_channels // 2``, which is wrong at 10 input channels).
3. The CLIP image embedding resizes to the image encoder's own input size (224 for real SVD)
   instead of a hard-coded 224, so tiny test models work with PIL inputs too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Union

import numpy as np
import PIL.Image
import torch
import torch.nn.functional as F
from diffusers import (
    AutoencoderKL,
    AutoencoderKLTemporalDecoder,
    EulerDiscreteScheduler,
    StableVideoDiffusionPipeline,
    UNetSpatioTemporalConditionModel,
)
from diffusers.pipelines.stable_video_diffusion.pipeline_stable_video_diffusion import (
    StableVideoDiffusionPipelineOutput,
    _append_dims,
    _resize_with_antialiasing,
    retrieve_timesteps,
)
from diffusers.utils.torch_utils import randn_tensor
from transformers import CLIPImageProcessor, CLIPVisionModelWithProjection

from revision.video_model.conv_in import condition_channels, latent_channels

# step_callback(step_index, num_steps)
StepCallback = Callable[[int, int], None]


def resize_condition(condition: torch.Tensor, num_frames: int, height: int, width: int) -> torch.Tensor:
    """Resize a condition ``(B, F, 2, H, W)`` to ``(B, num_frames, 2, height, width)``.

    Frames are resampled by nearest index. Channel 0 (part ids scaled to [0, 1]) uses nearest
    interpolation so ids are never blended into other parts' ids; channel 1 (confidence) is
    area-averaged.
    """
    if condition.ndim != 5 or condition.shape[2] != 2:
        raise ValueError(f"condition must be (B, F, 2, H, W), got {tuple(condition.shape)}")
    b, f = condition.shape[:2]
    if f != num_frames:
        idx = torch.linspace(0, f - 1, num_frames, device=condition.device).round().long()
        condition = condition[:, idx]
    flat = condition.flatten(0, 1).float()
    mask = F.interpolate(flat[:, :1], size=(height, width), mode="nearest-exact")
    conf = F.interpolate(flat[:, 1:], size=(height, width), mode="area")
    return torch.cat([mask, conf], dim=1).reshape(b, num_frames, 2, height, width)


def to_pil(image: Any) -> PIL.Image.Image:
    """PIL image or (H, W, 3) uint8 array → RGB PIL image."""
    if isinstance(image, PIL.Image.Image):
        return image.convert("RGB")
    if isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[-1] in (3, 4):
        return PIL.Image.fromarray(np.asarray(image[..., :3], np.uint8))
    raise ValueError(f"image must be a PIL image or an (H, W, 3) uint8 array, got {type(image).__name__}")


class MotionConditionedSVDPipeline(StableVideoDiffusionPipeline):
    """SVD image-to-video with per-frame part-mask + confidence conditioning."""

    def __init__(
        self,
        # SVD's temporal VAE, or a per-frame AutoencoderKL (ReVision-mini's); the SVD decode loop passes
        # num_frames only to a VAE that takes it. typing.Union: diffusers' init type check ignores `X | Y`.
        vae: Union[AutoencoderKLTemporalDecoder, AutoencoderKL],  # noqa: UP007
        image_encoder: CLIPVisionModelWithProjection,
        unet: UNetSpatioTemporalConditionModel,
        scheduler: EulerDiscreteScheduler,
        feature_extractor: CLIPImageProcessor,
    ):
        super().__init__(vae, image_encoder, unet, scheduler, feature_extractor)

    def _encode_image(self, image, device, num_videos_per_prompt, do_classifier_free_guidance):
        size = int(getattr(self.image_encoder.config, "image_size", 224))
        if not isinstance(image, torch.Tensor):
            image = self.video_processor.numpy_to_pt(self.video_processor.pil_to_numpy(image))
            image = image * 2.0 - 1.0  # SVD normalises before resizing, then undoes it
            image = (_resize_with_antialiasing(image, (size, size)) + 1.0) / 2.0
        return super()._encode_image(image, device, num_videos_per_prompt, do_classifier_free_guidance)

    def prepare_latents(
        self, batch_size, num_frames, num_channels_latents, height, width, dtype, device, generator, latents=None
    ):
        # ``num_channels_latents`` is ignored on purpose: the noise has the UNet's output channels.
        shape = (
            batch_size,
            num_frames,
            latent_channels(self.unet),
            height // self.vae_scale_factor,
            width // self.vae_scale_factor,
        )
        if latents is None:
            latents = randn_tensor(shape, generator=generator, device=device, dtype=dtype)
        else:
            latents = latents.to(device)
        return latents * self.scheduler.init_noise_sigma

    def prepare_condition(
        self,
        condition: torch.Tensor | np.ndarray | None,
        batch_size: int,
        num_frames: int,
        height: int,
        width: int,
        dtype: torch.dtype,
        device: torch.device,
    ) -> torch.Tensor:
        """Condition at latent size ``(B, F, C_cond, h, w)``; ``None`` → empty mask, confidence 0.

        With classifier-free guidance the unconditional half is zeros, matching the image latents.
        """
        extra = condition_channels(self.unet)
        h, w = height // self.vae_scale_factor, width // self.vae_scale_factor
        if condition is None:
            cond = torch.zeros(batch_size, num_frames, extra, h, w, device=device, dtype=dtype)
        else:
            cond = torch.as_tensor(condition, device=device)
            if cond.ndim == 4:
                cond = cond.unsqueeze(0)
            if cond.shape[2] != extra:
                raise ValueError(f"condition has {cond.shape[2]} channels; this UNet expects {extra}")
            if cond.shape[0] not in (1, batch_size):
                raise ValueError(f"condition batch {cond.shape[0]} does not match image batch {batch_size}")
            cond = resize_condition(cond, num_frames, h, w).to(dtype).expand(batch_size, -1, -1, -1, -1)
        if self.do_classifier_free_guidance:
            cond = torch.cat([torch.zeros_like(cond), cond])
        return cond

    @torch.no_grad()
    def __call__(
        self,
        image: PIL.Image.Image | np.ndarray | list[PIL.Image.Image],
        condition: torch.Tensor | np.ndarray | None = None,
        height: int = 576,
        width: int = 1024,
        num_frames: int | None = None,
        num_inference_steps: int = 25,
        min_guidance_scale: float = 1.0,
        max_guidance_scale: float = 3.0,
        fps: int = 7,
        motion_bucket_id: int = 127,
        noise_aug_strength: float = 0.02,
        decode_chunk_size: int | None = None,
        num_videos_per_prompt: int = 1,
        generator: torch.Generator | None = None,
        latents: torch.Tensor | None = None,
        output_type: str = "np",
        step_callback: StepCallback | None = None,
        return_dict: bool = True,
    ):
        """Generate a clip from ``image`` conditioned on ``condition`` ``(B, F, 2, H, W)`` (or None).

        Returns ``StableVideoDiffusionPipelineOutput(frames)``; with ``output_type="np"`` frames are
        float32 in [0, 1] of shape ``(B, F, H, W, 3)``.
        """
        # 0. Defaults
        num_frames = num_frames if num_frames is not None else self.unet.config.num_frames
        decode_chunk_size = decode_chunk_size if decode_chunk_size is not None else num_frames

        # 1. Check inputs
        if isinstance(image, np.ndarray):
            image = to_pil(image)
        self.check_inputs(image, height, width)  # height and width multiples of 8

        # 2. Call parameters
        batch_size = 1 if isinstance(image, PIL.Image.Image) else len(image)
        device = self._execution_device
        self._guidance_scale = max_guidance_scale

        # 3. CLIP image embedding
        image_embeddings = self._encode_image(image, device, num_videos_per_prompt, self.do_classifier_free_guidance)
        fps = fps - 1  # SVD was trained on fps - 1

        # 4. VAE image latents (noise-augmented first frame), repeated over frames
        image = self.video_processor.preprocess(image, height=height, width=width).to(device)
        noise = randn_tensor(image.shape, generator=generator, device=device, dtype=image.dtype)
        image = image + noise_aug_strength * noise
        needs_upcasting = self.vae.dtype == torch.float16 and self.vae.config.force_upcast
        if needs_upcasting:
            self.vae.to(dtype=torch.float32)
        image_latents = self._encode_vae_image(
            image, device, num_videos_per_prompt, self.do_classifier_free_guidance
        ).to(image_embeddings.dtype)
        if needs_upcasting:
            self.vae.to(dtype=torch.float16)
        image_latents = image_latents.unsqueeze(1).repeat(1, num_frames, 1, 1, 1)

        # 5. Motion condition at latent size (zeros for the unconditional half)
        cond_latents = self.prepare_condition(
            condition, batch_size * num_videos_per_prompt, num_frames, height, width, image_embeddings.dtype, device
        )

        # 6. Added time ids, timesteps, noise
        added_time_ids = self._get_add_time_ids(
            fps, motion_bucket_id, noise_aug_strength, image_embeddings.dtype, batch_size,
            num_videos_per_prompt, self.do_classifier_free_guidance,
        ).to(device)  # fmt: skip
        timesteps, num_inference_steps = retrieve_timesteps(self.scheduler, num_inference_steps, device)
        latents = self.prepare_latents(
            batch_size * num_videos_per_prompt, num_frames, None, height, width,
            image_embeddings.dtype, device, generator, latents,
        )  # fmt: skip

        # 7. Per-frame guidance scale
        guidance_scale = torch.linspace(min_guidance_scale, max_guidance_scale, num_frames).unsqueeze(0)
        guidance_scale = guidance_scale.to(device, latents.dtype).repeat(batch_size * num_videos_per_prompt, 1)
        self._guidance_scale = _append_dims(guidance_scale, latents.ndim)

        # 8. Denoising loop
        self._num_timesteps = len(timesteps)
        with self.progress_bar(total=num_inference_steps) as progress_bar:
            for i, t in enumerate(timesteps):
                model_input = torch.cat([latents] * 2) if self.do_classifier_free_guidance else latents
                model_input = self.scheduler.scale_model_input(model_input, t)
                model_input = torch.cat([model_input, image_latents, cond_latents], dim=2)
                noise_pred = self.unet(
                    model_input, t, encoder_hidden_states=image_embeddings, added_time_ids=added_time_ids,
                    return_dict=False,
                )[0]  # fmt: skip
                if self.do_classifier_free_guidance:
                    noise_uncond, noise_cond = noise_pred.chunk(2)
                    noise_pred = noise_uncond + self.guidance_scale * (noise_cond - noise_uncond)
                latents = self.scheduler.step(noise_pred, t, latents).prev_sample
                progress_bar.update()
                if step_callback is not None:
                    step_callback(i + 1, num_inference_steps)

        # 9. Decode
        if output_type == "latent":
            frames = latents
        else:
            if needs_upcasting:
                self.vae.to(dtype=torch.float16)
            frames = self.decode_latents(latents, num_frames, decode_chunk_size)
            frames = self.video_processor.postprocess_video(video=frames, output_type=output_type)
        self.maybe_free_model_hooks()
        if not return_dict:
            return frames
        return StableVideoDiffusionPipelineOutput(frames=frames)
