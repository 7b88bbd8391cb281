"""Tracking across frames: per-frame detections → stable ``track_id``s.

Detections of the same kind in consecutive frames are matched by box IoU with the Hungarian
algorithm (``scipy.optimize.linear_sum_assignment``); a track survives up to ``max_missing`` frames
without a match (its last box is used for matching), unmatched detections start new tracks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from revision.perception.base import box_iou
from revision.types import Detection


@dataclass
class TrackerConfig:
    min_iou: float = 0.1  # below this a detection does not continue a track
    max_missing: int = 4  # frames a track may go unmatched before it ends


def assign_tracks(frames: list[list[Detection]], config: TrackerConfig | None = None) -> list[list[Detection]]:
    """Sets ``track_id`` on every detection in place (ids start at 0, in order of appearance); returns ``frames``."""
    from scipy.optimize import linear_sum_assignment

    cfg = config or TrackerConfig()
    active: list[tuple[int, str, str, np.ndarray, int]] = []  # (id, kind, label, last box, last frame)
    next_id = 0
    for t, dets in enumerate(frames):
        active = [a for a in active if t - a[4] <= cfg.max_missing + 1]
        matched_tracks: set[int] = set()
        unmatched = list(range(len(dets)))
        for kind in sorted({d.kind for d in dets}):
            di = [i for i in unmatched if dets[i].kind == kind]
            ai = [j for j, a in enumerate(active) if a[1] == kind]
            if not di or not ai:
                continue
            iou = box_iou(np.stack([dets[i].box for i in di]), np.stack([active[j][3] for j in ai]))
            # same label preferred: a small bonus breaks ties between overlapping objects
            bonus = np.array([[0.01 * (dets[i].label == active[j][2]) for j in ai] for i in di])
            rows, cols = linear_sum_assignment(-(iou + bonus))
            for r, c in zip(rows, cols):
                if iou[r, c] >= cfg.min_iou:
                    d, j = dets[di[r]], ai[c]
                    d.track_id = active[j][0]
                    matched_tracks.add(j)
                    unmatched.remove(di[r])
        for j in matched_tracks:
            tid, kind, label, _, _ = active[j]
            d = next(d for d in dets if d.track_id == tid)
            active[j] = (tid, kind, label, d.box, t)
        for i in unmatched:
            dets[i].track_id = next_id
            active.append((next_id, dets[i].kind, dets[i].label, dets[i].box, t))
            next_id += 1
    return frames
