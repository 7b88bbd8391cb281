"""PPPM benchmark: refine latency (32 frames × 2 tracks, CPU) and denoising factors of a checkpoint.

    python benchmarks/pppm_bench.py                     # embedded pppm_mini (or REVISION_PPPM_WEIGHTS)
    python benchmarks/pppm_bench.py --weights DIR --clips 64 --threads 1

Prints the refine latency (median of ``--repeats`` calls; text passed as a precomputed embedding, plus
the one-off text-encoding time) and, on held-out procedural clips (32 frames, seed 10000), the
parameter-L2 error of the perturbed input, the best temporal low-pass filter and the PPPM; then how
much faster the refined / extrapolated motion is at motion strength 0.7 than at 0.3.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", help="PPPM checkpoint folder (default: env / embedded)")
    p.add_argument("--clips", type=int, default=48, help="held-out clips for the denoising table")
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    p.add_argument("--skip-text", action="store_true", help="do not time the text encoder")
    args = p.parse_args(argv)

    import numpy as np
    import torch
    from tqdm.auto import tqdm

    from revision.pppm.checkpoint import load_pppm
    from revision.pppm.evaluate import denoising_benchmark, format_results
    from revision.pppm.refine import refine
    from revision.pppm.text import load_text_encoder
    from revision.synthetic.motions import random_motion_sequence
    from revision.training.pppm_data import ProceduralMotionDataset

    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        model = load_pppm(args.weights)
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    cfg = model.config
    print(f"PPPM: {getattr(model, 'source', args.weights)}; {model.num_parameters()} parameters; torch threads {torch.get_num_threads()}")

    # 1. latency
    motion, caption = random_motion_sequence(32, np.random.default_rng(0), num_tracks=2, kinds=("smplx", "object"))
    emb = torch.zeros(cfg.text_dim)
    if not args.skip_text:
        enc = load_text_encoder(cfg.text_encoder)
        t0 = time.perf_counter()
        emb = enc.encode([caption])[0]
        print(f"text encoding ({cfg.text_encoder}, first call): {1000 * (time.perf_counter() - t0):.1f} ms")
    for _ in range(3):
        refine(model, motion, emb, 0.5)
    times = []
    for _ in tqdm(range(args.repeats), desc="refine latency"):
        t0 = time.perf_counter()
        refine(model, motion, emb, 0.5)
        times.append(1000 * (time.perf_counter() - t0))
    print(f"refine latency, 32 frames x 2 tracks (smplx + object): median {statistics.median(times):.1f} ms, "
          f"min {min(times):.1f} ms over {args.repeats} calls")  # fmt: skip

    # 2. denoising
    rng = np.random.default_rng(10_000)
    ds = ProceduralMotionDataset(32, 32, 2, seed=10_000)
    samples = [ds.sample(rng) for _ in range(args.clips)]
    text = load_text_encoder(cfg.text_encoder).encode([s.caption for s in samples]) if not args.skip_text else torch.zeros(len(samples), cfg.text_dim)
    res = denoising_benchmark(model, samples, text)
    print(f"denoising on {args.clips} held-out procedural clips (parameter L2, lower is better), the network alone:")
    print(format_results(res))
    for mode, what in (("stutter", "refine(repair='stutter')"), ("stutter+order", "refine()'s default")):
        res = denoising_benchmark(model, samples, text, repair=mode)
        print(f"the same with the temporal repair {mode!r} before the network (revision.pppm.repair; {what}):")
        print(format_results(res))

    # 3. motion strength: the same input refined at 0.3 and 0.7 (App. C: 0.3 direct, 0.7 more dynamic)
    print(strength_effect(model, args.clips, args.skip_text))
    return 0


def strength_effect(model, clips: int, skip_text: bool) -> str:
    """Extrapolate held-out 16-frame single-track clips to 32 frames at strength 0.3 and 0.7; compare the
    speed (mean per-frame feature-velocity norm) of the 16 generated frames, and of plain refinement."""
    import numpy as np
    import torch

    from revision.pppm.refine import refine
    from revision.pppm.representation import KIND_DIM, encode_track
    from revision.pppm.text import load_text_encoder
    from revision.synthetic.motions import random_motion_sequence

    def speed(motion, start: int) -> float:
        v = []
        for t in motion.tracks:
            f = encode_track(t).features[start:, : KIND_DIM[t.kind]]
            v.append(float((f[1:] - f[:-1]).norm(dim=-1).mean()))
        return sum(v) / len(v)

    rng = np.random.default_rng(20_000)
    enc = None if skip_text else load_text_encoder(model.config.text_encoder)
    rows = {"extrapolated frames 16-31": [], "refined 16 frames": []}
    for _ in range(clips):
        motion, caption = random_motion_sequence(16, rng, num_tracks=1, kinds=("smplx", "object"))
        emb = torch.zeros(model.config.text_dim) if enc is None else enc.encode([caption])[0]
        ext = {s: refine(model, motion, emb, s, num_frames_out=32, mode="extrapolate") for s in (0.3, 0.7)}
        ref = {s: refine(model, motion, emb, s) for s in (0.3, 0.7)}
        rows["extrapolated frames 16-31"].append((speed(ext[0.3], 15), speed(ext[0.7], 15)))
        rows["refined 16 frames"].append((speed(ref[0.3], 0), speed(ref[0.7], 0)))
    out = [f"motion strength 0.3 vs 0.7 on {clips} held-out clips (speed = mean per-frame feature-velocity norm):",
           "| output | speed @0.3 | speed @0.7 | ratio | clips faster @0.7 |", "|---|---|---|---|---|"]
    for name, pairs in rows.items():
        a, b = np.array(pairs).T
        out.append(f"| {name} | {a.mean():.4f} | {b.mean():.4f} | {b.mean() / max(a.mean(), 1e-12):.2f} | "
                   f"{int((b > a).sum())}/{len(a)} |")
    return "\n".join(out)


if __name__ == "__main__":
    raise SystemExit(main())
