"""The paper's training perturbations (Sec. 4.2) plus missing-frame patterns, on token features.

All functions act on one track's features ``x`` (F, D) and return new tensors. Temporal
perturbations are expressed as *index maps* ``idx`` (F,) of source frames (``x[idx]``), so their
properties are easy to state and test:

1. :func:`add_noise` — small Gaussian noise on every feature;
2. :func:`shuffle_indices` — the frames of one segment in a random internal order;
3. :func:`drop_indices` — a segment is dropped and the rest repeated to keep the length, either by
   stretching the remainder uniformly (``"stretch"``) or by shifting it forward and holding the last
   frame (``"hold"``);
4. :func:`missing_mask` — frames the refiner must fill in (random gaps, every k-th frame kept for
   interpolation, a missing tail for extrapolation); :func:`fill_missing` gives their input values.

:func:`perturb` samples a random combination. Frame states fed to the model: 0 = missing,
1 = observed (possibly corrupted), 2 = pinned (exact; the first frame always, the last one sometimes).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

MISSING, OBSERVED, PINNED = 0, 1, 2


@dataclass(frozen=True)
class PerturbConfig:
    p_noise: float = 0.7  # probability of adding small noise
    noise_std: tuple[float, float] = (0.005, 0.05)  # noise std range (6D units ≈ rad; metres)
    p_shuffle: float = 0.4  # probability of shuffling one segment
    p_drop: float = 0.4  # probability of dropping one segment
    segment: tuple[int, int] = (2, 8)  # segment length range (inclusive) for shuffle/drop
    p_missing: float = 0.35  # probability of a missing-frame pattern
    p_pin_last: float = 0.3  # probability that the last frame is pinned to its clean value


def _randint(lo: int, hi: int, g: torch.Generator | None) -> int:
    """Uniform integer in [lo, hi]."""
    return int(torch.randint(lo, hi + 1, (1,), generator=g))


def _rand(g: torch.Generator | None) -> float:
    return float(torch.rand((), generator=g))


def add_noise(x: torch.Tensor, std: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """(F, D) → (F, D) + N(0, std²)."""
    return x + std * torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)


def shuffle_indices(num_frames: int, start: int, length: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """(F,) index map: identity except ``[start, start+length)`` which is a random non-identity permutation
    of itself (for ``length >= 2``)."""
    if not (0 <= start and length >= 0 and start + length <= num_frames):
        raise ValueError(f"segment [{start}, {start + length}) outside 0..{num_frames}")
    idx = torch.arange(num_frames)
    if length < 2:
        return idx
    perm = torch.randperm(length, generator=generator)
    if torch.equal(perm, torch.arange(length)):
        perm = perm.roll(1)
    idx[start : start + length] = start + perm
    return idx


def drop_indices(num_frames: int, start: int, length: int, mode: str = "stretch") -> torch.Tensor:
    """(F,) index map that drops ``[start, start+length)`` and repeats the remaining frames to length F.

    ``"stretch"``: remaining frames are repeated uniformly (nearest-neighbour time stretch);
    ``"hold"``: they shift forward and the last remaining frame is repeated at the end.
    The map is non-decreasing and never points into the dropped segment.
    """
    if not (0 <= start and length >= 0 and start + length <= num_frames) or length >= num_frames:
        raise ValueError(f"cannot drop [{start}, {start + length}) from {num_frames} frames")
    keep = torch.cat([torch.arange(start), torch.arange(start + length, num_frames)])
    if mode == "stretch":
        return keep[(torch.arange(num_frames) * len(keep)) // num_frames]
    if mode == "hold":
        return torch.cat([keep, keep[-1:].expand(length)])
    raise ValueError(f"drop mode must be 'stretch' or 'hold', got {mode!r}")


def missing_mask(num_frames: int, pattern: str, generator: torch.Generator | None = None, *,
                 stride: int = 2, tail: int | None = None, rate: float = 0.3) -> torch.Tensor:  # fmt: skip
    """(F,) bool, True where a frame is observed. Frame 0 is always observed.

    ``"random"``: each frame missing with probability ``rate``; ``"interleave"``: every ``stride``-th
    frame observed (and the last); ``"tail"``: the last ``tail`` frames missing (default: half).
    """
    obs = torch.ones(num_frames, dtype=torch.bool)
    if pattern == "random":
        obs = torch.rand(num_frames, generator=generator) >= rate
    elif pattern == "interleave":
        obs = torch.arange(num_frames) % stride == 0
        obs[-1] = True
    elif pattern == "tail":
        n = num_frames // 2 if tail is None else tail
        obs[num_frames - n :] = False
    else:
        raise ValueError(f"unknown missing pattern {pattern!r}")
    obs[0] = True
    return obs


def fill_missing(x: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
    """(F, D), (F,) bool → (F, D): missing frames linearly interpolated between observed neighbours,
    held constant before the first / after the last observed frame."""
    n = x.shape[0]
    if bool(observed.all()):
        return x.clone()
    if not bool(observed.any()):
        raise ValueError("fill_missing needs at least one observed frame")
    f = torch.arange(n, device=x.device)
    left = torch.where(observed, f, torch.full_like(f, -1)).cummax(0).values  # last observed ≤ f
    right = torch.where(observed, f, torch.full_like(f, n)).flip(0).cummin(0).values.flip(0)  # first ≥ f
    i0 = torch.where(left < 0, right, left)
    i1 = torch.where(right >= n, i0, right)
    w = ((f - i0).float() / (i1 - i0).clamp(min=1).float()).clamp(0, 1).to(x.dtype)[:, None]
    return x[i0] * (1 - w) + x[i1] * w


@dataclass
class Perturbed:
    x: torch.Tensor  # (F, D) model input (missing frames filled by fill_missing)
    state: torch.Tensor  # (F,) long: 0 missing, 1 observed, 2 pinned
    applied: list[str]  # names of the perturbations applied, in order


def perturb(x: torch.Tensor, cfg: PerturbConfig = PerturbConfig(), generator: torch.Generator | None = None) -> Perturbed:
    """Random perturbation of clean features (F, D); frame 0 (and maybe the last) stay exact and pinned."""
    n = x.shape[0]
    out = x.clone()
    applied: list[str] = []
    lo, hi = cfg.segment
    if n >= 4 and _rand(generator) < cfg.p_shuffle:
        length = _randint(min(lo, n - 2), min(hi, n - 2), generator)
        start = _randint(1, n - length - 1, generator)
        out = out[shuffle_indices(n, start, length, generator)]
        applied.append("shuffle")
    if n >= 4 and _rand(generator) < cfg.p_drop:
        length = _randint(min(lo, n - 2), min(hi, n - 2), generator)
        start = _randint(1, n - length - 1, generator)
        mode = "stretch" if _rand(generator) < 0.5 else "hold"
        out = out[drop_indices(n, start, length, mode)]
        applied.append(f"drop-{mode}")
    if _rand(generator) < cfg.p_noise:
        std = cfg.noise_std[0] + (cfg.noise_std[1] - cfg.noise_std[0]) * _rand(generator)
        out = add_noise(out, std, generator)
        applied.append("noise")
    observed = torch.ones(n, dtype=torch.bool)
    if n >= 4 and _rand(generator) < cfg.p_missing:
        pattern = ("random", "interleave", "tail")[_randint(0, 2, generator)]
        observed = missing_mask(n, pattern, generator, stride=_randint(2, 4, generator),
                                tail=_randint(1, n // 2, generator), rate=0.2 + 0.4 * _rand(generator))  # fmt: skip
        applied.append(f"missing-{pattern}")
    state = torch.where(observed, OBSERVED, MISSING)
    state[0] = PINNED
    out[0] = x[0]
    if _rand(generator) < cfg.p_pin_last:
        state[-1] = PINNED
        out[-1] = x[-1]
        observed[-1] = True
    out = fill_missing(out, observed)
    return Perturbed(out, state, applied)
