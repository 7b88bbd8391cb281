"""Projection of 3D motion to part masks + confidence (pure numpy, no OpenGL). See docs/body_render.md."""

from revision.render.condition import Mesh, frame_mesh, rasterize_meshes, render_condition, render_part_masks
from revision.render.projection import project_points, to_camera
from revision.render.raster import rasterize, rasterize_coverage, rasterize_sparse, triangulate_polygon

__all__ = [
    "Mesh", "frame_mesh", "project_points", "rasterize", "rasterize_coverage", "rasterize_meshes", "render_condition",
    "rasterize_sparse", "render_part_masks", "to_camera", "triangulate_polygon",
]  # fmt: skip
