"""S2 on full-resolution real photos: every person found, no human body on a cat, the silhouette term.

Photos from ``benchmarks.photo_set`` (shipped in the repo or inside installed packages). The IoU is the
projected SMPL-X mesh (``revision.render``) of one fitted person vs that person's mask.
"""

import numpy as np
import pytest
import torch

from benchmarks.photo_set import photo
from revision.lifting.smplx_fit import SMPLXFitConfig, fit_smplx
from revision.perception import mask_iou
from revision.types import Camera, Clip, MotionSequence, Track

pytest.importorskip("mediapipe")


@pytest.fixture(scope="module")
def skeleton(default_skeleton):
    return default_skeleton


@pytest.fixture(scope="module")
def detector():
    from revision.perception.multi_person import MultiPersonPose

    det = MultiPersonPose()
    yield det
    det.close()


def _project(track: Track, cam: Camera, H: int, W: int) -> np.ndarray:
    from revision.render import render_condition

    return render_condition(MotionSequence([track], cam, 1, 7.0), H, W).part_ids[0] > 0


def test_two_people_found_on_basketball1(detector):
    img = photo("basketball1").load()
    detector.reset()
    people = detector.detect(img)
    assert len(people) == 2
    noses = sorted(float(d.keypoints2d[0, 0]) for d in people)
    assert noses[0] < 200 < 450 < noses[1]  # the man with the ball (left) and the man on the right
    for d in people:
        assert d.kind == "person" and d.keypoints2d.shape == (33, 3) and d.mask.shape == img.shape[:2]
        assert d.mask.sum() > 10_000
    assert not (people[0].mask & people[1].mask).any()  # each pixel belongs to one person


def test_no_human_body_on_the_cat():
    from revision.lifting import extract_motion

    img = photo("chelsea").load()
    ex = extract_motion(Clip(img[None]))
    assert not [t for t in ex.motion.tracks if t.kind == "smplx"]
    assert not [d for f in ex.detections.frames for d in f if d.kind == "person"]
    # the person segmenter's blob that no person explains is taken for an animal and lifted with SMAL
    assert [(t.kind, t.label) for t in ex.motion.tracks] == [("smal", "animal")]


def _keypoints(skeleton, gt: Track, cam: Camera) -> tuple[np.ndarray, np.ndarray]:
    """The posed body's 33 markers as perfect detections: (1, 33, 3) pixels + confidence, (1, 33, 3) hip-centred."""
    with torch.no_grad():
        _, markers = skeleton(
            *(torch.tensor(gt.params[k]) for k in ("global_orient", "body_pose", "betas", "transl"))
        )
    m = markers[0].numpy()
    uv = np.stack([cam.fx * m[:, 0] / m[:, 2] + cam.cx, cam.fy * m[:, 1] / m[:, 2] + cam.cy], 1)
    kp2d = np.concatenate([uv, np.ones((33, 1))], 1)[None].astype(np.float32)
    return kp2d, (m - m[[23, 24]].mean(0))[None]


def test_silhouette_term_widens_the_body_to_the_mask(skeleton):
    """A wide body (girth beta +2.5) seen by keypoints alone is fitted at the mean girth; with its mask the
    silhouette term recovers the width: IoU with the mask goes up."""
    torch.manual_seed(0)
    H = W = 256
    cam = Camera.from_image_size(W, H, 55.0)
    betas = np.zeros(10, np.float32)
    betas[1] = 2.5
    pose = np.zeros((1, 63), np.float32)
    pose[0, 15 * 3 + 2], pose[0, 16 * 3 + 2] = -1.0, 1.0  # arms down-ish
    gt = Track(0, "smplx", {"global_orient": np.array([[np.pi, 0, 0]], np.float32), "body_pose": pose,
                            "betas": betas, "transl": np.array([[0.0, 0.9, 3.2]], np.float32)}, np.ones(1))  # fmt: skip
    mask = _project(gt, cam, H, W)
    kp2d, kp3d = _keypoints(skeleton, gt, cam)
    cfg = SMPLXFitConfig(iters_3d=20, iters_full=40, iters_sil=40)
    plain = fit_smplx(skeleton, kp2d, kp3d, cam, cfg)
    with_mask = fit_smplx(skeleton, kp2d, kp3d, cam, cfg, masks=[mask])
    iou_plain = mask_iou(_project(Track(0, "smplx", plain.params, np.ones(1)), cam, H, W), mask)
    iou_sil = mask_iou(_project(Track(0, "smplx", with_mask.params, np.ones(1)), cam, H, W), mask)
    print(f"IoU without / with the silhouette term: {iou_plain:.3f} / {iou_sil:.3f}")
    assert with_mask.stats["silhouette_frames"] == 1 and plain.stats["silhouette_frames"] == 0
    assert iou_sil > iou_plain + 0.03
    assert (
        with_mask.params["betas"][1] > plain.params["betas"][1] + 0.2
    )  # wider (measured 0.46 vs 0.11; truth 2.5)


def test_silhouette_term_widens_a_small_far_body(skeleton):
    """The same wide body ~45 px tall (far away, as the pedestrians of a street photo): the silhouette
    residuals are in units of the mask's size, so a small person's mask still outweighs the priors."""
    torch.manual_seed(0)
    H = W = 256
    cam = Camera.from_image_size(W, H, 55.0)
    betas = np.zeros(10, np.float32)
    betas[1] = 2.5
    gt = Track(0, "smplx", {"global_orient": np.array([[np.pi, 0, 0]], np.float32), "body_pose": np.zeros((1, 63),
               np.float32), "betas": betas, "transl": np.array([[0.0, 0.9, 9.0]], np.float32)}, np.ones(1))  # fmt: skip
    mask = _project(gt, cam, H, W)
    kp2d, kp3d = _keypoints(skeleton, gt, cam)
    # the residuals' units of the pose/betas silhouette stage (the girth stage after it left out)
    cfg = SMPLXFitConfig(iters_3d=20, iters_full=40, iters_sil=40, fit_girth=False)
    plain = fit_smplx(skeleton, kp2d, kp3d, cam, cfg)
    focal = fit_smplx(skeleton, kp2d, kp3d, cam, SMPLXFitConfig(iters_3d=20, iters_full=40, iters_sil=40,
                      sil_size_units=False, fit_girth=False), masks=[mask])  # fmt: skip
    sized = fit_smplx(skeleton, kp2d, kp3d, cam, cfg, masks=[mask])
    ious = [
        mask_iou(_project(Track(0, "smplx", f.params, np.ones(1)), cam, H, W), mask)
        for f in (plain, focal, sized)
    ]
    print(
        f"{int(mask.sum())} px; IoU plain / focal units / mask units: {' / '.join(f'{i:.3f}' for i in ious)}"
    )
    assert ious[2] > ious[0] + 0.03 and ious[2] > ious[1]


def test_coverage_marks_the_mask_pixels_inside_the_rendered_body():
    """update_coverage rasterises the mesh as the IoU is measured: pixels inside a projected square are covered."""
    from revision.lifting.silhouette import SilhouetteTargets

    cam = Camera.from_image_size(64, 64, 55.0)
    mask = np.zeros((64, 64), bool)
    mask[8:56, 8:56] = True
    sil = SilhouetteTargets.build([mask], 1, cam, 500, "cpu", size_units=True)
    uv = np.array([[[20.0, 20.0], [44.0, 20.0], [44.0, 44.0], [20.0, 44.0]]], np.float32)
    faces = np.array([[0, 2, 1], [0, 3, 2]])  # front-facing in image space (as the body's outside)
    sil.update_coverage([0], uv, np.full((1, 4), 2.0, np.float32), faces)
    px = sil.pixels[0].numpy()
    inside = (px[:, 0] > 20.5) & (px[:, 0] < 43.5) & (px[:, 1] > 20.5) & (px[:, 1] < 43.5)
    outside = (px[:, 0] < 19.5) | (px[:, 0] > 44.5) | (px[:, 1] < 19.5) | (px[:, 1] > 44.5)
    cov = sil._covered[0].numpy()
    assert inside.any() and outside.any()
    assert cov[inside].all() and not cov[outside].any()


def test_masks_must_match_the_frames(skeleton):
    cam = Camera.from_image_size(64, 64)
    kp = np.zeros((2, 33, 3), np.float32)
    kp[..., :2], kp[..., 2] = 32, 1
    with pytest.raises(ValueError, match="masks for 2 frames"):
        fit_smplx(
            skeleton, kp, None, cam, SMPLXFitConfig(iters_3d=0, iters_full=1), masks=[np.ones((64, 64), bool)]
        )


def test_astronaut_fit_covers_the_person_mask(skeleton, detector):
    """The issue's acceptance: IoU ≥ 0.85 on the astronaut (0.672 before the silhouette term); ~7 s."""
    img = photo("astronaut").load()
    H, W = img.shape[:2]
    cam = Camera.from_image_size(W, H, 55.0)
    detector.reset()
    (d,) = detector.detect(img)
    args = (skeleton, d.keypoints2d[None], d.keypoints3d[None], cam, SMPLXFitConfig())
    fit = fit_smplx(*args, masks=[d.mask])
    plain = fit_smplx(*args)
    iou = mask_iou(_project(Track(0, "smplx", fit.params, np.ones(1)), cam, H, W), d.mask)
    iou0 = mask_iou(_project(Track(0, "smplx", plain.params, np.ones(1)), cam, H, W), d.mask)
    print(f"astronaut IoU with / without masks: {iou:.3f} / {iou0:.3f}; fit {fit.stats['seconds']:.2f} s")
    assert iou >= 0.85 and iou > iou0
    # her right wrist: the silhouette widened the arm over the bulky sleeve and left the wrist 116-156 px from
    # MediaPipe's (on the mask); the leash (SMPLXFitConfig.w_leash) brings it back
    m = fit.markers[0, 16]
    wrist = np.array([cam.fx * m[0] / m[2] + cam.cx, cam.fy * m[1] / m[2] + cam.cy])
    dist = float(np.linalg.norm(wrist - d.keypoints2d[16, :2]))
    print(f"right wrist {dist:.0f} px from MediaPipe's, leashed landmarks {fit.stats['leashed']:.0f}")
    assert fit.stats["leashed"] >= 1 and dist < SMPLXFitConfig().leash_px + 10


@pytest.fixture(scope="module")
def vtest_people(detector):
    """The street photo and every person MultiPersonPose finds on it (perceived once for the tests below)."""
    img = photo("vtest_frame100").load()
    detector.reset()
    return img, detector.detect(img)


def test_far_walker_fit_covers_its_mask(skeleton, vtest_people):
    """The street photo's far walker (~28 px tall, found by the small-people pass): the cover margin
    (``sil_cover_margin_px``) keeps uncovered mask pixels pulling when the surface samples are denser than
    the pixels (IoU 0.813 before it, with 40 silhouette iterations and a constant learning rate)."""
    img, people = vtest_people
    H, W = img.shape[:2]
    cam = Camera.from_image_size(W, H, 55.0)
    d = min(people, key=lambda p: int(p.mask.sum()))
    ys = np.nonzero(d.mask)[0]
    assert ys.max() - ys.min() < 45 and ys.max() < H // 3  # the small one at the top
    fit = fit_smplx(skeleton, d.keypoints2d[None], d.keypoints3d[None], cam, SMPLXFitConfig(), masks=[d.mask])
    iou = mask_iou(_project(Track(0, "smplx", fit.params, np.ones(1)), cam, H, W), d.mask)
    print(f"far walker: {int(d.mask.sum())} mask px, IoU {iou:.3f}")
    assert iou >= 0.85


def test_the_man_behind_the_sign_fit_covers_his_visible_mask(skeleton, vtest_people):
    """The man standing behind the street photo's sign (``Detection.hidden``: what Pose's whole-body mask paints
    beyond his visible pixels, the board and a spill beside it): fitted as S2 fits him (the visible mask, hidden
    pixels don't-care) his body covers his visible mask (IoU over the pixels the occluder leaves, as
    ``benchmarks.photo_fit_bench`` measures it; 0.928 measured). With the hidden pixels as mask pixels (the
    convention before) the cover term bent his leg onto the board's spill: 157 px of body where neither says
    he is, IoU 0.777."""
    from benchmarks.photo_fit_bench import person_iou

    img, people = vtest_people
    H, W = img.shape[:2]
    cam = Camera.from_image_size(W, H, 55.0)
    man = min(people, key=lambda d: float(np.linalg.norm(d.keypoints2d[0, :2] - (436, 184))))
    assert man.hidden is not None and man.hidden.any()
    args = (skeleton, man.keypoints2d[None], man.keypoints3d[None], cam, SMPLXFitConfig())
    fit = fit_smplx(*args, scores=np.array([man.score]), masks=[man.mask], hidden=[man.hidden])
    old = fit_smplx(*args, scores=np.array([man.score]), masks=[man.mask | man.hidden])
    iou = person_iou(Track(0, "smplx", fit.params, fit.confidence), man.mask, cam, man.hidden)
    iou_old = person_iou(Track(0, "smplx", old.params, old.confidence), man.mask, cam, man.hidden)
    print(f"man behind the sign: IoU {iou:.3f} (hidden don't-care) / {iou_old:.3f} (hidden as mask pixels)")
    assert iou >= 0.85 and iou > iou_old
