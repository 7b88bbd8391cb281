"""Animals without an animal detector: a foreground blob that no plausible person explains.

Offline we ship no animal classifier. The honest cue we use: MediaPipe's selfie (person) segmenter
also fires on furry animals (it marks 91 % of scikit-image's cat photo as foreground), while
:class:`~revision.perception.multi_person.MultiPersonPose` refuses to find a human there (nose and
shoulders, human proportions, re-find check). So a large foreground component of the segmenter that
the people found in the frame (``exclude``) do not explain, with a compact or wide (animal-like)
aspect, is reported as ``kind="animal"`` and lifted with SMAL by ``extract_motion``. Its mask is the
colour/saliency foreground inside that component when that is a clear sub-region (the segmenter's
blob can span the whole photo), else the component. Everything else falls through to ``fallback``
(the colour/saliency object detector by default), so a photo gets one or the other, never both.

Limits, stated: no species, a person that Pose misses entirely (e.g. seen from behind, alone) and
whose blob is large would be called an animal; tiny blobs (< ``min_area``) are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from revision.perception.base import mask_to_box
from revision.perception.mediapipe_backend import MediaPipeSelfieSegmenter
from revision.types import Detection


@dataclass
class AnimalCueConfig:
    min_area: float = 0.05  # fraction of the image a blob must cover
    max_person_overlap: float = 0.2  # blobs overlapping found people more than this are theirs
    aspect: tuple[float, float] = (0.5, 4.0)  # box width / height of an animal-like blob
    threshold: float = 0.5  # segmentation probability → foreground
    min_refined: float = 0.15  # saliency sub-region used as the mask when it keeps ≥ this of the blob


class ForegroundAnimals:
    """:class:`~revision.perception.base.ObjectDetector`: person-segmenter blobs no person explains → animal."""

    def __init__(self, fallback=None, config: AnimalCueConfig | None = None) -> None:
        self.config = config or AnimalCueConfig()
        self.fallback = fallback
        self._segmenter = MediaPipeSelfieSegmenter(model_selection=0)  # general model (locked inside)
        self.name = "person-segmenter blob, no person (animal)" + (f" else {fallback.name}" if fallback else "")

    def reset(self) -> None:
        if self.fallback is not None:
            self.fallback.reset()

    def close(self) -> None:
        self._segmenter.reset()

    def detect(self, frame: np.ndarray, exclude: np.ndarray | None = None) -> list[Detection]:
        animal = self.find(frame, exclude)
        if animal is not None:
            return [animal]
        return self.fallback.detect(frame, exclude=exclude) if self.fallback is not None else []

    def find(self, frame: np.ndarray, exclude: np.ndarray | None = None) -> Detection | None:
        """The animal-like blob of ``frame`` (see the module doc), or None."""
        import cv2

        c = self.config
        H, W = frame.shape[:2]
        prob = self._segmenter.segment(frame)
        fg = (prob > c.threshold).astype(np.uint8)
        n, lab, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
        people = np.zeros((H, W), bool) if exclude is None else np.asarray(exclude, bool)
        best = None
        for i in range(1, n):
            x, y, w, h, area = stats[i]
            if area < c.min_area * H * W or not (c.aspect[0] <= w / max(h, 1) <= c.aspect[1]):
                continue
            blob = lab == i
            if people.any() and (blob & people).sum() > c.max_person_overlap * area:
                continue
            if best is None or area > best[1]:
                best = (blob, area, float(prob[blob].mean()))
        if best is None:
            return None
        blob, area, score = best
        mask = blob & ~people
        if self.fallback is not None and hasattr(self.fallback, "saliency"):
            sal = self.fallback.saliency(frame)
            sal = cv2.resize(sal, (W, H), interpolation=cv2.INTER_LINEAR)
            u8 = (sal * 255).astype(np.uint8)
            _, s = cv2.threshold(u8[mask], 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
            refined = np.zeros((H, W), bool)
            refined[mask] = s.ravel() > 0
            refined = cv2.morphologyEx(refined.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)) > 0
            if c.min_refined * mask.sum() <= refined.sum() < 0.9 * mask.sum():
                k, lab2, st2, _ = cv2.connectedComponentsWithStats(refined.astype(np.uint8), connectivity=8)
                if k > 1:
                    refined = lab2 == 1 + int(np.argmax(st2[1:, cv2.CC_STAT_AREA]))
                mask = refined
        return Detection("animal", mask_to_box(mask), score, mask=mask, label="animal")
