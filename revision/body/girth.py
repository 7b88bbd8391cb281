"""Per-segment girth of an SMPL-X body: a fit-only shape parameter beside ``betas``.

SMPL-X's shape space (and the procedural body's, whose one girth direction scales every limb alike) cannot
make a person's forearms thinner while their thighs grow wider (loose shorts over thin shins: messi5's
fitted forearms, hands and shins were too thick, his thighs too thin). ``girth`` adds that freedom without
touching ``betas``, so the synthetic world, which samples 10 betas and nothing else, and every model trained
on it see nothing new.

``girth`` is a (G,) per-track constant (``Track.params["girth"]``, like ``betas``), G = ``len(SEGMENTS)``:
the relative change of the body's radius per segment, left and right alike — 0 keeps the model's surface,
0.2 makes that segment 20 % thicker about its bone, −0.3 30 % thinner. Per rest vertex v the offset is

    Δv = Σ_k girth_k · D_k(v),   D_k(v) = Σ_{j ∈ joints of segment k} w_vj · r_j(v)

with ``w_vj`` the model's own skinning weights and ``r_j(v)`` the component of ``v`` perpendicular to joint
j's bone line (the line through the joint and its segment's end joint, not clamped, so a girth never
lengthens a limb). Both factors are continuous over the mesh, so segments blend across joints as the
skinning does (no crack, no step). The offset is added in rest space after the joints are computed: joints,
markers and everything built on them (keypoint fit, physics, PPPM) are independent of the girth. It works
on any SMPL-X-layout model (the licensed files or the procedural body): only ``v_template``,
``J_regressor`` and ``lbs_weights`` are read.
"""

from __future__ import annotations

import numpy as np
import torch

# segment → (bone line per side: (joint, end joint), ..., extra joints that share the first side's line)
SEGMENTS: tuple[str, ...] = ("torso", "upper_arm", "forearm", "hand", "thigh", "shin")
NUM_GIRTH = len(SEGMENTS)
_LINES: dict[str, tuple[tuple[int, int, tuple[int, ...]], ...]] = {
    # torso: pelvis, spine1-3 and the collars about the pelvis → neck line
    "torso": ((0, 12, (3, 6, 9, 13, 14)),),
    "upper_arm": ((16, 18, ()), (17, 19, ())),
    "forearm": ((18, 20, ()), (19, 21, ())),
    # hand: wrist and all fingers about the wrist → middle finger base line
    "hand": ((20, 28, tuple(range(25, 40))), (21, 43, tuple(range(40, 55)))),
    "thigh": ((1, 4, ()), (2, 5, ())),
    "shin": ((4, 7, ()), (5, 8, ())),
}


def _np(x) -> np.ndarray:
    return x.detach().cpu().double().numpy() if hasattr(x, "detach") else np.asarray(x, np.float64)


def girth_dirs_np(v_template, J_regressor, lbs_weights) -> np.ndarray:
    """(V, 3) rest vertices, (J, V) joint regressor, (V, J) skinning weights → (V, 3, G) girth directions
    (metres per unit girth), float64. Joints ≥ 55 (SMPL-X layout) are required for the hand lines."""
    v, jreg, w = _np(v_template), _np(J_regressor), _np(lbs_weights)
    J = jreg @ v
    d = np.zeros((*v.shape, NUM_GIRTH))
    for k, name in enumerate(SEGMENTS):
        for a, b, extra in _LINES[name]:
            axis = J[b] - J[a]
            axis = axis / max(np.linalg.norm(axis), 1e-9)
            off = v - J[a]
            r = off - (off @ axis)[:, None] * axis  # perpendicular to the bone line
            d[:, :, k] += w[:, [a, *extra]].sum(1)[:, None] * r
    return d


_CACHE: dict[int, tuple[object, torch.Tensor]] = {}


def girth_dirs(model) -> torch.Tensor:
    """(V, 3, G) girth directions of an SMPL-X model (``model.v_template`` dtype), cached per model."""
    hit = _CACHE.get(id(model))
    if hit is not None and hit[0] is model:
        return hit[1]
    d = torch.as_tensor(girth_dirs_np(model.v_template, model.J_regressor, model.lbs_weights),
                        dtype=model.v_template.dtype)  # fmt: skip
    if len(_CACHE) >= 4:  # a few models per process at most (procedural, licensed, tests)
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[id(model)] = (model, d)
    return d


def girth_offsets(dirs: torch.Tensor, girth) -> torch.Tensor:
    """(V, 3, G) directions, (G,) or (B, G) girth → (V, 3) or (B, V, 3) rest-space vertex offsets."""
    g = torch.as_tensor(girth, dtype=dirs.dtype, device=dirs.device)
    if g.shape[-1] != dirs.shape[-1]:
        raise ValueError(
            f"girth has {g.shape[-1]} coefficients, expected {dirs.shape[-1]} ({', '.join(SEGMENTS)})"
        )
    return torch.einsum("vdg,...g->...vd", dirs, g)


def has_girth(params: dict) -> bool:
    """Whether a track's params carry a non-zero ``girth`` (absent or all zeros: the plain model)."""
    g = params.get("girth")
    return g is not None and bool(np.any(np.asarray(g) != 0))
