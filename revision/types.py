"""Plain values that flow between the pipeline stages (DESIGN.md §1).

Every stage takes and returns these dataclasses, so each one can be run, cached, inspected
and tested alone. Arrays are numpy unless stated; shapes are given in the field comments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

TrackKind = Literal["smplx", "smal", "object"]
DetectionKind = Literal["person", "animal", "object"]


@dataclass
class Clip:
    """A video clip. ``frames``: (F, H, W, 3) uint8 RGB."""

    frames: np.ndarray
    fps: float = 7.0

    def __post_init__(self) -> None:
        if self.frames.ndim != 4 or self.frames.shape[-1] != 3:
            raise ValueError(f"Clip.frames must be (F, H, W, 3), got {tuple(self.frames.shape)}")
        if self.frames.dtype != np.uint8:
            raise ValueError(f"Clip.frames must be uint8, got {self.frames.dtype}")

    @property
    def num_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def height(self) -> int:
        return int(self.frames.shape[1])

    @property
    def width(self) -> int:
        return int(self.frames.shape[2])


@dataclass
class Camera:
    """Pinhole camera looking down +z (OpenCV convention: x right, y down).

    ``R`` (3, 3) and ``t`` (3,) map world to camera: ``x_cam = R @ x_world + t``.
    """

    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int
    R: np.ndarray = field(default_factory=lambda: np.eye(3, dtype=np.float32))
    t: np.ndarray = field(default_factory=lambda: np.zeros(3, dtype=np.float32))

    @classmethod
    def from_image_size(cls, width: int, height: int, fov_deg: float = 55.0) -> Camera:
        """Default intrinsics: principal point at the centre, horizontal field of view ``fov_deg``."""
        f = 0.5 * width / np.tan(np.deg2rad(fov_deg) / 2)
        return cls(fx=float(f), fy=float(f), cx=width / 2, cy=height / 2, width=width, height=height)

    @property
    def K(self) -> np.ndarray:
        return np.array([[self.fx, 0, self.cx], [0, self.fy, self.cy], [0, 0, 1]], dtype=np.float32)

    def scaled(self, width: int, height: int) -> Camera:
        """The same camera for an image resized to ``width`` x ``height``."""
        sx, sy = width / self.width, height / self.height
        return Camera(self.fx * sx, self.fy * sy, self.cx * sx, self.cy * sy, width, height, self.R, self.t)


@dataclass
class Detection:
    """One detected instance in one frame."""

    kind: DetectionKind
    box: np.ndarray  # (4,) x0, y0, x1, y1 in pixels
    score: float = 1.0
    track_id: int = -1
    mask: np.ndarray | None = None  # (H, W) bool
    # (H, W) bool: where this instance lies hidden behind something in front of it (a person behind a sign):
    # its body goes on there but the pixels are the occluder's; the fit's silhouette leaves them don't-care (a
    # body there is not pulled in, they reward no coverage), what moves with it (S3's binding) is only mask
    hidden: np.ndarray | None = None
    # (H, W) bool: what hides it, the photo's pixels in front of it (the sign and its pole, not what Pose's
    # whole-body estimate adds beside them: a cone behind him); S3 draws them in front of it. None: ``hidden``
    occluder: np.ndarray | None = None
    keypoints2d: np.ndarray | None = None  # (K, 3) x, y (pixels), visibility 0..1
    keypoints3d: np.ndarray | None = None  # (K, 3) metric, root-relative (backend-specific order)
    label: str = ""


@dataclass
class Detections:
    """Per-frame detections of a clip: ``frames[i]`` is the list for frame i."""

    frames: list[list[Detection]]
    width: int
    height: int
    backends: dict[str, str] = field(default_factory=dict)  # role -> backend name actually used

    def track_ids(self) -> list[int]:
        return sorted({d.track_id for f in self.frames for d in f if d.track_id >= 0})


@dataclass
class Track:
    """Parametric 3D motion of one object over F frames.

    ``params`` per kind (first dim F unless noted):
      - ``smplx``: global_orient (F,3), body_pose (F,63), betas (10,), transl (F,3) axis-angle; optional
        girth (6,): per-segment radius change of a photo fit (:mod:`revision.body.girth`)
      - ``smal``: global_orient (F,3), pose (F,102), betas (41,), transl (F,3)
      - ``object``: points (F,21,3) camera-space metres (16 contour + 4 box corners + centre)
    """

    track_id: int
    kind: TrackKind
    params: dict[str, np.ndarray]
    confidence: np.ndarray  # (F,) 0..1; 0 = missing frame
    label: str = ""

    @property
    def num_frames(self) -> int:
        return int(self.confidence.shape[0])


@dataclass
class MotionSequence:
    """Object-centric 3D motion of a clip: tracks + the camera they are expressed in."""

    tracks: list[Track]
    camera: Camera
    num_frames: int
    fps: float = 7.0
    motion_strength: float | None = None  # 0..1, measured from the motion (see lifting)

    def __post_init__(self) -> None:
        for tr in self.tracks:
            if tr.num_frames != self.num_frames:
                raise ValueError(f"track {tr.track_id} has {tr.num_frames} frames, sequence has {self.num_frames}")


@dataclass
class ConditionMaps:
    """Per-frame conditioning of the video model.

    ``part_ids`` (F, H, W) int16 with ids from :mod:`revision.palette` (0 = background) and
    ``confidence`` (F, H, W) float32: 1 = full 3D motion, 0.5 = user sketch polygons, 0 = none.
    """

    part_ids: np.ndarray
    confidence: np.ndarray

    def __post_init__(self) -> None:
        if self.part_ids.shape != self.confidence.shape or self.part_ids.ndim != 3:
            raise ValueError(
                f"part_ids {tuple(self.part_ids.shape)} and confidence {tuple(self.confidence.shape)} "
                "must both be (F, H, W)"
            )

    @property
    def num_frames(self) -> int:
        return int(self.part_ids.shape[0])

    @classmethod
    def empty(cls, num_frames: int, height: int, width: int) -> ConditionMaps:
        """No motion given: empty mask, confidence 0 (the paper's unconditional training case)."""
        return cls(
            np.zeros((num_frames, height, width), np.int16), np.zeros((num_frames, height, width), np.float32)
        )

    def to_array(self) -> np.ndarray:
        """(F, 2, H, W) float32: channel 0 = part id / NUM_PARTS in [0, 1], channel 1 = confidence."""
        from revision.palette import NUM_PARTS

        mask = self.part_ids.astype(np.float32) / NUM_PARTS
        return np.stack([mask, self.confidence.astype(np.float32)], axis=1)
