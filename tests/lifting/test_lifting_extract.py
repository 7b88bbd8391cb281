"""extract_motion keeps going when a detected person cannot be fitted."""

import numpy as np

from revision.lifting import extract_motion
from revision.perception.depth import GeometricDepth
from revision.perception.factory import Backends
from revision.types import Clip, Detection


class FaintPerson:
    """A keypoint detector that finds a person whose 33 landmarks are all below visibility 0.3."""

    name = "faint"

    def reset(self) -> None:
        pass

    def detect(self, frame: np.ndarray) -> list[Detection]:
        mask = np.zeros(frame.shape[:2], bool)
        mask[8:40, 20:36] = True
        kp = np.zeros((33, 3), np.float32)
        kp[:, :2] = (28, 24)
        kp[:, 2] = 0.1
        return [Detection("person", np.array([20, 8, 36, 40], np.float32), score=0.9, mask=mask, keypoints2d=kp)]


def test_person_without_visible_landmarks_is_dropped_with_a_note():
    clip = Clip(np.full((3, 48, 48, 3), 128, np.uint8))
    ex = extract_motion(clip, detectors=Backends(FaintPerson(), GeometricDepth()))
    assert len(ex.detections.track_ids()) == 1  # it was detected and tracked ...
    assert ex.motion.tracks == [] and ex.tracks == []  # ... but there is nothing to fit
    assert any("no landmark visible" in n and "dropped" in n for n in ex.notes)
    assert ex.backends["keypoints"] == "faint" and {"keypoints", "depth", "tracking"} <= set(ex.timings)
