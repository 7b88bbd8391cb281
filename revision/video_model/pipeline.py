"""The motion-conditioned Stable Video Diffusion pipeline (paper Sec. 4.1), with optional guided sampling.

A subclass of diffusers' ``StableVideoDiffusionPipeline`` whose UNet has 2 extra input
channels (see :mod:`revision.video_model.conv_in`). Its ``__call__`` is an explicit copy of the
SVD sampling loop with these changes:

1. ``condition`` — per-frame part mask + confidence ``(B, F, 2, H, W)`` at pixel resolution — is
   resized to latent size and concatenated to the UNet input at every step; the
   classifier-free-guidance unconditional half gets zeros (as SVD does for the image latents).
2. The noise latents have the UNet's *output* channel count (stock ``prepare_latents`` uses
   ``in_channels // 2``, which is wrong at 10 input channels).
3. The CLIP image embedding resizes to the image encoder's own input size (224 for real SVD)
   instead of a hard-coded 224, so tiny test models work with PIL inputs too.
4. ``reference`` + ``reference_mask`` turn on guided sampling (dual-clock denoising,
   :mod:`revision.video_model.guided`); it combines with ``condition``. Without them the call is
   the plain sampler, bit for bit.
5. Reentrant: one pipeline object may serve concurrent calls (threads). Per-call state — the
   guidance scale, the scheduler's timesteps/sigmas/step index — lives in local variables and a
   per-call copy of the scheduler, never on ``self`` (diffusers stores both on the pipeline). The only
   shared mutation left is diffusers' fp16 VAE upcast (``vae.to(float32)`` and back, for a float16 VAE
   with ``force_upcast``), which runs under a per-pipeline lock. Pass a ``generator`` per call: without
   one, noise comes from torch's global RNG and concurrent calls are not reproducible. With
   ``enable_model_cpu_offload`` the offload hooks move shared modules between devices: do not share an
   offloaded pipeline between threads.
"""

from __future__ import annotations

import threading
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
from transformers import CLIPVisionModelWithProjection

from revision.video_model._clip import CLIPImageProcessor
from revision.video_model.conv_in import condition_channels, latent_channels
from revision.video_model.guided import (
    GuidanceConfig,
    inject,
    latent_mask,
    noised,
    resize_reference,
    video_tensor,
)

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


def _batch(x: torch.Tensor, batch_size: int, num_videos_per_prompt: int, what: str) -> torch.Tensor:
    """Per-image tensor (1 or B, ...) → (B * num_videos_per_prompt, ...), ordered as SVD repeats latents."""
    if x.shape[0] not in (1, batch_size):
        raise ValueError(f"{what} batch {x.shape[0]} does not match image batch {batch_size}")
    x = x.expand(batch_size, *x.shape[1:])
    return x.repeat(num_videos_per_prompt, *([1] * (x.ndim - 1)))


class MotionConditionedSVDPipeline(StableVideoDiffusionPipeline):
    """SVD image-to-video with per-frame part-mask + confidence conditioning and optional guided sampling."""

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

    @property
    def vae_lock(self) -> threading.Lock:
        """Held around each VAE use in ``__call__`` (diffusers' fp16 upcast changes the shared VAE's dtype)."""
        return self.__dict__.setdefault("_vae_lock", threading.Lock())  # setdefault is atomic: one lock

    def _encode_image(self, image, device, num_videos_per_prompt, do_classifier_free_guidance):
        size = int(getattr(self.image_encoder.config, "image_size", 224))
        if not isinstance(image, torch.Tensor):
            image = self.video_processor.numpy_to_pt(self.video_processor.pil_to_numpy(image))
            image = image * 2.0 - 1.0  # SVD normalises before resizing, then undoes it
            image = (_resize_with_antialiasing(image, (size, size)) + 1.0) / 2.0
        return super()._encode_image(image, device, num_videos_per_prompt, do_classifier_free_guidance)

    def prepare_condition(
        self,
        condition: torch.Tensor | np.ndarray | None,
        batch_size: int,
        num_frames: int,
        height: int,
        width: int,
        dtype: torch.dtype,
        device: torch.device,
        do_classifier_free_guidance: bool = False,
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
        if do_classifier_free_guidance:
            cond = torch.cat([torch.zeros_like(cond), cond])
        return cond

    def encode_reference(
        self,
        reference: torch.Tensor | np.ndarray,
        image_pixels: torch.Tensor,
        num_frames: int,
        chunk_size: int = 8,
    ) -> torch.Tensor:
        """Reference video → latents ``(B, num_frames, C, h, w)`` in the space the UNet denoises
        (VAE posterior mode x ``scaling_factor``), encoded ``chunk_size`` frames at a time.

        ``reference``: see :func:`revision.video_model.guided.video_tensor`; it is resized to the size of
        ``image_pixels`` ``(B, 3, H, W)`` — the input image as the VAE sees it, in [-1, 1] — which
        replaces its frame 0. The VAE must be in a dtype it can run in (``__call__`` upcasts fp16).
        """
        b, _, height, width = image_pixels.shape
        video = video_tensor(reference).to(image_pixels.device)
        if video.shape[0] not in (1, b):
            raise ValueError(f"reference batch {video.shape[0]} does not match image batch {b}")
        video = resize_reference(video, num_frames, height, width) * 2.0 - 1.0
        video = video.expand(b, -1, -1, -1, -1).clone()
        video[:, 0] = image_pixels.to(video.dtype)  # the first frame is the input image
        flat = video.flatten(0, 1).to(self.vae.dtype)
        chunks = flat.split(chunk_size)
        lat = torch.cat([self.vae.encode(c).latent_dist.mode() for c in chunks])
        lat = lat * self.vae.config.scaling_factor
        return lat.reshape(b, num_frames, *lat.shape[1:])

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
        reference: torch.Tensor | np.ndarray | None = None,
        reference_mask: torch.Tensor | np.ndarray | None = None,
        guidance: GuidanceConfig | None = None,
    ):
        """Generate a clip from ``image`` conditioned on ``condition`` ``(B, F, 2, H, W)`` (or None).

        Guided sampling (dual-clock denoising, :mod:`revision.video_model.guided`) is on when
        ``reference`` — ``(B, F, 3, H, W)`` float in [0, 1] or ``(F, H, W, 3)`` uint8/float, e.g. the
        photo animation — and ``reference_mask`` — ``(B, F, H, W)`` or ``(F, H, W)``, nonzero where the
        reference moves — are given; ``guidance`` sets its steps and mask dilation (default
        :class:`GuidanceConfig`). Both are resized to the model's ``height`` x ``width`` and
        ``num_frames`` (frames by nearest index). With guidance, ``latents`` (if given) is the unit
        noise that is added to the reference, and ``step_callback`` counts the steps actually run.

        Returns ``StableVideoDiffusionPipelineOutput(frames)``; with ``output_type="np"`` frames are
        float32 in [0, 1] of shape ``(B, F, H, W, 3)``.
        """
        # 0. Defaults
        num_frames = num_frames if num_frames is not None else self.unet.config.num_frames
        decode_chunk_size = decode_chunk_size if decode_chunk_size is not None else num_frames
        guided = reference is not None or reference_mask is not None
        guidance = guidance if guidance is not None else GuidanceConfig()

        # 1. Check inputs
        if isinstance(image, np.ndarray):
            image = to_pil(image)
        self.check_inputs(image, height, width)  # height and width multiples of 8
        if guided and (reference is None or reference_mask is None):
            raise ValueError("guided sampling needs both reference and reference_mask")

        # 2. Call parameters: everything per call lives here, nothing on self (concurrent calls)
        batch_size = 1 if isinstance(image, PIL.Image.Image) else len(image)
        n_videos = batch_size * num_videos_per_prompt
        device = self._execution_device
        do_cfg = max(min_guidance_scale, max_guidance_scale) > 1
        scheduler = self.scheduler.__class__.from_config(self.scheduler.config)  # own timesteps / step index

        # 3. CLIP image embedding
        image_embeddings = self._encode_image(image, device, num_videos_per_prompt, do_cfg)
        fps = fps - 1  # SVD was trained on fps - 1

        # 4. VAE image latents (noise-augmented first frame), repeated over frames; the reference latents
        pixels = self.video_processor.preprocess(image, height=height, width=width).to(device)
        noise = randn_tensor(pixels.shape, generator=generator, device=device, dtype=pixels.dtype)
        with self.vae_lock:
            needs_upcasting = self.vae.dtype == torch.float16 and self.vae.config.force_upcast
            if needs_upcasting:
                self.vae.to(dtype=torch.float32)
            image_latents = self._encode_vae_image(
                pixels + noise_aug_strength * noise, device, num_videos_per_prompt, do_cfg
            ).to(image_embeddings.dtype)
            if guided:
                ref_latents = self.encode_reference(reference, pixels, num_frames, guidance.encode_chunk_size)
                ref_latents = _batch(ref_latents, batch_size, num_videos_per_prompt, "reference")
                ref_latents = ref_latents.to(image_embeddings.dtype)
            if needs_upcasting:
                self.vae.to(dtype=torch.float16)
        image_latents = image_latents.unsqueeze(1).repeat(1, num_frames, 1, 1, 1)

        # 5. Motion condition at latent size (zeros for the unconditional half)
        cond_latents = self.prepare_condition(
            condition, n_videos, num_frames, height, width, image_embeddings.dtype, device, do_cfg
        )

        # 6. Added time ids, timesteps, initial latents
        added_time_ids = self._get_add_time_ids(
            fps, motion_bucket_id, noise_aug_strength, image_embeddings.dtype, batch_size,
            num_videos_per_prompt, do_cfg,
        ).to(device)  # fmt: skip
        timesteps, num_inference_steps = retrieve_timesteps(scheduler, num_inference_steps, device)
        h, w = height // self.vae_scale_factor, width // self.vae_scale_factor
        shape = (n_videos, num_frames, latent_channels(self.unet), h, w)
        if latents is None:
            latents = randn_tensor(shape, generator=generator, device=device, dtype=image_embeddings.dtype)
        else:
            latents = latents.to(device)
        first = 0
        if guided:  # dual clock: start at step k from the noised reference; hold the mask until step m
            first, mask_end = guidance.step_indices(num_inference_steps)
            sigmas = getattr(scheduler, "sigmas", None)
            if sigmas is None or len(sigmas) != len(timesteps) + 1:
                raise ValueError(f"guided sampling needs an EDM (sigma) scheduler, not {type(scheduler).__name__}")
            sigmas = sigmas.to(device=device, dtype=latents.dtype)
            eps = latents
            pinned = guidance.first_frame == "pinned"
            region = latent_mask(reference_mask, num_frames, h, w, guidance.dilation_cells, pin_first=pinned)
            region = _batch(region.to(device), batch_size, num_videos_per_prompt, "reference_mask")
            frame0 = torch.zeros_like(region)
            frame0[:, 0] = pinned
            scheduler.set_begin_index(first)
            latents = noised(ref_latents, eps, sigmas[first])
        else:
            latents = latents * scheduler.init_noise_sigma

        # 7. Per-frame guidance scale
        guidance_scale = torch.linspace(min_guidance_scale, max_guidance_scale, num_frames).unsqueeze(0)
        guidance_scale = guidance_scale.to(device, latents.dtype).repeat(n_videos, 1)
        guidance_scale = _append_dims(guidance_scale, latents.ndim)

        # 8. Denoising loop
        run = timesteps[first:]
        with self.progress_bar(total=len(run)) as progress_bar:
            for i, t in enumerate(run, start=first):
                model_input = torch.cat([latents] * 2) if do_cfg else latents
                model_input = scheduler.scale_model_input(model_input, t)
                model_input = torch.cat([model_input, image_latents, cond_latents], dim=2)
                noise_pred = self.unet(
                    model_input, t, encoder_hidden_states=image_embeddings, added_time_ids=added_time_ids,
                    return_dict=False,
                )[0]  # fmt: skip
                if do_cfg:
                    noise_uncond, noise_cond = noise_pred.chunk(2)
                    noise_pred = noise_uncond + guidance_scale * (noise_cond - noise_uncond)
                latents = scheduler.step(noise_pred, t, latents).prev_sample
                if guided and (i < mask_end or pinned):  # at sigma_{i+1}: hold mask / frame 0 on reference
                    held = region if i < mask_end else frame0
                    latents = inject(latents, noised(ref_latents, eps, sigmas[i + 1]), held)
                progress_bar.update()
                if step_callback is not None:
                    step_callback(i + 1 - first, len(run))

        # 9. Decode
        if output_type == "latent":
            frames = latents
        else:
            with self.vae_lock:
                frames = self.decode_latents(latents, num_frames, decode_chunk_size)
            frames = self.video_processor.postprocess_video(video=frames, output_type=output_type)
        self.maybe_free_model_hooks()
        if not return_dict:
            return frames
        return StableVideoDiffusionPipelineOutput(frames=frames)
