"""S3's three modes and the rule that picks one (DESIGN.md §1).

- ``conditioned``: the motion-conditioned video model on S2's part masks (the paper; needs fine-tuned
  weights whose condition channels are trained);
- ``guided``: the video model steered by the photo animation (dual-clock denoising,
  :mod:`revision.video_model.guided`; training-free, for stock SVD weights whose condition channels are zero);
- ``animation``: the photo animation itself (:mod:`revision.animate`: the photo's own pixels moved by the
  3D motion; CPU, offline — the default for the embedded ReVision-mini and the tiny test model, which
  cannot render real photos).

``auto`` chooses from the weights at hand: :func:`choose_s3`.
"""

from __future__ import annotations

from dataclasses import dataclass

S3_CHOICES = ("auto", "conditioned", "guided", "animation")
S3_MODES = ("conditioned", "guided", "animation")
# video-model sources (revision.weights.Source) whose model is trained on our 64x64 world or random
SMALL_MODEL_SOURCES = ("embedded", "random")


@dataclass(frozen=True)
class S3Choice:
    mode: str  # one of S3_MODES
    reason: str  # why: shown in the UI, the CLI and run.json


def choose_s3(requested: str, video_source: str | None, condition_channels_zero: bool | None) -> S3Choice:
    """The S3 mode a call runs.

    ``requested``: one of :data:`S3_CHOICES`; ``video_source``: where the video weights came from
    (``"embedded"``, ``"random"``, ``"path"``, ``"hf-cache"``, ``"hf-hub"``; None when unknown, e.g. a model
    passed in code); ``condition_channels_zero``: whether the UNet's motion-condition input channels are all
    zero (stock weights), None when not checked. Raises ``ValueError`` for an unknown choice.
    """
    if requested not in S3_CHOICES:
        raise ValueError(f"s3 must be one of {', '.join(repr(c) for c in S3_CHOICES)}, got {requested!r}")
    if requested != "auto":
        return S3Choice(requested, "chosen by the user")
    if video_source in SMALL_MODEL_SOURCES:
        what = "the embedded ReVision-mini (64x64, trained on the synthetic world)" if video_source == "embedded" \
            else "a tiny random test model"  # fmt: skip
        return S3Choice("animation", f"auto: the video model is {what}, which cannot render a real photo: "
                                     "the 3D motion animates the photo itself")  # fmt: skip
    if condition_channels_zero:
        return S3Choice("guided", "auto: the video weights are stock (their motion-condition channels are zero): "
                                  "the photo animation steers them (training-free guidance)")  # fmt: skip
    return S3Choice("conditioned", "auto: the video weights are fine-tuned (motion-condition channels trained): "
                                   "S3 is conditioned on the part masks")  # fmt: skip
