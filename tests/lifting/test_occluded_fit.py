"""A person partly behind an occluder: ``fit_smplx(masks=visible, hidden=occluded)`` leaves the hidden pixels
don't-care (``revision.lifting.silhouette.SilhouetteTargets.build``)."""

import numpy as np
import torch

from revision.lifting.silhouette import SilhouetteTargets
from revision.lifting.smplx_fit import SMPLXFitConfig, fit_smplx
from revision.perception import mask_iou
from revision.types import Camera, Track
from tests.lifting.test_girth_fit import _silhouette, true_keypoints

CFG = SMPLXFitConfig(iters_3d=20, iters_full=40, iters_sil=80)  # fewer iterations than production


def _targets(masks, hidden=None) -> SilhouetteTargets:
    cam = Camera.from_image_size(64, 64, 55.0)
    return SilhouetteTargets.build(masks, len(masks), cam, 300, "cpu", contour=0.5, size_units=True,
                                   hidden=hidden)  # fmt: skip


def test_hidden_pixels_are_dont_care_targets():
    """Hidden pixels: distance 0 (a body there is not pulled in), no cover pixel drawn there, no soft-IoU grid
    weight; the unit is the whole person's √ area. An empty or absent hidden region changes nothing."""
    mask = np.zeros((64, 64), bool)
    mask[8:56, 24:40] = True
    board = np.zeros((64, 64), bool)
    board[24:40, 12:52] = True  # wider than the person
    vis = mask & ~board
    sil = _targets([vis], [board])
    assert float(sil.dist[0, 0][30, 14]) == 0.0 and float(sil.dist[0, 0][30, 8]) > 0  # board: 0, beside: > 0
    px = sil.pixels[0][sil.pixel_weight[0] > 0].numpy().astype(int)
    assert vis[px[:, 1], px[:, 0]].all()  # cover pixels from the visible mask only
    g = sil.grid[0].numpy().astype(int)
    on_board = board[g[:, 1], g[:, 0]] & (sil.grid_weight[0].numpy() > 0)
    assert not on_board.any() and (sil.grid_target[0][sil.grid_weight[0] > 0] > 0).any()
    assert np.isclose(float(sil.scale[0]), np.sqrt((vis | board).sum()))
    plain = _targets([vis])
    for h in (None, [None], [np.zeros_like(board)]):
        other = _targets([vis], h)
        for k in ("frames", "dist", "pixels", "pixel_weight", "grid", "grid_target", "grid_weight", "scale"):
            assert torch.equal(getattr(plain, k), getattr(other, k)), (h, k)
    # the old convention, mask ∪ hidden as the mask: the board's pixels are cover targets
    both = _targets([vis | board])
    px = both.pixels[0][both.pixel_weight[0] > 0].numpy().astype(int)
    assert (board & ~mask)[px[:, 1], px[:, 0]].any()


def test_a_board_in_front_does_not_pull_the_body_wider(default_skeleton):
    """A person standing behind a board twice his width (his waist, hips and forearms hidden): fitted with the
    board as mask pixels (``masks=[visible | board]``, the old convention) the cover term widens the body over
    the board; fitted on the visible pixels alone the outside term squeezes the body out of it; with the board
    don't-care (``hidden=[board]``) the fit matches his whole silhouette, the hidden part included, and puts
    little of it on the board where he is not (measured: IoU 0.924 / 0.413 / 0.691, on the board beside
    him 174 / 3881 / 415 px)."""
    torch.manual_seed(0)
    cam = Camera.from_image_size(320, 320, 55.0)
    pose = np.zeros((1, 63), np.float32)
    pose[0, 15 * 3 + 2], pose[0, 16 * 3 + 2] = -1.1, 1.1  # arms down
    gt = Track(0, "smplx", {"global_orient": np.array([[np.pi, 0, 0]], np.float32), "body_pose": pose,
                            "betas": np.zeros(10, np.float32), "transl": np.array([[0.0, -0.45, 3.3]], np.float32)},
               np.ones(1))  # fmt: skip
    body = _silhouette(gt, cam)
    ys, xs = np.nonzero(body)
    board = np.zeros_like(body)
    y0 = ys.min() + int(0.3 * (ys.max() - ys.min()))
    y1 = ys.min() + int(0.55 * (ys.max() - ys.min()))
    cx, half = int(xs.mean()), int(0.9 * (xs.max() - xs.min()))
    board[y0:y1, cx - half : cx + half] = True  # torso + hips + hands, and as much again beside him
    vis = body & ~board
    k2, k3 = true_keypoints(default_skeleton, gt, cam)
    dont_care = fit_smplx(default_skeleton, k2, k3, cam, CFG, masks=[vis], hidden=[board])
    covered = fit_smplx(default_skeleton, k2, k3, cam, CFG, masks=[vis | board])
    visible = fit_smplx(default_skeleton, k2, k3, cam, CFG, masks=[vis])
    fits = [
        _silhouette(Track(0, "smplx", f.params, f.confidence), cam) for f in (dont_care, covered, visible)
    ]
    iou = [mask_iou(f, body) for f in fits]
    spill = [int((f & board & ~body).sum()) for f in fits]  # body drawn on the board where he is not
    print(f"IoU with his whole silhouette don't-care / covered / visible only: {iou[0]:.3f} / {iou[1]:.3f} / "
          f"{iou[2]:.3f}; on the board beside him: {spill} px (board {int((board & ~body).sum())} px)")  # fmt: skip
    assert iou[0] > 0.85 and iou[0] > iou[1] + 0.2 and iou[0] > iou[2] + 0.1
    assert spill[0] < 0.25 * spill[1]
