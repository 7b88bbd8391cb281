"""Per-vertex part labels (palette ids of :mod:`revision.palette`) for SMPL-X and SMAL.

Labels come from the skinning weights: each vertex takes the part of the joint that moves it most
(``argmax`` of ``lbs_weights``), mapped by the joint → part tables below. This works for the licensed
models and the procedural ones alike, and follows the usual SMPL-X segmentation (the segment driven by
a joint, e.g. ``left_shoulder`` moves the upper arm). Quadrupeds reuse the limb ids (front limbs = arm
ids, hind limbs = leg ids, paws = hand/foot ids) plus ``tail``.
"""

from __future__ import annotations

import numpy as np

from revision.palette import PART_BY_NAME

_SMPLX_GROUPS: dict[str, tuple[int, ...]] = {
    "torso": (0, 3, 6, 9, 13, 14),
    "head": (12, 15, 22, 23, 24),
    "left_upper_arm": (16,), "right_upper_arm": (17,),
    "left_lower_arm": (18,), "right_lower_arm": (19,),
    "left_hand": (20, *range(25, 40)), "right_hand": (21, *range(40, 55)),
    "left_upper_leg": (1,), "right_upper_leg": (2,),
    "left_lower_leg": (4,), "right_lower_leg": (5,),
    "left_foot": (7, 10), "right_foot": (8, 11),
}  # fmt: skip
_SMAL_GROUPS: dict[str, tuple[int, ...]] = {
    "torso": tuple(range(7)),
    "head": (15, 16, 32, 33, 34),
    "left_upper_arm": (7,), "left_lower_arm": (8,), "left_hand": (9, 10),
    "right_upper_arm": (11,), "right_lower_arm": (12,), "right_hand": (13, 14),
    "left_upper_leg": (17,), "left_lower_leg": (18,), "left_foot": (19, 20),
    "right_upper_leg": (21,), "right_lower_leg": (22,), "right_foot": (23, 24),
    "tail": tuple(range(25, 32)),
}  # fmt: skip


def _table(groups: dict[str, tuple[int, ...]], n: int) -> np.ndarray:
    table = np.zeros(n, np.int16)
    for name, joints in groups.items():
        table[list(joints)] = PART_BY_NAME[name].id
    assert (table > 0).all()
    return table


SMPLX_JOINT_PART = _table(_SMPLX_GROUPS, 55)  # (55,) palette id per SMPL-X joint
SMAL_JOINT_PART = _table(_SMAL_GROUPS, 35)  # (35,) palette id per SMAL joint


def _weights(model) -> np.ndarray:
    w = model["weights"] if isinstance(model, dict) else model.lbs_weights
    return w.detach().cpu().numpy() if hasattr(w, "detach") else np.asarray(w)


def smplx_vertex_parts(model) -> np.ndarray:
    """(V,) int16 palette ids for an ``smplx.SMPLX`` model (or a dict with ``weights`` (V, 55))."""
    w = _weights(model)
    return SMPLX_JOINT_PART[w[:, :55].argmax(1)]


def smal_vertex_parts(model) -> np.ndarray:
    """(V,) int16 palette ids for a :class:`~revision.body.smal.SMAL` (or a dict with ``weights`` (V, 35))."""
    return SMAL_JOINT_PART[_weights(model).argmax(1)]
