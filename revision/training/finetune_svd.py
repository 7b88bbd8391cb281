"""Fine-tune the motion-conditioned SVD (paper Sec. 3.1), or train ReVision-mini from scratch.

    python -m revision.training.finetune_svd --config svd-xt --data SHARDS --output runs/svd
    python -m revision.training.finetune_svd --config mini --data SHARDS --output runs/mini
    accelerate launch --num_processes 8 -m revision.training.finetune_svd --config svd-xt ...   # multi-GPU

Recipe: conv_in widened 8 → 10 (part mask + confidence, zero-initialised), trainable parameters
``conv_in`` + the temporal layers (``--train``; ``all`` for the from-scratch mini), the 40/30/30
conditioning mix (:mod:`revision.training.svd_data`), SVD's EDM objective (log-normal σ with
``P_mean``/``P_std``, preconditioning ``c_in = 1/√(σ²+1)``, ``c_skip = 1/(σ²+1)``,
``c_out = −σ/√(σ²+1)`` for v-prediction, timestep ``0.25 ln σ``, loss weight ``(σ²+1)/σ²``), and
``p_uncond`` joint dropout of image embedding, image latents and condition (the pipeline's CFG branch).

Stages: ``vae`` (mini only: train the small VAE, :mod:`revision.training.mini_vae`) → ``encode``
(pre-encode latents once) → ``unet``; ``--stage all`` runs what is missing. ``accelerate`` handles
``--mixed-precision``, devices and processes; ``--gradient-checkpointing`` trades compute for memory.
Every ``--checkpoint-every`` steps the full training state goes to ``OUTPUT/checkpoints/step_N``
(``--resume latest`` continues bit-for-bit: batches and noise are functions of (seed, step, rank)) and
the pipeline to ``OUTPUT/pipeline`` (``save_pretrained``, safetensors); every ``--validate-every`` steps
validation videos go to ``OUTPUT/validation/``. Losses are logged to ``OUTPUT/train_log.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

TRAINABLE = ("conv_in+temporal", "conv_in", "all")


@dataclass
class TrainConfig:
    model: str = "stabilityai/stable-video-diffusion-img2vid-xt-1-1"  # HF id / folder, or "mini-scratch"
    height: int = 576  # training resolution (pixels)
    width: int = 1024
    num_frames: int = 16  # frames per training clip
    frame_stride: int = 4  # take every 4th frame of the shard (30 fps video → 7.5 fps)
    batch_size: int = 1  # clips per process per step
    lr: float = 1e-5  # AdamW learning rate (linear warmup, then constant until lr_decay_start)
    warmup_steps: int = 100
    lr_decay_start: float = (
        1.0  # fraction of max_steps after which the lr decays to 0 on a cosine (1.0 = never)
    )
    max_steps: int = 20_000
    train: str = "conv_in+temporal"  # which UNet parameters train: one of TRAINABLE
    train_image_encoder: bool = False  # the CLIP image encoder (mini: trained from scratch)
    mix: tuple[float, float, float] = (0.4, 0.3, 0.3)  # full masks / last-frame sketch / empty
    condition_source: str = "shard"  # part masks: as stored in the shard, or "render" (re-projected tracks)
    p_uncond: float = 0.1  # joint dropout of image embedding + image latents + condition (CFG)
    p_mean: float = 0.7  # EDM log-normal σ: ln σ ~ N(p_mean, p_std²) (SVD fine-tuning values)
    p_std: float = 1.6
    fps: int = 7  # micro-conditions, as the pipeline passes them (fps - 1 goes to the UNet)
    motion_bucket_id: int = 127
    noise_aug_strength: float = 0.02
    grad_clip: float = 1.0
    mixed_precision: str = "no"  # "no" | "fp16" | "bf16" (accelerate)
    gradient_checkpointing: bool = False
    checkpoint_every: int = 500
    keep_checkpoints: int = 2
    validate_every: int = 500
    num_validation: int = 4  # clips in each validation video
    validation_steps: int = 25  # denoising steps of the validation samples
    log_every: int = 10
    seed: int = 0
    vae_steps: int = 0  # mini only: steps of the VAE stage (0 = no VAE stage)
    mini_arch: dict = field(default_factory=dict)  # overrides of revision.video_model.tiny.MINI
    init_from: str | None = None  # mini only: pipeline folder whose UNet + image encoder start the UNet stage
    p_cond_augment: float = (
        0.0  # share of samples whose full masks are perturbed toward S2's errors (svd_data)
    )
    p_limb_downsample: float = 0.0  # share of samples whose full masks are downsampled limb-preserving


PRESETS: dict[str, TrainConfig] = {
    # The paper's setting on real SVD-XT-1.1 (a GPU with ≥ 40 GB; add --gradient-checkpointing below that).
    "svd-xt": TrainConfig(mixed_precision="fp16"),
    # ReVision-mini from scratch on the synthetic world, CPU-sized (docs/training.md).
    "mini": TrainConfig(
        model="mini-scratch", height=64, width=64, num_frames=8, frame_stride=1, batch_size=4, lr=1e-3,
        warmup_steps=50, max_steps=3000, train="all", train_image_encoder=True, checkpoint_every=100,
        validate_every=250, validation_steps=12, vae_steps=2000, log_every=5,
    ),
    # Unit tests: a tiny random model, a few steps.
    "tiny": TrainConfig(
        model="mini-scratch", height=32, width=32, num_frames=4, frame_stride=1, batch_size=2, lr=1e-3,
        warmup_steps=0, max_steps=4, train="all", train_image_encoder=True, checkpoint_every=2, validate_every=0,
        num_validation=1, validation_steps=2, vae_steps=2, log_every=1, mini_arch={"tiny": True},
    ),
}  # fmt: skip


# ------------------------------------------------------------------------------------------- model
def build_components(cfg: TrainConfig, vae_dir: Path | None) -> dict:
    """The pipeline components to train (random mini/tiny, or loaded SVD widened to 10 channels)."""
    from revision.video_model.tiny import MINI, TINY, SmallSVDConfig, small_svd_components

    if cfg.model == "mini-scratch":
        arch = dict(cfg.mini_arch)
        base = TINY if arch.pop("tiny", False) else MINI
        comps = small_svd_components(replace(base, **arch) if arch else base, seed=cfg.seed)
        if vae_dir is not None and (vae_dir / "config.json").exists():
            from diffusers import AutoModel

            comps["vae"] = AutoModel.from_pretrained(
                str(vae_dir)
            )  # its class (temporal or per-frame) from config.json
        if cfg.init_from:  # warm start (e.g. after retraining the VAE): same architecture, weights only
            from diffusers import UNetSpatioTemporalConditionModel
            from transformers import CLIPVisionModelWithProjection

            src = Path(cfg.init_from)
            comps["unet"].load_state_dict(
                UNetSpatioTemporalConditionModel.from_pretrained(src / "unet").state_dict()
            )
            comps["image_encoder"].load_state_dict(
                CLIPVisionModelWithProjection.from_pretrained(src / "image_encoder").state_dict()
            )
        assert isinstance(base, SmallSVDConfig)
        return comps
    from revision.video_model.loading import load_motion_svd

    pipe, _ = load_motion_svd(cfg.model)
    return dict(pipe.components)


def set_trainable(unet, image_encoder, cfg: TrainConfig) -> list[torch.nn.Parameter]:
    """Freeze everything except the chosen parameters; returns them."""
    if cfg.train not in TRAINABLE:
        raise ValueError(f"--train must be one of {TRAINABLE}, got {cfg.train!r}")
    params = []
    for name, p in unet.named_parameters():
        temporal = any(k in name for k in ("temporal", "time_mixer", "time_pos_embed"))
        on = (
            cfg.train == "all" or name.startswith("conv_in") or (cfg.train == "conv_in+temporal" and temporal)
        )
        p.requires_grad_(on)
        if on:
            params.append(p)
    for p in image_encoder.parameters():
        p.requires_grad_(cfg.train_image_encoder)
        if cfg.train_image_encoder:
            params.append(p)
    return params


def edm_loss(unet, image_encoder, batch: dict, cfg: TrainConfig, gen: torch.Generator) -> torch.Tensor:
    """SVD's EDM denoising loss of one batch (see the module docstring)."""
    from revision.training.svd_data import pick_conditions

    lat = batch["latents"]  # (B, F, C, h, w) scaled
    B, F = lat.shape[:2]
    dev = lat.device
    u = torch.rand(B, generator=gen)
    cond, _ = pick_conditions(batch["cond_full"], batch["cond_sketch"], u, cfg.mix)
    sigma = torch.exp(cfg.p_mean + cfg.p_std * torch.randn(B, generator=gen)).to(dev)
    noise = torch.randn(lat.shape, generator=gen).to(dev)
    drop = (torch.rand(B, generator=gen) < cfg.p_uncond).to(dev).float()
    keep = (1 - drop).view(B, 1, 1, 1, 1)
    emb = image_encoder(batch["clip_pixels"]).image_embeds.unsqueeze(1) * keep[:, :, 0, 0]
    img = (batch["image_latents"] * keep[:, 0]).unsqueeze(1).expand(-1, F, -1, -1, -1)
    cond = cond.to(dev) * keep
    s = sigma.view(B, 1, 1, 1, 1)
    noisy = lat + noise * s
    model_in = torch.cat([noisy / (s**2 + 1).sqrt(), img, cond], dim=2)
    ids = torch.tensor([[cfg.fps - 1, cfg.motion_bucket_id, cfg.noise_aug_strength]], device=dev).expand(
        B, -1
    )
    pred = unet(model_in, 0.25 * sigma.log(), encoder_hidden_states=emb, added_time_ids=ids).sample
    denoised = pred * (-s / (s**2 + 1).sqrt()) + noisy / (s**2 + 1)
    weight = (s**2 + 1) / s**2
    return (weight * (denoised.float() - lat) ** 2).mean()


# ------------------------------------------------------------------------------------------- loop
def _batch_indices(n: int, step: int, batch: int, rank: int, world: int, seed: int) -> list[int]:
    """Clips of (step, rank): epochs are seeded permutations, so resuming needs no sampler state."""
    per_step = batch * world
    start = step * per_step + rank * batch
    out = []
    for k in range(start, start + batch):
        epoch, pos = divmod(k, n)
        perm = np.random.default_rng(seed * 100_003 + epoch).permutation(n)
        out.append(int(perm[pos]))
    return out


def _latest_checkpoint(output: Path) -> Path | None:
    ckpts = sorted((output / "checkpoints").glob("step_*"), key=lambda p: int(p.name.split("_")[1]))
    return ckpts[-1] if ckpts else None


def _save_pipeline(comps: dict, unet, image_encoder, out: Path, dtype: torch.dtype = torch.float32) -> None:
    from revision.video_model.pipeline import MotionConditionedSVDPipeline

    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    pipe = MotionConditionedSVDPipeline(**{**comps, "unet": unet, "image_encoder": image_encoder})
    if dtype != torch.float32:
        import copy

        pipe = MotionConditionedSVDPipeline(**{k: copy.deepcopy(v) for k, v in pipe.components.items()})
        pipe.to(dtype=dtype)
    pipe.save_pretrained(tmp, safe_serialization=True)
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)


@torch.no_grad()
def validate(comps: dict, unet, image_encoder, items: list[dict], cfg: TrainConfig, out: Path) -> Path:
    """Rows per validation clip: first frame repeated | condition colours | sample (full masks) | sample (empty)."""
    import PIL.Image

    from revision.io import write_video
    from revision.palette import NUM_PARTS, colorize
    from revision.video_model.pipeline import MotionConditionedSVDPipeline

    pipe = MotionConditionedSVDPipeline(**{**comps, "unet": unet, "image_encoder": image_encoder})
    pipe.set_progress_bar_config(disable=True)
    was_training = unet.training
    unet.eval()
    rows = []
    for it in items:
        image = PIL.Image.fromarray(it["first_frame"].numpy())
        cond = it["cond_full"].float().unsqueeze(0)
        F = cfg.num_frames
        outs = []
        for c in (cond, None):
            frames = pipe(image, condition=c, height=cfg.height, width=cfg.width, num_frames=F,
                          num_inference_steps=cfg.validation_steps, fps=cfg.fps, motion_bucket_id=cfg.motion_bucket_id,
                          noise_aug_strength=cfg.noise_aug_strength, generator=torch.Generator().manual_seed(0),
                          max_guidance_scale=1.0, output_type="np").frames[0]  # fmt: skip
            outs.append((np.clip(frames, 0, 1) * 255).astype(np.uint8))
        ids = (cond[0, :, 0] * NUM_PARTS).round().long().numpy()
        ids = np.kron(ids, np.ones((1, cfg.height // ids.shape[1], cfg.width // ids.shape[2]), np.int64))
        first = np.repeat(np.asarray(image)[None], F, 0)
        rows.append(np.concatenate([first, colorize(ids), *outs], axis=2))
    unet.train(was_training)
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_video(out, np.concatenate(rows, axis=1), fps=cfg.fps)


def lr_factor(step: int, cfg: TrainConfig) -> float:
    """Multiplier of ``cfg.lr`` at ``step``: linear warmup, constant, then a cosine to 0 from ``lr_decay_start``."""
    f = min(1.0, (step + 1) / max(cfg.warmup_steps, 1))
    start = cfg.lr_decay_start * cfg.max_steps
    if step >= start and cfg.lr_decay_start < 1.0:
        f *= 0.5 * (1.0 + math.cos(math.pi * min(1.0, (step - start) / max(cfg.max_steps - start, 1))))
    return f


def train(cfg: TrainConfig, data: str | Path, output: str | Path, *, stage: str = "all", resume: str | None = None,
          val_data: str | Path | None = None, progress: bool = True) -> dict:  # fmt: skip
    """Run the stages; returns a summary (final loss, steps, timings)."""
    from accelerate import Accelerator
    from tqdm import tqdm

    from revision.training.svd_data import LatentClips, collate, encode_shards, varied_condition

    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    log_path = output / "train_log.jsonl"
    acc = Accelerator(mixed_precision=cfg.mixed_precision)
    torch.manual_seed(cfg.seed)
    summary: dict = {"config": asdict(cfg)}
    (output / "train_config.json").write_text(json.dumps(asdict(cfg), indent=1))

    # 0. VAE (from-scratch mini only)
    vae_dir = output / "vae"
    if cfg.model == "mini-scratch" and not (vae_dir / "config.json").exists():  # every later stage needs it
        from revision.training.mini_vae import VAETrainConfig, load_frames, reconstruction_psnr, train_vae

        comps = build_components(cfg, None)
        clips = load_frames(data, limit=1500)
        t0 = time.perf_counter()
        vl = train_vae(
            comps["vae"], clips, VAETrainConfig(steps=cfg.vae_steps, seed=cfg.seed), log_path, progress
        )
        if acc.is_main_process:
            comps["vae"].save_pretrained(vae_dir)
        summary["vae"] = {"first_loss": vl[0], "last_loss": vl[-1], "seconds": time.perf_counter() - t0,
                          "psnr_db": reconstruction_psnr(comps["vae"], clips[-2:])}  # fmt: skip
        if stage == "vae":
            return summary
    comps = build_components(cfg, vae_dir if cfg.model == "mini-scratch" else None)
    vae, fe = comps["vae"], comps["feature_extractor"]
    clip_size = int(comps["image_encoder"].config.image_size)

    # 1. Pre-encode latents once (each process encodes; files already present are skipped)
    enc = dict(height=cfg.height, width=cfg.width, num_frames=cfg.num_frames, stride=cfg.frame_stride,
               clip_size=clip_size, noise_aug_strength=cfg.noise_aug_strength, progress=progress,
               device=acc.device, condition_source=cfg.condition_source)  # fmt: skip
    vae.to(acc.device)
    suffix = (
        "" if cfg.condition_source == "shard" else f"_{cfg.condition_source}"
    )  # one cache per mask source
    cache = output / f"latents{suffix}"
    files = encode_shards(data, cache, vae, fe, **enc)
    val_files = encode_shards(val_data, output / f"latents_val{suffix}", vae, fe, **enc)[: cfg.num_validation] if val_data \
        else files[-cfg.num_validation:]  # fmt: skip
    if stage in ("vae", "encode"):
        return summary
    vae.cpu()
    dataset = LatentClips(files)
    val_items = [LatentClips(val_files)[i] for i in range(len(val_files))]

    # 2. Model, optimiser, accelerate
    unet, image_encoder = comps["unet"], comps["image_encoder"]
    params = set_trainable(unet, image_encoder, cfg)
    if cfg.gradient_checkpointing:
        unet.enable_gradient_checkpointing()
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=1e-2)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, cfg))
    unet, image_encoder, opt, sched = acc.prepare(unet, image_encoder, opt, sched)
    unet.train()
    image_encoder.train(cfg.train_image_encoder)
    step = 0
    if resume:
        ckpt = _latest_checkpoint(output) if resume == "latest" else Path(resume)
        if ckpt is not None:
            acc.load_state(str(ckpt))
            step = json.loads((ckpt / "step.json").read_text())["step"]
            acc.print(f"resumed from {ckpt} at step {step}")

    # 3. Loop
    losses: list[float] = []
    bar = tqdm(total=cfg.max_steps, initial=step, desc="UNet", disable=not (progress and acc.is_main_process))
    t_start = time.perf_counter()
    while step < cfg.max_steps:
        idx = _batch_indices(
            len(dataset), step, cfg.batch_size, acc.process_index, acc.num_processes, cfg.seed
        )
        items = [dataset[i] for i in idx]
        if (
            cfg.p_cond_augment or cfg.p_limb_downsample
        ):  # a function of (seed, step, rank): resume is unchanged
            rng = np.random.default_rng([cfg.seed, step, acc.process_index, 22])
            items = [{**it, "cond_full": varied_condition(it, rng, p_augment=cfg.p_cond_augment,
                                                          p_limb=cfg.p_limb_downsample)} for it in items]  # fmt: skip
        batch = {k: v.to(acc.device) for k, v in collate(items).items()}
        gen = torch.Generator().manual_seed(cfg.seed * 1_000_003 + step * 97 + acc.process_index)
        t0 = time.perf_counter()
        with acc.autocast():
            loss = edm_loss(unet, image_encoder, batch, cfg, gen)
        acc.backward(loss)
        if acc.sync_gradients and cfg.grad_clip > 0:
            acc.clip_grad_norm_(params, cfg.grad_clip)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        loss_v = float(acc.gather(loss.detach()[None]).mean())
        losses.append(loss_v)
        bar.update()
        bar.set_postfix(loss=f"{loss_v:.4f}")
        if acc.is_main_process and (step % cfg.log_every == 0 or step == 1):
            with open(log_path, "a") as f:
                f.write(json.dumps({"stage": "unet", "step": step, "loss": loss_v, "lr": sched.get_last_lr()[0],
                                    "step_s": round(time.perf_counter() - t0, 3)}) + "\n")  # fmt: skip
        if cfg.checkpoint_every and (step % cfg.checkpoint_every == 0 or step == cfg.max_steps):
            ckpt = output / "checkpoints" / f"step_{step}"
            acc.save_state(str(ckpt))
            if acc.is_main_process:
                (ckpt / "step.json").write_text(json.dumps({"step": step, "loss": loss_v}))
                for old in sorted((output / "checkpoints").glob("step_*"),
                                  key=lambda p: int(p.name.split("_")[1]))[: -cfg.keep_checkpoints]:  # fmt: skip
                    shutil.rmtree(old, ignore_errors=True)
                _save_pipeline(
                    comps, acc.unwrap_model(unet), acc.unwrap_model(image_encoder), output / "pipeline"
                )
        if acc.is_main_process and cfg.validate_every and step % cfg.validate_every == 0:
            validate(comps, acc.unwrap_model(unet), acc.unwrap_model(image_encoder), val_items, cfg,
                     output / "validation" / f"step_{step:06d}.mp4")  # fmt: skip
    bar.close()
    summary.update({"steps": step, "losses": losses, "seconds": time.perf_counter() - t_start})
    return summary


def finetune_decoder(cfg: TrainConfig, data: Path, output: Path, progress: bool = True) -> dict:
    """Decoder-only VAE fine-tuning of a mini run: OUTPUT/vae and OUTPUT/pipeline/vae get the new decoder."""
    from diffusers import AutoModel

    from revision.training.mini_vae import VAETrainConfig, load_frames, reconstruction_psnr, train_vae

    vae = AutoModel.from_pretrained(str(output / "vae"))
    clips = load_frames(data, limit=1500)
    before = reconstruction_psnr(vae, clips[-2:])
    vcfg = VAETrainConfig(steps=cfg.vae_steps, decoder_only=True, seed=cfg.seed + 1)
    losses = train_vae(vae, clips, vcfg, output / "train_log.jsonl", progress)
    after = reconstruction_psnr(vae, clips[-2:])
    vae.save_pretrained(output / "vae")
    if (output / "pipeline" / "vae").exists():
        vae.save_pretrained(output / "pipeline" / "vae")
    print(f"decoder fine-tune: loss {losses[0]:.4f} → {losses[-1]:.4f}, PSNR {before:.1f} → {after:.1f} dB")
    return {"psnr_before": before, "psnr_after": after}


def export_pipeline(src: Path, dst: Path, dtype: torch.dtype = torch.float16) -> Path:
    """Re-save the pipeline folder ``src`` at ``dtype`` (safetensors) into ``dst``; loads back as fp32."""
    from revision.video_model.pipeline import MotionConditionedSVDPipeline

    if not (src / "model_index.json").exists():
        raise FileNotFoundError(
            f"{src} is not a saved pipeline (train first: it is written at each checkpoint)"
        )
    pipe = MotionConditionedSVDPipeline.from_pretrained(src)
    pipe.to(dtype=dtype)
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    pipe.save_pretrained(tmp, safe_serialization=True)
    shutil.rmtree(dst, ignore_errors=True)
    tmp.replace(dst)
    return dst


# ------------------------------------------------------------------------------------------- CLI
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m revision.training.finetune_svd",
                                description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])  # fmt: skip
    p.add_argument(
        "--config", choices=sorted(PRESETS), required=True, help="preset (flags below override it)"
    )
    p.add_argument(
        "--data", required=True, help="folder of shards (annotation CLI or python -m revision.synthetic)"
    )
    p.add_argument(
        "--val-data", help="folder of held-out shards for validation videos (default: last train clips)"
    )
    p.add_argument(
        "--output", required=True, help="run folder: vae/, latents/, checkpoints/, pipeline/, validation/"
    )
    p.add_argument(
        "--stage",
        choices=("all", "vae", "encode", "unet", "vae-decoder", "export"),
        default="all",
        help="'vae-decoder' fine-tunes the mini VAE's decoder alone (latents stay valid) for "
        "--vae-steps and puts it into OUTPUT/pipeline; 'export' copies OUTPUT/pipeline to --export-to "
        "as fp16 safetensors (the embedded model)",
    )
    p.add_argument("--export-to", help="folder for --stage export (e.g. revision/embedded/revision_mini)")
    p.add_argument("--resume", help="'latest' or a checkpoint folder")
    p.add_argument("--model", help="HF id or folder of the SVD to fine-tune ('mini-scratch' = random mini)")
    p.add_argument("--max-steps", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument(
        "--lr-decay-start",
        type=float,
        help="fraction of --max-steps after which the lr decays to 0 on a cosine (1.0 = constant lr)",
    )
    p.add_argument("--train", choices=TRAINABLE, help="trainable UNet parameters")
    p.add_argument(
        "--condition-source",
        choices=("shard", "render"),
        help="part masks of the conditions: as stored in the shards (default), or the shards' tracks "
        "re-projected by revision.render (what S2 gives the model at inference)",
    )
    p.add_argument("--mixed-precision", choices=("no", "fp16", "bf16"))
    p.add_argument("--gradient-checkpointing", action="store_true", default=None)
    p.add_argument("--checkpoint-every", type=int)
    p.add_argument("--validate-every", type=int)
    p.add_argument("--vae-steps", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument(
        "--init-from",
        help="mini: start the UNet stage from the UNet + image encoder of this pipeline "
        "folder (an earlier run's OUTPUT/pipeline, e.g. after retraining the VAE)",
    )
    p.add_argument(
        "--cond-augment",
        type=float,
        dest="p_cond_augment",
        metavar="P",
        help="share of samples whose full masks are perturbed toward S2's errors (shift, jitter, "
        "dilate/erode, part drop, ±1-frame shift, left/right swap; needs a cache with part_ids)",
    )
    p.add_argument(
        "--limb-downsample",
        type=float,
        dest="p_limb_downsample",
        metavar="P",
        help="share of samples whose full masks are downsampled limb-preserving (else nearest)",
    )
    p.add_argument("--num-threads", type=int, help="torch CPU threads (default: torch's)")
    p.add_argument("--quiet", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    cfg = PRESETS[args.config]
    over = {k: getattr(args, k) for k in ("model", "max_steps", "batch_size", "lr", "lr_decay_start", "train", "mixed_precision",
                                          "gradient_checkpointing", "checkpoint_every", "validate_every",
                                          "vae_steps", "seed", "init_from", "condition_source", "p_cond_augment",
                                          "p_limb_downsample") if getattr(args, k) is not None}  # fmt: skip
    cfg = replace(cfg, **over)
    if not (0.0 <= cfg.p_cond_augment <= 1.0 and 0.0 <= cfg.p_limb_downsample <= 1.0):
        print("error: --cond-augment and --limb-downsample must be in [0, 1]", file=sys.stderr)
        return 2
    if not 0.0 <= cfg.lr_decay_start <= 1.0:
        print(f"error: --lr-decay-start must be in [0, 1], got {cfg.lr_decay_start}", file=sys.stderr)
        return 2
    if args.num_threads:
        torch.set_num_threads(args.num_threads)
    if args.stage == "export":
        if not args.export_to:
            print("error: --stage export needs --export-to DIR", file=sys.stderr)
            return 2
        export_pipeline(Path(args.output) / "pipeline", Path(args.export_to))
        print(f"exported {Path(args.output) / 'pipeline'} → {args.export_to} (fp16 safetensors)")
        return 0
    if not Path(args.data).is_dir():
        print(f"error: --data {args.data} is not a folder of shards", file=sys.stderr)
        return 2
    if args.stage == "vae-decoder":
        finetune_decoder(cfg, Path(args.data), Path(args.output), progress=not args.quiet)
        return 0
    try:
        summary = train(cfg, args.data, args.output, stage=args.stage, resume=args.resume, val_data=args.val_data,
                        progress=not args.quiet)  # fmt: skip
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    losses = summary.get("losses") or []
    if losses:
        k = max(1, len(losses) // 10)
        print(f"steps {summary['steps']}: loss first-{k} mean {np.mean(losses[:k]):.4f} → last-{k} mean "
              f"{np.mean(losses[-k:]):.4f} ({summary['seconds']:.0f} s)")  # fmt: skip
    if "vae" in summary:
        print(f"VAE: loss {summary['vae']['first_loss']:.4f} → {summary['vae']['last_loss']:.4f}, "
              f"PSNR {summary['vae']['psnr_db']:.1f} dB")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
