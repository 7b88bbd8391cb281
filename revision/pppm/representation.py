"""Track params ↔ PPPM tokens: continuous 6D rotations, first-frame-relative translation.

Every frame of every track becomes one feature vector of :data:`FEATURE_DIM` numbers (zero-padded
per kind; :func:`feature_mask` says which entries a kind uses). Layout per kind:

- ``smplx``  : global_orient 6D (6) · body_pose 21 joints × 6D (126) · transl − transl[0] (3)  = 135
- ``smal``   : global_orient 6D (6) · pose 34 joints × 6D (204)      · transl − transl[0] (3)  = 213
- ``object`` : points (21 × 3) − centre of frame 0                                              = 63

The 6D rotation of a matrix R is its first two columns ``[R[:, 0], R[:, 1]]`` (Zhou et al. 2019, and
HumanML3D's ``rot_data`` convention); decoding orthonormalises them by Gram–Schmidt. Translations are
stored relative to frame 0 (the returned ``origin``), so the model is translation invariant; betas are
per-track constants and pass through untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from revision.types import Track, TrackKind

KINDS: tuple[TrackKind, ...] = ("smplx", "smal", "object")
KIND_ID: dict[str, int] = {k: i for i, k in enumerate(KINDS)}
NUM_SMPLX_BODY_JOINTS = 21  # body_pose (F, 63)
NUM_SMAL_JOINTS = 34  # pose (F, 102)
NUM_OBJECT_POINTS = 21  # 16 contour + 4 box corners + centre
KIND_DIM: dict[str, int] = {
    "smplx": 6 + NUM_SMPLX_BODY_JOINTS * 6 + 3,
    "smal": 6 + NUM_SMAL_JOINTS * 6 + 3,
    "object": NUM_OBJECT_POINTS * 3,
}
FEATURE_DIM = max(KIND_DIM.values())  # 213
# Which params carry per-frame motion (first dim F) for each kind; the rest (betas) are constants.
MOTION_KEYS: dict[str, tuple[str, ...]] = {
    "smplx": ("global_orient", "body_pose", "transl"),
    "smal": ("global_orient", "pose", "transl"),
    "object": ("points",),
}


# --------------------------------------------------------------------------------------------- rotations
def axis_angle_to_matrix(aa: torch.Tensor) -> torch.Tensor:
    """(..., 3) axis-angle → (..., 3, 3) rotation matrices (Rodrigues; exact at 0)."""
    theta = aa.norm(dim=-1, keepdim=True)  # (..., 1)
    small = theta < 1e-6
    safe = torch.where(small, torch.ones_like(theta), theta)
    k = aa / safe
    kx, ky, kz = k.unbind(-1)
    zero = torch.zeros_like(kx)
    K = torch.stack([zero, -kz, ky, kz, zero, -kx, -ky, kx, zero], dim=-1).reshape(*aa.shape[:-1], 3, 3)
    s, c = torch.sin(theta)[..., None], torch.cos(theta)[..., None]
    eye = torch.eye(3, dtype=aa.dtype, device=aa.device).expand_as(K)
    R = eye + s * K + (1 - c) * (K @ K)
    # first-order expansion near zero keeps gradients finite
    x, y, z = aa.unbind(-1)
    R_small = eye + torch.stack([zero, -z, y, z, zero, -x, -y, x, zero], dim=-1).reshape(K.shape)
    return torch.where(small[..., None], R_small, R)


def matrix_to_axis_angle(R: torch.Tensor) -> torch.Tensor:
    """(..., 3, 3) rotation matrices → (..., 3) axis-angle with angle in [0, π] (robust near 0 and π)."""
    # via quaternions (Shepperd's method picks the numerically largest component)
    m = R
    tr = m[..., 0, 0] + m[..., 1, 1] + m[..., 2, 2]
    cand = torch.stack(
        [
            torch.stack([1 + tr, m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] - m[..., 0, 1]], -1),
            torch.stack([m[..., 2, 1] - m[..., 1, 2], 1 + m[..., 0, 0] - m[..., 1, 1] - m[..., 2, 2], m[..., 0, 1] + m[..., 1, 0], m[..., 0, 2] + m[..., 2, 0]], -1),
            torch.stack([m[..., 0, 2] - m[..., 2, 0], m[..., 0, 1] + m[..., 1, 0], 1 - m[..., 0, 0] + m[..., 1, 1] - m[..., 2, 2], m[..., 1, 2] + m[..., 2, 1]], -1),
            torch.stack([m[..., 1, 0] - m[..., 0, 1], m[..., 0, 2] + m[..., 2, 0], m[..., 1, 2] + m[..., 2, 1], 1 - m[..., 0, 0] - m[..., 1, 1] + m[..., 2, 2]], -1),
        ],
        dim=-2,
    )  # (..., 4, 4): row i is 4·q_i·q  # fmt: skip
    diag = torch.stack([1 + tr, 1 + m[..., 0, 0] - m[..., 1, 1] - m[..., 2, 2],
                        1 - m[..., 0, 0] + m[..., 1, 1] - m[..., 2, 2], 1 - m[..., 0, 0] - m[..., 1, 1] + m[..., 2, 2]], -1)  # fmt: skip
    best = diag.argmax(dim=-1)
    q = torch.gather(cand, -2, best[..., None, None].expand(*best.shape, 1, 4)).squeeze(-2)
    q = q / q.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    q = torch.where(q[..., :1] < 0, -q, q)  # w >= 0 → angle in [0, π]
    w, v = q[..., 0], q[..., 1:]
    sin_half = v.norm(dim=-1)
    angle = 2 * torch.atan2(sin_half, w)
    scale = torch.where(sin_half > 1e-7, angle / sin_half.clamp_min(1e-12), 2.0 / w.clamp_min(1e-12))
    return v * scale[..., None]


def matrix_to_rotation_6d(R: torch.Tensor) -> torch.Tensor:
    """(..., 3, 3) → (..., 6): the first two columns, concatenated."""
    return torch.cat([R[..., :, 0], R[..., :, 1]], dim=-1)


def rotation_6d_to_matrix(d6: torch.Tensor) -> torch.Tensor:
    """(..., 6) → (..., 3, 3) by Gram–Schmidt on the two columns (any non-degenerate input is valid)."""
    a1, a2 = d6[..., :3], d6[..., 3:]
    b1 = a1 / a1.norm(dim=-1, keepdim=True).clamp_min(1e-8)
    a2 = a2 - (b1 * a2).sum(-1, keepdim=True) * b1
    b2 = a2 / a2.norm(dim=-1, keepdim=True).clamp_min(1e-8)
    b3 = torch.cross(b1, b2, dim=-1)
    return torch.stack([b1, b2, b3], dim=-1)


def axis_angle_to_6d(aa: torch.Tensor) -> torch.Tensor:
    """(..., 3) → (..., 6)."""
    return matrix_to_rotation_6d(axis_angle_to_matrix(aa))


def rotation_6d_to_axis_angle(d6: torch.Tensor) -> torch.Tensor:
    """(..., 6) → (..., 3)."""
    return matrix_to_axis_angle(rotation_6d_to_matrix(d6))


# ------------------------------------------------------------------------------------------- tokens
def feature_mask(kind: str) -> torch.Tensor:
    """(FEATURE_DIM,) bool: the entries a track of ``kind`` uses."""
    m = torch.zeros(FEATURE_DIM, dtype=torch.bool)
    m[: KIND_DIM[kind]] = True
    return m


def rotation_slices(kind: str) -> list[slice]:
    """Slices of the feature vector that hold 6D rotations (for losses and metrics)."""
    if kind == "object":
        return []
    n = NUM_SMPLX_BODY_JOINTS if kind == "smplx" else NUM_SMAL_JOINTS
    return [slice(0, 6 + 6 * n)]


@dataclass
class EncodedTrack:
    features: torch.Tensor  # (F, FEATURE_DIM) float32, zero beyond KIND_DIM[kind]
    kind: str
    origin: np.ndarray  # (3,) translation (or object centre) of frame 0 that features are relative to
    constants: dict[str, np.ndarray]  # per-track params without a frame axis (betas)


def _check_params(kind: str, params: dict[str, np.ndarray]) -> int:
    if kind not in KIND_DIM:
        raise ValueError(f"unknown track kind {kind!r}; expected one of {KINDS}")
    missing = [k for k in MOTION_KEYS[kind] if k not in params]
    if missing:
        raise ValueError(f"{kind} track is missing params {missing}")
    n = int(np.asarray(params[MOTION_KEYS[kind][0]]).shape[0])
    expect = {"global_orient": (3,), "body_pose": (63,), "pose": (102,), "transl": (3,), "points": (21, 3)}
    for k in MOTION_KEYS[kind]:
        shape = tuple(np.asarray(params[k]).shape)
        if shape != (n, *expect[k]):
            raise ValueError(f"{kind} param {k!r} must be (F, {', '.join(map(str, expect[k]))}), got {shape}")
    return n


def encode_params(kind: str, params: dict[str, np.ndarray], origin: np.ndarray | None = None) -> EncodedTrack:
    """Track params → (F, FEATURE_DIM) features relative to ``origin`` (default: frame 0)."""
    n = _check_params(kind, params)
    p = {k: torch.as_tensor(np.asarray(v, np.float32)) for k, v in params.items()}
    if kind == "object":
        pts = p["points"]  # (F, 21, 3)
        org = pts[0].mean(0).numpy() if origin is None else np.asarray(origin, np.float32)
        feats = (pts - torch.as_tensor(org)).reshape(n, -1)
    else:
        pose_key = "body_pose" if kind == "smplx" else "pose"
        go = axis_angle_to_6d(p["global_orient"])  # (F, 6)
        pose = axis_angle_to_6d(p[pose_key].reshape(n, -1, 3)).reshape(n, -1)
        org = p["transl"][0].numpy() if origin is None else np.asarray(origin, np.float32)
        feats = torch.cat([go, pose, p["transl"] - torch.as_tensor(org)], dim=-1)
    out = torch.zeros(n, FEATURE_DIM)
    out[:, : feats.shape[1]] = feats
    constants = {k: np.asarray(v) for k, v in params.items() if k not in MOTION_KEYS[kind]}
    return EncodedTrack(out, kind, np.asarray(org, np.float32).copy(), constants)


def decode_features(
    features: torch.Tensor, kind: str, origin: np.ndarray, constants: dict[str, np.ndarray] | None = None
) -> dict[str, np.ndarray]:
    """(F, FEATURE_DIM) features → Track params (numpy float32), inverse of :func:`encode_params`."""
    n = features.shape[0]
    f = features.detach().float().cpu()
    org = torch.as_tensor(np.asarray(origin, np.float32))
    out: dict[str, np.ndarray] = {}
    if kind == "object":
        out["points"] = (f[:, :63].reshape(n, 21, 3) + org).numpy()
    else:
        nj = NUM_SMPLX_BODY_JOINTS if kind == "smplx" else NUM_SMAL_JOINTS
        out["global_orient"] = rotation_6d_to_axis_angle(f[:, :6]).numpy()
        pose = rotation_6d_to_axis_angle(f[:, 6 : 6 + 6 * nj].reshape(n, nj, 6)).reshape(n, nj * 3)
        out["body_pose" if kind == "smplx" else "pose"] = pose.numpy()
        out["transl"] = (f[:, 6 + 6 * nj : 9 + 6 * nj] + org).numpy()
    for k, v in (constants or {}).items():
        out[k] = np.asarray(v).copy()
    return out


def encode_track(track: Track) -> EncodedTrack:
    """A :class:`Track` → its features (see :func:`encode_params`)."""
    return encode_params(track.kind, track.params)
