"""Choose the perception backends that can run here and say which ones were chosen.

``default_backends()`` prefers the real backends and degrades where the pipeline can, recording each
degradation in ``Backends.notes`` (the UI and ``extract_motion``'s report show them):

| role | preferred | fallback |
|---|---|---|
| keypoints (+ person mask) | MediaPipe Pose, every person (``MultiPersonPose``) | none: people are skipped and that is reported |
| depth | Depth-Anything-V2 (weights present) | geometric prior (ground plane + body height) |
| objects / animals | OWLv2 (weights present, text queries given) | user boxes/masks + colour/saliency; animal = person-segmenter blob no person explains (``animals.py``) |

A backend asked for explicitly (``depth="depth-anything"``) never silently falls back: its error is raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from revision.perception.base import BackendUnavailableError, DepthEstimator, KeypointDetector, ObjectDetector
from revision.perception.objects import UserObject
from revision.types import Camera

DepthChoice = Literal["auto", "depth-anything", "geometric"]
ObjectChoice = Literal["auto", "open-vocab", "saliency", "user", "none"]


@dataclass
class Backends:
    keypoints: KeypointDetector | None
    depth: DepthEstimator
    objects: list[ObjectDetector] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # degradations the user must be told about

    def report(self) -> dict[str, str]:
        """role → backend name actually used."""
        return {
            "keypoints": self.keypoints.name if self.keypoints else "none",
            "person_mask": f"{self.keypoints.name} segmentation" if self.keypoints else "none",
            "depth": self.depth.name,
            "objects": " + ".join(o.name for o in self.objects) if self.objects else "none",
        }

    def reset(self) -> None:
        for b in (self.keypoints, *self.objects):
            if b is not None:
                b.reset()


def default_backends(
    *,
    depth: DepthChoice = "auto",
    objects: ObjectChoice = "auto",
    user_objects: list[UserObject] | None = None,
    queries: list[str] | None = None,
    depth_weights: str | None = None,
    detector_weights: str | None = None,
    camera: Camera | None = None,
    device: str = "cpu",
) -> Backends:
    """The best backends available offline on this machine; see the module table. ``device``: where the
    torch backends (Depth-Anything-V2) run; MediaPipe runs on the CPU."""
    notes: list[str] = []
    keypoints = None
    try:
        from revision.perception.multi_person import MultiPersonPose

        keypoints = MultiPersonPose()  # every person: MediaPipe Pose per window (multi_person.py)
    except BackendUnavailableError as e:
        notes.append(f"no human keypoints ({e}); people are not lifted to 3D")

    from revision.perception.depth import DepthAnythingV2, GeometricDepth

    geometric = GeometricDepth(camera)
    if depth == "geometric":
        depth_backend = geometric
    else:
        try:
            depth_backend = DepthAnythingV2.from_pretrained(depth_weights, prior=geometric, device=device)
        except BackendUnavailableError as e:
            if depth == "depth-anything":
                raise
            depth_backend = geometric
            notes.append(f"depth: Depth-Anything-V2 weights absent, using the geometric prior ({_first(e)})")

    from revision.perception.objects import OpenVocabDetector, SaliencyObjects, UserObjects

    object_backends: list[ObjectDetector] = []
    if user_objects:
        object_backends.append(UserObjects(user_objects))
    if objects in ("auto", "open-vocab") and queries:
        try:
            object_backends.append(OpenVocabDetector.from_pretrained(queries, detector_weights))
        except BackendUnavailableError as e:
            if objects == "open-vocab":
                raise
            notes.append(f"objects: open-vocabulary detector unavailable ({_first(e)})")
    elif objects == "open-vocab":
        raise ValueError("objects='open-vocab' needs text queries")
    if objects in ("auto", "saliency") and not object_backends:
        fallback: ObjectDetector = SaliencyObjects()
        if objects == "auto" and keypoints is not None:  # animals: a person-segmenter blob no person explains
            from revision.perception.animals import ForegroundAnimals

            fallback = ForegroundAnimals(fallback=fallback)
        object_backends.append(fallback)
        if objects == "auto":
            notes.append("objects: no user boxes and no open-vocabulary detector; using colour/saliency segmentation"
                         + (" (animals: person-segmenter blobs no person explains)" if keypoints else ""))
    if objects == "none":
        object_backends = [UserObjects(user_objects)] if user_objects else []
    return Backends(keypoints, depth_backend, object_backends, notes)


def _first(e: Exception) -> str:
    return str(e).split(". ")[0]
