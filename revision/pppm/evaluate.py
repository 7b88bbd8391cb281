"""Denoising evaluation: PPPM vs. the perturbed input vs. a temporal low-pass filter.

Error metric: per-frame L2 norm of the feature difference over the entries a track's kind uses
(6D rotations + first-frame-relative translation in metres, or the 21 object points), averaged over
frames and tracks ("parameter L2"). The low-pass baseline is a Gaussian filter along time applied to the
perturbed features; we report the best of several widths (the strongest version of the baseline).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

from revision.pppm.model import PPPM
from revision.pppm.perturb import OBSERVED, PINNED, add_noise, drop_indices, shuffle_indices
from revision.pppm.refine import enforce_pins
from revision.pppm.representation import KIND_DIM, KINDS

PERTURBATIONS = ("noise", "shuffle", "drop")
LOWPASS_SIGMAS = (0.5, 1.0, 1.5, 2.0, 3.0)


def lowpass(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """(F, D) → (F, D) Gaussian-smoothed along time (edge frames replicated)."""
    r = max(1, int(3 * sigma + 0.5))
    k = torch.exp(-0.5 * (torch.arange(-r, r + 1, dtype=x.dtype) / sigma) ** 2)
    k = k / k.sum()
    xp = torch.cat([x[:1].expand(r, -1), x, x[-1:].expand(r, -1)])  # (F + 2r, D)
    return torch.nn.functional.conv1d(xp.T[:, None], k[None, None]).squeeze(1).T


def param_error(pred: torch.Tensor, clean: torch.Tensor, kind: int) -> float:
    """Mean per-frame L2 distance between (F, D) features over the kind's entries."""
    d = KIND_DIM[KINDS[kind]]
    return float((pred[:, :d] - clean[:, :d]).norm(dim=-1).mean())


def apply_perturbation(x: torch.Tensor, name: str, g: torch.Generator) -> torch.Tensor:
    """The evaluation version of each perturbation (fixed sizes): noise std 0.03, a shuffled or dropped
    segment of max(3, F // 4) frames starting after the pinned first frame."""
    n = x.shape[0]
    if name == "noise":
        return add_noise(x, 0.03, g)
    length = max(3, n // 4)
    start = int(torch.randint(1, n - length, (1,), generator=g))
    if name == "shuffle":
        return x[shuffle_indices(n, start, length, g)]
    if name == "drop":
        mode = "stretch" if torch.rand((), generator=g) < 0.5 else "hold"
        return x[drop_indices(n, start, length, mode)]
    raise ValueError(f"unknown perturbation {name!r}; choose from {PERTURBATIONS}")


@dataclass
class DenoiseResult:
    perturbation: str
    err_input: float  # perturbed input vs clean
    err_model: float  # PPPM output vs clean
    err_lowpass: float  # best low-pass baseline vs clean
    lowpass_sigma: float  # the width (frames) of that best baseline
    factor_vs_input: float  # err_input / err_model (> 1: the model removes error)
    factor_vs_lowpass: float  # err_lowpass / err_model (> 1: the model beats the filter)

    def to_dict(self) -> dict:
        return asdict(self)


@torch.inference_mode()
def denoising_benchmark(model: PPPM | None, samples: list, text: torch.Tensor, *, seed: int = 0,
                        perturbations: tuple[str, ...] = PERTURBATIONS, repair: str = "none") -> dict[str, DenoiseResult]:  # fmt: skip
    """Evaluate on ``samples`` (list of :class:`revision.training.pppm_data.MotionSample`, equal length F);
    ``text`` (N, text_dim) embeddings of their captions. One perturbation of each kind per track.

    ``repair`` (a :data:`revision.pppm.repair.REPAIRS` mode) runs :func:`revision.pppm.repair.repair` on each
    perturbed track before the network, as :func:`revision.pppm.refine.refine` does; ``model=None`` scores
    the repair alone."""
    from revision.pppm.repair import repair as repair_fn

    if model is not None:
        model.eval()
    results = {}
    for name in perturbations:
        g = torch.Generator().manual_seed(seed)
        e_in, e_mod, e_lp = [], [], {s: [] for s in LOWPASS_SIGMAS}
        for i, s in enumerate(samples):
            clean = s.features
            xs = torch.stack([apply_perturbation(c, name, g) for c in clean])
            xs[:, 0] = clean[:, 0]
            state = torch.full(xs.shape[:2], OBSERVED)
            state[:, 0] = PINNED
            valid = torch.ones(xs.shape[:2], dtype=torch.bool)
            xr = torch.stack([repair_fn(c, repair) for c in xs])
            if model is None:
                out = xr
            else:
                out = model(xr[None], s.kinds[None], state[None], valid[None], text[i : i + 1], torch.tensor([s.strength]))[0]
            for j, k in enumerate(s.kinds.tolist()):
                out_j = enforce_pins(out[j], clean[j], 0, None)
                e_in.append(param_error(xs[j], clean[j], k))
                e_mod.append(param_error(out_j, clean[j], k))
                for sig in LOWPASS_SIGMAS:
                    lp = lowpass(xs[j], sig)
                    lp[0] = clean[j, 0]
                    e_lp[sig].append(param_error(lp, clean[j], k))
        mean = lambda v: sum(v) / len(v)  # noqa: E731
        sig = min(LOWPASS_SIGMAS, key=lambda s: mean(e_lp[s]))
        ei, em, el = mean(e_in), mean(e_mod), mean(e_lp[sig])
        results[name] = DenoiseResult(name, ei, em, el, sig, ei / max(em, 1e-12), el / max(em, 1e-12))
    return results


def format_results(results: dict[str, DenoiseResult]) -> str:
    """A small markdown table."""
    rows = ["| perturbation | input err | low-pass err (σ) | PPPM err | ×input | ×low-pass |", "|---|---|---|---|---|---|"]
    for r in results.values():
        rows.append(f"| {r.perturbation} | {r.err_input:.4f} | {r.err_lowpass:.4f} ({r.lowpass_sigma:g}) | "
                     f"{r.err_model:.4f} | {r.factor_vs_input:.2f} | {r.factor_vs_lowpass:.2f} |")  # fmt: skip
    return "\n".join(rows)
