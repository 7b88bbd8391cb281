"""The silhouette fit's per-segment girth (``SMPLXFitConfig.fit_girth``, ``revision.body.girth``)."""

import dataclasses

import numpy as np
import torch

from revision.body.girth import NUM_GIRTH, SEGMENTS
from revision.lifting.smplx_fit import SMPLXFitConfig, fit_smplx
from revision.perception import mask_iou
from revision.types import Camera, MotionSequence, Track

THIGH = SEGMENTS.index("thigh")
CFG = SMPLXFitConfig(iters_3d=20, iters_full=40, iters_sil=80)  # fewer iterations than production


def _silhouette(track: Track, cam: Camera) -> np.ndarray:
    from revision.render import render_condition

    return render_condition(MotionSequence([track], cam, 1, 7.0), cam.height, cam.width).part_ids[0] > 0


def true_keypoints(skeleton, track: Track, cam: Camera) -> tuple[np.ndarray, np.ndarray]:
    """``track``'s frame-0 MediaPipe-33 markers as exact detections: 2D (1, 33, 3) with score 1, 3D (1, 33, 3)
    about the hips' centre."""
    with torch.no_grad():
        _, m = skeleton(
            *(torch.tensor(track.params[k]) for k in ("global_orient", "body_pose", "betas", "transl"))
        )
    m = m[0].numpy()
    uv = np.stack([cam.fx * m[:, 0] / m[:, 2] + cam.cx, cam.fy * m[:, 1] / m[:, 2] + cam.cy], 1)
    k2 = np.concatenate([uv, np.ones((33, 1))], 1)[None].astype(np.float32)
    return k2, (m - m[[23, 24]].mean(0))[None].astype(np.float32)


def test_the_fit_recovers_thick_thighs_from_the_silhouette(default_skeleton):
    """A body whose thighs are 60 % thicker than the model's (loose shorts), seen from the front: with girth
    free the fit widens the thighs against the other segments and its projection matches the mask better
    than the fit with one girth for every limb (betas only); the girth stage runs after the pose fit, which
    it leaves bit for bit as without it."""
    torch.manual_seed(0)
    cam = Camera.from_image_size(320, 320, 55.0)
    pose = np.zeros((1, 63), np.float32)
    pose[0, 15 * 3 + 2], pose[0, 16 * 3 + 2] = -1.0, 1.0  # arms down-ish
    pose[0, 0 * 3 + 2], pose[0, 1 * 3 + 2] = 0.25, -0.25  # legs apart: both thighs' outlines are seen
    girth = np.zeros(NUM_GIRTH, np.float32)
    girth[THIGH] = 0.6
    gt = Track(0, "smplx", {"global_orient": np.array([[np.pi, 0, 0]], np.float32), "body_pose": pose,
                            "betas": np.zeros(10, np.float32), "transl": np.array([[0.0, -0.3, 3.0]], np.float32),
                            "girth": girth}, np.ones(1))  # fmt: skip
    mask = _silhouette(gt, cam)
    k2, k3 = true_keypoints(default_skeleton, gt, cam)
    fit = fit_smplx(default_skeleton, k2, k3, cam, CFG, masks=[mask])
    plain = fit_smplx(default_skeleton, k2, k3, cam, dataclasses.replace(CFG, fit_girth=False), masks=[mask])
    assert "girth" not in plain.params and fit.params["girth"].shape == (NUM_GIRTH,)
    for k in ("global_orient", "body_pose", "betas", "transl"):  # the girth stage runs after: the pose fit untouched
        assert np.array_equal(fit.params[k], plain.params[k]), k
    g = fit.params["girth"]
    others = np.delete(g, THIGH)
    # the pose fit (no girth) widened every limb through betas; the girth then widens the thighs further and
    # thins the rest (measured with these iterations: thigh +0.28, the others -0.53..-0.03)
    assert g[THIGH] > 0.2 and g[THIGH] > others.max() + 0.2
    iou = mask_iou(_silhouette(Track(0, "smplx", fit.params, fit.confidence), cam), mask)
    iou_plain = mask_iou(_silhouette(Track(0, "smplx", plain.params, plain.confidence), cam), mask)
    assert iou > 0.9 and iou > iou_plain + 0.02
    # without masks there is nothing to fit the girth to: the track carries none
    assert "girth" not in fit_smplx(default_skeleton, k2, k3, cam, CFG).params
