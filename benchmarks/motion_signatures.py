"""Kinematic signatures of the action vocabulary: did a motion do what the prompt asked?

Written independently of the generator (:mod:`revision.synthetic.motions`) and of the proposal
(:mod:`revision.pppm.propose`): every check reads only joint / marker / object-point positions over time
and states the action the way a person would check it on a video ("both wrists above the head at the
end", "the pelvis ends ≥ 1 shoulder width to the left", "the centre rises and falls"). Inputs are
camera-space (OpenCV, y down); they are turned into an upright frame (y up, z towards the camera) first.

``check(action, joints, markers, fps)`` for people: joints (F, 22, 3) SMPL-X body joints, markers
(F, 33, 3) MediaPipe-style landmarks (nose = 0); ``check_object(action, points, fps)`` for objects:
(F, 21, 3) points (16 contour, 4 corners, centre). Both return (passed, reason).
"""

from __future__ import annotations

import numpy as np

UP = np.diag([1.0, -1.0, -1.0])  # camera (y down, z forward) → upright (y up, z towards the camera)
PELVIS, L_HIP, R_HIP, NECK, HEAD = 0, 1, 2, 12, 15
L_SH, R_SH, L_EL, R_EL, L_WR, R_WR = 16, 17, 18, 19, 20, 21
L_ANK, R_ANK, L_FOOT, R_FOOT = 7, 8, 10, 11
NOSE = 0


def _reversals(x: np.ndarray, amp: float) -> int:
    """Number of direction reversals of a 1-D signal whose swings are at least ``amp`` (hysteresis)."""
    count, direction, lo, hi, ext = 0, 0, x[0], x[0], x[0]
    for v in x[1:]:
        if direction == 0:
            lo, hi = min(lo, v), max(hi, v)
            if v - lo >= amp:
                direction, ext = 1, v
            elif hi - v >= amp:
                direction, ext = -1, v
        elif direction == 1:
            if v > ext:
                ext = v
            elif ext - v >= amp:
                count, direction, ext = count + 1, -1, v
        else:
            if v < ext:
                ext = v
            elif v - ext >= amp:
                count, direction, ext = count + 1, 1, v
    return count


def _facing(j: np.ndarray) -> np.ndarray:
    """(F, 22, 3) upright joints → (F, 3) horizontal unit facing direction (from the hips)."""
    left = j[:, L_HIP] - j[:, R_HIP]
    f = np.cross(left, [0.0, 1.0, 0.0])
    f[:, 1] = 0
    return f / np.maximum(np.linalg.norm(f, axis=-1, keepdims=True), 1e-9)


def _yaw(v: np.ndarray) -> np.ndarray:
    return np.arctan2(v[..., 0], v[..., 2])


def _wrap(a):
    return (a + np.pi) % (2 * np.pi) - np.pi


def foot_metrics(joints_cam: np.ndarray, fps: float, contact: float = 0.02) -> tuple[float, float]:
    """(F, 22, 3) camera joints → (skate cm/frame, max penetration cm).

    Ground = the lowest foot point (ankle or foot joint) at frame 0. Skate: mean horizontal displacement
    of each foot between consecutive frames in which that foot's lowest point is within ``contact`` of the
    ground (planted in both). Penetration: the deepest foot point below the ground over the clip.
    """
    j = joints_cam @ UP
    foot = np.stack([np.minimum(j[:, L_ANK, 1], j[:, L_FOOT, 1]), np.minimum(j[:, R_ANK, 1], j[:, R_FOOT, 1])], 1)
    g = foot[0].min()
    pos = np.stack([j[:, L_FOOT], j[:, R_FOOT]], 1)  # (F, 2, 3)
    planted = foot - g < contact
    both = planted[1:] & planted[:-1]
    step = np.linalg.norm(np.diff(pos[..., [0, 2]], axis=0), axis=-1)
    skate = float(step[both].mean()) * 100 if both.any() else 0.0
    pen = float(max(0.0, (g - foot).max())) * 100
    return skate, pen


def limb_travel(joints_cam: np.ndarray, markers_cam: np.ndarray | None = None) -> float:
    """Summed 3D path length (m) of both wrists and both ankles (+ the nose, when markers are given)."""
    pts = joints_cam[:, [L_WR, R_WR, L_ANK, R_ANK]]
    if markers_cam is not None:
        pts = np.concatenate([pts, markers_cam[:, [NOSE]]], 1)
    return float(np.linalg.norm(np.diff(pts, axis=0), axis=-1).sum())


def check(action: str, joints: np.ndarray, markers: np.ndarray, fps: float) -> tuple[bool, str]:
    """Does the person motion show ``action``? (see module doc)."""
    j, mk = joints @ UP, markers @ UP
    n = len(j)
    sw = float(np.linalg.norm(j[0, L_SH] - j[0, R_SH]))
    face0 = _facing(j[:1])[0]
    pel = j[:, PELVIS]
    side = {"left": (L_WR, L_SH, L_EL), "right": (R_WR, R_SH, R_EL)}
    base, _, sfx = action.rpartition("_")
    if not base or sfx not in ("left", "right", "both", "towards", "away"):
        base, sfx = action, ""

    def above_head(w, t=-1):
        return j[t, w, 1] > j[t, HEAD, 1] and j[t, w, 1] > mk[t, NOSE, 1]

    if base == "raise":
        if sfx == "both":
            ok = above_head(L_WR) and above_head(R_WR)
            return ok, f"wrists above the head at the end: {above_head(L_WR)}, {above_head(R_WR)}"
        w, other = (L_WR, R_WR) if sfx == "left" else (R_WR, L_WR)
        osh = R_SH if sfx == "left" else L_SH
        ok = above_head(w) and j[-1, other, 1] < j[-1, osh, 1]
        return ok, f"{sfx} wrist above the head, other wrist below its shoulder: {ok}"
    if base == "wave":
        sides = ("left", "right") if sfx == "both" else (sfx or "right",)
        msgs, ok = [], True
        for s in sides:
            w, sh, el = side[s]
            high = j[:, w, 1] > j[:, sh, 1]
            rel = (j[:, w] - j[:, el]) @ np.cross([0.0, 1.0, 0.0], face0)  # sideways sway of the forearm
            rev = _reversals(rel[high], 0.02) if high.sum() >= 3 else 0
            this = high.mean() >= 0.3 and rev >= 2
            ok &= bool(this)
            msgs.append(f"{s}: hand up {high.mean():.0%} of frames, {rev} swings")
        return ok, "; ".join(msgs)
    if base == "clap":
        d = np.linalg.norm(j[:, L_WR] - j[:, R_WR], axis=-1)
        front = ((j[:, [L_WR, R_WR]] - pel[:, None]) @ face0).min(1)
        rev = _reversals(d, 0.05)
        ok = d.min() < 0.2 and rev >= 3 and front[d.argmin()] > 0.15
        return ok, f"wrist gap min {d.min():.2f} m, {rev} open/close reversals, hands {front[d.argmin()]:.2f} m in front"
    if base == "point":
        w, sh, _ = side[sfx or "right"]
        fwd = (j[-1, w] - j[-1, sh]) @ face0
        dy = j[-1, w, 1] - j[-1, sh, 1]
        ok = fwd > 0.35 and abs(dy) < 0.25
        return ok, f"wrist {fwd:.2f} m in front of the shoulder, {dy:+.2f} m above it"
    if base == "reach":
        fwd = max(((j[:, w] - pel) @ face0).max() - ((j[0, w] - pel[0]) @ face0) for w in (L_WR, R_WR))
        return fwd > 0.25, f"a wrist moved {fwd:.2f} m forward relative to the pelvis"
    if base == "bow":
        drop = j[0, HEAD, 1] - j[:, HEAD, 1]
        fwd = (j[:, HEAD] - j[0, HEAD]) @ face0
        pel_move = np.linalg.norm(pel[:, [0, 2]] - pel[0, [0, 2]], axis=-1).max()
        t = int(drop.argmax())
        ok = drop[t] > 0.12 and fwd[t] > 0.1 and pel_move < 0.25
        return ok, f"head drop {drop[t]:.2f} m, {fwd[t]:.2f} m forward; pelvis moved {pel_move:.2f} m"
    if base == "nod":
        rel = mk[:, NOSE, 1] - j[:, NECK, 1]
        rev = _reversals(rel, 0.015)
        still = np.linalg.norm(pel - pel[0], axis=-1).max()
        return rev >= 2 and still < 0.1, f"{rev} nose up/down reversals, pelvis moved {still:.2f} m"
    if base == "turn_head":
        face = mk[:, NOSE] - j[:, HEAD]
        rel = _wrap(_yaw(face) - _yaw(_facing(j)))
        turn = float(_wrap(rel[-1] - rel[0]))
        ok = turn > 0.3 if sfx == "left" else turn < -0.3
        return ok, f"head yaw relative to the hips changed by {turn:+.2f} rad (+ = person's left)"
    if base == "turn_around":
        turn = float(abs(_wrap(_yaw(_facing(j[-1:]))[0] - _yaw(face0))))
        return turn > 2.4, f"body facing changed by {turn:.2f} rad"
    if base in ("walk", "run"):
        d = pel[-1] - pel[0]
        cam_dx, cam_dz = d[0], d[2]  # +x image right, +z towards the camera
        dist = float(np.linalg.norm(d[[0, 2]]))
        speed = dist / max((n - 1) / fps, 1e-9)
        if base == "run":
            return speed > 0.9, f"pelvis speed {speed:.2f} m/s"
        want = {"left": -cam_dx, "right": cam_dx, "towards": cam_dz, "away": -cam_dz}[sfx or "towards"]
        ok = want > sw and want > 0.7 * dist
        return ok, f"pelvis moved {want:.2f} m ({want / sw:.1f} shoulder widths) {sfx or 'towards'} of {dist:.2f} m"
    if base == "jump":
        foot = np.minimum(j[:, [L_ANK, R_ANK, L_FOOT, R_FOOT], 1].min(1), 10)
        lift = foot - foot[0]
        rise = j[:, NECK, 1] - j[0, NECK, 1]
        t = int(lift.argmax())
        fell = (lift[t:] < lift[t] - 0.08).any()
        ok = lift[t] > 0.08 and rise[t] > 0.3 * sw and fell
        return ok, f"feet off the ground by {lift[t]:.2f} m, neck up {rise[t] / sw:.2f} shoulder widths, came down: {fell}"
    if base in ("squat", "sit_down"):
        drop = pel[0, 1] - pel[:, 1]
        foot = j[:, [L_FOOT, R_FOOT], 1].min(1)
        grounded = np.abs(foot - foot[0]).max() < 0.05
        if base == "squat":
            return drop.max() > 0.12 and grounded, f"pelvis dropped {drop.max():.2f} m, feet grounded: {grounded}"
        return drop[-1] > 0.2 and grounded, f"pelvis ends {drop[-1]:.2f} m lower, feet grounded: {grounded}"
    if base == "kick":
        ank, other = (L_ANK, R_ANK) if sfx == "left" else (R_ANK, L_ANK)
        rise = j[:, ank, 1] - j[0, ank, 1]
        fwd = (j[:, ank] - pel) @ face0 - (j[0, ank] - pel[0]) @ face0
        t = int(fwd.argmax())  # the foot's most forward moment: a kick swings it forward and up
        stand = abs(j[t, other, 1] - j[0, other, 1]) < 0.06
        ok = rise[t] > 0.1 and fwd[t] > 0.2 and stand
        return ok, f"{sfx or 'right'} ankle up {rise[t]:.2f} m and {fwd[t]:.2f} m forward; other foot down: {stand}"
    if base == "dance":
        moving = sum(_reversals(j[:, k, 1] - pel[:, 1], 0.05) >= 2 for k in (L_WR, R_WR, L_ANK, R_ANK))
        sway = _reversals(pel @ np.cross([0.0, 1.0, 0.0], face0), 0.03)
        return moving >= 2 and sway >= 1, f"{moving} limbs moving rhythmically, {sway} hip sways"
    if base == "stand_still":
        move = float(np.linalg.norm(j - j[:1], axis=-1).max())
        return move < 0.06, f"largest joint displacement {move:.3f} m"
    raise ValueError(f"no signature for action {action!r}")


def check_object(action: str, points: np.ndarray, fps: float) -> tuple[bool, str]:
    """Does the object motion (F, 21, 3) camera points show ``action``?"""
    p = points @ UP
    c = p[:, 20]
    h = c[:, 1] - c[0, 1]
    horiz = float(np.linalg.norm(c[-1, [0, 2]] - c[0, [0, 2]]))
    spin = 0.0  # largest rotation of two orthogonal contour points about the centre (one may lie on the axis)
    for k in (0, 4):
        v = p[:, k] - c
        cos = (v[0] * v).sum(-1) / np.maximum(np.linalg.norm(v[0]) * np.linalg.norm(v, axis=-1), 1e-9)
        spin = max(spin, float(np.arccos(np.clip(cos, -1, 1)).max()))
    if action == "fall":
        return h[-1] < -0.2 and h.max() < 0.02, f"centre ends {h[-1]:+.2f} m, never rose above {h.max():.2f}"
    if action == "bounce":
        ups = int((np.diff(np.sign(np.diff(h))) < 0).sum())  # local maxima
        rose = h.max() > 0.1
        return rose and ups >= 1 and (h.min() < h.max() - 0.1), f"{ups} apexes, rise {h.max():.2f} m"
    if action == "roll":
        return horiz > 0.3 and np.abs(h).max() < 0.05 and spin > 1.0, f"moved {horiz:.2f} m, height change {np.abs(h).max():.2f}, spin {spin:.2f} rad"
    if action == "slide":
        return horiz > 0.3 and np.abs(h).max() < 0.05 and spin < 0.3, f"moved {horiz:.2f} m, height change {np.abs(h).max():.2f}, spin {spin:.2f} rad"
    if action == "throw":
        t = int(h.argmax())
        return h[t] > 0.2 and h[-1] < h[t] - 0.2 and horiz > 0.3, f"rose {h[t]:.2f} m, fell to {h[-1]:+.2f}, moved {horiz:.2f} m"
    raise ValueError(f"no signature for object action {action!r}")
