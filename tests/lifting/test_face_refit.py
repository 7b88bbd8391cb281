"""The silhouette fit's face refit (``SMPLXFitConfig.face_trigger`` / ``sigma_2d_face``).

On grace_hopper the silhouette bent the neck and head ~1 rad forward, the nose 60-115 px from MediaPipe's, and
the Geman-McClure 2D term (scale 0.03 focal) gave keypoints that far almost no pull. Synthetic bodies rendered
by ``revision.render`` give the masks; their markers are perfect detections except where a test moves them.
"""

import dataclasses

import numpy as np
import pytest
import torch

from revision.lifting.smplx_fit import SMPLXFitConfig, face_misses, fit_smplx
from revision.types import Camera, Track
from tests.lifting.test_lifting_leash import _body as leash_body
from tests.lifting.test_lifting_leash import _keypoints, _project, untouched_without_trigger

CFG = SMPLXFitConfig(iters_3d=20, iters_full=40, iters_sil=60)  # fewer iterations
NECK, HEAD = 11, 14  # body_pose joints (SMPL-X joint - 1)


@pytest.fixture(scope="module")
def skeleton(default_skeleton):
    return default_skeleton


def _body(z: float, y: float) -> Track:
    return leash_body(0.0, z, y)


def _face_px(fit, cam: Camera) -> np.ndarray:
    m = fit.markers[0, :11]
    return np.stack([cam.fx * m[:, 0] / m[:, 2] + cam.cx, cam.fy * m[:, 1] / m[:, 2] + cam.cy], 1)


def test_face_misses_needs_a_weighted_face_landmark_beyond_the_trigger():
    cfg = SMPLXFitConfig(face_trigger=0.1)
    K = torch.tensor([100.0, 100.0, 50.0, 50.0])
    uv = torch.zeros(3, 33, 2)
    proj = uv.clone()
    w = torch.ones(3, 33)
    proj[0, 0, 1] = 11.0  # nose 0.11 focal off
    proj[1, 0, 1] = 9.0  # within the trigger
    proj[2, 0, 1] = 11.0
    w[2, 0] = 0.0  # ... but not visible
    proj[:, 15] = 50.0  # a wrist far off: not a face landmark
    assert face_misses(proj, uv, w, K, cfg).tolist() == [True, False, False]
    assert not face_misses(proj, uv, w, K, dataclasses.replace(cfg, face_trigger=0.0)).any()


def test_face_refit_pulls_a_held_head_to_its_keypoints(skeleton):
    """Mask and 3D landmarks of an upright head, face keypoints of the head bent 1.6 rad forward (40 px lower,
    0.16 focal): at the body's robust scale the keypoints hardly pull and the face stays where the silhouette
    and the 3D landmarks hold it (38 px off); the refit (wider scale on the face) bends the neck towards them
    (32 px; 26 px with ``sigma_2d_face`` 0.3). Mask and 3D landmarks here oppose the face keypoints, so the
    refit ends at a compromise."""
    H = W = 256
    cam = Camera.from_image_size(W, H, 55.0)
    gt = _body(1.3, -0.4)  # a bust: head and chest fill the picture
    bent = Track(0, "smplx", {k: v.copy() for k, v in gt.params.items()}, np.ones(1))
    bent.params["body_pose"][0, [NECK * 3, HEAD * 3]] = 0.8
    mask = _project(gt, cam, H, W)
    kp2d, kp3d = _keypoints(skeleton, gt, cam)
    kp2d[0, :11] = _keypoints(skeleton, bent, cam)[0][0, :11]
    fits = {}
    for trig in (0.0, CFG.face_trigger):
        torch.manual_seed(0)
        fits[trig] = fit_smplx(
            skeleton, kp2d, kp3d, cam, dataclasses.replace(CFG, face_trigger=trig), masks=[mask]
        )
    free, held = fits[0.0], fits[CFG.face_trigger]
    d_free, d_held = (
        float(np.linalg.norm(_face_px(f, cam) - kp2d[0, :11, :2], axis=1).mean()) for f in (free, held)
    )
    bend = [
        float(f.params["body_pose"][0, NECK * 3] + f.params["body_pose"][0, HEAD * 3]) for f in (free, held)
    ]
    print(f"face markers to keypoints: free {d_free:.0f} px, refit {d_held:.0f} px; neck+head bend {bend}")
    assert free.stats["face_refit"] == 0 and held.stats["face_refit"] == 1
    assert d_free > CFG.face_trigger * cam.fx
    assert d_held < 0.9 * d_free
    assert bend[1] > bend[0] + 0.2
    assert held.stats["iterations"] == CFG.iters_3d + 2 * (CFG.iters_full + CFG.iters_sil) + CFG.iters_girth


def test_face_refit_leaves_a_fit_on_its_keypoints_untouched(skeleton):
    untouched_without_trigger(skeleton, CFG, dataclasses.replace(CFG, face_trigger=0.0), "face_refit")
