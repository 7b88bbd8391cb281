"""``animate_photo``: the photo's own pixels moved by the 3D motion (S3 ``animation`` mode).

Steps: (1) size the output and scale the camera to it; (2) pose every track over all frames
(:func:`revision.body.posed.track_meshes`); (3) bind the photo's pixels to the frame-0 tracks once
(:mod:`revision.animate.binding`) and inpaint the background plate (:mod:`revision.animate.plate`; under
an arm inside a still body, from that body's pixels: :mod:`revision.animate.interior`);
(4) per frame, re-pose the layers (:mod:`revision.animate.pose`) and composite
(:mod:`revision.animate.compose`). See docs/animate.md.
"""

from __future__ import annotations

import time

import numpy as np

from revision.animate.binding import Binding, bind
from revision.animate.compose import compose_frame, identity_flow
from revision.animate.config import AnimateConfig, PhotoAnimation, grid_step_for, output_size
from revision.animate.geometry import mask_box
from revision.animate.interior import interior_plate
from revision.animate.plate import background_plate
from revision.animate.pose import pose_frame, track_turns
from revision.animate.turn import body_up, clamp_turn
from revision.palette import PART_BY_NAME
from revision.parallel import map_frames
from revision.types import Clip, MotionSequence, Track

TORSO = PART_BY_NAME["torso"].id  # a body's turn is its torso's (raised arms are no turn)


def _resize(img: np.ndarray, H: int, W: int, nearest: bool = False) -> np.ndarray:
    import cv2

    if img.shape[:2] == (H, W):
        return img
    if nearest:
        return cv2.resize(img.astype(np.uint8), (W, H), interpolation=cv2.INTER_NEAREST).astype(bool)
    shrink = img.shape[0] > H
    return cv2.resize(img, (W, H), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def _held_frames(track: Track) -> np.ndarray | None:
    """Frame f → the nearest frame with confidence > 0 (a missing frame holds the nearest known pose)."""
    conf = np.asarray(track.confidence)
    ok = np.nonzero(conf > 0)[0]
    if len(ok) == 0:
        return None
    f = np.arange(len(conf))
    return ok[np.abs(f[:, None] - ok[None]).argmin(1)]


def pose_tracks(motion: MotionSequence, *, smplx_model=None, smal_model=None) -> list[tuple | None]:
    """Per track: (vertices (F, V, 3) camera space with missing frames held, faces, kind, vertex parts),
    or None when the track is missing at frame 0 (it cannot be bound to the photo)."""
    from revision.body.posed import track_meshes

    out: list[tuple | None] = []
    for tr in motion.tracks:
        held = _held_frames(tr)
        if held is None or tr.confidence[0] <= 0:
            out.append(None)
            continue
        tm = track_meshes(tr, smplx_model=smplx_model, smal_model=smal_model)
        kind = "object" if tm.kind == "object" else "body"
        out.append(
            (np.asarray(tm.vertices)[held], np.asarray(tm.faces, np.int64), kind, np.asarray(tm.vertex_parts))
        )
    return out


def _up(track: Track) -> np.ndarray | None:
    """A SMPL-X track's frame-0 up axis (its root's), about which its turn is clamped; None without a root."""
    go = track.params.get("global_orient")
    if go is None:
        return None
    go = np.asarray(go, np.float64).reshape(-1, 3)
    return body_up(go[0])


def check_inputs(photo: np.ndarray, motion: MotionSequence, masks: dict[int, np.ndarray] | None,
                 hidden: dict[int, np.ndarray] | None = None, kept: dict[int, np.ndarray] | None = None) -> None:
    if photo.ndim != 3 or photo.shape[2] != 3 or photo.dtype != np.uint8:
        raise ValueError(f"photo must be (H, W, 3) uint8, got {photo.shape} {photo.dtype}")
    if motion.num_frames < 1:
        raise ValueError("motion has no frames")
    cam = motion.camera
    if abs(cam.width / cam.height - photo.shape[1] / photo.shape[0]) > 0.01 * photo.shape[1] / photo.shape[0]:
        raise ValueError(
            f"motion.camera is {cam.width}x{cam.height} but the photo is {photo.shape[1]}x{photo.shape[0]}: "
            "the camera must describe the whole photo (same aspect ratio)"
        )
    ids = {t.track_id for t in motion.tracks}
    for arg, what, regions in (("person_masks", "mask", masks), ("person_hidden", "hidden region", hidden),
                               ("person_kept", "kept region", kept)):
        for tid, m in (regions or {}).items():
            if tid not in ids:
                raise ValueError(f"{arg} has track id {tid}, the motion's tracks are {sorted(ids)}")
            if np.ndim(m) != 2:
                raise ValueError(f"{what} of track {tid} must be (H, W), got {np.shape(m)}")


class PhotoAnimator:
    """Binds one photo to the frame-0 tracks once, then renders any frame of the motion.

    ``animate_photo`` is the one-call form; use this class to time or stream frames."""

    def __init__(self, photo: np.ndarray, motion: MotionSequence, *, person_masks: dict[int, np.ndarray] | None = None,
                 person_hidden: dict[int, np.ndarray] | None = None, person_kept: dict[int, np.ndarray] | None = None,
                 config: AnimateConfig = AnimateConfig(), smplx_model=None, smal_model=None) -> None:  # fmt: skip
        check_inputs(photo, motion, person_masks, person_hidden, person_kept)
        self.config = cfg = config
        self.motion = motion
        self.timings: dict[str, float] = {}
        H, W = output_size(photo.shape[0], photo.shape[1], cfg.max_side, cfg.size_multiple)
        self.height, self.width = H, W
        self.photo = np.ascontiguousarray(_resize(photo, H, W))
        camera = motion.camera.scaled(W, H)
        t = time.perf_counter()
        self.posed = pose_tracks(motion, smplx_model=smplx_model, smal_model=smal_model)
        if cfg.max_turn_deg is not None:  # people only (an animal's long axis is not its up axis)
            self.posed = [p if p is None or tr.kind != "smplx" else (clamp_turn(p[0], cfg.max_turn_deg, p[3] == TORSO,
                          up=_up(tr))[0], *p[1:]) for tr, p in zip(motion.tracks, self.posed, strict=True)]  # fmt: skip
        self.timings["pose"] = time.perf_counter() - t
        t = time.perf_counter()
        masks, hidden = [], []
        for tr in motion.tracks:
            m = (person_masks or {}).get(tr.track_id)
            masks.append(None if m is None else _resize(np.asarray(m, bool), H, W, nearest=True))
            m = (person_hidden or {}).get(tr.track_id)
            hidden.append(None if m is None else _resize(np.asarray(m, bool), H, W, nearest=True))
        kept = np.zeros((H, W), bool)
        for m in (person_kept or {}).values():
            kept |= _resize(np.asarray(m, bool), H, W, nearest=True)
        meshes = [None if p is None else (p[0][0], p[1], p[2], p[3]) for p in self.posed]
        self.binding: Binding = bind(meshes, masks, camera, H, W, cfg, photo=self.photo, hidden=hidden,
                                     kept=kept if kept.any() else None)  # fmt: skip
        for layer in self.binding.layers:  # a round object its track does not turn rolls by its travel
            if layer.kind == "object" and cfg.object_roll and layer.round and layer.radius_m > 0:
                layer.roll = not track_turns(layer, self.posed[layer.track_index][0], camera)
        self.plate = background_plate(
            self.photo, self.binding.hole, method=cfg.inpaint, max_side=cfg.inpaint_max_side
        )
        if cfg.interior_radius is not None:  # an arm's place inside a still body: the body's colours
            given = [m for m in masks if m is not None]  # what stays of the masks (a held camera) encloses too
            still = np.any(given, 0) & (self.binding.owner < 0) & ~self.binding.hole if given else None
            self.plate = interior_plate(self.plate, self.photo, self.binding, self.posed, grid_step_for(cfg, H, W),
                                        still=still, radius=cfg.interior_radius)
        a8 = np.clip(self.binding.alpha_body * 255 + 0.5, 0, 255).astype(np.uint8)  # objects: their sprites
        self.matte = a8  # the photo's frame-0 matte, beside its colour (compose_frame takes the two planes)
        self.hole_box = mask_box(self.binding.hole, 1)
        self.identity = identity_flow(H, W)
        # the person (body track) owning each frame-0 pixel: a layer draws none of another person's pixels
        bodies = [layer.track_index for layer in self.binding.layers if layer.kind == "body"]
        own = self.binding.owner
        self.people = np.where(np.isin(own, bodies), own, -1).astype(np.int32) if len(bodies) > 1 else None
        occ = self.binding.occluder
        self.occluder = None if occ is None else (occ, self.binding.occluder_z, mask_box(occ >= 0, 0))
        self.timings["bind"] = time.perf_counter() - t

    def render(self, f: int):
        """Frame ``f`` → (frame, flow, moved, alpha, part ids); see :class:`PhotoAnimation`."""
        verts = [None if p is None else p[0][f] for p in self.posed]
        soup = pose_frame(self.binding, verts, self.config)
        return compose_frame(soup, self.photo, self.matte, self.plate, self.binding.alpha0, self.hole_box,
                             self.config, self.identity, self.people, self.occluder)  # fmt: skip

    def run(self) -> PhotoAnimation:
        F, H, W = self.motion.num_frames, self.height, self.width
        frames = np.empty((F, H, W, 3), np.uint8)
        flow = np.empty((F, H, W, 2), np.float32)
        moved = np.empty((F, H, W), np.float32)
        alpha = np.empty((F, H, W), np.float32)
        parts = np.empty((F, H, W), np.int16)
        t = time.perf_counter()
        for f, out in enumerate(map_frames(self.render, F, self.config.workers)):
            frames[f], flow[f], moved[f], alpha[f], parts[f] = out
        timings = dict(self.timings, render=time.perf_counter() - t)
        return PhotoAnimation(Clip(frames, self.motion.fps), flow, moved, self.plate, alpha, parts, timings)


def animate_photo(
    photo: np.ndarray,
    motion: MotionSequence,
    *,
    person_masks: dict[int, np.ndarray] | None = None,
    person_hidden: dict[int, np.ndarray] | None = None,
    person_kept: dict[int, np.ndarray] | None = None,
    config: AnimateConfig = AnimateConfig(),
    smplx_model=None,
    smal_model=None,
) -> PhotoAnimation:
    """Animate ``photo`` (H, W, 3) uint8 with ``motion`` whose frame 0 is fitted to the photo.

    ``motion.camera`` describes the photo (any size with the photo's aspect; it is scaled to the output).
    ``person_masks``: track id → (H, W) bool region of that track in the photo (people, animals or
    objects; any resolution with the photo's aspect); tracks without one use their frame-0 footprint
    grown by ``config.footprint_dilate_px``. ``person_hidden``: track id → (H, W) bool where that person's
    body goes on behind something nearer the camera (:attr:`revision.types.Detection.hidden`: a sign in front
    of him); those pixels of the photo stay in the plate and are drawn in front of him in every frame (a
    nearer person passes in front of them by depth), and his body behind them is drawn by the back-fill once
    it comes out (:mod:`revision.animate.binding`). ``person_kept``: track id → (H, W) bool pixels beside that
    person that are not his (what a whole-body estimate adds past his occluder: a cone behind him): never cut
    out with him nor filled over, though they lie within the background hole's margin. Returns a
    :class:`PhotoAnimation` at
    :func:`output_size` of the photo; its frame 0 is the resized photo.
    """
    return PhotoAnimator(photo, motion, person_masks=person_masks, person_hidden=person_hidden,
                         person_kept=person_kept, config=config, smplx_model=smplx_model,
                         smal_model=smal_model).run()  # fmt: skip
