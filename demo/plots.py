"""Pure data → figure helpers for the 3D motion view (plotly); UI code, no model logic.

A :class:`~revision.types.MotionSequence` is drawn as stick figures in camera space, shown with
"up" up: plot axes are (x, z, -y) of the OpenCV camera (x right, y down, z forward). Humans
(``smplx``) use the SMPL-X kinematic chain (joints and part-coloured meshes from the body models of
:mod:`revision.body` when it is installed, else the joints-only rest skeleton of
:mod:`revision.lifting`), objects their 21 points (16 contour + 4 box corners + centre), animals
(``smal``) their body-model joints and mesh when :mod:`revision.body` is installed, else the root path.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from revision.types import MotionSequence, Track

# SMPL-X body joints 0..21 and their parents (the first 22 entries of the SMPL-X kinematic tree).
SMPLX_BODY_PARENTS: tuple[int, ...] = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19)
# 21 object points: contour ring 0..15, box corners 16..19, centre 20.
OBJECT_EDGES: tuple[tuple[int, int], ...] = (
    *((i, (i + 1) % 16) for i in range(16)), (16, 17), (17, 18), (18, 19), (19, 16),
)  # fmt: skip
STYLE = {"extracted": ("#f58231", "dash"), "refined": ("#4363d8", "solid")}


@lru_cache(maxsize=1)
def _skeleton():
    """The joints-only SMPL-X forward kinematics (cached: built once per process, read-only)."""
    from revision.lifting.rest_skeleton import skeleton_only_model
    from revision.lifting.skeleton import SMPLXSkeleton

    return SMPLXSkeleton(skeleton_only_model())


def _meshes(track: Track):
    """:func:`revision.body.track_meshes` (posed vertices, faces, part ids, joints) or None if unavailable."""
    try:
        from revision.body import track_meshes
    except ImportError:
        return None
    try:
        return track_meshes(track)
    except (FileNotFoundError, RuntimeError, ValueError, KeyError, ImportError):
        return None


def track_points(track: Track, meshes=None) -> tuple[np.ndarray, tuple[tuple[int, int], ...]]:
    """One track → points (F, P, 3) in camera space and the edges (i, j) between them.

    ``meshes``: the track's :class:`revision.body.TrackMeshes` if already computed (its joints are used).
    """
    p = track.params
    if track.kind == "object":
        return np.asarray(p["points"], np.float64).reshape(-1, 21, 3), OBJECT_EDGES
    joints = None if meshes is None or meshes.joints is None else np.asarray(meshes.joints, np.float64)
    if track.kind == "smplx":
        if joints is None:
            import torch

            t = {k: torch.as_tensor(np.asarray(p[k]), dtype=torch.float32)
                 for k in ("global_orient", "body_pose", "betas", "transl")}  # fmt: skip
            with torch.no_grad():
                joints = _skeleton()(t["global_orient"], t["body_pose"], t["betas"], t["transl"])[0].numpy()
        joints = np.asarray(joints, np.float64)[:, : len(SMPLX_BODY_PARENTS)]
        return joints, tuple((j, par) for j, par in enumerate(SMPLX_BODY_PARENTS) if par >= 0)
    if joints is not None:  # smal: joints as markers
        return joints, ()
    return np.asarray(p["transl"], np.float64)[:, None], ()


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
    sequence (part-coloured, translucent) are drawn too when :mod:`revision.body` is installed.
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
        for track in motion.tracks:
            meshes = _meshes(track) if track.kind != "object" else None
            pts, edges = track_points(track, meshes)
            pts = _to_plot(pts)
            label = f"{name}: {track.label or track.kind} #{track.track_id}"
            if mesh and meshes is not None and motion is (refined or extracted):
                v = _to_plot(np.asarray(meshes.vertices[f], np.float32))
                faces = np.asarray(meshes.faces, np.int32)
                fig.add_trace(go.Mesh3d(
                    x=v[:, 0], y=v[:, 1], z=v[:, 2], i=faces[:, 0], j=faces[:, 1], k=faces[:, 2], opacity=0.35,
                    intensity=np.asarray(meshes.vertex_parts, np.int16), cmin=0, cmax=NUM_PARTS, colorscale=[
                        [i / NUM_PARTS, "rgb({},{},{})".format(*c)] for i, c in enumerate(color_table())],
                    showscale=False, name=f"{label} mesh", hoverinfo="skip",
                ))  # fmt: skip
            fig.add_trace(go.Scatter3d(
                x=(seg := _segments(pts[f], edges))[:, 0], y=seg[:, 1], z=seg[:, 2],
                mode="lines+markers" if edges else "markers", name=label,
                line={"color": colour, "width": 5, "dash": dash}, marker={"size": 3, "color": colour},
            ))  # fmt: skip
            root = pts[:, -1] if track.kind == "object" else pts[:, 0]
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
