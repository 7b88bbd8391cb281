"""The procedural world: one seed → one annotated clip in the shard format of the annotation CLI.

A scene is drawn from ``np.random.default_rng(seed)``:

- a person (SMPL-X params from :mod:`revision.synthetic.motions`: walk, wave, jump, kick, reach, turn,
  sit, squat, dance, run, idle; speed and amplitude from the motion strength), random body shape,
  skin / shirt / trousers / shoe colours, heading and place;
- optionally a ball that interacts with the person (:mod:`revision.synthetic.physics`): thrown from the
  right hand, caught by a hand, bouncing off the body, or rolling/bouncing past (occlusions included);
  or, in a few clips, an object alone (the motion library's object motions);
- a random level camera (distance, height, sideways offset, field of view), ground texture, sky
  colours and a directional light with a tint.

Bodies are drawn as shaded capsules along the joints of the SMPL-X kinematic chain
(:class:`revision.lifting.skeleton.SMPLXSkeleton` on the joints-only rest skeleton, so the world needs
no licensed body file), each capsule labelled with its :mod:`revision.palette` part. RGB frames, part
masks, per-track boxes and depth come from the same z-buffered pass (:mod:`revision.synthetic.raster`),
rendered at ``supersample`` x the size and area-averaged. Tracks are stored in camera space (the
camera in the shard has ``R = I, t = 0``; the world→camera extrinsics are in ``extra``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from functools import lru_cache

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from revision.palette import PART_BY_NAME
from revision.perception.mediapipe_backend import MEDIAPIPE_LANDMARKS
from revision.shards import Shard
from revision.synthetic import motions as lib
from revision.synthetic.captions import make_caption
from revision.synthetic.physics import BallConfig, simulate_ball
from revision.synthetic.raster import Background, Lighting, Primitive, downsample, render_frame
from revision.types import Camera, ConditionMaps, MotionSequence, Track


@dataclass(frozen=True)
class WorldConfig:
    size: int = 64  # output frames are size x size pixels
    num_frames: int = 8  # frames per clip
    fps: float = 7.0  # frame rate the motions are sampled at
    supersample: int = 2  # render at supersample x size, then area-average (anti-aliasing)
    p_ball: float = 0.45  # chance a ball interacts with the person
    p_object_only: float = 0.1  # chance of an object-only clip (no person)
    distance: tuple[float, float] = (2.2, 3.2)  # camera distance to the person, metres
    fov_deg: tuple[float, float] = (45.0, 60.0)  # horizontal field of view
    # the fields below default to the world every shard so far was drawn from (same random draws, same
    # frames for a seed); :data:`PRESETS` names other settings (``python -m revision.synthetic --preset``)
    camera_height: tuple[float, float] = (0.8, 1.1)  # metres above the ground (the camera is level)
    camera_yaw: float = 0.25  # largest |yaw| of the camera, radians
    camera_offset: float = 0.3  # largest sideways offset of the camera, metres
    motions: tuple[str, ...] | None = None  # human motions drawn from (None: every one of HUMAN_MOTIONS)
    patterns: tuple[str, ...] = ("checker", "stripes", "plain", "noise")  # ground textures drawn from
    limb_radius_scale: float = 1.0  # arm, hand, leg and foot capsule radii x this (torso and head unchanged)


# Named worlds. "resolvable" (lever 4 of issue 22): a closer camera at mid-body height with a narrower
# field of view so the person fills most of the frame height, limbs 1.3x thicker, articulated motions
# only (no walk / run / turn / sit / idle: little whole-body translation), plain ground, fewer balls and
# no object-only clips, so that arms and head cover several cells of the mini's 16x16 latent grid.
PRESETS: dict[str, WorldConfig] = {
    "default": WorldConfig(),
    "resolvable": WorldConfig(
        p_ball=0.25, p_object_only=0.0, distance=(2.0, 2.4), fov_deg=(42.0, 48.0), camera_height=(0.9, 1.05),
        camera_yaw=0.08, camera_offset=0.1, motions=("dance", "jump", "kick", "reach", "squat", "wave"),
        patterns=("plain",), limb_radius_scale=1.3,
    ),
}  # fmt: skip


def world_preset(name: str = "default", **overrides) -> WorldConfig:
    """The :data:`PRESETS` world ``name`` with ``overrides`` (e.g. ``size``, ``num_frames``) replaced."""
    if name not in PRESETS:
        raise ValueError(f"unknown world preset {name!r}; choose from {sorted(PRESETS)}")
    return replace(PRESETS[name], **overrides)


_PART = {n: PART_BY_NAME[n].id for n in PART_BY_NAME}
_MP = {n: i for i, n in enumerate(MEDIAPIPE_LANDMARKS)}
# (joint a, joint b or marker, radius m, part, colour role); "m:" = MediaPipe marker of SMPLXSkeleton
_BODY_CAPSULES: tuple[tuple[object, object, float, str, str], ...] = (
    (0, 3, 0.12, "torso", "pants"), (3, 6, 0.125, "torso", "shirt"), (6, 9, 0.135, "torso", "shirt"),
    (9, 12, 0.11, "torso", "shirt"), (1, 2, 0.09, "torso", "pants"), (16, 17, 0.07, "torso", "shirt"),
    (12, 15, 0.05, "head", "skin"), ("head", "head", 0.11, "head", "skin"),
    (16, 18, 0.05, "left_upper_arm", "shirt"), (17, 19, 0.05, "right_upper_arm", "shirt"),
    (18, 20, 0.04, "left_lower_arm", "skin"), (19, 21, 0.04, "right_lower_arm", "skin"),
    (20, "m:left_index", 0.04, "left_hand", "skin"), (21, "m:right_index", 0.04, "right_hand", "skin"),
    (1, 4, 0.075, "left_upper_leg", "pants"), (2, 5, 0.075, "right_upper_leg", "pants"),
    (4, 7, 0.055, "left_lower_leg", "pants"), (5, 8, 0.055, "right_lower_leg", "pants"),
    (7, 10, 0.045, "left_foot", "shoes"), (8, 11, 0.045, "right_foot", "shoes"),
)  # fmt: skip
_SKIN = np.array([[0.96, 0.80, 0.69], [0.87, 0.67, 0.52], [0.68, 0.48, 0.34], [0.45, 0.30, 0.20], [0.30, 0.20, 0.13]])
BALL_MODES = ("throw", "catch", "bounce_off", "pass_by")  # drawn at random (p_ball)
# only when asked for (``make_clip(ball=...)``), so the random draws of existing seeds stay the same:
# "kick": the person kicks (right leg, swing inside the clip) a ball resting in the foot's path; the contact
# comes from the foot's capsule hitting the ball in the physics (revision.synthetic.physics)
INTERACTION_MODES = ("kick",)


@lru_cache(maxsize=1)
def _skeleton():
    from revision.lifting.rest_skeleton import skeleton_only_model
    from revision.lifting.skeleton import SMPLXSkeleton

    return SMPLXSkeleton(skeleton_only_model())


def body_points(params: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """World-frame SMPL-X params → joints (F, 22, 3), MediaPipe markers (F, 33, 3)."""
    t = {k: torch.as_tensor(np.asarray(v), dtype=torch.float32) for k, v in params.items()}
    with torch.no_grad():
        j, m = _skeleton()(t["global_orient"], t["body_pose"], t["betas"], t["transl"])
    return j.numpy().astype(np.float64), m.numpy().astype(np.float64)


def body_segments(joints: np.ndarray, markers: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Capsules of a body: ends (F, C, 2, 3), radii (C,), part names, colour roles."""
    head = 0.5 * (markers[:, _MP["left_ear"]] + markers[:, _MP["right_ear"]]) + np.array([0, 0.02, 0])

    def point(key: object) -> np.ndarray:
        if key == "head":
            return head
        if isinstance(key, str):
            return markers[:, _MP[key[2:]]]
        return joints[:, int(key)]

    ends = np.stack([np.stack([point(a), point(b)], 1) for a, b, *_ in _BODY_CAPSULES], 1)
    radii = np.array([c[2] for c in _BODY_CAPSULES])
    return ends, radii, [c[3] for c in _BODY_CAPSULES], [c[4] for c in _BODY_CAPSULES]


def _colour(rng: np.random.Generator, lo: float = 0.15, hi: float = 0.95) -> np.ndarray:
    return rng.uniform(lo, hi, 3)


def _world_to_cam(x: np.ndarray, R: np.ndarray, t: np.ndarray) -> np.ndarray:
    return x @ R.T + t


def make_clip(seed: int, cfg: WorldConfig = WorldConfig(), *, motion: str | None = None,
              strength: float | None = None, ball: str | None = None, empty_scene: bool = False) -> Shard:  # fmt: skip
    """Render the clip of ``seed`` (``motion``/``strength``/``ball`` override the random draw;
    ``ball`` is one of :data:`BALL_MODES` or ``"none"``).

    ``empty_scene=True`` renders the same scene with no bodies, balls or shadows (the background
    plate, used by ``benchmarks/mini_eval.py`` to extract foreground from generated frames); the
    annotations are those of the full clip.
    """
    rng = np.random.default_rng(seed)
    F, size, ss = cfg.num_frames, cfg.size, cfg.supersample
    s = float(rng.uniform(0.1, 1.0)) if strength is None else float(strength)
    object_only = motion is None and ball is None and rng.uniform() < cfg.p_object_only
    # --- camera (level, looking along world −z towards the person)
    dist = rng.uniform(*cfg.distance)
    cam_h = rng.uniform(*cfg.camera_height)
    yaw = rng.uniform(-cfg.camera_yaw, cfg.camera_yaw)
    R = (Rotation.from_euler("y", yaw).as_matrix() @ np.diag([1.0, -1.0, -1.0])).astype(np.float64)
    t = np.array([rng.uniform(-cfg.camera_offset, cfg.camera_offset), cam_h, dist])
    fov = rng.uniform(*cfg.fov_deg)
    cam_px = Camera.from_image_size(size * ss, size * ss, fov)
    camera = Camera.from_image_size(size, size, fov)

    tracks: list[Track] = []
    captions: list[str] = []
    contact: int | None = None  # ball modes "throw" / "kick": the last frame the ball is held / at rest
    prims_per_frame: list[list[Primitive]] = [[] for _ in range(F)]
    names: dict[str, str] = {}
    capsules = radii = hand = None
    if not object_only:
        name = motion or str(rng.choice(sorted(cfg.motions or lib.HUMAN_MOTIONS)))
        names["human"] = name
        betas = np.zeros(lib.NUM_SMPLX_BETAS)
        betas[:3] = rng.normal(0, 1, 3).clip(-2, 2)
        start = (0.0, 0.0, 0.0)
        heading = float(rng.uniform(-0.8, 0.8))
        if name in ("walk", "run"):  # walk across the view, starting on the side it walks away from
            side = float(rng.choice([-1.0, 1.0]))
            heading = side * float(rng.uniform(1.1, 2.0))
            start = (-side * float(rng.uniform(0.2, 0.6)), 0.0, 0.0)
        if ball == "kick":
            name = names["human"] = "kick"
            params, cap = _kick_params(F, cfg.fps, s, rng, betas, heading)
        else:
            params, cap = lib.human_motion(name, F, fps=cfg.fps, strength=s, rng=rng, betas=betas, heading=heading,
                                           start=start)  # fmt: skip
        joints, markers = body_points(params)
        capsules, radii, parts, roles = body_segments(joints, markers)
        if cfg.limb_radius_scale != 1.0:
            limb = np.array([p not in ("torso", "head") for p in parts])
            radii = np.where(limb, radii * cfg.limb_radius_scale, radii)
        palette = {"skin": _SKIN[rng.integers(len(_SKIN))] * rng.uniform(0.9, 1.1), "shirt": _colour(rng),
                   "pants": _colour(rng, 0.05, 0.7), "shoes": _colour(rng, 0.02, 0.3)}  # fmt: skip
        cam_caps = _world_to_cam(capsules, R, t)
        for f in range(F):
            for c in range(len(radii)):
                prims_per_frame[f].append(Primitive(cam_caps[f, c, 0], cam_caps[f, c, 1], float(radii[c]),
                                                    _PART[parts[c]], 0, palette[roles[c]]))  # fmt: skip
        j0 = _skeleton().rest_joints(torch.as_tensor(betas[None], dtype=torch.float32))[0, 0].numpy()
        cam_params = lib.to_camera("smplx", params, R, t, pelvis=j0)
        tracks.append(Track(0, "smplx", cam_params, np.ones(F, np.float32), label=name))
        captions.append(cap)
        hand = markers[:, _MP["right_index"]] * 0.5 + joints[:, 21] * 0.5
    # --- a ball (interacting with the person) or an object alone
    ball_mode = ball or (str(rng.choice(BALL_MODES)) if not object_only and rng.uniform() < cfg.p_ball else None)
    ball_mode = None if ball_mode == "none" else ball_mode
    if ball_mode is not None and ball_mode not in BALL_MODES + INTERACTION_MODES:
        raise ValueError(f"unknown ball mode {ball_mode!r}; choose from {BALL_MODES + INTERACTION_MODES} or 'none'")
    if object_only:
        oname = str(rng.choice(sorted(lib.OBJECT_MOTIONS)))
        names["object"] = oname
        radius = float(rng.uniform(0.1, 0.3))
        oparams, ocap = lib.object_motion(oname, F, fps=cfg.fps, strength=s, rng=rng, size=(radius, radius))
        centres = oparams["points"][:, 20].astype(np.float64)
        captions.append(ocap)
        _add_ball(prims_per_frame, tracks, centres, radius, oparams["points"], R, t, _colour(rng), len(tracks))
    elif ball_mode is not None:
        names["ball"] = ball_mode
        bc = BallConfig(radius=float(rng.uniform(0.08, 0.14)), restitution=float(rng.uniform(0.4, 0.75)))
        centres, ocap, contact = _ball_motion(ball_mode, rng, bc, F, cfg.fps, capsules, radii, hand, s,
                                              foot=joints[:, 11] if ball_mode == "kick" else None)  # fmt: skip
        captions.append(ocap)
        rot = Rotation.random(random_state=int(rng.integers(1 << 31))).as_rotvec()[None] * np.linspace(0, 3, F)[:, None]
        pts = lib.object_points(centres, rot, (bc.radius, bc.radius))
        _add_ball(prims_per_frame, tracks, centres, bc.radius, pts, R, t, _colour(rng), len(tracks))
    # --- scenery and lighting
    bg = Background(
        sky_top=_colour(rng, 0.3, 1.0), sky_bottom=_colour(rng, 0.5, 1.0), ground_a=_colour(rng, 0.1, 0.8),
        ground_b=_colour(rng, 0.1, 0.8), pattern=str(rng.choice(list(cfg.patterns))),
        tile=float(rng.uniform(0.3, 1.0)), camera_height=cam_h,
    )  # fmt: skip
    noise = _smooth_noise(rng, size * ss) if bg.pattern == "noise" else None
    light_dir = np.array([rng.uniform(-1, 1), rng.uniform(-1.0, -0.2), rng.uniform(-1.0, -0.3)])
    light = Lighting(light_dir / np.linalg.norm(light_dir), ambient=float(rng.uniform(0.25, 0.5)),
                     diffuse=float(rng.uniform(0.5, 0.9)), tint=rng.uniform(0.85, 1.15, 3))  # fmt: skip
    # --- render
    frames = np.zeros((F, size, size, 3), np.uint8)
    part_ids = np.zeros((F, size, size), np.int16)
    depth = np.zeros((F, size, size), np.float32)
    boxes = np.full((F, max(len(tracks), 1), 4), np.nan, np.float32)
    for f in range(F):
        fr = downsample(render_frame([] if empty_scene else prims_per_frame[f], light, bg, cam_px.fx, cam_px.fy, cam_px.cx, cam_px.cy,
                                     size * ss, size * ss, noise), ss)  # fmt: skip
        frames[f] = np.round(fr.rgb * 255).astype(np.uint8)
        if empty_scene:
            continue
        part_ids[f], depth[f] = fr.part_ids, fr.depth
        for i in range(len(tracks)):
            ys, xs = np.nonzero(fr.track_ids == i)
            if len(xs):
                boxes[f, i] = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    if empty_scene:
        full = make_clip(seed, cfg, motion=motion, strength=strength, ball=ball)
        full.frames = frames
        return full
    for i, tr in enumerate(tracks):  # a track fully hidden in a frame is missing there
        tr.confidence = (~np.isnan(boxes[:, i, 0])).astype(np.float32)
    seq = MotionSequence(tracks, camera, F, cfg.fps, s)
    return Shard(
        clip_id=f"syn{seed:08d}", frames=frames, motion=seq,
        condition=ConditionMaps(part_ids, (part_ids > 0).astype(np.float32)), depth=depth, boxes=boxes,
        caption=make_caption(captions, s), source="synthetic", quality={"reprojection_iou": 1.0},
        extra={"seed": int(seed), "motions": names, "world": asdict(cfg),
               "world_to_camera": {"R": R.tolist(), "t": t.tolist()},
               **({"ball_contact_frame": contact} if contact is not None else {})},
    )  # fmt: skip


def _add_ball(prims, tracks, centres, radius, points_world, R, t, colour, track_id) -> None:
    cc = _world_to_cam(centres, R, t)
    for f in range(len(prims)):
        prims[f].append(Primitive(cc[f], cc[f], radius, _PART["object"], track_id, colour))
    pts = _world_to_cam(np.asarray(points_world, np.float64), R, t).astype(np.float32)
    tracks.append(Track(track_id, "object", {"points": pts}, np.ones(len(prims), np.float32), label="ball"))


def _kick_params(F: int, fps: float, s: float, rng: np.random.Generator, betas: np.ndarray,
                 heading: float) -> tuple[dict[str, np.ndarray], str]:  # fmt: skip
    """World-frame SMPL-X params of a right-leg kick whose swing peaks inside the clip (60–95 % through it)."""
    v = lib.strength_variation(s, rng, heading)
    period = 1.8 / v.tempo  # motions.kick: the swing peaks at half the period
    t_peak = float(rng.uniform(0.6, 0.95)) * (F - 1) / fps
    v = lib.Variation(v.tempo, v.amp, 2 * np.pi * (0.5 - t_peak / period), v.heading)
    m = lib.kick(np.arange(F) / fps, v)
    go, transl = lib._heading_apply(m.root, m.transl, v.heading)
    params = {"global_orient": go.astype(np.float32), "body_pose": m.pose.reshape(F, 63).astype(np.float32),
              "betas": betas.astype(np.float32), "transl": transl.astype(np.float32)}  # fmt: skip
    return params, lib.HUMAN_MOTIONS["kick"][1]


def _ball_motion(mode, rng, bc, F, fps, capsules, radii, hand, s, foot=None) -> tuple[np.ndarray, str, int | None]:
    """Ball centres (F, 3) for an interaction ``mode`` with the person, a caption, and the contact frame
    ("throw": the last frame held; "kick": the last frame at rest, -1 if the foot misses; else None)."""
    if mode == "kick":  # resting in the right foot's path where it swings forward fastest; capsules kick it
        step = np.diff(foot, axis=0)
        step[:, 1] = 0.0
        fwd = step.sum(0) if np.linalg.norm(step.sum(0)) > 1e-6 else step[np.argmax(np.linalg.norm(step, axis=1))]
        fwd /= max(np.linalg.norm(fwd), 1e-9)
        ahead = step[1:] @ fwd
        low = foot[2:, 1] < 1.6 * bc.radius  # the foot low enough to meet a ball on the ground
        c = 1 + int(np.argmax(np.where(low, ahead, ahead - 1e3)))  # the low step c → c + 1 going forward fastest
        p0 = foot[c + 1] + fwd * (bc.radius * 0.6)
        p0[1] = bc.radius
        for _ in range(40):  # not touching the body before the swing reaches it
            near = False
            for f in range(c + 1):
                for k in range(len(radii)):
                    a, b = capsules[f, k]
                    q = a + np.clip((p0 - a) @ (b - a) / max((b - a) @ (b - a), 1e-12), 0, 1) * (b - a)
                    near |= bool(np.linalg.norm(p0 - q) < bc.radius + radii[k] + 0.01)
            if not near:
                break
            p0 = p0 + fwd * 0.02
        pos, _ = simulate_ball(F, fps, p0, np.zeros(3), bc, capsules, radii)
        moving = np.linalg.norm(np.diff(pos, axis=0), axis=1) > 1e-3
        return pos, "the person kicks a ball", int(np.argmax(moving)) if moving.any() else -1
    if mode == "throw":
        release = int(rng.integers(1, max(2, F // 2)))
        pos, _ = simulate_ball(F, fps, hand[0], np.zeros(3), bc, capsules, radii, hand, held_until=release)
        return pos, "the person throws a ball", release
    if mode == "catch":
        k = int(rng.integers(F // 2, F))
        T = k / fps
        p0 = hand[k] + np.array([rng.choice([-1, 1]) * rng.uniform(1.0, 2.0), rng.uniform(-0.3, 0.3), 0.3])
        v0 = (hand[k] - p0) / T + np.array([0, 0.5 * 9.81 * T, 0])
        pos, _ = simulate_ball(F, fps, p0, v0, bc, capsules, radii, hand, grab_from=k)
        return pos, "the person catches a ball", None
    torso = capsules[0, 2].mean(0)
    side = rng.choice([-1, 1])
    if mode == "bounce_off":  # thrown at the body, bounces off it
        p0 = torso + np.array([side * rng.uniform(1.2, 1.8), rng.uniform(0.2, 0.6), rng.uniform(0.2, 0.5)])
        T = rng.uniform(0.35, 0.6)
        v0 = (torso - p0) / T + np.array([0, 0.5 * 9.81 * T, 0])
        pos, _ = simulate_ball(F, fps, p0, v0, bc, capsules, radii)
        return pos, "a ball bounces off the person", None
    p0 = np.array([side * rng.uniform(1.2, 1.8), rng.uniform(0.2, 1.2), rng.uniform(0.3, 0.9)])  # pass_by
    v0 = np.array([-side * rng.uniform(1.5, 3.5) * (0.5 + s), rng.uniform(0, 2), rng.uniform(-0.3, 0.3)])
    pos, _ = simulate_ball(F, fps, p0, v0, bc, capsules, radii)
    return pos, "a ball bounces past", None


def _smooth_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, n) smooth value noise in [0, 1] (bilinear upsampling of an 8x8 grid)."""
    import cv2

    g = rng.uniform(0, 1, (8, 8)).astype(np.float32)
    return cv2.resize(g, (n, n), interpolation=cv2.INTER_CUBIC).clip(0, 1).astype(np.float64)
