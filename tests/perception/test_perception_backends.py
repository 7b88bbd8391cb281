"""Perception backends: MediaPipe on a real photo (offline), depth prior, objects, tracking, factory."""

import numpy as np
import pytest

from revision.perception import BackendUnavailableError, assign_tracks, default_backends, mask_iou
from revision.perception.depth import GeometricDepth, nearest_landmark_depth
from revision.perception.geometry import project, solve_translation
from revision.perception.objects import SaliencyObjects, UserObject, UserObjects, shift_mask
from revision.types import Camera, Detection


@pytest.fixture(scope="module")
def astronaut():
    skimage_data = pytest.importorskip("skimage.data")
    return skimage_data.astronaut()


@pytest.fixture(scope="module")
def person(astronaut):
    from revision.perception.mediapipe_backend import MediaPipePose, MediaPipePoseConfig

    det = MediaPipePose(MediaPipePoseConfig(video_mode=False))
    out = det.detect(astronaut)
    det.close()
    return out


def test_mediapipe_finds_the_astronaut_offline(person, astronaut):
    assert len(person) == 1
    d = person[0]
    assert d.kind == "person" and d.keypoints2d.shape == (33, 3) and d.keypoints3d.shape == (33, 3)
    kp = d.keypoints2d
    # plausible anatomy in image space: nose above shoulders above hips; left/right shoulders apart
    assert kp[0, 1] < kp[11:13, 1].min() < kp[23:25, 1].min()
    assert abs(kp[11, 0] - kp[12, 0]) > 60
    assert kp[[0, 11, 12], 2].min() > 0.9  # face and shoulders clearly visible
    # metric world landmarks: shoulder width 0.25..0.5 m
    assert 0.25 < np.linalg.norm(d.keypoints3d[11] - d.keypoints3d[12]) < 0.5
    # person mask covers the astronaut's upper body (left part of the image) and the nose
    assert d.mask.shape == astronaut.shape[:2] and 0.2 < d.mask.mean() < 0.7
    assert d.mask[int(kp[0, 1]), int(kp[0, 0])]


def test_solve_translation_recovers_a_known_offset():
    cam = Camera.from_image_size(640, 480)
    rng = np.random.default_rng(0)
    pts = rng.normal(0, 0.3, (33, 3))
    t = np.array([0.3, -0.2, 3.5])
    uv = project(pts + t, cam)
    est = solve_translation(pts, uv, np.ones(33), cam)
    np.testing.assert_allclose(est, t, atol=1e-3)
    assert solve_translation(pts, uv, np.zeros(33), cam) is None


def test_geometric_depth_ground_plane_and_person(person, astronaut):
    g = GeometricDepth()
    empty = g.estimate(astronaut, [])
    cam = Camera.from_image_size(512, 512)
    # no person: default camera height; row v below the horizon sees z = fy * h / (v - cy)
    v = 400
    assert empty[v, 10] == pytest.approx(cam.fy * 1.4 / (v + 0.5 - cam.cy), rel=1e-4)
    assert (np.diff(empty[260:, 0]) <= 0).all() and empty[:256].max() == 20.0
    d = g.estimate(astronaut, person)
    z = d[person[0].mask]
    assert 0.3 < np.median(z) < 2.5  # a close-up portrait: the person is about a metre away


def test_nearest_landmark_depth_is_voronoi():
    d = nearest_landmark_depth(np.array([[10, 10], [90, 90]]), np.array([1.0, 2.0]), (100, 100), stride=1)
    assert d[0, 0] == 1.0 and d[99, 99] == 2.0 and d[20, 5] == 1.0


def test_tracking_keeps_ids_across_frames():
    def det(x, kind="object"):
        return Detection(kind, np.array([x, 10, x + 20, 30], np.float32))

    frames = [[det(0), det(100)], [det(104), det(3)], [], [det(8), det(108)], [det(300, "person")]]
    assign_tracks(frames)
    assert [d.track_id for d in frames[0]] == [0, 1]
    assert [d.track_id for d in frames[1]] == [1, 0]  # matched by overlap, not by order
    assert [d.track_id for d in frames[3]] == [0, 1]  # survives a missing frame
    assert frames[4][0].track_id == 2


def _square_clip(n=4, shift=6):
    rng = np.random.default_rng(0)
    frames = []
    for i in range(n):
        f = np.full((120, 160, 3), 200, np.uint8)
        f[30 + i * shift : 60 + i * shift, 40 + i * shift : 70 + i * shift] = (200, 30, 30)
        f[33 + i * shift : 40 + i * shift, 45 + i * shift : 50 + i * shift] = (20, 20, 200)  # texture to track
        frames.append(np.clip(f + rng.integers(0, 6, f.shape), 0, 255).astype(np.uint8))
    return frames


def test_user_box_is_followed_and_segmented():
    frames = _square_clip()
    obj = UserObjects([UserObject(box=np.array([36, 26, 74, 64]), label="ball")])
    boxes = []
    for f in frames:
        (d,) = obj.detect(f)
        boxes.append(d.box)
        assert d.label == "ball" and d.mask.any()
    # the followed mask moves with the square (6 px per frame)
    assert boxes[-1][0] - boxes[0][0] == pytest.approx(18, abs=2)
    truth = np.zeros((120, 160), bool)
    truth[30:60, 40:70] = True
    m0 = UserObjects([UserObject(box=np.array([36, 26, 74, 64]))]).detect(frames[0])[0].mask
    assert mask_iou(m0, truth) > 0.7  # GrabCut inside the user's box


def test_user_mask_given_per_frame_is_used_as_is():
    masks = np.zeros((2, 20, 20), bool)
    masks[0, 2:5, 2:5] = True
    masks[1, 10:15, 10:15] = True
    obj = UserObjects([UserObject(mask=masks, kind="animal", label="dog")])
    f = np.zeros((20, 20, 3), np.uint8)
    d0, d1 = obj.detect(f)[0], obj.detect(f)[0]
    assert d0.kind == "animal" and (d0.mask == masks[0]).all() and (d1.mask == masks[1]).all()
    assert shift_mask(masks[0], 1, 2)[4:7, 3:6].all()


def test_saliency_finds_the_coloured_object_and_defers_to_people():
    f = _square_clip(1)[0]
    sal = SaliencyObjects()
    (d,) = sal.detect(f)
    truth = np.zeros((120, 160), bool)
    truth[30:60, 40:70] = True
    assert mask_iou(d.mask, truth) > 0.5
    assert sal.detect(f, exclude=truth) == []  # a person is present: the fallback stays silent


def test_default_backends_report_what_they_use():
    b = default_backends()
    rep = b.report()
    assert rep["keypoints"] == "mediapipe-pose"
    assert rep["depth"].startswith("geometric")  # no Depth-Anything-V2 weights on this machine
    assert any("Depth-Anything-V2" in n for n in b.notes)
    with pytest.raises(BackendUnavailableError, match="huggingface-cli download"):
        default_backends(depth="depth-anything")
    with pytest.raises(BackendUnavailableError, match="owlv2"):
        default_backends(objects="open-vocab", queries=["a dog"])
    b2 = default_backends(user_objects=[UserObject(box=np.array([0, 0, 5, 5]))], queries=["a dog"])
    assert "user boxes" in b2.report()["objects"]
    assert any("open-vocabulary detector unavailable" in n for n in b2.notes)
