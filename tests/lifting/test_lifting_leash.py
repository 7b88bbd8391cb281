"""The silhouette fit's leash (``SMPLXFitConfig.w_leash``), cover margin and learning-rate decay.

Synthetic bodies rendered by ``revision.render`` give the person masks; their markers are perfect
detections, except where a test moves one (as MediaPipe's wrist on the astronaut's sleeve).
"""

import dataclasses

import numpy as np
import pytest
import torch

from revision.lifting.smplx_fit import SMPLXFitConfig, fit_smplx, leash_candidates
from revision.perception import mask_iou
from revision.types import Camera, MotionSequence, Track

R_WRIST = 16  # MediaPipe index


@pytest.fixture(scope="module")
def skeleton(default_skeleton):
    return default_skeleton


def _project(track: Track, cam: Camera, H: int, W: int) -> np.ndarray:
    from revision.render import render_condition

    return render_condition(MotionSequence([track], cam, 1, 7.0), H, W).part_ids[0] > 0


def _body(betas1: float, z: float, y: float = 0.9) -> Track:
    betas = np.zeros(10, np.float32)
    betas[1] = betas1
    pose = np.zeros((1, 63), np.float32)
    pose[0, 15 * 3 + 2], pose[0, 16 * 3 + 2] = -1.0, 1.0  # arms down-ish
    params = {"global_orient": np.array([[np.pi, 0, 0]], np.float32), "body_pose": pose, "betas": betas,
              "transl": np.array([[0.0, y, z]], np.float32)}  # fmt: skip
    return Track(0, "smplx", params, np.ones(1))


def _keypoints(skeleton, gt: Track, cam: Camera) -> tuple[np.ndarray, np.ndarray]:
    """(1, 33, 3) pixels + confidence 1 and (1, 33, 3) hip-centred metric markers of the posed body."""
    with torch.no_grad():
        _, markers = skeleton(
            *(torch.tensor(gt.params[k]) for k in ("global_orient", "body_pose", "betas", "transl"))
        )
    m = markers[0].numpy()
    uv = np.stack([cam.fx * m[:, 0] / m[:, 2] + cam.cx, cam.fy * m[:, 1] / m[:, 2] + cam.cy], 1)
    return np.concatenate([uv, np.ones((33, 1))], 1)[None].astype(np.float32), (m - m[[23, 24]].mean(0))[None]


def _wrist_px(fit, cam: Camera) -> np.ndarray:
    m = fit.markers[0, R_WRIST]
    return np.array([cam.fx * m[0] / m[2] + cam.cx, cam.fy * m[1] / m[2] + cam.cy])


CFG = SMPLXFitConfig(iters_3d=20, iters_full=40, iters_sil=60, leash_trigger_px=60.0)  # fewer iterations


def test_leash_candidates_need_a_visible_keypoint_on_the_mask():
    kp = np.zeros((2, 33, 3), np.float32)
    kp[:, 15] = [10, 10, 0.9]  # left wrist on the mask
    kp[:, 16] = [50, 10, 0.9]  # right wrist on the background
    mask = np.zeros((64, 64), bool)
    mask[:32, :32] = True
    assert leash_candidates(kp, [mask, None], SMPLXFitConfig()).tolist() == [[True, False], [False, False]]
    kp[0, 15, 2] = 0.05  # below leash_min_visibility
    assert not leash_candidates(kp, [mask, mask], SMPLXFitConfig())[0].any()
    kp[1, 15, :2] = [-5, 10]  # outside the picture
    assert not leash_candidates(kp, [mask, mask], SMPLXFitConfig()).any()


def test_leash_pulls_a_far_wrist_back_to_its_keypoint(skeleton):
    """The right-wrist keypoint moved ~80 px onto the far side of the torso (still on the mask): the
    silhouette and the 3D landmarks keep the arm where the mask has it, and the Geman-McClure 2D term gives
    a keypoint that far almost no pull; the leash brings the wrist to within ~leash_px of it."""
    torch.manual_seed(0)
    H = W = 384
    cam = Camera.from_image_size(W, H, 55.0)
    gt = _body(1.0, 2.6, -0.6)
    mask = _project(gt, cam, H, W)
    kp2d, kp3d = _keypoints(skeleton, gt, cam)
    target = kp2d[0, [11, 23], :2].mean(0)  # between the left shoulder and hip
    assert mask[int(target[1]), int(target[0])]
    assert np.linalg.norm(kp2d[0, R_WRIST, :2] - target) > 70
    kp2d[0, R_WRIST, :2] = target
    free = fit_smplx(skeleton, kp2d, kp3d, cam, dataclasses.replace(CFG, w_leash=0.0), masks=[mask])
    held = fit_smplx(skeleton, kp2d, kp3d, cam, CFG, masks=[mask])
    d_free, d_held = (float(np.linalg.norm(_wrist_px(f, cam) - target)) for f in (free, held))
    print(f"wrist to its keypoint: free {d_free:.0f} px, leashed {d_held:.0f} px")
    assert free.stats["leashed"] == 0 and held.stats["leashed"] == 1
    assert d_free > CFG.leash_trigger_px
    assert d_held < CFG.leash_px + 10
    assert held.stats["iterations"] == CFG.iters_3d + 2 * (CFG.iters_full + CFG.iters_sil) + CFG.iters_girth


def untouched_without_trigger(skeleton, cfg: SMPLXFitConfig, off: SMPLXFitConfig, stat: str) -> None:
    """A body fitted to its own perfect markers and mask: with ``cfg`` no frame triggers ``stat`` (a re-run
    stage) and the fit equals the one with the re-run switched off (``off``) bit for bit."""
    H = W = 256
    cam = Camera.from_image_size(W, H, 55.0)
    gt = _body(1.0, 3.2)
    mask = _project(gt, cam, H, W)
    kp2d, kp3d = _keypoints(skeleton, gt, cam)
    torch.manual_seed(0)
    on = fit_smplx(skeleton, kp2d, kp3d, cam, cfg, masks=[mask])
    torch.manual_seed(0)
    without = fit_smplx(skeleton, kp2d, kp3d, cam, off, masks=[mask])
    assert on.stats[stat] == 0
    for k in on.params:
        np.testing.assert_array_equal(on.params[k], without.params[k])


def test_leash_leaves_a_fit_without_gross_misses_untouched(skeleton):
    untouched_without_trigger(skeleton, CFG, dataclasses.replace(CFG, w_leash=0.0), "leashed")


def test_cover_margin_widens_a_tiny_far_body(skeleton):
    """A wide body ~30 px tall (the street photo's far walker): surface samples are denser than pixels, so
    without the margin an uncovered mask pixel has a sample a fraction of a pixel away and pulls almost
    nothing; with it the fitted body covers its mask better."""
    torch.manual_seed(0)
    H = W = 256
    cam = Camera.from_image_size(W, H, 55.0)
    gt = _body(4.0, 14.0)
    mask = _project(gt, cam, H, W)
    ys = np.nonzero(mask)[0]
    assert 25 <= ys.max() - ys.min() <= 40
    kp2d, kp3d = _keypoints(skeleton, gt, cam)
    ious = []
    for margin in (0.0, 2.0):
        cfg = dataclasses.replace(CFG, sil_cover_margin_px=margin)
        fit = fit_smplx(skeleton, kp2d, kp3d, cam, cfg, masks=[mask])
        ious.append(mask_iou(_project(Track(0, "smplx", fit.params, np.ones(1)), cam, H, W), mask))
    print(f"{int(mask.sum())} px; IoU without / with the cover margin: {ious[0]:.3f} / {ious[1]:.3f}")
    assert ious[1] > ious[0] + 0.02


def test_learning_rate_falls_to_lr_final(skeleton, monkeypatch):
    """The full stage's Adam rate follows a cosine from lr to lr_final · lr."""
    seen: list[float] = []
    step = torch.optim.Adam.step

    def spy(self, *a, **k):
        seen.append(self.param_groups[0]["lr"])
        return step(self, *a, **k)

    monkeypatch.setattr(torch.optim.Adam, "step", spy)
    cam = Camera.from_image_size(128, 128, 55.0)
    gt = _body(0.0, 6.0)
    kp2d, kp3d = _keypoints(skeleton, gt, cam)
    cfg = SMPLXFitConfig(iters_3d=5, iters_full=11, lr=0.05, lr_final=0.2)
    fit_smplx(skeleton, kp2d, kp3d, cam, cfg)
    full = seen[cfg.iters_3d :]
    assert len(full) == cfg.iters_full
    assert full[0] == pytest.approx(0.05) and full[-1] == pytest.approx(0.01)
    assert all(a >= b for a, b in zip(full, full[1:]))
