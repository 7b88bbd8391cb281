"""A procedural humanoid in the exact SMPL-X ``.npz`` format (the embedded default body model).

Canonical frame as SMPL-X: metres, y up, the body faces +z, +x is the body's left; feet on y = 0
(rest joints as :mod:`revision.lifting.rest_skeleton`, an average adult ~1.76 m). The body is made of
skinned tubes (torso, neck + head, legs, feet, arms, palms, 30 finger segments, eyeballs) with the
SMPL-X kinematic tree (55 joints). What is procedural rather than learned:

- ``shapedirs`` (V, 3, 20): betas 0..9 = height, girth, shoulder width, leg length, arm length,
  head size, belly, hip width, then two small smooth random directions; expression dirs 10..19 =
  mouth open, smile, brows, cheeks, then small smooth random directions (face region only).
- ``posedirs`` (V, 3, 486) are zero (no pose-corrective blend shapes).
- hand PCA (45×45 orthonormal): component 0 curls all fingers, 1 curls the proximal joints,
  2 spreads the fingers, 3 moves the thumb, the rest complete an orthonormal basis.
- ``lmk_*`` face landmarks and ``dynamic_lmk_*`` contours are placed on the procedural face, and the
  vertices ``smplx.vertex_ids.vertex_ids['smplx']`` names (nose, eyes, ears, toes, heels, finger
  tips) are moved to those indices, so the extra joints smplx appends are meaningful.
"""

from __future__ import annotations

import numpy as np

from revision.body.mesh_builder import (
    MeshBuilder,
    Station,
    chain_weights,
    joint_regressor,
    permute_vertices,
    place_vertices,
    smooth_random_dirs,
)

NUM_VERTICES = 10475
NUM_JOINTS = 55
PARENTS = np.array([-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 15, 15, 15,
                    20, 25, 26, 20, 28, 29, 20, 31, 32, 20, 34, 35, 20, 37, 38,
                    21, 40, 41, 21, 43, 44, 21, 46, 47, 21, 49, 50, 21, 52, 53])  # fmt: skip
BODY_REST_JOINTS = {  # the 25 body/face joints at rest (metres); shared with lifting.rest_skeleton
    0: (0, 0.93, 0), 1: (0.06, 0.84, -0.01), 2: (-0.06, 0.84, -0.01), 3: (0, 1.03, -0.02), 4: (0.1, 0.47, 0),
    5: (-0.1, 0.47, 0), 6: (0, 1.16, 0), 7: (0.09, 0.07, -0.03), 8: (-0.09, 0.07, -0.03), 9: (0, 1.22, 0.02),
    10: (0.11, 0.01, 0.1), 11: (-0.11, 0.01, 0.1), 12: (0, 1.45, -0.01), 13: (0.07, 1.38, 0),
    14: (-0.07, 1.38, 0), 15: (0, 1.55, 0.02), 16: (0.17, 1.4, -0.01), 17: (-0.17, 1.4, -0.01),
    18: (0.43, 1.4, -0.03), 19: (-0.43, 1.4, -0.03), 20: (0.68, 1.4, -0.02), 21: (-0.68, 1.4, -0.02),
    22: (0, 1.5, 0.05), 23: (0.03, 1.62, 0.08), 24: (-0.03, 1.62, 0.08),
}  # fmt: skip
# finger order in SMPL-X: index, middle, pinky, ring, thumb; z offset of each finger base at the knuckles
_FINGERS = (("index", 0.03, 1.0), ("middle", 0.008, 1.08), ("pinky", -0.038, 0.78), ("ring", -0.015, 0.98))
_FINGER_SEG = (0.038, 0.026, 0.022)  # proximal, middle, distal lengths (× the finger's scale)


def _hand_joints(J: np.ndarray) -> None:
    """Fill finger joints 25..54 from the wrists (palm down, T-pose, thumb forward)."""
    for side, wrist, sign in ((0, 20, 1.0), (1, 21, -1.0)):
        base = 25 + 15 * side
        w = J[wrist]
        for f, (_, dz, scale) in enumerate(_FINGERS):
            p = w + (sign * 0.095 * (0.93 + 0.07 * scale), -0.002, dz)
            for k in range(3):
                J[base + 3 * f + k] = p
                p = p + (sign * _FINGER_SEG[k] * scale, 0, 0)
        d = np.array([sign * 0.55, -0.2, 0.8])
        d /= np.linalg.norm(d)
        p = w + (sign * 0.025, -0.012, 0.025)
        for k in range(3):
            J[base + 12 + k] = p
            p = p + d * (0.035, 0.03, 0.025)[k]


def rest_joints() -> np.ndarray:
    """(55, 3) designed rest joints (``J_regressor @ v_template`` reproduces them exactly)."""
    J = np.zeros((NUM_JOINTS, 3))
    for k, v in BODY_REST_JOINTS.items():
        J[k] = v
    _hand_joints(J)
    return J


def _y_stations(rows, joints_w, count=0):
    return [Station(np.array([0.0, y, cz]), (rx, rz), joints_w(y), count) for y, rx, rz, cz in rows]


def _torso_weights(y: float) -> dict[int, float]:
    return chain_weights(y, [-1.0, 0.98, 1.1, 1.2, 1.44], [0, 3, 6, 9, 12], 0.05)


def _head_weights(y: float) -> dict[int, float]:
    return chain_weights(y, [-1.0, 1.45, 1.55], [9, 12, 15], 0.04)


def _build(torso_counts: list[int] | None = None) -> tuple[MeshBuilder, dict[str, list]]:
    J = rest_joints()
    mb = MeshBuilder(NUM_JOINTS)
    groups: dict[str, list] = {}
    # torso: crotch → neck base, y up; u = +x (half width), v = t × u = -z (half depth)
    torso_rows = [
        (0.76, 0.06, 0.06, 0.0), (0.78, 0.12, 0.08, 0.0), (0.82, 0.155, 0.10, 0.0), (0.87, 0.17, 0.11, -0.005),
        (0.93, 0.172, 0.112, -0.01), (0.99, 0.163, 0.107, -0.01), (1.05, 0.152, 0.103, -0.005),
        (1.10, 0.152, 0.105, 0.0), (1.16, 0.158, 0.11, 0.005), (1.22, 0.168, 0.115, 0.01),
        (1.28, 0.175, 0.118, 0.01), (1.33, 0.178, 0.112, 0.005), (1.37, 0.172, 0.10, 0.0),
        (1.40, 0.15, 0.085, -0.005), (1.425, 0.11, 0.07, -0.01), (1.445, 0.065, 0.058, -0.01),
    ]  # fmt: skip
    rows = _refine(torso_rows, 3)
    st = _y_stations(rows, _torso_weights)
    if torso_counts is not None:
        for s, n in zip(st, torso_counts):
            s.count = n
    groups["torso"] = mb.tube(st, ref=(1, 0, 0), count=48, cap_start=0.012)
    # neck + head
    head_rows = [
        (1.42, 0.062, 0.058, -0.01), (1.46, 0.056, 0.054, 0.0), (1.50, 0.057, 0.058, 0.012),
        (1.525, 0.062, 0.075, 0.028), (1.545, 0.068, 0.088, 0.03), (1.57, 0.074, 0.095, 0.026),
        (1.61, 0.078, 0.1, 0.024), (1.65, 0.078, 0.1, 0.02), (1.69, 0.073, 0.092, 0.016),
        (1.72, 0.062, 0.078, 0.012), (1.745, 0.042, 0.053, 0.01), (1.757, 0.02, 0.026, 0.01),
    ]  # fmt: skip
    hst = _y_stations(_refine(head_rows, 3), _head_weights)
    groups["head"] = mb.tube(hst, ref=(1, 0, 0), count=40, cap_end=0.004)
    groups["eyes"] = [mb.sphere(J[23 + k], 0.012, {23 + k: 1.0}, n_lat=7, n_lon=12) for k in range(2)]
    # legs and feet
    for side, sign in ((0, 1.0), (1, -1.0)):
        hip, knee, ankle, foot = J[[1 + side, 4 + side, 7 + side, 10 + side]]
        out = np.array([sign * 0.022, 0, 0])  # thigh axis slightly outside the hip joint: thighs don't overlap
        top = hip + out + (0, 0.05, 0)
        pts = [top, hip + out, (hip + out + knee) / 2, knee, (knee + ankle) / 2, ankle]
        rad = [0.07, 0.08, 0.066, 0.052, 0.05, 0.036]
        bounds_pts = _polyline(pts, 8)
        s_hip, s_knee, s_ank = _arc(bounds_pts, [hip + out, knee, ankle])
        st = []
        for p, s in zip(*bounds_pts):
            r = np.interp(s, _arc(bounds_pts, pts), rad)
            w = chain_weights(s, [-1.0, s_hip, s_knee, s_ank], [0, 1 + side, 4 + side, 7 + side], 0.04)
            st.append(Station(p, (r, r * 0.95), w))
        groups[f"leg{side}"] = mb.tube(st, ref=(1, 0, 0), count=28, cap_end=0.02)
        heel = np.array([ankle[0], 0.04, -0.08])
        toe = np.array([foot[0] + sign * 0.005, 0.02, 0.2])
        fpts = [heel, np.array([ankle[0], 0.045, -0.03]), foot + (0, 0.02, 0), (foot + toe) / 2 + (0, 0.005, 0), toe]
        frad = [(0.035, 0.03), (0.045, 0.042), (0.048, 0.026), (0.045, 0.02), (0.03, 0.012)]
        fp = _polyline(fpts, 5)
        sf = _arc(fp, fpts)
        s_foot = _arc(fp, [foot + (0, 0.02, 0)])[0]
        st = []
        for p, s in zip(*fp):
            rx, ry = np.interp(s, sf, [r[0] for r in frad]), np.interp(s, sf, [r[1] for r in frad])
            st.append(Station(p, (rx, ry), chain_weights(s, [-1.0, s_foot], [7 + side, 10 + side], 0.03)))
        groups[f"foot{side}"] = mb.tube(st, ref=(1, 0, 0), count=20, cap_start=0.015, cap_end=0.01)
    # arms, palms, fingers
    for side, sign in ((0, 1.0), (1, -1.0)):
        collar, shoulder, elbow, wrist = J[[13 + side, 16 + side, 18 + side, 20 + side]]
        pts = [collar, shoulder, (shoulder + elbow) / 2, elbow, (elbow + wrist) / 2, wrist]
        rad = [(0.055, 0.06), (0.058, 0.055), (0.045, 0.045), (0.038, 0.04), (0.036, 0.034), (0.024, 0.03)]
        ap = _polyline(pts, 8)
        sa = _arc(ap, pts)
        b = _arc(ap, [shoulder, elbow, wrist])
        st = []
        for p, s in zip(*ap):
            r = (np.interp(s, sa, [x[0] for x in rad]), np.interp(s, sa, [x[1] for x in rad]))
            w = chain_weights(s, [-1.0, *b], [13 + side, 16 + side, 18 + side, 20 + side], 0.04)
            st.append(Station(p, r, w))
        groups[f"arm{side}"] = mb.tube(st, ref=(0, 1, 0), count=20)
        # palm: wrist → knuckles, flat (u = up: thickness, v = forward: width)
        base = 25 + 15 * side
        knuckle_x = J[base, 0]
        palm = [wrist + (sign * 0.005, 0, 0.0), wrist + (sign * 0.04, -0.002, 0.004), np.array([knuckle_x + sign * 0.005, wrist[1] - 0.002, wrist[2] - 0.004])]
        pr = [(0.018, 0.032), (0.017, 0.045), (0.014, 0.045)]
        pp = _polyline(palm, 3)
        sp = _arc(pp, palm)
        st = [Station(p, (np.interp(s, sp, [r[0] for r in pr]), np.interp(s, sp, [r[1] for r in pr])), {20 + side: 1.0})
              for p, s in zip(*pp)]  # fmt: skip
        groups[f"palm{side}"] = mb.tube(st, ref=(0, 1, 0), count=20, cap_start=0.004, cap_end=0.008)
        for f in range(5):
            j0 = base + 3 * f
            chain = [J[wrist_i] for wrist_i in (j0, j0 + 1, j0 + 2)]
            tip_dir = chain[2] - chain[1]
            tip = chain[2] + tip_dir / np.linalg.norm(tip_dir) * (0.018 if f < 4 else 0.022)
            fpts = [chain[0], chain[1], chain[2], tip]
            fpl = _polyline(fpts, 4)
            bj = _arc(fpl, fpts)
            r0 = 0.0095 if f < 4 else 0.011
            st = [Station(p, (r0 * (1 - 0.25 * s / bj[-1]),) * 2,
                          chain_weights(s, [-1.0, bj[0], bj[1], bj[2]], [20 + side, j0, j0 + 1, j0 + 2], 0.008))
                  for p, s in zip(*fpl)]  # fmt: skip
            groups[f"finger{side}{f}"] = mb.tube(st, ref=(0, 1, 0), count=10, cap_start=0.004, cap_end=0.008)
    return mb, groups


def _refine(rows, k: int):
    """Linear up-sampling of station rows by a factor ``k``."""
    rows = np.asarray(rows, np.float64)
    t = np.linspace(0, len(rows) - 1, (len(rows) - 1) * k + 1)
    return np.stack([np.interp(t, np.arange(len(rows)), rows[:, c]) for c in range(rows.shape[1])], 1)


def _polyline(points, per_segment: int) -> tuple[np.ndarray, np.ndarray]:
    """Points sampled along a polyline (``per_segment`` per segment) and their arc positions."""
    pts = [np.asarray(p, np.float64) for p in points]
    out = []
    for a, b in zip(pts[:-1], pts[1:]):
        for t in np.arange(per_segment) / per_segment:
            out.append(a + t * (b - a))
    out.append(pts[-1])
    out = np.array(out)
    s = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(out, axis=0), axis=1))])
    return out, s


def _arc(poly: tuple[np.ndarray, np.ndarray], points) -> list[float]:
    """Arc positions of ``points`` (nearest polyline samples)."""
    pts, s = poly
    return [float(s[np.argmin(np.linalg.norm(pts - np.asarray(p), axis=1))]) for p in points]


def _exact_torso_counts() -> list[int]:
    """Ring sizes for the torso so the whole mesh has exactly 10,475 vertices."""
    mb, groups = _build()
    rest = mb.n - sum(len(r) for r in groups["torso"]) - 1
    n_rings = len(groups["torso"])
    total = NUM_VERTICES - rest - 1
    base, extra = divmod(total, n_rings)
    # the extra vertices go to the widest (middle) rings
    order = np.argsort(-np.abs(np.arange(n_rings) - n_rings / 2))[::-1]
    counts = [base] * n_rings
    for i in order[:extra]:
        counts[i] += 1
    return counts


def _shape_dirs(v: np.ndarray, weights: np.ndarray, radial: np.ndarray, head: np.ndarray) -> np.ndarray:
    """(V, 3, 20) shape (0..9) and expression (10..19) directions, metres per unit coefficient."""
    V = len(v)
    d = np.zeros((V, 3, 20))
    d[:, 1, 0] = 0.05 * v[:, 1]  # height: +5 % per unit about the floor
    d[:, [0, 2], 0] = 0.02 * v[:, [0, 2]]
    d[:, :, 1] = 0.12 * radial * (1 - weights[:, 25:].sum(1, keepdims=True))  # girth: +12 % radius
    arm = weights[:, [13, 14, 16, 17, 18, 19, 20, 21, *range(25, 55)]].sum(1)
    d[:, 0, 2] = 0.02 * np.sign(v[:, 0]) * arm  # shoulder width
    d[:, 1, 3] = 0.04 * np.minimum(v[:, 1], 0.93)  # leg length: legs stretch, the feet stay on the floor
    forearm = weights[:, [18, 19, 20, 21, *range(25, 55)]].sum(1)
    d[:, 0, 4] = 0.03 * np.sign(v[:, 0]) * (0.5 * arm + 0.5 * forearm)  # arm length
    hd = np.zeros(V, bool)
    hd[head] = True
    hc = np.array([0.0, 1.64, 0.02])
    d[hd, :, 5] = 0.08 * (v[hd] - hc) * (v[hd, 1:2] > 1.5)  # head size
    belly = np.exp(-(((v[:, 1] - 1.05) / 0.1) ** 2)) * (v[:, 2] > 0) * (weights[:, [0, 3, 6]].sum(1))
    d[:, 2, 6] = 0.04 * belly
    hips = np.exp(-(((v[:, 1] - 0.88) / 0.08) ** 2))
    d[:, 0, 7] = 0.02 * np.sign(v[:, 0]) * hips
    d[:, :, 8:10] = smooth_random_dirs(weights, 2, 0.004, seed=1)
    # expression: face vertices only (in front of the head centre)
    face = hd & (v[:, 2] > 0.05) & (v[:, 1] > 1.5) & (v[:, 1] < 1.7)
    mouth = face & (v[:, 1] < 1.58)
    d[mouth, 1, 10] = -0.012 * (1.58 - v[mouth, 1]) / 0.08  # mouth open (chin down)
    d[mouth, 0, 11] = 0.006 * np.sign(v[mouth, 0])  # smile (corners out)
    brows = face & (v[:, 1] > 1.64)
    d[brows, 1, 12] = 0.004  # brows up
    cheeks = face & (np.abs(v[:, 0]) > 0.03) & (v[:, 1] < 1.62)
    d[cheeks, 0, 13] = 0.004 * np.sign(v[cheeks, 0])
    d[face, :, 14:20] = smooth_random_dirs(weights[face], 6, 0.002, seed=2)
    return d


def _hand_pca() -> tuple[np.ndarray, np.ndarray]:
    """(45, 45) orthonormal components (rows) for one hand, and the (45,) relaxed mean pose."""
    # local joint order: index1..3, middle1..3, pinky1..3, ring1..3, thumb1..3; axis-angle about z = curl
    c = np.zeros((4, 45))
    for j in range(15):
        finger, k = divmod(j, 3)
        if finger < 4:
            c[0, 3 * j + 2] = -1.0  # curl all (left hand: fingers along +x curl down = about -z)
            c[1, 3 * j + 2] = -1.0 if k == 0 else -0.3  # proximal curl
            if k == 0:
                c[2, 3 * j + 1] = (-1.5, -0.5, 1.5, 0.5)[finger]  # spread
        else:
            c[3, 3 * j + 1] = 1.0  # thumb across the palm
            c[3, 3 * j + 2] = 0.5
    basis = np.vstack([c, np.eye(45)])
    q, _ = np.linalg.qr(basis.T)
    comps = q[:, :45].T
    comps *= np.where(np.sum(comps * basis[:45], 1, keepdims=True) < 0, -1.0, 1.0)
    mean = 0.15 * c[0] / np.linalg.norm(c[0]) * np.sqrt(12)
    return comps, mean


def _landmark_faces(v: np.ndarray, f: np.ndarray, head: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """For each (x, y) target on the face, the front-facing head face whose centroid is nearest."""
    hd = np.zeros(len(v), bool)
    hd[head] = True
    cand = np.nonzero(hd[f].all(1))[0]
    cen = v[f[cand]].mean(1)
    front = cand[cen[:, 2] > 0.04]
    cf = v[f[front]].mean(1)
    return np.array([front[np.argmin(np.linalg.norm(cf[:, :2] - t, axis=1))] for t in targets])


def _face_landmark_targets() -> np.ndarray:
    """(51, 2) x, y of the 51 static SMPL-X face landmarks (brows, nose, eyes, mouth)."""
    pts = []
    for sign in (-1, 1):
        pts += [(sign * x, 1.655 + 0.004 * np.sin(np.pi * (x - 0.012) / 0.045)) for x in np.linspace(0.056, 0.012, 5)[:: -sign]]
    pts += [(0.0, y) for y in np.linspace(1.645, 1.605, 4)]
    pts += [(x, 1.595) for x in np.linspace(-0.018, 0.018, 5)]
    for cx in (-0.033, 0.033):
        pts += [(cx + 0.014 * np.cos(a), 1.628 + 0.005 * np.sin(a)) for a in np.linspace(np.pi, -np.pi, 6, endpoint=False)]
    pts += [(0.026 * np.cos(a), 1.562 + 0.011 * np.sin(a)) for a in np.linspace(np.pi, -np.pi, 12, endpoint=False)]
    pts += [(0.017 * np.cos(a), 1.562 + 0.004 * np.sin(a)) for a in np.linspace(np.pi, -np.pi, 8, endpoint=False)]
    return np.array(pts)


def _dynamic_contours(v: np.ndarray, f: np.ndarray, head: np.ndarray) -> np.ndarray:
    """(79, 17) face indices of the jaw contour seen at yaw −39°..39° (one row per degree)."""
    hd = np.zeros(len(v), bool)
    hd[head] = True
    cand = np.nonzero(hd[f].all(1))[0]
    cen = v[f[cand]].mean(1)
    c0 = np.array([0.0, 1.6, 0.02])
    rows = []
    for yaw in np.deg2rad(np.arange(-39, 40)):
        row = []
        for k in range(17):
            a = np.deg2rad(-80 + 10 * k) + 0.5 * yaw
            y = 1.63 - 0.09 * np.cos(np.deg2rad(-80 + 10 * k) * 1.1)
            target = c0 + (0.078 * np.sin(a), y - c0[1], 0.09 * np.cos(a))
            row.append(cand[np.argmin(np.linalg.norm(cen - target, axis=1))])
        rows.append(row)
    return np.array(rows)


def build_smplx_arrays() -> dict[str, np.ndarray]:
    """All arrays of ``SMPLX_NEUTRAL.npz`` (keys and shapes as the official file)."""
    from smplx.vertex_ids import vertex_ids

    mb, groups = _build(_exact_torso_counts())
    a = mb.arrays()
    v, f, w, radial = a["v"], a["f"], a["weights"], a["radial"]
    assert len(v) == NUM_VERTICES, len(v)
    J = rest_joints()
    head = np.concatenate(groups["head"])
    # landmark vertices (for smplx's VertexJointSelector) moved to the official indices
    targets = {
        "nose": (head, (0.0, 1.595, 0.14)), "leye": (head, (0.033, 1.628, 0.13)),
        "reye": (head, (-0.033, 1.628, 0.13)), "lear": (head, (0.085, 1.63, 0.0)),
        "rear": (head, (-0.085, 1.63, 0.0)),
    }  # fmt: skip
    for side, s, L in ((0, 1.0, "L"), (1, -1.0, "R")):
        foot = np.concatenate(groups[f"foot{side}"])
        targets[f"{L}BigToe"] = (foot, (s * 0.085, 0.02, 0.23))
        targets[f"{L}SmallToe"] = (foot, (s * 0.14, 0.02, 0.19))
        targets[f"{L}Heel"] = (foot, (s * 0.09, 0.0, -0.12))
        p = "l" if side == 0 else "r"
        for k, name in enumerate(("index", "middle", "pinky", "ring", "thumb")):
            ring = groups[f"finger{side}{k}"]
            targets[f"{p}{name}"] = (np.array([ring[-1][-1] + 2]), v[ring[-1][-1] + 2])  # the tip pole
    wanted = {}
    for name, (cand, pos) in targets.items():
        cand = np.asarray(cand)
        cand = cand[cand < len(v)]
        wanted[vertex_ids["smplx"][name]] = int(cand[np.argmin(np.linalg.norm(v[cand] - np.asarray(pos), axis=1))])
    order = place_vertices(len(v), wanted)
    inv = np.empty_like(order)
    inv[order] = np.arange(len(order))
    per_vertex, f = permute_vertices(order, {"v": v, "w": w, "radial": radial}, f)
    v, w, radial = per_vertex["v"], per_vertex["w"], per_vertex["radial"]
    groups = {k: [inv[r] for r in rings] for k, rings in groups.items()}
    head = np.concatenate(groups["head"])
    # joint regressor: nearest vertices that the joint (or its parent) drives
    skin_max = w.argmax(1)
    cands = []
    for j in range(NUM_JOINTS):
        drive = {j, int(PARENTS[j])} if PARENTS[j] >= 0 else {j}
        cands.append(np.nonzero(np.isin(skin_max, list(drive)))[0])
    Jreg = joint_regressor(v, J, cands, k=48)
    comps, mean = _hand_pca()
    mirror = np.tile([1.0, -1.0, -1.0], 15)  # right hand = left mirrored in x
    lmk_faces = _landmark_faces(v, f, head, _face_landmark_targets())
    dyn_faces = _dynamic_contours(v, f, head)
    kintree = np.stack([PARENTS.astype(np.int64), np.arange(NUM_JOINTS)])
    kintree[0, 0] = 4294967295  # as in the official files (uint32 -1)
    return {
        "v_template": v.astype(np.float64),
        "f": f.astype(np.uint32),
        "shapedirs": _shape_dirs(v, w, radial, head).astype(np.float64),
        "posedirs": np.zeros((NUM_VERTICES, 3, 9 * (NUM_JOINTS - 1)), np.float32),
        "J_regressor": Jreg.astype(np.float64),
        "weights": w.astype(np.float64),
        "kintree_table": kintree,
        "hands_componentsl": comps,
        "hands_componentsr": comps * mirror[None],
        "hands_meanl": mean,
        "hands_meanr": mean * mirror,
        "lmk_faces_idx": lmk_faces.astype(np.int64),
        "lmk_bary_coords": np.full((51, 3), 1 / 3),
        "dynamic_lmk_faces_idx": dyn_faces.astype(np.int64),
        "dynamic_lmk_bary_coords": np.full((79, 17, 3), 1 / 3),
    }
