"""The physical step after a motion proposal (paper: PPPM's "physical prior"), on SMPL-X tracks.

:func:`apply_physics` corrects only the root translation of a camera-space SMPL-X track, so the pose the
proposal (or PPPM) made is kept and frame 0 is untouched:

1. **ground contact** — the ground is the height of the lowest foot point at frame 0 (the photo's
   pose). On every frame the lowest foot point is put on the ground (no penetration, no floating), plus
   the flight height the action asks for (``airborne``, metres; a jump's ballistic arc), so jumps take
   off from and land on the ground;
2. **foot lock** — while the same foot stays planted (the lower foot, within ``contact_tol`` of the
   ground, not airborne) the root is shifted horizontally so that foot does not slide; the body then
   travels by its legs;
3. **stay in frame** — unless ``allow_leave_frame``, the pelvis is kept ``frame_margin`` inside the
   image horizontally (shifting the root along camera x).

Frames: tracks are camera-space (OpenCV: x right, y down, z forward); the camera is assumed upright, so
world "up" is camera −y (:data:`R_WC` maps one to the other). Joints come from the joints-only SMPL-X
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
    t = {k: torch.as_tensor(np.asarray(params[k], np.float32)) for k in ("global_orient", "body_pose", "transl")}
    betas = torch.as_tensor(np.asarray(params.get("betas", np.zeros(10)), np.float32)).reshape(-1)[:10]
    betas = torch.nn.functional.pad(betas, (0, 10 - betas.shape[0]))
    j, m = _skeleton()(t["global_orient"], t["body_pose"].reshape(-1, 63), betas, t["transl"])
    return j.numpy().astype(np.float64), m.numpy().astype(np.float64)


def rest_pelvis(betas: np.ndarray | None = None) -> np.ndarray:
    """(3,) rest-pose pelvis joint of the stand-in skeleton (the ``pelvis`` of ``motions.to_camera``)."""
    b = torch.zeros(1, 10) if betas is None else torch.as_tensor(np.asarray(betas, np.float32)).reshape(1, -1)[:, :10]
    b = torch.nn.functional.pad(b, (0, 10 - b.shape[1]))
    with torch.no_grad():
        return _skeleton().rest_joints(b)[0, 0].numpy().astype(np.float64)


def foot_heights(joints_world: np.ndarray) -> np.ndarray:
    """(F, 22, 3) world joints (y up) → (F, 2) lowest point of each foot (ankle or foot joint)."""
    return np.stack([joints_world[:, list(p), 1].min(1) for p in FOOT_POINTS], -1)


def foot_positions(joints_world: np.ndarray) -> np.ndarray:
    """(F, 22, 3) → (F, 2, 3): each foot's lowest point (its ankle or foot joint, whichever is lower)."""
    out = []
    for a, b in FOOT_POINTS:
        lower = np.where((joints_world[:, a, 1] < joints_world[:, b, 1])[:, None], joints_world[:, a], joints_world[:, b])
        out.append(lower)
    return np.stack(out, 1)


@dataclass
class PhysicsConfig:
    contact_tol: float = 0.03  # m: a foot this close to the ground (and not airborne) is planted
    lock_feet: bool = True  # foot lock by root correction
    ground_contact: bool = True  # lowest foot on the ground every frame (+ the action's flight height)
    keep_in_frame: bool = True  # pelvis kept inside the image horizontally (unless allow_leave_frame)
    frame_margin: float = 0.08  # fraction of the image width kept free at each side


@dataclass
class PhysicsReport:
    ground_y: float  # world height of the ground (camera −y), metres
    max_penetration_before: float  # metres below the ground before the step (max over frames)
    max_shift: float  # largest root correction (metres)
    notes: list[str] = field(default_factory=list)


def apply_physics(params: dict[str, np.ndarray], camera: Camera | None = None, *, airborne: np.ndarray | None = None,
                  allow_leave_frame: bool = False, ground_y: float | None = None,
                  config: PhysicsConfig | None = None) -> tuple[dict[str, np.ndarray], PhysicsReport]:  # fmt: skip
    """Camera-space SMPL-X params (F frames) → the same with a corrected ``transl`` (see module doc).

    ``airborne`` (F,) metres the lowest foot should be above the ground (0 = in contact; default all 0);
    ``ground_y`` overrides the ground height (world y, i.e. camera −y).
    """
    cfg = config or PhysicsConfig()
    out = {k: np.asarray(v).copy() for k, v in params.items()}
    n = len(out["transl"])
    air = np.zeros(n) if airborne is None else np.asarray(airborne, float)
    joints, _ = body_points(out)
    jw = joints @ R_WC  # R_WC is symmetric and its own inverse
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
        feet = foot_positions(jw)  # (F, 2, 3) before the horizontal correction
        h = heights + shift[:, 1:2]
        # the planted foot is the lower one when it is on the ground (the swing foot of a straight-legged
        # pendulum also passes close to the ground, so "within tolerance" alone would lock it)
        lowest = np.argmin(h, 1)
        planted = (h.min(1) - g < cfg.contact_tol) & (air <= 1e-6)
        for t in range(1, n):
            shift[t, [0, 2]] = shift[t - 1, [0, 2]]
            if planted[t] and planted[t - 1] and lowest[t] == lowest[t - 1]:
                f = lowest[t]
                shift[t, [0, 2]] += feet[t - 1, f, [0, 2]] - feet[t, f, [0, 2]]
    out["transl"] = (out["transl"] + shift @ R_WC).astype(np.float32)
    notes = []
    if cfg.keep_in_frame and not allow_leave_frame and camera is not None:
        pelvis = body_points(out)[0][:, PELVIS]
        z = np.maximum(pelvis[:, 2], 1e-3)
        lo = (cfg.frame_margin * camera.width - camera.cx) * z / camera.fx
        hi = ((1 - cfg.frame_margin) * camera.width - camera.cx) * z / camera.fx
        x0 = pelvis[0, 0]
        lo, hi = np.minimum(lo, x0), np.maximum(hi, x0)  # never move frame 0 (the photo) even if it is outside
        dx = np.clip(pelvis[:, 0], lo, hi) - pelvis[:, 0]
        if np.abs(dx).max() > 1e-6:
            out["transl"][:, 0] += dx.astype(np.float32)
            notes.append(f"kept in frame: root shifted by up to {np.abs(dx).max():.2f} m along camera x")
    total = np.linalg.norm(out["transl"] - np.asarray(params["transl"]), axis=-1)
    return out, PhysicsReport(g, pen, float(total.max()), notes)
