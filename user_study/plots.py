"""Plotly charts of a study report, styled after the paper's Fig. 5 (preference per question/baseline).

HTML always (plotly.js written once next to the chart, so it works offline); PNG through kaleido
when a Chromium is available (Debian ``chromium``), otherwise a clear message.
"""

from __future__ import annotations

from pathlib import Path

from .analysis import Report

COLORS = {"win": "#2f6db3", "tie": "#b9b9b9", "loss": "#e08a3c"}


def preference_figure(report: Report, title: str = "User preference"):  # -> plotly.graph_objects.Figure
    """Stacked horizontal bars: for each question (subplot) and each opponent (row), the share of
    votes preferring the first system, ties, and the opponent; the win rate CI is drawn as error bars.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    questions = list(dict.fromkeys(c.question for c in report.comparisons))
    if not questions:
        raise ValueError("the report has no comparisons to plot (no votes yet?)")
    fig = make_subplots(rows=1, cols=len(questions), shared_yaxes=True,
                        subplot_titles=[q.replace("_", " ").title() for q in questions], horizontal_spacing=0.03)
    for col, q in enumerate(questions, start=1):
        comps = [c for c in report.comparisons if c.question == q]
        labels = [f"{c.system} vs {c.other}" for c in comps]
        tot = [max(c.wins + c.losses + c.ties, 1) for c in comps]
        win = [100 * c.wins / t for c, t in zip(comps, tot)]
        tie = [100 * c.ties / t for c, t in zip(comps, tot)]
        loss = [100 * c.losses / t for c, t in zip(comps, tot)]
        for name, vals, key in (("prefer first", win, "win"), ("tie", tie, "tie"), ("prefer other", loss, "loss")):
            fig.add_trace(go.Bar(y=labels, x=vals, name=name, orientation="h", marker_color=COLORS[key],
                                 legendgroup=key, showlegend=col == 1,
                                 text=[f"{v:.0f}%" if v >= 8 else "" for v in vals], textposition="inside",
                                 hovertemplate="%{y}: %{x:.1f}%<extra>" + name + "</extra>"), row=1, col=col)
        fig.add_trace(go.Scatter(
            y=labels, x=[100 * c.win_rate for c in comps], mode="markers", marker=dict(color="black", size=7),
            name="win rate (no ties) ± 95 % CI", legendgroup="ci", showlegend=col == 1,
            error_x=dict(type="data", symmetric=False, array=[100 * (c.ci_high - c.win_rate) for c in comps],
                         arrayminus=[100 * (c.win_rate - c.ci_low) for c in comps])), row=1, col=col)
        fig.add_vline(x=50, line_dash="dot", line_color="gray", row=1, col=col)
        fig.update_xaxes(range=[0, 100], ticksuffix="%", row=1, col=col)
    fig.update_layout(barmode="stack", title=title, height=180 + 45 * len(labels), width=320 * len(questions) + 200,
                      legend=dict(orientation="h", y=-0.25), margin=dict(l=10, r=10, t=80, b=10))
    return fig


def write_figures(report: Report, out_dir: str | Path, png: str = "auto", title: str = "User preference") -> list[Path]:
    """Write ``preference.html`` (+ ``preference.png``); ``png`` is "auto" | "yes" | "no".

    "auto" writes the PNG when kaleido and a Chromium work and says why not otherwise; "yes" raises.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fig = preference_figure(report, title)
    html = out / "preference.html"
    fig.write_html(html, include_plotlyjs="directory", full_html=True)
    written = [html]
    if png == "no":
        return written
    try:
        fig.write_image(out / "preference.png", scale=2)
        written.append(out / "preference.png")
    except Exception as e:  # noqa: BLE001 - kaleido/Chromium failures come in many types
        msg = (f"PNG export failed ({type(e).__name__}: {e}); install `pip install kaleido` and a Chromium "
               "(Debian: `apt-get install chromium`) or pass --png no")
        if png == "yes":
            raise RuntimeError(msg) from e
        print(msg)
    return written
