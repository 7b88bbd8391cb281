"""The full S2 stage: coarse clip → 3D motion → PPPM → part masks + confidence for S3.

Implements :class:`revision.motion_stage.MotionStage` with the components of the other packages:

1. perception + lifting (:func:`revision.lifting.extract_motion`) on the coarse S1 clip,
2. PPPM refinement (:func:`revision.pppm.refine.refine`), which also grows the coarse clip's frame
   count to S3's (the paper's interpolation, e.g. 8 → 16); with PPPM off the motion is linearly
   resampled instead,
3. projection to part masks at S3 size (:func:`revision.render.render_condition`, confidence 1),
4. the user's sketch (last frame, confidence 0.5) kept where the projected masks leave background.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from revision.motion_stage import MotionResult, ProgressFn
from revision.types import Clip, ConditionMaps, MotionSequence, Track

# Share of S2's progress for each sub-stage.
_SPAN = {"extract": (0.0, 0.7), "pppm": (0.7, 0.9), "render": (0.9, 1.0)}


@dataclass(frozen=True)
class S2Config:
    use_pppm: bool = True  # False: linear resampling of the lifted motion (the "PPPM off" ablation)
    keep_sketch: bool = True  # keep sketch polygons (conf 0.5) where the projection leaves background


def resample_motion(motion: MotionSequence, num_frames: int) -> MotionSequence:
    """Linearly resample every per-frame parameter to ``num_frames`` (no refinement)."""
    n = motion.num_frames
    if n == num_frames:
        return motion
    pos = np.linspace(0, n - 1, num_frames)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    w = (pos - lo).astype(np.float32)

    def interp(a: np.ndarray) -> np.ndarray:
        a = np.asarray(a, np.float32)
        if a.ndim == 0 or a.shape[0] != n:  # per-track constants such as betas
            return a
        ww = w.reshape(-1, *([1] * (a.ndim - 1)))
        return (1 - ww) * a[lo] + ww * a[hi]

    tracks = [
        Track(t.track_id, t.kind, {k: interp(v) for k, v in t.params.items()}, interp(t.confidence), t.label)
        for t in motion.tracks
    ]
    fps = motion.fps * (num_frames - 1) / max(1, n - 1)
    return MotionSequence(tracks, motion.camera, num_frames, fps, motion.motion_strength)


def merge_sketch(cond: ConditionMaps, sketch: ConditionMaps | None) -> ConditionMaps:
    """Sketch polygons (conf 0.5) fill the background of the projected masks; projection wins elsewhere."""
    if sketch is None:
        return cond
    ids, conf = cond.part_ids.copy(), cond.confidence.copy()
    use = (ids == 0) & (sketch.part_ids > 0)
    ids[use] = sketch.part_ids[use]
    conf[use] = sketch.confidence[use]
    return ConditionMaps(ids, conf)


class FullMotionStage:
    """perception → lifting → PPPM → render, as one S2 component."""

    name = "perception → lifting → PPPM → render"

    def __init__(self, *, detectors=None, pppm=None, text_encoder=None, config: S2Config = S2Config()):
        self.detectors = detectors  # revision.perception.Backends; None → default_backends() per call
        self.pppm = pppm  # revision.pppm.model.PPPM or None
        self.text_encoder = text_encoder
        self.config = config

    @classmethod
    def from_defaults(cls, use_pppm: bool = True, pppm_weights: str | None = None) -> FullMotionStage:
        """Default backends (MediaPipe, depth prior, ...) and the PPPM from :func:`revision.weights.resolve`."""
        from revision.perception import default_backends

        pppm = text_encoder = None
        if use_pppm:
            from revision.pppm.checkpoint import load_pppm
            from revision.pppm.text import load_text_encoder

            pppm = load_pppm(pppm_weights)
            text_encoder = load_text_encoder(pppm.config.text_encoder)
        return cls(detectors=default_backends(), pppm=pppm, text_encoder=text_encoder,
                   config=S2Config(use_pppm=use_pppm))  # fmt: skip

    def __call__(
        self,
        coarse: Clip,
        *,
        prompt: str,
        motion_strength: float,
        sketch: ConditionMaps | None,
        num_frames: int,
        height: int,
        width: int,
        progress: ProgressFn | None = None,
    ) -> MotionResult:
        from revision.lifting import extract_motion
        from revision.render import render_condition

        say = progress or (lambda f, m: None)

        def sub(stage: str) -> ProgressFn:
            lo, hi = _SPAN[stage]
            return lambda f, m: say(lo + (hi - lo) * f, m)

        timings: dict[str, float] = {}
        # 1. perception + lifting on the coarse clip
        t = time.perf_counter()
        raw, _, report = extract_motion(coarse, detectors=self.detectors, progress=sub("extract"))
        timings.update(report.get("timings", {}))
        timings["extract"] = time.perf_counter() - t
        backends = {f"s2.{k}": v for k, v in report.get("backends", {}).items()}
        notes = list(report.get("notes", []))
        if not raw.tracks:
            notes.append("S2 found no person, animal or object in the coarse clip: S3 uses the sketch/empty condition")
            cond = sketch if sketch is not None else ConditionMaps.empty(num_frames, height, width)
            return MotionResult(cond, raw, None, backends, notes, timings)

        # 2. PPPM refinement (and growth to S3's frame count)
        say(_SPAN["pppm"][0], "PPPM refinement")
        t = time.perf_counter()
        if self.config.use_pppm and self.pppm is not None:
            from revision.pppm.refine import refine

            refined = refine(self.pppm, raw, prompt, motion_strength, num_frames_out=num_frames,
                             text_encoder=self.text_encoder)  # fmt: skip
            backends["s2.pppm"] = f"PPPM ({self.pppm.config.text_encoder} text)"
        else:
            refined = resample_motion(raw, num_frames)
            backends["s2.pppm"] = "off (linear resampling)"
        timings["pppm"] = time.perf_counter() - t

        # 3. projection to part masks at S3 size
        say(_SPAN["render"][0], "projecting part masks")
        t = time.perf_counter()
        scaled = MotionSequence(refined.tracks, refined.camera.scaled(width, height), refined.num_frames,
                                refined.fps, refined.motion_strength)  # fmt: skip
        cond = render_condition(scaled, height, width, confidence=1.0)
        if self.config.keep_sketch:
            cond = merge_sketch(cond, sketch)
        timings["render"] = time.perf_counter() - t
        say(1.0, "done")
        return MotionResult(cond, raw, scaled, backends, notes, timings)
