"""Train the PPPM motion refiner (paper Sec. 4.2): ``python -m revision.training.train_pppm --help``.

Clean clips (procedural motions, annotation shards or HumanML3D-style ``.npy``) are perturbed on the
fly — small noise, a shuffled segment, a dropped segment with the rest repeated, missing frames — and
the model learns to predict the clean motion (per-frame L2 norm of the error on features + a velocity term). Built on
``accelerate``: one CPU process here, ``accelerate launch`` for many GPUs with no change. Writes

- ``OUT/checkpoints/step-XXXXXXX/`` — full training state (``accelerate`` safetensors + optimizer) and a
  ``pppm/`` folder loadable by :func:`revision.pppm.checkpoint.load_pppm`; ``--resume latest`` continues;
- ``OUT/log.jsonl`` — one JSON line of losses per ``--log-every`` steps (and evaluations);
- ``OUT/model.safetensors`` + ``OUT/config.json`` — the final model, with a training summary.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import shlex
import sys
import time
from pathlib import Path

import torch

from revision.pppm.checkpoint import save_pppm
from revision.pppm.evaluate import denoising_benchmark, format_results
from revision.pppm.model import PPPM, PPPMConfig
from revision.pppm.repair import REPAIRS
from revision.pppm.text import CLIP, MINILM, load_text_encoder


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m revision.training.train_pppm", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--output-dir", required=True, help="where checkpoints, log.jsonl and the final model go")
    p.add_argument("--data", choices=("procedural", "shards", "humanml3d"), default="procedural")
    p.add_argument("--data-root", help="shard folder (--data shards) or HumanML3D root (--data humanml3d)")
    p.add_argument("--hml-format", choices=("vecs263", "smpl_aa"), default="vecs263", help="HumanML3D .npy layout")
    p.add_argument("--steps", type=int, default=3000, help="optimizer steps in total (resume continues to this)")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--min-frames", type=int, default=8, help="procedural clip length range")
    p.add_argument("--max-frames", type=int, default=48)
    p.add_argument("--vocabulary", choices=("base", "extended"), default="base",
                   help="procedural library: 'extended' adds the prompt vocabulary (wave left/right/both, raise, clap, "
                        "point, bow, nod, head turn, walk directions, ...) with training paraphrases as captions")
    p.add_argument("--init-weights", help="warm start: a PPPM folder (e.g. revision/embedded/pppm_mini) whose "
                   "config and weights start a new run (ignored with --resume)")
    p.add_argument("--p-shuffle", type=float, default=0.4, help="probability of a shuffled segment per track")
    p.add_argument("--p-drop", type=float, default=0.4, help="probability of a dropped+repeated segment per track")
    p.add_argument("--repair", choices=REPAIRS, default="none",
                   help="temporal repair of fully observed perturbed tracks before the network, as refine(repair=...) "
                        "does at inference (also used by the held-out evaluation)")
    p.add_argument("--p-repair", type=float, default=1.0, help="probability that --repair is applied to a track "
                   "(the others stay raw, so the network also learns the perturbations the repair misses)")
    p.add_argument("--window", type=int, default=32, help="clip window for shards / HumanML3D")
    p.add_argument("--max-tracks", type=int, default=2, help="tracks per procedural clip (1..N)")
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--vel-weight", type=float, default=1.0, help="weight of the velocity loss term")
    p.add_argument("--loss", choices=("norm", "mse"), default="norm",
                   help="per-frame L2 norm of the error (the evaluation metric) or per-element squared error")
    p.add_argument("--no-velocity-inputs", action="store_true", help="tokens see only the features, not their frame differences")
    p.add_argument("--d-model", type=int, default=128)
    p.add_argument("--num-layers", type=int, default=4)
    p.add_argument("--num-heads", type=int, default=4)
    p.add_argument("--ffn-mult", type=int, default=2)
    p.add_argument("--text-encoder", choices=(MINILM, CLIP), default=MINILM)
    p.add_argument("--text-encoder-path", help="local weights for the text encoder (CLIP: folder or HF id)")
    p.add_argument("--save-every", type=int, default=500)
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--eval-every", type=int, default=1000, help="denoising evaluation on held-out clips (0: only at the end)")
    p.add_argument("--eval-clips", type=int, default=48)
    p.add_argument("--resume", help="'latest' or a checkpoint folder OUT/checkpoints/step-N")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mixed-precision", choices=("no", "fp16", "bf16"), default="no")
    p.add_argument("--num-threads", type=int, default=0, help="torch CPU threads (0: torch default)")
    return p


def pppm_loss(model: torch.nn.Module, batch: dict[str, torch.Tensor], vel_weight: float,
              kind_masks: torch.Tensor, kind: str = "norm") -> tuple[torch.Tensor, dict[str, float]]:  # fmt: skip
    """Masked error on clean features + ``vel_weight`` × the same error on frame-to-frame differences.

    ``kind="norm"`` (default): the per-frame L2 norm of the error, i.e. the evaluation metric
    (:func:`revision.pppm.evaluate.param_error`); ``"mse"``: the per-element squared error, which lets a
    few frames with large errors (a dropped segment of a fast track) dominate and, measured, trains a
    model that adds error elsewhere. ``model`` may be wrapped (DDP); ``kind_masks`` (num_kinds, D) says
    which features each kind uses."""
    if kind not in ("norm", "mse"):
        raise ValueError(f"loss kind must be 'norm' or 'mse', got {kind!r}")
    pred = model(batch["x"], batch["kind"], batch["state"], batch["valid"], batch["text"], batch["strength"])
    clean = batch["clean"]
    fmask = kind_masks[batch["kind"]][:, :, None]  # (B, T, 1, D)
    dims = fmask.sum(-1).clamp_min(1)  # (B, T, 1)

    def err(e: torch.Tensor) -> torch.Tensor:  # (B, T, F', D) → (B, T, F')
        sq = (e**2 * fmask).sum(-1)
        return (sq + 1e-8).sqrt() if kind == "norm" else sq / dims

    m = (batch["loss_mask"] & batch["valid"]).float()  # (B, T, F)
    pos = (err(pred - clean) * m).sum() / m.sum().clamp_min(1)
    mv = m[:, :, 1:] * m[:, :, :-1]
    dv = (pred[:, :, 1:] - pred[:, :, :-1]) - (clean[:, :, 1:] - clean[:, :, :-1])
    vel = (err(dv) * mv).sum() / mv.sum().clamp_min(1)
    loss = pos + vel_weight * vel
    return loss, {"loss": float(loss.detach()), "loss_pos": float(pos.detach()), "loss_vel": float(vel.detach())}


def _latest(ckpt_dir: Path) -> Path | None:
    steps = sorted(ckpt_dir.glob("step-*"), key=lambda p: int(p.name.split("-")[1]))
    return steps[-1] if steps else None


def build_dataset(args):
    from revision.training.pppm_data import HumanML3DDataset, ProceduralMotionDataset, ShardMotionDataset

    if args.data == "procedural":
        return ProceduralMotionDataset(args.min_frames, args.max_frames, args.max_tracks, seed=args.seed,
                                       vocabulary=args.vocabulary)
    if not args.data_root:
        raise SystemExit(f"--data {args.data} needs --data-root")
    if not Path(args.data_root).exists():
        raise SystemExit(f"--data-root {args.data_root} does not exist")
    if args.data == "shards":
        return ShardMotionDataset(args.data_root, args.window)
    return HumanML3DDataset(args.data_root, args.window, args.hml_format)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.num_threads:
        torch.set_num_threads(args.num_threads)
    from accelerate import Accelerator
    from torch.utils.data import DataLoader, IterableDataset
    from tqdm.auto import tqdm

    from revision.training.pppm_data import PerturbCollate, ProceduralMotionDataset

    out = Path(args.output_dir)
    ckpt_dir = out / "checkpoints"
    acc = Accelerator(mixed_precision=args.mixed_precision)
    torch.manual_seed(args.seed)

    # 1. text encoder, data
    encoder = load_text_encoder(args.text_encoder, args.text_encoder_path)
    dataset = build_dataset(args)
    start_step = 0
    resume_dir = None
    if args.resume:
        resume_dir = _latest(ckpt_dir) if args.resume == "latest" else Path(args.resume)
        if resume_dir is None or not resume_dir.is_dir():
            raise SystemExit(f"--resume {args.resume}: no checkpoint found (looked in {ckpt_dir})")
        start_step = json.loads((resume_dir / "trainer_state.json").read_text())["step"]
    if hasattr(dataset, "captions") and dataset.captions():
        caps = dataset.captions()  # embed them all up front, in batches (one at a time is far slower)
        for i in tqdm(range(0, len(caps), 64), desc="embed captions", disable=not acc.is_local_main_process):
            encoder.encode(caps[i : i + 64])
    from revision.pppm.perturb import PerturbConfig

    pcfg = PerturbConfig(p_shuffle=args.p_shuffle, p_drop=args.p_drop)
    collate = PerturbCollate(encoder.encode, pcfg, seed=args.seed + start_step, repair=args.repair, p_repair=args.p_repair)
    if isinstance(dataset, IterableDataset):
        dataset.seed = args.seed + start_step  # a resumed run continues on fresh clips
        loader = DataLoader(dataset, batch_size=args.batch_size, collate_fn=collate)
    else:
        loader = DataLoader(dataset, batch_size=args.batch_size, collate_fn=collate, shuffle=True, drop_last=len(dataset) > args.batch_size)

    # 2. model, optimizer, schedule
    cfg = PPPMConfig(d_model=args.d_model, num_layers=args.num_layers, num_heads=args.num_heads, ffn_mult=args.ffn_mult,
                     text_dim=encoder.dim, text_encoder=encoder.name, max_tracks=max(8, args.max_tracks),
                     velocity_inputs=not args.no_velocity_inputs)  # fmt: skip
    if resume_dir is not None:
        saved = json.loads((resume_dir / "pppm" / "config.json").read_text())["pppm"]
        cfg = PPPMConfig.from_dict(saved)
    elif args.init_weights:
        from revision.pppm.checkpoint import load_pppm

        init = load_pppm(args.init_weights)
        if init.config.text_encoder != encoder.name:
            raise SystemExit(f"--init-weights {args.init_weights} was trained with {init.config.text_encoder!r}, "
                             f"this run uses {encoder.name!r}")
        cfg = init.config
    model = PPPM(cfg)
    if args.init_weights and resume_dir is None:
        model.load_state_dict(init.state_dict())
        acc.print(f"warm start from {args.init_weights}")
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)

    def lr_lambda(step: int) -> float:
        if step < args.warmup:
            return (step + 1) / args.warmup
        u = (step - args.warmup) / max(1, args.steps - args.warmup)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, u)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)
    model, opt, loader, sched = acc.prepare(model, opt, loader, sched)
    if resume_dir is not None:
        acc.load_state(str(resume_dir))
        acc.print(f"resumed from {resume_dir} at step {start_step}")

    # 3. held-out evaluation clips (fixed seed, 32 frames)
    eval_gen = ProceduralMotionDataset(32, 32, args.max_tracks, seed=10_000 + args.seed)  # the bench's base clips
    import numpy as np

    rng = np.random.default_rng(10_000 + args.seed)
    eval_samples = [eval_gen.sample(rng) for _ in range(args.eval_clips)] if args.data == "procedural" else []
    eval_text = encoder.encode([s.caption for s in eval_samples]) if eval_samples else None
    log_path = out / "log.jsonl"
    out.mkdir(parents=True, exist_ok=True)

    def log(record: dict) -> None:
        if acc.is_main_process:
            with log_path.open("a") as f:
                f.write(json.dumps(record) + "\n")

    def evaluate(step: int) -> dict | None:
        if not eval_samples or not acc.is_main_process:
            return None
        res = denoising_benchmark(copy.deepcopy(acc.unwrap_model(model)).cpu(), eval_samples, eval_text, repair=args.repair)
        tqdm.write(f"step {step} evaluation:\n{format_results(res)}")
        rec = {k: v.to_dict() for k, v in res.items()}
        log({"step": step, "eval": rec})
        return rec

    def save(step: int) -> None:
        d = ckpt_dir / f"step-{step:07d}"
        acc.save_state(str(d))
        if acc.is_main_process:
            save_pppm(acc.unwrap_model(model), d / "pppm", {"step": step})
            (d / "trainer_state.json").write_text(json.dumps({"step": step}))

    # 4. train
    t0 = time.time()
    model.train()
    step = start_step
    bar = tqdm(total=args.steps, initial=start_step, desc="train pppm", disable=not acc.is_local_main_process)
    running: dict[str, float] = {}
    last_eval = None
    data_iter = iter(loader)
    while step < args.steps:
        try:
            batch = next(data_iter)
        except StopIteration:
            data_iter = iter(loader)
            batch = next(data_iter)
        loss, parts = pppm_loss(model, batch, args.vel_weight, acc.unwrap_model(model).kind_masks, args.loss)
        acc.backward(loss)
        acc.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        step += 1
        for k, v in parts.items():
            running[k] = running.get(k, 0.0) + v
        bar.update(1)
        if step % args.log_every == 0 or step == args.steps:
            n = args.log_every if step % args.log_every == 0 else (step % args.log_every)
            rec = {"step": step, **{k: v / n for k, v in running.items()}, "lr": sched.get_last_lr()[0], "elapsed_s": round(time.time() - t0, 1)}
            bar.set_postfix(loss=f"{rec['loss']:.5f}")
            log(rec)
            running = {}
        if args.save_every and step % args.save_every == 0:
            save(step)
        if args.eval_every and step % args.eval_every == 0 and step < args.steps:
            last_eval = evaluate(step)
    bar.close()
    final_eval = evaluate(step) if step != start_step or last_eval is None else last_eval
    if acc.is_main_process:
        summary = {"steps": step, "wall_time_s": round(time.time() - t0, 1), "data": args.data,
                   "command": "python -m revision.training.train_pppm " + shlex.join(argv if argv is not None else sys.argv[1:]),
                   "num_parameters": acc.unwrap_model(model).num_parameters(), "eval": final_eval}  # fmt: skip
        save_pppm(acc.unwrap_model(model), out, summary)
        acc.print(f"saved the final PPPM to {out} ({summary['num_parameters']} parameters, {summary['wall_time_s']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
