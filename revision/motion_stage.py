"""The S2 seam: a protocol that turns the coarse clip into conditioning maps for S3.

``ReVisionPipeline`` calls any object with this signature; ``EmptyMotionStage`` is the trivial
placeholder (no 3D motion: empty mask, confidence 0) used when no S2 components are given.
The full S2 (perception → lifting → PPPM → rendering) implements the same protocol.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from revision.types import Clip, ConditionMaps, MotionSequence

# progress(fraction_done 0..1, message)
ProgressFn = Callable[[float, str], None]


@dataclass
class MotionResult:
    condition: ConditionMaps  # (F_out, H_out, W_out) for S3
    raw_motion: MotionSequence | None = None  # lifted from the coarse clip, before PPPM
    refined_motion: MotionSequence | None = None  # after PPPM
    backends: dict[str, str] = field(default_factory=dict)  # role -> backend actually used
    notes: list[str] = field(default_factory=list)  # degradations the user must be told about
    timings: dict[str, float] = field(default_factory=dict)  # seconds per sub-stage


class MotionStage(Protocol):
    def __call__(
        self,
        coarse: Clip,
        *,
        prompt: str,
        motion_strength: float,
        sketch: ConditionMaps | None,
        num_frames: int,
        height: int,
        width: int,
        progress: ProgressFn | None = None,
    ) -> MotionResult:
        """Coarse clip (S1 output) → conditioning for S3 at ``num_frames`` × ``height`` × ``width``.

        ``sketch`` is the user's target pose (last frame, confidence 0.5) already at S3 size, or None.
        """
        ...


class EmptyMotionStage:
    """Placeholder S2: no 3D motion at all. S3 then sees the sketch (if any) or an empty condition."""

    name = "empty (no S2 components)"

    def __call__(self, coarse, *, prompt, motion_strength, sketch, num_frames, height, width, progress=None):
        cond = sketch if sketch is not None else ConditionMaps.empty(num_frames, height, width)
        return MotionResult(condition=cond, backends={"s2": self.name}, notes=["S2 disabled: no 3D motion used"])
