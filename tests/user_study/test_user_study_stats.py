"""Reference and simulation tests of the study statistics."""

from __future__ import annotations

import numpy as np
import pytest

from user_study.stats import (
    bootstrap_win_rate,
    bradley_terry,
    fleiss_kappa,
    krippendorff_alpha_nominal,
    position_bias,
)


@pytest.mark.parametrize("seed", range(5))
def test_fleiss_kappa_equals_statsmodels(seed):
    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

    rng = np.random.default_rng(seed)
    n_cat = int(rng.integers(2, 5))
    probs = rng.dirichlet(np.ones(n_cat))
    # correlated raters: each item has a latent preferred category
    table = np.stack([rng.multinomial(3, 0.5 * probs + 0.5 * np.eye(n_cat)[rng.choice(n_cat, p=probs)])
                      for _ in range(int(rng.integers(10, 200)))])
    assert fleiss_kappa(table) == pytest.approx(sm_fleiss(table, method="fleiss"), abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_krippendorff_alpha_equals_reference_package(seed):
    import krippendorff

    rng = np.random.default_rng(seed)
    n_raters, n_units = int(rng.integers(3, 15)), int(rng.integers(5, 80))
    truth = rng.integers(0, 3, n_units)
    data = np.where(rng.random((n_raters, n_units)) < 0.7, truth, rng.integers(0, 3, (n_raters, n_units))).astype(float)
    data[rng.random(data.shape) < 0.5] = np.nan  # MTurk-like sparse design
    units = [[int(v) for v in data[:, j] if not np.isnan(v)] for j in range(n_units)]
    ref = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert krippendorff_alpha_nominal(units) == pytest.approx(ref, abs=1e-10)


def test_agreement_extremes():
    assert fleiss_kappa(np.array([[3, 0], [0, 3], [3, 0]])) == pytest.approx(1.0)
    assert krippendorff_alpha_nominal([["a", "a"], ["b", "b", "b"], ["a", "a"]]) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        fleiss_kappa(np.array([[2, 1], [1, 0]]))  # unequal raters per item


def test_bradley_terry_recovers_known_strengths():
    rng = np.random.default_rng(0)
    true = np.array([1.2, 0.4, 0.0, -0.6, -1.0])
    true = true - true.mean()
    s = true.size
    wins = np.zeros((s, s))
    for _ in range(20_000):
        i, j = rng.choice(s, 2, replace=False)
        p = 1.0 / (1.0 + np.exp(-(true[i] - true[j])))
        if rng.random() < p:
            wins[i, j] += 1
        else:
            wins[j, i] += 1
    est = bradley_terry(wins)
    assert np.max(np.abs(est - true)) < 0.08
    assert list(np.argsort(est)) == list(np.argsort(true))


def test_bradley_terry_prior_keeps_winless_system_finite():
    wins = np.array([[0, 5], [0, 0]], dtype=float)
    est = bradley_terry(wins, prior=0.5)
    assert np.all(np.isfinite(est)) and est[0] > est[1]


@pytest.mark.parametrize("p_true,n", [(0.5, 60), (0.7, 150), (0.85, 300)])
def test_bootstrap_ci_covers_true_rate_at_nominal_level(p_true, n):
    rng = np.random.default_rng(int(p_true * 100) + n)
    sims = 400
    covered = 0
    for _ in range(sims):
        wins = (rng.random(n) < p_true).astype(float)
        ci = bootstrap_win_rate(wins, n_boot=1000, rng=rng)
        covered += ci.low <= p_true <= ci.high
    rate = covered / sims
    # 95 % nominal; with 400 simulations the binomial s.e. is ~1.1 %, percentile bootstrap runs slightly low
    assert 0.91 <= rate <= 0.985, rate


def test_cluster_bootstrap_widens_for_correlated_raters():
    rng = np.random.default_rng(3)
    pair_pref = rng.random(100) < 0.6
    wins = np.repeat(pair_pref, 3).astype(float)  # the 3 raters of a pair always agree
    clusters = np.repeat(np.arange(100), 3)
    plain = bootstrap_win_rate(wins, rng=np.random.default_rng(0))
    clustered = bootstrap_win_rate(wins, clusters=clusters, rng=np.random.default_rng(0))
    assert clustered.estimate == plain.estimate
    assert (clustered.high - clustered.low) > 1.4 * (plain.high - plain.low)


def test_position_bias_binomial():
    from scipy.stats import binomtest

    pb = position_bias(70, 30)
    assert pb.left_share == 0.7
    assert pb.p_value == pytest.approx(binomtest(70, 100, 0.5).pvalue)
    assert position_bias(50, 50).p_value == pytest.approx(1.0)
