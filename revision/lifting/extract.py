"""S2a + S2b: a clip → per-frame detections → tracks → object-centric 3D motion.

``extract_motion`` is the entry point the pipeline, the demo and the annotation CLI call. It runs in
numbered steps and reports, for every role, the backend actually used and every degradation
(no keypoint detector → no people; no SMAL model → animals become 21-point objects; ...).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
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
    keep_depth: bool = True  # put the (F, H, W) float16 depth maps into the report ("depth")


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
) -> tuple[MotionSequence, Detections, dict[str, Any]]:
    """Clip → (MotionSequence, Detections, report).

    ``detectors``: the perception backends (default :func:`~revision.perception.default_backends`);
    ``objects``: user boxes/masks, followed through the clip; ``skeleton`` / ``smal``: body models
    (default: the procedural SMPL-X / SMAL of :mod:`revision.body`). The report holds ``backends``
    (role → name), ``notes`` (degradations), ``timings`` (seconds per stage), ``tracks`` (per-track fit
    statistics) and ``depth`` ((F, H, W) float16 metres, when ``config.keep_depth``).
    """
    cfg = config or ExtractConfig()
    say = progress or (lambda frac, msg: None)
    timings: dict[str, float] = {}
    F, H, W = clip.num_frames, clip.height, clip.width
    cam = camera or Camera.from_image_size(W, H, cfg.fov_deg)

    # 1. backends
    t = time.perf_counter()
    backends = detectors if detectors is not None else default_backends(user_objects=objects, camera=cam)
    if detectors is not None and objects:
        backends.objects.insert(0, UserObjects(objects))
    backends.reset()
    notes = list(backends.notes)
    timings["setup"] = time.perf_counter() - t

    # 2. per-frame perception
    frames: list[list[Detection]] = []
    depth = np.zeros((F, H, W), np.float32)
    tk = tobj = tdep = 0.0
    for i, frame in enumerate(clip.frames):
        say(0.6 * i / F, f"perception: frame {i + 1}/{F}")
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
    timings.update(keypoints=tk, objects=tobj, depth=tdep)

    # 3. tracking
    t = time.perf_counter()
    assign_tracks(frames, cfg.tracker)
    detections = Detections(frames, W, H, backends.report())
    timings["tracking"] = time.perf_counter() - t

    # 4. lifting per track
    tracks: list[Track] = []
    track_stats: list[dict[str, Any]] = []
    ids = detections.track_ids()
    tfit = {"smplx": 0.0, "smal": 0.0, "object": 0.0}
    for n, tid in enumerate(ids):
        per_frame = [next((d for d in f if d.track_id == tid), None) for f in frames]
        seen = sum(d is not None for d in per_frame)
        first = next(d for d in per_frame if d is not None)
        if seen < cfg.min_track_frames * F:
            notes.append(f"track {tid} ({first.label or first.kind}) seen in {seen}/{F} frames: dropped")
            continue
        say(0.6 + 0.4 * n / max(len(ids), 1), f"lifting track {tid} ({first.kind})")
        t = time.perf_counter()
        scores = np.array([d.score if d is not None else 0.0 for d in per_frame], np.float32)
        masks = [d.mask if d is not None else None for d in per_frame]
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
                continue
            fit = fit_smplx(sk, k2, k3, cam, cfg.smplx, scores=scores)
            tracks.append(Track(tid, "smplx", fit.params, fit.confidence, first.label or "person"))
            track_stats.append({"track_id": tid, "kind": "smplx", **fit.stats})
            kind = "smplx"
        elif first.kind == "animal" and _smal_or_none(smal, notes) is not None:
            params, conf, stats = fit_smal(_smal_or_none(smal, notes), masks, depth, cam, config=cfg.smal)
            tracks.append(Track(tid, "smal", params, conf * np.clip(scores, 0, 1), first.label or "animal"))
            track_stats.append({"track_id": tid, "kind": "smal", **stats})
            kind = "smal"
        else:
            if all(m is None for m in masks):
                notes.append(f"track {tid}: no masks, cannot lift")
                continue
            pts, conf = lift_object_track(masks, depth, cam, scores)
            tracks.append(Track(tid, "object", {"points": pts}, conf, first.label or first.kind))
            track_stats.append({"track_id": tid, "kind": "object"})
            kind = "object"
        tfit[kind] += time.perf_counter() - t
    timings.update({f"fit_{k}": v for k, v in tfit.items() if v > 0})
    if backends.keypoints is not None and not any(d.kind == "person" for f in frames for d in f):
        notes.append("no person detected in the clip")

    motion = MotionSequence(tracks, cam, F, clip.fps)
    motion.motion_strength = motion_strength(motion)
    say(1.0, "lifting done")
    report: dict[str, Any] = {
        "backends": detections.backends,
        "notes": notes,
        "timings": timings,
        "tracks": track_stats,
        "motion_strength": motion.motion_strength,
    }
    if cfg.keep_depth:
        report["depth"] = depth.astype(np.float16)
    return motion, detections, report


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
