"""SMPL-X fitting on synthetic ground truth, the temporal term, motion strength, the landmark map.

The body model is the procedural SMPL-X of ``revision.body`` when it imports, else the joints-only
stand-in of ``revision.lifting.rest_skeleton`` (printed). Tests run the fit with FEWER iterations
than production (iters_3d=20, iters_full=50 instead of 30 / 80) to stay fast.
"""

import numpy as np
import pytest
import torch

from revision.lifting import MEDIAPIPE_TO_SMPLX, SMPLXFitConfig, SMPLXSkeleton, fit_smplx, motion_strength
from revision.perception.geometry import project
from revision.perception.mediapipe_backend import MEDIAPIPE_LANDMARKS
from revision.types import Camera, MotionSequence, Track

TEST_ITERS = dict(iters_3d=20, iters_full=50)


def _body():
    try:
        from revision.body.smplx_model import load_smplx

        return load_smplx(), "procedural SMPL-X (revision.body)"
    except ImportError:
        from revision.lifting.rest_skeleton import skeleton_only_model

        return skeleton_only_model(), "joints-only stand-in (revision.body not importable)"


@pytest.fixture(scope="module")
def skeleton():
    model, name = _body()
    print(f"body model: {name}")
    return SMPLXSkeleton(model)


def gt_sequence(F=16, fps=7.0):
    """A known motion: turning, walking sideways, swinging the left arm and legs."""
    t = np.arange(F) / fps
    go = np.tile([np.pi, 0.0, 0.0], (F, 1)).astype(np.float32)
    go[:, 1] = 0.3 * np.sin(t)
    bp = np.zeros((F, 63), np.float32)

    def rot(joint, axis, v):
        bp[:, (joint - 1) * 3 + axis] = v

    s = np.sin(2 * np.pi * 0.5 * t)
    rot(16, 2, -0.5 + 0.4 * s)
    rot(17, 2, 0.5)
    rot(18, 1, 0.4 * (1 + s))
    rot(1, 0, -0.4 * s)
    rot(2, 0, 0.4 * s)
    rot(4, 0, 0.5 + 0.3 * s)
    rot(5, 0, 0.2)
    betas = np.zeros(10, np.float32)
    betas[0] = 0.5
    transl = np.stack([0.3 * t - 0.2, np.full(F, -0.9), 4.0 + 0.2 * t], 1).astype(np.float32)
    return go, bp, betas, transl


def observe(skeleton, seq, cam, px_noise=3.0, m_noise=0.03, seed=0):
    """GT params → joints, MediaPipe-like 2D (+noise, px) and root-relative metric 3D landmarks (+noise, m)."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        joints, markers = skeleton(*[torch.tensor(x) for x in seq])
    joints, markers = joints.numpy(), markers.numpy()
    uv = project(markers, cam) + rng.normal(0, px_noise, markers.shape[:2] + (2,))
    kp2d = np.concatenate([uv, np.ones(markers.shape[:2] + (1,))], -1).astype(np.float32)
    rel = markers - markers[:, [23, 24]].mean(1, keepdims=True)
    kp3d = (rel + rng.normal(0, m_noise, rel.shape)).astype(np.float32)
    return joints, kp2d, kp3d


def mpjpe(a, b):
    """Root-aligned mean per-joint position error (m) over (F, J, 3)."""
    return float(np.linalg.norm((a - a[:, :1]) - (b - b[:, :1]), axis=-1).mean())


def accel_error(a, b):
    """Mean |acceleration(a) − acceleration(b)| (m / frame²): jitter relative to the true motion."""
    acc = lambda x: x[2:] - 2 * x[1:-1] + x[:-2]  # noqa: E731
    return float(np.linalg.norm(acc(a) - acc(b), axis=-1).mean())


def test_landmark_map_is_explicit_and_complete():
    assert tuple(MEDIAPIPE_TO_SMPLX) == MEDIAPIPE_LANDMARKS and len(MEDIAPIPE_LANDMARKS) == 33
    assert MEDIAPIPE_TO_SMPLX["left_elbow"][0] == "left_elbow"
    assert MEDIAPIPE_TO_SMPLX["nose"][0] == "head"


def test_skeleton_matches_smplx_forward():
    smplx_model = pytest.importorskip("revision.body.smplx_model").load_smplx(batch_size=2)
    sk = SMPLXSkeleton(smplx_model)
    torch.manual_seed(0)
    go, bp, tr = 0.5 * torch.randn(2, 3), 0.3 * torch.randn(2, 63), torch.randn(2, 3)
    betas = torch.randn(10)
    out = smplx_model(global_orient=go, body_pose=bp, betas=betas[None].expand(2, -1), transl=tr)
    joints, _ = sk(go, bp, betas, tr)
    torch.testing.assert_close(joints, out.joints[:, :22], atol=1e-4, rtol=1e-4)


def test_one_posing_serves_markers_surface_and_mesh(skeleton):
    """The fit poses once per step (``transforms``) and passes it on: the same joints, markers, surface and
    mesh as posing in each call."""
    torch.manual_seed(1)
    go, bp, tr, betas = 0.5 * torch.randn(3, 3), 0.3 * torch.randn(3, 63), torch.randn(3, 3), torch.randn(10)
    posed = skeleton.transforms(go, bp, betas, tr)
    for a, b in zip(skeleton.joints_markers(posed), skeleton(go, bp, betas, tr)):
        assert torch.equal(a, b)
    if skeleton.has_surface:
        assert torch.equal(skeleton.surface(go, bp, betas, tr, posed=posed), skeleton.surface(go, bp, betas, tr))
        sub = tuple(x[[2]] for x in posed)  # one frame of the batch (posed in a batch of 3: rounding differs)
        torch.testing.assert_close(skeleton.mesh(go[[2]], bp[[2]], betas, tr[[2]], posed=sub),
                                   skeleton.mesh(go[[2]], bp[[2]], betas, tr[[2]]), atol=1e-5, rtol=0)  # fmt: skip


def test_fit_recovers_synthetic_motion(skeleton):
    cam = Camera.from_image_size(1024, 576)
    seq = gt_sequence()
    gt_joints, kp2d, kp3d = observe(skeleton, seq, cam)
    fit = fit_smplx(skeleton, kp2d, kp3d, cam, SMPLXFitConfig(**TEST_ITERS))
    err = mpjpe(fit.joints, gt_joints)
    abs_err = float(np.linalg.norm(fit.joints - gt_joints, axis=-1).mean())
    print(f"MPJPE {err * 1000:.1f} mm (absolute {abs_err * 1000:.1f} mm), reprojection {fit.stats['reprojection_px']:.1f} px")
    assert err < 0.06 and abs_err < 0.15
    assert fit.params["body_pose"].shape == (16, 63) and fit.params["betas"].shape == (10,)
    assert (fit.confidence > 0.9).all()


def test_temporal_term_reduces_jitter(skeleton):
    cam = Camera.from_image_size(1024, 576)
    seq = gt_sequence()
    gt_joints, kp2d, kp3d = observe(skeleton, seq, cam, px_noise=4.0, m_noise=0.04, seed=1)
    with_t = fit_smplx(skeleton, kp2d, kp3d, cam, SMPLXFitConfig(**TEST_ITERS))
    without = fit_smplx(skeleton, kp2d, kp3d, cam, SMPLXFitConfig(temporal=False, **TEST_ITERS))
    a, b = accel_error(with_t.joints, gt_joints), accel_error(without.joints, gt_joints)
    print(f"acceleration error: temporal {a * 1000:.1f} mm/frame², none {b * 1000:.1f} mm/frame²")
    assert a < 0.7 * b


def test_missing_frames_are_bridged(skeleton):
    cam = Camera.from_image_size(640, 480)
    seq = gt_sequence(F=8)
    gt_joints, kp2d, kp3d = observe(skeleton, seq, cam)
    kp2d[3] = 0.0
    kp3d[3] = 0.0
    fit = fit_smplx(skeleton, kp2d, kp3d, cam, SMPLXFitConfig(**TEST_ITERS))
    assert fit.confidence[3] == 0.0 and fit.confidence[2] > 0
    assert np.linalg.norm(fit.joints[3] - gt_joints[3], axis=-1).mean() < 0.2


def test_motion_strength_scale():
    cam = Camera.from_image_size(64, 64)
    go, bp, betas, tr = gt_sequence()

    def seq(transl, pose):
        params = {"global_orient": go * 0 + go[:1], "body_pose": pose, "betas": betas, "transl": transl}
        return MotionSequence([Track(0, "smplx", params, np.ones(16, np.float32))], cam, 16, fps=7.0)

    still = seq(np.repeat(tr[:1], 16, 0), np.repeat(bp[:1], 16, 0))
    waving = seq(np.repeat(tr[:1], 16, 0), bp)
    walking = seq(np.stack([np.arange(16) * 1.2 / 7, np.zeros(16), np.full(16, 4.0)], 1), bp)
    s = [motion_strength(m) for m in (still, waving, walking)]
    print("strength still/waving/walking:", s)
    assert s[0] == 0.0 and 0 < s[1] < s[2] <= 1.0
    pts = np.zeros((16, 21, 3), np.float32)
    pts[:, :, 0] = np.arange(16)[:, None] * 100.0  # absurdly fast object → clipped to 1
    fast = MotionSequence([Track(0, "object", {"points": pts}, np.ones(16, np.float32))], cam, 16)
    assert motion_strength(fast) == 1.0
