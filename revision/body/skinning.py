"""Linear blend skinning that skips pose blend shapes when a model has none.

Same maths as ``smplx.lbs.lbs`` (built from its pieces); the procedural models have zero
``posedirs``, and the (B, 9·(J−1)) × (9·(J−1), 3V) product that would add nothing is the largest
single cost of posing them, so :func:`lbs` takes ``posedirs=None`` to skip it.
"""

from __future__ import annotations

import torch


def lbs(
    betas: torch.Tensor,
    pose: torch.Tensor,
    v_template: torch.Tensor,
    shapedirs: torch.Tensor,
    posedirs: torch.Tensor | None,
    J_regressor: torch.Tensor,
    parents: torch.Tensor,
    lbs_weights: torch.Tensor,
    v_offset: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """betas (B, S), pose (B, 3J) axis-angle → vertices (B, V, 3), joints (B, J, 3) (as ``smplx.lbs.lbs``).

    ``v_offset`` (V, 3) or (B, V, 3): rest-space vertex offsets added after the joints are regressed (the
    per-segment girth of :mod:`revision.body.girth`: the surface changes, the skeleton does not)."""
    from smplx.lbs import batch_rigid_transform, batch_rodrigues, blend_shapes, vertices2joints

    B = pose.shape[0]
    v_shaped = v_template + blend_shapes(betas, shapedirs)
    J = vertices2joints(J_regressor, v_shaped)
    if v_offset is not None:
        v_shaped = v_shaped + v_offset
    rot = batch_rodrigues(pose.reshape(-1, 3)).reshape(B, -1, 3, 3)
    if posedirs is not None:
        ident = torch.eye(3, dtype=rot.dtype, device=rot.device)
        feat = (rot[:, 1:] - ident).reshape(B, -1)
        v_shaped = v_shaped + (feat @ posedirs).reshape(B, -1, 3)
    J_posed, A = batch_rigid_transform(rot, J, parents, dtype=rot.dtype)
    T = (lbs_weights @ A.reshape(B, -1, 16)).reshape(B, -1, 4, 4)  # (B, V, 4, 4)
    verts = torch.einsum("bvij,bvj->bvi", T[:, :, :3, :3], v_shaped) + T[:, :, :3, 3]
    return verts, J_posed


def effective_posedirs(model) -> torch.Tensor | None:
    """``model.posedirs``, or None when it is all zeros (checked once per model, then cached)."""
    cached = getattr(model, "_revision_zero_posedirs", None)
    if cached is None:
        cached = bool((model.posedirs == 0).all())
        try:
            model._revision_zero_posedirs = cached
        except AttributeError:  # pragma: no cover - frozen objects
            pass
    return None if cached else model.posedirs
