"""Statistics for pairwise preference studies: pure numpy/scipy functions, no I/O.

Reference-tested against ``statsmodels`` (Fleiss' κ) and ``krippendorff`` (α); Bradley–Terry and the
bootstrap are checked by simulation (tests/user_study/test_user_study_stats.py).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float
    n: int  # number of decisive (non-tie) votes behind the estimate


def bootstrap_win_rate(wins: Sequence[float], clusters: Sequence[Hashable] | None = None, n_boot: int = 2000,
                       level: float = 0.95, rng: np.random.Generator | None = None) -> Interval:
    """Win rate with a percentile bootstrap CI.

    Args:
        wins: (V,) 1 for a win, 0 for a loss (ties excluded by the caller; 0.5 allowed).
        clusters: (V,) optional cluster label per vote (e.g. the pair id); clusters are resampled
            whole, which keeps the CI honest when the raters of one pair agree with each other.
        n_boot: bootstrap replicates.
        level: nominal coverage.
    Returns:
        Interval(estimate, low, high, n); NaNs when there are no votes.
    """
    w = np.asarray(wins, dtype=float)
    if w.size == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0)
    rng = rng if rng is not None else np.random.default_rng(0)
    if clusters is None:
        sums, sizes = w, np.ones_like(w)
    else:
        _, inv = np.unique(np.asarray(clusters, dtype=object).astype(str), return_inverse=True)
        sums = np.bincount(inv, weights=w)
        sizes = np.bincount(inv).astype(float)
    k = sums.size
    idx = rng.integers(0, k, size=(n_boot, k))
    reps = sums[idx].sum(1) / sizes[idx].sum(1)
    tail = (1.0 - level) / 2.0
    lo, hi = np.quantile(reps, [tail, 1.0 - tail])
    return Interval(float(w.mean()), float(lo), float(hi), int(w.size))


def bradley_terry(wins: np.ndarray, prior: float = 0.0, max_iter: int = 10_000, tol: float = 1e-10) -> np.ndarray:
    """Bradley–Terry log-strengths by Hunter's (2004) MM algorithm.

    Args:
        wins: (S, S) ``wins[i, j]`` = times i beat j (count a tie as 0.5 for each side).
        prior: virtual ties added to every pair of systems (regularises systems that never win).
    Returns:
        (S,) log-strengths centred to mean 0; P(i beats j) = sigmoid(s_i - s_j).
    """
    w = np.asarray(wins, dtype=float).copy()
    s = w.shape[0]
    if w.shape != (s, s):
        raise ValueError(f"wins must be square, got {w.shape}")
    if prior > 0:
        w += (prior / 2.0) * (1.0 - np.eye(s))
    n = w + w.T
    total_wins = w.sum(1)
    p = np.ones(s)
    for _ in range(max_iter):
        denom = (n / (p[:, None] + p[None, :])).sum(1)
        new = np.where(denom > 0, total_wins / np.maximum(denom, 1e-300), p)
        new = np.maximum(new, 1e-12)
        new /= np.exp(np.log(new).mean())
        if np.max(np.abs(np.log(new) - np.log(p))) < tol:
            p = new
            break
        p = new
    logp = np.log(p)
    return logp - logp.mean()


def fleiss_kappa(table: np.ndarray) -> float:
    """Fleiss' κ.

    Args:
        table: (items, categories) counts; every row must sum to the same number of raters (≥ 2).
    """
    t = np.asarray(table, dtype=float)
    n_items = t.shape[0]
    n_rat = t.sum(1)
    if n_items == 0 or not np.allclose(n_rat, n_rat[0]) or n_rat[0] < 2:
        raise ValueError("fleiss_kappa needs ≥1 item and the same number (≥2) of ratings per item")
    r = n_rat[0]
    p_cat = t.sum(0) / (n_items * r)
    p_item = ((t * t).sum(1) - r) / (r * (r - 1))
    p_mean, p_exp = p_item.mean(), (p_cat**2).sum()
    if np.isclose(p_exp, 1.0):
        return float("nan")
    return float((p_mean - p_exp) / (1.0 - p_exp))


def krippendorff_alpha_nominal(units: Sequence[Sequence[Hashable]]) -> float:
    """Krippendorff's α for nominal data; units may have different numbers of ratings.

    Args:
        units: per unit (item), the values given by its raters (missing ratings simply absent).
            Units with fewer than 2 values are not pairable and are ignored.
    """
    cats: dict[Hashable, int] = {}
    for u in units:
        for v in u:
            cats.setdefault(v, len(cats))
    c = len(cats)
    o = np.zeros((c, c))
    for u in units:
        m = len(u)
        if m < 2:
            continue
        counts = np.bincount([cats[v] for v in u], minlength=c).astype(float)
        o += (np.outer(counts, counts) - np.diag(counts)) / (m - 1)
    n_c = o.sum(1)
    n = n_c.sum()
    if n <= 1:
        return float("nan")
    d_o = o.sum() - np.trace(o)
    d_e = n_c.sum() ** 2 - (n_c**2).sum()
    if d_e == 0:
        return float("nan")
    return float(1.0 - (n - 1) * d_o / d_e)


@dataclass(frozen=True)
class PositionBias:
    left: int
    right: int
    left_share: float
    p_value: float  # two-sided exact binomial test of left_share = 0.5


def position_bias(n_left: int, n_right: int) -> PositionBias:
    """Do raters prefer a side regardless of content?  Exact binomial test on decisive votes."""
    from scipy.stats import binomtest

    n = n_left + n_right
    if n == 0:
        return PositionBias(0, 0, float("nan"), float("nan"))
    return PositionBias(n_left, n_right, n_left / n, float(binomtest(n_left, n, 0.5).pvalue))
