"""Guided S3 vs unguided S3 on held-out world clips, with the ground-truth clip as the reference.

    python -m benchmarks.guided_bench [--num-clips 50] [--out runs/guided_bench.jsonl] [--segmenter PATH]

For each held-out clip of the procedural world (seeds from 1,000,000 on; the mini was trained on
0..3999) the embedded ReVision-mini generates S3 from the clip's first frame twice with the same seed:

- ``plain``: the unguided sampler (no condition, no reference): what stock weights do today;
- ``guided``: dual-clock denoising (:mod:`revision.video_model.guided`, default
  :class:`GuidanceConfig` unless overridden) with the ground-truth clip as the reference and its
  *moved-region mask*: pixels whose ground-truth part id differs from frame 0's, dilated by
  ``--dilate-px`` pixels (frame 0 is empty by construction).

``--systems`` also takes ``conditioned`` (GT part-mask condition, no reference: the paper's S3) and
``guided_conditioned`` (both). Measures, on frames 2..F against the ground-truth clip:

- ``masked_psnr``: PSNR over the moved-region pixels (the region the reference drives), dB;
- ``psnr``: PSNR over whole frames, dB;
- ``fg_iou``: foreground IoU against the ground-truth masks (foreground = pixels differing from the
  clip's rendered background plate by > ``--fg-threshold``; ``benchmarks.mini_eval.foreground``);
- ``part_iou`` (with ``--segmenter``, a ``benchmarks.part_seg`` model; clips with a person only):
  mean IoU of the six person part groups present in the ground truth, the generated frames read by
  the segmenter, the ground truth from its own part ids.

Controls: ``vae_masked_psnr``, the ground truth passed through the mini's VAE (the best the
decoder can show); ``gt_part_iou``, the ground-truth frames read by the segmenter (its own ceiling). Per-clip rows are appended to ``--out`` (JSON lines, resumable); the summary
(means over clips with a non-empty mask) is printed as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

SYSTEMS = ("plain", "guided", "conditioned", "guided_conditioned")


def moved_mask(part_ids: np.ndarray, dilate_px: int) -> np.ndarray:
    """(F, H, W) part ids → (F, H, W) bool: pixels whose part id differs from frame 0's, dilated."""
    from scipy.ndimage import binary_dilation

    moved = part_ids != part_ids[:1]
    if dilate_px > 0:
        st = np.ones((2 * dilate_px + 1,) * 2, bool)
        moved = np.stack([binary_dilation(m, structure=st) for m in moved])
    return moved


def psnr(a: np.ndarray, b: np.ndarray, where: np.ndarray | None = None) -> float:
    """PSNR (dB) of uint8 images ``a`` vs ``b`` over the pixels where ``where`` (broadcast) is set."""
    d = (a.astype(np.float64) - b.astype(np.float64)) ** 2
    if where is not None:
        d = d[np.broadcast_to(where[..., None], d.shape)]
    if d.size == 0:
        return float("nan")
    mse = float(d.mean())
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def part_iou(groups: np.ndarray, gt_groups: np.ndarray) -> float:
    """Mean over person groups (1..6) present in ``gt_groups`` of the IoU over all frames; NaN if none."""
    out = []
    for g in range(1, 7):
        gt = gt_groups == g
        if gt.sum() == 0:
            continue
        out.append(float((gt & (groups == g)).sum() / (gt | (groups == g)).sum()))
    return float(np.mean(out)) if out else float("nan")


def summarise(rows: list[dict], systems: list[str]) -> dict:
    def mean(key: str) -> float:
        v = [r[key] for r in rows if key in r and np.isfinite(r[key])]
        return round(float(np.mean(v)), 4) if v else float("nan")

    out: dict = {"clips": len(rows), "clips_with_mask": sum(r["mask_fraction"] > 0 for r in rows)}
    for key in ("masked_psnr", "psnr", "fg_iou", "part_iou"):
        out[key] = {s: mean(f"{s}_{key}") for s in systems}
    out["vae_masked_psnr"] = mean("vae_masked_psnr")
    out["gt_part_iou"] = mean("gt_part_iou")
    out["mask_fraction"] = mean("mask_fraction")
    s = [r for r in rows if r["mask_fraction"] > 0 and "guided_masked_psnr" in r and "plain_masked_psnr" in r]
    out["guided_closer_in_mask"] = f"{sum(r['guided_masked_psnr'] > r['plain_masked_psnr'] for r in s)}/{len(s)}"
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 2)[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--num-clips", type=int, default=50)
    p.add_argument("--seed-start", type=int, default=1_000_000, help="first held-out seed (training: 0..3999)")
    p.add_argument("--weights", help="video model folder (default: the embedded ReVision-mini)")
    p.add_argument("--systems", default="plain,guided", help=f"comma list of {', '.join(SYSTEMS)}")
    p.add_argument("--out", default="runs/guided_bench.jsonl", help="per-clip results (JSON lines; resumable)")
    p.add_argument("--dilate-px", type=int, default=2, help="dilation of the moved-region mask, pixels")
    p.add_argument("--start", type=float, default=None, help="GuidanceConfig.start (default: its default)")
    p.add_argument("--mask-end", type=float, default=None, help="GuidanceConfig.mask_end")
    p.add_argument("--dilation-cells", type=int, default=None, help="GuidanceConfig.dilation_cells")
    p.add_argument("--fg-threshold", type=float, default=0.2)
    p.add_argument("--segmenter", default=None, help="benchmarks.part_seg model for part_iou (optional)")
    p.add_argument("--num-threads", type=int, default=None)
    args = p.parse_args(argv)
    systems = args.systems.split(",")
    if not set(systems) <= set(SYSTEMS) or args.num_clips < 1:
        print(f"error: --systems is a comma list of {', '.join(SYSTEMS)}; --num-clips >= 1", file=sys.stderr)
        return 2
    import dataclasses

    import torch
    from tqdm import tqdm

    from benchmarks.mini_eval import foreground, iou, vae_roundtrip
    from revision.config import MINI_CONFIG
    from revision.synthetic.world import WorldConfig, make_clip
    from revision.video_model import GuidanceConfig, load_motion_svd

    if args.num_threads:
        torch.set_num_threads(args.num_threads)
    overrides = {k: v for k, v in (("start", args.start), ("mask_end", args.mask_end),
                                   ("dilation_cells", args.dilation_cells)) if v is not None}  # fmt: skip
    guidance = GuidanceConfig(**overrides)
    pipe, resolved = load_motion_svd(args.weights)
    pipe.set_progress_bar_config(disable=True)
    segmenter = None
    if args.segmenter:
        from benchmarks import part_seg

        segmenter = part_seg.load(args.segmenter)
    s = MINI_CONFIG.svd
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = {json.loads(x)["seed"]: json.loads(x) for x in out.read_text().splitlines()} if out.exists() else {}
    wcfg = WorldConfig(size=s.width, num_frames=s.num_frames)
    seeds = range(args.seed_start, args.seed_start + args.num_clips)
    print(f"weights: {resolved.describe()}; guidance: {dataclasses.asdict(guidance)}", file=sys.stderr)
    for seed in tqdm([x for x in seeds if x not in done], desc="held-out clips"):
        t0 = time.perf_counter()
        clip = make_clip(seed, wcfg)
        plate = make_clip(seed, wcfg, empty_scene=True).frames[:1]
        moved = moved_mask(clip.condition.part_ids, args.dilate_px)
        gt_fg = clip.condition.part_ids > 0
        row: dict = {"seed": seed, "caption": clip.caption, "mask_fraction": float(moved[1:].mean()),
                     "vae_masked_psnr": psnr(vae_roundtrip(pipe.vae, clip.frames)[1:], clip.frames[1:], moved[1:])}  # fmt: skip
        gt_groups = None
        if segmenter is not None and int((clip.condition.part_ids[0] == 2).sum()) >= 3:
            from benchmarks import part_seg

            gt_groups = part_seg.group_ids(clip.condition.part_ids)[1:]
            row["gt_part_iou"] = part_iou(part_seg.segment(segmenter, clip.frames)[1:], gt_groups)  # ceiling
        cond = torch.from_numpy(clip.condition.to_array()).unsqueeze(0)
        for name in systems:
            kw: dict = {}
            if name in ("conditioned", "guided_conditioned"):
                kw["condition"] = cond
            if name in ("guided", "guided_conditioned"):
                kw.update(reference=clip.frames, reference_mask=moved, guidance=guidance)
            frames = pipe(
                clip.frames[0], height=s.height, width=s.width, num_frames=s.num_frames,
                num_inference_steps=s.num_inference_steps, min_guidance_scale=s.min_guidance_scale,
                max_guidance_scale=s.max_guidance_scale, fps=s.fps, motion_bucket_id=s.motion_bucket_id,
                noise_aug_strength=s.noise_aug_strength, decode_chunk_size=s.decode_chunk_size,
                generator=torch.Generator().manual_seed(0), output_type="np", **kw,
            ).frames[0]  # fmt: skip
            gen = (np.clip(frames, 0, 1) * 255).round().astype(np.uint8)
            row[f"{name}_masked_psnr"] = psnr(gen[1:], clip.frames[1:], moved[1:])
            row[f"{name}_psnr"] = psnr(gen[1:], clip.frames[1:])
            row[f"{name}_fg_iou"] = iou(foreground(gen, plate, args.fg_threshold)[1:], gt_fg[1:])
            if gt_groups is not None:
                row[f"{name}_part_iou"] = part_iou(part_seg.segment(segmenter, gen)[1:], gt_groups)
        row["seconds"] = round(time.perf_counter() - t0, 2)
        with out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        done[seed] = row
    rows = [done[x] for x in seeds if x in done]
    print(json.dumps({"guidance": dataclasses.asdict(guidance), **summarise(rows, systems)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
