"""S2a + S2b: a clip → per-frame detections → tracks → object-centric 3D motion.

``extract_motion`` is the entry point S2, the annotation CLI and the benchmarks call. It reads as three
named steps — :func:`perceive` (per-frame detections + depth), :func:`track` (ids across frames),
:func:`lift` (one 3D track per id) — and returns an :class:`Extraction` that holds, besides the motion,
the backend actually used for every role and every degradation (no keypoint detector → no people; no
SMAL model → animals become 21-point objects; ...).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from revision.lifting.objects import lift_object_track
from revision.lifting.skeleton import SMPLXSkeleton
from revision.lifting.smal_fit import SMALFitConfig, fit_smal
from revision.lifting.smplx_fit import SMPLXFitConfig, fit_smplx, landmark_weights
from revision.lifting.strength import motion_strength
from revision.perception.factory import Backends, default_backends
from revision.perception.objects import UserObject, UserObjects
from revision.perception.tracking import TrackerConfig, assign_tracks
from revision.types import Camera, Clip, Detection, Detections, MotionSequence, Track

ProgressFn = Callable[[float, str], None]


@dataclass
class ExtractConfig:
    smplx: SMPLXFitConfig = field(default_factory=SMPLXFitConfig)
    smal: SMALFitConfig = field(default_factory=SMALFitConfig)
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    min_track_frames: float = 0.25  # drop tracks seen in fewer than this fraction of frames
    fov_deg: float = 55.0  # horizontal field of view of the assumed camera
    keep_depth: bool = True  # keep the (F, H, W) float16 depth maps in Extraction.depth
    # tracks lifted at once, each in a forked process (revision.parallel.map_forked; the tracks are the same with
    # any number): None = one per CPU core, at most 4
    workers: int | None = None


@lru_cache(maxsize=2)
def _default_skeleton() -> tuple[SMPLXSkeleton, str]:
    """The procedural SMPL-X of revision.body, or the joints-only stand-in (with the reason)."""
    try:
        from revision.body.smplx_model import load_smplx

        return SMPLXSkeleton(load_smplx()), ""
    except (ImportError, FileNotFoundError, RuntimeError) as e:
        from revision.lifting.rest_skeleton import skeleton_only_model

        return SMPLXSkeleton(skeleton_only_model()), f"SMPL-X body model unavailable ({e}); joints-only skeleton used"


@lru_cache(maxsize=2)
def _default_smal():
    from revision.body.smal import load_smal

    return load_smal()


@dataclass
class Extraction:
    """What :func:`extract_motion` found in a clip."""

    motion: MotionSequence  # the lifted tracks (SMPL-X / SMAL / 21-point objects) + camera
    detections: Detections  # per-frame detections with track ids
    backends: dict[str, str]  # role → backend actually used
    notes: list[str]  # degradations and dropped tracks, for the user
    timings: dict[str, float]  # seconds per step (setup, keypoints, objects, depth, tracking, fit_*)
    tracks: list[dict[str, Any]]  # per lifted track: track_id, kind and fit statistics
    depth: np.ndarray | None  # (F, H, W) float16 metres (None unless ``ExtractConfig.keep_depth``)
    motion_strength: float  # the motion's strength 0..1 (:func:`revision.lifting.motion_strength`)


@dataclass
class Perception:
    """Step 1's output: per-frame detections (no track ids yet) and depth maps."""

    frames: list[list[Detection]]
    depth: np.ndarray  # (F, H, W) float32 metres
    timings: dict[str, float]


def perceive(clip: Clip, backends: Backends, progress: ProgressFn) -> Perception:
    """Every frame through the keypoint, object and depth backends (``progress`` spans 0 → 0.6)."""
    F, H, W = clip.num_frames, clip.height, clip.width
    backends.reset()
    frames: list[list[Detection]] = []
    depth = np.zeros((F, H, W), np.float32)
    tk = tobj = tdep = 0.0
    for i, frame in enumerate(clip.frames):
        progress(0.6 * i / F, f"perception: frame {i + 1}/{F}")
        t = time.perf_counter()
        dets = backends.keypoints.detect(frame) if backends.keypoints is not None else []
        t2 = time.perf_counter()
        people = np.zeros((H, W), bool)
        for d in dets:
            if d.mask is not None:
                people |= d.mask
        for ob in backends.objects:
            dets.extend(ob.detect(frame, exclude=people))
        t3 = time.perf_counter()
        depth[i] = backends.depth.estimate(frame, dets)
        tdep += time.perf_counter() - t3
        tk += t2 - t
        tobj += t3 - t2
        frames.append(dets)
    return Perception(frames, depth, {"keypoints": tk, "objects": tobj, "depth": tdep})


def track(perception: Perception, width: int, height: int, backends: dict[str, str],
          config: TrackerConfig) -> Detections:  # fmt: skip
    """Assign track ids across frames (in place on the detections) → :class:`Detections`."""
    assign_tracks(perception.frames, config)
    return Detections(perception.frames, width, height, backends)


@dataclass
class _Lifted:
    track: Track
    stats: dict[str, Any]


def lift(
    tid: int,
    per_frame: list[Detection | None],
    depth: np.ndarray,
    cam: Camera,
    cfg: ExtractConfig,
    notes: list[str],
    skeleton: SMPLXSkeleton | None,
    smal,
) -> _Lifted | None:
    """One track's detections → a 3D track (SMPL-X for people, SMAL for animals, 21 points otherwise).

    Returns None (with a note) when the track cannot be lifted: too few frames, no visible landmark, no mask.
    """
    F = len(per_frame)
    seen = sum(d is not None for d in per_frame)
    first = next(d for d in per_frame if d is not None)
    if seen < cfg.min_track_frames * F:
        notes.append(f"track {tid} ({first.label or first.kind}) seen in {seen}/{F} frames: dropped")
        return None
    scores = np.array([d.score if d is not None else 0.0 for d in per_frame], np.float32)
    masks = [d.mask if d is not None else None for d in per_frame]
    # the fit's silhouette: the body may go on behind an occluder (Detection.hidden): a don't-care region
    hidden = [d.hidden if d is not None else None for d in per_frame]
    hidden = hidden if any(h is not None for h in hidden) else None
    if first.kind == "person" and first.keypoints2d is not None:
        sk = skeleton
        if sk is None:
            sk, why = _default_skeleton()
            if why and why not in notes:
                notes.append(why)
        k2 = np.stack([d.keypoints2d if d is not None else np.zeros((33, 3), np.float32) for d in per_frame])
        k3 = None
        if all(d is None or d.keypoints3d is not None for d in per_frame):
            k3 = np.stack([d.keypoints3d if d is not None else np.zeros((33, 3), np.float32) for d in per_frame])
        if not landmark_weights(k2, cfg.smplx.min_visibility).any():  # nothing to fit: drop, never fail S2
            notes.append(f"track {tid} ({first.label or 'person'}): no landmark visible in any frame: dropped")
            return None
        fit = fit_smplx(sk, k2, k3, cam, cfg.smplx, scores=scores, masks=masks, hidden=hidden)
        return _Lifted(Track(tid, "smplx", fit.params, fit.confidence, first.label or "person"),
                       {"track_id": tid, "kind": "smplx", **fit.stats})  # fmt: skip
    if first.kind == "animal" and (model := _smal_or_none(smal, notes)) is not None:
        params, conf, stats = fit_smal(model, masks, depth, cam, config=cfg.smal)
        return _Lifted(Track(tid, "smal", params, conf * np.clip(scores, 0, 1), first.label or "animal"),
                       {"track_id": tid, "kind": "smal", **stats})  # fmt: skip
    if all(m is None for m in masks):
        notes.append(f"track {tid}: no masks, cannot lift")
        return None
    pts, conf = lift_object_track(masks, depth, cam, scores)
    return _Lifted(Track(tid, "object", {"points": pts}, conf, first.label or first.kind),
                   {"track_id": tid, "kind": "object"})  # fmt: skip


def extract_motion(
    clip: Clip,
    *,
    detectors: Backends | None = None,
    objects: list[UserObject] | None = None,
    progress: ProgressFn | None = None,
    config: ExtractConfig | None = None,
    skeleton: SMPLXSkeleton | None = None,
    smal=None,
    camera: Camera | None = None,
    perceive_lock: AbstractContextManager | None = None,
) -> Extraction:
    """Clip → :class:`Extraction` (motion, detections, backends, notes, timings, per-track stats, depth).

    ``detectors``: the perception backends (default :func:`~revision.perception.default_backends`);
    ``objects``: user boxes/masks, followed through the clip; ``skeleton`` / ``smal``: body models
    (default: the procedural SMPL-X / SMAL of :mod:`revision.body`); ``perceive_lock``: held around the
    perceive step (stateful detectors shared by concurrent callers, see :class:`revision.s2.FullMotionStage`).
    """
    cfg = config or ExtractConfig()
    say = progress or (lambda frac, msg: None)
    F, H, W = clip.num_frames, clip.height, clip.width
    cam = camera or Camera.from_image_size(W, H, cfg.fov_deg)

    # 0. backends
    t = time.perf_counter()
    backends = detectors if detectors is not None else default_backends(user_objects=objects, camera=cam)
    if detectors is not None and objects:
        backends.objects.insert(0, UserObjects(objects))
    notes = list(backends.notes)
    timings: dict[str, float] = {"setup": time.perf_counter() - t}

    # 1. perceive: per-frame detections + depth
    with perceive_lock or nullcontext():
        seen = perceive(clip, backends, say)
    timings.update(seen.timings)

    # 2. track: ids across frames
    t = time.perf_counter()
    detections = track(seen, W, H, backends.report(), cfg.tracker)
    timings["tracking"] = time.perf_counter() - t

    # 3. lift: one 3D track per id
    tracks: list[Track] = []
    stats: list[dict[str, Any]] = []
    tfit = {"smplx": 0.0, "smal": 0.0, "object": 0.0}
    ids = detections.track_ids()
    t_lift = time.perf_counter()
    for n, (lifted, track_notes, seconds) in enumerate(_lift_all(ids, seen, cam, cfg, skeleton, smal)):
        say(0.6 + 0.4 * (n + 1) / len(ids), f"lifted track {ids[n]} ({n + 1}/{len(ids)})")
        notes.extend(m for m in track_notes if m not in notes)
        if lifted is not None:
            tracks.append(lifted.track)
            stats.append(lifted.stats)
            tfit[lifted.track.kind] += seconds
    # several tracks lift at once: each kind's share of the lift's wall time, in proportion to its fits' own times
    own = sum(tfit.values())
    scale = (time.perf_counter() - t_lift) / own if own > 0 else 1.0
    timings.update({f"fit_{k}": v * min(scale, 1.0) for k, v in tfit.items() if v > 0})
    if backends.keypoints is not None and not any(d.kind == "person" for f in seen.frames for d in f):
        notes.append("no person detected in the clip")

    motion = MotionSequence(tracks, cam, F, clip.fps)
    motion.motion_strength = motion_strength(motion)
    say(1.0, "lifting done")
    return Extraction(motion, detections, detections.backends, notes, timings, stats,
                      seen.depth.astype(np.float16) if cfg.keep_depth else None, motion.motion_strength)  # fmt: skip


def _lift_all(ids: list[int], seen: Perception, cam: Camera, cfg: ExtractConfig, skeleton, smal):
    """Every track id through :func:`lift` → per id, in order: (lifted or None, its notes, its seconds); with
    several tracks in :attr:`ExtractConfig.workers` forked processes at once (:func:`revision.parallel.map_forked`:
    the fit's many tiny ops hold the interpreter lock, so threads lifted two large people hardly faster than one
    after the other), torch at one thread each (:func:`~revision.lifting.smplx_fit.fit_smplx`)."""
    import torch

    from revision.parallel import cpu_workers, map_forked, map_frames

    def one(n: int):
        tid = ids[n]
        per_frame = [next((d for d in f if d.track_id == tid), None) for f in seen.frames]
        track_notes: list[str] = []
        t = time.perf_counter()
        lifted = lift(tid, per_frame, seen.depth, cam, cfg, track_notes, skeleton, smal)
        return lifted, track_notes, time.perf_counter() - t

    k = min(cpu_workers(cfg.workers), len(ids))
    if k <= 1:
        yield from map_frames(one, len(ids), 1)
        return
    if skeleton is None:
        _default_skeleton()  # loaded once here, not once in every child (cached)
    cfg = replace(cfg, smplx=replace(cfg.smplx, speculate_refit=False))  # the cores are taken: no early refits
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        # (a forked child cannot use the parent's CUDA context: fits on a GPU share it from threads)
        yield from (map_forked if cfg.smplx.device == "cpu" else map_frames)(one, len(ids), k)
    finally:
        torch.set_num_threads(threads)


def _smal_or_none(smal, notes: list[str]):
    if smal is not None:
        return smal
    try:
        return _default_smal()
    except (ImportError, FileNotFoundError, RuntimeError) as e:
        msg = f"SMAL model unavailable ({e}); animals are lifted as 21-point objects"
        if msg not in notes:
            notes.append(msg)
        return None
