"""The photo animation (S3 ``animation`` mode): the photo's own pixels moved by the 3D motion.

Each person's (animal's, object's) pixels are bound to its frame-0 3D track, re-posed per frame, drawn
in depth order over an inpainted background plate; with the frames come a dense correspondence to
frame 0 (``flow``), a moved-region mask and the plate. See docs/animate.md.
"""

from revision.animate.animator import PhotoAnimator, animate_photo, pose_tracks
from revision.animate.config import AnimateConfig, PhotoAnimation, output_size

__all__ = ["AnimateConfig", "PhotoAnimation", "PhotoAnimator", "animate_photo", "output_size", "pose_tracks"]
