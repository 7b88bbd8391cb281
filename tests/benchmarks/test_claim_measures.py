"""The claim-in-miniature measures (benchmarks/claim_measures.py) on hand-made clips, and the decision rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks import claim_measures as cm
from benchmarks.mini_claim import summarize

WIDE = {k: (0.0, 100.0) for k in ("head", "left_arm", "right_arm", "left_leg", "right_leg")}


def _bar(g: np.ndarray, y0: float, x0: float, angle: float, length: float, label: int, width: float = 1.2) -> None:
    """Draw a bar of ``label`` from (y0, x0) at ``angle`` (radians from straight down) into ``g`` (H, W)."""
    yy, xx = np.mgrid[: g.shape[0], : g.shape[1]]
    dy, dx = math.cos(angle), math.sin(angle)
    t = np.clip((yy - y0) * dy + (xx - x0) * dx, 0, length)
    d = np.hypot(yy - (y0 + t * dy), xx - (x0 + t * dx))
    g[(d <= width) & (g == 0)] = label


def _figure(arm_angle: float = -0.3, dx: int = 0, arm: bool = True) -> np.ndarray:
    """One (64, 64) group map: head, torso, two arms (the left one at ``arm_angle``), two legs."""
    g = np.zeros((64, 64), np.int64)
    g[10:16, 28 + dx : 34 + dx] = 1
    g[16:32, 27 + dx : 35 + dx] = 2
    if arm:
        _bar(g, 17, 25 + dx, arm_angle, 11, 3)
    _bar(g, 17, 36 + dx, -0.3, 11, 4)
    _bar(g, 32, 29 + dx, 0.05, 13, 5)
    _bar(g, 32, 33 + dx, -0.05, 13, 6)
    return g


def _clip(angles, **kw) -> np.ndarray:
    return np.stack([_figure(a, **kw) for a in angles])


def test_a_still_clip_has_no_motion_and_no_malformation():
    still = _clip([-0.3] * 8)
    a = cm.articulation(still)
    assert np.allclose(a, 0) and cm.clip_motion(a) == 0
    assert not cm.malformed_frames(still, WIDE).any()
    assert math.isnan(cm.jerk_ratio(still))  # no motion: no smoothness to score


def test_whole_body_translation_is_not_articulation():
    moving = np.stack([_figure(-0.3, dx=2 * t) for t in range(8)])
    assert cm.clip_motion(cm.articulation(moving)) < 1e-9


def test_a_vanishing_arm_is_malformed_and_a_smooth_swing_is_smooth():
    smooth = _clip(np.linspace(-0.2, -1.6, 8))  # the left arm swings outwards
    vanishing = smooth.copy()
    for f in (2, 3, 5, 6):
        vanishing[f] = _figure(arm=False)
    assert cm.clip_motion(cm.articulation(smooth)) > 0.02  # one of five parts moves
    assert cm.malformed_frames(smooth, WIDE).mean() == 0
    assert cm.malformed_frames(vanishing, WIDE).mean() == 4 / 8
    jittery = _clip([-0.2, -1.4, -0.4, -1.6, -0.5, -1.5, -0.3, -1.6])
    j_gt = cm.jerk_ratio(smooth)
    assert j_gt < 0.6  # constant angular velocity: ~0.2 rad per frame of bend, plus pixel rounding
    assert cm.jerk_ratio(jittery) > 1.5  # back and forth
    assert cm.jerk_score(j_gt, j_gt) == 0
    assert cm.jerk_score(cm.jerk_ratio(jittery), j_gt) > 1  # |log(≈2 / ≈0.44)|


def test_out_of_range_proportions_are_malformed():
    clip = _clip([-0.3] * 4)
    long_arm = clip.copy()
    long_arm[2][long_arm[2] == 3] = 0
    _bar(long_arm[2], 17, 25, -0.3, 30, 3)  # frame 3: the left arm three times as long
    samples = cm.proportion_samples([clip])
    ranges = {k: (v.min() * 0.9, v.max() * 1.1) for k, v in samples.items()}
    assert cm.malformed_frames(long_arm, ranges).tolist() == [False, False, True, False]


def test_calibration_reaches_the_target_floor_and_the_floor_curve_is_read_by_bin():
    rng = np.random.default_rng(0)
    clips = [_clip(rng.uniform(-1.5, 0, 8) if i % 2 else np.full(8, -0.3), dx=int(rng.integers(-3, 4)))
             for i in range(40)]  # fmt: skip
    ranges, floor, info = cm.calibrate(clips, target=0.02)
    assert info["missing_rate"] == 0 and abs(info["rate"] - 0.02) <= 0.02
    assert len(floor.edges) == 4 and len(floor.rates) == 5
    curve = cm.FloorCurve((0.1, 0.2), (0.0, 0.5, 1.0), 0.3)
    assert curve(np.array([0.05, 0.15, 0.5, np.nan])).tolist() == [0.0, 0.5, 1.0, 0.3]
    assert cm.excess_malformation(np.array([1, 0, 1]), np.array([0.05, 0.15, 0.5]), curve) == pytest.approx(0.5 / 3)


def test_bootstrap_matching_and_dynamic_degree():
    lo, hi = cm.bootstrap_ci(np.full(50, -0.1) + np.random.default_rng(0).normal(0, 0.02, 50))
    assert lo < -0.09 < -0.11 < hi or hi < 0  # the CI is around -0.1 and excludes 0
    assert cm.bootstrap_ci(np.random.default_rng(1).normal(0, 1, 50))[0] < 0 < cm.bootstrap_ci(
        np.random.default_rng(1).normal(0, 1, 50))[1]  # fmt: skip
    assert cm.matched_index(0.3, np.array([0.1, 0.28, 0.9])) == 1
    assert cm.dynamic_degree(np.array([0.1, 0.5, np.nan, 0.6]), 0.2) == 0.5


def test_decision_rule_on_synthetic_numbers():
    base = cm.Summary(dd=0.3, motion=0.05, em=0.10, jerk=1.0)
    good = cm.Summary(dd=0.6, motion=0.07, em=0.02, jerk=0.5)
    off = cm.Summary(dd=0.6, motion=0.07, em=0.05, jerk=0.7)
    c = cm.claim_conditions(good, base, gt_motion=0.1, em_diff_ci=(-0.12, -0.03), pppm_off=off)
    assert c == {"DD": True, "EM": True, "jerk": True, "PPPM": True}
    assert cm.verdict({"S3": c}, "S3") == "claim in miniature: holds"
    # DD + 0.2 exactly is enough; too little motion (< 0.6 M_GT) is not; a CI touching 0 is not
    assert cm.claim_conditions(cm.Summary(0.5, 0.06, 0.0, 0.5), base, 0.1, (-0.1, -0.01))["DD"]
    assert not cm.claim_conditions(cm.Summary(0.9, 0.059, 0.0, 0.5), base, 0.1, (-0.1, -0.01))["DD"]
    weak = cm.claim_conditions(good, base, 0.1, (-0.1, 0.01), pppm_off=cm.Summary(0.6, 0.07, 0.01, 0.5))
    assert weak == {"DD": True, "EM": False, "jerk": True, "PPPM": False}
    oracle = cm.claim_conditions(good, base, 0.1, (-0.1, -0.01))
    line = cm.verdict({"S3 (S2+PPPM)": weak, "S3 (oracle)": oracle}, "S3 (S2+PPPM)")
    assert line == "claim in miniature: fails (S3 (S2+PPPM): EM, PPPM)"


def _sample(m_level: float, mal: list[int], j: float) -> dict:
    return {"A": [0.0] + [m_level] * 7, "m": mal, "J": j}


def test_summary_pairs_matched_motion_and_applies_the_rule():
    floor = cm.FloorCurve((0.05,), (0.0, 0.0), 0.0)
    rows = []
    for i in range(30):
        g = 0.1 + 0.01 * (i % 5)
        rows.append({"seed": i, "person": True, "scores": {
            "GT": [_sample(g, [0] * 8, 0.5)],
            "baseline": [_sample(0.01, [0] * 8, 1.5), _sample(g, [0] * 6 + [1, 1], 1.2)],
            "S3 (S2+PPPM)": [_sample(g, [0] * 8, 0.6)],
            "S3 (PPPM off)": [_sample(g, [0] * 7 + [1], 0.9)],
        }})  # fmt: skip
    table, conditions, line = summarize(rows, floor)
    # S3 is matched with the moving baseline seed (EM 0.25), not the still one (EM 0)
    assert table["S3 (S2+PPPM)"]["EM_vs_base"] == pytest.approx(-0.25)
    # DD: clips above the GT's 25th percentile (3 of 5 motion levels); the still baseline seed never is
    assert table["S3 (S2+PPPM)"]["DD"] == pytest.approx(0.6) and table["baseline"]["DD"] == pytest.approx(0.3)
    assert conditions["S3 (S2+PPPM)"] == {"DD": True, "EM": True, "jerk": True, "PPPM": True}
    assert line == "claim in miniature: holds"


def test_mini_eval_retires_b_and_points_to_mini_claim(capsys):
    from benchmarks.mini_eval import main

    assert main(["--parts", "a,b"]) == 2
    assert "benchmarks.mini_claim" in capsys.readouterr().err


def test_condition_stats_reads_the_chosen_world():
    """--world resolvable: its arms cover more latent cells at nearest sampling than the default world's."""
    from benchmarks.mini_claim import condition_stats

    seeds = range(1_000_000, 1_000_006)
    default, resolvable = condition_stats(seeds), condition_stats(seeds, world="resolvable")
    for arm in ("left_arm", "right_arm"):
        assert resolvable[f"nearest {arm}"]["cells"] > 1.5 * default[f"nearest {arm}"]["cells"]
