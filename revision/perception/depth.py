"""Depth backends: Depth-Anything-V2 (``transformers``) when its weights are present, else a geometric prior.

**Geometric prior** (offline default, no weights). The camera is level (no pitch/roll) at height
``h`` above a flat ground plane. A pixel row ``v`` below the horizon (``v > cy``) sees the ground at
depth ``z = fy * h / (v - cy)``; rows at or above the horizon get ``max_depth``. ``h`` comes from a
person: MediaPipe's metric landmarks + their pixels give the person's translation
(:func:`~revision.perception.geometry.solve_translation`, i.e. scale from the known body size), and
their feet stand on the ground, so ``h`` is the feet's camera-space y. Without visible feet
``default_camera_height`` is used. Person pixels get the person's landmark depths (nearest landmark);
object masks rest on the ground, so they get the ground depth at their lowest row.

**Depth-Anything-V2** predicts relative inverse depth (or metric depth for the ``Metric`` checkpoints).
Relative predictions are turned into metres by a least-squares scale + shift of the inverse depth
against the geometric prior over the ground and person pixels.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from revision.perception.base import BackendUnavailableError
from revision.perception.geometry import solve_translation
from revision.types import Camera, Detection

FEET = (27, 28, 29, 30, 31, 32)  # MediaPipe ankles, heels, foot tips


@dataclass
class GeometricDepthConfig:
    default_camera_height: float = 1.4  # metres, when no person shows their feet
    max_depth: float = 20.0  # metres, at and above the horizon
    fov_deg: float = 55.0  # horizontal field of view when no camera is given


def person_translation(det: Detection, camera: Camera) -> np.ndarray | None:
    """Camera-space (3,) position of the landmark origin (hip centre) of a person, or None."""
    if det.keypoints2d is None or det.keypoints3d is None:
        return None
    return solve_translation(det.keypoints3d, det.keypoints2d[:, :2], det.keypoints2d[:, 2], camera)


class GeometricDepth:
    """:class:`~revision.perception.base.DepthEstimator`: ground plane + known body size (no weights)."""

    name = "geometric-prior (ground plane + body height)"

    def __init__(self, camera: Camera | None = None, config: GeometricDepthConfig | None = None) -> None:
        self.camera = camera
        self.config = config or GeometricDepthConfig()

    def _camera(self, h: int, w: int) -> Camera:
        if self.camera is not None:
            return self.camera if (self.camera.width, self.camera.height) == (w, h) else self.camera.scaled(w, h)
        return Camera.from_image_size(w, h, self.config.fov_deg)

    def camera_height(self, detections: list[Detection], camera: Camera) -> float:
        """Height of the camera above the ground, from the feet of the people in view (metres)."""
        heights = []
        for d in detections:
            t = person_translation(d, camera) if d.kind == "person" else None
            if t is None:
                continue
            vis = d.keypoints2d[list(FEET), 2]
            if vis.max() < 0.5:
                continue
            feet = d.keypoints3d[list(FEET)] + t
            heights.append(float(np.average(feet[:, 1], weights=vis + 1e-6)))
        heights = [h for h in heights if h > 0.1]
        return float(np.median(heights)) if heights else self.config.default_camera_height

    def estimate(self, frame: np.ndarray, detections: list[Detection]) -> np.ndarray:
        """(H, W, 3) uint8 + detections → (H, W) float32 metres."""
        h, w = frame.shape[:2]
        cam = self._camera(h, w)
        cam_h = self.camera_height(detections, cam)
        rows = np.arange(h, dtype=np.float64) + 0.5 - cam.cy
        ground = np.where(rows > 1e-3, cam.fy * cam_h / np.maximum(rows, 1e-3), self.config.max_depth)
        ground = np.minimum(ground, self.config.max_depth).astype(np.float32)
        depth = np.repeat(ground[:, None], w, axis=1)
        for d in detections:
            if d.mask is None or not d.mask.any():
                continue
            if d.kind == "person":
                t = person_translation(d, cam)
                if t is None:
                    continue
                pts = d.keypoints3d + t  # (33, 3) camera space
                depth[d.mask] = nearest_landmark_depth(d.keypoints2d[:, :2], pts[:, 2], d.mask.shape)[d.mask]
            else:
                bottom = int(np.nonzero(d.mask.any(1))[0].max())
                depth[d.mask] = ground[bottom]
        return depth


def nearest_landmark_depth(
    points2d: np.ndarray, z: np.ndarray, shape: tuple[int, int], stride: int = 4
) -> np.ndarray:
    """(K, 2) pixels + (K,) depths → (H, W) depth of the nearest landmark (Voronoi via OpenCV, at 1/stride)."""
    import cv2

    H, W = shape
    h, w = max(1, -(-H // stride)), max(1, -(-W // stride))
    points2d = np.asarray(points2d, np.float64) / stride
    seeds = np.ones((h, w), np.uint8)
    px = np.clip(np.round(points2d).astype(int), [0, 0], [w - 1, h - 1])
    seeds[px[:, 1], px[:, 0]] = 0
    _, labels = cv2.distanceTransformWithLabels(seeds, cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL)
    # labels number the zero pixels in scan order; map each back to (one of) its landmark(s)
    order = np.nonzero(seeds.ravel() == 0)[0]
    label_z = np.zeros(len(order) + 1, np.float32)
    flat = px[:, 1] * w + px[:, 0]
    for k in range(len(flat)):
        label_z[1 + np.searchsorted(order, flat[k])] = z[k]
    small = label_z[labels]
    return np.repeat(np.repeat(small, stride, 0), stride, 1)[:H, :W]


def _resolve_depth_weights(weights: str | None) -> str:
    try:
        from revision.weights import WeightsNotFoundError, resolve
    except ImportError as e:  # pragma: no cover - foundation module missing
        raise BackendUnavailableError(f"revision.weights is not importable: {e}") from e
    try:
        return resolve("depth", weights).location
    except WeightsNotFoundError as e:
        raise BackendUnavailableError(str(e)) from e


class DepthAnythingV2:
    """:class:`~revision.perception.base.DepthEstimator` on Depth-Anything-V2 through ``transformers``.

    Components are passed in (``model``, ``processor``); use :meth:`from_pretrained` to load them.
    """

    name = "depth-anything-v2"

    def __init__(self, model, processor, prior: GeometricDepth | None = None, device: str = "cpu") -> None:
        self.model = model.eval().to(device)
        self.processor = processor
        self.prior = prior or GeometricDepth()
        self.device = device
        self.metric = getattr(model.config, "depth_estimation_type", "relative") == "metric"

    @classmethod
    def from_pretrained(cls, weights: str | os.PathLike | None = None, device: str = "cpu", **kw) -> DepthAnythingV2:
        """Local folder / HF id in the cache (``REVISION_DEPTH_WEIGHTS``) → backend; clear error when absent."""
        location = _resolve_depth_weights(str(weights) if weights else None)
        from transformers import AutoImageProcessor, AutoModelForDepthEstimation

        processor = AutoImageProcessor.from_pretrained(location)
        model = AutoModelForDepthEstimation.from_pretrained(location)
        return cls(model, processor, device=device, **kw)

    def predict_raw(self, frame: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 → (H, W) float32 raw network output (inverse relative depth or metres)."""
        import torch

        h, w = frame.shape[:2]
        inputs = self.processor(images=frame, return_tensors="pt").to(self.device)
        with torch.no_grad():
            out = self.model(**inputs).predicted_depth  # (1, h', w')
        out = torch.nn.functional.interpolate(out[:, None], size=(h, w), mode="bilinear", align_corners=False)
        return out[0, 0].float().cpu().numpy()

    def estimate(self, frame: np.ndarray, detections: list[Detection]) -> np.ndarray:
        raw = self.predict_raw(frame)
        if self.metric:
            return np.clip(raw, 0.05, None).astype(np.float32)
        return align_inverse_depth(raw, self.prior.estimate(frame, detections), self.prior.config.max_depth)


def align_inverse_depth(disparity: np.ndarray, reference: np.ndarray, max_depth: float) -> np.ndarray:
    """Relative inverse depth (H, W) → metres (H, W), scale + shift fitted to ``1 / reference`` (H, W).

    Pixels where the reference is at ``max_depth`` (sky / horizon) are left out of the fit.
    """
    ok = reference < max_depth * 0.999
    if ok.sum() < 16:
        ok = np.ones_like(reference, bool)
    A = np.stack([disparity[ok], np.ones(ok.sum())], 1).astype(np.float64)
    (s, b), *_ = np.linalg.lstsq(A, 1.0 / reference[ok].astype(np.float64), rcond=None)
    inv = s * disparity + b
    return np.clip(1.0 / np.clip(inv, 1.0 / max_depth, None), 0.05, max_depth).astype(np.float32)
