"""Priors and robust losses of the SMPLify-X-style fit (no learned prior: VPoser/GMM weights are licensed).

- ``pose_l2``: ridge on body-pose axis-angles (keeps unseen joints at rest).
- ``angle_prior``: SMPLify's penalty on elbows and knees bending the wrong way,
  ``exp(sign * θ)²`` on the elbow y-axes and knee x-axes.
- ``shape_l2``: ridge on betas (unit-variance PCA space).
- ``gmof``: Geman-McClure robustifier ``σ² r² / (σ² + r²)`` for 2D residuals.
- ``temporal``: squared first (velocity) and second (acceleration) differences over frames.
"""

from __future__ import annotations

import torch

# (index into body_pose (63,), sign): left elbow y, right elbow y, left knee x, right knee x (SMPLify)
_ANGLE_IDX = torch.tensor([(18 - 1) * 3 + 1, (19 - 1) * 3 + 1, (4 - 1) * 3 + 0, (5 - 1) * 3 + 0])
_ANGLE_SIGN = torch.tensor([1.0, -1.0, -1.0, -1.0])


def pose_l2(body_pose: torch.Tensor) -> torch.Tensor:
    """(F, 63) → (F,) sum of squared axis-angle components."""
    return body_pose.pow(2).sum(-1)


def angle_prior(body_pose: torch.Tensor) -> torch.Tensor:
    """(F, 63) → (F,) SMPLify elbow/knee hyper-extension penalty."""
    return torch.exp(body_pose[:, _ANGLE_IDX] * _ANGLE_SIGN).pow(2).sum(-1)


def shape_l2(betas: torch.Tensor) -> torch.Tensor:
    """(..., 10) → () sum of squares."""
    return betas.pow(2).sum()


def gmof(residual_sq: torch.Tensor, sigma: float) -> torch.Tensor:
    """Squared residuals (...) → Geman-McClure robust cost (...), saturating at ``sigma²``."""
    s2 = sigma * sigma
    return s2 * residual_sq / (s2 + residual_sq)


def temporal(x: torch.Tensor, w_vel: float, w_acc: float) -> torch.Tensor:
    """(F, ...) → () mean squared velocity * w_vel + mean squared acceleration * w_acc (0 for F < 2)."""
    out = x.new_zeros(())
    if x.shape[0] >= 2 and w_vel > 0:
        out = out + w_vel * (x[1:] - x[:-1]).pow(2).sum(-1).mean()
    if x.shape[0] >= 3 and w_acc > 0:
        out = out + w_acc * (x[2:] - 2 * x[1:-1] + x[:-2]).pow(2).sum(-1).mean()
    return out
