"""A small body-part segmenter for 64x64 synthetic frames and the per-part morphology measures built on it.

    python benchmarks/part_seg.py --out runs/part_seg.safetensors [--clips 1000] [--steps 2000]

Generated frames carry no labels, so ``benchmarks/mini_eval.py`` reads body parts off them with this
segmenter: a 3-level U-Net (~120k parameters) trained on frames of synthetic clips of *training* seeds
(0..``--clips``-1; the evaluation uses seeds from 1,000,000 on), with the part ids grouped into
:data:`GROUPS` (head, torso, left/right arm, left/right leg, object). Half of the training frames are
passed through the video model's VAE first (encode → decode), and every frame gets a random colour
shift, so the segmenter reads the decoder's blur and colour errors as it reads rendered frames. The
ground-truth clips, S1 and S3 are all measured through the same segmenter.

Measures (:func:`morphology`), on clips whose first frame shows a person; a group is *present* when
it covers at least ``min_area`` pixels of frame 1:

- **missing-part rate**: fraction of (frame 2..F, present group) pairs where the group has fewer than
  ``min_area`` pixels (a limb or the head vanished);
- **limb-length change**: for the four limbs, the length of the part's principal axis
  (``sqrt(12 * largest eigenvalue of the pixel-coordinate covariance)``, exact for a uniform bar),
  relative change vs frame 1;
- **morphological-failure rate**: fraction of frames 2..F with a missing part or a limb whose
  length changed by more than ``max_length_change`` (50 %);
- **limb-length CV**: std / mean of each limb's length over the frames where it is present (≥ 3),
  averaged over limbs (the issue's "limb-length variance", scale-free);
- **malformed-body rate** (motion-independent): fraction of frames 2..F whose torso is missing, or
  where a limb's axis length relative to the torso's, or the head's area relative to the torso's,
  falls outside the 0.5–99.5 % range of the same proportions in the *ground-truth* part maps of 300
  training clips (:func:`proportion_ranges`). A body can move any way it likes and pass; a limb that
  stretches, shrinks to a stub or a torso that dissolves fails.

Projection makes real limbs change length too (foreshortening, occlusion), so the first three
penalise real motion: read them against the ground-truth clips measured the same way.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

# group index → palette part ids (revision.palette); 0 is background, the tail counts as an object
GROUPS: dict[str, tuple[int, ...]] = {
    "head": (1,), "torso": (2,), "left_arm": (3, 5, 7), "right_arm": (4, 6, 8),
    "left_leg": (9, 11, 13), "right_leg": (10, 12, 14), "object": (15, 16),
}  # fmt: skip
GROUP_NAMES = ("background", *GROUPS)
LIMBS = (3, 4, 5, 6)  # group indices of the four limbs


def group_ids(part_ids: np.ndarray) -> np.ndarray:
    """Palette part ids (any shape) → group indices (same shape, int64)."""
    table = np.zeros(32, np.int64)
    for g, ids in enumerate(GROUPS.values(), start=1):
        table[list(ids)] = g
    return table[np.clip(part_ids, 0, 31).astype(np.int64)]


@dataclass(frozen=True)
class SegTrainConfig:
    clips: int = 1000  # training seeds 0..clips-1 (8 frames each)
    steps: int = 2000
    batch_size: int = 32
    lr: float = 2e-3
    vae_fraction: float = 0.5  # share of frames passed through the video model's VAE
    width: int = 16
    seed: int = 0
    world: str = "default"  # the synthetic world preset (revision.synthetic.world.PRESETS) of the clips


def build_net(width: int = 16):
    """The segmenter: RGB in [-1, 1] (B, 3, H, W) → logits (B, len(GROUP_NAMES), H, W); H, W multiples of 4."""
    import torch
    from torch import nn

    def block(i: int, o: int) -> nn.Sequential:
        return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.GroupNorm(4, o), nn.SiLU(),
                             nn.Conv2d(o, o, 3, padding=1), nn.GroupNorm(4, o), nn.SiLU())  # fmt: skip

    class UNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            w = width
            self.e1, self.e2, self.e3 = block(3, w), block(w, 2 * w), block(2 * w, 4 * w)
            self.d2, self.d1 = block(6 * w, 2 * w), block(3 * w, w)
            self.head = nn.Conv2d(w, len(GROUP_NAMES), 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            up = nn.functional.interpolate
            a = self.e1(x)
            b = self.e2(nn.functional.avg_pool2d(a, 2))
            c = self.e3(nn.functional.avg_pool2d(b, 2))
            b = self.d2(torch.cat([b, up(c, scale_factor=2.0)], 1))
            return self.head(self.d1(torch.cat([a, up(b, scale_factor=2.0)], 1)))

    return UNet()


def _colour_jitter(x, gen):
    """Random per-image gain, offset and desaturation of (B, 3, H, W) in [-1, 1]."""
    import torch

    b = x.shape[0]
    gain = 1 + 0.2 * (torch.rand(b, 3, 1, 1, generator=gen) - 0.5) * 2
    offset = 0.15 * (torch.rand(b, 3, 1, 1, generator=gen) - 0.5) * 2
    sat = 0.5 + 0.5 * torch.rand(b, 1, 1, 1, generator=gen)
    grey = x.mean(1, keepdim=True)
    return ((grey + sat * (x - grey)) * gain + offset).clamp(-1, 1)


def make_data(cfg: SegTrainConfig, vae=None, size: int = 64, seeds: range | None = None):
    """Frames (N, 3, H, W) float in [-1, 1], their VAE round trips (or None) and groups (N, H, W) int64."""
    import torch
    from tqdm import tqdm

    from revision.synthetic.world import make_clip, world_preset
    from revision.video_model.tiny import roundtrip

    frames, labels = [], []
    wcfg = world_preset(cfg.world, size=size, num_frames=8)
    for s in tqdm(seeds if seeds is not None else range(cfg.clips), desc="synthetic clips", leave=False):
        clip = make_clip(s, wcfg)
        frames.append(clip.frames)
        labels.append(group_ids(clip.condition.part_ids))
    x = torch.from_numpy(np.concatenate(frames)).permute(0, 3, 1, 2).float() / 127.5 - 1
    y = torch.from_numpy(np.concatenate(labels))
    rec = None
    if vae is not None:
        with torch.no_grad():  # one clip (8 frames) at a time, as the video model decodes
            rec = torch.cat([roundtrip(vae, xb) for xb in x.split(8)])
    return x, rec, y


def train(cfg: SegTrainConfig, vae=None, log=print):
    """Train the segmenter on synthetic frames (and ``vae``'s round trips of them); returns the net."""
    import torch

    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    x, rec, y = make_data(cfg, vae)
    net = build_net(cfg.width)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=cfg.steps, pct_start=0.05)
    # background dominates the pixels: weight it down so thin limbs are not ignored
    weight = torch.ones(len(GROUP_NAMES))
    weight[0] = 0.2
    t0 = time.perf_counter()
    for step in range(1, cfg.steps + 1):
        idx = torch.randint(0, len(x), (cfg.batch_size,), generator=gen)
        xb = x[idx]
        if rec is not None:
            use = torch.rand(cfg.batch_size, generator=gen) < cfg.vae_fraction
            xb = torch.where(use[:, None, None, None], rec[idx], xb)
        flip = torch.rand(cfg.batch_size, generator=gen) < 0.5  # mirror frames; left/right labels swap
        xb = torch.where(flip[:, None, None, None], xb.flip(-1), xb)
        yb = torch.where(flip[:, None, None], _swap_sides(y[idx]).flip(-1), y[idx])
        loss = torch.nn.functional.cross_entropy(net(_colour_jitter(xb, gen)), yb, weight=weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 200 == 0 or step == cfg.steps:
            log(f"step {step}/{cfg.steps} loss {loss.item():.4f} ({time.perf_counter() - t0:.0f} s)")
    return net.eval()


def _swap_sides(y):
    """Group map with left and right limbs exchanged (for mirrored frames)."""
    import torch

    table = torch.arange(len(GROUP_NAMES))
    table[list(LIMBS)] = torch.tensor([4, 3, 6, 5])  # left arm ↔ right arm, left leg ↔ right leg
    return table[y]


def save(net, path: str | Path, cfg: SegTrainConfig) -> None:
    from safetensors.torch import save_file

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_file(net.state_dict(), str(path), metadata={k: str(v) for k, v in cfg.__dict__.items()})


def load(path: str | Path):
    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(str(path), "pt") as f:
        width = int(f.metadata()["width"])
    net = build_net(width)
    net.load_state_dict(load_file(str(path)))
    return net.eval()


def segment(net, frames: np.ndarray) -> np.ndarray:
    """(F, H, W, 3) uint8 → (F, H, W) group indices."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 127.5 - 1
    with torch.no_grad():
        return net(x).argmax(1).numpy()


def _axis_length(mask: np.ndarray) -> float:
    ys, xs = np.nonzero(mask)
    if len(xs) < 2:
        return 0.0
    cov = np.cov(np.stack([xs, ys]).astype(np.float64))
    return float(np.sqrt(12 * max(np.linalg.eigvalsh(cov)[-1], 0.0)))


def _ratios(frame: np.ndarray, min_area: int) -> dict[str, float]:
    """Body proportions of one (H, W) group map: each present limb's axis length and the head's area,
    relative to the torso's axis length / area (empty without a torso)."""
    torso = frame == 2
    if torso.sum() < min_area:
        return {}
    t_len, t_area = max(_axis_length(torso), 1e-6), float(torso.sum())
    out = {GROUP_NAMES[g]: _axis_length(frame == g) / t_len for g in LIMBS if (frame == g).sum() >= min_area}
    if (frame == 1).sum() >= min_area:
        out["head"] = float((frame == 1).sum()) / t_area
    return out


def proportion_ranges(seeds: range = range(300), quantiles: tuple[float, float] = (0.005, 0.995),
                      min_area: int = 3, size: int = 64) -> dict[str, tuple[float, float]]:  # fmt: skip
    """The range of body proportions (:func:`_ratios`) in the ground-truth part maps of ``seeds``'
    clips (training seeds by default): a generated body outside it is malformed."""
    from revision.synthetic.world import WorldConfig, make_clip

    vals: dict[str, list[float]] = {}
    for s in seeds:
        for frame in group_ids(make_clip(s, WorldConfig(size=size, num_frames=8)).condition.part_ids):
            for k, v in _ratios(frame, min_area).items():
                vals.setdefault(k, []).append(v)
    return {k: (float(np.quantile(v, quantiles[0])), float(np.quantile(v, quantiles[1]))) for k, v in vals.items()}


def morphology(groups: np.ndarray, ranges: dict[str, tuple[float, float]] | None = None, min_area: int = 3,
               max_length_change: float = 0.5) -> dict[str, float]:  # fmt: skip
    """Per-part measures of a (F, H, W) group-index clip (see the module docstring); NaN without a person.

    With ``ranges`` (:func:`proportion_ranges`) also ``malformed_body_rate``: fraction of frames 2..F
    whose torso is missing or whose limb / head proportions fall outside the ground-truth range.
    """
    keys = ["part_failure_rate", "missing_part_rate", "limb_length_cv"] + (["malformed_body_rate"] if ranges else [])
    if len(groups) < 2 or (groups[0] == 2).sum() < min_area:  # no torso in frame 1: no person to measure
        return dict.fromkeys(keys, float("nan"))
    present = [g for g in range(1, 7) if (groups[0] == g).sum() >= min_area]
    limbs = [g for g in LIMBS if g in present]
    lengths = {g: [_axis_length(groups[0] == g)] for g in limbs}
    missing = failed = malformed = 0
    for m in groups[1:]:
        gone = [g for g in present if (m == g).sum() < min_area]
        missing += len(gone)
        bad = bool(gone)
        for g in limbs:
            if g in gone:
                continue
            length = _axis_length(m == g)
            lengths[g].append(length)
            bad |= abs(length / max(lengths[g][0], 1e-6) - 1) > max_length_change
        failed += bad
        if ranges:
            r = _ratios(m, min_area)
            malformed += not r or any(not ranges[k][0] <= v <= ranges[k][1] for k, v in r.items() if k in ranges)
    cvs = [np.std(v) / np.mean(v) for v in lengths.values() if len(v) >= 3 and np.mean(v) > 0]
    out = {
        "part_failure_rate": failed / (len(groups) - 1),
        "missing_part_rate": missing / ((len(groups) - 1) * len(present)),
        "limb_length_cv": float(np.mean(cvs)) if cvs else float("nan"),
    }
    if ranges:
        out["malformed_body_rate"] = malformed / (len(groups) - 1)
    return out


def part_acceleration(groups: np.ndarray, times: np.ndarray, min_area: int = 3) -> float:
    """Trajectory roughness of the body parts: mean |acceleration| of the part centroids (px / frame²).

    ``groups`` (F, H, W) group maps at time points ``times`` (frame units, possibly uneven, e.g. S1's
    frames in S3 frames). For each body group (head, torso, limbs) present (≥ ``min_area`` px) in every
    frame, the centroid track's second divided difference at the interior time points; the mean norm
    over groups and points. Unlike pixel roughness it does not count a shape that flickers in place, only
    parts whose path bends or jerks; a body standing still scores 0. NaN with < 3 frames or no part.
    """
    t = np.asarray(times, np.float64)
    if len(groups) < 3:
        return float("nan")
    acc = []
    for g in range(1, 7):
        masks = groups == g
        if (masks.reshape(len(masks), -1).sum(1) < min_area).any():
            continue
        c = np.array([np.argwhere(m).mean(0) for m in masks])  # (F, 2) centroid (y, x)
        v = np.diff(c, axis=0) / np.diff(t)[:, None]
        a = 2 * np.diff(v, axis=0) / (t[2:] - t[:-2])[:, None]
        acc.extend(np.linalg.norm(a, axis=1))
    return float(np.mean(acc)) if acc else float("nan")


def accuracy(net, x, y) -> dict[str, float]:
    """Pixel accuracy and per-group IoU (mean over foreground groups) of ``net`` on (x, y)."""
    import torch

    with torch.no_grad():
        pred = torch.cat([net(x[i : i + 64]).argmax(1) for i in range(0, len(x), 64)])
    ious = []
    for g in range(1, len(GROUP_NAMES)):
        union = ((pred == g) | (y == g)).sum().item()
        if union:
            ious.append(((pred == g) & (y == g)).sum().item() / union)
    return {"pixel_acc": float((pred == y).float().mean()), "mean_fg_iou": float(np.mean(ious))}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 2)[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--out", default="runs/part_seg.safetensors", help="where the segmenter is written")
    p.add_argument("--clips", type=int, default=SegTrainConfig.clips, help="training seeds 0..N-1")
    p.add_argument("--steps", type=int, default=SegTrainConfig.steps)
    p.add_argument("--batch-size", type=int, default=SegTrainConfig.batch_size)
    p.add_argument("--width", type=int, default=SegTrainConfig.width, help="channels of the first level (multiple of 4)")
    p.add_argument("--weights", help="video model folder whose VAE makes the round trips (default: embedded mini)")
    p.add_argument("--world", default="default", help="world preset of the clips: default | resolvable")
    p.add_argument("--num-threads", type=int, default=None)
    args = p.parse_args(argv)
    import torch

    if args.num_threads:
        torch.set_num_threads(args.num_threads)
    from revision.config import MINI_CONFIG
    from revision.pipeline import ReVisionPipeline

    vae = ReVisionPipeline.from_pretrained(args.weights, motion_stage=None, config=MINI_CONFIG).video.vae
    cfg = SegTrainConfig(clips=args.clips, steps=args.steps, batch_size=args.batch_size, width=args.width,
                         world=args.world)  # fmt: skip
    net = train(cfg, vae)
    save(net, args.out, cfg)
    x, rec, y = make_data(cfg, vae, seeds=range(2_000_000, 2_000_050))  # held-out check
    print(f"held-out rendered frames: {accuracy(net, x, y)}")
    print(f"held-out VAE round trips: {accuracy(net, rec, y)}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
