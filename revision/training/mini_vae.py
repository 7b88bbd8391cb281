"""Stage 0 of ReVision-mini: train its small VAE from scratch on the shards' frames.

Real SVD-XT ships a trained VAE; a from-scratch mini model needs its own before latents can be
pre-encoded. The VAE (config :data:`revision.video_model.tiny.MINI`) is trained as a β-VAE: loss =
L1 + MSE between the frames and their reconstruction from a posterior sample + ``kl_weight`` x KL.
A per-frame ``AutoencoderKL`` (the mini's) sees a batch of random frames from different clips (diverse
batches generalise much faster than the 8 near-identical frames of one clip); SVD's
``AutoencoderKLTemporalDecoder`` sees whole clips (its decoder's temporal layers need ``num_frames``).
At the end ``scaling_factor`` is set to 1 / std of the latents (SVD's convention: the diffusion model
sees unit-variance latents).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from revision.shards import list_shards, read_shard
from revision.video_model.tiny import decode_frames, roundtrip


@dataclass
class VAETrainConfig:
    steps: int = 400  # optimiser steps
    clips_per_batch: int = 1  # x frames per clip = the batch (whole clips, or as many random frames)
    crop: int | None = None  # random crops are cheaper, but GroupNorm statistics of a crop differ from a frame's
    lr: float = 2e-3  # AdamW, 50 warm-up steps, then cosine-decayed to 10 %
    init_logvar: float | None = -6.0  # from scratch: start the posterior narrow (std e^-3), not at std 1,
    # which drowns the latent in noise while the KL weight is tiny (the encoder then drops colour)
    kl_weight: float = 1e-6  # small: a near-deterministic autoencoder, as SD/SVD VAEs are
    log_every: int = 25
    seed: int = 0
    decoder_only: bool = False  # fine-tune the decoder alone: latents (and a UNet trained on them) stay valid


def load_frames(shard_dir: str | Path, limit: int | None = None) -> np.ndarray:
    """All frames of the first ``limit`` shards: (N, F, H, W, 3) uint8."""
    paths = list_shards(shard_dir)[:limit]
    if not paths:
        raise FileNotFoundError(f"no shards in {shard_dir}")
    return np.stack([read_shard(p).frames for p in paths])


def train_vae(vae, clips: np.ndarray, cfg: VAETrainConfig, log_file: str | Path | None = None,
              progress: bool = True) -> list[float]:  # fmt: skip
    """Train ``vae`` in place on ``clips`` (N, F, H, W, 3) uint8; returns the per-step losses."""
    from diffusers import AutoencoderKLTemporalDecoder
    from tqdm import tqdm

    g = torch.Generator().manual_seed(cfg.seed)
    if cfg.decoder_only:
        vae.encoder.requires_grad_(False)
        vae.quant_conv.requires_grad_(False)
    elif cfg.init_logvar is not None:
        with torch.no_grad():  # quant_conv outputs (mean, logvar) channel blocks
            vae.quant_conv.bias[vae.quant_conv.out_channels // 2 :] = cfg.init_logvar
    opt = torch.optim.AdamW([p for p in vae.parameters() if p.requires_grad], lr=cfg.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 50) * (0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * min(s / max(cfg.steps, 1), 1.0))))
    )
    N, F = clips.shape[:2]
    data = torch.from_numpy(clips)
    temporal = isinstance(vae, AutoencoderKLTemporalDecoder)
    losses: list[float] = []
    log = open(log_file, "a") if log_file else None  # noqa: SIM115
    vae.train()
    t0 = time.perf_counter()
    for step in tqdm(range(cfg.steps), desc="VAE", disable=not progress):
        if temporal:
            idx = torch.randint(0, N, (cfg.clips_per_batch,), generator=g)
            x = data[idx].flatten(0, 1)
        else:  # as many frames, each from a random clip
            ci = torch.randint(0, N, (cfg.clips_per_batch * F,), generator=g)
            x = data[ci, torch.randint(0, F, (cfg.clips_per_batch * F,), generator=g)]
        x = x.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)  # (B*F, 3, H, W)
        if cfg.crop and cfg.crop < min(x.shape[-2:]):
            y0, x0 = (int(torch.randint(0, (n - cfg.crop) // 8 + 1, (1,), generator=g)) * 8 for n in x.shape[-2:])
            x = x[..., y0 : y0 + cfg.crop, x0 : x0 + cfg.crop]
        if cfg.decoder_only:
            with torch.no_grad():
                post = vae.encode(x).latent_dist
            z = post.mode()
        else:
            post = vae.encode(x).latent_dist
            z = post.mean + post.std * torch.randn(post.mean.shape, generator=g)
        rec = decode_frames(vae, z, F)
        kl = post.kl().mean() / x[0].numel()
        loss = (rec - x).abs().mean() + (rec - x).pow(2).mean() + cfg.kl_weight * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in vae.parameters() if p.requires_grad], 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if log and (step % cfg.log_every == 0 or step == cfg.steps - 1):
            log.write(json.dumps({"stage": "vae_decoder" if cfg.decoder_only else "vae", "step": step, "loss": float(loss.detach()),
                                  "elapsed_s": round(time.perf_counter() - t0, 1)}) + "\n")  # fmt: skip
            log.flush()
    vae.eval()
    if not cfg.decoder_only:
        set_scaling_factor(vae, data[: min(N, 64)])
    if log:
        log.close()
    return losses


@torch.no_grad()
def set_scaling_factor(vae, clips: torch.Tensor) -> float:
    """Set ``vae.config.scaling_factor`` = 1 / std of the latent modes of ``clips`` (N, F, H, W, 3) uint8."""
    x = clips.flatten(0, 1).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
    z = torch.cat([vae.encode(c).latent_dist.mode() for c in x.split(32)])
    factor = float(1.0 / z.std().clamp_min(1e-4))
    vae.register_to_config(scaling_factor=factor)
    return factor


@torch.no_grad()
def reconstruction_psnr(vae, clips: np.ndarray) -> float:
    """Mean PSNR (dB) of the VAE's reconstructions (posterior mode) of ``clips`` (N, F, H, W, 3) uint8."""
    out = []
    for clip in torch.from_numpy(clips):
        x = clip.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
        rec = roundtrip(vae, x)
        mse = ((rec - x) / 2).pow(2).mean().clamp_min(1e-10)
        out.append(float(-10 * torch.log10(mse)))
    return float(np.mean(out))
