"""SMAL fitting to silhouettes (and 2D keypoints when a backend provides them), over the whole clip.

Silhouettes are matched without a differentiable rasteriser, with two chamfer-style terms per frame:

- *inside*: projected vertices should fall inside the mask — the mask's distance transform
  (pixels / focal) sampled at the projected vertices with ``grid_sample``;
- *cover*: mask pixels should be covered — for ``n_mask_points`` sampled mask pixels, the distance to
  the nearest projected vertex (of ``n_vertices`` evenly sub-sampled vertices).

Plus keypoints (35 SMAL joints, if given), pose / shape ridges and joint acceleration. The start
places the animal at the mask's depth (median of the depth map inside the mask) and tries
``yaw_hypotheses`` orientations (facing left/right…), keeping the best after the first stage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from revision.lifting import priors
from revision.types import Camera

SMAL_POSE_DIM, SMAL_BETAS = 102, 41


@dataclass
class SMALFitConfig:
    iters: int = 60  # Adam iterations after the hypothesis stage
    iters_hypothesis: int = 15  # per yaw hypothesis
    yaw_hypotheses: tuple[float, ...] = (0.0, np.pi / 2, np.pi, -np.pi / 2)  # radians about the camera y axis
    lr: float = 0.05
    n_vertices: int = 400  # sub-sampled vertices for the silhouette terms
    n_mask_points: int = 300  # sampled mask pixels per frame
    w_inside: float = 1.0
    w_cover: float = 1.0
    w_kp: float = 1.0
    w_pose: float = 1e-3
    w_shape: float = 1e-3
    w_acc: float = 0.3
    seed: int = 0


def _upright() -> np.ndarray:
    return np.array([np.pi, 0.0, 0.0], np.float32)  # canonical y-up → camera y-down


def fit_smal(
    smal,
    masks: list[np.ndarray | None],
    depths: np.ndarray,
    camera: Camera,
    keypoints2d: np.ndarray | None = None,
    config: SMALFitConfig | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, float]]:
    """SMAL module + F masks ((H, W) bool or None) + (F, H, W) depth → (Track params, confidence (F,), stats).

    keypoints2d: optional (F, 35, 3) pixels + visibility of SMAL's joints.
    """
    import cv2
    from scipy.spatial.transform import Rotation

    cfg = config or SMALFitConfig()
    g = torch.Generator().manual_seed(cfg.seed)
    F = len(masks)
    present = np.array([m is not None and bool(np.asarray(m).any()) for m in masks])
    if not present.any():
        raise ValueError("fit_smal: the animal is in no frame")
    idx = np.nonzero(present)[0]
    fill = [m if present[f] else masks[idx[np.argmin(np.abs(idx - f))]] for f, m in enumerate(masks)]
    H, W = np.asarray(fill[0]).shape
    focal = 0.5 * (camera.fx + camera.fy)
    dts, pts, centre, depth0 = [], [], [], []
    for f, m in enumerate(fill):
        m = np.asarray(m, bool)
        dts.append(cv2.distanceTransform((~m).astype(np.uint8), cv2.DIST_L2, 3) / focal)
        ys, xs = np.nonzero(m)
        sel = torch.randint(len(xs), (cfg.n_mask_points,), generator=g).numpy()
        pts.append(np.stack([xs[sel], ys[sel]], 1))
        centre.append([xs.mean(), ys.mean()])
        d = depths[f][m]
        depth0.append(float(np.median(d[d > 0])) if (d > 0).any() else 3.0)
    dt = torch.tensor(np.stack(dts), dtype=torch.float32)[:, None]  # (F, 1, H, W)
    mpts = torch.tensor(np.stack(pts), dtype=torch.float32)  # (F, P, 2)
    c = np.asarray(centre)
    z0 = np.asarray(depth0, np.float32)
    transl0 = np.stack([(c[:, 0] - camera.cx) / camera.fx * z0, (c[:, 1] - camera.cy) / camera.fy * z0, z0], 1)
    K = torch.tensor([camera.fx, camera.fy, camera.cx, camera.cy], dtype=torch.float32)  # Camera holds float64
    transl0 = transl0.astype(np.float32)
    w_frame = torch.tensor(present, dtype=torch.float32)
    kp = None if keypoints2d is None else torch.tensor(keypoints2d, dtype=torch.float32)

    def run(orient0: np.ndarray, iters: int, init=None):
        go = (torch.tensor(np.tile(orient0, (F, 1)), dtype=torch.float32) if init is None else init[0].clone()
              ).requires_grad_()  # fmt: skip
        pose = torch.zeros(F, SMAL_POSE_DIM, requires_grad=True) if init is None else init[1].clone().requires_grad_()
        betas = torch.zeros(SMAL_BETAS, requires_grad=True) if init is None else init[2].clone().requires_grad_()
        tr = torch.tensor(transl0, requires_grad=True) if init is None else init[3].clone().requires_grad_()
        opt = torch.optim.Adam([go, pose, betas, tr], lr=cfg.lr)
        loss = torch.zeros(())
        for _ in range(iters):
            opt.zero_grad()
            loss = _loss(smal, go, pose, betas, tr, dt, mpts, kp, K, W, H, focal, w_frame, cfg)
            loss.backward()
            opt.step()
        return (go.detach(), pose.detach(), betas.detach(), tr.detach()), float(loss.detach())

    best, best_loss = None, float("inf")
    for yaw in cfg.yaw_hypotheses:
        orient = (Rotation.from_rotvec([0.0, yaw, 0.0]) * Rotation.from_rotvec(_upright())).as_rotvec()
        state, loss = run(orient.astype(np.float32), cfg.iters_hypothesis)
        if loss < best_loss:
            best, best_loss = state, loss
    state, loss = run(None, cfg.iters, init=best)  # type: ignore[arg-type]
    go, pose, betas, tr = state
    params = {"global_orient": go.numpy(), "pose": pose.numpy(), "betas": betas.numpy(), "transl": tr.numpy()}
    return params, present.astype(np.float32), {"loss": loss}


def _loss(smal, go, pose, betas, tr, dt, mpts, kp, K, W, H, focal, w_frame, cfg) -> torch.Tensor:
    F = go.shape[0]
    out = smal(global_orient=go, pose=pose, betas=betas[None].expand(F, -1), transl=tr)
    v = out.vertices
    step = max(1, v.shape[1] // cfg.n_vertices)
    v = v[:, ::step]
    z = v[..., 2:3].clamp(min=1e-2)
    uv = v[..., :2] / z * K[:2] + K[2:]  # (F, V, 2)
    grid = torch.stack([uv[..., 0] / (W - 1) * 2 - 1, uv[..., 1] / (H - 1) * 2 - 1], -1)[:, None]  # (F,1,V,2)
    inside = torch.nn.functional.grid_sample(dt, grid, align_corners=True, padding_mode="border")[:, 0, 0]
    l_inside = inside.pow(2).mean(-1)
    d = torch.cdist(mpts, uv) / focal  # (F, P, V)
    l_cover = d.min(-1).values.pow(2).mean(-1)
    loss = ((cfg.w_inside * l_inside + cfg.w_cover * l_cover) * w_frame).sum() / w_frame.sum()
    if kp is not None:
        j = out.joints
        juv = j[..., :2] / j[..., 2:3].clamp(min=1e-2) * K[:2] + K[2:]
        loss = loss + cfg.w_kp * (kp[..., 2] * ((juv - kp[..., :2]) / focal).pow(2).sum(-1)).mean()
    loss = loss + cfg.w_pose * pose.pow(2).sum(-1).mean() + cfg.w_shape * betas.pow(2).sum()
    return loss + priors.temporal(out.joints, 0.0, cfg.w_acc)
