"""The measures of the claim in miniature (issue 22's (b′)) on segmented clips, and its decision rule.

A clip is a (F, H, W) map of body-part groups (:data:`benchmarks.part_seg.GROUP_NAMES`: 1 head,
2 torso, 3-6 the limbs) as the segmenter of :mod:`benchmarks.part_seg` reads it from frames; every
frame is scored.

- **Articulation** ``A_t`` (:func:`articulation`): mean over the head and the limbs present in frames
  0 and t of ``|(c_part(t) − c_torso(t)) − (c_part(0) − c_torso(0))|`` over frame 0's torso length
  (centroids ``c``; whole-body translation cancels). **Clip motion** ``M`` = mean ``A_t``.
- **Malformation** ``m_t`` (:func:`malformed_frames`): the torso is missing, a head or limb present in
  frame 0 is missing, or a limb-to-torso length / head-to-torso area ratio leaves the calibrated range.
  :func:`calibrate` sets the ranges on the segmenter's reading of ground-truth frames and their VAE
  round trips (training seeds) so that the proportion test flags ≈ 1 % of those frames beyond the ones
  missing a part (real bodies are occluded and leave the frame: that part of the floor is the ground
  truth's own, ≈ 6 % of frames on the world's part maps), and measures the *floor curve*
  ``p_GT(A)``: the malformed share of those frames per articulation quintile. **Excess malformation**
  ``EM`` = mean over frames of ``m_t − p_GT(A_t)``.
- **Jerk ratio** ``J`` (:func:`jerk_ratio`) = mean ``|Δ²|`` / mean ``|Δ|`` of the torso-relative head
  and limb centroids (parts present in every frame), scored per clip as ``|log(J / J_GT)|``.
- **Decision** (:func:`claim_conditions`): the thresholds of the issue, unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.part_seg import _axis_length, _ratios

TORSO = 2
MOVERS = (1, 3, 4, 5, 6)  # head and the four limbs
MIN_AREA = 3  # a part with fewer pixels is absent


def centroids(groups: np.ndarray, min_area: int = MIN_AREA) -> np.ndarray:
    """(F, H, W) group maps → (F, 7, 2) centroids (y, x) of groups 0..6; NaN where a group is absent."""
    out = np.full((len(groups), 7, 2), np.nan)
    for f, frame in enumerate(groups):
        for g in range(1, 7):
            ys, xs = np.nonzero(frame == g)
            if len(ys) >= min_area:
                out[f, g] = ys.mean(), xs.mean()
    return out


def relative_tracks(groups: np.ndarray, min_area: int = MIN_AREA) -> np.ndarray:
    """(F, 5, 2) head / limb centroids relative to the torso centroid (NaN where either is absent)."""
    c = centroids(groups, min_area)
    return c[:, list(MOVERS)] - c[:, TORSO][:, None]


def articulation(groups: np.ndarray, min_area: int = MIN_AREA) -> np.ndarray:
    """(F,) ``A_t`` (see the module docstring); all NaN without a torso in frame 0, NaN in a frame
    without a torso or without any head / limb shared with frame 0."""
    n = len(groups)
    if n == 0 or (groups[0] == TORSO).sum() < min_area:
        return np.full(n, np.nan)
    length = max(_axis_length(groups[0] == TORSO), 1.0)
    rel = relative_tracks(groups, min_area)
    disp = np.linalg.norm(rel - rel[0][None], axis=-1) / length  # (F, 5), NaN where a part is absent
    ok = np.isfinite(disp)
    return np.where(ok.any(1), np.where(ok, disp, 0).sum(1) / np.maximum(ok.sum(1), 1), np.nan)


def clip_motion(a: np.ndarray) -> float:
    """``M`` = mean of the finite ``A_t`` (NaN if none)."""
    a = np.asarray(a, np.float64)
    return float(np.nanmean(a)) if np.isfinite(a).any() else float("nan")


def jerk_ratio(groups: np.ndarray, min_area: int = MIN_AREA, eps: float = 1e-6) -> float:
    """``J`` = mean |Δ²| / mean |Δ| of the torso-relative tracks of the parts present in every frame
    (px / px; 0 for motion at constant velocity, 2 for back-and-forth flicker). NaN with fewer than 3
    frames, no complete track, or no motion at all."""
    if len(groups) < 3:
        return float("nan")
    rel = relative_tracks(groups, min_area)
    keep = np.isfinite(rel).all(axis=(0, 2))
    if not keep.any():
        return float("nan")
    rel = rel[:, keep]
    d1 = np.linalg.norm(np.diff(rel, axis=0), axis=-1).mean()
    d2 = np.linalg.norm(np.diff(rel, 2, axis=0), axis=-1).mean()
    return float(d2 / d1) if d1 > eps else float("nan")


def jerk_score(j: float, j_gt: float) -> float:
    """``|log(J / J_GT)|`` (0 = the ground truth's smoothness); NaN if either is missing or 0."""
    if not (np.isfinite(j) and np.isfinite(j_gt)) or j <= 0 or j_gt <= 0:
        return float("nan")
    return float(abs(np.log(j / j_gt)))


# ---------------------------------------------------------------- malformation
def malformed_frames(groups: np.ndarray, ranges: dict[str, tuple[float, float]], min_area: int = MIN_AREA,
                     ) -> np.ndarray:  # fmt: skip
    """(F,) bool: torso missing, a head / limb of frame 0 missing, or a proportion outside ``ranges``.
    Frame 0 is scored by the torso and proportion tests only (it defines what is present)."""
    present = [g for g in MOVERS if (groups[0] == g).sum() >= min_area] if len(groups) else []
    out = np.zeros(len(groups), bool)
    for f, frame in enumerate(groups):
        if (frame == TORSO).sum() < min_area:
            out[f] = True
            continue
        r = _ratios(frame, min_area)
        gone = any((frame == g).sum() < min_area for g in present)
        out[f] = gone or any(not ranges[k][0] <= v <= ranges[k][1] for k, v in r.items() if k in ranges)
    return out


@dataclass(frozen=True)
class FloorCurve:
    """``p_GT(A)``: malformed share of ground-truth frames per articulation bin."""

    edges: tuple[float, ...]  # inner bin edges (4 for quintiles)
    rates: tuple[float, ...]  # malformed share per bin (len(edges) + 1)
    overall: float  # malformed share of all calibration frames (used where A is NaN)

    def __call__(self, a: np.ndarray) -> np.ndarray:
        a = np.asarray(a, np.float64)
        idx = np.searchsorted(np.asarray(self.edges), np.nan_to_num(a, nan=0.0), side="right")
        return np.where(np.isfinite(a), np.asarray(self.rates)[idx], self.overall)


def proportion_samples(clips: list[np.ndarray], min_area: int = MIN_AREA) -> dict[str, np.ndarray]:
    """Every proportion (:func:`benchmarks.part_seg._ratios`) of every frame of ``clips``, per key."""
    vals: dict[str, list[float]] = {}
    for g in clips:
        for frame in g:
            for k, v in _ratios(frame, min_area).items():
                vals.setdefault(k, []).append(v)
    return {k: np.asarray(v) for k, v in vals.items()}


def ranges_at(samples: dict[str, np.ndarray], q: float) -> dict[str, tuple[float, float]]:
    """Central ranges leaving ``q`` of each proportion's samples out on either side."""
    return {k: (float(np.quantile(v, q)), float(np.quantile(v, 1 - q))) for k, v in samples.items()}


def malformed_rate(clips: list[np.ndarray], ranges: dict[str, tuple[float, float]]) -> float:
    flags = np.concatenate([malformed_frames(g, ranges) for g in clips])
    return float(flags.mean()) if len(flags) else float("nan")


def calibrate(clips: list[np.ndarray], target: float = 0.01, bins: int = 5,
              ) -> tuple[dict[str, tuple[float, float]], FloorCurve, dict]:  # fmt: skip
    """Ranges whose proportion test flags ``target`` of ``clips``' frames (segmented ground-truth frames)
    beyond those already flagged as missing a part, and the floor curve ``p_GT(A)`` in ``bins``
    articulation quantile bins under those ranges.

    The tail share ``q`` of every proportion is searched on a grid. Missing torsos / parts are a floor
    the ranges cannot lower (``missing_rate`` in the info dict): ground-truth bodies do lose parts to
    occlusion and leave the frame, so the total ground-truth floor is ``missing_rate + ≈ target``.
    """
    samples = proportion_samples(clips)
    none = {k: (-np.inf, np.inf) for k in samples}
    missing = malformed_rate(clips, none)
    best = None
    for q in (0.0, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05):
        r = ranges_at(samples, q) if q > 0 else none
        rate = malformed_rate(clips, r)
        if best is None or abs(rate - missing - target) < abs(best[2] - missing - target):
            best = (q, r, rate)
    q, ranges, rate = best
    a = np.concatenate([articulation(g) for g in clips])
    m = np.concatenate([malformed_frames(g, ranges) for g in clips]).astype(np.float64)
    fin = np.isfinite(a)
    if not fin.any():  # no torso read anywhere (an untrained segmenter): one bin
        return ranges, FloorCurve((), (rate,), rate), {"tail_q": q, "rate": rate, "missing_rate": missing,
                                                        "frames": int(len(m))}  # fmt: skip
    edges = tuple(float(e) for e in np.quantile(a[fin], np.linspace(0, 1, bins + 1)[1:-1]))
    idx = np.searchsorted(np.asarray(edges), a[fin], side="right")
    rates = tuple(float(m[fin][idx == b].mean()) if (idx == b).any() else rate for b in range(bins))
    info = {"tail_q": q, "rate": rate, "missing_rate": missing, "frames": int(len(m))}
    return ranges, FloorCurve(edges, rates, float(m.mean())), info


def excess_malformation(m: np.ndarray, a: np.ndarray, floor: FloorCurve) -> float:
    """``EM`` = mean over frames of ``m_t − p_GT(A_t)``."""
    return float(np.mean(np.asarray(m, np.float64) - floor(a)))


# ---------------------------------------------------------------- statistics and the decision
def bootstrap_ci(diffs: np.ndarray, n: int = 2000, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile CI of the mean of per-clip paired differences (resampling clips)."""
    d = np.asarray(diffs, np.float64)
    d = d[np.isfinite(d)]
    if len(d) == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), (n, len(d)))].mean(1)
    lo = (1 - level) / 2
    return float(np.quantile(means, lo)), float(np.quantile(means, 1 - lo))


def matched_index(m_target: float, m_candidates: np.ndarray) -> int:
    """Index of the candidate sample whose clip motion is closest to ``m_target`` (matched-motion pairing)."""
    c = np.asarray(m_candidates, np.float64)
    if not np.isfinite(m_target) or not np.isfinite(c).any():
        return 0
    return int(np.nanargmin(np.abs(c - m_target)))


def dynamic_degree(motions: np.ndarray, gt_q25: float) -> float:
    """Share of clips (samples) whose motion exceeds the ground truth's 25th percentile (NaN counts as still)."""
    m = np.asarray(motions, np.float64)
    return float(np.mean(np.nan_to_num(m, nan=-np.inf) > gt_q25)) if len(m) else float("nan")


@dataclass(frozen=True)
class Summary:
    """One comparator over the clips."""

    dd: float  # dynamic degree
    motion: float  # mean clip motion M
    em: float  # mean excess malformation
    jerk: float  # mean jerk score |log(J / J_GT)|


def claim_conditions(s3: Summary, base: Summary, gt_motion: float, em_diff_ci: tuple[float, float],
                     pppm_off: Summary | None = None) -> dict[str, bool]:  # fmt: skip
    """The issue's rule, thresholds unchanged: ``DD`` DD(S3) ≥ DD(base) + 0.2 and M(S3) ≥ 0.6·M(GT);
    ``EM`` the 95 % CI of EM(S3) − EM(base) at matched motion lies below 0; ``jerk`` S3's jerk score
    below the baseline's; ``PPPM`` EM(PPPM on) < EM(PPPM off) (only when ``pppm_off`` is given)."""
    out = {
        "DD": bool(s3.dd >= base.dd + 0.2 and s3.motion >= 0.6 * gt_motion),
        "EM": bool(em_diff_ci[1] < 0),
        "jerk": bool(s3.jerk < base.jerk),
    }
    if pppm_off is not None:
        out["PPPM"] = bool(s3.em < pppm_off.em)
    return out


def verdict(conditions: dict[str, dict[str, bool]], claim_row: str) -> str:
    """The last line: ``claim in miniature: holds`` when every condition of ``claim_row`` holds, else
    ``fails (...)`` naming the failed conditions of every row."""
    if all(conditions[claim_row].values()):
        return "claim in miniature: holds"
    failed = [f"{row}: {', '.join(k for k, ok in c.items() if not ok)}" for row, c in conditions.items()
              if not all(c.values())]  # fmt: skip
    return f"claim in miniature: fails ({'; '.join(failed)})"
