"""The fitted body, projected by ``revision.render.render_condition``, overlaps MediaPipe's person mask on a real
photo (scikit-image astronaut). Production fitting iterations."""

import numpy as np
import pytest

from revision.lifting import extract_motion
from revision.perception import mask_iou
from revision.render import render_condition
from revision.types import Clip


def test_fitted_body_overlaps_mediapipe_mask():
    skimage_data = pytest.importorskip("skimage.data")
    img = skimage_data.astronaut()
    ex = extract_motion(Clip(np.stack([img, img])))
    assert [t.kind for t in ex.motion.tracks] == ["smplx"]
    cond = render_condition(ex.motion, img.shape[0], img.shape[1])
    person = ex.detections.frames[0][0].mask
    iou = mask_iou(cond.part_ids[0] > 0, person)
    print(f"IoU fitted body vs MediaPipe mask: {iou:.3f}; notes: {ex.notes}")
    assert iou > 0.4
    assert ex.backends["keypoints"] == "mediapipe-pose"
    assert ex.depth is not None and ex.depth.shape == (2, *img.shape[:2]) and ex.depth.dtype == np.float16
    assert 0.0 <= ex.motion_strength <= 1.0 and ex.motion_strength == ex.motion.motion_strength
