"""The physical step after a motion proposal (paper: PPPM's "physical prior"), on SMPL-X tracks.

:func:`apply_physics` corrects only the root translation of a camera-space SMPL-X track, so the pose the
proposal (or PPPM) made is kept and frame 0 is untouched:

1. **ground contact** — the ground is the height of the lowest foot point at frame 0 (the photo's
   pose). On every frame the lowest foot point is put on the ground (no penetration, no floating), plus
   the flight height the action asks for (``airborne``, metres; a jump's ballistic arc), so jumps take
   off from and land on the ground;
2. **foot lock** — while a foot stays planted (within ``contact_tol`` of the ground in two consecutive
   frames, not airborne) the root is shifted horizontally so that foot does not slide; the body then
   travels by its legs (at a few frames per step the library's sinusoidal hip swing makes that travel
   uneven; ``lock_smooth`` > 0 smooths the correction, at the cost of some sliding). Of two such feet the
   planted one is, for a motion that travels (``planted="behind"``), the one that moves least towards
   where the pelvis goes over the clip — in a gait the stance foot (the swing foot moves ahead), and while
   a proposal's legs blend from the photo's stride into the action's both feet move, in opposite ways: the
   one going back is the one pushing the body on. Planting the one that merely moved less (``"still"``,
   the rule until 2026-12-02) planted the front foot of vtest's walkers caught mid-stride and swung them
   0.36 m backwards before they walked off; for a motion that does not travel, the one that moves less;
3. **stay in frame** — unless ``allow_leave_frame``, the pelvis is kept ``frame_margin`` inside the
   image horizontally (shifting the root along camera x).

:func:`even_pace` (applied by the proposal to walks) re-times a walk so its foot-locked travel is even:
by the smoothed travel (``pace="smooth"``, :func:`even_pace_times`), or (``pace="steps"``,
:func:`step_pace_times`) with each foot switch on a frame and the frames of a step spaced at equal travel,
so no frame interval straddles a switch (where the lock can follow only one foot and the body stalls).

Frames: tracks are camera-space (OpenCV: x right, y down, z forward). The ground is horizontal in a
*ground frame* ``frame`` (3×3, ``x_cam = frame @ x_ground``, ground y up): by default the upright camera's
world (:data:`R_WC`: world "up" is camera −y); :func:`ground_frame` gives the fitted body's own one (its
pelvis "up", for a photo taken with a pitched camera or of a leaning person), in which a proposed gait's
stride runs along its travel, so the foot lock keeps the travel instead of cancelling it. Joints come from the joints-only SMPL-X
stand-in (:mod:`revision.lifting.rest_skeleton`), whose feet rest at y = 0 — exact up to the body model's
rest-pose differences, which cancel since only changes relative to frame 0 are used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import torch

from revision.types import Camera

R_WC = np.diag([1.0, -1.0, -1.0])  # x_cam = R_WC x_world and back (upright camera, world y up)
FOOT_POINTS = ((7, 10), (8, 11))  # SMPL-X (ankle, foot) joints of the left and right foot
PELVIS = 0


@lru_cache(maxsize=1)
def _skeleton():
    from revision.lifting.rest_skeleton import skeleton_only_model
    from revision.lifting.skeleton import SMPLXSkeleton

    return SMPLXSkeleton(skeleton_only_model()).eval()


@torch.no_grad()
def body_points(params: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """SMPL-X params (F,3)/(F,63)/(10,)/(F,3) → joints (F, 22, 3) and MediaPipe markers (F, 33, 3), same frame."""
    t = {
        k: torch.as_tensor(np.asarray(params[k], np.float32))
        for k in ("global_orient", "body_pose", "transl")
    }
    betas = torch.as_tensor(np.asarray(params.get("betas", np.zeros(10)), np.float32)).reshape(-1)[:10]
    betas = torch.nn.functional.pad(betas, (0, 10 - betas.shape[0]))
    j, m = _skeleton()(t["global_orient"], t["body_pose"].reshape(-1, 63), betas, t["transl"])
    return j.numpy().astype(np.float64), m.numpy().astype(np.float64)


def rest_pelvis(betas: np.ndarray | None = None) -> np.ndarray:
    """(3,) rest-pose pelvis joint of the stand-in skeleton (the ``pelvis`` of ``motions.to_camera``)."""
    b = (
        torch.zeros(1, 10)
        if betas is None
        else torch.as_tensor(np.asarray(betas, np.float32)).reshape(1, -1)[:, :10]
    )
    b = torch.nn.functional.pad(b, (0, 10 - b.shape[1]))
    with torch.no_grad():
        return _skeleton().rest_joints(b)[0, 0].numpy().astype(np.float64)


def ground_frame(global_orient: np.ndarray, max_tilt: float = np.radians(40.0)) -> np.ndarray:
    """(3,) camera-space SMPL-X global orientation → (3, 3) ground frame (``x_cam = G @ x_ground``, y up).

    Ground "up" is the body's up axis (its pelvis y), tilted from the upright camera's up (camera −y) by at
    most ``max_tilt`` (a body lying down or a wrong fit does not tip the ground over); the frame is the
    upright-camera world :data:`R_WC` rotated by the smallest rotation that takes camera −y to that up, so
    an upright body gets exactly :data:`R_WC`."""
    from scipy.spatial.transform import Rotation

    up_c = np.array([0.0, -1.0, 0.0])
    up = Rotation.from_rotvec(np.asarray(global_orient, float).reshape(3)).apply([0.0, 1.0, 0.0])
    ang = float(np.arccos(np.clip(up @ up_c, -1.0, 1.0)))
    axis = np.cross(up_c, up)
    if ang < 1e-6 or np.linalg.norm(axis) < 1e-9:
        return R_WC.copy()
    rot = Rotation.from_rotvec(axis / np.linalg.norm(axis) * min(ang, max_tilt))
    return rot.as_matrix() @ R_WC


def foot_heights(joints_world: np.ndarray) -> np.ndarray:
    """(F, 22, 3) world joints (y up) → (F, 2) lowest point of each foot (ankle or foot joint)."""
    return np.stack([joints_world[:, list(p), 1].min(1) for p in FOOT_POINTS], -1)


def foot_positions(joints_world: np.ndarray) -> np.ndarray:
    """(F, 22, 3) → (F, 2, 3): each foot's lowest point (its ankle or foot joint, whichever is lower)."""
    out = []
    for a, b in FOOT_POINTS:
        lower = np.where(
            (joints_world[:, a, 1] < joints_world[:, b, 1])[:, None], joints_world[:, a], joints_world[:, b]
        )
        out.append(lower)
    return np.stack(out, 1)


@dataclass
class PhysicsConfig:
    contact_tol: float = 0.03  # m: a foot this close to the ground (and not airborne) is planted
    lock_feet: bool = True  # foot lock by root correction
    lock_smooth: float = 0.0  # Gaussian σ (frames) to smooth the foot lock's root correction (0: exact lock)
    # which of two feet on the ground is planted: "behind" — the one that moves least towards where the motion
    # travels (below min_travel metres of travel: the one that moves least), "still" — the one that moves
    # least (the rule until 2026-12-02)
    planted: str = "behind"
    min_travel: float = 0.2  # m of horizontal pelvis travel, start to end, for a motion to have a direction
    ground_contact: bool = True  # lowest foot on the ground every frame (+ the action's flight height)
    # how even_pace re-times a walk: "steps" — each foot switch of the foot lock on a frame, even travel within
    # each step (no stall at the switches); "smooth" — the Gaussian-smoothed travel, iterated (the rule until
    # 2026-12-02: the locked body stopped for a frame at each switch; motion_text_bench skate 1.50 vs 1.64
    # cm/frame with "steps", whose walk is 6-27 % faster: skate per pelvis speed is the same)
    pace: str = "steps"
    keep_in_frame: bool = True  # pelvis kept inside the image horizontally (unless allow_leave_frame)
    frame_margin: float = 0.08  # fraction of the image width kept free at each side


@dataclass
class PhysicsReport:
    ground_y: float  # height of the ground in the ground frame (camera −y for the default frame), metres
    max_penetration_before: float  # metres below the ground before the step (max over frames)
    max_shift: float  # largest root correction (metres)
    notes: list[str] = field(default_factory=list)
    # (F,) the foot the lock kept planted from frame t−1 to t (0 left, 1 right, −1 none; frame 0: −1)
    planted: np.ndarray | None = None


def _foot_lock(jw: np.ndarray, lift: np.ndarray, g: float, air: np.ndarray, tol: float,
               ahead: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The foot lock's horizontal root correction: ground-frame joints (T, 22, 3), the vertical correction
    ``lift`` (T,), ground height ``g``, flight heights ``air`` (T,), contact tolerance ``tol``, the unit
    direction the motion travels (ground x, z) or None → ((T, 2) ground-frame (x, z) shifts (module doc),
    (T,) the foot planted from t−1 to t: 0, 1, or −1 for none)."""
    feet = foot_positions(jw)  # (T, 2, 3) before the horizontal correction
    h = foot_heights(jw) + lift[:, None]
    # the planted foot: of the feet on the ground (within tol of the lowest foot, which is on the ground),
    # the one that moves least horizontally from the previous step (the swing foot of a straight-legged
    # pendulum also passes close to the ground, but it moves twice as fast as the body); for a motion that
    # travels, the one that moves least towards where it goes
    near = (h - h.min(1, keepdims=True) < tol) & ((h - g) < tol) & (air <= 1e-6)[:, None]
    shift = np.zeros((len(jw), 2))
    planted = np.full(len(jw), -1)
    for t in range(1, len(jw)):
        shift[t] = shift[t - 1]
        both = near[t] & near[t - 1]
        if both.any():
            step = feet[t, :, [0, 2]] - feet[t - 1, :, [0, 2]]  # (2 coords, 2 feet)
            score = np.linalg.norm(step, axis=0) if ahead is None else ahead @ step  # (2,)
            f = planted[t] = int(np.argmin(np.where(both, score, np.inf)))
            shift[t] += feet[t - 1, f, [0, 2]] - feet[t, f, [0, 2]]
    return shift, planted


def apply_physics(params: dict[str, np.ndarray], camera: Camera | None = None, *, airborne: np.ndarray | None = None,
                  allow_leave_frame: bool = False, ground_y: float | None = None,
                  config: PhysicsConfig | None = None,
                  frame: np.ndarray | None = None) -> tuple[dict[str, np.ndarray], PhysicsReport]:  # fmt: skip
    """Camera-space SMPL-X params (F frames) → the same with a corrected ``transl`` (see module doc).

    ``airborne`` (F,) metres the lowest foot should be above the ground (0 = in contact; default all 0);
    ``ground_y`` overrides the ground height (ground-frame y; camera −y for the default frame);
    ``frame`` (3, 3) the ground frame (``x_cam = frame @ x_ground``; default :data:`R_WC`, the upright
    camera; :func:`ground_frame` gives the fitted body's own).
    """
    G = R_WC if frame is None else np.asarray(frame, float)
    cfg = config or PhysicsConfig()
    out = {k: np.asarray(v).copy() for k, v in params.items()}
    n = len(out["transl"])
    planted = None
    air = np.zeros(n) if airborne is None else np.asarray(airborne, float)
    joints, _ = body_points(out)
    jw = joints @ G  # camera → ground frame (row vectors: x_cam @ G = (G^T x_cam)^T)
    heights = foot_heights(jw)
    g = float(heights[0].min()) if ground_y is None else float(ground_y)
    pen = float(max(0.0, (g - heights.min(1)).max()))
    shift = np.zeros((n, 3))  # world-frame root correction
    if cfg.ground_contact:
        shift[:, 1] = g + air - heights.min(1)
        shift[0, 1] = 0.0 if ground_y is None else shift[0, 1]
    else:
        shift[:, 1] = np.maximum(0.0, g - heights.min(1))
    if cfg.lock_feet and n > 1:
        travel = jw[-1, PELVIS, [0, 2]] - jw[0, PELVIS, [0, 2]]  # the motion's own way, start to end
        dist = float(np.linalg.norm(travel))
        ahead = travel / dist if cfg.planted == "behind" and dist > cfg.min_travel else None
        shift[:, [0, 2]], planted = _foot_lock(jw, shift[:, 1], g, air, cfg.contact_tol, ahead)
        if cfg.lock_smooth > 0 and n > 2:  # uneven leg-driven travel: trade some sliding for a smooth root
            from scipy.ndimage import gaussian_filter1d

            for c in (0, 2):
                sm = gaussian_filter1d(shift[:, c], cfg.lock_smooth, mode="nearest")
                shift[:, c] = sm - sm[0]
    out["transl"] = (out["transl"] + shift @ G.T).astype(np.float32)
    notes = []
    if cfg.keep_in_frame and not allow_leave_frame and camera is not None:
        pelvis = body_points(out)[0][:, PELVIS]
        z = np.maximum(pelvis[:, 2], 1e-3)
        lo = (cfg.frame_margin * camera.width - camera.cx) * z / camera.fx
        hi = ((1 - cfg.frame_margin) * camera.width - camera.cx) * z / camera.fx
        x0 = pelvis[0, 0]
        # never move frame 0 (the photo) even if it is outside
        lo, hi = np.minimum(lo, x0), np.maximum(hi, x0)
        dx = np.clip(pelvis[:, 0], lo, hi) - pelvis[:, 0]
        if np.abs(dx).max() > 1e-6:
            out["transl"][:, 0] += dx.astype(np.float32)
            notes.append(f"kept in frame: root shifted by up to {np.abs(dx).max():.2f} m along camera x")
    total = np.linalg.norm(out["transl"] - np.asarray(params["transl"]), axis=-1)
    return out, PhysicsReport(g, pen, float(total.max()), notes, planted)


def even_pace_times(locked: dict[str, np.ndarray], frame: np.ndarray | None = None, *, sigma: float = 1.5,
                    max_shift: float = 1.0) -> np.ndarray:  # fmt: skip
    """(F,) times τ at which to resample a gait so that its foot-locked travel is even.

    The foot lock (:func:`apply_physics`) makes a gait travel by its planted foot; the library's sinusoidal
    hip swing moves that foot back unevenly, so at a few frames per step the body goes stop-and-go (on the
    street photo's walkers the pelvis' median acceleration was 0.31–0.47 shoulder widths/frame², 0.06–0.11
    without the lock). Smoothing the lock's correction instead lets the planted foot slide. ``locked`` is the
    gait after the foot lock; τ(t) is where its pelvis' horizontal path length (in the ground ``frame``)
    reaches its Gaussian-smoothed value (σ = ``sigma`` frames), kept within ``max_shift`` frames of t and
    non-decreasing, τ(0) = 0. Resampling the proposal at τ (:func:`resample`) and locking its feet again gives
    an even pace with the planted foot planted (its poses are the gait's own, at other instants)."""
    from scipy.ndimage import gaussian_filter1d

    G = R_WC if frame is None else np.asarray(frame, float)
    n = len(locked["transl"])
    t = np.arange(n, dtype=float)
    if n < 3:
        return t
    pel = (body_points(locked)[0][:, PELVIS] @ G)[:, [0, 2]]
    s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(pel, axis=0), axis=1))])
    if s[-1] < 1e-3:
        return t
    target = np.maximum.accumulate(np.clip(gaussian_filter1d(s, sigma, mode="nearest"), 0.0, s[-1]))
    tau = np.interp(target, s + 1e-9 * t, t)
    tau = np.maximum.accumulate(np.clip(tau, t - max_shift, t + max_shift))
    tau = np.clip(tau, 0.0, n - 1.0)
    tau[0] = 0.0
    return tau


def resample(params: dict[str, np.ndarray], tau: np.ndarray) -> dict[str, np.ndarray]:
    """SMPL-X params (F frames) at fractional frame times ``tau`` (T,) (any T): rotations slerped per joint,
    translations linear; other entries (betas, girth) kept."""
    from scipy.spatial.transform import Rotation, Slerp

    n = len(params["transl"])
    t = np.arange(n, dtype=float)
    tau = np.asarray(tau, float)
    out = {k: np.asarray(v).copy() for k, v in params.items()}
    for key, width in (("global_orient", 1), ("body_pose", 21)):
        rv = np.asarray(params[key], np.float64).reshape(n, width, 3)
        res = np.empty((len(tau), width, 3))
        for j in range(width):
            res[:, j] = Slerp(t, Rotation.from_rotvec(rv[:, j]))(tau).as_rotvec()
        out[key] = res.reshape((len(tau), *np.shape(params[key])[1:])).astype(np.float32)
    tr = np.asarray(params["transl"], np.float64)
    out["transl"] = np.stack([np.interp(tau, t, tr[:, c]) for c in range(3)], 1).astype(np.float32)
    return out


def step_pace_times(params: dict[str, np.ndarray], airborne: np.ndarray, camera: Camera | None,
                    config: PhysicsConfig | None = None, frame: np.ndarray | None = None,
                    substeps: int = 16) -> np.ndarray:  # fmt: skip
    """(F,) times τ at which to resample a gait proposal so that each foot switch falls on a frame and the
    foot-locked travel is even within each step (``PhysicsConfig.pace = "steps"``).

    The library's gait swings the hips sinusoidally, so the planted foot moves back fastest mid-stance and
    not at all at the switch, where both feet are at their extremes: the locked body stops at every step.
    Between two frames that straddle a switch the lock can follow only one foot, whose to-and-fro there
    nets ~0 whatever the re-timing (the stall :func:`even_pace_times` leaves: on vtest's walkers pelvis
    steps of −5, −0.1, −4.3 px/frame at each switch). Here the lock runs on a ``substeps``× finer clock
    (the proposal slerped between its frames), which gives the travel along the way the motion goes,
    s(τ), and the instants the planted foot changes; each switch is moved to the nearest frame (steps keep
    their length to within half a frame: the cadence changes by a few per cent) and the frames between two
    switches are placed at equal steps of s. So every frame interval has one planted foot and the travel
    per frame is the step's length over its frames. Before the first switch (the legs leaving the photo's
    stance) the same; after the last one the previous step's pace, as far as the gait goes. A step along
    which s does not grow (a body that turns on the spot or is pushed back by the lock) keeps its times
    linear."""
    G = R_WC if frame is None else np.asarray(frame, float)
    n = len(params["transl"])
    t = np.arange(n, dtype=float)
    if n < 3:
        return t
    T = np.linspace(0.0, n - 1.0, (n - 1) * substeps + 1)
    air = np.interp(T, t, np.asarray(airborne, float))
    locked, rep = apply_physics(resample(params, T), camera, airborne=air, allow_leave_frame=True, config=config,
                                frame=frame)  # fmt: skip
    pel = (body_points(locked)[0][:, PELVIS] @ G)[:, [0, 2]]
    way = pel[-1] - pel[0]
    if np.linalg.norm(way) < 1e-3 or rep.planted is None:
        return t
    s = np.maximum.accumulate((pel - pel[0]) @ (way / np.linalg.norm(way)))  # progress, never back
    w = rep.planted
    fk, tk = [0], [0.0]  # the frame of each step's start and its gait time
    for i in np.nonzero((w[1:] >= 0) & (w[:-1] >= 0) & (w[1:] != w[:-1]))[0]:
        f = int(round(T[i]))  # the switch: the foot planted on the fine step ending at T[i] changes after it
        if fk[-1] < f < n - 1:
            fk.append(f)
            tk.append(float(T[i]))
    sk = np.interp(tk, T, s)
    tau = np.zeros(n)
    for k, f0 in enumerate(fk):
        last = k + 1 == len(fk)
        f1, t1 = (n - 1, n - 1.0) if last else (fk[k + 1], tk[k + 1])
        j = np.arange(f1 - f0 + 1, dtype=float)
        if not last:
            target = sk[k] + j / (f1 - f0) * (sk[k + 1] - sk[k])
        else:  # the previous step's pace, as far as the gait goes
            v = (sk[k] - sk[k - 1]) / (fk[k] - fk[k - 1]) if k else (s[-1] - sk[k]) / max(f1 - f0, 1)
            target = np.minimum(sk[k] + j * v, s[-1])
        if np.interp(t1, T, s) - sk[k] < 1e-4:  # no travel along this step: its times stay linear
            tau[f0 : f1 + 1] = tk[k] + j / max(f1 - f0, 1) * (t1 - tk[k])
        else:
            tau[f0 : f1 + 1] = np.interp(target, s + 1e-9 * T, T)
            tau[f0] = tk[k]
    tau = np.clip(np.maximum.accumulate(tau), 0.0, n - 1.0)
    tau[0] = 0.0
    return tau


def even_pace(params: dict[str, np.ndarray], airborne: np.ndarray, camera: Camera | None,
              config: PhysicsConfig | None = None, frame: np.ndarray | None = None,
              iterations: int = 3) -> tuple[dict[str, np.ndarray], np.ndarray, float]:  # fmt: skip
    """A gait proposal re-timed so that its foot-locked travel is even, then the proposal (not the locked
    copy: the caller's physics step locks it) :func:`resample`-d at the new times. ``config.pace``:
    "steps" — :func:`step_pace_times` (foot switches on frames); "smooth" — ``iterations`` passes of foot
    lock (:func:`apply_physics`) → :func:`even_pace_times` on the re-timed gait, the times composed.
    → (params, airborne at the new times, largest |τ − t| in frames)."""
    t = np.arange(len(params["transl"]), dtype=float)
    air = np.asarray(airborne, float)
    pace = (config or PhysicsConfig()).pace
    if pace not in ("steps", "smooth"):
        raise ValueError(f"PhysicsConfig.pace must be 'steps' or 'smooth', got {pace!r}")
    if pace == "steps":
        tau = step_pace_times(params, air, camera, config, frame)
        return resample(params, tau), np.interp(tau, t, air), float(np.abs(tau - t).max())
    tau = t.copy()
    for _ in range(iterations):  # each pass evens what the lock makes of the last
        locked, _ = apply_physics(resample(params, tau), camera, airborne=np.interp(tau, t, air),
                                  allow_leave_frame=True, config=config, frame=frame)  # fmt: skip
        tau = np.interp(even_pace_times(locked, frame), t, tau)
    return resample(params, tau), np.interp(tau, t, air), float(np.abs(tau - t).max())
