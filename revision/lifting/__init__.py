"""S2b lifting: keypoints → SMPL-X, silhouettes → SMAL, masks + depth → 21-point objects; motion strength."""

from revision.lifting.extract import ExtractConfig, Extraction, extract_motion
from revision.lifting.skeleton import MEDIAPIPE_TO_SMPLX, SMPLXSkeleton
from revision.lifting.smal_fit import SMALFitConfig, fit_smal
from revision.lifting.smplx_fit import SMPLXFit, SMPLXFitConfig, fit_smplx
from revision.lifting.strength import STRENGTH_SCALE, motion_strength, track_speed

__all__ = [
    "MEDIAPIPE_TO_SMPLX",
    "STRENGTH_SCALE",
    "ExtractConfig",
    "Extraction",
    "SMALFitConfig",
    "SMPLXFit",
    "SMPLXFitConfig",
    "SMPLXSkeleton",
    "extract_motion",
    "fit_smal",
    "fit_smplx",
    "motion_strength",
    "track_speed",
]
