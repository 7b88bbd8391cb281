"""The paper's claim in miniature (issue 22's measure (b′)): does ReVision-mini's S3 move more than a
one-stage model and break fewer bodies?

    python -m benchmarks.mini_claim --num-clips 100 --out /work/runs/h8/mini_claim.jsonl --num-threads 1

Held-out clips are :func:`revision.synthetic.world.make_clip` of seeds ``--seed-start`` (1,000,000)
onwards (training used seeds 0..3,999); clips without a person are skipped (recorded, not counted)
until ``--num-clips`` clips with a person are done. Per clip every comparator's 8 frames are segmented
by :mod:`benchmarks.part_seg`'s segmenter and scored by :mod:`benchmarks.claim_measures` (articulation
``A_t``, clip motion ``M``, malformation ``m_t``, jerk ratio ``J``). Generation appends one row per
clip to ``--out`` (JSON lines, so a killed run resumes) and the frames to ``<out>.frames/<seed>.npz``;
scoring appends to ``<out>.scores`` (``--rescore`` starts it again, e.g. after a new calibration), so
``--generate-only`` processes and a scoring ``--summary-only`` process can run at the same time.

Comparators (all at S3's settings: 8 frames, 8 steps, 64x64, same seed 0 unless said):

- ``GT`` / ``GT via VAE``: the ground-truth frames, and their VAE round trips (the decoder's floor);
- ``baseline``: the one-stage model — the same video model with the empty condition, ``--baseline-seeds``
  seeds per clip (seed 0 is S3's noise); for the EM comparison each S3 row is paired per clip with the
  baseline seed of the closest clip motion (matched motion);
- ``S3 (S2+PPPM)``: the pipeline — S1 (efficient pass, 4 frames) → S2 on it (input image as frame 1,
  PPPM on) → S3 on S2's part masks; ``S3 (PPPM off)``: S2 with linear resampling instead of PPPM;
- ``S3 (oracle)``: S3 on the ground-truth part masks (what S3 does when S2 is perfect);
- lever 1 ``S3 (S1 all frames)``: as ``S3 (S2+PPPM)`` with S1 generating all 8 frames (4 steps), so S2
  sees the whole clip span it is resampled to; ``S1 (4 frames)`` / ``S1 (8 frames)`` score S1 itself;
- lever 2 ``S3 (oracle, limb-preserving)`` / ``S3 (S2+PPPM, limb-preserving)``: the same conditions
  downsampled to latent size by :func:`revision.render.downsample.downsample_condition` before the video
  model (its own ``resize_condition`` is then an identity).

Malformation is calibrated once (``--calibration``, JSON, computed if missing) on the segmenter's
reading of ``--calib-clips`` training clips with a person and their VAE round trips, to a ≈ 1 % floor;
the floor curve ``p_GT(A)`` in motion quintiles comes from the same frames. The table reports per
comparator DD, M, malformed share, EM with a paired bootstrap 95 % CI over clips, EM − EM(baseline at
matched motion) with its CI, and the jerk score; the last line is the verdict of the issue's rule
(:func:`benchmarks.claim_measures.claim_conditions`), for ``S3 (S2+PPPM)`` (which decides it) and the
other S3 rows.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from benchmarks import claim_measures as cm  # noqa: E402

CLAIM_ROW = "S3 (S2+PPPM)"
S3_ROWS = (CLAIM_ROW, "S3 (oracle)", "S3 (S1 all frames)", "S3 (S2+PPPM, limb-preserving)",
           "S3 (oracle, limb-preserving)")  # fmt: skip
ALL_ROWS = ("GT", "GT via VAE", "baseline", CLAIM_ROW, "S3 (PPPM off)", "S3 (oracle)", "S3 (S1 all frames)",
            "S3 (S2+PPPM, limb-preserving)", "S3 (oracle, limb-preserving)", "S1 (4 frames)", "S1 (8 frames)")  # fmt: skip


# ---------------------------------------------------------------- generation
def generate(video, image, cond: np.ndarray, s, seed: int) -> np.ndarray:
    """``video`` (MotionConditionedSVDPipeline) sample of (F, 2, h, w) condition ``cond`` at settings ``s``
    → (F, H, W, 3) uint8. A condition already at latent size passes the pipeline's resize unchanged."""
    import torch

    out = video(
        image, condition=torch.from_numpy(np.ascontiguousarray(cond, np.float32)).unsqueeze(0),
        height=s.height, width=s.width, num_frames=s.num_frames, num_inference_steps=s.num_inference_steps,
        min_guidance_scale=s.min_guidance_scale, max_guidance_scale=s.max_guidance_scale, fps=s.fps,
        motion_bucket_id=s.motion_bucket_id, noise_aug_strength=s.noise_aug_strength,
        decode_chunk_size=s.decode_chunk_size, generator=torch.Generator("cpu").manual_seed(seed), output_type="np",
    )  # fmt: skip
    return (np.clip(np.asarray(out.frames)[0], 0, 1) * 255).round().astype(np.uint8)


def empty_condition(num_frames: int, h: int, w: int) -> np.ndarray:
    return np.zeros((num_frames, 2, h, w), np.float32)


def s2_stages() -> dict:
    """S2 with PPPM on and off: ``pppm_on`` / ``pppm_off`` callables taking the stage's call arguments."""
    import functools
    import inspect

    from revision.s2 import FullMotionStage

    if "use_pppm" in inspect.signature(FullMotionStage.__call__).parameters:  # S2 options as call arguments
        stage = FullMotionStage.from_defaults()
        return {
            "pppm_on": functools.partial(stage, use_pppm=True),
            "pppm_off": functools.partial(stage, use_pppm=False),
        }
    return {"pppm_on": FullMotionStage.from_defaults(use_pppm=True),  # the earlier API
            "pppm_off": FullMotionStage.from_defaults(use_pppm=False)}  # fmt: skip


def run_s2(stage, coarse_frames: np.ndarray, image, caption: str, strength: float, s3):
    """S2 on a coarse clip (input image as frame 1, as the pipeline does) → (ConditionMaps | None, error)."""
    from revision.pipeline import with_input_frame
    from revision.types import Clip

    try:
        r = stage(with_input_frame(Clip(coarse_frames, fps=float(s3.fps)), image), prompt=caption,
                  motion_strength=strength, sketch=None, num_frames=s3.num_frames, height=s3.height,
                  width=s3.width)  # fmt: skip
        return r.condition, None
    except ValueError as e:  # counted, and S3 runs on the empty condition
        return None, str(e)


LEVER_ROWS = ("S3 (S1 all frames)", "S1 (8 frames)", "S3 (S2+PPPM, limb-preserving)")  # --comparators all
S2_ROWS = (
    CLAIM_ROW,
    "S3 (PPPM off)",
    "S3 (S1 all frames)",
    "S3 (S2+PPPM, limb-preserving)",
)  # the rows S2 feeds


def clip_frames(pipe, stages: dict, clip, k: int, levers: bool = True,
                reuse: dict[str, list[np.ndarray]] | None = None) -> tuple[dict[str, list[np.ndarray]], dict]:  # fmt: skip
    """Every comparator's frames for one clip: name → list of (F, H, W, 3) uint8 samples (without
    ``levers``: not the rows of :data:`LEVER_ROWS`). Rows of ``reuse`` that S2 does not feed (the video
    model's own rows, e.g. another run's frames of the same clip and weights) are taken instead of
    generated; ``info["row_seconds"]`` has each generated row's wall time."""
    from dataclasses import replace

    import PIL.Image

    from benchmarks.mini_eval import vae_roundtrip
    from revision.config import MINI_CONFIG
    from revision.render.downsample import downsample_condition

    s3 = MINI_CONFIG.svd
    s1 = MINI_CONFIG.efficient.apply(s3)
    s1_full = replace(s1, num_frames=s3.num_frames, decode_chunk_size=s3.decode_chunk_size)
    f = pipe.video.vae_scale_factor
    image = PIL.Image.fromarray(clip.frames[0])
    strength = float(clip.motion.motion_strength or 0.5)
    empty = empty_condition(s3.num_frames, s3.height, s3.width)
    reuse = {n: v for n, v in (reuse or {}).items() if n not in S2_ROWS}
    info: dict = {"row_seconds": {}, "reused": sorted(reuse)}
    out: dict[str, list[np.ndarray]] = {}

    def row(name: str, make) -> list[np.ndarray]:
        if name not in reuse:
            t0 = time.perf_counter()
            reuse[name] = make()
            info["row_seconds"][name] = round(time.perf_counter() - t0, 2)
        out[name] = reuse[name]
        return out[name]

    def s3_on(cond_maps, limb: bool = False) -> np.ndarray:
        if cond_maps is None:
            return generate(pipe.video, image, empty, s3, 0)
        if limb:
            cond_maps = downsample_condition(cond_maps, s3.height // f, s3.width // f)
        return generate(pipe.video, image, cond_maps.to_array(), s3, 0)

    row("GT", lambda: [clip.frames])
    row("GT via VAE", lambda: [vae_roundtrip(pipe.video.vae, clip.frames)])
    row("baseline", lambda: [generate(pipe.video, image, empty, s3, seed) for seed in range(k)])
    row("S3 (oracle)", lambda: [s3_on(clip.condition)])
    row("S3 (oracle, limb-preserving)", lambda: [s3_on(clip.condition, limb=True)])
    s1_empty = empty_condition(s1.num_frames, s1.height, s1.width)
    coarse = row("S1 (4 frames)", lambda: [generate(pipe.video, image, s1_empty, s1, 0)])[0]
    runs = [(CLAIM_ROW, coarse, "pppm_on"), ("S3 (PPPM off)", coarse, "pppm_off")]
    if levers:
        s1_full_empty = empty_condition(s1_full.num_frames, s1.height, s1.width)
        coarse_full = row("S1 (8 frames)", lambda: [generate(pipe.video, image, s1_full_empty, s1_full, 0)])[
            0
        ]
        runs.append(("S3 (S1 all frames)", coarse_full, "pppm_on"))
    for name, src, stage in runs:
        t0 = time.perf_counter()
        cond, err = run_s2(stages[stage], src, image, clip.caption, strength, s3)
        info["row_seconds"][f"S2 for {name}"] = round(time.perf_counter() - t0, 2)
        if err:
            info.setdefault("s2_errors", {})[name] = err
        row(name, lambda cond=cond: [s3_on(cond)])
        if name == CLAIM_ROW and levers:
            row("S3 (S2+PPPM, limb-preserving)", lambda cond=cond: [s3_on(cond, limb=True)])
    return out, info


# ---------------------------------------------------------------- scoring
def score(groups: np.ndarray, ranges: dict) -> dict:
    a = cm.articulation(groups)
    return {"A": [None if not np.isfinite(x) else round(float(x), 5) for x in a],
            "m": cm.malformed_frames(groups, ranges).astype(int).tolist(), "J": cm.jerk_ratio(groups)}  # fmt: skip


def score_clip(segmenter, frames: dict[str, list[np.ndarray]], ranges: dict, s1_times: np.ndarray) -> dict:
    from benchmarks import part_seg

    out = {
        name: [score(part_seg.segment(segmenter, x), ranges) for x in samples]
        for name, samples in frames.items()
    }
    out["GT at S1 times"] = [score(part_seg.segment(segmenter, frames["GT"][0][s1_times]), ranges)]
    return out


def calibration(
    path: Path, segmenter, vae, clips: int, seed_start: int = 0, world: str = "default"
) -> tuple[dict, cm.FloorCurve, dict]:
    """Load or compute the malformation ranges and floor curve (training seeds with a person)."""
    if path.exists():
        d = json.loads(path.read_text())
        return {k: tuple(v) for k, v in d["ranges"].items()}, cm.FloorCurve(**{k: tuple(v) if k != "overall" else v
                                                                                for k, v in d["floor"].items()}), d["info"]  # fmt: skip
    from benchmarks import part_seg
    from benchmarks.mini_eval import vae_roundtrip
    from revision.synthetic.world import make_clip, world_preset

    groups = []
    wcfg = world_preset(world, size=64, num_frames=8)
    for s in range(seed_start, seed_start + clips):
        clip = make_clip(s, wcfg)
        if (clip.condition.part_ids[0] == 2).sum() < cm.MIN_AREA:
            continue
        groups.append(part_seg.segment(segmenter, clip.frames))
        groups.append(part_seg.segment(segmenter, vae_roundtrip(vae, clip.frames)))
    ranges, floor, info = cm.calibrate(groups)
    info["clips"] = len(groups) // 2
    info["seeds"] = [seed_start, seed_start + clips - 1]
    info["world"] = world
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"ranges": ranges, "floor": floor.__dict__, "info": info}, indent=1))
    return ranges, floor, info


def _per_sample(d: dict, floor: cm.FloorCurve, j_gt: float) -> tuple[float, float, float, float]:
    a = np.array([np.nan if x is None else x for x in d["A"]], np.float64)
    m = np.asarray(d["m"], np.float64)
    return (
        cm.clip_motion(a),
        float(m.mean()),
        cm.excess_malformation(m, a, floor),
        cm.jerk_score(d["J"], j_gt),
    )


def summarize(rows: list[dict], floor: cm.FloorCurve) -> tuple[dict, dict, str]:
    """Per-comparator table and the conditions of the rule; returns (table, conditions, verdict line)."""
    rows = [r for r in rows if r.get("person")]
    names = [n for n in ALL_ROWS if all(n in r["scores"] for r in rows)]
    per: dict[str, dict[str, np.ndarray]] = {}  # name → key → (clips, samples)
    for name in names:
        vals = []
        for r in rows:
            key = "GT at S1 times" if name == "S1 (4 frames)" else "GT"
            j_gt = r["scores"][key][0]["J"]
            vals.append([_per_sample(d, floor, j_gt) for d in r["scores"][name]])
        arr = np.array(vals, np.float64)  # (clips, samples, 4)
        per[name] = {"M": arr[..., 0], "mal": arr[..., 1], "EM": arr[..., 2], "jerk": arr[..., 3]}
    gt_m = per["GT"]["M"][:, 0]
    q25 = float(np.nanquantile(gt_m, 0.25))
    base = per["baseline"]
    table, summaries = {}, {}
    for name in names:
        p = per[name]
        em_clip = np.nanmean(p["EM"], 1)
        row = {"n": int(np.isfinite(p["M"][:, 0]).sum()), "DD": cm.dynamic_degree(p["M"].ravel(), q25),
               "M": float(np.nanmean(p["M"])), "malformed": float(np.nanmean(p["mal"])), "EM": float(np.nanmean(em_clip)),
               "EM_ci": cm.bootstrap_ci(em_clip), "jerk": float(np.nanmean(p["jerk"]))}  # fmt: skip
        if name != "baseline":
            k = [cm.matched_index(m, b) for m, b in zip(p["M"][:, 0], base["M"], strict=True)]
            diff = p["EM"][:, 0] - base["EM"][np.arange(len(k)), k]
            row["EM_vs_base"] = float(np.nanmean(diff))
            row["EM_vs_base_ci"] = cm.bootstrap_ci(diff)
            row["M_base_matched"] = float(np.nanmean(base["M"][np.arange(len(k)), k]))
        table[name] = row
        summaries[name] = cm.Summary(row["DD"], row["M"], row["EM"], row["jerk"])
    gt_motion = table["GT"]["M"]
    conditions = {}
    for name in S3_ROWS:
        if name in table:
            off = summaries.get("S3 (PPPM off)") if name == CLAIM_ROW else None
            conditions[name] = cm.claim_conditions(summaries[name], summaries["baseline"], gt_motion,
                                                   table[name]["EM_vs_base_ci"], off)  # fmt: skip
    table["_gt_q25"] = q25
    return table, conditions, cm.verdict(conditions, CLAIM_ROW)


def format_table(table: dict, conditions: dict, clips: int) -> str:
    def ci(c):
        return f"[{c[0]:+.3f}, {c[1]:+.3f}]"

    gt_m = table["GT"]["M"]
    lines = [f"{clips} held-out clips with a person; DD threshold (GT motion 25th percentile) = {table['_gt_q25']:.3f}",
             "| comparator | n | DD | M (× GT) | malformed | EM [95 % CI] | EM − baseline, matched motion [95 % CI] | "
             "jerk score | rule |", "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, r in table.items():
        if name.startswith("_"):
            continue
        vs = f"{r['EM_vs_base']:+.3f} {ci(r['EM_vs_base_ci'])}" if "EM_vs_base" in r else "–"
        rule = ", ".join(f"{k} {'ok' if v else 'FAIL'}" for k, v in conditions.get(name, {}).items()) or "–"
        lines.append(f"| {name} | {r['n']} | {r['DD']:.2f} | {r['M']:.3f} ({r['M'] / gt_m:.2f}) | {r['malformed']:.3f} | "
                     f"{r['EM']:+.3f} {ci(r['EM_ci'])} | {vs} | {r['jerk']:.3f} | {rule} |")  # fmt: skip
    return "\n".join(lines)


def frontier_plot(table: dict, path: str, title: str = "held-out clips") -> None:
    """Motion vs excess malformation for every comparator (plotly → PNG via kaleido)."""
    try:
        import plotly.graph_objects as go
        from plotly.colors import qualitative
    except ImportError as e:
        raise SystemExit("the frontier plot needs plotly and kaleido: pip install plotly kaleido") from e
    fig = go.Figure()
    names = [n for n in table if not n.startswith("_")]
    for i, n in enumerate(names):  # one trace per comparator: a legend, no overlapping labels
        r = table[n]
        fig.add_trace(go.Scatter(x=[r["M"]], y=[r["EM"]], mode="markers", name=n,
                                 marker={"size": 11, "color": qualitative.Dark24[i % 24]},
                                 error_y={"type": "data", "symmetric": False, "array": [r["EM_ci"][1] - r["EM"]],
                                          "arrayminus": [r["EM"] - r["EM_ci"][0]]}))  # fmt: skip
    fig.update_layout(title=f"ReVision-mini: motion vs excess malformation ({title})", width=900, height=600,
                      xaxis_title="clip motion M (articulation / torso length)",
                      yaxis_title="excess malformation EM (95 % CI)", template="plotly_white")  # fmt: skip
    fig.write_image(path)


def condition_stats(
    seeds: range, latent: int = 16, size: int = 64, world: str = "default"
) -> dict[str, dict[str, float]]:
    """How the ground-truth condition's arms and head survive the trip to latent size, nearest sampling
    (the pipeline's ``resize_condition``) vs :func:`revision.render.downsample.downsample_part_ids`:
    share of frames where a part present in pixels (≥ 3 px) has no cell (``dropped``), and the
    :func:`~revision.render.downsample.blink_rate` of its cell count (``blink``), over person clips."""
    from benchmarks.part_seg import group_ids
    from revision.render.downsample import blink_rate, downsample_part_ids, nearest_part_ids
    from revision.synthetic.world import make_clip, world_preset

    acc: dict[str, dict[str, list[float]]] = {}
    wcfg = world_preset(world, size=size, num_frames=8)
    for seed in seeds:
        ids = make_clip(seed, wcfg).condition.part_ids
        if (ids[0] == 2).sum() < cm.MIN_AREA:
            continue
        full = group_ids(ids)
        for method, small in (("nearest", nearest_part_ids(ids, latent, latent)),
                              ("limb-preserving", downsample_part_ids(ids, latent, latent))):  # fmt: skip
            small = group_ids(small)
            for g, name in ((1, "head"), (3, "left_arm"), (4, "right_arm")):
                area = (full == g).reshape(len(full), -1).sum(1)
                cells = (small == g).reshape(len(small), -1).sum(1)
                present = area >= cm.MIN_AREA
                if not present.any():
                    continue
                d = acc.setdefault(f"{method} {name}", {"dropped": [], "blink": [], "cells": []})
                d["dropped"].extend((cells[present] == 0).astype(float))
                d["blink"].append(blink_rate(cells, area))
                d["cells"].extend(cells[present].astype(float))
    return {k: {m: round(float(np.mean(v)), 4) for m, v in d.items()} for k, d in acc.items()}


def _load_frames(path: Path) -> dict[str, list[np.ndarray]]:
    with np.load(path) as z:
        return {n: [z[f"{n}|{i}"] for i in range(int(z[f"{n}|n"]))] for n in ALL_ROWS if f"{n}|n" in z}


def _scores_path(out: Path) -> Path:
    return Path(str(out) + ".scores")


def _read_rows(out: Path) -> dict[int, dict]:
    """Rows of ``out`` by seed, with the scores of ``<out>.scores`` (JSON lines, the latest per seed) merged
    in. Generation appends to ``out`` and scoring to ``<out>.scores``, so both can run at once."""
    done: dict[int, dict] = {}
    for path in (out, _scores_path(out)):
        if path.exists():
            for line in path.read_text().splitlines():
                if line.strip():
                    r = json.loads(line)
                    if path == out or r["seed"] in done:
                        done[r["seed"]] = {**done.get(r["seed"], {}), **r}
    return done


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 2)[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--num-clips", type=int, default=100, help="held-out clips with a person")
    p.add_argument(
        "--seed-start", type=int, default=1_000_000, help="first held-out seed (training: 0..3999)"
    )
    p.add_argument("--weights", help="video model folder (default: the embedded ReVision-mini)")
    p.add_argument(
        "--out", default="/work/runs/mini_claim.jsonl", help="per-clip scores (JSON lines; resumable)"
    )
    p.add_argument(
        "--segmenter",
        default="/work/runs/part_seg.safetensors",
        help="body-part segmenter (benchmarks/part_seg.py; trained there if missing)",
    )
    p.add_argument("--calibration", help="malformation calibration JSON (default: next to --segmenter)")
    p.add_argument(
        "--calib-clips", type=int, default=200, help="training seeds 0..N-1 used for the calibration"
    )
    p.add_argument("--baseline-seeds", type=int, default=2, help="K: one-stage samples per clip")
    p.add_argument(
        "--shard",
        default="0/1",
        help="i/n: this process generates every n-th seed from the i-th "
        "(run n processes on one --out; each stops after its share of --num-clips)",
    )
    p.add_argument(
        "--comparators",
        choices=("core", "all"),
        default="all",
        help="core: without the lever-1 rows and S2+PPPM with limb-preserving downsampling",
    )
    p.add_argument(
        "--reuse",
        metavar="FRAMES_DIR",
        help="take the rows S2 does not feed from <FRAMES_DIR>/<seed>.npz "
        "where it exists (an earlier run of the same weights: regenerate only the S2 rows)",
    )
    p.add_argument(
        "--generate-only",
        action="store_true",
        help="generate and cache the frames, score later (no segmenter needed)",
    )
    p.add_argument("--plot", help="write the frontier plot (motion vs EM) to this PNG")
    p.add_argument("--summary-only", action="store_true", help="only score / summarise the clips in --out")
    p.add_argument("--rescore", action="store_true", help="score every cached clip again (new calibration)")
    p.add_argument(
        "--condition-stats",
        type=int,
        metavar="N",
        help="only print how arms and head of N held-out GT conditions survive latent-size "
        "downsampling (nearest vs limb-preserving), then exit",
    )
    p.add_argument(
        "--same-clips-as",
        metavar="OUT",
        help="summarise only the clips that another run's --out has scored too (paired comparison)",
    )
    p.add_argument(
        "--world",
        default="default",
        help="synthetic world preset of the held-out and calibration clips "
        "(revision.synthetic.world.PRESETS: default | resolvable)",
    )
    p.add_argument("--num-threads", type=int, default=None)
    args = p.parse_args(argv)
    if args.condition_stats:
        seeds = range(args.seed_start, args.seed_start + args.condition_stats)
        for k, v in condition_stats(seeds, world=args.world).items():
            print(f"{k}: {v}")
        return 0
    shard, nshards = (int(x) for x in args.shard.split("/"))
    if args.num_clips < 1 or args.baseline_seeds < 1 or not 0 <= shard < nshards:
        print(
            "error: --num-clips and --baseline-seeds must be >= 1, --shard i/n with 0 <= i < n",
            file=sys.stderr,
        )
        return 2
    import torch
    from tqdm import tqdm

    from benchmarks import part_seg
    from revision.config import MINI_CONFIG
    from revision.pipeline import ReVisionPipeline
    from revision.synthetic.world import make_clip, world_preset

    if args.num_threads:
        torch.set_num_threads(args.num_threads)
    out = Path(args.out)
    frames_dir = Path(str(out) + ".frames")
    out.parent.mkdir(parents=True, exist_ok=True)
    frames_dir.mkdir(parents=True, exist_ok=True)
    done = _read_rows(out)
    pipe = ReVisionPipeline.from_pretrained(args.weights, motion_stage=None, config=MINI_CONFIG)
    s3 = MINI_CONFIG.svd
    if not args.summary_only:
        stages = s2_stages()
        wcfg = world_preset(args.world, size=s3.width, num_frames=s3.num_frames)
        mine = [r for s, r in done.items() if (s - args.seed_start) % nshards == shard and r.get("person")]
        target = -(-args.num_clips // nshards)
        bar = tqdm(
            total=target, initial=min(len(mine), target), desc=f"held-out clips with a person ({args.shard})"
        )
        seed, count = args.seed_start + shard, len(mine)
        while count < target:
            if seed not in done:
                t0 = time.perf_counter()
                clip = make_clip(seed, wcfg)
                row: dict = {"seed": seed, "caption": clip.caption,
                             "person": bool((clip.condition.part_ids[0] == 2).sum() >= cm.MIN_AREA)}  # fmt: skip
                if row["person"]:
                    old = Path(args.reuse or "-") / f"{seed}.npz"
                    frames, info = clip_frames(pipe, stages, clip, args.baseline_seeds, args.comparators == "all",
                                               _load_frames(old) if args.reuse and old.exists() else None)  # fmt: skip
                    np.savez_compressed(frames_dir / f"{seed}.npz",
                                        **{f"{n}|{i}": x for n, xs in frames.items() for i, x in enumerate(xs)},
                                        **{f"{n}|n": np.array(len(xs)) for n, xs in frames.items()})  # fmt: skip
                    row.update(info)
                    count += 1
                    bar.update(1)
                row["seconds"] = round(time.perf_counter() - t0, 2)
                with out.open("a") as fh:
                    fh.write(json.dumps(row) + "\n")
                done[seed] = row
            seed += nshards
        bar.close()
        if args.generate_only:
            return 0
    if not Path(args.segmenter).exists():
        print(f"training the part segmenter ({args.segmenter}) ...", file=sys.stderr)
        seg_cfg = part_seg.SegTrainConfig(world=args.world)
        part_seg.save(part_seg.train(seg_cfg, pipe.video.vae), args.segmenter, seg_cfg)
    segmenter = part_seg.load(args.segmenter)
    cal_path = Path(args.calibration or Path(args.segmenter).with_suffix(".calibration.json"))
    ranges, floor, cal_info = calibration(
        cal_path, segmenter, pipe.video.vae, args.calib_clips, world=args.world
    )
    if cal_info.get("world", "default") != args.world:
        print(f"error: the calibration {cal_path} is of the world {cal_info.get('world', 'default')!r}, "
              f"not --world {args.world!r}", file=sys.stderr)  # fmt: skip
        return 2
    print(f"malformation calibration ({cal_path}): {cal_info}; floor p_GT(A) by quintile "
          f"{tuple(round(r, 4) for r in floor.rates)} (edges {tuple(round(e, 3) for e in floor.edges)})")  # fmt: skip
    s1_times = (
        np.linspace(0, s3.num_frames - 1, MINI_CONFIG.efficient.apply(s3).num_frames).round().astype(int)
    )
    done = _read_rows(out)  # other shards may have added clips
    todo = [r for r in done.values() if r.get("person") and (args.rescore or "scores" not in r)]
    if args.rescore:  # the old scores were made under another calibration: start the file again
        _scores_path(out).unlink(missing_ok=True)
    for r in tqdm(todo, desc="scoring"):
        r["scores"] = score_clip(segmenter, _load_frames(frames_dir / f"{r['seed']}.npz"), ranges, s1_times)
        with _scores_path(out).open("a") as fh:
            fh.write(
                json.dumps({"seed": r["seed"], "calibration": str(cal_path), "scores": r["scores"]}) + "\n"
            )
    rows = [r for r in done.values() if r.get("person") and "scores" in r]
    if args.same_clips_as:  # a paired comparison of two runs (e.g. two weights) on the clips both finished
        other = {
            s for s, r in _read_rows(Path(args.same_clips_as)).items() if r.get("person") and "scores" in r
        }
        rows = [r for r in rows if r["seed"] in other]
    if not rows:
        print("no finished clips with a person", file=sys.stderr)
        return 1
    table, conditions, line = summarize(rows, floor)
    print(format_table(table, conditions, len(rows)))
    if args.plot:
        frontier_plot(table, args.plot, f"{len(rows)} held-out clips, weights: {args.weights or 'embedded'}")
        print(f"wrote {args.plot}")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
