"""A joints-only SMPL-X stand-in: the 55 rest joints of an average adult, for when no body model loads.

:class:`~revision.lifting.skeleton.SMPLXSkeleton` needs only ``v_template``, ``shapedirs``,
``J_regressor``, ``parents`` and ``pose_mean``. Here the "vertices" are the joints themselves
(``J_regressor`` = identity) at approximate SMPL-X neutral rest positions (metres, y up, facing +z,
+x = body left), and the first shape directions are interpretable: β0 scales the body about the floor
(+5 % height per unit), β1 widens the shoulders (+2 cm per unit), β2 lengthens the legs (+3 %).
It fits and reports joints only — no mesh, so no silhouettes; :func:`revision.lifting.extract_motion`
uses it (and says so in its notes) only when no body model loads. The body joint table and
parents are those of the procedural SMPL-X (:mod:`revision.body.procedural_smplx`).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch

from revision.body.procedural_smplx import BODY_REST_JOINTS, PARENTS  # one table for both


def rest_joints() -> np.ndarray:
    """(55, 3) rest joints: body from the table, fingers fanned out from the wrists (3 cm apart)."""
    J = np.zeros((55, 3))
    for k, v in BODY_REST_JOINTS.items():
        J[k] = v
    for side, wrist, sign in ((0, 20, 1.0), (1, 21, -1.0)):
        base = 25 + 15 * side
        for finger in range(5):
            for k in range(3):
                J[base + 3 * finger + k] = J[wrist] + (sign * (0.08 + 0.025 * k), 0.0, 0.03 * (finger - 2))
    return J


def skeleton_only_model(num_betas: int = 10) -> SimpleNamespace:
    """Buffers with SMPL-X names for :class:`~revision.lifting.skeleton.SMPLXSkeleton` (joints only)."""
    J = rest_joints()
    dirs = np.zeros((55, 3, num_betas))
    dirs[:, 1, 0] = 0.05 * J[:, 1]  # height scale about the floor
    dirs[:, 0, 0] = 0.05 * J[:, 0]
    arm = [13, 14, 16, 17, 18, 19, 20, 21, *range(25, 55)]
    dirs[arm, 0, 1] = 0.02 * np.sign(J[arm, 0])  # shoulder width
    legs = [1, 2, 4, 5, 7, 8, 10, 11]
    dirs[legs, 1, 2] = 0.03 * (J[legs, 1] - 0.93)  # leg length (hips fixed)
    return SimpleNamespace(
        v_template=torch.tensor(J, dtype=torch.float32),
        shapedirs=torch.tensor(dirs, dtype=torch.float32),
        J_regressor=torch.eye(55),
        parents=torch.as_tensor(PARENTS),
        pose_mean=torch.zeros(165),
    )
