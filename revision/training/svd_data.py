"""Training data for the motion-conditioned SVD: shards → pre-encoded latents + the conditioning mix.

Shards (from the annotation CLI or the synthetic world, :mod:`revision.shards`) are read once and
encoded once by :func:`encode_shards` into one small ``.pt`` file per clip under a cache folder:

- ``latents`` (F, 4, h, w): VAE posterior *mode* x ``scaling_factor`` of the F frames (the target);
- ``image_latents`` (4, h, w): VAE mode of the first frame plus ``noise_aug_strength`` Gaussian noise
  in pixel space, *unscaled* — exactly what ``StableVideoDiffusionPipeline`` concatenates;
- ``clip_pixels`` (3, s, s): the CLIP-normalised first frame as the pipeline's ``_encode_image`` sees it;
- ``cond_full`` / ``cond_sketch`` (F, 2, h, w): the two non-empty conditions at latent size, resized
  with :func:`revision.video_model.pipeline.resize_condition` (what inference does);
- ``part_ids`` / ``confidence`` (F, H, W): the full condition at training resolution, for
  :func:`varied_condition` (perturbed and / or limb-preserving downsampled full masks, per step).

``condition_source`` picks the part masks behind both conditions: ``"shard"`` (the masks stored in the
shard) or ``"render"`` (the shard's tracks re-projected by :func:`revision.render.render_condition`, the
renderer S2 uses at inference and the annotation CLI uses for real clips). The synthetic world stores
masks of the capsules it draws, whose silhouettes differ from the mesh projection (foreground IoU
≈ 0.65); ``"render"`` trains on the masks the model will be given.

The **conditioning mix** (paper Sec. 3.1): per sample, with probabilities ``(0.4, 0.3, 0.3)``: the full
per-frame part masks with confidence 1; the *last-frame* target pose as part polygons with confidence
0.5 (the sketch converter's output, :func:`sketch_condition`); or nothing (empty mask, confidence 0).

**Condition-robust variants** (issue 22, levers 2 and 3; off by default): :func:`augment_part_ids`
perturbs the full masks the way S2's masks differ from the truth (whole-clip shift and ±1 px per-frame
jitter, dilation / erosion, dropped parts, a ±1-frame lag or lead, left / right swapped), and
:func:`condition_at_latent` downsamples them either by nearest sampling (the pipeline's own
``resize_condition``) or by :func:`revision.render.downsample.downsample_condition` (limb-preserving).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from revision.palette import NUM_PARTS, colorize
from revision.shards import list_shards, read_shard
from revision.types import ConditionMaps
from revision.video_model.pipeline import resize_condition

MIX_NAMES = ("full", "sketch", "empty")
CONDITION_SOURCES = ("shard", "render")


def frame_indices(num_available: int, num_frames: int, stride: int) -> np.ndarray:
    """The first ``num_frames`` frames taken every ``stride``; shorter clips are stretched evenly."""
    want = (num_frames - 1) * stride + 1
    if num_available >= want:
        return np.arange(num_frames) * stride
    return np.linspace(0, num_available - 1, num_frames).round().astype(int)


def sketch_condition(part_ids_last: np.ndarray, num_frames: int) -> ConditionMaps:
    """Target-pose polygons on the last frame (confidence 0.5), nothing elsewhere.

    Uses :func:`revision.sketch.parse_sketch` on the part masks painted in palette colours (what a user
    sketch is); when it rejects them (:class:`~revision.sketch.SketchError`: e.g. every part is too small
    to be a stroke), the convex hull of each part's mask.
    """
    from revision.sketch import SketchError, parse_sketch

    H, W = part_ids_last.shape
    if (part_ids_last > 0).any():
        rgba = np.zeros((H, W, 4), np.uint8)
        rgba[..., :3] = colorize(part_ids_last)
        rgba[..., 3] = np.where(part_ids_last > 0, 255, 0)
        try:
            return parse_sketch(rgba).to_condition(num_frames, H, W)
        except SketchError:
            pass  # the hulls below
    import cv2

    ids = np.zeros((num_frames, H, W), np.int16)
    for pid in np.unique(part_ids_last):
        if pid <= 0:
            continue
        ys, xs = np.nonzero(part_ids_last == pid)
        pts = np.stack([xs, ys], 1).astype(np.int32)
        hull = cv2.convexHull(pts)
        canvas = ids[-1].copy()
        cv2.fillPoly(canvas, [hull], int(pid))
        ids[-1] = np.where(ids[-1] == 0, canvas, ids[-1])
    conf = np.where(ids > 0, 0.5, 0.0).astype(np.float32)
    return ConditionMaps(ids, conf)


def clip_pixels(feature_extractor, first_frame: torch.Tensor, size: int) -> torch.Tensor:
    """(B, 3, H, W) in [0, 1] → (B, 3, size, size) CLIP input, as the pipeline's ``_encode_image``."""
    from diffusers.pipelines.stable_video_diffusion.pipeline_stable_video_diffusion import (
        _resize_with_antialiasing,
    )

    x = (_resize_with_antialiasing(first_frame * 2.0 - 1.0, (size, size)) + 1.0) / 2.0
    out = feature_extractor(images=x, do_normalize=True, do_center_crop=False, do_resize=False,
                            do_rescale=False, return_tensors="pt").pixel_values  # fmt: skip
    return torch.as_tensor(out, dtype=torch.float32)


def vae_fingerprint(vae) -> str:
    """A short hash of the VAE weights + config (the cache is per VAE)."""
    h = hashlib.sha1(json.dumps(dict(vae.config), sort_keys=True, default=str).encode())
    for k, v in sorted(vae.state_dict().items()):
        h.update(k.encode())
        h.update(v.detach().float().cpu().numpy().tobytes()[:4096])
    return h.hexdigest()[:12]


@torch.no_grad()
def encode_shards(
    shard_dir: str | Path, cache_dir: str | Path, vae, feature_extractor, *, height: int, width: int,
    num_frames: int, stride: int = 1, clip_size: int = 224, noise_aug_strength: float = 0.02,
    limit: int | None = None, progress: bool = True, device: str | torch.device = "cpu",
    condition_source: str = "shard",
) -> list[Path]:  # fmt: skip
    """Encode every shard once (skips clips already cached); returns the cache files, sorted."""
    if condition_source not in CONDITION_SOURCES:
        raise ValueError(f"condition_source must be one of {CONDITION_SOURCES}, got {condition_source!r}")
    from tqdm import tqdm

    from revision.pipeline import fit_image

    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    shards = list_shards(shard_dir)[:limit]
    if not shards:
        raise FileNotFoundError(
            f"no shards (*.npz) in {shard_dir}; write some with `python -m revision.synthetic`"
        )
    scale = float(vae.config.scaling_factor)
    out: list[Path] = []
    for path in tqdm(shards, desc="encoding clips", disable=not progress):
        target = cache_dir / f"{path.stem}.pt"
        out.append(target)
        if target.exists():
            continue
        sh = read_shard(path)
        idx = frame_indices(sh.frames.shape[0], num_frames, stride)
        frames = sh.frames[idx]
        if frames.shape[1:3] != (height, width):
            import PIL.Image

            frames = np.stack(
                [np.asarray(fit_image(PIL.Image.fromarray(f), width, height)[0]) for f in frames]
            )
        masks = sh.condition
        if condition_source == "render":
            from revision.render import render_condition

            masks = render_condition(sh.motion, *sh.condition.part_ids.shape[1:])
        cond = ConditionMaps(masks.part_ids[idx], masks.confidence[idx])
        x = torch.from_numpy(frames).permute(0, 3, 1, 2).float().div(255.0).to(device)  # (F, 3, H, W)
        lat = vae.encode(x * 2 - 1).latent_dist.mode() * scale
        gen = torch.Generator().manual_seed(int(hashlib.sha1(path.stem.encode()).hexdigest()[:8], 16))
        noisy = x[:1] * 2 - 1 + noise_aug_strength * torch.randn(x[:1].shape, generator=gen).to(device)
        img_lat = vae.encode(noisy).latent_dist.mode()[0]
        h, w = lat.shape[-2:]
        if cond.part_ids.shape[1:] != (height, width):
            from revision.pipeline import _resample_condition

            cond = _resample_condition(cond, num_frames, height, width)
        payload = {
            "latents": lat.cpu().half(), "image_latents": img_lat.cpu().half(),
            "clip_pixels": clip_pixels(feature_extractor, x[:1].cpu(), clip_size)[0].half(),
            "cond_full": _at_latent(cond, h, w),
            "cond_sketch": _at_latent(sketch_condition(cond.part_ids[-1], num_frames), h, w),
            "first_frame": torch.from_numpy(frames[0]), "caption": sh.caption,
            "part_ids": torch.from_numpy(cond.part_ids.astype(np.int16)),
            "confidence": torch.from_numpy(cond.confidence).half(),
        }  # fmt: skip
        tmp = target.with_suffix(".tmp")
        torch.save(payload, tmp)
        tmp.replace(target)
    return sorted(out)


def _at_latent(c: ConditionMaps, h: int, w: int) -> torch.Tensor:
    """ConditionMaps (F, H, W) → (F, 2, h, w) float16 at latent size, as the pipeline resizes it."""
    arr = torch.from_numpy(c.to_array()).unsqueeze(0)
    return resize_condition(arr, c.num_frames, h, w)[0].half()


DOWNSAMPLE_METHODS = ("nearest", "limb")


def condition_at_latent(c: ConditionMaps, h: int, w: int, method: str = "nearest") -> torch.Tensor:
    """ConditionMaps (F, H, W) → (F, 2, h, w) float16: ``nearest`` as the pipeline resizes it, ``limb`` by
    :func:`revision.render.downsample.downsample_condition` (thin parts keep a cell)."""
    if method == "nearest":
        return _at_latent(c, h, w)
    if method != "limb":
        raise ValueError(f"method must be one of {DOWNSAMPLE_METHODS}, got {method!r}")
    from revision.render.downsample import downsample_condition

    return torch.from_numpy(downsample_condition(c, h, w).to_array()).half()


@dataclass(frozen=True)
class ConditionAugment:
    """Perturbations of full part masks toward S2's errors; each applies with its own probability."""

    shift_px: int = 3  # whole-clip translation, uniform in [-shift_px, shift_px] per axis
    p_jitter: float = 0.5  # ±1 px per-frame jitter on top of the shift
    p_morph: float = 0.4  # dilate or erode (3x3, toward the background) all frames
    p_part_drop: float = 0.08  # per (frame, head / limb part): set to background
    p_time_shift: float = 0.2  # frames 1.. lag or lead by one frame (frame 0 stays: S2 pins it)
    p_swap: float = 0.1  # left / right limb labels swapped (S2 flips a person's facing)


_LR_SWAP = np.arange(NUM_PARTS + 1)
for _l, _r in ((3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14)):
    _LR_SWAP[_l], _LR_SWAP[_r] = _r, _l
_DROPPABLE = np.array([1, *range(3, 15)])  # head and limbs (not torso, tail, object)


def _translate(ids: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """(H, W) shifted by (dy, dx), background fill."""
    out = np.zeros_like(ids)
    H, W = ids.shape
    ys, yd = (slice(0, H - dy), slice(dy, H)) if dy >= 0 else (slice(-dy, H), slice(0, H + dy))
    xs, xd = (slice(0, W - dx), slice(dx, W)) if dx >= 0 else (slice(-dx, W), slice(0, W + dx))
    out[yd, xd] = ids[ys, xs]
    return out


def augment_part_ids(
    ids: np.ndarray, rng: np.random.Generator, aug: ConditionAugment = ConditionAugment()
) -> np.ndarray:
    """(F, H, W) part ids → a perturbed copy (see :class:`ConditionAugment`)."""
    import cv2

    out = ids.astype(np.int16).copy()
    if rng.random() < aug.p_swap:
        out = _LR_SWAP[out].astype(np.int16)
    if rng.random() < aug.p_time_shift and len(out) > 2:
        if rng.random() < 0.5:
            out[2:] = out[1:-1].copy()  # lag
        else:
            out[1:-1] = out[2:].copy()  # lead
    dy, dx = (int(v) for v in rng.integers(-aug.shift_px, aug.shift_px + 1, 2))
    jitter = rng.random() < aug.p_jitter
    for f in range(len(out)):
        jy, jx = (int(v) for v in rng.integers(-1, 2, 2)) if jitter else (0, 0)
        if dy + jy or dx + jx:
            out[f] = _translate(out[f], dy + jy, dx + jx)
    if rng.random() < aug.p_morph:
        kernel = np.ones((3, 3), np.uint8)
        for f in range(len(out)):
            if rng.random() < 0.5:  # dilate into the background
                grown = cv2.dilate(out[f].astype(np.uint8), kernel).astype(np.int16)
                out[f] = np.where(out[f] == 0, grown, out[f])
            else:  # erode from the background
                keep = cv2.erode((out[f] > 0).astype(np.uint8), kernel).astype(bool)
                out[f] = np.where(keep, out[f], 0)
    drop = rng.random((len(out), len(_DROPPABLE))) < aug.p_part_drop
    for f, k in zip(*np.nonzero(drop), strict=True):
        out[f][out[f] == _DROPPABLE[k]] = 0
    return out


def varied_condition(item: dict, rng: np.random.Generator, *, p_augment: float = 0.0, p_limb: float = 0.0,
                     aug: ConditionAugment = ConditionAugment()) -> torch.Tensor:  # fmt: skip
    """The full-mask condition (F, 2, h, w) of a cached clip for one training step: with probability
    ``p_augment`` perturbed (:func:`augment_part_ids`, confidence 1 on the parts), with probability
    ``p_limb`` downsampled limb-preserving instead of by nearest sampling; otherwise the cached one."""
    augment, limb = rng.random() < p_augment, rng.random() < p_limb
    if not (augment or limb):
        return item["cond_full"]
    if "part_ids" not in item:
        raise KeyError("this latent cache has no full-resolution condition (part_ids): encode a fresh cache")
    ids = item["part_ids"].numpy().astype(np.int16)
    conf = item["confidence"].float().numpy()
    if augment:
        ids = augment_part_ids(ids, rng, aug)
        conf = np.where(ids > 0, float(conf.max()) if conf.size else 1.0, 0.0).astype(np.float32)
    h, w = item["cond_full"].shape[-2:]
    return condition_at_latent(
        ConditionMaps(ids, conf.astype(np.float32)), h, w, "limb" if limb else "nearest"
    )


class LatentClips(torch.utils.data.Dataset):
    """The cache files of :func:`encode_shards`, kept in memory once read (they are small)."""

    def __init__(self, files: Sequence[str | Path], keep_in_memory: bool = True):
        self.files = [Path(f) for f in files]
        self.keep = keep_in_memory
        self._mem: dict[int, dict] = {}

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> dict:
        if i in self._mem:
            return self._mem[i]
        item = torch.load(self.files[i], weights_only=True)
        if self.keep:
            self._mem[i] = item
        return item


def pick_conditions(cond_full: torch.Tensor, cond_sketch: torch.Tensor, u: torch.Tensor,
                    mix: tuple[float, float, float] = (0.4, 0.3, 0.3)) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
    """Per-sample conditioning mix. (B, F, 2, h, w) x2 and uniforms ``u`` (B,) → condition, kind (B,).

    ``kind`` is 0 = full masks (confidence 1), 1 = last-frame sketch polygons (0.5), 2 = empty (0).
    """
    if abs(sum(mix) - 1.0) > 1e-6:
        raise ValueError(f"conditioning mix must sum to 1, got {mix}")
    kind = torch.full_like(u, 2, dtype=torch.long)
    kind[u < mix[0] + mix[1]] = 1
    kind[u < mix[0]] = 0
    sel = kind.view(-1, 1, 1, 1, 1)
    cond = torch.where(sel == 0, cond_full, torch.where(sel == 1, cond_sketch, torch.zeros_like(cond_full)))
    return cond, kind


def collate(items: list[dict]) -> dict[str, torch.Tensor]:
    keys = ("latents", "image_latents", "clip_pixels", "cond_full", "cond_sketch")
    return {k: torch.stack([it[k] for it in items]).float() for k in keys}
