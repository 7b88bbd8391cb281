"""Frame-averaged reconstruction metrics of the TikTok-dance protocol (DisCo / MagicAnimate Table 4).

SSIM (Gaussian 11×11, σ=1.5, as scikit-image with ``gaussian_weights=True``), PSNR (data range 1), L1 and
LPIPS, each computed per frame pair and averaged over all frames of all videos. :class:`FrameMetrics` is a
torchmetrics ``Metric`` (sums + counts as state, so batching does not change the result).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torchmetrics import Metric


def _check(pred: Tensor, target: Tensor) -> None:
    if pred.shape != target.shape or pred.ndim != 4 or pred.shape[1] != 3:
        raise ValueError(f"pred and target must both be (N, 3, H, W), got {tuple(pred.shape)} and {tuple(target.shape)}")


def psnr_per_frame(pred: Tensor, target: Tensor) -> Tensor:
    """(N, 3, H, W) float in [0, 1] → (N,) PSNR in dB (data range 1)."""
    _check(pred, target)
    mse = (pred.double() - target.double()).square().mean((1, 2, 3))
    return 10 * torch.log10(1.0 / mse)


def _gaussian_window(sigma: float = 1.5, radius: int = 5) -> Tensor:
    x = torch.arange(-radius, radius + 1, dtype=torch.float64)
    g = torch.exp(-(x**2) / (2 * sigma**2))
    return g / g.sum()


def ssim_per_frame(pred: Tensor, target: Tensor, sigma: float = 1.5) -> Tensor:
    """(N, 3, H, W) float in [0, 1] → (N,) SSIM: Gaussian window (σ 1.5, 11 taps), K=(0.01, 0.03), population
    covariance, mean over the valid (un-padded) area and channels — scikit-image's
    ``structural_similarity(..., gaussian_weights=True, use_sample_covariance=False, data_range=1)``."""
    _check(pred, target)
    x, y = pred.double().contiguous(), target.double().contiguous()
    h, w = x.shape[-2:]
    if min(h, w) < 11:
        raise ValueError(f"SSIM needs frames of at least 11x11, got {h}x{w}")
    g = _gaussian_window(sigma).to(x.device)
    # small chunks: the filter makes many temporaries, and big fresh allocations cost more than the arithmetic
    return torch.cat([_ssim_chunk(x[i : i + 2], y[i : i + 2], g) for i in range(0, x.shape[0], 2)])


def _ssim_chunk(x: Tensor, y: Tensor, g: Tensor) -> Tensor:
    h, w, k = x.shape[-2], x.shape[-1], g.shape[0]

    def blur(t: Tensor) -> Tensor:  # separable valid Gaussian filter: (N, C, H, W) → (N, C, H-10, W-10)
        rows = sum(g[i] * t[:, :, i : h - k + 1 + i] for i in range(k))
        return sum(g[i] * rows[:, :, :, i : w - k + 1 + i] for i in range(k))

    ux, uy = blur(x), blur(y)
    vx, vy, vxy = blur(x * x) - ux * ux, blur(y * y) - uy * uy, blur(x * y) - ux * uy
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux**2 + uy**2 + c1) * (vx + vy + c2))
    return s.mean((1, 2, 3))

def l1_per_frame(pred: Tensor, target: Tensor) -> Tensor:
    """(N, 3, H, W) → (N,) mean absolute error in [0, 1] units."""
    _check(pred, target)
    return (pred.double() - target.double()).abs().mean((1, 2, 3))


class FrameMetrics(Metric):
    """Accumulates per-frame SSIM, PSNR, L1 (and LPIPS when ``lpips_net`` is given) over frame pairs.

    ``update(pred, target)`` with float (N, 3, H, W) in [0, 1]; ``compute()`` → dict of frame means.
    ``lpips_net``: ``(x, y in [-1, 1]) → (N,)`` (see :mod:`eval.lpips`).
    """

    full_state_update = False

    def __init__(self, lpips_net: nn.Module | None = None, **kwargs):
        super().__init__(**kwargs)
        self.lpips_net = lpips_net
        for name in ("ssim", "psnr", "l1", "lpips"):
            self.add_state(f"{name}_sum", torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("frames", torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, pred: Tensor, target: Tensor) -> None:
        pred, target = pred.float(), target.float()
        self.ssim_sum += ssim_per_frame(pred, target).sum()
        self.psnr_sum += psnr_per_frame(pred, target).sum()
        self.l1_sum += l1_per_frame(pred, target).sum()
        if self.lpips_net is not None:
            self.lpips_sum += self.lpips_net(pred * 2 - 1, target * 2 - 1).double().sum()
        self.frames += pred.shape[0]

    def compute(self) -> dict[str, float]:
        if int(self.frames) == 0:
            raise RuntimeError("FrameMetrics.compute() called before any update()")
        n = self.frames.double()
        out = {"ssim": self.ssim_sum / n, "psnr": self.psnr_sum / n, "l1": self.l1_sum / n}
        if self.lpips_net is not None:
            out["lpips"] = self.lpips_sum / n
        return {k: float(v) for k, v in out.items()}
