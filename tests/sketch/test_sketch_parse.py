"""Target-pose sketch: colour round trips, condition maps, drags, and the documented bad-input behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from revision.palette import PART_BY_NAME, PARTS
from revision.sketch import SKETCH_CONFIDENCE, SketchError, SketchResult, parse_sketch

H, W = 120, 160
YY, XX = np.mgrid[:H, :W]


def _blob(cx, cy, a, b) -> np.ndarray:
    return ((XX - cx) / a) ** 2 + ((YY - cy) / b) ** 2 <= 1


def _rgba(*strokes) -> np.ndarray:
    sk = np.zeros((H, W, 4), np.uint8)
    for mask, part in strokes:
        sk[mask, :3] = part.color
        sk[mask, 3] = 255
    return sk


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


@pytest.mark.parametrize("part", PARTS, ids=[p.name for p in PARTS])
def test_every_palette_colour_round_trips(part):
    blob = _blob(70, 55, 38, 24)
    result = parse_sketch(_rgba((blob, part)))
    assert list(result.polygons) == [part.id] and len(result.polygons[part.id]) == 1
    assert result.warnings == []
    back = result.part_mask()
    assert set(np.unique(back).tolist()) == {0, part.id}
    assert _iou(back == part.id, blob) > 0.97


def test_condition_is_last_frame_only_at_half_confidence_and_scales():
    head, torso = _blob(80, 25, 12, 12), _blob(80, 70, 25, 35)
    result = parse_sketch(_rgba((torso, PART_BY_NAME["torso"]), (head, PART_BY_NAME["head"])))
    cond = result.to_condition(5, H, W)
    assert cond.part_ids.shape == (5, H, W)
    assert cond.part_ids[:-1].max() == 0 and cond.confidence[:-1].max() == 0
    last = cond.part_ids[-1]
    assert _iou(last == PART_BY_NAME["head"].id, head) > 0.95 and _iou(last == PART_BY_NAME["torso"].id, torso) > 0.95
    np.testing.assert_array_equal(cond.confidence[-1], np.where(last > 0, SKETCH_CONFIDENCE, 0))
    big = result.to_condition(2, 2 * H, 2 * W)  # another size: the polygons are scaled
    up = np.repeat(np.repeat(last, 2, 0), 2, 1)
    assert (big.part_ids[-1] != up).mean() < 0.01
    with pytest.raises(SketchError):
        result.to_condition(0, H, W)


def test_outlines_become_filled_shapes_and_background_is_ignored():
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    sketch = photo.copy()
    ring = np.abs(np.hypot(XX - 80, YY - 60) - 30) <= 1.5  # an outlined circle
    gap = (XX > 105) & (np.abs(YY - 60) < 2)  # with a 3-px gap in the outline
    sketch[ring & ~gap] = PART_BY_NAME["left_hand"].color
    result = parse_sketch(sketch, background=photo)
    mask = result.part_mask() == PART_BY_NAME["left_hand"].id
    assert _iou(mask, np.hypot(XX - 80, YY - 60) <= 31.5) > 0.95


def test_anti_aliased_rgb_strokes_on_white_canvas():
    sketch = np.full((H, W, 3), 255, np.uint8)
    blob = _blob(60, 60, 30, 20)
    colour = np.array(PART_BY_NAME["right_upper_leg"].color)
    sketch[blob] = colour
    fringe = _blob(60, 60, 31.5, 21.5) & ~blob  # half-blended edge pixels
    sketch[fringe] = ((colour + 255) / 2).astype(np.uint8)
    sketch[blob & (XX < 45)] = np.clip(colour + [8, -10, 6], 0, 255)  # slightly off-palette shading
    result = parse_sketch(sketch)
    assert result.warnings == [] and list(result.polygons) == [PART_BY_NAME["right_upper_leg"].id]
    assert _iou(result.part_mask() > 0, blob) > 0.95


def test_off_palette_colours_are_ignored_with_a_warning():
    sk = _rgba((_blob(50, 60, 25, 25), PART_BY_NAME["torso"]))
    stray = _blob(125, 60, 15, 15)
    sk[stray, :3], sk[stray, 3] = (120, 120, 120), 255
    result = parse_sketch(sk)
    assert list(result.polygons) == [PART_BY_NAME["torso"].id]
    assert len(result.warnings) == 1 and "#787878" in result.warnings[0] and "palette" in result.warnings[0]


def test_tiny_strokes_are_dropped_with_a_warning():
    sk = _rgba((_blob(50, 60, 25, 25), PART_BY_NAME["torso"]), (_blob(130, 20, 1.5, 1.5), PART_BY_NAME["head"]))
    result = parse_sketch(sk)
    assert list(result.polygons) == [PART_BY_NAME["torso"].id]
    assert any("head" in w and "tiny" in w for w in result.warnings)


@pytest.mark.parametrize(
    "bad,match",
    [
        (np.zeros((H, W, 4), np.uint8), "empty"),
        (np.full((H, W, 3), 255, np.uint8), "empty"),
        (np.zeros((H, W), np.uint8), r"\(H, W, 3\)"),
        (np.zeros((H, W, 3), np.float32), "uint8"),
        ("not an image", r"\(H, W, 3\)"),
    ],
)
def test_bad_sketches_raise_sketch_error(bad, match):
    with pytest.raises(SketchError, match=match):
        parse_sketch(bad)


def test_wrong_size_and_all_off_palette_raise():
    sk = _rgba((_blob(50, 60, 25, 25), PART_BY_NAME["torso"]))
    with pytest.raises(SketchError, match="draw the sketch over the image"):
        parse_sketch(sk, background=np.zeros((H + 10, W, 3), np.uint8))
    grey = np.zeros((H, W, 4), np.uint8)
    grey[_blob(50, 60, 25, 25)] = (120, 120, 120, 255)
    with pytest.raises(SketchError, match="part colours"):
        parse_sketch(grey)
    assert issubclass(SketchError, ValueError)


def test_drags_move_the_part_they_start_on():
    arm = _blob(40, 60, 20, 8)
    sk = _rgba((arm, PART_BY_NAME["left_lower_arm"]), (_blob(120, 60, 15, 15), PART_BY_NAME["head"]))
    result = parse_sketch(sk, drags=[((40, 60), (70, 30)), ((5, 5), (10, 10))])
    assert isinstance(result, SketchResult)
    assert [d.part_id for d in result.drags] == [PART_BY_NAME["left_lower_arm"].id]
    moved = result.part_mask() == PART_BY_NAME["left_lower_arm"].id
    assert _iou(moved, _blob(70, 30, 20, 8)) > 0.9
    assert any("does not start on a sketched part" in w for w in result.warnings)
