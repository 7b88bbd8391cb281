"""Analysis on simulated answer rows: exclusion of bad raters, win rates, no-interaction counts, charts."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from user_study.analysis import AnalysisConfig, analyze, report_markdown
from user_study.demo import simulate_answers

QS = ("motion_consistency", "amount_of_motion", "motion_realism", "interaction")


def _rows(n_pairs=120, n_good=12, n_bad=4, seed=0):
    """Rows like Store.vote_rows(): good BT raters + random clickers that fail gold and repeats."""
    rng = np.random.default_rng(seed)
    strength = {"revision": 0.8, "svd": 0.0, "cogvideox": -0.4}
    rows, vid = [], 0
    raters = list(range(n_good + n_bad))

    def add(rater, pair_id, kind, sa, sb, ans, gold=None, repeat_of=None, left_is_a=True, aid=None):
        nonlocal vid
        vid += 1
        aid = aid or f"as{vid}"
        for q in QS:
            a = ans[q]
            side = {"a": "left" if left_is_a else "right", "b": "right" if left_is_a else "left"}.get(a, a)
            rows.append({"question_id": q, "side": side, "answer": a,
                         "winner_system": {"a": sa, "b": sb}.get(a), "vote_id": vid, "rater_id": rater,
                         "pair_id": pair_id, "left_system": sa if left_is_a else sb,
                         "right_system": sb if left_is_a else sa, "watch_left_ms": 600, "watch_right_ms": 600,
                         "created_at": "", "assignment_id": aid, "repeat_of": repeat_of, "left_is_a": left_is_a,
                         "kind": kind, "input_id": pair_id, "system_a": sa, "system_b": sb,
                         "gold": (gold or {}).get(q)})
        return aid

    def answer(r, sa, sb):
        if r >= n_good:  # random clicker
            return {q: rng.choice(["a", "b", "tie"] + (["none"] if q == "interaction" else [])) for q in QS}
        return simulate_answers(strength[sa], strength[sb], rng)

    for p in range(n_pairs):
        sb = "svd" if p % 2 == 0 else "cogvideox"
        for r in rng.choice(raters, 3, replace=False):
            add(int(r), f"p{p}", "main", "revision", sb, answer(int(r), "revision", sb), left_is_a=bool(rng.random() < .5))
    for r in raters:
        for g in range(4):
            ans = answer(r, "revision", "svd") if r >= n_good else {q: "a" for q in QS}
            add(r, f"gold{g}", "gold", "moving", "still", ans, gold={"amount_of_motion": "a"})
        for k in range(3):
            ans = answer(r, "revision", "svd")
            first = add(r, f"rep{r}_{k}", "main", "revision", "svd", ans)
            again = ans if r < n_good else answer(r, "revision", "svd")  # good raters are consistent
            add(r, f"rep{r}_{k}", "main", "revision", "svd", again, repeat_of=first, left_is_a=False)
    return rows


def test_analysis_excludes_random_clickers_and_reports_all_parts():
    rows = _rows()
    rep = analyze(rows, AnalysisConfig(reference="revision", n_boot=300))
    bad = {r.rater_id for r in rep.raters if r.excluded}
    assert bad and bad <= set(range(12, 16))  # only random clickers fail
    assert rep.n_raters == 16 and rep.n_raters_excluded == len(bad)
    # the true P(revision beats svd) on decisive votes is sigmoid(0.8) = 0.69
    c = next(c for c in rep.comparisons if c.question == "motion_realism" and c.other == "svd")
    assert c.ci_low < c.win_rate < c.ci_high and 0.55 < c.win_rate < 0.85
    assert c.system == "revision"
    inter = next(q for q in rep.questions if q.question == "interaction")
    assert inter.no_interaction > 0 and inter.valid > 0
    for q in rep.questions:
        assert q.bt_scores["revision"] > q.bt_scores["cogvideox"]
        assert q.fleiss_items > 0 and q.fleiss_kappa is not None and q.krippendorff_alpha is not None
    assert 0 <= rep.position_bias["p_value"] <= 1
    md = report_markdown(rep, "t")
    assert "no interaction" in md and "Excluded raters" in md
    json.dumps(rep.to_dict())  # serialisable


def test_charts_written_html_and_png_when_chromium(tmp_path):
    from user_study.plots import write_figures

    rep = analyze(_rows(n_pairs=20, n_good=4, n_bad=0), AnalysisConfig(reference="revision", n_boot=100))
    has_chromium = bool(shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome"))
    files = write_figures(rep, tmp_path, png="yes" if has_chromium else "no")
    html = (tmp_path / "preference.html").read_text()
    assert "plotly.min.js" in html and "Motion Realism" in html
    assert (tmp_path / "plotly.min.js").exists()
    if has_chromium:
        png = tmp_path / "preference.png"
        assert png in files and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_empty_report_cannot_be_plotted():
    from user_study.plots import preference_figure

    with pytest.raises(ValueError, match="no comparisons"):
        preference_figure(analyze([], AnalysisConfig()))
