"""The fitted body, projected, overlaps MediaPipe's person mask on a real photo (scikit-image astronaut).

The projection uses ``revision.render.render_condition`` (mesh) when it imports, else the joint-capsule
fallback of ``revision.lifting.stick_render`` (printed). Production fitting iterations.
"""

import numpy as np
import pytest

from revision.lifting import extract_motion
from revision.perception import mask_iou
from revision.training.annotate import render_parts
from revision.types import Clip


def test_fitted_body_overlaps_mediapipe_mask():
    skimage_data = pytest.importorskip("skimage.data")
    img = skimage_data.astronaut()
    motion, dets, report = extract_motion(Clip(np.stack([img, img])))
    assert [t.kind for t in motion.tracks] == ["smplx"]
    cond, renderer = render_parts(motion, img.shape[0], img.shape[1])
    person = dets.frames[0][0].mask
    iou = mask_iou(cond.part_ids[0] > 0, person)
    print(f"IoU fitted body vs MediaPipe mask: {iou:.3f} ({renderer}); notes: {report['notes']}")
    assert iou > 0.4
    assert report["backends"]["keypoints"] == "mediapipe-pose"
