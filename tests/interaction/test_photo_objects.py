"""Finding the prompt's object on a photo (revision.perception.photo_objects) on drawn images."""

import numpy as np
import pytest

from revision.perception.photo_objects import (
    ObjectHint,
    PhotoObjects,
    find_objects,
    object_nouns,
    place_object_points,
)
from revision.types import Camera

H, W = 240, 320


def _pitch(ball=(200, 190, 14), person=(60, 40, 120, 220)) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grass with a textured yellow ball and a red 'person' block → image, ball mask, person mask."""
    rng = np.random.default_rng(0)
    img = np.zeros((H, W, 3), np.uint8)
    img[:] = (40, 140, 50)
    img = np.clip(img + rng.normal(0, 6, img.shape), 0, 255).astype(np.uint8)
    yy, xx = np.mgrid[0:H, 0:W]
    cx, cy, r = ball
    bm = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    img[bm] = (235, 215, 30)
    img[bm & ((xx - cx) ** 2 + (yy - cy + 4) ** 2 <= 16)] = (20, 20, 60)  # a dark patch on the ball
    x0, y0, x1, y1 = person
    pm = np.zeros((H, W), bool)
    pm[y0:y1, x0:x1] = True
    img[pm] = (180, 30, 40)
    return img, bm, pm


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def test_nouns_of_a_prompt():
    assert object_nouns("he kicks the ball") == ["ball"]
    assert object_nouns("she hits the tennis ball") == ["tennis ball"]
    assert object_nouns("he picks up two boxes") == ["box"]
    assert object_nouns("he waves") == []


def test_finds_the_ball_beside_a_person():
    img, bm, pm = _pitch()
    found = find_objects(img, prompt="he kicks the ball", people=[pm])
    assert found and found[0].label == "ball" and found[0].how == "circle + colour"
    assert _iou(found[0].mask, bm) > 0.7
    assert not (found[0].mask & pm).any()


def test_nothing_named_nothing_found():
    img, _, pm = _pitch()
    assert find_objects(img, prompt="he waves", people=[pm]) == []


def test_user_box_and_stroke_win():
    img, bm, pm = _pitch()
    box = find_objects(
        img, prompt="he kicks the ball", people=[pm], hints=[ObjectHint(box=(180, 170, 220, 210))]
    )
    assert len(box) == 1 and box[0].how.startswith("user box") and _iou(box[0].mask, bm) > 0.5
    stroke = find_objects(
        img, prompt="", hints=[ObjectHint(stroke=np.array([[195, 185], [205, 195]]), label="toy")]
    )
    assert (
        stroke[0].how == "user stroke"
        and stroke[0].label == "toy"
        and (stroke[0].mask & bm).sum() > 0.5 * bm.sum()
    )


def test_sketch_object_colour_picks_the_candidate_it_covers():
    img, bm, pm = _pitch()
    img2 = img.copy()
    yy, xx = np.mgrid[0:H, 0:W]
    img2[(xx - 280) ** 2 + (yy - 60) ** 2 <= 14**2] = (
        30,
        200,
        230,
    )  # a second, cyan ball far from the person
    painted = np.zeros((H, W), bool)
    painted[55:65, 275:285] = True  # the user paints the object colour over the cyan one
    found = find_objects(img2, prompt="he kicks the ball", people=[pm], sketch_object=painted)
    assert found[0].how.startswith("sketch") and found[0].mask[60, 280] and not found[0].mask[190, 200]


def test_hint_validation_and_scaling():
    with pytest.raises(ValueError):
        ObjectHint()
    with pytest.raises(ValueError):
        ObjectHint(box=(10, 10, 5, 20))
    h = ObjectHint(box=(10, 20, 30, 40)).scaled(0.5, 2.0)
    assert h.box == (5.0, 40.0, 15.0, 80.0) and h.as_dict()["box"] == [5.0, 40.0, 15.0, 80.0]


def test_detector_gives_a_labelled_object_detection():
    img, bm, pm = _pitch()
    det = PhotoObjects("he kicks the ball").detect(img, exclude=pm)
    assert (
        len(det) == 1 and det[0].kind == "object" and det[0].label == "ball" and _iou(det[0].mask, bm) > 0.7
    )


def test_placement_keeps_the_ground_or_uses_the_size_prior():
    cam = Camera.from_image_size(W, H)
    ang = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    ring = np.stack([0.11 * np.cos(ang), 0.11 * np.sin(ang), np.zeros(16)], 1)
    box = np.array([[-0.11, -0.11, 0], [0.11, -0.11, 0], [0.11, 0.11, 0], [-0.11, 0.11, 0]])
    pts = (np.concatenate([ring, box, np.zeros((1, 3))]) + [0.2, 0.5, 3.0])[None].astype(np.float32)
    same, why = place_object_points(pts, "ball", cam)  # 0.22 m across: agrees with the prior
    assert np.allclose(same, pts) and "ground plane" in why
    far, why = place_object_points(pts * 4, "ball", cam)  # the ground said 12 m: 0.88 m across, not a ball
    assert np.allclose(far[0, 20, 2], 3.0, atol=1e-3) and "size prior" in why
    assert np.allclose(
        far[0, 20, :2] / far[0, 20, 2], pts[0, 20, :2] / pts[0, 20, 2], atol=1e-5
    )  # same pixels
