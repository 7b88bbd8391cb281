"""A library of parametric, smooth motions that produce :class:`revision.types.Track` params.

Three families, one generator per named motion:

- humans (SMPL-X): ``global_orient`` (F,3), ``body_pose`` (F,63) axis-angle in SMPL-X's 21 body-joint
  order (:data:`SMPLX_BODY_JOINTS`), ``betas`` (10,), ``transl`` (F,3);
- animals (SMAL): ``global_orient`` (F,3), ``pose`` (F,102) = 34 joints (:data:`SMAL_JOINTS`),
  ``betas`` (41,), ``transl`` (F,3);
- rigid objects: ``points`` (F,21,3) = 16 contour points + 4 box corners + centre, under simple
  ballistic trajectories (throw, bounce, slide, fall, roll, hover).

**Frames.** Motions are built in a *world* frame: y up, ground at y = 0, a body with zero rotation faces
+z with its left hand on +x (SMPL-X's canonical frame). :func:`to_camera` maps a track into an OpenCV
camera (x right, y down, z forward) with ``x_cam = R x_world + t``; :func:`default_extrinsics` gives a
camera ``distance`` metres in front of the origin at ``height`` metres. :func:`random_motion_sequence`
returns camera-space tracks (the convention of :class:`revision.types.Track`).

**Motion strength** ``s`` in [0, 1] (paper App. C) scales both amplitude and tempo:
``amplitude = 0.35 + 0.9 s`` and ``tempo = 0.6 + 0.8 s`` (times each motion's base values), so 0.3 is
calm and direct and 0.7 large and fast. Each generator also draws small per-clip variations (±15 %
tempo and amplitude, phase, heading) from the ``rng`` it is given, so one seed gives one clip.

Joint angles are given as (x, y, z) Euler angles composed as ``Rx · Ry · Rz`` in the parent frame
(:func:`euler`), which keeps signs readable: with the arms hanging down, ``x < 0`` swings a leg forward,
``x > 0`` bends a knee, negative ``x`` on a shoulder swings the arm forward. For SMAL the axes follow the
model's rest frame; the joint groups are those of the SMAL 35-joint skeleton.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from revision.types import Camera, MotionSequence, Track

SMPLX_BODY_JOINTS: tuple[str, ...] = (
    "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2", "left_ankle", "right_ankle",
    "spine3", "left_foot", "right_foot", "neck", "left_collar", "right_collar", "head", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
)  # fmt: skip  # body_pose joint j occupies columns 3j:3j+3; the pelvis is global_orient
SMAL_JOINTS: tuple[str, ...] = (
    "pelvis0", "spine", "spine0", "spine1", "spine2", "spine3",
    "LLeg1", "LLeg2", "LLeg3", "LFoot", "RLeg1", "RLeg2", "RLeg3", "RFoot", "Neck", "Head",
    "LLegBack1", "LLegBack2", "LLegBack3", "LFootBack", "RLegBack1", "RLegBack2", "RLegBack3", "RFootBack",
    "Tail1", "Tail2", "Tail3", "Tail4", "Tail5", "Tail6", "Tail7", "Mouth", "LEar", "REar",
)  # fmt: skip  # pose joint j occupies columns 3j:3j+3; the root ("pelvis") is global_orient
_H = {n: i for i, n in enumerate(SMPLX_BODY_JOINTS)}
_A = {n: i for i, n in enumerate(SMAL_JOINTS)}
GRAVITY = 9.81  # m/s², along −y in the world frame
ARMS_DOWN = 1.2  # rad: shoulder z-rotation that lowers SMPL-X's T-pose arms to the sides
NUM_SMPLX_BETAS = 10
NUM_SMAL_BETAS = 41


@dataclass(frozen=True)
class Variation:
    """Per-clip randomisation shared by all generators."""

    tempo: float  # multiplies the base frequency (strength and ±15 % jitter folded in)
    amp: float  # multiplies the base amplitudes
    phase: float  # radians
    heading: float  # yaw about +y, radians (0 = facing the camera)


def strength_variation(strength: float, rng: np.random.Generator, heading: float | None = None) -> Variation:
    """Map motion strength (0..1) + jitter to tempo/amplitude multipliers (see module doc)."""
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"motion strength must be in [0, 1], got {strength}")
    return Variation(
        tempo=(0.6 + 0.8 * strength) * rng.uniform(0.85, 1.15),
        amp=(0.35 + 0.9 * strength) * rng.uniform(0.85, 1.15),
        phase=float(rng.uniform(0, 2 * np.pi)),
        heading=float(rng.uniform(-0.6, 0.6)) if heading is None else heading,
    )


def euler(x: np.ndarray | float = 0.0, y: np.ndarray | float = 0.0, z: np.ndarray | float = 0.0) -> np.ndarray:
    """Broadcast Euler angles (rad) → axis-angle (..., 3) of ``Rx(x) · Ry(y) · Rz(z)``."""
    x, y, z = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float), np.asarray(z, float))
    angles = np.stack([z.ravel(), y.ravel(), x.ravel()], -1)
    return Rotation.from_euler("zyx", angles).as_rotvec().reshape(*x.shape, 3)


def ease(u: np.ndarray) -> np.ndarray:
    """Smoothstep on [0, 1] (clamped): zero velocity at both ends."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3 - 2 * u)


# ------------------------------------------------------------------------------------------------ humans
@dataclass
class BodyMotion:
    """Body-local motion: facing +z, before heading is applied. Arrays have F rows."""

    pose: np.ndarray  # (F, 21, 3) axis-angle
    root: np.ndarray  # (F, 3) Euler (x, y, z) of the pelvis in the body frame
    transl: np.ndarray  # (F, 3) metres, body frame


def _rest_body(n: int) -> BodyMotion:
    pose = np.zeros((n, 21, 3))
    pose[:, _H["left_shoulder"]] = euler(z=-ARMS_DOWN)
    pose[:, _H["right_shoulder"]] = euler(z=ARMS_DOWN)
    return BodyMotion(pose, np.zeros((n, 3)), np.zeros((n, 3)))


def _set(m: BodyMotion, joint: str, x=0.0, y=0.0, z=0.0) -> None:
    m.pose[:, _H[joint]] = euler(x, y, z) if np.ndim(x) or np.ndim(y) or np.ndim(z) else euler(x, y, z)[None]


def _arms(m: BodyMotion, lx=0.0, rx=0.0, lz=0.0, rz=0.0, l_elbow=0.0, r_elbow=0.0) -> None:
    """Shoulder swing (x, forward < 0), extra abduction (z, raises the arm), elbow flexion (> 0 = bend)."""
    _set(m, "left_shoulder", x=lx, z=-ARMS_DOWN - np.asarray(lz))
    _set(m, "right_shoulder", x=rx, z=ARMS_DOWN + np.asarray(rz))
    _set(m, "left_elbow", y=-np.asarray(l_elbow))
    _set(m, "right_elbow", y=np.asarray(r_elbow))


def _legs(m: BodyMotion, lh=0.0, rh=0.0, lk=0.0, rk=0.0) -> None:
    """Hip flexion (> 0 = thigh forward) and knee flexion (> 0 = bend)."""
    _set(m, "left_hip", x=-np.asarray(lh))
    _set(m, "right_hip", x=-np.asarray(rh))
    _set(m, "left_knee", x=np.asarray(lk))
    _set(m, "right_knee", x=np.asarray(rk))


def _gait(t: np.ndarray, v: Variation, freq: float, stride: float, run: bool) -> BodyMotion:
    m = _rest_body(len(t))
    ph = 2 * np.pi * freq * v.tempo * t + v.phase
    a = v.amp * (1.6 if run else 1.0)
    swing = 0.45 * a * np.sin(ph)
    _legs(m, swing, -swing, 0.6 * a * np.clip(np.sin(ph + 1.2), 0, None), 0.6 * a * np.clip(-np.sin(ph + 1.2), 0, None))
    elbow = 1.3 if run else 0.25
    _arms(m, lx=0.5 * a * np.sin(ph), rx=-0.5 * a * np.sin(ph), l_elbow=elbow, r_elbow=elbow)
    lean = 0.25 * a if run else 0.05 * a
    m.root[:, 0] = lean
    m.root[:, 1] = 0.08 * a * np.sin(ph)
    speed = stride * freq * v.tempo * (1.0 + 0.6 * run) * v.amp
    m.transl[:, 2] = speed * t
    m.transl[:, 1] = 0.03 * a * np.abs(np.cos(ph))
    return m


def walk(t: np.ndarray, v: Variation) -> BodyMotion:
    return _gait(t, v, freq=0.9, stride=1.2, run=False)


def run(t: np.ndarray, v: Variation) -> BodyMotion:
    return _gait(t, v, freq=1.4, stride=1.6, run=True)


def idle(t: np.ndarray, v: Variation) -> BodyMotion:
    m = _rest_body(len(t))
    ph = 2 * np.pi * 0.3 * v.tempo * t + v.phase
    _set(m, "spine2", x=0.03 * v.amp * np.sin(ph))
    _set(m, "head", y=0.3 * v.amp * np.sin(0.5 * ph))
    m.root[:, 2] = 0.03 * v.amp * np.sin(ph)
    return m


def wave(t: np.ndarray, v: Variation) -> BodyMotion:
    m = _rest_body(len(t))
    raise_ = ease(t / 0.6) * (1.6 + 0.4 * v.amp)
    ph = 2 * np.pi * 1.2 * v.tempo * t + v.phase
    _arms(m, rz=raise_)
    m.pose[:, _H["right_elbow"]] = euler(z=-0.9 * ease(t / 0.6) + 0.5 * v.amp * np.sin(ph) * ease(t / 0.6))
    _set(m, "head", y=0.1 * np.sin(0.3 * ph))
    return m


def jump(t: np.ndarray, v: Variation) -> BodyMotion:
    """Repeated vertical jumps: crouch, ballistic flight (y = v0 τ − g τ²/2), land."""
    m = _rest_body(len(t))
    period = 1.4 / v.tempo
    tau = np.mod(t + v.phase / (2 * np.pi) * period, period)
    flight = 2 * (0.9 * v.amp) / GRAVITY * 1.5  # flight time for v0 = 1.35 amp m/s
    v0 = GRAVITY * flight / 2
    prep = period - flight
    in_air = tau >= prep
    ta = np.clip(tau - prep, 0, flight)
    m.transl[:, 1] = np.where(in_air, v0 * ta - 0.5 * GRAVITY * ta**2, 0.0)
    crouch = np.where(in_air, 0.0, np.sin(np.pi * np.clip(tau / max(prep, 1e-3), 0, 1)) ** 2) * (0.5 + 0.5 * v.amp)
    m.transl[:, 1] -= 0.25 * crouch
    _legs(m, 1.0 * crouch, 1.0 * crouch, 1.8 * crouch, 1.8 * crouch)
    up = np.where(in_air, np.sin(np.pi * ta / flight), 0.0)
    _arms(m, lx=-0.8 * crouch, rx=-0.8 * crouch, lz=1.2 * up, rz=1.2 * up)
    m.root[:, 0] = 0.4 * crouch
    return m


def kick(t: np.ndarray, v: Variation) -> BodyMotion:
    m = _rest_body(len(t))
    period = 1.8 / v.tempo
    u = np.mod(t + v.phase / (2 * np.pi) * period, period) / period
    k = np.sin(np.pi * np.clip((u - 0.3) / 0.4, 0, 1)) ** 2
    wind = np.sin(np.pi * np.clip(u / 0.3, 0, 1)) ** 2
    _legs(m, rh=(1.3 * v.amp) * k - 0.4 * wind, rk=1.2 * wind + 0.3 * k, lk=0.15 * k)
    _arms(m, lx=0.5 * k, rx=-0.4 * k, lz=0.3 * k, rz=0.3 * k)
    m.root[:, 0] = -0.15 * k
    return m


def reach(t: np.ndarray, v: Variation) -> BodyMotion:
    m = _rest_body(len(t))
    ph = 2 * np.pi * 0.5 * v.tempo * t + v.phase
    r = 0.5 - 0.5 * np.cos(ph)
    _arms(m, rx=-(1.3 + 0.3 * v.amp) * r, lx=-0.5 * v.amp * r, r_elbow=0.4 * (1 - r))
    _set(m, "spine1", x=0.35 * v.amp * r)
    _set(m, "spine2", x=0.2 * v.amp * r)
    m.transl[:, 2] = 0.1 * v.amp * r
    return m


def turn(t: np.ndarray, v: Variation) -> BodyMotion:
    m = _rest_body(len(t))
    ph = 2 * np.pi * 1.0 * v.tempo * t + v.phase
    m.root[:, 1] = (1.2 * v.amp * v.tempo) * t * np.sign(np.sin(v.phase) + 1e-6)
    step = 0.2 * v.amp * np.clip(np.sin(ph), 0, None)
    _legs(m, step, np.roll(step, 3), 2 * step, 2 * np.roll(step, 3))
    _arms(m, lz=0.2 * v.amp, rz=0.2 * v.amp)
    return m


def sit(t: np.ndarray, v: Variation) -> BodyMotion:
    m = _rest_body(len(t))
    dur = 1.6 / v.tempo
    d = ease((t - 0.2 * dur) / dur) * min(1.0, 0.6 + 0.5 * v.amp)
    _legs(m, 1.5 * d, 1.5 * d, 1.6 * d, 1.6 * d)
    _set(m, "left_ankle", x=-0.1 * d)
    _set(m, "right_ankle", x=-0.1 * d)
    m.root[:, 0] = 0.35 * d - 0.3 * d**2
    _arms(m, lx=-0.6 * d, rx=-0.6 * d, l_elbow=0.9 * d, r_elbow=0.9 * d)
    m.transl[:, 1] = -0.45 * d
    m.transl[:, 2] = -0.2 * d
    return m


def squat(t: np.ndarray, v: Variation) -> BodyMotion:
    m = _rest_body(len(t))
    ph = 2 * np.pi * 0.6 * v.tempo * t + v.phase
    d = (0.5 - 0.5 * np.cos(ph)) * min(1.0, 0.4 + 0.6 * v.amp)
    _legs(m, 1.3 * d, 1.3 * d, 2.0 * d, 2.0 * d)
    m.root[:, 0] = 0.5 * d
    _arms(m, lx=-1.2 * d, rx=-1.2 * d)
    m.transl[:, 1] = -0.4 * d
    return m


def dance(t: np.ndarray, v: Variation) -> BodyMotion:
    m = _rest_body(len(t))
    ph = 2 * np.pi * 1.1 * v.tempo * t + v.phase
    a = v.amp
    m.root[:, 2] = 0.15 * a * np.sin(ph)
    m.root[:, 1] = 0.5 * a * np.sin(0.5 * ph)
    _set(m, "spine2", z=-0.2 * a * np.sin(ph))
    _legs(m, 0.3 * a * np.clip(np.sin(ph), 0, None), 0.3 * a * np.clip(-np.sin(ph), 0, None),
          0.5 * a * np.clip(np.sin(ph), 0, None), 0.5 * a * np.clip(-np.sin(ph), 0, None))  # fmt: skip
    _arms(m, lz=1.2 * a * (0.5 + 0.5 * np.sin(ph)), rz=1.2 * a * (0.5 - 0.5 * np.sin(ph)),
          l_elbow=0.8 * a * (0.5 + 0.5 * np.cos(ph)), r_elbow=0.8 * a * (0.5 - 0.5 * np.cos(ph)))  # fmt: skip
    m.transl[:, 0] = 0.15 * a * np.sin(0.5 * ph)
    m.transl[:, 1] = 0.04 * a * np.abs(np.sin(ph))
    return m


HumanMotionFn = Callable[[np.ndarray, Variation], BodyMotion]
HUMAN_MOTIONS: dict[str, tuple[HumanMotionFn, str]] = {
    "idle": (idle, "a person stands still and looks around"),
    "walk": (walk, "a person walks forward"),
    "run": (run, "a person runs forward"),
    "wave": (wave, "a person waves with the right hand"),
    "jump": (jump, "a person jumps up and down"),
    "kick": (kick, "a person kicks with the right leg"),
    "reach": (reach, "a person reaches forward to grab something"),
    "turn": (turn, "a person turns around"),
    "sit": (sit, "a person sits down"),
    "squat": (squat, "a person does squats"),
    "dance": (dance, "a person dances"),
}  # name → (generator, caption)


# Extended vocabulary (the prompt-driven proposal, revision.pppm.propose): one generator per action, sides
# given by functools.partial. These are kept out of HUMAN_MOTIONS so the synthetic world's draws (and every
# benchmark built on them) stay as they were; ACTION_MOTIONS is the union used by the PPPM training data.
def _mirror_pose(m: BodyMotion) -> None:
    """Left ↔ right: swap the paired joints and flip the y/z rotation components (mirror across x = 0)."""
    pose = m.pose.copy()
    for i, n in enumerate(SMPLX_BODY_JOINTS):
        other = n.replace("left", "RIGHT").replace("right", "left").replace("RIGHT", "right")
        pose[:, _H[other]] = m.pose[:, i] * np.array([1.0, -1.0, -1.0])
    m.pose[:] = pose
    m.root[:, 1:] *= -1
    m.transl[:, 0] *= -1


def _sided(fn: Callable[[np.ndarray, Variation], BodyMotion], side: str) -> HumanMotionFn:
    """A right-sided generator → the same action on ``side`` ("right", "left" or "both")."""

    def gen(t: np.ndarray, v: Variation) -> BodyMotion:
        m = fn(t, v)
        if side == "right":
            return m
        mirrored = BodyMotion(m.pose.copy(), m.root.copy(), m.transl.copy())
        _mirror_pose(mirrored)
        if side == "left":
            return mirrored
        for j in SMPLX_BODY_JOINTS:  # both: left-side joints from the mirror, right-side from the original
            if j.startswith("left"):
                m.pose[:, _H[j]] = mirrored.pose[:, _H[j]]
        return m

    return gen


def wave_right(t: np.ndarray, v: Variation) -> BodyMotion:
    """The right hand goes up and the forearm swings side to side; strength raises the arm higher (a small
    wave at shoulder height → a big one above the head) and widens and quickens the swing."""
    m = _rest_body(len(t))
    up = ease(t * v.tempo / 0.7)
    ph = 2 * np.pi * 1.3 * v.tempo * t
    _set(m, "right_shoulder", z=ARMS_DOWN - (0.6 + 1.5 * v.amp) * up)  # z < ARMS_DOWN lifts the right arm
    m.pose[:, _H["right_elbow"]] = euler(z=-(0.6 + 0.6 * v.amp + 0.7 * v.amp * np.sin(ph)) * up)
    _set(m, "head", y=0.08 * v.amp * np.sin(0.5 * ph))
    return m


def raise_right(t: np.ndarray, v: Variation) -> BodyMotion:
    """The right arm rises sideways above the head (higher with strength) and sways gently there."""
    m = _rest_body(len(t))
    up = ease(t * v.tempo / 0.9)
    sway = 0.2 * v.amp * np.sin(2 * np.pi * 0.8 * v.tempo * t) * up
    _set(m, "right_shoulder", z=ARMS_DOWN - min(2.75, 1.55 + 1.05 * v.amp) * up + sway)
    _set(m, "right_elbow", y=0.15 * up)
    return m


def point_right(t: np.ndarray, v: Variation) -> BodyMotion:
    """The right arm lifts straight forward to shoulder height and points (small aiming moves)."""
    m = _rest_body(len(t))
    up = ease(t * v.tempo / 0.7)
    aim = 0.12 * v.amp * np.sin(2 * np.pi * 0.6 * v.tempo * t) * up
    m.pose[:, _H["right_shoulder"]] = euler(x=-(0.2 + 0.15 * v.amp) * up, y=(1.45 + aim) * up, z=ARMS_DOWN * (1 - up))
    _set(m, "right_elbow", y=0.05 * up)  # a straight arm
    _set(m, "spine2", y=-0.1 * v.amp * up)
    return m


def kick_right(t: np.ndarray, v: Variation) -> BodyMotion:
    return kick(t, v)


def clap(t: np.ndarray, v: Variation) -> BodyMotion:
    """Both arms forward at chest height, hands meeting and parting rhythmically."""
    m = _rest_body(len(t))
    up = ease(t * v.tempo / 0.6)
    c = 0.5 - 0.5 * np.cos(2 * np.pi * 1.6 * v.tempo * t)  # 0 apart .. 1 together
    open_ = (0.3 + 0.45 * v.amp) * (1 - c)
    m.pose[:, _H["left_shoulder"]] = euler(y=-(1.75 - open_) * up, z=-ARMS_DOWN * (1 - up) - 0.35 * up)
    m.pose[:, _H["right_shoulder"]] = euler(y=(1.75 - open_) * up, z=ARMS_DOWN * (1 - up) + 0.35 * up)
    _set(m, "left_elbow", y=-0.7 * up)
    _set(m, "right_elbow", y=0.7 * up)
    return m


def bow(t: np.ndarray, v: Variation) -> BodyMotion:
    """Bend forward at the hips and come back up (once per cycle)."""
    m = _rest_body(len(t))
    dur = 2.2 / v.tempo
    u = np.clip(t / dur, 0, 1)
    d = np.sin(np.pi * u) ** 2 * (0.35 + 0.45 * v.amp)
    m.root[:, 0] = 0.8 * d
    _set(m, "spine1", x=0.3 * d)
    _set(m, "spine2", x=0.2 * d)
    _legs(m, 0.8 * d, 0.8 * d)  # hips flex so the legs stay vertical while the pelvis pitches forward
    return m


def nod(t: np.ndarray, v: Variation) -> BodyMotion:
    m = _rest_body(len(t))
    ph = 2 * np.pi * 1.2 * v.tempo * t
    d = (0.5 - 0.5 * np.cos(ph)) * (0.2 + 0.3 * v.amp)
    _set(m, "neck", x=0.4 * d)
    _set(m, "head", x=0.6 * d)
    return m


def turn_head_left(t: np.ndarray, v: Variation) -> BodyMotion:
    """The head turns to the person's left and holds (a little more with strength)."""
    m = _rest_body(len(t))
    d = ease(t * v.tempo / 0.8) * (0.5 + 0.6 * v.amp)
    _set(m, "neck", y=0.4 * d)
    _set(m, "head", y=0.6 * d)
    return m


def turn_around(t: np.ndarray, v: Variation) -> BodyMotion:
    """A half turn on the spot (yaw π) with small steps, then standing."""
    m = _rest_body(len(t))
    dur = 1.8 / v.tempo
    yaw = np.pi * ease(t / dur)
    m.root[:, 1] = yaw
    ph = 2 * np.pi * 1.4 * v.tempo * t
    active = np.sin(np.pi * np.clip(t / dur, 0, 1))
    step = 0.25 * v.amp * active * np.clip(np.sin(ph), 0, None)
    step2 = 0.25 * v.amp * active * np.clip(-np.sin(ph), 0, None)
    _legs(m, step, step2, 2 * step, 2 * step2)
    return m


def jump_up(t: np.ndarray, v: Variation) -> BodyMotion:
    """Vertical jumps from standing: crouch, take off at ``1.2 + 1.2 amp`` m/s (a 0.17–0.34 m flight), land."""
    m = _rest_body(len(t))
    v0 = 1.2 + 1.2 * v.amp
    flight = 2 * v0 / GRAVITY
    period = max(1.4 / v.tempo, flight + 0.5)
    prep = period - flight
    tau = np.mod(t + prep / 3, period)  # starts a third into the crouch (the photo is standing)
    in_air = tau >= prep
    ta = np.clip(tau - prep, 0, flight)
    m.transl[:, 1] = np.where(in_air, v0 * ta - 0.5 * GRAVITY * ta**2, 0.0)
    crouch = np.where(in_air, 0.0, np.sin(np.pi * np.clip(tau / max(prep, 1e-3), 0, 1)) ** 2) * (0.5 + 0.5 * v.amp)
    crouch = crouch * ease(t / max(prep / 3, 1e-3))
    _legs(m, 0.9 * crouch, 0.9 * crouch, 1.6 * crouch, 1.6 * crouch)
    _set(m, "left_ankle", x=-0.5 * crouch)
    _set(m, "right_ankle", x=-0.5 * crouch)
    up = np.where(in_air, np.sin(np.pi * ta / flight), 0.0)
    _arms(m, lx=-0.8 * crouch, rx=-0.8 * crouch, lz=1.2 * up, rz=1.2 * up)
    m.root[:, 0] = 0.4 * crouch
    return m


def sit_down(t: np.ndarray, v: Variation) -> BodyMotion:
    return sit(t, v)


def stand_still(t: np.ndarray, v: Variation) -> BodyMotion:
    """Near still: breathing and a slight sway (a tenth of idle)."""
    m = idle(t, Variation(v.tempo, 0.1 * v.amp, v.phase, v.heading))
    return m


ACTION_HEADINGS: dict[str, float] = {
    "walk_left": -np.pi / 2, "walk_right": np.pi / 2, "walk_towards": 0.0, "walk_away": np.pi,
}  # fmt: skip  # world heading (yaw about +y; the default camera looks along −z, so +x is image right)
EXTRA_HUMAN_MOTIONS: dict[str, HumanMotionFn] = {
    "wave_right": wave_right, "wave_left": _sided(wave_right, "left"), "wave_both": _sided(wave_right, "both"),
    "raise_right": raise_right, "raise_left": _sided(raise_right, "left"), "raise_both": _sided(raise_right, "both"),
    "clap": clap, "point_right": point_right, "point_left": _sided(point_right, "left"),
    "reach": reach, "bow": bow, "nod": nod,
    "turn_head_left": turn_head_left, "turn_head_right": _sided(turn_head_left, "left"),
    "turn_around": turn_around,
    "walk_left": walk, "walk_right": walk, "walk_towards": walk, "walk_away": walk,
    "run": run, "jump": jump_up, "squat": squat, "sit_down": sit_down,
    "kick_right": kick_right, "kick_left": _sided(kick_right, "left"), "dance": dance, "stand_still": stand_still,
}  # fmt: skip  # action id → generator; captions: revision.synthetic.captions.ACTION_CAPTIONS


def action_motion(
    name: str, num_frames: int, *, fps: float = 7.0, strength: float = 0.5, rng: np.random.Generator | None = None,
    betas: np.ndarray | None = None, start: tuple[float, float, float] = (0.0, 0.0, 0.0), heading: float | None = None,
    jitter: bool = True,
) -> dict[str, np.ndarray]:  # fmt: skip
    """World-frame SMPL-X params of an extended-vocabulary action (:data:`EXTRA_HUMAN_MOTIONS`).

    Directional walks use :data:`ACTION_HEADINGS` (``heading`` is ignored for them). ``jitter=False``
    gives the deterministic version (no per-clip tempo/amplitude jitter, phase 0): amplitude and tempo
    then depend on ``strength`` only, through the module's ``0.35 + 0.9 s`` / ``0.6 + 0.8 s``.
    """
    if name not in EXTRA_HUMAN_MOTIONS:
        raise ValueError(f"unknown action {name!r}; choose from {sorted(EXTRA_HUMAN_MOTIONS)}")
    rng = rng or np.random.default_rng(0)
    heading = ACTION_HEADINGS.get(name, heading)
    if jitter:
        v = strength_variation(strength, rng, heading)
    else:
        strength_variation(strength, rng, 0.0)  # validates the range
        v = Variation(0.6 + 0.8 * strength, 0.35 + 0.9 * strength, 0.0, 0.0 if heading is None else heading)
    t = np.arange(num_frames) / fps
    m = EXTRA_HUMAN_MOTIONS[name](t, v)
    go, transl = _heading_apply(m.root, m.transl, v.heading)
    return {
        "global_orient": go.astype(np.float32),
        "body_pose": m.pose.reshape(num_frames, 63).astype(np.float32),
        "betas": (np.zeros(NUM_SMPLX_BETAS) if betas is None else np.asarray(betas)).astype(np.float32),
        "transl": (transl + np.asarray(start)).astype(np.float32),
    }


def _heading_apply(root_euler: np.ndarray, transl: np.ndarray, heading: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate a body-frame root (Euler) and path by ``heading`` about world +y; returns axis-angle, transl."""
    yaw = Rotation.from_euler("y", heading)
    root = yaw * Rotation.from_rotvec(euler(root_euler[:, 0], root_euler[:, 1], root_euler[:, 2]))
    return root.as_rotvec(), yaw.apply(transl)


def human_motion(
    name: str, num_frames: int, *, fps: float = 7.0, strength: float = 0.5, rng: np.random.Generator | None = None,
    betas: np.ndarray | None = None, start: tuple[float, float, float] = (0.0, 0.0, 0.0), heading: float | None = None,
) -> tuple[dict[str, np.ndarray], str]:  # fmt: skip
    """SMPL-X params of motion ``name`` (see :data:`HUMAN_MOTIONS`) in the world frame, and its caption."""
    if name not in HUMAN_MOTIONS:
        raise ValueError(f"unknown human motion {name!r}; choose from {sorted(HUMAN_MOTIONS)}")
    rng = rng or np.random.default_rng(0)
    v = strength_variation(strength, rng, heading)
    t = np.arange(num_frames) / fps
    fn, caption = HUMAN_MOTIONS[name]
    m = fn(t, v)
    go, transl = _heading_apply(m.root, m.transl, v.heading)
    params = {
        "global_orient": go.astype(np.float32),
        "body_pose": m.pose.reshape(num_frames, 63).astype(np.float32),
        "betas": (np.zeros(NUM_SMPLX_BETAS) if betas is None else np.asarray(betas)).astype(np.float32),
        "transl": (transl + np.asarray(start)).astype(np.float32),
    }
    return params, caption


# ----------------------------------------------------------------------------------------------- animals
def _animal_gait(t: np.ndarray, v: Variation, freq: float, speed: float, trot: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(t)
    pose = np.zeros((n, 34, 3))
    root = np.zeros((n, 3))
    transl = np.zeros((n, 3))
    ph = 2 * np.pi * freq * v.tempo * t + v.phase
    a = v.amp * (1.4 if trot else 1.0)
    offsets = {"LLeg": 0.0, "RLeg": np.pi, "LLegBack": np.pi if trot else np.pi / 2, "RLegBack": 0.0 if trot else 3 * np.pi / 2}
    for leg, off in offsets.items():
        s = np.sin(ph + off)
        pose[:, _A[f"{leg}1"]] = euler(y=0.35 * a * s)
        pose[:, _A[f"{leg}2"]] = euler(y=0.4 * a * np.clip(np.sin(ph + off + 1.0), 0, None))
    for i in range(1, 8):
        pose[:, _A[f"Tail{i}"]] = euler(z=0.12 * a * np.sin(ph - 0.4 * i))
    pose[:, _A["Neck"]] = euler(y=0.08 * a * np.sin(2 * ph))
    transl[:, 2] = speed * freq * v.tempo * v.amp * (1.8 if trot else 1.0) * t
    transl[:, 1] = 0.02 * a * np.abs(np.sin(ph))
    return pose, root, transl


def animal_walk(t, v):
    return _animal_gait(t, v, 1.0, 0.8, trot=False)


def animal_trot(t, v):
    return _animal_gait(t, v, 1.6, 1.0, trot=True)


def animal_wag(t, v):
    n = len(t)
    pose, root, transl = np.zeros((n, 34, 3)), np.zeros((n, 3)), np.zeros((n, 3))
    ph = 2 * np.pi * 2.0 * v.tempo * t + v.phase
    for i in range(1, 8):
        pose[:, _A[f"Tail{i}"]] = euler(z=0.25 * v.amp * np.sin(ph - 0.5 * i))
    pose[:, _A["Head"]] = euler(z=0.2 * v.amp * np.sin(0.3 * ph))
    return pose, root, transl


def animal_sit(t, v):
    n = len(t)
    pose, root, transl = np.zeros((n, 34, 3)), np.zeros((n, 3)), np.zeros((n, 3))
    d = ease((t - 0.2) * v.tempo / 1.5)
    for leg in ("LLegBack", "RLegBack"):
        pose[:, _A[f"{leg}1"]] = euler(y=-1.0 * d)
        pose[:, _A[f"{leg}2"]] = euler(y=1.6 * d)
    root[:, 1] = -0.5 * d  # pitch the body up, rear down
    transl[:, 1] = -0.15 * d
    pose[:, _A["Neck"]] = euler(y=0.3 * d)
    return pose, root, transl


def animal_jump(t, v):
    n = len(t)
    pose, root, transl = np.zeros((n, 34, 3)), np.zeros((n, 3)), np.zeros((n, 3))
    period = 1.5 / v.tempo
    tau = np.mod(t + v.phase / (2 * np.pi) * period, period)
    flight = 0.45 * v.amp + 0.15
    prep = period - flight
    ta = np.clip(tau - prep, 0, flight)
    air = tau >= prep
    v0 = GRAVITY * flight / 2
    transl[:, 1] = np.where(air, v0 * ta - 0.5 * GRAVITY * ta**2, 0.0)
    transl[:, 2] = 1.2 * v.amp * np.floor((t + v.phase / (2 * np.pi) * period) / period) + np.where(air, 1.2 * v.amp * ta / flight, 0)
    stretch = np.where(air, np.sin(np.pi * ta / flight), 0.0)
    for leg in ("LLeg", "RLeg"):
        pose[:, _A[f"{leg}1"]] = euler(y=-0.6 * stretch)
    for leg in ("LLegBack", "RLegBack"):
        pose[:, _A[f"{leg}1"]] = euler(y=0.6 * stretch)
    root[:, 1] = -0.3 * stretch
    return pose, root, transl


def animal_turn(t, v):
    pose, root, transl = _animal_gait(t, v, 1.0, 0.0, trot=False)
    root[:, 2] = 0.0
    root[:, 0] = 0.0
    yaw = (1.0 * v.amp * v.tempo) * t * np.sign(np.sin(v.phase) + 1e-6)
    return pose, np.stack([np.zeros_like(yaw), yaw, np.zeros_like(yaw)], -1), transl


ANIMAL_MOTIONS: dict[str, tuple[Callable, str]] = {
    "walk": (animal_walk, "a dog walks forward"),
    "trot": (animal_trot, "a dog trots forward quickly"),
    "wag": (animal_wag, "a dog wags its tail"),
    "sit": (animal_sit, "a dog sits down"),
    "jump": (animal_jump, "a dog jumps forward"),
    "turn": (animal_turn, "a dog turns around"),
}  # name → (generator(t, v) -> pose (F,34,3), root Euler (F,3) with y = yaw, body transl (F,3), caption)


def animal_motion(
    name: str, num_frames: int, *, fps: float = 7.0, strength: float = 0.5, rng: np.random.Generator | None = None,
    betas: np.ndarray | None = None, start: tuple[float, float, float] = (0.0, 0.0, 0.0), heading: float | None = None,
) -> tuple[dict[str, np.ndarray], str]:  # fmt: skip
    """SMAL params of motion ``name`` (see :data:`ANIMAL_MOTIONS`) in the world frame, and its caption."""
    if name not in ANIMAL_MOTIONS:
        raise ValueError(f"unknown animal motion {name!r}; choose from {sorted(ANIMAL_MOTIONS)}")
    rng = rng or np.random.default_rng(0)
    v = strength_variation(strength, rng, heading)
    t = np.arange(num_frames) / fps
    fn, caption = ANIMAL_MOTIONS[name]
    pose, root, transl = fn(t, v)
    go, transl = _heading_apply(root, transl, v.heading)
    params = {
        "global_orient": go.astype(np.float32),
        "pose": pose.reshape(num_frames, 102).astype(np.float32),
        "betas": (np.zeros(NUM_SMAL_BETAS) if betas is None else np.asarray(betas)).astype(np.float32),
        "transl": (transl + np.asarray(start)).astype(np.float32),
    }
    return params, caption


# ----------------------------------------------------------------------------------------------- objects
def object_points(center: np.ndarray, rotvec: np.ndarray, size: tuple[float, float]) -> np.ndarray:
    """(F,3) centres + (F,3) orientations → (F,21,3): 16 contour points of an ellipse with half-axes
    ``size`` in the object's xy plane, the 4 corners of its bounding rectangle, and the centre."""
    a, b = size
    ang = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    contour = np.stack([a * np.cos(ang), b * np.sin(ang), np.zeros(16)], -1)
    corners = np.array([[-a, -b, 0], [a, -b, 0], [a, b, 0], [-a, b, 0]], float)
    local = np.concatenate([contour, corners, np.zeros((1, 3))])  # (21, 3)
    R = Rotation.from_rotvec(rotvec).as_matrix()  # (F, 3, 3)
    return np.einsum("fij,pj->fpi", R, local) + center[:, None]


def _ballistic(t: np.ndarray, p0: np.ndarray, v0: np.ndarray, restitution: float, friction: float, radius: float) -> np.ndarray:
    """Point-mass flight under gravity with ground bounces (y = radius) and sliding friction; (F,3)."""
    dt = 1.0 / 240.0
    out = np.zeros((len(t), 3))
    p, v, now = p0.astype(float).copy(), v0.astype(float).copy(), 0.0
    for i, target in enumerate(t):
        while now < target - 1e-9:
            h = min(dt, target - now)
            v[1] -= GRAVITY * h
            p += v * h
            if p[1] < radius:
                p[1] = radius
                v[1] = -v[1] * restitution if abs(v[1]) > 0.3 else 0.0
                if v[1] == 0.0:  # resting contact: friction decelerates the sliding
                    sp = np.hypot(v[0], v[2])
                    if sp > 0:
                        k = max(0.0, sp - friction * GRAVITY * h) / sp
                        v[0] *= k
                        v[2] *= k
            now += h
        out[i] = p
    return out


def _object_kinematics(name: str, t: np.ndarray, v: Variation, rng: np.random.Generator, radius: float):
    s = v.amp * v.tempo
    dirn = np.array([np.sin(v.heading), 0.0, np.cos(v.heading)])
    spin_axis = Rotation.random(random_state=int(rng.integers(1 << 31))).apply([0, 0, 1.0])
    spin = 0.0
    if name == "throw":
        p = _ballistic(t, np.array([0, 1.0, 0]), dirn * 2.0 * s + np.array([0, 3.0 * s, 0]), 0.5, 0.6, radius)
        spin = 4.0 * s
    elif name == "bounce":
        p = _ballistic(t, np.array([0, 0.8 + 0.8 * s, 0]), dirn * 0.6 * s, 0.75, 0.3, radius)
        spin = 1.5 * s
    elif name == "slide":
        p = _ballistic(t, np.array([0, radius, 0]), dirn * 3.0 * s, 0.0, 0.35, radius)
        spin_axis = np.array([0, 1.0, 0])
        spin = 0.5 * s
    elif name == "fall":
        p = _ballistic(t, np.array([0, 1.0 + s, 0]), np.zeros(3), 0.3, 0.8, radius)
        spin = 2.0 * s
    elif name == "roll":
        p = _ballistic(t, np.array([0, radius, 0]), dirn * 2.0 * s, 0.0, 0.08, radius)
        spin_axis = np.cross([0, 1.0, 0], dirn)
        dist = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(p, axis=0), axis=1))])
        return p, spin_axis[None] * (dist / radius)[:, None]
    elif name == "hover":
        ph = 2 * np.pi * 0.5 * v.tempo * t + v.phase
        p = np.stack([0.3 * v.amp * np.sin(ph), 1.0 + 0.15 * v.amp * np.sin(2 * ph), 0.3 * v.amp * np.cos(ph)], -1)
        spin_axis = np.array([0, 1.0, 0])
        spin = 1.0 * s
    else:
        raise ValueError(f"unknown object motion {name!r}; choose from {sorted(OBJECT_MOTIONS)}")
    return p, spin_axis[None] * (spin * t)[:, None]


def object_path(name: str, num_frames: int, *, fps: float = 7.0, strength: float = 0.5, p0=(0.0, 1.0, 0.0),
                radius: float = 0.1, heading: float = 0.0) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Deterministic object motion from a given start: centres (F, 3) and orientations (F, 3) axis-angle.

    World frame, ground at y = 0, ``p0`` the object's centre at frame 0 (its height above the ground in
    y), ``heading`` the direction of travel (yaw; 0 = +z, towards the default camera). Gravity, ground
    bounces and sliding friction are those of the library's ballistic model; ``strength`` scales the
    launch speeds and the spin (amplitude · tempo of the module's strength mapping).
    """
    if name not in ("fall", "bounce", "roll", "slide", "throw"):
        raise ValueError(f"unknown object action {name!r}; choose from fall, bounce, roll, slide, throw")
    s = (0.35 + 0.9 * strength) * (0.6 + 0.8 * strength)
    t = np.arange(num_frames) / fps
    p0 = np.asarray(p0, float).copy()
    p0[1] = max(p0[1], radius)
    dirn = np.array([np.sin(heading), 0.0, np.cos(heading)])
    spin_axis = np.cross([0, 1.0, 0], dirn)
    v0 = {"fall": np.zeros(3), "bounce": dirn * 0.4 * s + np.array([0, 2.5 * s, 0]),
          "roll": dirn * 1.8 * s, "slide": dirn * 2.6 * s,
          "throw": dirn * 2.2 * s + np.array([0, 3.0 * s, 0])}[name]  # fmt: skip
    restitution, friction = {"fall": (0.3, 0.8), "bounce": (0.75, 0.3), "roll": (0.0, 0.08), "slide": (0.0, 0.35),
                             "throw": (0.5, 0.6)}[name]  # fmt: skip
    p = _ballistic(t, p0, v0, restitution, friction, radius)
    if name == "roll":
        dist = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(p[:, [0, 2]], axis=0), axis=1))])
        return p, spin_axis[None] * (dist / radius)[:, None]
    if name == "slide":
        return p, np.zeros_like(p)
    spin = {"fall": 1.5, "bounce": 1.5, "throw": 4.0}[name] * s
    return p, spin_axis[None] * (spin * t)[:, None]


OBJECT_MOTIONS: dict[str, str] = {
    "throw": "a ball is thrown and lands",
    "bounce": "a ball bounces on the ground",
    "slide": "a box slides across the floor",
    "fall": "an object falls to the ground",
    "roll": "a ball rolls away",
    "hover": "a balloon floats in the air",
}  # name → caption


def object_motion(
    name: str, num_frames: int, *, fps: float = 7.0, strength: float = 0.5, rng: np.random.Generator | None = None,
    size: tuple[float, float] | None = None, start: tuple[float, float, float] = (0.0, 0.0, 0.0), heading: float | None = None,
) -> tuple[dict[str, np.ndarray], str]:  # fmt: skip
    """21-point object params ``{"points": (F,21,3)}`` of motion ``name`` in the world frame, and caption."""
    if name not in OBJECT_MOTIONS:
        raise ValueError(f"unknown object motion {name!r}; choose from {sorted(OBJECT_MOTIONS)}")
    rng = rng or np.random.default_rng(0)
    v = strength_variation(strength, rng, heading if heading is not None else float(rng.uniform(-np.pi, np.pi)))
    size = size or (float(rng.uniform(0.08, 0.3)),) * 2
    t = np.arange(num_frames) / fps
    center, rot = _object_kinematics(name, t, v, rng, radius=max(size))
    pts = object_points(center + np.asarray(start), rot, size)
    return {"points": pts.astype(np.float32)}, OBJECT_MOTIONS[name]


# ------------------------------------------------------------------------------------------ camera, clips
def default_extrinsics(distance: float = 4.0, height: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(R (3,3), t (3,)) of an OpenCV camera at (0, height, distance) looking at −z (towards the origin)."""
    R = np.diag([1.0, -1.0, -1.0]).astype(np.float32)
    return R, np.array([0.0, height, distance], np.float32)


def to_camera(kind: str, params: dict[str, np.ndarray], R: np.ndarray, t: np.ndarray,
              pelvis: np.ndarray | None = None) -> dict[str, np.ndarray]:  # fmt: skip
    """Map world-frame params into a camera with ``x_cam = R x_world + t``.

    SMPL-X / SMAL rotate about the root joint, so the exact translation is
    ``transl' = R (transl + J0) + t − J0`` with ``pelvis`` = J0 the body model's rest root position
    (default 0, exact for the synthetic world where bodies are built with the root at the origin).
    """
    R = np.asarray(R, float)
    out = {k: np.asarray(v).copy() for k, v in params.items()}
    if kind == "object":
        out["points"] = (np.einsum("ij,fpj->fpi", R, params["points"]) + t).astype(np.float32)
        return out
    j0 = np.zeros(3) if pelvis is None else np.asarray(pelvis, float)
    rot = Rotation.from_matrix(R) * Rotation.from_rotvec(params["global_orient"])
    out["global_orient"] = rot.as_rotvec().astype(np.float32)
    out["transl"] = ((params["transl"] + j0) @ R.T + t - j0).astype(np.float32)
    return out


def random_track(kind: str, num_frames: int, rng: np.random.Generator, *, fps: float = 7.0,
                 strength: float = 0.5, start: tuple[float, float, float] = (0.0, 0.0, 0.0),
                 name: str | None = None, vocabulary: str = "base") -> tuple[str, dict[str, np.ndarray], str]:  # fmt: skip
    """A random motion of ``kind`` → (motion name, world-frame params, caption).

    ``vocabulary="extended"``: people draw from :data:`EXTRA_HUMAN_MOTIONS` with a random training
    paraphrase (:data:`revision.synthetic.captions.TRAIN_PARAPHRASES`) as caption; objects get paraphrases
    too. ``"base"`` (default) is the original library the synthetic world uses."""
    if vocabulary not in ("base", "extended"):
        raise ValueError(f"vocabulary must be 'base' or 'extended', got {vocabulary!r}")
    if vocabulary == "extended" and kind == "smplx":
        from revision.synthetic.captions import action_caption

        name = name or str(rng.choice(sorted(EXTRA_HUMAN_MOTIONS)))
        betas = rng.normal(0, 1, NUM_SMPLX_BETAS)
        params = action_motion(name, num_frames, fps=fps, strength=strength, rng=rng, betas=betas, start=start)
        return name, params, action_caption(name, rng)
    table = {"smplx": HUMAN_MOTIONS, "smal": ANIMAL_MOTIONS, "object": OBJECT_MOTIONS}[kind]
    name = name or str(rng.choice(sorted(table)))
    if kind == "object" and vocabulary == "extended":
        from revision.synthetic.captions import OBJECT_ACTIONS, action_caption

        params, cap = object_motion(name, num_frames, fps=fps, strength=strength, rng=rng, start=start)
        return name, params, action_caption(name, rng) if name in OBJECT_ACTIONS else cap
    if kind == "smplx":
        betas = rng.normal(0, 1, NUM_SMPLX_BETAS)
        params, cap = human_motion(name, num_frames, fps=fps, strength=strength, rng=rng, betas=betas, start=start)
    elif kind == "smal":
        betas = rng.normal(0, 0.5, NUM_SMAL_BETAS)
        params, cap = animal_motion(name, num_frames, fps=fps, strength=strength, rng=rng, betas=betas, start=start)
    else:
        params, cap = object_motion(name, num_frames, fps=fps, strength=strength, rng=rng, start=start)
    return name, params, cap


def random_motion_sequence(
    num_frames: int, rng: np.random.Generator, *, num_tracks: int = 1, fps: float = 7.0,
    strength: float | None = None, kinds: tuple[str, ...] = ("smplx", "smal", "object"),
    kind_weights: tuple[float, ...] | None = None, image_size: int = 64, vocabulary: str = "base",
) -> tuple[MotionSequence, str]:  # fmt: skip
    """A clip of ``num_tracks`` random motions in camera space (default extrinsics) + its caption.

    Tracks stand side by side 1.2 m apart; the caption joins the tracks' captions with "; ".
    """
    s = float(rng.uniform(0, 1)) if strength is None else strength
    R, t = default_extrinsics()
    p = None if kind_weights is None else np.asarray(kind_weights, float) / np.sum(kind_weights)
    tracks, captions = [], []
    for i in range(num_tracks):
        kind = str(rng.choice(kinds, p=p))
        x = (i - (num_tracks - 1) / 2) * 1.2
        name, params, cap = random_track(kind, num_frames, rng, fps=fps, strength=s, start=(x, 0.0, 0.0),
                                         vocabulary=vocabulary)
        params = to_camera(kind, params, R, t)
        tracks.append(Track(i, kind, params, np.ones(num_frames, np.float32), label=name))
        captions.append(cap)
    cam = Camera.from_image_size(image_size, image_size)
    return MotionSequence(tracks, cam, num_frames, fps, s), "; ".join(captions)
