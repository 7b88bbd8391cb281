"""S2 in one place: the stage protocol the pipeline calls, and the default stage.

``ReVisionPipeline`` calls any :class:`MotionStage` (coarse clip → conditioning maps for S3).
:class:`EmptyMotionStage` is the trivial stage (no 3D motion: the sketch or an empty condition; what
``s2="off"`` runs). :class:`FullMotionStage` is the default stage:

1. perceive → track → lift (:func:`revision.lifting.extract_motion`) on the coarse S1 clip,
2. PPPM refinement (:func:`revision.pppm.refine.refine`), which also grows the coarse clip's frame
   count to S3's (the paper's interpolation, e.g. 8 → 16); with ``use_pppm=False`` (or no PPPM
   loaded) the motion is linearly resampled instead,
3. projection to part masks at S3 size (:func:`revision.render.render_condition`, confidence 1),
4. the user's sketch (last frame, confidence 0.5) kept where the projected masks leave background.

Per-call choices (``use_pppm``) are call arguments, so one stage serves every request unchanged.
Concurrent calls are safe: the perception backends are stateful (video-mode tracking across a clip's
frames), so the perceive step of each call runs under the stage's lock; tracking, lifting, PPPM and
rendering run concurrently (PPPM and the body models are only read, under ``torch.no_grad``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np

from revision.types import Clip, ConditionMaps, MotionSequence, Track

# progress(fraction_done 0..1, message)
ProgressFn = Callable[[float, str], None]

# The S2 choices of a pipeline call (ReVisionPipeline(..., s2=...)): the stage as loaded /
# linear resampling instead of PPPM / no 3D motion at all.
S2_CHOICES = ("full", "without PPPM", "off")

# Share of S2's progress for each sub-stage.
_SPAN = {"extract": (0.0, 0.7), "pppm": (0.7, 0.9), "render": (0.9, 1.0)}
# ... on the photo path (a single frame to perceive; fitting dominates)
_PHOTO_SPAN = {"extract": (0.0, 0.75), "pppm": (0.75, 0.9), "render": (0.9, 1.0)}


@dataclass
class MotionResult:
    condition: ConditionMaps  # (F_out, H_out, W_out) for S3
    raw_motion: MotionSequence | None = None  # lifted from the coarse clip, before PPPM
    refined_motion: MotionSequence | None = None  # after PPPM (or resampling), camera at S3 size
    backends: dict[str, str] = field(default_factory=dict)  # role -> backend actually used
    notes: list[str] = field(default_factory=list)  # degradations the user must be told about
    timings: dict[str, float] = field(default_factory=dict)  # seconds per sub-stage
    settings: dict[str, Any] = field(default_factory=dict)  # the stage's configuration for this call (run.json)
    # photo path (:meth:`FullMotionStage.photo_motion`): track id → (H, W) bool region of that track in the photo
    person_masks: dict[int, np.ndarray] = field(default_factory=dict)
    # photo path: the objects found on the photo (revision.perception.photo_objects.FoundObject, photo pixels)
    objects: list[Any] = field(default_factory=list)
    # photo path: the person-object contact decided by revision.pppm.interaction (None: no interaction)
    interaction: dict[str, Any] | None = None
    # photo path: track id → (H, W) bool what hides that person, nearer the camera (revision.types.Detection
    # .occluder, else .hidden: a sign in front of him); S3 keeps those pixels in front of him
    person_hidden: dict[int, np.ndarray] = field(default_factory=dict)
    # photo path: track id → (H, W) bool pixels beside that person that are not his, kept in the photo (never cut
    # out with him: what Pose's whole-body estimate adds past his occluder, a cone behind him)
    person_kept: dict[int, np.ndarray] = field(default_factory=dict)


class MotionStage(Protocol):
    name: str

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
        use_pppm: bool = True,
        progress: ProgressFn | None = None,
    ) -> MotionResult:
        """Coarse clip (S1 output) → conditioning for S3 at ``num_frames`` × ``height`` × ``width``.

        ``sketch`` is the user's target pose (last frame, confidence 0.5) already at S3 size, or None;
        ``use_pppm=False`` asks for the motion without PPPM refinement (the "without PPPM" ablation).
        """
        ...

    def photo_motion(
        self,
        photo: np.ndarray,
        *,
        prompt: str,
        motion_strength: float,
        sketch: ConditionMaps | None,
        num_frames: int,
        fps: float,
        use_pppm: bool = True,
        progress: ProgressFn | None = None,
        objects: list[Any] | None = None,
    ) -> MotionResult:
        """The photo itself (H, W, 3) → its bodies at frame 0 and the prompt's motion from them, at the
        photo's resolution (the S3 ``animation`` / ``guided`` path, where no coarse clip carries motion).

        The result's ``condition`` is at the photo's size (``sketch`` too), ``refined_motion`` has
        ``num_frames`` frames at ``fps`` in the photo's camera, ``person_masks`` holds each track's region.
        ``objects``: the user's object marks (:class:`~revision.perception.photo_objects.ObjectHint`, photo pixels).
        """
        ...


class EmptyMotionStage:
    """No 3D motion at all: S3 then sees the sketch (if any) or an empty condition."""

    name = "off (no 3D motion)"

    def __call__(self, coarse, *, prompt, motion_strength, sketch, num_frames, height, width, use_pppm=True,
                 progress=None) -> MotionResult:  # fmt: skip
        cond = sketch if sketch is not None else ConditionMaps.empty(num_frames, height, width)
        return MotionResult(condition=cond, backends={"s2": self.name}, notes=["S2 off: no 3D motion used"],
                            settings={"stage": self.name})  # fmt: skip

    def photo_motion(self, photo, *, prompt, motion_strength, sketch, num_frames, fps, use_pppm=True,
                     progress=None, objects=None) -> MotionResult:  # fmt: skip
        H, W = photo.shape[:2]
        return self(Clip(photo[None], fps=fps), prompt=prompt, motion_strength=motion_strength, sketch=sketch,
                    num_frames=num_frames, height=H, width=W)  # fmt: skip


@dataclass(frozen=True)
class S2Config:
    keep_sketch: bool = True  # keep sketch polygons (conf 0.5) where the projection leaves background
    # photo path: PPPM also refines the prompt's proposal. Off by default: the proposal is already clean
    # procedural motion, and the shipped PPPM smooths small periodic motions away (wave left / both hands, nod):
    # held-out prompt recognition 89.6 % refined vs 99.0 % unrefined (benchmarks/motion_text_bench, docs/pppm.md).
    # PPPM keeps refining perceived motion (the coarse-clip path).
    refine_proposal: bool = False


def resample_motion(motion: MotionSequence, num_frames: int) -> MotionSequence:
    """Linearly resample every per-frame parameter to ``num_frames`` (no refinement)."""
    n = motion.num_frames
    if n == num_frames:
        return motion
    pos = np.linspace(0, n - 1, num_frames)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    w = (pos - lo).astype(np.float32)

    from revision.pppm.representation import MOTION_KEYS

    def interp(a: np.ndarray, per_frame: bool = True) -> np.ndarray:
        a = np.asarray(a, np.float32)
        if not per_frame:  # per-track constants (betas, girth), whatever their length
            return a
        ww = w.reshape(-1, *([1] * (a.ndim - 1)))
        return (1 - ww) * a[lo] + ww * a[hi]

    tracks = [
        Track(t.track_id, t.kind, {k: interp(v, k in MOTION_KEYS[t.kind]) for k, v in t.params.items()},
              interp(t.confidence), t.label)  # fmt: skip
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
    """perceive → track → lift → PPPM → render, as one S2 component (components passed in)."""

    name = "perception → lifting → PPPM → render"

    def __init__(
        self,
        *,
        detectors=None,
        pppm=None,
        text_encoder=None,
        smplx_model=None,
        smal_model=None,
        config: S2Config = S2Config(),
        extract_config=None,
        sources: dict[str, str] | None = None,
    ):
        self.detectors = detectors  # revision.perception.Backends; None → default_backends() per call
        self.pppm = pppm  # revision.pppm.model.PPPM or None (then every call resamples linearly)
        self.text_encoder = text_encoder
        self.smplx_model = smplx_model  # SMPL-X body model (None: the procedural one of revision.body)
        self.smal_model = smal_model  # SMAL model (None: the procedural quadruped)
        self.config = config
        self.extract_config = extract_config  # revision.lifting.ExtractConfig (None: its defaults)
        self.sources = dict(sources or {})  # what was loaded from where (recorded in run.json)
        self._perceive_lock = threading.Lock()  # the detectors track across a clip's frames: one clip at a time

    @classmethod
    def from_defaults(
        cls,
        *,
        pppm_weights: str | None = None,
        body_model_dir: str | None = None,
        smal_model: str | None = None,
        device: str = "cpu",
        with_pppm: bool = True,
    ) -> FullMotionStage:
        """Default backends (MediaPipe, depth, ...), the PPPM of :func:`revision.weights.resolve` and the body
        models, every torch model on ``device``. Paths are passed to the loaders (None: their defaults, which
        read ``REVISION_PPPM_WEIGHTS`` / ``REVISION_BODY_MODEL_DIR`` / ``REVISION_SMAL_MODEL``)."""
        from revision.perception import default_backends

        pppm = text_encoder = smplx_model = smal = None
        sources = {"device": str(device)}
        if with_pppm:
            from revision.pppm.checkpoint import load_pppm
            from revision.pppm.text import load_text_encoder

            pppm = load_pppm(pppm_weights, device=device)
            text_encoder = load_text_encoder(pppm.config.text_encoder, device=device)
            sources["pppm"] = getattr(pppm, "source", str(pppm_weights))
            sources["text_encoder"] = pppm.config.text_encoder
        if body_model_dir:
            from revision.body.smplx_model import load_smplx

            smplx_model = load_smplx(body_model_dir)
            sources["body_model_dir"] = str(body_model_dir)
        if smal_model:
            from revision.body.smal import load_smal

            smal = load_smal(smal_model)
            sources["smal_model"] = str(smal_model)
        return cls(detectors=default_backends(device=device), pppm=pppm, text_encoder=text_encoder,
                   smplx_model=smplx_model, smal_model=smal, sources=sources)  # fmt: skip

    def settings(self, use_pppm: bool) -> dict[str, Any]:
        """This stage's configuration for one call (what run.json records)."""
        from revision.lifting import ExtractConfig

        return {"stage": self.name, "use_pppm": use_pppm, **asdict(self.config),
                "extract": asdict(self.extract_config or ExtractConfig()), **self.sources}  # fmt: skip

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
        use_pppm: bool = True,
        progress: ProgressFn | None = None,
    ) -> MotionResult:
        from revision.lifting import SMPLXSkeleton, extract_motion
        from revision.render import render_condition

        say = progress or (lambda f, m: None)

        def sub(stage: str) -> ProgressFn:
            lo, hi = _SPAN[stage]
            return lambda f, m: say(lo + (hi - lo) * f, m)

        settings = self.settings(use_pppm)
        # 1. perceive → track → lift on the coarse clip (perception under the lock: stateful detectors)
        t = time.perf_counter()
        skeleton = SMPLXSkeleton(self.smplx_model) if self.smplx_model is not None else None
        ex = extract_motion(coarse, detectors=self.detectors, progress=sub("extract"), config=self.extract_config,
                            skeleton=skeleton, smal=self.smal_model, perceive_lock=self._perceive_lock)  # fmt: skip
        timings = {**ex.timings, "extract": time.perf_counter() - t}
        backends = {f"s2.{k}": v for k, v in ex.backends.items()}
        notes = list(ex.notes)
        raw = ex.motion
        if not raw.tracks:
            notes.append("S2 found no person, animal or object in the coarse clip: S3 uses the sketch/empty condition")
            cond = sketch if sketch is not None else ConditionMaps.empty(num_frames, height, width)
            return MotionResult(cond, raw, None, backends, notes, timings, settings)

        # 2. PPPM refinement (and growth to S3's frame count)
        say(_SPAN["pppm"][0], "PPPM refinement")
        t = time.perf_counter()
        if use_pppm and self.pppm is not None:
            from revision.pppm.refine import refine

            refined = refine(self.pppm, raw, prompt, motion_strength, num_frames_out=num_frames,
                             text_encoder=self.text_encoder)  # fmt: skip
            backends["s2.pppm"] = f"PPPM ({self.pppm.config.text_encoder} text)"
        else:
            refined = resample_motion(raw, num_frames)
            backends["s2.pppm"] = "off (linear resampling)" if not use_pppm else "none loaded (linear resampling)"
        timings["pppm"] = time.perf_counter() - t

        # 3. projection to part masks at S3 size
        say(_SPAN["render"][0], "projecting part masks")
        t = time.perf_counter()
        scaled = MotionSequence(refined.tracks, refined.camera.scaled(width, height), refined.num_frames,
                                refined.fps, refined.motion_strength)  # fmt: skip
        cond = render_condition(scaled, height, width, confidence=1.0, smplx_model=self.smplx_model,
                                smal_model=self.smal_model)  # fmt: skip
        if self.config.keep_sketch:
            cond = merge_sketch(cond, sketch)
        timings["render"] = time.perf_counter() - t
        say(1.0, "done")
        return MotionResult(cond, raw, scaled, backends, notes, timings, settings)

    def photo_motion(
        self,
        photo: np.ndarray,
        *,
        prompt: str,
        motion_strength: float,
        sketch: ConditionMaps | None,
        num_frames: int,
        fps: float,
        use_pppm: bool = True,
        progress: ProgressFn | None = None,
        objects: list[Any] | None = None,
    ) -> MotionResult:
        """The photo's bodies at frame 0 → the prompt's motion from them (see :meth:`MotionStage.photo_motion`).

        1. perceive → track → lift on the photo at its own resolution (every person, its mask, an SMPL-X
           fit with the silhouette term; animals through SMAL, objects as 21 points); the object the prompt
           names, the user's ``objects`` marks and the sketch's object colour are found by
           :class:`~revision.perception.photo_objects.PhotoObjects` and placed by its ground/size priors,
        2. the prompt's motion from those bodies (:func:`revision.pppm.propose.propose_motion`: action
           matching, procedural action from the photo's pose, physics; PPPM refines it only when
           ``config.refine_proposal`` and ``use_pppm``), frame 0 = the photo's fit; with a ``sketch`` (its last frame's parts) the
           sketched parts end where they were drawn (:func:`revision.lifting.sketch_pose.propose_with_sketch`),
        3. person-object interaction (:func:`revision.pppm.interaction.apply_interaction`): the prompt's
           contact (kick, throw, ...) brings the body part to the object, gives it an impulse, then physics;
           without one, objects stay put unless the body pushes them,
        4. projection to part masks at the photo's size (+ the sketch where the projection leaves background).
        """
        from revision.lifting import SMPLXSkeleton, extract_motion
        from revision.lifting.sketch_pose import propose_with_sketch, sketch_from_condition
        from revision.pppm.propose import propose_motion
        from revision.render import render_condition

        say = progress or (lambda f, m: None)

        def sub(stage: str) -> ProgressFn:
            lo, hi = _PHOTO_SPAN[stage]
            return lambda f, m: say(lo + (hi - lo) * f, m)

        H, W = photo.shape[:2]
        settings = {**self.settings(use_pppm), "source": "photo (bodies from the photo, motion from the prompt)"}
        # 1. perceive → track → lift on the photo itself
        t = time.perf_counter()
        skeleton = SMPLXSkeleton(self.smplx_model) if self.smplx_model is not None else None
        detectors, finder = self._photo_detectors(prompt, objects, sketch)
        ex = extract_motion(Clip(photo[None], fps=fps), detectors=detectors, progress=sub("extract"),
                            config=self.extract_config, skeleton=skeleton, smal=self.smal_model,
                            perceive_lock=self._perceive_lock)  # fmt: skip
        timings = {**ex.timings, "extract": time.perf_counter() - t}
        backends = {f"s2.{k}": v for k, v in ex.backends.items()}
        notes = list(ex.notes)
        raw = ex.motion
        found = list(finder.last) if finder is not None else []
        if finder is not None:
            from revision.perception.photo_objects import place_object_points

            settings["objects"] = {"hints": [h.as_dict() for h in finder.hints], "nouns": finder.nouns,
                                   "found": [{"label": o.label, "box": [round(float(v), 1) for v in o.box],
                                              "score": round(o.score, 3), "how": o.how} for o in found]}  # fmt: skip
            for tr in raw.tracks:
                if tr.kind == "object":
                    tr.params["points"], why = place_object_points(tr.params["points"], tr.label, raw.camera)
                    notes.append(f"object track {tr.track_id} ({tr.label}): {why}")
            if not found:
                notes.append(f"objects: none of {finder.nouns or ['the marked object']} found on the photo")
        kept = {tr.track_id for tr in raw.tracks}
        masks = {d.track_id: d.mask for d in ex.detections.frames[0] if d.track_id in kept and d.mask is not None}
        # S3 draws a person's occluder in front of him (perception's, else all of hidden) and cuts none of hidden out
        people = [d for d in ex.detections.frames[0] if d.track_id in kept and d.hidden is not None and d.hidden.any()]
        hidden = {d.track_id: d.occluder if d.occluder is not None else d.hidden for d in people}
        beside = {d.track_id: d.hidden for d in people}
        if not raw.tracks:
            notes.append("S2 found no person, animal or object in the photo: nothing moves")
            cond = sketch if sketch is not None else ConditionMaps.empty(num_frames, H, W)
            return MotionResult(cond, raw, None, backends, notes, timings, settings)

        # 2. the prompt's motion from the photo's bodies (PPPM refines it when config.refine_proposal)
        #    and the sketch's target pose on the last frame (sketched parts end where they were drawn)
        say(_PHOTO_SPAN["pppm"][0], "motion from the prompt")
        t = time.perf_counter()
        pppm = self.pppm if use_pppm and self.config.refine_proposal else None
        drawn = sketch_from_condition(sketch)
        if drawn is not None:
            refined, proposal_notes = propose_with_sketch(raw, prompt, motion_strength, num_frames, drawn, fps=fps,
                                                          pppm=pppm, text_encoder=self.text_encoder, skeleton=skeleton,
                                                          smplx_model=self.smplx_model)  # fmt: skip
            backends["s2.sketch"] = "target pose solved from the sketch (last frame)"
        else:
            from revision.pppm.interaction import choose_side

            # an interaction with no side said ("he kicks the ball"): the limb nearest the object acts
            side, inter = choose_side(raw, prompt) if any(t.kind == "object" for t in raw.tracks) else (None, None)
            asked = f"{prompt} with the {side} {inter.part}" if side is not None else prompt
            if side is not None:
                notes.append(f"interaction: {inter.verb} with the {side} {inter.part} (nearest the object); "
                             f"proposed from {asked!r}")  # fmt: skip
            refined, proposal_notes = propose_motion(raw, asked, motion_strength, num_frames, fps=fps, pppm=pppm,
                                                     text_encoder=self.text_encoder)  # fmt: skip
        notes.extend(proposal_notes)
        backends["s2.motion"] = "prompt proposal (procedural actions from the photo's pose)"
        # 3. person-object interaction: contact, impulse, physics (objects stay put unless touched)
        interaction = None
        if any(tr.kind == "object" for tr in refined.tracks):
            from revision.pppm.interaction import apply_interaction

            target = None  # the sketch's object colour away from every found object: where it should go
            if finder is not None and finder.sketch_object is not None:
                region = finder.sketch_object & ~np.any([o.mask for o in found] or [np.zeros((H, W), bool)], 0)
                if region.any() and not any((o.mask & finder.sketch_object).any() for o in found):
                    ys, xs = np.nonzero(region)
                    target = np.array([xs.mean(), ys.max()], np.float32)
            refined, inter_notes, interaction = apply_interaction(refined, prompt, motion_strength, target_px=target)
            notes.extend(inter_notes)
            settings["interaction"] = interaction  # the decision (verb, part, contact frame, impulse) in run.json
            backends["s2.interaction"] = ("contact → impulse → ball physics (revision.pppm.interaction)"
                                          if interaction else "none in the prompt (objects move only if pushed)")  # fmt: skip
        backends["s2.pppm"] = (f"PPPM ({self.pppm.config.text_encoder} text) refines the proposal" if pppm is not None
                               else "off (the proposal is not refined)" if not use_pppm
                               else "none loaded (the proposal is not refined)" if self.pppm is None
                               else "not used on the prompt proposal (S2Config.refine_proposal: the shipped PPPM "
                                    "smooths small periodic motions away)")  # fmt: skip
        timings["pppm"] = time.perf_counter() - t

        # 4. projection to part masks at the photo's size
        say(_PHOTO_SPAN["render"][0], "projecting part masks")
        t = time.perf_counter()
        cond = render_condition(refined, H, W, confidence=1.0, smplx_model=self.smplx_model,
                                smal_model=self.smal_model)  # fmt: skip
        if self.config.keep_sketch:
            cond = merge_sketch(cond, sketch)
        timings["render"] = time.perf_counter() - t
        say(1.0, "done")
        return MotionResult(cond, raw, refined, backends, notes, timings, settings, masks, found, interaction,
                            person_hidden=hidden, person_kept=beside)  # fmt: skip

    def _photo_detectors(self, prompt: str, objects: list[Any] | None, sketch: ConditionMaps | None):
        """This call's perception backends: the stage's, with :class:`PhotoObjects` as the object backend when
        the prompt names an object, the user marked one, or the sketch paints the object colour → (backends,
        the PhotoObjects or None)."""
        from revision.perception import default_backends
        from revision.perception.factory import Backends
        from revision.perception.photo_objects import PhotoObjects, object_nouns

        base = self.detectors if self.detectors is not None else default_backends()
        sketch_object = None
        if sketch is not None:
            from revision.palette import PART_BY_NAME

            region = sketch.part_ids[-1] == PART_BY_NAME["object"].id
            sketch_object = region if region.any() else None
        if not (object_nouns(prompt) or objects or sketch_object is not None):
            return base, None
        finder = PhotoObjects(prompt, hints=objects, sketch_object=sketch_object)
        notes = [n for n in base.notes if not n.startswith("objects:")]
        return Backends(base.keypoints, base.depth, [finder], notes), finder
