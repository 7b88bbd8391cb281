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
   ``iters_sil`` more iterations, betas (width, height, ...) and pose free. The learning rate falls
   (cosine) from ``lr`` to ``lr_final`` × ``lr`` over the stage, so the fit settles instead of ending
   wherever Adam's last steps left it.
5. **Leash** (``w_leash`` > 0, with masks): arm landmarks (``leash_landmarks``, the wrists) whose fitted
   marker ended more than ``leash_trigger_px`` from a MediaPipe keypoint lying on the person mask (a
   gross miss: on the astronaut the silhouette widened the arm to cover her bulky sleeve, and the
   Geman-McClure 2D term gives a far keypoint almost no pull) are leashed, and the full stage runs again
   from its start with a hinge pulling them to within ``leash_px``. Likewise a frame whose fitted face markers
   (nose, eyes, ears, mouth) ended more than ``face_trigger`` focal lengths from their keypoints: the full stage
   runs again with the face's Geman-McClure scale widened to ``sigma_2d_face`` in that frame (the silhouette
   can pull a head off its keypoints, after which the robust 2D term hardly pulls it back). Fits without such a
   miss are not touched (same result, same cost); a leashed or face-refitted one costs the full stage twice.
   On two or more cores the refit does not wait for the first pass (``speculate_refit``): the plan read after
   :data:`REFIT_PROBE_IT` iterations starts it in a forked process (:func:`revision.parallel.fork_call`), and it
   is kept when the first pass ends with the same plan (else it runs after it, as on one core). The result is
   the same bit for bit.
6. **Girth** (``fit_girth``, with masks): pose, betas and translation held, the
   per-segment ``girth`` (:mod:`revision.body.girth`: torso, upper arm, forearm, hand, thigh and shin radii)
   alone is fitted to the silhouette for ``iters_girth`` iterations (its own, balanced, silhouette weights;
   ridge ``w_girth``); the track then carries ``params["girth"]``.

Weights are per landmark visibility; frames without a detection get confidence 0 and are carried by
the temporal term.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from revision.body.girth import NUM_GIRTH
from revision.lifting import priors
from revision.lifting.skeleton import LM_HIPS, LM_TORSO, NUM_BETAS, SMPLXSkeleton
from revision.parallel import cpu_workers, fork_call
from revision.perception.geometry import solve_translation
from revision.types import Camera

REFIT_PROBE_IT = 20  # full-stage iteration after which the refit's plan is read to start it early (step 5)


@dataclass
class SMPLXFitConfig:
    iters_3d: int = 30  # stage 2 (3D landmarks only); tests use fewer (stated there)
    iters_full: int = 80  # stage 3 (everything)
    lr: float = 0.05  # Adam learning rate (radians / metres / betas)
    lr_final: float = 0.2  # full stage: the rate falls (cosine) to this fraction of ``lr`` (1: constant)
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
    iters_sil: int = 200  # extra full-stage iterations with the silhouette terms (after ``iters_full``)
    sil_cover_margin_px: float = 2.0  # px added to an uncovered mask pixel's pull (silhouette.py)
    # leash (module doc, step 5): weight of the hinge ((distance − leash_px) / focal)², 0 = off
    w_leash: float = 100.0
    leash_px: float = 25.0  # no pull within this many pixels of the keypoint
    leash_trigger_px: float = 100.0  # leashed when its fitted marker ends this far from the keypoint
    leash_min_visibility: float = 0.1  # keypoints below this visibility never leash
    leash_landmarks: tuple[int, ...] = (15, 16)  # MediaPipe indices (wrists)
    # face refit (module doc, step 5): a frame whose fitted face markers (``face_landmarks``) ended more than
    # ``face_trigger`` (units of the focal length) from their visible keypoints runs the full stage again from
    # its start with the face's Geman-McClure scale widened to ``sigma_2d_face``: at ``sigma_2d`` = 0.03 a keypoint
    # 0.08 focal off pulls an eighth of the most any pulls, and the silhouette had bent grace_hopper's neck and
    # head up to ~1 rad forward, the nose 58-115 px (0.12-0.23 focal) from MediaPipe's; 0: never
    face_trigger: float = 0.08
    sigma_2d_face: float = 0.15
    face_landmarks: tuple[int, ...] = tuple(range(11))  # MediaPipe nose, eyes, ears, mouth
    # start the refit early, in a forked process on another core, when the plan after REFIT_PROBE_IT iterations
    # calls for one (module doc, step 5; the same result, less wall time on ≥ 2 CPU cores, Linux)
    speculate_refit: bool = True
    # per-segment girth (revision.body.girth: torso, upper arm, forearm, hand, thigh, shin; relative radius
    # change), so limbs can be thinner or wider than the one girth beta allows: after the fit (pose, betas,
    # translation as without girth, bit for bit), ``iters_girth`` iterations with only the girth free against the
    # silhouette (its own weights below). Not jointly with the pose: the animation lines read the pose, and
    # re-weighting the pose fit moved the cameraman's hands onto his camera (docs/perception_lifting.md)
    fit_girth: bool = True
    iters_girth: int = 100
    girth_w_out: float = 120.0  # girth stage: outside term weight (the full stage's w_sil_out)
    girth_w_cover: float = 60.0  # girth stage: cover term weight
    girth_contour: float = 0.25  # girth stage: fraction of the cover pixels on the mask's contour
    w_girth: float = 1e-3  # ridge on girth (squared relative radius change)
    girth_min: float = -0.6  # girth clamped at ≥ this (a segment at most 60 % thinner)
    device: str = "cpu"


@dataclass
class SMPLXFit:
    params: dict[str, np.ndarray]  # Track params: global_orient (F,3), body_pose (F,63), betas (10,), transl (F,3)
    # and, when the silhouette stage fitted it, girth (G,) (revision.body.girth)
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
    hidden: list[np.ndarray | None] | None = None,
) -> SMPLXFit:
    """Fit one track.

    keypoints2d: (F, 33, 3) pixels + visibility (all-zero rows = no detection in that frame);
    keypoints3d: (F, 33, 3) metric landmarks centred between the hips, camera axes, or None;
    scores: (F,) detection scores → confidence (default: mean torso visibility);
    masks: per-frame (H, W) bool person masks (None entries: no mask in that frame): adds the silhouette
    terms (surface samples outside the mask pulled in, mask pixels far from the body pulled out) to the
    full stage and runs ``iters_sil`` more iterations; ignored when the body model has no surface;
    hidden: per-frame (H, W) bool or None (with ``masks``), where an occluder covers the person
    (``Detection.hidden``): a don't-care region for the silhouette (a body there is not pulled in, its pixels
    reward no coverage: :meth:`~revision.lifting.silhouette.SilhouetteTargets.build`); ``masks`` then holds
    the visible pixels only.
    """
    cfg = config or SMPLXFitConfig()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny ops: one thread is faster than two fighting
    try:
        return _fit(skeleton, keypoints2d, keypoints3d, camera, cfg, scores, masks, hidden)
    finally:
        torch.set_num_threads(threads)


def landmark_weights(keypoints2d: np.ndarray, min_visibility: float) -> np.ndarray:
    """Per-landmark fit weights (..., K) of (..., K, 3) keypoints: the visibility where it reaches
    ``min_visibility``, else 0. A person whose weights are all 0 cannot be fitted."""
    v = np.asarray(keypoints2d, np.float32)[..., 2]
    return np.where(v >= min_visibility, v, 0.0).astype(np.float32)


def _fit(skeleton, keypoints2d, keypoints3d, camera, cfg, scores, masks=None, hidden=None) -> SMPLXFit:
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

    def prior_terms(bp: torch.Tensor, betas: torch.Tensor) -> torch.Tensor:
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
            loss = (w * (markers_rel(m) - target).pow(2).sum(-1)).sum() / w.sum().clamp(min=1)
            loss = loss + prior_terms(bp, betas)
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
            masks, F, camera, cfg.sil_pixels, dev, cfg.sil_grid, cfg.sil_contour, cfg.sil_size_units,
            cover_margin=cfg.sil_cover_margin_px, hidden=hidden,
        )
    n_sil = cfg.iters_sil if sil is not None else 0
    free = [go, bp, betas, tr]
    faces = getattr(skeleton, "mesh_faces", None)
    n_it = cfg.iters_full + n_sil
    lm = list(cfg.leash_landmarks)
    start = [p.detach().clone() for p in free]

    def step(
        it: int, opt: torch.optim.Optimizer, params: list[torch.Tensor], sil, leashed: torch.Tensor | None,
        sigma: torch.Tensor | None = None,
    ) -> None:
        go, bp, betas, tr = params
        decay = 0.5 * (1 + np.cos(np.pi * it / max(n_it - 1, 1)))  # cosine from lr to lr_final · lr
        for g in opt.param_groups:
            g["lr"] = cfg.lr * (cfg.lr_final + (1 - cfg.lr_final) * decay)
        opt.zero_grad()
        posed = skeleton.transforms(go, bp, betas, tr)  # the landmark terms' posing, reused by the coverage test
        loss, m = _full_loss(skeleton, posed, uv, w, target3, K, cfg, markers_rel, sigma)
        loss = loss + prior_terms(bp, betas)
        if leashed is not None:  # hinge beyond leash_px, in units of the focal length (as the 2D term)
            over = ((_project(m[:, lm], K) - uv[:, lm]).norm(dim=-1) - cfg.leash_px).clamp(min=0) / K[0]
            loss = loss + cfg.w_leash * (over.pow(2) * leashed).sum() / F
        if sil is not None:
            fr = sil.frames  # only the frames that have a mask
            gm, bm, tm = go[fr], bp[fr], tr[fr]
            pm = posed if len(fr) == F else tuple(x[fr] for x in posed)
            _refresh_coverage(skeleton, sil, it, cfg.sil_coverage_every, faces, K, gm, bm, betas, tm, posed=pm)
            # the surface poses again: one graph for both terms sums their gradients in another order, and the
            # fit is chaotic in that (the cameraman's near hand moved 45 px and his animation changed)
            loss = loss + sil.loss(skeleton.surface(gm, bm, betas, tm), K, cfg.w_sil_out,
                                   cfg.w_sil_cover, cfg.w_sil_iou, skeleton.surf_radius)  # fmt: skip
        loss.backward()
        opt.step()

    def full_pass(params, sil, leashed=None, sigma=None, probe=None) -> None:
        """The full stage (+ silhouette) on ``params`` from their current values; ``probe()`` runs after
        iteration :data:`REFIT_PROBE_IT`."""
        opt = torch.optim.Adam(params, lr=cfg.lr)
        for it in range(n_it):
            step(it, opt, params, sil, leashed, sigma)
            if probe is not None and it == REFIT_PROBE_IT:
                probe()

    # 5. leash: landmarks that ended far from their on-mask keypoints, and faces that ended far from their
    #    keypoints (the face's robust scale widened in those frames); the full stage again, from its start
    leash_on = _with_hidden(masks, hidden)  # a keypoint on the person, seen or behind an occluder
    cand = leash_candidates(kp2d, leash_on, cfg) if sil is not None and cfg.w_leash > 0 and lm else None

    def refit_plan(params) -> tuple[torch.Tensor, torch.Tensor]:
        """(leashed (F, L) bool, face_off (F,) bool) for the fit at ``params``."""
        leashed = torch.zeros(F, len(lm), dtype=torch.bool, device=dev)
        with torch.no_grad():
            _, m = skeleton(*params)
            if cand is not None and cand.any():
                far = (_project(m[:, lm], K) - uv[:, lm]).norm(dim=-1) > cfg.leash_trigger_px
                leashed = torch.tensor(cand, device=dev) & far
            face_off = torch.zeros(F, dtype=torch.bool, device=dev)
            if sil is not None:
                face_off = face_misses(_project(m, K), uv, w, K, cfg)
        return leashed, face_off

    def refit_args(leashed: torch.Tensor, face_off: torch.Tensor):
        sigma = None  # as the first pass (bit for bit) unless a face missed
        if face_off.any():
            sigma = torch.full(w.shape, cfg.sigma_2d, device=dev)
            sigma[face_off.nonzero()[:, :1], list(cfg.face_landmarks)] = cfg.sigma_2d_face
        return (leashed if leashed.any() else None), sigma

    # The refit's plan is known early: on the photo set the plan after iteration REFIT_PROBE_IT was the final
    # one for every person. So the refit starts then, in a forked process on another core (threads would share
    # the interpreter lock, which the fit's many tiny ops hold most of the time), and is kept when the first
    # pass ends with the same plan; else it is dropped and runs after it as before. The same arithmetic on
    # the same values: the result is bit for bit the sequential one.
    spec: dict = {}

    def refit_from_start(plan) -> list[np.ndarray]:  # (in the child process)
        params = [p0.clone().requires_grad_(True) for p0 in start]
        full_pass(params, sil.fresh(), *refit_args(*plan))
        return [p.detach().cpu().numpy() for p in params]

    def probe() -> None:
        plan = refit_plan(free)
        if plan[0].any() or plan[1].any():
            run = fork_call(refit_from_start, plan)
            if run is not None:
                spec.update(plan=plan, run=run)

    # (on the CPU only: a forked child cannot use the parent's CUDA context)
    speculate = (cfg.speculate_refit and sil is not None and n_it > REFIT_PROBE_IT + 1 and dev.type == "cpu"
                 and cpu_workers() > 1)  # fmt: skip
    early = False  # the refit that ran beside the first pass was kept
    try:
        t1 = time.perf_counter()
        full_pass(free, sil, probe=probe if speculate else None)
        leashed, face_off = refit_plan(free)
        refit = bool(leashed.any() or face_off.any())
        if spec and refit and all(torch.equal(a, b) for a, b in zip(spec["plan"], (leashed, face_off))):
            # it started after REFIT_PROBE_IT of n_it iterations: it needs about as long again as the first
            # pass took; past twice that (a machine busy elsewhere), it is given up and the refit runs here
            ok, out = spec.pop("run").result(timeout=10.0 + 2.0 * (time.perf_counter() - t1))
            if ok:
                with torch.no_grad():
                    for p, q in zip(free, out):
                        p.copy_(torch.from_numpy(q))
                refit, early = False, True  # done
    finally:
        if "run" in spec:
            spec["run"].cancel()
    if refit:
        with torch.no_grad():
            for p, p0 in zip(free, start):
                p.copy_(p0)
        if sil is not None:
            sil.reset()
        full_pass(free, sil, *refit_args(leashed, face_off))
    n_leash = n_it if bool(leashed.any() or face_off.any()) else 0
    girth = None
    if sil is not None and cfg.fit_girth and cfg.iters_girth > 0 and getattr(skeleton, "has_girth", False):
        girth = _fit_girth(skeleton, go, bp, betas, tr, masks, F, camera, K, cfg, dev, faces, hidden)
    n_girth = cfg.iters_girth if girth is not None else 0

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
    if girth is not None:
        params["girth"] = girth.detach().cpu().numpy()
    stats = {"reprojection_px": float(err), "seconds": time.perf_counter() - t0,
             "iterations": float(cfg.iters_3d + cfg.iters_full + n_sil + n_leash + n_girth),
             "silhouette_frames": float(0 if sil is None else sil.num_frames),
             "leashed": float(leashed.sum()), "face_refit": float(face_off.sum()),
             "refit_early": float(early)}  # fmt: skip
    return SMPLXFit(params, conf, joints.cpu().numpy(), m.cpu().numpy(), stats)


def _refresh_coverage(skeleton, sil, it: int, every: int, faces, K, go, bp, betas, tr, girth=None,
                      posed=None) -> None:  # fmt: skip
    """The silhouette's coverage test (:meth:`SilhouetteTargets.update_coverage`) at iteration ``it``: every
    ``every`` iterations, all masked frames at the first, then one in turn; ``go`` / ``bp`` / ``tr`` are the
    masked frames' (``sil.frames``) pose and translation, ``posed`` their :meth:`SMPLXSkeleton.transforms` when
    the caller has it. Nothing without mesh faces or with ``every`` 0."""
    if faces is None or every <= 0 or it % every:
        return
    ks = list(range(sil.num_frames)) if it == 0 else [(it // every) % sil.num_frames]
    with torch.no_grad():
        pk = None if posed is None else tuple(x.detach()[ks] for x in posed)
        v = skeleton.mesh(go[ks], bp[ks], betas, tr[ks], girth, posed=pk)
    sil.update_coverage(ks, _project(v, K).cpu().numpy(), v[..., 2].cpu().numpy(), faces)


def _fit_girth(
    skeleton, go, bp, betas, tr, masks, F, camera, K, cfg, dev, faces, hidden=None
) -> torch.Tensor | None:
    """The fitted pose, betas and translation held, ``iters_girth`` Adam iterations on the girth (G,) alone
    against the silhouette terms (``girth_w_out`` / ``girth_w_cover`` / ``girth_contour``) + its ridge → the
    girth, or None without a usable mask."""
    from revision.lifting.silhouette import SilhouetteTargets

    sil = SilhouetteTargets.build(masks, F, camera, cfg.sil_pixels, dev, cfg.sil_grid, cfg.girth_contour,
                                  cfg.sil_size_units, cover_margin=cfg.sil_cover_margin_px,
                                  hidden=hidden)  # fmt: skip
    if sil is None:
        return None
    fr = sil.frames
    held = [p.detach()[fr] for p in (go, bp, tr)]
    b = betas.detach()
    with torch.no_grad():  # the pose is held: one posing serves every iteration (girth moves the skin only)
        posed = skeleton.transforms(held[0], held[1], b, held[2])
    girth = torch.zeros(NUM_GIRTH, device=dev, requires_grad=True)
    opt = torch.optim.Adam([girth], lr=cfg.lr)
    for it in range(cfg.iters_girth):
        _refresh_coverage(skeleton, sil, it, cfg.sil_coverage_every, faces, K, held[0], held[1], b, held[2], girth,
                          posed)  # fmt: skip
        opt.zero_grad()
        surface = skeleton.surface(held[0], held[1], b, held[2], girth, posed=posed)
        loss = sil.loss(surface, K, cfg.girth_w_out, cfg.girth_w_cover)
        loss = loss + cfg.w_girth * girth.pow(2).sum()
        loss.backward()
        opt.step()
        with torch.no_grad():
            girth.clamp_(min=cfg.girth_min)
    return girth


def _with_hidden(masks, hidden):
    """Per-frame masks ∪ hidden (where the person is, seen or behind an occluder); ``masks`` without it."""
    if masks is None or hidden is None:
        return masks
    return [m if m is None or h is None else np.asarray(m, bool) | h for m, h in zip(masks, hidden)]


def _project(points: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """(..., 3) camera space → (..., 2) pixels; K = (fx, fy, cx, cy)."""
    z = points[..., 2:3].clamp(min=1e-3)
    return points[..., :2] / z * K[:2] + K[2:]


def leash_candidates(
    keypoints2d: np.ndarray, masks: list[np.ndarray | None], config: SMPLXFitConfig
) -> np.ndarray:
    """(F, 33, 3) keypoints + per-frame masks → (F, L) bool: the ``leash_landmarks`` that may be leashed,
    those with visibility ≥ ``leash_min_visibility`` whose keypoint lies on its frame's person mask (a
    keypoint on the background or on a held object never pulls the arm off the person)."""
    kp = np.asarray(keypoints2d, np.float32)
    out = np.zeros((kp.shape[0], len(config.leash_landmarks)), bool)
    for f, m in enumerate(masks[: kp.shape[0]]):
        if m is None:
            continue
        m = np.asarray(m, bool)
        for i, j in enumerate(config.leash_landmarks):
            x, y = (int(v) for v in np.round(kp[f, j, :2]))
            inside = 0 <= x < m.shape[1] and 0 <= y < m.shape[0]
            out[f, i] = bool(kp[f, j, 2] >= config.leash_min_visibility and inside and m[y, x])
    return out


def face_misses(
    proj: torch.Tensor, uv: torch.Tensor, w: torch.Tensor, K: torch.Tensor, cfg: SMPLXFitConfig
) -> torch.Tensor:
    """(F, 33, 2) projected markers, (F, 33, 2) keypoints, (F, 33) weights → (F,) bool: frames where a face
    landmark (``face_landmarks``) with weight > 0 lies more than ``face_trigger`` focal lengths from its keypoint."""
    if cfg.face_trigger <= 0 or not cfg.face_landmarks:
        return torch.zeros(w.shape[0], dtype=torch.bool, device=w.device)
    fl = list(cfg.face_landmarks)
    d = ((proj[:, fl] - uv[:, fl]) / K[:2]).norm(dim=-1)
    return ((d > cfg.face_trigger) & (w[:, fl] > 0)).any(1)


def _full_loss(
    skeleton, posed, uv, w, target3, K, cfg, markers_rel, sigma: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Stage-3 loss (without priors and silhouette) and the (F, 33, 3) markers it was computed on; ``posed``:
    the skeleton's :meth:`~revision.lifting.skeleton.SMPLXSkeleton.transforms` of the parameters; ``sigma``:
    (F, 33) Geman-McClure scales (default ``cfg.sigma_2d`` everywhere)."""
    joints, m = skeleton.joints_markers(posed)
    res = (_project(m, K) - uv) / K[:2]  # in units of focal length
    sigma = cfg.sigma_2d if sigma is None else sigma
    loss = cfg.w_2d * (w * priors.gmof(res.pow(2).sum(-1), sigma)).sum() / w.sum().clamp(min=1)
    if target3 is not None and cfg.w_3d > 0:
        loss = loss + cfg.w_3d * (w * (markers_rel(m) - target3).pow(2).sum(-1)).sum() / w.sum().clamp(min=1)
    if cfg.temporal:
        loss = loss + priors.temporal(joints, cfg.w_vel, cfg.w_acc)
    return loss, m
