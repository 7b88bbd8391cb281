"""S2a perception: keypoints, person masks, depth and objects behind small protocols (DESIGN.md §3)."""

from revision.perception.base import (
    BackendUnavailableError,
    DepthEstimator,
    KeypointDetector,
    ObjectDetector,
    Segmenter,
    box_iou,
    mask_iou,
    mask_to_box,
)
from revision.perception.factory import Backends, default_backends
from revision.perception.objects import UserObject
from revision.perception.tracking import assign_tracks

__all__ = [
    "BackendUnavailableError",
    "Backends",
    "DepthEstimator",
    "KeypointDetector",
    "ObjectDetector",
    "Segmenter",
    "UserObject",
    "assign_tracks",
    "box_iou",
    "default_backends",
    "mask_iou",
    "mask_to_box",
]
