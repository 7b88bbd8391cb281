"""The systems the benchmark compares, behind one small interface.

``VideoModel.generate(image, prompt, seed) -> Generation`` with frames (F, H, W, 3) uint8 and the model's real
fps. Pipelines are passed in (tests use :mod:`eval.benchmark.tiny`); ``load_*`` functions load the real ones:

- ``svd``: SVD-XT-1.1 (``StableVideoDiffusionPipeline``), 25 frames 576×1024, 25 steps, fps 7 (fp16 on GPU).
- ``hunyuan-i2v``: HunyuanVideo-I2V (``HunyuanVideoImageToVideoPipeline``), transformer in bf16, model CPU
  offload and VAE tiling on GPU; 720×1280, 129 frames, 50 steps, 24 fps.
- ``revision``, ``revision-guided``, ``revision-animation``: our :class:`revision.pipeline.ReVisionPipeline`
  (imported lazily) with S3 fixed to ``conditioned`` (the paper: the video model conditioned on S2's part
  masks), ``guided`` (the video model steered by the photo animation, dual-clock denoising) or ``animation``
  (the photo animation itself) — :data:`REVISION_S3`.

What each system sees and writes (the runner's export then brings them to one size, see ``runner.py``):
the video models (``svd``, ``hunyuan-i2v``, ``revision``, ``revision-guided``) get the photo centre-cropped
to their own aspect and resized to their size (:func:`fit_input`, the same crop ReVision applies), and write
frames at that size; ``revision-animation`` keeps the whole photo and writes frames at the photo's aspect
(long side ≤ ``config.animate.max_side``, never upscaled).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import PIL.Image
import torch

from eval.weights import missing_weights, resolve_hf

if TYPE_CHECKING:
    from revision.video_model.config import SVDSettings

# benchmark system → the S3 mode its ReVisionPipeline runs (revision.s3.S3_MODES)
REVISION_S3 = {"revision": "conditioned", "revision-guided": "guided", "revision-animation": "animation"}
MODEL_KINDS = (*REVISION_S3, "svd", "hunyuan-i2v")


@dataclass
class Generation:
    frames: np.ndarray  # (F, H, W, 3) uint8
    fps: float
    stage_timings: dict[str, float] = field(default_factory=dict)  # the model's own per-stage seconds, if any
    info: dict[str, Any] = field(default_factory=dict)  # what ran (e.g. ReVision's S3 mode and why); in the sidecar


class VideoModel(Protocol):
    name: str

    def generate(self, image: PIL.Image.Image, prompt: str, seed: int) -> Generation: ...

    def describe(self) -> dict[str, Any]: ...


def _to_uint8(frames: Any) -> np.ndarray:
    """Pipeline ``output_type="np"`` frames (1, F, H, W, 3) float [0, 1] → (F, H, W, 3) uint8."""
    arr = np.asarray(frames)
    arr = arr[0] if arr.ndim == 5 else arr
    return (np.clip(arr, 0, 1) * 255).round().astype(np.uint8)


FRAMING_CROP = "centre crop to the model's aspect, resized to its size"
FRAMING_WHOLE = "the whole photo (aspect kept; long side capped, never upscaled)"


def _generator(pipe: Any, seed: int) -> torch.Generator:
    device = getattr(pipe, "_execution_device", torch.device("cpu"))
    return torch.Generator(device if device.type != "meta" else "cpu").manual_seed(seed)


def fit_input(image: PIL.Image.Image, width: int, height: int) -> PIL.Image.Image:
    """The photo centre-cropped to ``width`` x ``height``'s aspect and resized: the framing ReVision's model
    modes use (:func:`revision.pipeline.fit_image`), so every video model sees the same part of the photo."""
    from revision.pipeline import fit_image

    return fit_image(image.convert("RGB"), width, height)[0]


def svd_xt_settings(**overrides: Any) -> SVDSettings:
    """SVD-XT-1.1 as released: the library's :class:`revision.video_model.config.SVDSettings` at XT's 25 frames.

    (Imported here, not at the top: ``revision.video_model`` loads diffusers, which ``--help`` should not wait for.)
    """
    from revision.video_model.config import SVDSettings

    return SVDSettings(**{"num_frames": 25, **overrides})


class SVDModel:
    name = "svd"

    def __init__(self, pipe: Any, settings: SVDSettings | None = None, implementation: str = "diffusers SVD-XT-1.1"):
        self.pipe, self.s, self.implementation = pipe, settings or svd_xt_settings(), implementation

    def generate(self, image: PIL.Image.Image, prompt: str, seed: int) -> Generation:
        s = self.s
        out = self.pipe(fit_input(image, s.width, s.height), height=s.height, width=s.width,
                        num_frames=s.num_frames, num_inference_steps=s.num_inference_steps,
                        fps=s.fps, motion_bucket_id=s.motion_bucket_id, noise_aug_strength=s.noise_aug_strength,
                        decode_chunk_size=s.decode_chunk_size, min_guidance_scale=s.min_guidance_scale,
                        max_guidance_scale=s.max_guidance_scale, generator=_generator(self.pipe, seed), output_type="np")  # fmt: skip
        return Generation(_to_uint8(out.frames), float(s.fps))

    def describe(self) -> dict[str, Any]:
        return {"implementation": self.implementation, **asdict(self.s), "text_conditioned": False,
                "input_framing": FRAMING_CROP}  # fmt: skip


def _place(pipe: Any, device: str) -> None:
    """Model CPU offload on a GPU (these pipelines do not fit whole), plain ``.to(device)`` otherwise; quiet."""
    if device.startswith("cuda"):
        pipe.enable_model_cpu_offload()
    else:
        pipe.to(device)
    pipe.set_progress_bar_config(disable=True)


def load_svd(path_or_id: str | None = None, device: str = "cuda") -> SVDModel:
    """SVD-XT-1.1 from a local folder or the HF cache (never downloads); fp16 + model CPU offload on GPU."""
    from diffusers import StableVideoDiffusionPipeline

    folder = resolve_hf("svd", path_or_id)
    dtype = torch.float16 if device.startswith("cuda") else torch.float32
    try:
        pipe = StableVideoDiffusionPipeline.from_pretrained(folder, torch_dtype=dtype, variant="fp16" if dtype == torch.float16 else None)
    except (OSError, ValueError):
        pipe = StableVideoDiffusionPipeline.from_pretrained(folder, torch_dtype=dtype)
    _place(pipe, device)
    return SVDModel(pipe, implementation=f"diffusers StableVideoDiffusionPipeline ({folder})")


@dataclass
class HunyuanSettings:
    height: int = 720  # HunyuanVideo-I2V 720p
    width: int = 1280
    num_frames: int = 129  # 5 s
    num_inference_steps: int = 50
    fps: int = 24
    guidance_scale: float = 6.0  # diffusers' example for hunyuanvideo-community/HunyuanVideo-I2V
    true_cfg_scale: float = 1.0
    max_sequence_length: int = 256
    prompt_template: dict | None = None  # None: the pipeline's default Llava template


class HunyuanI2VModel:
    name = "hunyuan-i2v"

    def __init__(self, pipe: Any, settings: HunyuanSettings = HunyuanSettings(),
                 implementation: str = "diffusers HunyuanVideo-I2V"):  # fmt: skip
        self.pipe, self.s, self.implementation = pipe, settings, implementation

    def generate(self, image: PIL.Image.Image, prompt: str, seed: int) -> Generation:
        s = self.s
        kwargs = {"prompt_template": s.prompt_template} if s.prompt_template else {}
        out = self.pipe(image=fit_input(image, s.width, s.height),
                        prompt=prompt or "", height=s.height, width=s.width, num_frames=s.num_frames,
                        num_inference_steps=s.num_inference_steps, guidance_scale=s.guidance_scale,
                        true_cfg_scale=s.true_cfg_scale, max_sequence_length=s.max_sequence_length,
                        generator=_generator(self.pipe, seed), output_type="np", **kwargs)  # fmt: skip
        return Generation(_to_uint8(out.frames), float(s.fps))

    def describe(self) -> dict[str, Any]:
        d = asdict(self.s)
        d.pop("prompt_template")
        return {"implementation": self.implementation, **d, "text_conditioned": True, "input_framing": FRAMING_CROP}


def load_hunyuan_i2v(path_or_id: str | None = None, device: str = "cuda") -> HunyuanI2VModel:
    """HunyuanVideo-I2V (diffusers format): transformer bf16, rest fp16; model CPU offload + VAE tiling on GPU."""
    from diffusers import HunyuanVideoImageToVideoPipeline, HunyuanVideoTransformer3DModel

    folder = resolve_hf("hunyuan-i2v", path_or_id)
    try:
        transformer = HunyuanVideoTransformer3DModel.from_pretrained(folder, subfolder="transformer", torch_dtype=torch.bfloat16)
        pipe = HunyuanVideoImageToVideoPipeline.from_pretrained(folder, transformer=transformer, torch_dtype=torch.float16)
    except OSError:
        raise missing_weights("hunyuan-i2v", folder) from None
    pipe.vae.enable_tiling()
    _place(pipe, device)
    return HunyuanI2VModel(pipe, implementation=f"diffusers HunyuanVideoImageToVideoPipeline ({folder})")


@dataclass
class ReVisionSettings:
    motion_strength: float = 0.5
    s3: str = "conditioned"  # S3 mode (revision.s3.S3_CHOICES); the benchmark systems fix it, see REVISION_S3
    num_frames: int | None = None  # None: the pipeline's config (S3's frames; "animation": config.photo_frames)
    num_inference_steps: int | None = None


class ReVisionModel:
    """:class:`revision.pipeline.ReVisionPipeline` as a benchmark system; ``name`` is the system's name."""

    def __init__(self, pipe: Any, settings: ReVisionSettings = ReVisionSettings(), implementation: str = "ReVision",
                 name: str = "revision"):  # fmt: skip
        self.pipe, self.s, self.implementation, self.name = pipe, settings, implementation, name

    def generate(self, image: PIL.Image.Image, prompt: str, seed: int) -> Generation:
        out = self.pipe(image.convert("RGB"), prompt=prompt or "", motion_strength=self.s.motion_strength,
                        num_frames=self.s.num_frames, num_inference_steps=self.s.num_inference_steps, seed=seed,
                        s3=self.s.s3)  # fmt: skip
        info = {"s3_mode": out.s3_mode, "s3_reason": out.settings.get("s3_reason", ""), "notes": list(out.notes)}
        return Generation(np.asarray(out.final.frames), float(out.final.fps), dict(out.timings), info)

    def describe(self) -> dict[str, Any]:
        cfg = getattr(self.pipe, "config", None)
        extra: dict[str, Any] = {}
        if self.s.s3 == "animation" and cfg is not None:
            a = cfg.animate
            extra = {"output_size": f"the photo's aspect, long side <= {a.max_side} px (never upscaled), sides a "
                                    f"multiple of {a.size_multiple}", "max_side": a.max_side,
                     "num_frames": cfg.photo_frames, "fps": cfg.photo_fps, "input_framing": FRAMING_WHOLE}  # fmt: skip
        elif cfg is not None:
            svd = cfg.svd
            extra = {k: getattr(svd, k) for k in ("height", "width", "num_frames", "num_inference_steps", "fps")}
            extra["input_framing"] = FRAMING_CROP
        return {"implementation": self.implementation, **extra,
                **{k: v for k, v in asdict(self.s).items() if v is not None},
                "backends": dict(getattr(self.pipe, "backends", {})), "text_conditioned": True}  # fmt: skip


def load_revision(path: str | None = None, device: str = "cuda", kind: str = "revision") -> ReVisionModel:
    """Our pipeline via ``ReVisionPipeline.from_pretrained`` (weights resolved by :mod:`revision.weights`;
    None: the default chain, ending at the embedded ReVision-mini) with S3 fixed to ``REVISION_S3[kind]``."""
    from revision.pipeline import ReVisionPipeline

    pipe = ReVisionPipeline.from_pretrained(path, device=device)
    s3 = REVISION_S3[kind]
    return ReVisionModel(pipe, ReVisionSettings(s3=s3), name=kind,
                         implementation=f"ReVision (revision.pipeline.ReVisionPipeline, s3={s3!r})")  # fmt: skip


def tiny_model(kind: str, seed: int = 0) -> VideoModel:
    """A tiny random pipeline of ``kind`` wrapped as a VideoModel (tests and ``--weights tiny-random``)."""
    from eval.benchmark import tiny

    if kind == "svd":
        return SVDModel(tiny.tiny_svd_pipeline(seed), svd_xt_settings(height=32, width=32, num_frames=4,
                        num_inference_steps=2, fps=7, decode_chunk_size=4),
                        implementation="tiny random SVD (test model; output is noise)")  # fmt: skip
    if kind == "hunyuan-i2v":
        s = HunyuanSettings(16, 16, 9, 2, 24, guidance_scale=4.5, max_sequence_length=64,
                            prompt_template=tiny.TINY_HUNYUAN_PROMPT_TEMPLATE)  # fmt: skip
        return HunyuanI2VModel(tiny.tiny_hunyuan_i2v_pipeline(seed), s,
                               implementation="tiny random HunyuanVideo-I2V (test model; output is noise)")  # fmt: skip
    if kind in REVISION_S3:
        from revision.pipeline import tiny_revision_pipeline

        s3 = REVISION_S3[kind]
        return ReVisionModel(tiny_revision_pipeline(seed), ReVisionSettings(s3=s3), name=kind,
                             implementation=f"tiny random ReVision, s3={s3!r} (test model; output is noise)")  # fmt: skip
    raise ValueError(f"unknown model kind {kind!r}; choose from {MODEL_KINDS}")


def load_model(kind: str, weights: str | None, device: str) -> VideoModel:
    """``weights``: ``tiny-random`` for a tiny random pipeline, else a local path/HF id (None: default id)."""
    if weights == "tiny-random":
        return tiny_model(kind)
    if kind in REVISION_S3:
        return load_revision(weights, device=device, kind=kind)
    loaders = {"svd": load_svd, "hunyuan-i2v": load_hunyuan_i2v}
    if kind not in loaders:
        raise ValueError(f"unknown model kind {kind!r}; choose from {MODEL_KINDS}")
    return loaders[kind](weights, device=device)
