"""Turn stored votes into the study report: win rates + CIs, BT scores, agreement, bias, rater quality.

Input is :meth:`user_study.store.Store.vote_rows` (one dict per answer), so the analysis runs from the
database alone.  Order of work: rater quality → exclusion → per-question statistics on main pairs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .stats import bootstrap_win_rate, bradley_terry, fleiss_kappa, krippendorff_alpha_nominal, position_bias


@dataclass
class AnalysisConfig:
    reference: str | None = None  # system compared against all others (paper: ReVision); None = all pairs
    min_gold_accuracy: float = 0.75  # raters below this on gold questions are excluded
    min_repeat_agreement: float = 0.5  # raters below this on side-swapped repeats are excluded
    raters_per_pair: int = 3  # items with this many ratings enter Fleiss' κ (first N by time)
    n_boot: int = 2000  # bootstrap replicates for the 95 % CIs
    bt_prior: float = 0.5  # virtual ties per system pair in Bradley–Terry
    seed: int = 0


@dataclass
class RaterQuality:
    rater_id: int
    gold_n: int
    gold_accuracy: float | None
    repeat_n: int
    repeat_agreement: float | None
    excluded: bool
    reason: str


@dataclass
class Comparison:
    question: str
    system: str  # the "first" system (reference when given)
    other: str
    wins: int
    losses: int
    ties: int
    no_interaction: int
    win_rate: float  # wins / (wins + losses)
    ci_low: float
    ci_high: float


@dataclass
class QuestionSummary:
    question: str
    valid: int  # answers other than "none"
    no_interaction: int  # "none" answers (only offered by the interaction question)
    ties: int
    bt_scores: dict[str, float]
    fleiss_kappa: float | None
    fleiss_items: int
    krippendorff_alpha: float | None
    left: int
    right: int
    position_p_value: float


@dataclass
class Report:
    n_votes: int
    n_raters: int
    n_raters_excluded: int
    n_main_votes_used: int
    position_bias: dict[str, float]
    median_watch_ms: dict[str, float]
    comparisons: list[Comparison] = field(default_factory=list)
    questions: list[QuestionSummary] = field(default_factory=list)
    raters: list[RaterQuality] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rater_quality(rows: list[dict[str, Any]], cfg: AnalysisConfig) -> list[RaterQuality]:
    """Gold accuracy and side-swapped repeat agreement per rater (answers compared in system space)."""
    by_assignment = {(r["assignment_id"], r["question_id"]): r["answer"] for r in rows}
    gold: dict[int, list[bool]] = defaultdict(list)
    rep: dict[int, list[bool]] = defaultdict(list)
    raters = sorted({r["rater_id"] for r in rows})
    for r in rows:
        if r["kind"] == "gold" and r["gold"] is not None:
            gold[r["rater_id"]].append(r["answer"] == r["gold"])
        if r["repeat_of"] is not None:
            first = by_assignment.get((r["repeat_of"], r["question_id"]))
            if first is not None:
                rep[r["rater_id"]].append(first == r["answer"])
    out = []
    for rid in raters:
        g, p = gold.get(rid, []), rep.get(rid, [])
        ga = float(np.mean(g)) if g else None
        ra = float(np.mean(p)) if p else None
        reasons = []
        if ga is not None and ga < cfg.min_gold_accuracy:
            reasons.append(f"gold accuracy {ga:.2f} < {cfg.min_gold_accuracy}")
        if ra is not None and ra < cfg.min_repeat_agreement:
            reasons.append(f"repeat agreement {ra:.2f} < {cfg.min_repeat_agreement}")
        out.append(RaterQuality(rid, len(g), ga, len(p), ra, bool(reasons), "; ".join(reasons)))
    return out


def _orient(a: str, b: str, reference: str | None) -> tuple[str, str]:
    if reference is not None and b == reference:
        return b, a
    if reference is None and b < a:
        return b, a
    return a, b


def analyze(rows: list[dict[str, Any]], cfg: AnalysisConfig | None = None) -> Report:
    """Full report from answer rows (see module docstring)."""
    cfg = cfg or AnalysisConfig()
    rng = np.random.default_rng(cfg.seed)
    quality = rater_quality(rows, cfg)
    excluded = {q.rater_id for q in quality if q.excluded}
    main = [r for r in rows if r["kind"] == "main" and r["repeat_of"] is None and r["rater_id"] not in excluded]
    questions = list(dict.fromkeys(r["question_id"] for r in rows))
    systems = sorted({s for r in main for s in (r["system_a"], r["system_b"])})
    report = Report(
        n_votes=len({r["vote_id"] for r in rows}), n_raters=len(quality), n_raters_excluded=len(excluded),
        n_main_votes_used=len({r["vote_id"] for r in main}), position_bias={}, median_watch_ms={}, raters=quality)
    firsts = {r["vote_id"]: r for r in main}.values()
    if firsts:
        report.median_watch_ms = {"left": float(np.median([r["watch_left_ms"] for r in firsts])),
                                  "right": float(np.median([r["watch_right_ms"] for r in firsts]))}
    tot_l = sum(1 for r in main if r["side"] == "left")
    tot_r = sum(1 for r in main if r["side"] == "right")
    pb = position_bias(tot_l, tot_r)
    report.position_bias = {"left": pb.left, "right": pb.right, "left_share": pb.left_share, "p_value": pb.p_value}
    for q in questions:
        qr = [r for r in main if r["question_id"] == q]
        groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for r in qr:
            groups[_orient(r["system_a"], r["system_b"], cfg.reference)].append(r)
        for (first, other), grp in sorted(groups.items()):
            decisive = [r for r in grp if r["winner_system"] is not None]
            wins = [1.0 if r["winner_system"] == first else 0.0 for r in decisive]
            ci = bootstrap_win_rate(wins, clusters=[r["pair_id"] for r in decisive], n_boot=cfg.n_boot, rng=rng)
            report.comparisons.append(Comparison(
                q, first, other, int(sum(wins)), len(wins) - int(sum(wins)),
                sum(r["answer"] == "tie" for r in grp), sum(r["answer"] == "none" for r in grp),
                ci.estimate, ci.low, ci.high))
        idx = {s: i for i, s in enumerate(systems)}
        w = np.zeros((len(systems), len(systems)))
        for r in qr:
            a, b = idx[r["system_a"]], idx[r["system_b"]]
            if r["answer"] == "a":
                w[a, b] += 1
            elif r["answer"] == "b":
                w[b, a] += 1
            elif r["answer"] == "tie":
                w[a, b] += 0.5
                w[b, a] += 0.5
        bt = bradley_terry(w, prior=cfg.bt_prior) if len(systems) >= 2 and w.sum() > 0 else np.zeros(len(systems))
        per_pair: dict[str, list[str]] = defaultdict(list)
        for r in sorted(qr, key=lambda r: r["vote_id"]):
            per_pair[r["pair_id"]].append(r["answer"])
        n = cfg.raters_per_pair
        full = [v[:n] for v in per_pair.values() if len(v) >= n]
        kappa = None
        if full and n >= 2:
            cats = sorted({a for v in full for a in v})
            table = np.array([[v.count(c) for c in cats] for v in full])
            k = fleiss_kappa(table)
            kappa = None if np.isnan(k) else k
        alpha = krippendorff_alpha_nominal(list(per_pair.values())) if per_pair else float("nan")
        ql = sum(1 for r in qr if r["side"] == "left")
        qrr = sum(1 for r in qr if r["side"] == "right")
        report.questions.append(QuestionSummary(
            q, valid=sum(r["answer"] != "none" for r in qr), no_interaction=sum(r["answer"] == "none" for r in qr),
            ties=sum(r["answer"] == "tie" for r in qr), bt_scores={s: float(bt[i]) for s, i in idx.items()},
            fleiss_kappa=kappa, fleiss_items=len(full), krippendorff_alpha=None if np.isnan(alpha) else alpha,
            left=ql, right=qrr, position_p_value=position_bias(ql, qrr).p_value))
    return report


def report_markdown(report: Report, title: str = "User study") -> str:
    """Human-readable summary (the numbers of :class:`Report`)."""
    pb = report.position_bias
    lines = [f"# {title}", "",
             f"- votes: {report.n_votes} (main votes used: {report.n_main_votes_used})",
             f"- raters: {report.n_raters}, excluded for quality: {report.n_raters_excluded}",
             f"- position bias: left chosen {pb.get('left', 0)} / right {pb.get('right', 0)} "
             f"(left share {pb.get('left_share', float('nan')):.3f}, binomial p = {pb.get('p_value', float('nan')):.3g})",
             "", "## Win rates (ties and 'no interaction' excluded; 95 % cluster-bootstrap CI over pairs)", "",
             "| question | system | vs | wins | losses | ties | no interaction | win rate | 95 % CI |",
             "|---|---|---|---:|---:|---:|---:|---:|---|"]
    for c in report.comparisons:
        lines.append(f"| {c.question} | {c.system} | {c.other} | {c.wins} | {c.losses} | {c.ties} | "
                     f"{c.no_interaction} | {c.win_rate:.3f} | [{c.ci_low:.3f}, {c.ci_high:.3f}] |")
    lines += ["", "## Per question", "",
              "| question | valid | no interaction | ties | Fleiss κ (items) | Krippendorff α | left/right | p | BT scores |",
              "|---|---:|---:|---:|---|---|---|---:|---|"]

    def fmt(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    for q in report.questions:
        bt = ", ".join(f"{s} {v:+.2f}" for s, v in sorted(q.bt_scores.items(), key=lambda kv: -kv[1]))
        lines.append(f"| {q.question} | {q.valid} | {q.no_interaction} | {q.ties} | {fmt(q.fleiss_kappa)} "
                     f"({q.fleiss_items}) | {fmt(q.krippendorff_alpha)} | {q.left}/{q.right} | "
                     f"{q.position_p_value:.3g} | {bt} |")
    bad = [r for r in report.raters if r.excluded]
    if bad:
        lines += ["", "## Excluded raters", ""] + [f"- rater {r.rater_id}: {r.reason}" for r in bad]
    return "\n".join(lines) + "\n"

