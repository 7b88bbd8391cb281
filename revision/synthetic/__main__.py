"""Write synthetic training shards: ``python -m revision.synthetic --out DIR --num-clips N``.

Clip ``i`` is :func:`revision.synthetic.world.make_clip` of seed ``seed_start + i``, written as
``DIR/syn<seed>.npz`` in the shard format of the annotation CLI (:mod:`revision.shards`). Existing
shards are skipped, so a killed run resumes where it stopped. Seeds are the held-out split: train on
``--seed-start 0`` and evaluate on a disjoint range (``benchmarks/mini_eval.py`` uses 1,000,000+).
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def _build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m revision.synthetic", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="output folder of shards")
    p.add_argument("--num-clips", type=int, required=True, help="number of clips to write")
    p.add_argument("--seed-start", type=int, default=0, help="seed of the first clip (clip i has seed start+i)")
    p.add_argument("--preset", default="default",
                   help="named world of revision.synthetic.world.PRESETS: default | resolvable")  # fmt: skip
    p.add_argument("--size", type=int, default=64, help="frame side in pixels (default 64)")
    p.add_argument("--num-frames", type=int, default=8, help="frames per clip (default 8)")
    p.add_argument("--fps", type=float, default=7.0, help="frame rate of the motions (default 7)")
    p.add_argument("--workers", type=int, default=1, help="parallel processes (default 1)")
    p.add_argument("--first-frames", action="store_true",
                   help="also write each clip's first frame as <clip_id>.png (an input for `python -m revision generate`)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _one(args: tuple[int, str, dict, bool]) -> str:
    from revision.shards import write_shard
    from revision.synthetic.world import make_clip, world_preset

    seed, out, cfg, first_frame = args
    clip = make_clip(seed, world_preset(**cfg))
    if first_frame:
        import PIL.Image

        PIL.Image.fromarray(clip.frames[0]).save(Path(out) / f"{clip.clip_id}.png")
    return str(write_shard(out, clip))


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    if args.num_clips < 1 or args.size < 16 or args.size % 8 or args.num_frames < 2 or args.workers < 1:
        print("error: need --num-clips >= 1, --size a multiple of 8 (>= 16), --num-frames >= 2, --workers >= 1",
              file=sys.stderr)  # fmt: skip
        return 2
    from tqdm import tqdm

    from revision.shards import shard_path
    from revision.synthetic.world import PRESETS

    if args.preset not in PRESETS:
        print(f"error: unknown --preset {args.preset!r}; choose from {sorted(PRESETS)}", file=sys.stderr)
        return 2

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = {"name": args.preset, "size": args.size, "num_frames": args.num_frames, "fps": args.fps}
    todo = [s for s in range(args.seed_start, args.seed_start + args.num_clips)
            if not shard_path(out, f"syn{s:08d}").exists()]  # fmt: skip
    jobs = [(s, str(out), cfg, args.first_frames) for s in todo]
    bar = tqdm(total=args.num_clips, initial=args.num_clips - len(todo), disable=args.quiet, desc="synthetic clips")
    if args.workers == 1:
        for job in jobs:
            _one(job)
            bar.update()
    else:
        with ProcessPoolExecutor(args.workers) as ex:
            for _ in ex.map(_one, jobs, chunksize=4):
                bar.update()
    bar.close()
    print(f"{args.num_clips} clips in {out} ({len(todo)} new)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
