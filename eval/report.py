"""Paper-style tables (Markdown + CSV) and plotly charts (HTML; PNG when Chromium/kaleido work) from result
files and benchmark timings, each with its provenance (implementation, resolution, frames, fps, #videos, seeds).

Tables: ``table1_vbench`` (VBench++ dimensions incl. the native I2V ones), ``table2_timing`` (seconds per video,
mean ± std, from a benchmark run's ``timings.csv``), ``table4_tiktok`` (SSIM, PSNR, L1, LPIPS, FID, FVD).
"""

from __future__ import annotations

import csv
import json
import statistics
from collections import defaultdict
from pathlib import Path

from eval.results import load_results

TABLE1_ORDER = ["i2v_subject", "i2v_background", "camera_motion", "subject_consistency", "background_consistency",
                "motion_smoothness", "dynamic_degree", "aesthetic_quality", "imaging_quality", "temporal_flickering"]  # fmt: skip
TABLE4_ORDER = ["ssim", "psnr", "l1", "lpips", "fid", "fvd"]
LOWER_IS_BETTER = {"l1", "lpips", "fid", "fvd", "seconds"}


def _fmt(v: float | None, col: str = "") -> str:
    if v is None:
        return "–"
    if col == "videos":
        return str(int(v))
    return f"{v:.4f}" if abs(v) < 10 else f"{v:.2f}"


def build_table(results: list[dict], kinds: set[str], order: list[str]) -> tuple[list[str], dict[str, dict[str, float]]]:
    """systems → metric → value for results of ``kinds``; columns in ``order`` first, then any others."""
    rows: dict[str, dict[str, float]] = defaultdict(dict)
    for r in results:
        if r["kind"] in kinds:
            rows[r["system"]].update(r["metrics"])
    present = {m for row in rows.values() for m in row}
    cols = [c for c in order if c in present] + sorted(present - set(order))
    return cols, dict(rows)


def timing_table(benchmark: Path) -> tuple[list[str], dict[str, dict[str, float]]]:
    per: dict[str, list[float]] = defaultdict(list)
    with open(benchmark / "timings.csv") as f:
        for row in csv.DictReader(f):
            per[row["system"]].append(float(row["seconds"]))
    rows = {s: {"seconds": statistics.mean(v), "std": statistics.pstdev(v), "videos": float(len(v))} for s, v in per.items()}
    return ["seconds", "std", "videos"], rows


def _write(out: Path, name: str, title: str, cols: list[str], rows: dict[str, dict[str, float]], notes: list[str]) -> None:
    with open(out / f"{name}.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["system", *cols])
        for s, row in rows.items():
            w.writerow([s, *(row.get(c, "") for c in cols)])
    best = {}
    for c in cols:
        vals = [row[c] for row in rows.values() if c in row]
        if vals and c not in ("std", "videos"):
            best[c] = min(vals) if c in LOWER_IS_BETTER else max(vals)
    lines = [f"# {title}", "", "| system | " + " | ".join(f"{c}{' ↓' if c in LOWER_IS_BETTER else ''}" for c in cols) + " |",
             "|---" * (len(cols) + 1) + "|"]  # fmt: skip
    for s, row in rows.items():
        cells = []
        for c in cols:
            v = row.get(c)
            cell = _fmt(v, c)
            cells.append(f"**{cell}**" if v is not None and len(rows) > 1 and v == best.get(c) else cell)
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    lines += ["", *notes]
    (out / f"{name}.md").write_text("\n".join(lines) + "\n")


def _provenance_notes(results: list[dict], kinds: set[str]) -> list[str]:
    notes = ["Provenance:"]
    for r in results:
        if r["kind"] in kinds:
            p = r.get("provenance", {})
            keys = ("implementation", "resolution", "frames", "fps", "num_videos", "seeds", "backbones")
            notes.append(f"- {r['system']} ({r['kind']}): " + "; ".join(f"{k}={p[k]}" for k in keys if k in p))
    return notes


def _chart(out: Path, name: str, title: str, cols: list[str], rows: dict[str, dict[str, float]]) -> list[str]:
    """Grouped bar chart → ``name.html`` (+ ``name.png`` when kaleido can reach a Chromium). Returns files written."""
    import plotly.graph_objects as go

    fig = go.Figure([go.Bar(name=s, x=cols, y=[row.get(c) for c in cols]) for s, row in rows.items()])
    fig.update_layout(title=title, barmode="group", template="plotly_white")
    fig.write_html(out / f"{name}.html", include_plotlyjs=True)
    written = [f"{name}.html"]
    try:
        fig.write_image(out / f"{name}.png", width=900, height=500)
        written.append(f"{name}.png")
    except Exception as e:  # noqa: BLE001 - PNG is optional (needs kaleido + Chromium)
        (out / f"{name}.png.skipped.txt").write_text(f"PNG export skipped: {type(e).__name__}: {e}\n")
    return written


def make_report(results_dir: str | Path | None, out: str | Path, benchmark: str | Path | None = None,
                charts: bool = True) -> list[Path]:  # fmt: skip
    """Write every table/chart there is data for into ``out``; returns the files written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results = load_results(results_dir) if results_dir else []
    written: list[str] = []
    specs = [("table1_vbench", "Table 1 — VBench++ (higher is better)", {"vbench", "i2v"}, TABLE1_ORDER),
             ("table4_tiktok", "Table 4 — TikTok dance (DisCo protocol)", {"tiktok"}, TABLE4_ORDER)]  # fmt: skip
    for name, title, kinds, order in specs:
        cols, rows = build_table(results, kinds, order)
        if rows:
            _write(out, name, title, cols, rows, _provenance_notes(results, kinds))
            written += [f"{name}.md", f"{name}.csv"]
            if charts:
                written += _chart(out, name, title, cols, rows)
    if benchmark is not None:
        bench = Path(benchmark)
        cols, rows = timing_table(bench)
        prov = json.loads((bench / "provenance.json").read_text()) if (bench / "provenance.json").exists() else {}
        notes = ["Seconds per generated video (generation only; export excluded).", "Provenance:"]
        for s, d in prov.get("systems", {}).items():
            keep = {k: d[k] for k in ("implementation", "height", "width", "num_frames", "num_inference_steps", "fps") if k in d}
            notes.append(f"- {s}: " + "; ".join(f"{k}={v}" for k, v in keep.items()))
        if prov:
            notes.append(f"- device/host: {prov.get('host')}; base seed {prov['config'].get('seed')}; "
                         f"export size {prov['config'].get('export_size')}")  # fmt: skip
        _write(out, "table2_timing", "Table 2 — generation time", cols, rows, notes)
        written += ["table2_timing.md", "table2_timing.csv"]
        if charts:
            written += _chart(out, "table2_timing", "Seconds per video", ["seconds"], rows)
    if not written:
        raise ValueError(f"nothing to report: no result files under {results_dir} and no --benchmark run")
    return [out / w for w in written]
