"""SMAL (animals): a body layer on ``smplx.lbs`` with 35 joints, pose θ ∈ R^105, shape β ∈ R^41.

``smplx`` has no SMAL, so :class:`SMAL` registers the model arrays as buffers and calls
``smplx.lbs.lbs`` — the same linear blend skinning as SMPL-X. :func:`load_smal` reads a SMAL model
file by path (``.npz``, or the official ``.pkl`` *without chumpy*: chumpy objects inside the pickle
are read back as their plain arrays, scipy sparse regressors are densified); with no path it writes
the procedural quadruped of :mod:`revision.body.procedural_smal` to the cache as ``.npz`` once and
loads that file through the same code.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from revision.body.smplx_model import _cache_root

SMAL_POSE_DIM = 102  # 34 joints × 3 (axis-angle), after the 3 of global_orient
SMAL_NUM_BETAS = 41
GET_SMAL = (
    "Download SMAL (license required) from https://smal.is.tue.mpg.de (smal_CVPR2017.pkl), convert it to "
    ".npz if it needs chumpy, and pass the file with --smal-model PATH (or load_smal(path)). Leave it unset "
    "to use the embedded procedural quadruped."
)


@dataclass
class SMALOutput:
    vertices: torch.Tensor  # (B, V, 3)
    joints: torch.Tensor  # (B, 35, 3)


class SMAL(nn.Module):
    """SMAL body layer. Build it from a model's arrays (see :func:`load_smal`)."""

    NUM_JOINTS = 35

    def __init__(self, data: dict[str, np.ndarray], dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        v = np.asarray(data["v_template"], np.float64)
        V = len(v)
        shapedirs = np.asarray(data["shapedirs"], np.float64).reshape(V, 3, -1)
        posedirs = np.asarray(data["posedirs"], np.float64).reshape(V * 3, -1).T  # (P, V*3) as smplx
        parents = np.asarray(data["kintree_table"])[0].astype(np.int64)
        parents[0] = -1
        if len(parents) != self.NUM_JOINTS:
            raise ValueError(f"a SMAL model has {self.NUM_JOINTS} joints, this file has {len(parents)}")
        self.faces = np.asarray(data["f"]).astype(np.int64)
        self.register_buffer("v_template", torch.tensor(v, dtype=dtype))
        self.register_buffer("shapedirs", torch.tensor(shapedirs, dtype=dtype))
        self.register_buffer("posedirs", torch.tensor(posedirs, dtype=dtype))
        self.register_buffer("J_regressor", torch.tensor(_dense(data["J_regressor"]), dtype=dtype))
        self.register_buffer("lbs_weights", torch.tensor(np.asarray(data["weights"], np.float64), dtype=dtype))
        self.register_buffer("parents", torch.tensor(parents))
        self.register_buffer("faces_tensor", torch.tensor(self.faces))
        self.source = str(data.get("source", ""))

    @property
    def num_betas(self) -> int:
        return int(self.shapedirs.shape[-1])

    def forward(
        self,
        global_orient: torch.Tensor,
        pose: torch.Tensor,
        betas: torch.Tensor | None = None,
        transl: torch.Tensor | None = None,
    ) -> SMALOutput:
        """global_orient (B, 3), pose (B, 102) axis-angle, betas (B, ≤41) or (≤41,), transl (B, 3)."""
        from revision.body.skinning import effective_posedirs, lbs

        B = global_orient.shape[0]
        full_pose = torch.cat([global_orient.reshape(B, 3), pose.reshape(B, SMAL_POSE_DIM)], dim=1)
        if betas is None:
            betas = torch.zeros(B, self.num_betas, dtype=self.v_template.dtype, device=full_pose.device)
        if betas.ndim == 1:
            betas = betas[None]
        betas = betas.expand(B, -1)
        nb = betas.shape[1]
        if nb > self.num_betas:
            raise ValueError(f"betas has {nb} coefficients, this SMAL model has {self.num_betas}")
        vertices, joints = lbs(betas, full_pose, self.v_template, self.shapedirs[..., :nb],
                               effective_posedirs(self), self.J_regressor, self.parents, self.lbs_weights)  # fmt: skip
        if transl is not None:
            vertices = vertices + transl.reshape(B, 1, 3)
            joints = joints + transl.reshape(B, 1, 3)
        return SMALOutput(vertices=vertices, joints=joints)


def _dense(x) -> np.ndarray:
    return np.asarray(x.toarray() if hasattr(x, "toarray") else x, np.float64)


class _ChumpyStandIn:
    """Receives a pickled chumpy object's state; :func:`_plain` turns it into its array."""

    def __init__(self, *args, **kwargs) -> None:
        self.state = None

    def __setstate__(self, state) -> None:
        self.state = state


class _NoChumpyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if module.startswith("chumpy"):
            return _ChumpyStandIn
        return super().find_class(module, name)


def _plain(x):
    if isinstance(x, _ChumpyStandIn):
        st = x.state if isinstance(x.state, dict) else {}
        for key in ("x", "a", "r"):
            if key in st and not isinstance(st[key], _ChumpyStandIn):
                return np.asarray(st[key])
        raise ValueError("a chumpy expression in the SMAL pickle cannot be read without chumpy; convert it to .npz")
    return x


def read_smal_file(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """A SMAL model file (``.npz`` or ``.pkl``) → dict of plain arrays (chumpy not needed)."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise FileNotFoundError(f"SMAL model file {p} does not exist. {GET_SMAL}")
    if p.suffix == ".npz":
        with np.load(p, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    elif p.suffix == ".pkl":
        with open(p, "rb") as fh:
            raw = _NoChumpyUnpickler(fh, encoding="latin1").load()
        data = {k: _plain(v) for k, v in raw.items()}
    else:
        raise ValueError(f"SMAL model file must be .npz or .pkl, got {p.name}. {GET_SMAL}")
    missing = [k for k in ("v_template", "f", "shapedirs", "posedirs", "J_regressor", "weights", "kintree_table")
               if k not in data]  # fmt: skip
    if missing:
        raise ValueError(f"{p} is not a SMAL model file: missing {', '.join(missing)}")
    data["source"] = str(p)
    return data


def procedural_smal_path(cache_dir: str | os.PathLike | None = None) -> Path:
    """The procedural quadruped as a SMAL ``.npz`` file (generated once, deterministic, cached)."""
    root = _cache_root(cache_dir) if cache_dir is not None else _cache_root(None).parent / "procedural_smal_v1"
    path = root / "smal_procedural.npz"
    if path.is_file():
        return path
    from revision.body.procedural_smal import build_smal_arrays

    root.mkdir(parents=True, exist_ok=True)
    arrays = build_smal_arrays()
    with tempfile.NamedTemporaryFile(dir=root, suffix=".npz", delete=False) as tmp:
        np.savez_compressed(tmp, **arrays)
    os.replace(tmp.name, path)
    return path


def load_smal(path: str | os.PathLike | None = None, dtype: torch.dtype = torch.float32) -> SMAL:
    """A :class:`SMAL` from ``path`` (env ``REVISION_SMAL_MODEL`` if None), else the procedural quadruped."""
    if path is None:
        path = os.environ.get("REVISION_SMAL_MODEL") or None
    procedural = path is None
    model = SMAL(read_smal_file(procedural_smal_path() if procedural else path), dtype=dtype)
    model.source = "procedural" if procedural else str(path)
    return model
