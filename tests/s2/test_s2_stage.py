"""The full S2 stage's own logic: resampling without PPPM and merging the sketch into the masks."""

import numpy as np

from revision.s2 import merge_sketch, resample_motion
from revision.types import Camera, ConditionMaps, MotionSequence, Track


def _motion(n=5):
    t = np.arange(n, dtype=np.float32)
    params = {
        "global_orient": np.zeros((n, 3), np.float32),
        "body_pose": np.tile(t[:, None], (1, 63)) * 0.1,
        "betas": np.ones(10, np.float32),
        "transl": np.stack([t, 0 * t, 3 + 0 * t], 1),
    }
    return MotionSequence([Track(0, "smplx", params, np.ones(n, np.float32))], Camera.from_image_size(64, 64), n, 7.0)


def test_resample_motion_is_linear_and_keeps_constants():
    m = resample_motion(_motion(5), 9)
    assert m.num_frames == 9
    tr = m.tracks[0]
    np.testing.assert_allclose(tr.params["transl"][:, 0], np.linspace(0, 4, 9), atol=1e-6)
    np.testing.assert_array_equal(tr.params["betas"], np.ones(10))
    assert tr.confidence.shape == (9,)
    assert m.fps == 14.0  # same duration, denser frames
    assert resample_motion(m, 9) is m


def test_merge_sketch_fills_only_background():
    cond = ConditionMaps.empty(3, 8, 8)
    cond.part_ids[:, :4] = 2
    cond.confidence[:, :4] = 1.0
    sketch = ConditionMaps.empty(3, 8, 8)
    sketch.part_ids[-1, 2:6] = 5
    sketch.confidence[-1, 2:6] = 0.5
    out = merge_sketch(cond, sketch)
    assert np.all(out.part_ids[-1, :4] == 2) and np.all(out.confidence[-1, :4] == 1.0)  # projection wins
    assert np.all(out.part_ids[-1, 4:6] == 5) and np.all(out.confidence[-1, 4:6] == 0.5)  # sketch fills
    assert np.all(out.part_ids[-1, 6:] == 0) and np.all(out.part_ids[:2, 4:] == 0)
    assert merge_sketch(cond, None) is cond
