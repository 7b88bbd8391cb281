"""ReVisionPipeline: image (+ sketch, text, motion strength) → video in three numbered stages.

S1 coarse video (efficient mode of the motion-conditioned SVD, conditioned on the sketch or nothing)
→ S2 3D motion (any :class:`revision.s2.MotionStage`) → S3 final video conditioned on the S2 part masks.
Every intermediate is returned in :class:`ReVisionOutput`. Per-request choices (``s2``,
``s1_step_fraction``, frames, steps, seed) are call arguments: one loaded pipeline serves every request
without being copied or changed, and concurrent calls share nothing mutable but the stage's own locks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import PIL.Image
import torch

from revision.config import TINY_CONFIG, ReVisionConfig
from revision.inputs import InputError, check_image_size
from revision.s2 import S2_CHOICES, EmptyMotionStage, MotionResult, MotionStage, ProgressFn
from revision.s3 import S3_CHOICES, choose_s3
from revision.types import Clip, ConditionMaps, MotionSequence
from revision.video_model.config import SVDSettings
from revision.video_model.conv_in import condition_channels_are_zero
from revision.video_model.pipeline import MotionConditionedSVDPipeline

# on_stage(stage, value): "s1" → coarse Clip, "s2" → MotionResult, "s3" → final Clip, as each finishes
StageCallback = Callable[[str, Any], None]

# Share of the progress bar each stage gets (S1 is cheap, S3 is the full-quality pass).
_PROGRESS_SPAN = {"s1": (0.0, 0.25), "s2": (0.25, 0.4), "s3": (0.4, 1.0)}
# S3 "animation": no video model runs; S2 (fitting the photo's bodies) and the animation share the bar.
_PHOTO_PROGRESS_SPAN = {"s2": (0.0, 0.6), "s3": (0.6, 1.0)}


__all__ = ["InputError", "ReVisionOutput", "ReVisionPipeline", "tiny_revision_pipeline"]
_OFF = EmptyMotionStage()  # what s2="off" runs (stateless, shared)


def with_input_frame(coarse: Clip, image: PIL.Image.Image) -> Clip:
    """``coarse`` with its first frame replaced by the input ``image`` (resized to the clip): what S2 perceives."""
    frames = coarse.frames.copy()
    h, w = frames.shape[1:3]
    frames[0] = np.asarray(image.convert("RGB").resize((w, h), PIL.Image.Resampling.LANCZOS))
    return Clip(frames, fps=coarse.fps)


@dataclass
class ReVisionOutput:
    final: Clip  # S3
    coarse: Clip  # S1
    condition: ConditionMaps  # what S3 was conditioned on
    coarse_condition: ConditionMaps  # what S1 was conditioned on (the sketch, or empty)
    raw_motion: MotionSequence | None = None
    refined_motion: MotionSequence | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds: s1, s2, s3 (+ S2 sub-stages), total
    backends: dict[str, str] = field(default_factory=dict)  # stage/role -> backend or weights used
    notes: list[str] = field(default_factory=list)  # things the user must know (resizes, degradations)
    # everything needed to reproduce the run (run.json): "call" (this call's arguments), "s1"/"s3" (sampling
    # settings actually used), "config" (ReVisionConfig), "s2" (the S2 stage's settings), "load" (weights, device)
    settings: dict[str, Any] = field(default_factory=dict)
    animation: Any = None  # revision.animate.PhotoAnimation of S3 "animation"/"guided" (frames, flow, moved mask)
    s3_mode: str = "conditioned"  # the S3 mode that ran (revision.s3.S3_MODES)
    # photo path: the objects S2 found, {"track_id", "label", "box" (input-image pixels), "score", "how"}
    objects: list[dict[str, Any]] = field(default_factory=list)
    # photo path: the person-object contact S2 decided (revision.pppm.interaction), or None
    interaction: dict[str, Any] | None = None


def parse_object_hints(objects: list[Any] | None) -> list[Any]:
    """The ``objects=`` argument of :meth:`ReVisionPipeline.__call__` → a list of ``ObjectHint`` (InputError when
    one is neither a box, a stroke nor a dict of one)."""
    if not objects:
        return []
    from revision.perception.photo_objects import ObjectHint

    out = []
    for o in objects:
        try:
            if isinstance(o, ObjectHint):
                out.append(o)
            elif isinstance(o, dict):
                out.append(ObjectHint(box=o.get("box"), stroke=o.get("stroke"), label=o.get("label")))
            elif np.ndim(o) == 1 and len(o) == 4:
                out.append(ObjectHint(box=tuple(float(v) for v in o)))
            elif np.ndim(o) == 2 and np.shape(o)[1] == 2:
                out.append(ObjectHint(stroke=np.asarray(o, np.float32)))
            else:
                raise ValueError(f"an object mark must be a box (x0, y0, x1, y1), an (N, 2) stroke or a dict, got {o!r}")
        except (ValueError, TypeError) as e:
            raise InputError(str(e)) from e
    return out


def _found_objects(motion: Any, photo: np.ndarray | None, size: tuple[int, int]) -> list[dict[str, Any]]:
    """What S2 found on the photo, boxes in the input image's pixels (``size`` = its (W, H))."""
    found = getattr(motion, "objects", None) or []
    if photo is None or not found:
        return []
    sx, sy = size[0] / photo.shape[1], size[1] / photo.shape[0]
    masks = getattr(motion, "person_masks", {}) or {}
    out = []
    for o in found:
        x0, y0, x1, y1 = (float(v) for v in o.box)
        overlap = {tid: int((m & o.mask).sum()) for tid, m in masks.items() if m.shape == o.mask.shape}
        tid = max(overlap, key=overlap.get) if overlap and max(overlap.values()) > 0 else None
        out.append({"track_id": tid, "label": o.label,
                    "box": [round(x0 * sx, 1), round(y0 * sy, 1), round(x1 * sx, 1), round(y1 * sy, 1)],
                    "score": round(float(o.score), 3), "how": o.how})  # fmt: skip
    return out


def crop_box(w: int, h: int, width: int, height: int) -> tuple[int, int, int, int]:
    """The centre box of a ``w`` x ``h`` image with the aspect ratio of ``width`` x ``height``."""
    scale = max(width / w, height / h)
    cw, ch = min(w, round(width / scale)), min(h, round(height / scale))
    left, top = (w - cw) // 2, (h - ch) // 2
    return left, top, left + cw, top + ch


def fit_image(image: PIL.Image.Image, width: int, height: int) -> tuple[PIL.Image.Image, str | None]:
    """Centre-crop to the aspect of ``width`` x ``height`` and resize; returns the image and a note if changed."""
    w, h = image.size
    if (w, h) == (width, height):
        return image, None
    box = crop_box(w, h, width, height)
    fitted = image.crop(box).resize((width, height), PIL.Image.Resampling.LANCZOS)
    return fitted, f"input {w}x{h} centre-cropped and resized to the model size {width}x{height}"


def fit_sketch(sketch: np.ndarray, image_size: tuple[int, int], width: int, height: int) -> np.ndarray:
    """Apply to a sketch drawn over the input image the same crop as :func:`fit_image` applies to the image.

    A sketch of another size than the image is first stretched to the image size (nearest, so stroke
    colours stay exact). The crop keeps the sketch's resolution; polygons are scaled to the model size
    when rasterised.
    """
    w, h = image_size
    im = PIL.Image.fromarray(np.asarray(sketch, np.uint8))
    if im.size != (w, h):
        im = im.resize((w, h), PIL.Image.Resampling.NEAREST)
    return np.asarray(im.crop(crop_box(w, h, width, height)))


def _frames_to_clip(frames: np.ndarray, fps: float) -> Clip:
    """(1, F, H, W, 3) float [0, 1] → Clip."""
    return Clip((np.clip(frames[0], 0, 1) * 255).round().astype(np.uint8), fps=float(fps))


class ReVisionPipeline:
    """Components are passed in; use :meth:`from_pretrained` to load them."""

    def __init__(
        self,
        video: MotionConditionedSVDPipeline,
        motion_stage: MotionStage | None = None,
        config: ReVisionConfig = ReVisionConfig(),
        backends: dict[str, str] | None = None,
        load_settings: dict[str, Any] | None = None,
    ):
        self.video = video
        self.motion_stage = motion_stage if motion_stage is not None else _OFF
        self.config = config
        self.backends = dict(backends or {})
        self.load_settings = dict(load_settings or {})  # how the components were loaded (recorded in run.json)
        self.video.set_progress_bar_config(disable=True)
        # stock weights (motion-condition channels all zero) → S3 "auto" runs "guided" (revision/s3.py)
        self.condition_channels_zero = condition_channels_are_zero(video.unet)

    @classmethod
    def from_pretrained(
        cls,
        weights: str | None = None,
        *,
        motion_stage: MotionStage | str | None = "auto",
        config: ReVisionConfig | None = None,
        device: str = "cpu",
        dtype: torch.dtype = torch.float32,
        pppm_weights: str | None = None,
        body_model_dir: str | None = None,
        smal_model: str | None = None,
    ) -> ReVisionPipeline:
        """Load the video model (see :func:`revision.weights.resolve`) and the S2 stage, all on ``device``.

        ``motion_stage="auto"``: :meth:`revision.s2.FullMotionStage.from_defaults` with ``pppm_weights``,
        ``body_model_dir`` and ``smal_model`` (None: the loaders' defaults); ``None``: no S2 at all (every
        call then runs as ``s2="off"``); or a ready stage.
        """
        from revision.config import MINI_CONFIG
        from revision.video_model.loading import load_motion_svd

        video, resolved = load_motion_svd(weights, device=device, dtype=dtype)
        if config is None:
            config = {"embedded": MINI_CONFIG, "random": TINY_CONFIG}.get(resolved.source, ReVisionConfig())
        if motion_stage == "auto":
            from revision.s2 import FullMotionStage

            motion_stage = FullMotionStage.from_defaults(pppm_weights=pppm_weights, body_model_dir=body_model_dir,
                                                         smal_model=smal_model, device=device)  # fmt: skip
        load = {"weights": weights, "video_model": resolved.location, "video_model_source": resolved.source,
                "device": str(device), "dtype": str(dtype), "pppm_weights": pppm_weights,
                "body_model_dir": body_model_dir, "smal_model": smal_model}  # fmt: skip
        return cls(video, motion_stage, config, backends={"video_model": resolved.describe()}, load_settings=load)

    # ---------------------------------------------------------------- inputs
    def check_inputs(
        self,
        image: Any,
        motion_strength: float,
        num_frames: int | None,
        steps: int | None,
        s2: str = "full",
        s1_step_fraction: float | None = None,
        s3: str = "auto",
    ) -> None:
        if not isinstance(image, PIL.Image.Image | np.ndarray):
            raise InputError(f"image must be a PIL image or an (H, W, 3) uint8 array, got {type(image).__name__}")
        w, h = image.size if isinstance(image, PIL.Image.Image) else (image.shape[1], image.shape[0])
        check_image_size(w, h, self.config.limits)
        if s2 not in S2_CHOICES:
            raise InputError(f"s2 must be one of {', '.join(repr(c) for c in S2_CHOICES)}, got {s2!r}")
        if s3 not in S3_CHOICES:
            raise InputError(f"s3 must be one of {', '.join(repr(c) for c in S3_CHOICES)}, got {s3!r}")
        if s1_step_fraction is not None and not 0.0 < s1_step_fraction <= 1.0:
            raise InputError(f"s1_step_fraction must be in (0, 1], got {s1_step_fraction}")
        if not 0.0 <= motion_strength <= 1.0:
            raise InputError(f"motion_strength must be in [0, 1], got {motion_strength}")
        if num_frames is not None and not 2 <= num_frames <= 128:
            raise InputError(f"num_frames must be in [2, 128], got {num_frames}")
        if steps is not None and not 1 <= steps <= 200:
            raise InputError(f"num_inference_steps must be in [1, 200], got {steps}")

    @staticmethod
    def _sketch_condition(sketch: Any, s: SVDSettings) -> ConditionMaps | None:
        """A parsed sketch (``SketchResult``) or ready maps → condition at the settings' size."""
        if sketch is None:
            return None
        if isinstance(sketch, ConditionMaps):
            if sketch.part_ids.shape[1:] != (s.height, s.width) or sketch.num_frames != s.num_frames:
                return _resample_condition(sketch, s.num_frames, s.height, s.width)
            return sketch
        return sketch.to_condition(s.num_frames, s.height, s.width)

    # ---------------------------------------------------------------- call
    def __call__(
        self,
        image: PIL.Image.Image | np.ndarray,
        prompt: str = "",
        motion_strength: float | None = None,
        sketch: np.ndarray | ConditionMaps | None = None,
        num_frames: int | None = None,
        num_inference_steps: int | None = None,
        seed: int = 0,
        s2: str = "full",
        s1_step_fraction: float | None = None,
        s3: str | None = None,
        progress: ProgressFn | None = None,
        on_stage: StageCallback | None = None,
        objects: list[Any] | None = None,
    ) -> ReVisionOutput:
        """Generate a clip. ``sketch``: an (H, W, 3|4) image of palette strokes drawn over ``image``
        (any size) or ready :class:`ConditionMaps`. ``s2``: one of :data:`revision.s2.S2_CHOICES` —
        ``"full"`` (the loaded stage), ``"without PPPM"`` (no PPPM refinement), ``"off"`` (no 3D motion).
        ``s1_step_fraction``: S1's share of S3's denoising steps (None: the config's). ``s3``: one of
        :data:`revision.s3.S3_CHOICES` (None: ``config.s3``; ``"auto"`` picks from the weights,
        :func:`revision.s3.choose_s3`):

        - ``conditioned``: S1 coarse clip → S2 perceives it → S3 conditioned on the part masks (model size);
        - ``guided``: S1 coarse clip; S2 on the photo (its bodies, the prompt's motion) → the photo animation
          steers S3 (dual-clock denoising, ``config.guidance``) at the model size;
        - ``animation``: S2 on the photo → the photo animation is the final clip, at the photo's resolution
          (long side ≤ ``config.animate.max_side``); the coarse clip is a quarter-size preview of it.

        ``progress(fraction, message)`` reports every stage and denoising step; ``on_stage(name, value)``
        hands over each stage's result as soon as it exists (for UIs that show intermediates).
        ``objects``: the user's marks of the object the person interacts with, in ``image``'s pixels: each an
        :class:`~revision.perception.photo_objects.ObjectHint`, a box ``(x0, y0, x1, y1)``, an (N, 2) stroke of
        x, y points, or a dict ``{"box": ...}`` / ``{"stroke": ...}`` (+ ``"label"``); photo path only."""
        # 0. Check inputs, settle the sampling settings and the S3 mode
        motion_strength = self.config.motion_strength if motion_strength is None else float(motion_strength)
        s1_step_fraction = None if s1_step_fraction is None else float(s1_step_fraction)
        s3 = self.config.s3 if s3 is None else s3
        self.check_inputs(image, motion_strength, num_frames, num_inference_steps, s2, s1_step_fraction, s3)
        choice = choose_s3(s3, self.load_settings.get("video_model_source"), self.condition_channels_zero)
        mode = choice.mode
        hints = parse_object_hints(objects)
        call = {"prompt": prompt, "motion_strength": motion_strength, "num_frames": num_frames,
                "num_inference_steps": num_inference_steps, "seed": seed, "s2": s2,
                "s1_step_fraction": s1_step_fraction, "s3": s3, "sketch": sketch is not None,
                "objects": [h.as_dict() for h in hints]}  # fmt: skip
        s1, s3s = self._settings(num_frames, num_inference_steps, s1_step_fraction)
        stage = _OFF if s2 == "off" else self.motion_stage
        notes: list[str] = []
        pil = image if isinstance(image, PIL.Image.Image) else PIL.Image.fromarray(np.asarray(image, np.uint8))
        pil = pil.convert("RGB")
        photo = self._photo(pil) if mode != "conditioned" else None  # (H, W, 3) at the output size, no crop
        if isinstance(sketch, np.ndarray):
            from revision.sketch import parse_sketch

            # the photo path keeps the whole photo; the model path crops the sketch like the image
            sketch = parse_sketch(fit_sketch(sketch, pil.size, s3s.width, s3s.height) if photo is None
                                  else _resize_sketch(sketch, pil.size))  # fmt: skip
            notes.extend(sketch.warnings)
        model_image, note = fit_image(pil, s3s.width, s3s.height)
        if note and mode != "animation":
            notes.append(note)
        report = progress or (lambda frac, msg: None)
        hand_over = on_stage or (lambda stage, value: None)
        span = _PHOTO_PROGRESS_SPAN if mode == "animation" else _PROGRESS_SPAN
        timings: dict[str, float] = {}
        t_start = time.perf_counter()

        # 1. S1: coarse clip from the efficient mode, conditioned on the sketch (or nothing); in
        #    "animation" the video model does not run (its preview is made from the animation in step 3)
        coarse = coarse_cond = None
        s1_image = model_image.resize((s1.width, s1.height), PIL.Image.Resampling.LANCZOS)
        if mode != "animation":
            report(0.0, "S1: coarse video")
            t0 = time.perf_counter()
            coarse_cond = self._sketch_condition(sketch, s1) or ConditionMaps.empty(s1.num_frames, s1.height, s1.width)
            coarse = self._generate(s1_image, coarse_cond, s1, seed, report, "s1", span)
            timings["s1"] = time.perf_counter() - t0
            hand_over("s1", coarse)

        # 2. S2: 3D motion → part masks + confidence; from the coarse clip ("conditioned") or from the photo
        #    itself: its bodies at frame 0 and the prompt's motion ("guided", "animation")
        lo, hi = span["s2"]
        report(lo, "S2: 3D motion")
        t0 = time.perf_counter()
        s2_progress = lambda f, m: report(lo + (hi - lo) * f, f"S2: {m}")  # noqa: E731
        if photo is None:
            if hints:
                notes.append("objects: the marked objects are used on the photo path only (s3 animation / guided)")
            perceived = with_input_frame(coarse, s1_image) if self.config.perceive_input_frame else coarse
            motion = stage(
                perceived, prompt=prompt, motion_strength=motion_strength, sketch=self._sketch_condition(sketch, s3s),
                num_frames=s3s.num_frames, height=s3s.height, width=s3s.width, use_pppm=s2 != "without PPPM",
                progress=s2_progress,
            )  # fmt: skip
        else:
            n = s3s.num_frames if mode == "guided" else (num_frames or self.config.photo_frames)
            fps = s3s.fps if mode == "guided" else self.config.photo_fps
            h, w = photo.shape[:2]
            sketch_photo = None if sketch is None else _maps_at(sketch, n, h, w)
            marks = {"objects": [k.scaled(w / pil.width, h / pil.height) for k in hints]} if hints else {}
            motion = stage.photo_motion(photo, prompt=prompt, motion_strength=motion_strength, sketch=sketch_photo,
                                        num_frames=n, fps=fps, use_pppm=s2 != "without PPPM",
                                        progress=s2_progress, **marks)  # fmt: skip
        timings["s2"] = time.perf_counter() - t0
        timings.update({f"s2.{k}": v for k, v in motion.timings.items()})
        notes.extend(motion.notes)
        hand_over("s2", motion)

        # 3. S3: the final clip — the photo animation itself, or the video model steered by it / conditioned
        report(hi, f"S3: {mode}")
        t0 = time.perf_counter()
        animation = None
        condition = motion.condition
        if photo is not None:
            animation = self._animate(photo, motion, n, fps)
            timings["s3.animate"] = time.perf_counter() - t0
        if mode == "animation":
            final = animation.frames
            t1 = time.perf_counter()
            coarse = preview_clip(final)
            coarse_cond = ConditionMaps.empty(coarse.num_frames, coarse.height, coarse.width)
            timings["s1"] = time.perf_counter() - t1
            notes.append("S1 shows a quarter-size preview of the photo animation: the video model did not run")
            hand_over("s1", coarse)
        elif mode == "guided":
            box = crop_box(pil.width, pil.height, s3s.width, s3s.height)
            condition = _crop_condition(motion.condition, box, pil.size, s3s.num_frames, s3s.height, s3s.width)
            reference, mask = _crop_animation(animation, box, pil.size, s3s.height, s3s.width)
            final = self._generate(model_image, condition, s3s, seed, report, "s3", span,
                                   reference=reference, reference_mask=mask)  # fmt: skip
        else:
            final = self._generate(model_image, condition, s3s, seed, report, "s3", span)
        timings["s3"] = time.perf_counter() - t0 - (timings["s1"] if mode == "animation" else 0.0)
        hand_over("s3", final)
        timings["total"] = time.perf_counter() - t_start
        report(1.0, "done")
        backends = {**self.backends, **motion.backends, "s3": f"{mode} ({choice.reason})"}
        if mode == "animation":
            backends["s1"] = "preview of the photo animation (¼ size, every other frame); no video model ran"
        settings = {"call": call, "s3_mode": mode, "s3_reason": choice.reason, "s1": asdict(s1), "s3": asdict(s3s),
                    "config": asdict(self.config), "s2": motion.settings, "load": self.load_settings}  # fmt: skip
        if mode == "animation":
            settings.pop("s1")
            settings["s3"] = {"num_frames": final.num_frames, "height": final.height, "width": final.width,
                              "fps": final.fps}  # fmt: skip
        found = _found_objects(motion, photo, pil.size)
        return ReVisionOutput(
            final=final, coarse=coarse, condition=condition, coarse_condition=coarse_cond,
            raw_motion=motion.raw_motion, refined_motion=motion.refined_motion, timings=timings,
            backends=backends, notes=notes, settings=settings, animation=animation, s3_mode=mode,
            objects=found, interaction=getattr(motion, "interaction", None),
        )  # fmt: skip

    def _photo(self, pil: PIL.Image.Image) -> np.ndarray:
        """The photo at the animation's output size (long side ≤ ``config.animate.max_side``, aspect kept)."""
        from revision.animate import output_size

        cfg = self.config.animate
        h, w = output_size(pil.height, pil.width, cfg.max_side, cfg.size_multiple)
        if (w, h) != pil.size:
            pil = pil.resize((w, h), PIL.Image.Resampling.LANCZOS)
        return np.asarray(pil, np.uint8)

    def _animate(self, photo: np.ndarray, motion: MotionResult, num_frames: int, fps: float):
        """The photo animation of ``motion`` (a still clip of the photo when S2 found nothing to move)."""
        from revision.animate import animate_photo
        from revision.types import Camera

        seq = motion.refined_motion
        if seq is None:  # nothing found: the photo stands still
            h, w = photo.shape[:2]
            seq = MotionSequence([], Camera.from_image_size(w, h), num_frames, fps)
        stage = self.motion_stage
        return animate_photo(photo, seq, person_masks=motion.person_masks,
                             person_hidden=getattr(motion, "person_hidden", None),
                             person_kept=getattr(motion, "person_kept", None), config=self.config.animate,
                             smplx_model=getattr(stage, "smplx_model", None),
                             smal_model=getattr(stage, "smal_model", None))  # fmt: skip

    def _settings(
        self, num_frames: int | None, steps: int | None, s1_step_fraction: float | None
    ) -> tuple[SVDSettings, SVDSettings]:
        """(S1, S3) sampling settings of one call: the config's, with this call's overrides."""
        s3 = self.config.svd
        if num_frames is not None:
            s3 = replace(s3, num_frames=num_frames, decode_chunk_size=min(s3.decode_chunk_size, num_frames))
        if steps is not None:
            s3 = replace(s3, num_inference_steps=steps)
        efficient = self.config.efficient
        if s1_step_fraction is not None:
            efficient = replace(efficient, step_fraction=s1_step_fraction)
        return efficient.apply(s3), s3

    def _generate(
        self, image: PIL.Image.Image, cond: ConditionMaps, s: SVDSettings, seed: int, report: ProgressFn, stage: str,
        span: dict[str, tuple[float, float]] = _PROGRESS_SPAN, reference: np.ndarray | None = None,
        reference_mask: np.ndarray | None = None,
    ) -> Clip:
        lo, hi = span[stage]
        guided = {} if reference is None else {"reference": reference, "reference_mask": reference_mask,
                                               "guidance": self.config.guidance}  # fmt: skip
        device = self.video._execution_device
        out = self.video(
            image,
            condition=torch.from_numpy(cond.to_array()).unsqueeze(0),
            height=s.height, width=s.width, num_frames=s.num_frames, num_inference_steps=s.num_inference_steps,
            min_guidance_scale=s.min_guidance_scale, max_guidance_scale=s.max_guidance_scale, fps=s.fps,
            motion_bucket_id=s.motion_bucket_id, noise_aug_strength=s.noise_aug_strength,
            decode_chunk_size=s.decode_chunk_size, generator=torch.Generator(device).manual_seed(seed),
            output_type="np",
            step_callback=lambda i, n: report(lo + (hi - lo) * i / n, f"{stage.upper()}: step {i}/{n}"),
            **guided,
        )  # fmt: skip
        return _frames_to_clip(np.asarray(out.frames), s.fps)


def _resample_condition(cond: ConditionMaps, num_frames: int, height: int, width: int) -> ConditionMaps:
    """Nearest-neighbour resample of a condition in time and space (ids are never blended)."""
    fi = np.linspace(0, cond.num_frames - 1, num_frames).round().astype(int)
    yi = (np.arange(height) * cond.part_ids.shape[1] / height).astype(int)
    xi = (np.arange(width) * cond.part_ids.shape[2] / width).astype(int)
    return ConditionMaps(
        cond.part_ids[fi][:, yi][:, :, xi], cond.confidence[fi][:, yi][:, :, xi].astype(np.float32)
    )


def preview_clip(clip: Clip) -> Clip:
    """A quarter-size preview (half each side, every other frame, half the fps) of ``clip``."""
    frames = clip.frames[::2]
    h, w = max(2, clip.height // 2 // 2 * 2), max(2, clip.width // 2 // 2 * 2)
    small = np.stack([np.asarray(PIL.Image.fromarray(f).resize((w, h), PIL.Image.Resampling.BOX)) for f in frames])
    return Clip(small, fps=clip.fps / 2)


def _resize_sketch(sketch: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """A sketch drawn over the image, stretched to the image's size (nearest: stroke colours stay exact)."""
    im = PIL.Image.fromarray(np.asarray(sketch, np.uint8))
    return np.asarray(im if im.size == image_size else im.resize(image_size, PIL.Image.Resampling.NEAREST))


def _maps_at(sketch: Any, num_frames: int, height: int, width: int) -> ConditionMaps:
    """A parsed sketch or ready maps → maps of ``num_frames`` × ``height`` × ``width``."""
    if isinstance(sketch, ConditionMaps):
        return _resample_condition(sketch, num_frames, height, width)
    return sketch.to_condition(num_frames, height, width)


def _crop_condition(cond: ConditionMaps, box: tuple[int, int, int, int], image_size: tuple[int, int],
                    num_frames: int, height: int, width: int) -> ConditionMaps:  # fmt: skip
    """Maps drawn over the whole photo → the model's centre crop (``box`` in input pixels) at its size."""
    H, W = cond.part_ids.shape[1:]
    sx, sy = W / image_size[0], H / image_size[1]
    x0, y0, x1, y1 = round(box[0] * sx), round(box[1] * sy), round(box[2] * sx), round(box[3] * sy)
    cropped = ConditionMaps(cond.part_ids[:, y0:y1, x0:x1], cond.confidence[:, y0:y1, x0:x1])
    return _resample_condition(cropped, num_frames, height, width)


def _crop_animation(animation: Any, box: tuple[int, int, int, int], image_size: tuple[int, int], height: int,
                    width: int) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The photo animation cropped like the model's input → (F, H, W, 3) uint8 reference, (F, H, W) moved mask."""
    import cv2

    frames, moved = animation.frames.frames, animation.moved
    H, W = frames.shape[1:3]
    sx, sy = W / image_size[0], H / image_size[1]
    x0, y0, x1, y1 = round(box[0] * sx), round(box[1] * sy), round(box[2] * sx), round(box[3] * sy)
    ref = np.stack([cv2.resize(f[y0:y1, x0:x1], (width, height), interpolation=cv2.INTER_AREA) for f in frames])
    mask = np.stack([cv2.resize(m[y0:y1, x0:x1], (width, height), interpolation=cv2.INTER_AREA) for m in moved])
    return ref, mask


def tiny_revision_pipeline(seed: int = 0, motion_stage: MotionStage | None = None) -> ReVisionPipeline:
    """A randomly initialised tiny pipeline (64x64, 4 frames, 2 steps) for tests and plumbing checks."""
    from revision.video_model.tiny import TINY, small_motion_svd_pipeline

    return ReVisionPipeline(
        small_motion_svd_pipeline(TINY, seed=seed), motion_stage, TINY_CONFIG,
        backends={"video_model": "tiny random SVD (test model; output is noise)"},
        load_settings={"weights": "tiny-random", "video_model_source": "random"},
    )  # fmt: skip
