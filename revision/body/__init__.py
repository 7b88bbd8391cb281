"""Body models (S2 geometry): SMPL-X via ``smplx``, SMAL on ``smplx.lbs``, procedural defaults,
per-vertex part labels, the 21-point object representation and posed meshes per track.

See docs/body_render.md.
"""

from revision.body.objects import lift_object_points, object_points_2d
from revision.body.parts import smal_vertex_parts, smplx_vertex_parts
from revision.body.posed import TrackMeshes, track_meshes
from revision.body.smal import SMAL, SMALOutput, load_smal
from revision.body.smplx_model import load_smplx, procedural_smplx_dir

__all__ = [
    "SMAL", "SMALOutput", "TrackMeshes", "lift_object_points", "load_smal", "load_smplx", "object_points_2d",
    "procedural_smplx_dir", "smal_vertex_parts", "smplx_vertex_parts", "track_meshes",
]  # fmt: skip
