"""A joints-only SMPL-X forward pass and the explicit MediaPipe-33 → SMPL-X landmark map.

Fitting needs joints, not the 10,475 vertices, so :class:`SMPLXSkeleton` evaluates only the kinematic
chain of the joints the landmarks hang on. Joint positions equal ``smplx.SMPLX(...).joints[:, :55]``
exactly: rest joints ``J = J_regressor (v_template + shapedirs β)``, then the chain
``R_i = R_parent R_local_i``, ``p_i = p_parent + R_parent (J_i − J_parent)``, plus ``transl``.

**Landmark map.** Each MediaPipe landmark is a *marker*: an SMPL-X joint plus a fixed offset given in
the canonical rest frame (metres; x = body left, y = up, z = forward), carried along by that joint's
rotation. Limb landmarks sit on their joint (offset 0); the face hangs on ``head``, the heel and the
toe tip on ``left/right_ankle`` / ``left/right_foot``, hand landmarks on the first finger joints.
Offsets are average-adult values; they do not scale with ``betas``.
"""

from __future__ import annotations

import numpy as np
import torch

from revision.body.girth import NUM_GIRTH
from revision.perception.mediapipe_backend import MEDIAPIPE_LANDMARKS

SMPLX_JOINTS: tuple[str, ...] = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2", "left_ankle",
    "right_ankle", "spine3", "left_foot", "right_foot", "neck", "left_collar", "right_collar", "head",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "jaw",
    "left_eye_smplhf", "right_eye_smplhf",
    *(f"left_{f}{k}" for f in ("index", "middle", "pinky", "ring", "thumb") for k in (1, 2, 3)),
    *(f"right_{f}{k}" for f in ("index", "middle", "pinky", "ring", "thumb") for k in (1, 2, 3)),
)  # fmt: skip
NUM_BODY_JOINTS = 22  # pelvis .. right_wrist: the joints driven by global_orient + body_pose (63)
NUM_BETAS = 10

# MediaPipe landmark → (SMPL-X joint, rest-frame offset in metres). Order = MEDIAPIPE_LANDMARKS.
MEDIAPIPE_TO_SMPLX: dict[str, tuple[str, tuple[float, float, float]]] = {
    "nose": ("head", (0.0, 0.03, 0.11)),
    "left_eye_inner": ("head", (0.015, 0.065, 0.09)),
    "left_eye": ("head", (0.033, 0.065, 0.085)),
    "left_eye_outer": ("head", (0.05, 0.065, 0.075)),
    "right_eye_inner": ("head", (-0.015, 0.065, 0.09)),
    "right_eye": ("head", (-0.033, 0.065, 0.085)),
    "right_eye_outer": ("head", (-0.05, 0.065, 0.075)),
    "left_ear": ("head", (0.075, 0.04, 0.0)),
    "right_ear": ("head", (-0.075, 0.04, 0.0)),
    "mouth_left": ("head", (0.025, -0.02, 0.095)),
    "mouth_right": ("head", (-0.025, -0.02, 0.095)),
    "left_shoulder": ("left_shoulder", (0.0, 0.0, 0.0)),
    "right_shoulder": ("right_shoulder", (0.0, 0.0, 0.0)),
    "left_elbow": ("left_elbow", (0.0, 0.0, 0.0)),
    "right_elbow": ("right_elbow", (0.0, 0.0, 0.0)),
    "left_wrist": ("left_wrist", (0.0, 0.0, 0.0)),
    "right_wrist": ("right_wrist", (0.0, 0.0, 0.0)),
    "left_pinky": ("left_pinky1", (0.0, 0.0, 0.0)),
    "right_pinky": ("right_pinky1", (0.0, 0.0, 0.0)),
    "left_index": ("left_index1", (0.0, 0.0, 0.0)),
    "right_index": ("right_index1", (0.0, 0.0, 0.0)),
    "left_thumb": ("left_thumb2", (0.0, 0.0, 0.0)),
    "right_thumb": ("right_thumb2", (0.0, 0.0, 0.0)),
    "left_hip": ("left_hip", (0.0, 0.0, 0.0)),
    "right_hip": ("right_hip", (0.0, 0.0, 0.0)),
    "left_knee": ("left_knee", (0.0, 0.0, 0.0)),
    "right_knee": ("right_knee", (0.0, 0.0, 0.0)),
    "left_ankle": ("left_ankle", (0.0, 0.0, 0.0)),
    "right_ankle": ("right_ankle", (0.0, 0.0, 0.0)),
    "left_heel": ("left_ankle", (0.0, -0.06, -0.06)),
    "right_heel": ("right_ankle", (0.0, -0.06, -0.06)),
    "left_foot_index": ("left_foot", (0.0, -0.01, 0.07)),
    "right_foot_index": ("right_foot", (0.0, -0.01, 0.07)),
}
assert tuple(MEDIAPIPE_TO_SMPLX) == MEDIAPIPE_LANDMARKS

# The body-skeleton joints (first 22) that MediaPipe sees directly, for evaluation.
LM_HIPS = (23, 24)
LM_TORSO = (11, 12, 23, 24)


def _axis_angle_to_matrix(aa: torch.Tensor) -> torch.Tensor:
    """(..., 3) axis-angle → (..., 3, 3) rotation matrices (Rodrigues, safe at 0)."""
    from smplx.lbs import batch_rodrigues

    return batch_rodrigues(aa.reshape(-1, 3)).reshape(*aa.shape[:-1], 3, 3)


class SMPLXSkeleton(torch.nn.Module):
    """Joints + MediaPipe markers of an SMPL-X model (any object with SMPL-X buffers, e.g. ``smplx.SMPLX``)."""

    def __init__(self, model, surface_samples: int = 1200) -> None:
        super().__init__()
        v_template = model.v_template.detach().float()
        shapedirs = model.shapedirs.detach().float()[..., :NUM_BETAS]
        if shapedirs.shape[-1] < NUM_BETAS:
            pad = torch.zeros(*shapedirs.shape[:-1], NUM_BETAS - shapedirs.shape[-1])
            shapedirs = torch.cat([shapedirs, pad], -1)
        jreg = model.J_regressor.detach().float()
        if jreg.shape[0] < len(SMPLX_JOINTS):
            raise ValueError(f"expected an SMPL-X model with ≥55 joints, got {jreg.shape[0]}")
        jreg = jreg[: len(SMPLX_JOINTS)]
        parents = model.parents.detach().long()[: len(SMPLX_JOINTS)].tolist()
        # joints the markers need, with all their ancestors, in chain order (parents precede children)
        marker_joints = [SMPLX_JOINTS.index(j) for j, _ in MEDIAPIPE_TO_SMPLX.values()]
        needed: set[int] = set(range(NUM_BODY_JOINTS))
        for j in marker_joints:
            while j >= 0:
                needed.add(j)
                j = parents[j]
        self.order = sorted(needed)  # SMPL-X joint ids evaluated (ids are topologically sorted)
        self.slot = {j: i for i, j in enumerate(self.order)}
        # group joints by depth in the tree: a level's parents are all on the previous level
        depth = {j: 0 if parents[j] < 0 else None for j in self.order}
        for j in self.order:
            if parents[j] >= 0:
                depth[j] = depth[parents[j]] + 1
        levels = [[j for j in self.order if depth[j] == d] for d in range(max(depth.values()) + 1)]
        self.levels = levels
        self.level_parent_pos = [[levels[d - 1].index(parents[j]) for j in lv] if d else [] for d, lv in
                                 enumerate(levels)]  # fmt: skip
        self.level_parent_joint = [[parents[j] for j in lv] if d else [] for d, lv in enumerate(levels)]
        flat = [j for lv in levels for j in lv]
        self.unflatten = [flat.index(j) for j in self.order]  # level-major → slot order
        self.register_buffer("J_template", jreg @ v_template)  # (55, 3)
        self.register_buffer("J_shapedirs", torch.einsum("jv,vdb->jdb", jreg, shapedirs))  # (55, 3, 10)
        # fixed local rotations of joints that body_pose does not drive (hands: the model's mean pose)
        pose_mean = getattr(model, "pose_mean", None)
        fixed = torch.zeros(len(SMPLX_JOINTS), 3)
        if pose_mean is not None:
            fixed = pose_mean.detach().float().reshape(-1, 3)[: len(SMPLX_JOINTS)].clone()
        fixed[:NUM_BODY_JOINTS] = 0.0
        extra = [j for j in self.order if j >= NUM_BODY_JOINTS]
        self.extra = extra
        self.register_buffer("extra_rot", _axis_angle_to_matrix(fixed[extra]) if extra else torch.zeros(0, 3, 3))
        # per level: index into [22 posed body joints, E fixed joints]
        self.level_local = [[j if j < NUM_BODY_JOINTS else NUM_BODY_JOINTS + extra.index(j) for j in lv]
                            for lv in levels]  # fmt: skip
        self.register_buffer("marker_slot", torch.tensor([self.slot[j] for j in marker_joints]))
        self.register_buffer("marker_offset", torch.tensor([o for _, o in MEDIAPIPE_TO_SMPLX.values()]))
        self._init_surface(model, v_template, shapedirs, parents, surface_samples)

    def _init_surface(self, model, v_template, shapedirs, parents, n: int) -> None:
        """Every k-th mesh vertex with its skinning weights re-expressed on the evaluated joints (slots)."""
        weights = getattr(model, "lbs_weights", None)
        V = v_template.shape[0]
        if weights is None or V < 100 or n <= 0:
            self.register_buffer("surf_template", torch.zeros(0, 3))
            self.register_buffer("surf_shapedirs", torch.zeros(0, 3, NUM_BETAS))
            self.register_buffer("surf_weights", torch.zeros(0, len(self.order)))
            self.register_buffer("surf_girthdirs", torch.zeros(0, 3, NUM_GIRTH))
            self.surf_radius = 0.0
            self.mesh_faces = None
            return
        idx = _area_even_vertices(model, v_template, n)
        w = weights.detach().float()[idx]  # (Vs, J)
        fold = torch.zeros(w.shape[1], len(self.order))
        for j in range(w.shape[1]):
            a = j
            while a not in self.slot:
                a = parents[a] if a < len(parents) else 0
            fold[j, self.slot[a]] = 1.0
        girth = _girth_dirs(model, v_template)  # (V, 3, G): zeros when the model is not SMPL-X-layout
        self.surf_radius = _sample_radius(model, v_template, len(idx))
        self.register_buffer("surf_template", v_template[idx].clone())
        self.register_buffer("surf_shapedirs", shapedirs[idx].clone())
        self.register_buffer("surf_weights", w @ fold)
        self.register_buffer("surf_girthdirs", girth[idx].clone())
        faces = getattr(model, "faces", None)  # the whole mesh, for the silhouette's coverage test
        if faces is not None:
            self.register_buffer("mesh_template", v_template.clone())
            self.register_buffer("mesh_shapedirs", shapedirs.clone())
            self.register_buffer("mesh_weights", weights.detach().float() @ fold)
            self.register_buffer("mesh_girthdirs", girth.clone())
            self.mesh_faces = np.asarray(faces, np.int64).reshape(-1, 3)
        else:
            self.mesh_faces = None

    def rest_joints(self, betas: torch.Tensor) -> torch.Tensor:
        """(B, 10) → (B, 55, 3) rest-pose joints."""
        return self.J_template + torch.einsum("jdb,nb->njd", self.J_shapedirs, betas)

    def transforms(
        self, global_orient: torch.Tensor, body_pose: torch.Tensor, betas: torch.Tensor, transl: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(B,3), (B,63), (B,10) or (10,), (B,3) → global rotations (B, S, 3, 3), posed joints (B, S, 3)
        of the evaluated joints (slot order, ``self.order``) and rest joints (B, 55, 3)."""
        B = global_orient.shape[0]
        if betas.dim() == 1:
            betas = betas[None].expand(B, -1)
        J = self.rest_joints(betas)  # (B, 55, 3)
        local = _axis_angle_to_matrix(torch.cat([global_orient[:, None], body_pose.reshape(B, 21, 3)], 1))
        local = torch.cat([local, self.extra_rot[None].expand(B, -1, -1, -1)], 1)  # (B, 22 + E, 3, 3)
        rots: list[torch.Tensor] = []  # per level (B, n_level, 3, 3)
        pos: list[torch.Tensor] = []  # per level (B, n_level, 3)
        for d, lv in enumerate(self.levels):
            r_local = local[:, self.level_local[d]]
            if d == 0:
                rots.append(r_local)
                pos.append(J[:, lv])
                continue
            pr, pp = rots[d - 1][:, self.level_parent_pos[d]], pos[d - 1][:, self.level_parent_pos[d]]
            bone = J[:, lv] - J[:, self.level_parent_joint[d]]
            rots.append(pr @ r_local)
            pos.append(pp + (pr @ bone[..., None])[..., 0])
        R = torch.cat(rots, 1)[:, self.unflatten]  # (B, S, 3, 3) slot order
        P = torch.cat(pos, 1)[:, self.unflatten] + transl[:, None]  # (B, S, 3)
        return R, P, J

    def forward(
        self, global_orient: torch.Tensor, body_pose: torch.Tensor, betas: torch.Tensor, transl: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(B,3), (B,63), (B,10) or (10,), (B,3) → joints (B, 22, 3), markers (B, 33, 3) in the model's world."""
        return self.joints_markers(self.transforms(global_orient, body_pose, betas, transl))

    def joints_markers(self, posed: tuple[torch.Tensor, torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`transforms`' output → joints (B, 22, 3), markers (B, 33, 3): :meth:`forward` without posing
        again (the fit's landmark terms share their posing with its coverage mesh)."""
        R, P, _ = posed
        ms = self.marker_slot
        markers = P[:, ms] + (R[:, ms] @ self.marker_offset[None, :, :, None])[..., 0]
        return P[:, :NUM_BODY_JOINTS], markers

    @property
    def has_surface(self) -> bool:
        """True when the model had skinned vertices (the joints-only stand-in has none)."""
        return self.surf_template.shape[0] > 0

    def surface(
        self, global_orient: torch.Tensor, body_pose: torch.Tensor, betas: torch.Tensor, transl: torch.Tensor,
        girth: torch.Tensor | None = None, *, posed: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """(B,3), (B,63), (B,10) or (10,), (B,3) → (B, Vs, 3) posed surface samples (linear blend skinning
        of ``surface_samples`` mesh vertices; hand/face joint weights folded into their evaluated ancestors).
        ``girth`` (G,): per-segment girth (:mod:`revision.body.girth`; None: the model's own surface).
        ``posed``: :meth:`transforms` of these arguments when the caller has it (not computed again)."""
        return self._skin(global_orient, body_pose, betas, transl, self.surf_template, self.surf_shapedirs,
                          self.surf_weights, girth, self.surf_girthdirs, posed)  # fmt: skip

    def mesh(
        self, global_orient: torch.Tensor, body_pose: torch.Tensor, betas: torch.Tensor, transl: torch.Tensor,
        girth: torch.Tensor | None = None, *, posed: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """As :meth:`surface`, every vertex of the model: (B, V, 3); faces in ``self.mesh_faces`` (F, 3)
        (None when the model has no faces)."""
        if self.mesh_faces is None:
            raise ValueError("SMPLXSkeleton.mesh: the body model has no faces")
        return self._skin(global_orient, body_pose, betas, transl, self.mesh_template, self.mesh_shapedirs,
                          self.mesh_weights, girth, self.mesh_girthdirs, posed)  # fmt: skip

    @property
    def has_girth(self) -> bool:
        """True when the model's surface has girth directions (an SMPL-X-layout model with 55 joints)."""
        return self.has_surface and bool(self.surf_girthdirs.abs().sum() > 0)

    def _skin(self, global_orient, body_pose, betas, transl, template, shapedirs, weights, girth=None,
              girthdirs=None, posed=None) -> torch.Tensor:  # fmt: skip
        B = global_orient.shape[0]
        if betas.dim() == 1:
            betas = betas[None].expand(B, -1)
        R, P, J = posed if posed is not None else self.transforms(global_orient, body_pose, betas, transl)
        v = template + torch.einsum("vdb,nb->nvd", shapedirs, betas)  # (B, Vs, 3)
        if girth is not None:  # after the joints: the surface changes, the skeleton does not
            v = v + torch.einsum("vdg,g->vd", girthdirs, girth)
        t = P - (R @ J[:, self.order, :, None])[..., 0]  # (B, S, 3): v' = R_j v + (P_j − R_j J_j)
        S = R.shape[1]
        A = torch.cat([R.reshape(B, S, 9), t], -1)  # (B, S, 12) per-joint affine transforms
        T = torch.einsum("vs,bsk->bvk", weights, A)  # (B, Vs, 12) blended (as LBS)
        return (T[..., :9].reshape(B, -1, 3, 3) @ v[..., None])[..., 0] + T[..., 9:]


def _girth_dirs(model, v_template: torch.Tensor) -> torch.Tensor:
    """(V, 3, G) float32 girth directions (:mod:`revision.body.girth`), zeros for a model without the
    SMPL-X joint layout or skinning weights."""
    from revision.body.girth import girth_dirs_np

    weights = getattr(model, "lbs_weights", None)
    jreg = getattr(model, "J_regressor", None)
    if weights is None or jreg is None or jreg.shape[0] < len(SMPLX_JOINTS) or weights.shape[1] < len(SMPLX_JOINTS):
        return torch.zeros(v_template.shape[0], 3, NUM_GIRTH)
    return torch.as_tensor(girth_dirs_np(v_template, jreg, weights), dtype=torch.float32)


def _area_even_vertices(model, v_template: torch.Tensor, n: int) -> torch.Tensor:
    """``n`` vertex ids spread evenly over the skin area (systematic sampling of the vertices' cumulative
    area in index order), or every k-th vertex when the model has no faces."""
    V = v_template.shape[0]
    faces = getattr(model, "faces", None)
    if faces is None:
        return torch.arange(0, V, max(1, V // n))[:n]
    f = torch.as_tensor(np.asarray(faces, np.int64))
    v = v_template.double()
    fa = torch.linalg.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]]).norm(dim=-1) / 6
    va = torch.zeros(V, dtype=torch.float64).index_add_(0, f.reshape(-1), fa.repeat_interleave(3))
    cum = torch.cumsum(va, 0)
    q = (torch.arange(n, dtype=torch.float64) + 0.5) / n * cum[-1]
    return torch.unique(torch.searchsorted(cum, q).clamp(max=V - 1))


def _sample_radius(model, v_template: torch.Tensor, n: int) -> float:
    """Metres of skin each of ``n`` evenly spread surface samples stands for (radius of a disc of area A/n,
    A = the rest mesh's surface area; 1.8 m² when the model has no faces)."""
    faces = getattr(model, "faces", None)
    area = 1.8
    if faces is not None:
        f = torch.as_tensor(np.asarray(faces, np.int64))
        v = v_template.double()
        area = float(torch.linalg.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]]).norm(dim=-1).sum() / 2)
    return float(np.sqrt(area / max(n, 1) / np.pi))


def rest_markers_np(skeleton: SMPLXSkeleton, betas: np.ndarray | None = None) -> np.ndarray:
    """(33, 3) markers of the rest pose (canonical frame, no translation)."""
    z = torch.zeros(1, 3)
    b = torch.zeros(NUM_BETAS) if betas is None else torch.as_tensor(betas, dtype=torch.float32)
    with torch.no_grad():
        _, m = skeleton(z, torch.zeros(1, 63), b, z)
    return m[0].numpy()
