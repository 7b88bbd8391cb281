"""A procedural quadruped (a dog-like animal) in the SMAL file format (the embedded animal model).

Keys and shapes as ``smal_CVPR2017.pkl``: ``v_template`` (3889, 3), ``f``, ``shapedirs`` (3889, 3, 41),
``posedirs`` (3889, 3, 306), ``J_regressor`` (35, 3889), ``weights`` (3889, 35), ``kintree_table`` (2, 35)
with SMAL's kinematic tree and joint order (:data:`SMAL_JOINT_NAMES`). Canonical frame as our SMPL-X:
metres, y up, the animal faces +z, +x is its left; paws on y = 0, shoulder height ~0.55 m.

Procedural rather than learned: ``shapedirs`` β0..7 = overall size, body length, leg length, girth,
neck length, head size, tail length, ear size; β8..40 small smooth random directions; ``posedirs``
are zero.
"""

from __future__ import annotations

import numpy as np

from revision.body.mesh_builder import (
    MeshBuilder,
    Station,
    chain_weights,
    joint_regressor,
    smooth_random_dirs,
)

NUM_VERTICES = 3889
NUM_JOINTS = 35
NUM_BETAS = 41
SMAL_JOINT_NAMES = (
    "pelvis", "pelvis0", "spine", "spine0", "spine1", "spine2", "spine3",
    "LLeg1", "LLeg2", "LLeg3", "LFoot", "RLeg1", "RLeg2", "RLeg3", "RFoot", "Neck", "Head",
    "LLegBack1", "LLegBack2", "LLegBack3", "LFootBack", "RLegBack1", "RLegBack2", "RLegBack3", "RFootBack",
    "Tail1", "Tail2", "Tail3", "Tail4", "Tail5", "Tail6", "Tail7", "Mouth", "LEar", "REar",
)  # fmt: skip
PARENTS = np.array([-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 6, 11, 12, 13, 6, 15, 0, 17, 18, 19, 0, 21, 22, 23,
                    0, 25, 26, 27, 28, 29, 30, 16, 16, 16])  # fmt: skip


def rest_joints() -> np.ndarray:
    """(35, 3) designed rest joints."""
    J = np.zeros((NUM_JOINTS, 3))
    for i, z in enumerate((-0.25, -0.17, -0.08, 0.0, 0.08, 0.15, 0.22)):
        J[i] = (0.0, 0.56, z)
    for side, sign in ((0, 1.0), (1, -1.0)):
        J[7 + 4 * side : 11 + 4 * side] = [(sign * 0.08, 0.47, 0.24), (sign * 0.08, 0.3, 0.21),
                                           (sign * 0.08, 0.12, 0.23), (sign * 0.08, 0.03, 0.25)]  # fmt: skip
        J[17 + 4 * side : 21 + 4 * side] = [(sign * 0.08, 0.48, -0.27), (sign * 0.08, 0.3, -0.2),
                                            (sign * 0.08, 0.13, -0.29), (sign * 0.08, 0.03, -0.26)]  # fmt: skip
    J[15], J[16] = (0.0, 0.66, 0.3), (0.0, 0.78, 0.37)
    for k in range(7):
        J[25 + k] = (0.0, 0.57 + 0.025 * k, -0.32 - 0.055 * k)
    J[32] = (0.0, 0.73, 0.5)
    J[33], J[34] = (0.05, 0.84, 0.36), (-0.05, 0.84, 0.36)
    return J


def _along(points, per: int):
    pts = [np.asarray(p, np.float64) for p in points]
    out = [a + t * (b - a) for a, b in zip(pts[:-1], pts[1:]) for t in np.arange(per) / per] + [pts[-1]]
    out = np.array(out)
    s = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(out, axis=0), axis=1))])
    knots = s[::per]
    return out, s, knots


def _build(body_counts: list[int] | None = None) -> tuple[MeshBuilder, dict[str, list]]:
    J = rest_joints()
    mb = MeshBuilder(NUM_JOINTS)
    g: dict[str, list] = {}
    # body along +z: rump → chest; u = +x (half width), v = t × u = +y (half height); centre below the spine
    zs = [-0.36, -0.33, -0.27, -0.17, -0.08, 0.0, 0.08, 0.15, 0.22, 0.29, 0.33]
    rx = [0.04, 0.085, 0.11, 0.115, 0.11, 0.105, 0.11, 0.12, 0.12, 0.1, 0.05]
    ry = [0.05, 0.1, 0.13, 0.13, 0.12, 0.115, 0.125, 0.14, 0.145, 0.12, 0.06]
    spine_z = J[:7, 2]
    zz = np.interp(np.linspace(0, len(zs) - 1, 31), np.arange(len(zs)), zs)
    st = []
    for z in zz:
        w = chain_weights(z, [-1.0, *((spine_z[1:] + spine_z[:-1]) / 2)], list(range(7)), 0.03)
        st.append(Station(np.array([0.0, 0.53, z]), (float(np.interp(z, zs, rx)), float(np.interp(z, zs, ry))), w))
    for station, n in zip(st, body_counts or []):
        station.count = n
    g["body"] = mb.tube(st, ref=(1, 0, 0), count=32, cap_start=0.01, cap_end=0.01)
    # neck and head (+ snout)
    pts, s, kn = _along([(0, 0.58, 0.24), J[15], J[16], (0, 0.76, 0.45), (0, 0.72, 0.56)], 4)
    rad = np.interp(s, kn, [0.085, 0.07, 0.075, 0.05, 0.028])
    st = [Station(p, (r, r * 1.05), chain_weights(si, [-1.0, kn[1], kn[2], kn[3] - 0.02], [6, 15, 16, 32], 0.03))
          for p, si, r in zip(pts, s, rad)]  # fmt: skip
    g["head"] = mb.tube(st, ref=(1, 0, 0), count=24, cap_end=0.012)
    for k, sign in ((0, 1.0), (1, -1.0)):
        base = J[33 + k]
        pts, s, kn = _along([base - (0, 0.04, 0), base, base + (sign * 0.01, 0.06, -0.01)], 3)
        st = [Station(p, (0.022 * (1 - 0.6 * si / s[-1]), 0.008), {33 + k: 1.0} if si > 0.02 else {16: 1.0}) for p, si in zip(pts, s)]
        g[f"ear{k}"] = mb.tube(st, ref=(0, 0, 1), count=10, cap_end=0.01)
    # legs: shoulder/hip → elbow/knee → wrist/hock → paw, then the paw forward
    for name, j0 in (("front_left", 7), ("front_right", 11), ("back_left", 17), ("back_right", 21)):
        top = J[j0] + (0, 0.06, 0)
        parent = 6 if j0 in (7, 11) else 0
        pts, s, kn = _along([top, J[j0], J[j0 + 1], J[j0 + 2], J[j0 + 3]], 5)
        rad = np.interp(s, kn, [0.06, 0.055, 0.04, 0.028, 0.028])
        st = [Station(p, (r, r), chain_weights(si, [-1.0, kn[1], kn[2], kn[3]], [parent, j0, j0 + 1, j0 + 2], 0.03))
              for p, si, r in zip(pts, s, rad)]  # fmt: skip
        g[f"leg_{name}"] = mb.tube(st, ref=(0, 0, 1), count=14)
        paw = J[j0 + 3]
        pts, s, kn = _along([paw + (0, 0.0, -0.035), paw, paw + (0, -0.01, 0.05)], 3)
        st = [Station(p, (0.03, 0.022), {j0 + 3: 1.0}) for p in pts]
        g[f"paw_{name}"] = mb.tube(st, ref=(1, 0, 0), count=12, cap_start=0.015, cap_end=0.015)
    # tail
    pts, s, kn = _along([(0, 0.56, -0.3), *J[25:32], J[31] + (0, 0.02, -0.05)], 2)
    rad = np.interp(s, kn, np.linspace(0.03, 0.01, len(kn)))
    st = [Station(p, (r, r), chain_weights(si, [-1.0, *kn[1:8]], [0, *range(25, 32)], 0.02)) for p, si, r in zip(pts, s, rad)]
    g["tail"] = mb.tube(st, ref=(1, 0, 0), count=10, cap_end=0.01)
    return mb, g


def build_smal_arrays() -> dict[str, np.ndarray]:
    """All arrays of a SMAL model file (plain numpy; keys and shapes as the official pickle)."""
    mb, g = _build()
    # hit exactly 3,889 vertices: the body rings take the remainder
    extra = NUM_VERTICES - mb.n
    n_body = len(g["body"])
    if extra:
        counts = [32 + extra // n_body + (1 if i < extra % n_body else 0) for i in range(n_body)]
        mb, g = _build(counts)
    a = mb.arrays()
    v, f, w, radial = a["v"], a["f"], a["weights"], a["radial"]
    assert len(v) == NUM_VERTICES, len(v)
    J = rest_joints()
    skin_max = w.argmax(1)
    cands = []
    for j in range(NUM_JOINTS):
        drive = {j, int(PARENTS[j])} if PARENTS[j] >= 0 else {j}
        c = np.nonzero(np.isin(skin_max, list(drive)))[0]
        cands.append(c if len(c) >= 8 else np.arange(len(v)))
    Jreg = joint_regressor(v, J, cands, k=40)
    d = np.zeros((NUM_VERTICES, 3, NUM_BETAS))
    d[:, :, 0] = 0.1 * v  # overall size: +10 % per unit about the floor point below the origin
    d[:, 2, 1] = 0.1 * v[:, 2] * (np.abs(v[:, 2]) < 0.4)  # body length
    d[:, 1, 2] = 0.1 * np.minimum(v[:, 1], 0.5)  # leg length (paws stay on the floor)
    leg_or_tail = w[:, [*range(7, 15), *range(17, 32)]].sum(1, keepdims=True)
    d[:, :, 3] = 0.15 * radial * (1 - leg_or_tail)  # girth
    neck_head = w[:, [15, 16, 32, 33, 34]].sum(1)
    d[:, 2, 4] = 0.05 * neck_head  # neck length
    hc = J[16]
    head = w[:, [16, 32, 33, 34]].sum(1, keepdims=True)
    d[:, :, 5] = 0.15 * (v - hc) * head  # head size
    tail = w[:, 25:32].sum(1, keepdims=True)
    d[:, :, 6] = 0.3 * (v - J[25]) * tail * [0, 1, 1]  # tail length
    ears = w[:, 33:35].sum(1, keepdims=True)
    d[:, :, 7] = 0.3 * (v - J[33:35].mean(0) * [0, 1, 1]) * ears * [0.5, 1, 0]
    d[:, :, 8:] = smooth_random_dirs(w, NUM_BETAS - 8, 0.004, seed=3)
    kintree = np.stack([PARENTS.astype(np.int64), np.arange(NUM_JOINTS)])
    kintree[0, 0] = 4294967295
    return {
        "v_template": v,
        "f": f.astype(np.uint32),
        "shapedirs": d,
        "posedirs": np.zeros((NUM_VERTICES, 3, 9 * (NUM_JOINTS - 1))),
        "J_regressor": Jreg,
        "weights": w,
        "kintree_table": kintree,
        "J": J,
    }
