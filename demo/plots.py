"""Arrays → plotly figure for the 3D motion view; UI code, no model logic.

The points, bones, root paths and posed meshes of each track come from
:func:`revision.render.points3d.motion_points`; this module only draws them in camera space, shown with
"up" up: plot axes are (x, z, -y) of the OpenCV camera (x right, y down, z forward).
"""

from __future__ import annotations

import numpy as np

from revision.render.points3d import motion_points
from revision.types import MotionSequence

STYLE = {"extracted": ("#f58231", "dash"), "refined": ("#4363d8", "solid")}


def _to_plot(points: np.ndarray) -> np.ndarray:
    """Camera (x right, y down, z forward) → plot (x, z, -y): depth goes into the screen, up is up."""
    return np.stack([points[..., 0], points[..., 2], -points[..., 1]], -1)


def _segments(points: np.ndarray, edges: tuple[tuple[int, int], ...]) -> np.ndarray:
    """(P, 3) points + edges → (3 * E, 3) polyline with NaN breaks (plotly draws one trace)."""
    if not edges:
        return points
    seg = np.full((len(edges), 3, 3), np.nan)
    for k, (i, j) in enumerate(edges):
        seg[k, 0], seg[k, 1] = points[i], points[j]
    return seg.reshape(-1, 3)


def frame_index(frame: int, num_frames: int, reference_frames: int) -> int:
    """The frame of a ``num_frames``-long sequence shown at ``frame`` of a ``reference_frames``-long one."""
    if reference_frames <= 1 or num_frames <= 1:
        return 0
    return int(round(min(max(frame, 0), reference_frames - 1) * (num_frames - 1) / (reference_frames - 1)))


def motion_figure(
    extracted: MotionSequence | None, refined: MotionSequence | None, frame: int = 0, title: str = "",
    mesh: bool = True,
):  # fmt: skip
    """Extracted (S2 lifting) vs refined (PPPM) motion at one frame, with each root's full path.

    ``frame`` counts frames of the refined sequence (or the extracted one if there is no refined);
    the other sequence shows its time-aligned frame. With ``mesh`` the body meshes of the refined
    sequence (part-coloured, translucent) are drawn too when the body models load.
    Returns a ``plotly.graph_objects.Figure``.
    """
    import plotly.graph_objects as go

    from revision.palette import NUM_PARTS, color_table

    fig = go.Figure()
    seqs = [(name, m) for name, m in (("extracted", extracted), ("refined", refined)) if m is not None]
    ref_frames = (refined or extracted).num_frames if seqs else 1
    for name, motion in seqs:
        colour, dash = STYLE[name]
        f = frame_index(frame, motion.num_frames, ref_frames)
        draw_mesh = mesh and motion is (refined or extracted)
        for tp in motion_points(motion):
            track, pts, edges = tp.track, _to_plot(tp.points), tp.edges
            label = f"{name}: {track.label or track.kind} #{track.track_id}"
            if draw_mesh and tp.mesh is not None:
                v = _to_plot(np.asarray(tp.mesh.vertices[f], np.float32))
                faces = np.asarray(tp.mesh.faces, np.int32)
                fig.add_trace(go.Mesh3d(
                    x=v[:, 0], y=v[:, 1], z=v[:, 2], i=faces[:, 0], j=faces[:, 1], k=faces[:, 2], opacity=0.35,
                    intensity=np.asarray(tp.mesh.vertex_parts, np.int16), cmin=0, cmax=NUM_PARTS, colorscale=[
                        [i / NUM_PARTS, "rgb({},{},{})".format(*c)] for i, c in enumerate(color_table())],
                    showscale=False, name=f"{label} mesh", hoverinfo="skip",
                ))  # fmt: skip
            fig.add_trace(go.Scatter3d(
                x=(seg := _segments(pts[f], edges))[:, 0], y=seg[:, 1], z=seg[:, 2],
                mode="lines+markers" if edges else "markers", name=label,
                line={"color": colour, "width": 5, "dash": dash}, marker={"size": 3, "color": colour},
            ))  # fmt: skip
            root = _to_plot(tp.root)
            fig.add_trace(go.Scatter3d(
                x=root[:, 0], y=root[:, 1], z=root[:, 2], mode="lines", name=f"{label} path",
                line={"color": colour, "width": 2}, opacity=0.4, showlegend=False,
            ))  # fmt: skip
    if not seqs:
        fig.add_annotation(text="no 3D motion (S2 off or nothing detected)", showarrow=False)
    fig.update_layout(
        title=title or f"3D motion, frame {frame + 1}/{ref_frames}: extracted (dashed) vs refined (solid)",
        scene={"aspectmode": "data", "xaxis_title": "x (m)", "yaxis_title": "depth z (m)", "zaxis_title": "up (m)",
               "camera": {"eye": {"x": 0.5, "y": -1.8, "z": 0.7}}},
        margin={"l": 0, "r": 0, "t": 40, "b": 0}, legend={"orientation": "h"}, height=460,
    )  # fmt: skip
    return fig
