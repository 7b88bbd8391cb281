"""MediaPipe Pose's landmark model on a region of interest we choose (its person detector bypassed).

MediaPipe's legacy Pose runs a person detector, turns its find into a rotated square region of interest
(centre at the hips, side from the body's extent, rotation from the hips-to-shoulders direction) and
runs the landmark model on it. The detector wants a face and a body line: a person seen from behind
whose torso is hidden (a sign, a car door, a pole in front) is missed, or found lying sideways (the
rotation is read from the few visible parts), and the landmark model then reads a lying body that the
plausibility checks rightly refuse. :class:`PoseByRoi` runs the same landmark model (the subgraph
``PoseLandmarkByRoiCpu`` that the legacy Pose graph uses, with the same weights) on a region we give
it, e.g. an upright square where a person is expected (:mod:`revision.perception.multi_person`'s
upright re-look). The model's own presence score (> 0.5) decides whether a person is there.

Thread safety: one graph, one ``process`` at a time (the caller holds its detector's lock).
"""

from __future__ import annotations

import numpy as np

_GRAPH = """
input_stream: "image"
input_stream: "roi"
output_stream: "landmarks"
output_stream: "world_landmarks"
output_stream: "segmentation_mask"
input_side_packet: "model_complexity"
input_side_packet: "enable_segmentation"
node {
  calculator: "PoseLandmarkByRoiCpu"
  input_stream: "IMAGE:image"
  input_stream: "ROI:roi"
  output_stream: "LANDMARKS:landmarks"
  output_stream: "WORLD_LANDMARKS:world_landmarks"
  output_stream: "SEGMENTATION_MASK:seg_image"
  input_side_packet: "MODEL_COMPLEXITY:model_complexity"
  input_side_packet: "ENABLE_SEGMENTATION:enable_segmentation"
}
node {
  calculator: "FromImageCalculator"
  input_stream: "IMAGE:seg_image"
  output_stream: "IMAGE_CPU:segmentation_mask"
}
"""


class PoseByRoi:
    """The legacy Pose landmark model (``model_complexity=1``) on a given square region of an image."""

    def __init__(self) -> None:
        from google.protobuf import text_format
        from mediapipe.framework import calculator_pb2
        from mediapipe.python.solution_base import SolutionBase

        cfg = text_format.Parse(_GRAPH, calculator_pb2.CalculatorGraphConfig())
        self._graph = SolutionBase(
            graph_config=cfg, side_inputs={"model_complexity": 1, "enable_segmentation": True}
        )

    def process(
        self, image: np.ndarray, centre: tuple[float, float], side: float, rotation: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None] | None:
        """(H, W, 3) uint8 RGB, a square region (centre px, side px, rotation rad, 0 = upright) → None when the
        model sees no person there, else (keypoints2d (33, 3) full-image px + visibility, keypoints3d (33, 3)
        metric or None, segmentation probability (H, W) float32 or None)."""
        from mediapipe.framework.formats import rect_pb2

        H, W = image.shape[:2]
        roi = rect_pb2.NormalizedRect(
            x_center=float(centre[0]) / W, y_center=float(centre[1]) / H,
            width=float(side) / W, height=float(side) / H, rotation=float(rotation),
        )  # fmt: skip
        res = self._graph.process({"image": np.ascontiguousarray(image), "roi": roi})
        if res.landmarks is None:
            return None
        lm = res.landmarks.landmark
        kp = np.array([[p.x * W, p.y * H, p.visibility] for p in lm], np.float32)
        kp3d = None
        if res.world_landmarks is not None:
            kp3d = np.array([[p.x, p.y, p.z] for p in res.world_landmarks.landmark], np.float32)
        seg = None if res.segmentation_mask is None else np.asarray(res.segmentation_mask, np.float32)
        return kp, kp3d, seg

    def close(self) -> None:
        self._graph.close()
