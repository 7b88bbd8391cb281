"""SMPLify-X-style fitting of SMPL-X to per-frame MediaPipe landmarks, over the whole clip at once.

Unknowns per track: ``global_orient`` (F,3), ``body_pose`` (F,63), ``transl`` (F,3) per frame and one
``betas`` (10,) shared by all frames, all in the camera frame of :class:`revision.types.Camera`
(identity extrinsics: x right, y down, z forward). All F frames are one batch.

1. **Per-frame warm start** (closed form): global orientation from a Kabsch fit of the rest-pose
   torso markers (shoulders, hips) to MediaPipe's metric torso landmarks; translation from
   :func:`~revision.perception.geometry.solve_translation` (the known body size fixes the depth).
   Frames without a detection copy the nearest detected frame.
2. **3D stage**: root-relative markers vs MediaPipe's metric landmarks (+ priors) — pose and shape,
   no camera involved. Translations are then re-solved per frame for the fitted markers.
3. **Full stage**: 2D reprojection (Geman-McClure, residual in units of focal length) + 3D landmarks +
   pose / elbow-knee / shape priors + temporal smoothness of the 3D joints (velocity + acceleration),
   all parameters jointly.
4. **Silhouette** (when ``masks`` are given and the body model has a surface): the stage-3 loss plus
   :mod:`revision.lifting.silhouette` terms on skinned surface samples (``SMPLXSkeleton.surface``) —
   samples outside the person mask pulled in, mask pixels far from the body pulled out — for
   ``iters_sil`` more iterations, betas (width, height, ...) and pose free.

Weights are per landmark visibility; frames without a detection get confidence 0 and are carried by
the temporal term.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from revision.lifting import priors
from revision.lifting.skeleton import LM_HIPS, LM_TORSO, NUM_BETAS, SMPLXSkeleton
from revision.perception.geometry import solve_translation
from revision.types import Camera


@dataclass
class SMPLXFitConfig:
    iters_3d: int = 30  # stage 2 (3D landmarks only); tests use fewer (stated there)
    iters_full: int = 80  # stage 3 (everything)
    lr: float = 0.05  # Adam learning rate (radians / metres / betas)
    w_2d: float = 1.0  # reprojection, residual / focal length, squared
    sigma_2d: float = 0.03  # Geman-McClure scale, in units of focal length (~3 % of the focal)
    w_3d: float = 1.0  # metric landmark term (root-relative), squared metres
    w_pose: float = 1e-4  # ridge on body_pose
    w_angle: float = 1e-4  # elbow / knee hyper-extension
    w_shape: float = 1e-4  # ridge on betas
    w_vel: float = 0.0  # temporal: squared joint velocity (m / frame)²
    w_acc: float = 0.3  # temporal: squared joint acceleration (m / frame²)²
    temporal: bool = True  # False: frames are independent apart from the shared betas
    min_visibility: float = 0.3  # landmarks below this visibility are ignored
    # silhouette (only when masks are given and the body model has a surface); weights measured with
    # benchmarks.photo_fit_bench (docs/perception_lifting.md)
    w_sil_out: float = 60.0  # projected surface samples outside the person mask, (distance to it)²
    w_sil_cover: float = 60.0  # sampled mask pixels the body misses, (distance to the nearest sample)²
    sil_pixels: int = 1000  # mask pixels sampled per frame for the cover term
    sil_contour: float = 0.5  # fraction of them drawn from the mask's contour (the rest: anywhere inside)
    sil_size_units: bool = True  # residuals in units of √(mask area) (False: of the focal length, which made
    # the silhouette of a small, far person negligible next to the priors)
    sil_coverage_every: int = 2  # rasterise the whole mesh every this many iterations (0: never); mask pixels
    # inside the rendered body then pull nothing in the cover term
    w_sil_iou: float = 0.0  # 1 − soft IoU of splatted surface samples vs the mask (off: measured no better)
    sil_grid: int = 48  # soft-IoU grid: at most sil_grid² pixels over the mask's box per frame
    iters_sil: int = 40  # extra full-stage iterations with the silhouette terms (after ``iters_full``)
    device: str = "cpu"


@dataclass
class SMPLXFit:
    params: dict[str, np.ndarray]  # Track params: global_orient (F,3), body_pose (F,63), betas (10,), transl (F,3)
    confidence: np.ndarray  # (F,) 0..1
    joints: np.ndarray  # (F, 22, 3) fitted body joints, camera space
    markers: np.ndarray  # (F, 33, 3) fitted MediaPipe markers, camera space
    stats: dict[str, float] = field(default_factory=dict)


def _kabsch(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """(K, 3), (K, 3) → (3, 3) rotation R minimising ‖R src_c − dst_c‖ (centred, no reflection)."""
    a, b = src - src.mean(0), dst - dst.mean(0)
    u, _, vt = np.linalg.svd(b.T @ a)
    d = np.sign(np.linalg.det(u @ vt))
    return u @ np.diag([1.0, 1.0, d]) @ vt


def _matrix_to_axis_angle(R: np.ndarray) -> np.ndarray:
    from scipy.spatial.transform import Rotation

    return Rotation.from_matrix(R).as_rotvec().astype(np.float32)


FACING_CAMERA = np.array([np.pi, 0.0, 0.0], np.float32)  # canonical y-up, z-forward → camera y-down, facing it


def initial_orient(rest_markers: np.ndarray, kp3d: np.ndarray | None) -> np.ndarray:
    """(33,3) rest markers + (33,3) metric landmarks (or None) → (3,) axis-angle global orientation."""
    if kp3d is None:
        return FACING_CAMERA.copy()
    idx = list(LM_TORSO)
    return _matrix_to_axis_angle(_kabsch(rest_markers[idx], kp3d[idx]))


def fit_smplx(
    skeleton: SMPLXSkeleton,
    keypoints2d: np.ndarray,
    keypoints3d: np.ndarray | None,
    camera: Camera,
    config: SMPLXFitConfig | None = None,
    scores: np.ndarray | None = None,
    *,
    masks: list[np.ndarray | None] | None = None,
) -> SMPLXFit:
    """Fit one track.

    keypoints2d: (F, 33, 3) pixels + visibility (all-zero rows = no detection in that frame);
    keypoints3d: (F, 33, 3) metric landmarks centred between the hips, camera axes, or None;
    scores: (F,) detection scores → confidence (default: mean torso visibility);
    masks: per-frame (H, W) bool person masks (None entries: no mask in that frame): adds the silhouette
    terms (surface samples outside the mask pulled in, mask pixels far from the body pulled out) to the
    full stage and runs ``iters_sil`` more iterations; ignored when the body model has no surface.
    """
    cfg = config or SMPLXFitConfig()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny ops: one thread is faster than two fighting
    try:
        return _fit(skeleton, keypoints2d, keypoints3d, camera, cfg, scores, masks)
    finally:
        torch.set_num_threads(threads)


def landmark_weights(keypoints2d: np.ndarray, min_visibility: float) -> np.ndarray:
    """Per-landmark fit weights (..., K) of (..., K, 3) keypoints: the visibility where it reaches
    ``min_visibility``, else 0. A person whose weights are all 0 cannot be fitted."""
    v = np.asarray(keypoints2d, np.float32)[..., 2]
    return np.where(v >= min_visibility, v, 0.0).astype(np.float32)


def _fit(skeleton, keypoints2d, keypoints3d, camera, cfg, scores, masks=None) -> SMPLXFit:
    t0 = time.perf_counter()
    kp2d = np.asarray(keypoints2d, np.float32)
    F = kp2d.shape[0]
    vis = landmark_weights(kp2d, cfg.min_visibility)
    present = vis.sum(1) > 0
    if not present.any():
        raise ValueError("fit_smplx: no frame has a visible landmark")
    kp3 = None if keypoints3d is None else np.asarray(keypoints3d, np.float32)

    # 1. per-frame warm start
    from revision.lifting.skeleton import rest_markers_np

    rest = rest_markers_np(skeleton)
    orient = np.zeros((F, 3), np.float32)
    transl = np.zeros((F, 3), np.float32)
    det_frames = np.nonzero(present)[0]
    for f in range(F):
        src = f if present[f] else det_frames[np.argmin(np.abs(det_frames - f))]
        orient[f] = initial_orient(rest, None if kp3 is None else kp3[src])
    dev = torch.device(cfg.device)
    go = torch.tensor(orient, device=dev, requires_grad=True)
    bp = torch.zeros(F, 63, device=dev, requires_grad=True)
    betas = torch.zeros(NUM_BETAS, device=dev, requires_grad=True)
    tr = torch.tensor(transl, device=dev, requires_grad=True)
    skeleton = skeleton.to(dev)
    w = torch.tensor(vis, device=dev)
    uv = torch.tensor(kp2d[..., :2], device=dev)
    K = torch.tensor([camera.fx, camera.fy, camera.cx, camera.cy], device=dev)
    hips = list(LM_HIPS)

    def markers_rel(m: torch.Tensor) -> torch.Tensor:
        return m - m[:, hips].mean(1, keepdim=True)

    def prior_terms() -> torch.Tensor:
        return (
            cfg.w_pose * priors.pose_l2(bp).mean()
            + cfg.w_angle * priors.angle_prior(bp).mean()
            + cfg.w_shape * priors.shape_l2(betas)
        )

    # 2. 3D stage (pose + shape against metric landmarks)
    if kp3 is not None and cfg.iters_3d > 0:
        target = torch.tensor(kp3, device=dev)
        opt = torch.optim.Adam([go, bp, betas], lr=cfg.lr)
        for _ in range(cfg.iters_3d):
            opt.zero_grad()
            _, m = skeleton(go, bp, betas, tr)
            loss = (w * (markers_rel(m) - target).pow(2).sum(-1)).sum() / w.sum().clamp(min=1) + prior_terms()
            loss.backward()
            opt.step()
    # re-solve translations for the fitted markers (closed form per frame)
    with torch.no_grad():
        _, m = skeleton(go, bp, betas, torch.zeros_like(tr))
    m = m.cpu().numpy()
    for f in det_frames:
        t = solve_translation(m[f], kp2d[f, :, :2], vis[f], camera)
        transl[f] = t if t is not None else np.array([0, 0, 3.0], np.float32) - m[f, hips].mean(0)
    for f in range(F):
        if not present[f]:
            transl[f] = transl[det_frames[np.argmin(np.abs(det_frames - f))]]
    with torch.no_grad():
        tr.copy_(torch.tensor(transl))

    # 3. full stage (+ silhouette terms and iterations when masks are given)
    target3 = None if kp3 is None else torch.tensor(kp3, device=dev)
    sil = None
    if masks is not None and getattr(skeleton, "has_surface", False):
        from revision.lifting.silhouette import SilhouetteTargets

        sil = SilhouetteTargets.build(
            masks, F, camera, cfg.sil_pixels, dev, cfg.sil_grid, cfg.sil_contour, cfg.sil_size_units
        )
    opt = torch.optim.Adam([go, bp, betas, tr], lr=cfg.lr)
    n_sil = cfg.iters_sil if sil is not None else 0
    faces = getattr(skeleton, "mesh_faces", None)
    cover_mesh = sil is not None and cfg.sil_coverage_every > 0 and faces is not None
    for it in range(cfg.iters_full + n_sil):
        opt.zero_grad()
        loss = _full_loss(skeleton, go, bp, betas, tr, uv, w, target3, K, cfg, markers_rel) + prior_terms()
        if sil is not None:
            fr = sil.frames  # the surface only of the frames that have a mask
            if cover_mesh and it % cfg.sil_coverage_every == 0:  # all masked frames first, then one in turn
                ks = list(range(sil.num_frames)) if it == 0 else [(it // cfg.sil_coverage_every) % sil.num_frames]
                with torch.no_grad():
                    v = skeleton.mesh(go[fr[ks]], bp[fr[ks]], betas, tr[fr[ks]])
                sil.update_coverage(ks, _project(v, K).cpu().numpy(), v[..., 2].cpu().numpy(), faces)
            loss = loss + sil.loss(skeleton.surface(go[fr], bp[fr], betas, tr[fr]), K, cfg.w_sil_out,
                                   cfg.w_sil_cover, cfg.w_sil_iou, skeleton.surf_radius)  # fmt: skip
        loss.backward()
        opt.step()

    with torch.no_grad():
        joints, m = skeleton(go, bp, betas, tr)
        proj = _project(m, K)
        err = ((proj - uv).norm(dim=-1) * (w > 0)).sum() / (w > 0).sum().clamp(min=1)
    if scores is None:
        conf = vis[:, list(LM_TORSO)].mean(1)
    else:
        conf = np.asarray(scores, np.float32)
    conf = np.where(present, np.clip(conf, 0, 1), 0.0).astype(np.float32)
    params = {
        "global_orient": go.detach().cpu().numpy(),
        "body_pose": bp.detach().cpu().numpy(),
        "betas": betas.detach().cpu().numpy(),
        "transl": tr.detach().cpu().numpy(),
    }
    stats = {"reprojection_px": float(err), "seconds": time.perf_counter() - t0,
             "iterations": float(cfg.iters_3d + cfg.iters_full + n_sil),
             "silhouette_frames": float(0 if sil is None else sil.num_frames)}  # fmt: skip
    return SMPLXFit(params, conf, joints.cpu().numpy(), m.cpu().numpy(), stats)


def _project(points: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """(..., 3) camera space → (..., 2) pixels; K = (fx, fy, cx, cy)."""
    z = points[..., 2:3].clamp(min=1e-3)
    return points[..., :2] / z * K[:2] + K[2:]


def _full_loss(skeleton, go, bp, betas, tr, uv, w, target3, K, cfg, markers_rel) -> torch.Tensor:
    joints, m = skeleton(go, bp, betas, tr)
    res = (_project(m, K) - uv) / K[:2]  # in units of focal length
    loss = cfg.w_2d * (w * priors.gmof(res.pow(2).sum(-1), cfg.sigma_2d)).sum() / w.sum().clamp(min=1)
    if target3 is not None and cfg.w_3d > 0:
        loss = loss + cfg.w_3d * (w * (markers_rel(m) - target3).pow(2).sum(-1)).sum() / w.sum().clamp(min=1)
    if cfg.temporal:
        loss = loss + priors.temporal(joints, cfg.w_vel, cfg.w_acc)
    return loss
