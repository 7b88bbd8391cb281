"""Fallback part masks without a mesh renderer: capsules along the fitted SMPL-X bones.

Used only when ``revision.render.render_condition`` cannot be imported (the annotation CLI notes it
in the shard). Each body part of :mod:`revision.palette` is drawn as a thick line between two projected
joints (width = ``limb_width_m`` at the joint's depth), the head as a disc, the torso as the polygon
hips–shoulders; objects as the polygon of their 16 contour points. Confidence 1 where drawn.
"""

from __future__ import annotations

import numpy as np
import torch

from revision.lifting.skeleton import SMPLXSkeleton
from revision.palette import PART_BY_NAME
from revision.perception.geometry import project
from revision.types import ConditionMaps, MotionSequence

# part name → (from joint, to joint) in the 22 body joints
BONES = {
    "left_upper_arm": (16, 18), "right_upper_arm": (17, 19), "left_lower_arm": (18, 20),
    "right_lower_arm": (19, 21), "left_upper_leg": (1, 4), "right_upper_leg": (2, 5),
    "left_lower_leg": (4, 7), "right_lower_leg": (5, 8), "left_foot": (7, 10), "right_foot": (8, 11),
}  # fmt: skip


def render_stick_parts(
    motion: MotionSequence, skeleton: SMPLXSkeleton, height: int, width: int, limb_width_m: float = 0.11
) -> ConditionMaps:
    """MotionSequence → ConditionMaps (F, height, width) drawn from joints (no mesh)."""
    import cv2

    cam = motion.camera.scaled(width, height)
    F = motion.num_frames
    part_ids = np.zeros((F, height, width), np.int16)
    for tr in sorted(motion.tracks, key=lambda t: -_depth(t)):  # far to near: nearer tracks overwrite
        if tr.kind == "smplx":
            p = {k: torch.as_tensor(v, dtype=torch.float32) for k, v in tr.params.items()}
            with torch.no_grad():
                joints, markers = skeleton(p["global_orient"], p["body_pose"], p["betas"], p["transl"])
            j = joints.numpy()
            uv = project(j, cam)
            for f in range(F):
                if tr.confidence[f] <= 0 or (j[f, :, 2] <= 0.05).any():
                    continue
                img = part_ids[f]
                pts = [(int(round(x)), int(round(y))) for x, y in uv[f]]
                widths = [max(1, int(cam.fx * limb_width_m / z)) for z in j[f, :, 2]]
                px, wpx = pts.__getitem__, widths.__getitem__
                torso = np.array([px(1), px(2), px(17), px(16)], np.int32)
                cv2.fillConvexPoly(img, torso, int(PART_BY_NAME["torso"].id))
                cv2.line(img, px(0), px(12), int(PART_BY_NAME["torso"].id), wpx(0) * 2)
                for name, (a, b) in BONES.items():
                    cv2.line(img, px(a), px(b), int(PART_BY_NAME[name].id), wpx(a))
                for side, w in (("left_hand", 20), ("right_hand", 21)):
                    cv2.circle(img, px(w), wpx(w), int(PART_BY_NAME[side].id), -1)
                cv2.circle(img, px(15), int(cam.fx * 0.11 / j[f, 15, 2]), int(PART_BY_NAME["head"].id), -1)
        elif tr.kind == "object":
            uv = project(tr.params["points"][:, :16], cam)
            for f in range(F):
                if tr.confidence[f] > 0:
                    cv2.fillPoly(part_ids[f], [np.round(uv[f]).astype(np.int32)], int(PART_BY_NAME["object"].id))
    return ConditionMaps(part_ids, (part_ids > 0).astype(np.float32))


def _depth(tr) -> float:
    if tr.kind == "object":
        return float(np.median(tr.params["points"][..., 2]))
    return float(np.median(tr.params["transl"][:, 2]))
