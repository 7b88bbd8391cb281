"""VBench++ ``camera_motion``: does the video's camera move as the prompt asks (pan/tilt/zoom/static)?

Scoring (VBench++ ``vbench2_beta_i2v/camera_motion.py``): track a 10×10 grid of points (CoTracker) from the
first to the last frame; average the displacement of the middle point of each image edge (top row, bottom
row, left column, right column); call each edge right/left/down/up when it moves more than
``0.005·min(H, W)`` pixels, else static; map edge pairs to camera types (top/bottom both left → pan_right,
top up + bottom down → zoom_in, …); a video scores 1 when the prompt's type is among the predicted ones,
else 0. The tracker is passed in: CoTracker (``load_cotracker``) or :class:`FeatureMatchTracker`.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from eval.vbench.base import DimensionResult, I2VSample, mean_result
from eval.weights import require_path

GRID_SIZE = 10
NUMBER_POINTS = 1
CAMERA_TYPES = {
    "camera pans left": "pan_left", "camera pans right": "pan_right", "camera tilts up": "tilt_up",
    "camera tilts down": "tilt_down", "camera zooms in": "zoom_in", "camera zooms out": "zoom_out",
    "camera static": "static",
}  # fmt: skip
_TOP_DOWN = {"left_left": "pan_right", "right_right": "pan_left", "down_down": "tilt_up", "up_up": "tilt_down",
             "up_down": "zoom_in", "down_up": "zoom_out", "static_static": "static"}  # fmt: skip
_LEFT_RIGHT = {"left_left": "pan_right", "right_right": "pan_left", "down_down": "tilt_up", "up_up": "tilt_down",
               "left_right": "zoom_in", "right_left": "zoom_out", "static_static": "static"}  # fmt: skip


def camera_type_from_prompt(prompt: str) -> str:
    """The requested camera type (``pan_left``, …, ``static``) named in ``prompt``; ValueError if none."""
    for phrase, kind in CAMERA_TYPES.items():
        if phrase in prompt.lower():
            return kind
    raise ValueError(f"prompt names no camera motion ({', '.join(CAMERA_TYPES)}): {prompt!r}")


def grid_points(height: int, width: int, grid_size: int = GRID_SIZE) -> torch.Tensor:
    """CoTracker's query grid: (grid², 2) x, y, row-major, with a margin of 1/64 of the image."""
    my, mx = height / 64, width / 64
    ys = torch.linspace(my, height - 1 - my, grid_size)
    xs = torch.linspace(mx, width - 1 - mx, grid_size)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=-1)


class FeatureMatchTracker(nn.Module):
    """A simple tracker with CoTracker's call shape: each grid point of frame 0 is matched to the location of
    most similar ``backbone`` feature (cosine) in every frame. ``backbone``: (T, 3, H, W) in [0, 1] →
    (T, C, H', W') dense features. For CPU checks and tests; use CoTracker for real numbers."""

    def __init__(self, backbone: nn.Module):
        super().__init__()
        self.backbone = backbone

    @torch.no_grad()
    def forward(self, video: torch.Tensor, grid_size: int = GRID_SIZE) -> tuple[torch.Tensor, torch.Tensor]:
        """video (1, T, 3, H, W) float 0..255 → tracks (1, T, N, 2) pixels x, y and visibility (1, T, N)."""
        _, t, _, h, w = video.shape
        feats = F.normalize(self.backbone(video[0] / 255.0), dim=1)  # (T, C, h', w')
        fh, fw = feats.shape[-2:]
        pts = grid_points(h, w, grid_size)
        ix = (pts[:, 0] * fw / w).long().clamp(0, fw - 1)
        iy = (pts[:, 1] * fh / h).long().clamp(0, fh - 1)
        query = feats[0][:, iy, ix].T  # (N, C)
        sims = torch.einsum("nc,tcp->tnp", query, feats.flatten(2))  # (T, N, h'·w')
        best = sims.argmax(-1)
        xy = torch.stack([(best % fw).float() * w / fw, (best // fw).float() * h / fh], dim=-1)
        return xy[None], torch.ones(1, t, xy.shape[1], dtype=torch.bool)


def _edge_direction(vec: np.ndarray, scale: float) -> list[str]:
    x, y = vec
    d = (["right"] if x > scale else ["left"] if x < -scale else []) + (
        ["down"] if y > scale else ["up"] if y < -scale else []
    )
    return d or ["static"]


def classify_camera(track_first: np.ndarray, track_last: np.ndarray, min_reso: int,
                    grid_size: int = GRID_SIZE) -> list[str]:  # fmt: skip
    """(grid, grid, 2) point positions in the first and last frame → predicted camera types."""
    mid, half = grid_size // 2, NUMBER_POINTS / 2.0
    sl = range(ceil(mid - half), ceil(mid + half))

    def edges(tr: np.ndarray) -> list[np.ndarray]:
        return [np.array([tr[0, i] for i in sl]), np.array([tr[grid_size - 1, i] for i in sl]),
                np.array([tr[i, 0] for i in sl]), np.array([tr[i, grid_size - 1] for i in sl])]  # fmt: skip

    scale = min_reso * 0.005
    top, down, left, right = [_edge_direction((b - a).mean(0), scale) for a, b in zip(edges(track_first), edges(track_last))]
    tb = [_TOP_DOWN[c] for c in (f"{a}_{b}" for a in top for b in down) if c in _TOP_DOWN] or ["None"]
    lr = [_LEFT_RIGHT[c] for c in (f"{a}_{b}" for a in left for b in right) if c in _LEFT_RIGHT] or ["None"]
    results = sorted(set(tb + lr))
    for drop in ("static", "None"):
        if drop in results and len(results) > 1:
            results.remove(drop)
    return results


def compute(videos: Sequence[I2VSample], *, model: nn.Module, device: str | torch.device = "cpu",
            progress: bool = True) -> DimensionResult:  # fmt: skip
    """``model``: CoTracker-style tracker ``(video (1,T,3,H,W) 0..255, grid_size=10) → (tracks, visibility)``.
    Each sample's prompt must name its camera motion (see :data:`CAMERA_TYPES`)."""
    scores, predicted = [], []
    for v in tqdm(videos, desc="camera_motion", disable=not progress):
        target = camera_type_from_prompt(v.prompt)
        video = torch.from_numpy(np.ascontiguousarray(v.frames)).permute(0, 3, 1, 2)[None].float().to(device)
        with torch.no_grad():
            tracks, _ = model(video, grid_size=GRID_SIZE)
        tr = tracks[0].long().cpu().numpy()  # VBench truncates to integer pixels
        pred = classify_camera(tr[0].reshape(GRID_SIZE, GRID_SIZE, 2), tr[-1].reshape(GRID_SIZE, GRID_SIZE, 2),
                               min(v.frames.shape[1:3]))  # fmt: skip
        predicted.append(pred)
        scores.append(1.0 if target in pred else 0.0)
    return mean_result(scores, predicted=predicted)


def load_cotracker(path: str | Path | None = None, device: str = "cpu") -> nn.Module:
    """CoTracker from ``path``/``$REVISION_COTRACKER_PATH``: a local clone of facebookresearch/co-tracker
    (``torch.hub`` ``source="local"``, checkpoint inside) or a whole model saved with ``torch.save``."""
    p = require_path("cotracker", path)
    if p.is_dir():
        return torch.hub.load(str(p), "cotracker2", source="local").eval().to(device)
    return torch.load(str(p), map_location=device, weights_only=False).eval()
