"""LPIPS: the published formula over a backbone that is passed in.

``d(x, y) = Σ_l mean_hw( w_l · (x̂_l - ŷ_l)² )`` with x̂_l the channel-unit-normalised layer-l features.
:class:`PerceptualDistance` implements it for any backbone returning a list of feature maps (tests use a
tiny random conv net). :func:`load_lpips` returns torchmetrics' AlexNet LPIPS (v0.1 linear layers), the
network the published TikTok numbers use; it needs torchvision (an extra, DESIGN.md §4) and torchvision's
cached AlexNet weights.

Input convention (as the ``lpips`` package and DisCo's scripts): RGB in [-1, 1], (N, 3, H, W), frames at
the evaluation resolution (no resize inside).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from eval.weights import missing_weights


def _unit_normalise(f: Tensor, eps: float = 1e-10) -> Tensor:
    return f / torch.sqrt((f * f).sum(dim=1, keepdim=True) + eps)


class PerceptualDistance(nn.Module):
    """(N, 3, H, W) x, y in [-1, 1] → (N,) LPIPS-style distance over ``backbone``'s feature maps.

    ``weights``: per-layer (C_l,) non-negative channel weights (LPIPS' 1×1 "lin" layers); default is the
    uniform 1/C_l (i.e. the channel mean).
    """

    def __init__(self, backbone: nn.Module, weights: list[Tensor] | None = None):
        super().__init__()
        self.backbone = backbone
        self.weights = None if weights is None else [w.detach().clone() for w in weights]

    @torch.no_grad()
    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        fx, fy = self.backbone(x), self.backbone(y)
        total = torch.zeros(x.shape[0], dtype=torch.float32, device=x.device)
        for i, (a, b) in enumerate(zip(fx, fy)):
            d = (_unit_normalise(a) - _unit_normalise(b)) ** 2  # (N, C, h, w)
            w = self.weights[i].to(d) if self.weights is not None else torch.full((d.shape[1],), 1.0 / d.shape[1]).to(d)
            total += (d * w.view(1, -1, 1, 1)).sum(1).mean((1, 2))
        return total


class _TorchmetricsLpips(nn.Module):
    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    @torch.no_grad()
    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        return self.net(x, y, normalize=False).reshape(x.shape[0])


def load_lpips(net_type: str = "alex") -> nn.Module:
    """torchmetrics' LPIPS network (``alex``/``vgg``/``squeeze``) as an ``(x, y) → (N,)`` module."""
    try:
        import torchvision  # noqa: F401
    except Exception as e:  # noqa: BLE001 - ImportError or torchvision's operator-registration RuntimeError
        raise ImportError(
            f"LPIPS backbones need torchvision, which does not import here ({type(e).__name__}: {e}). It is an "
            "extra: in an environment with a matching torch (e.g. `pip install torch==2.14.1 torchvision==0.29.1` "
            "in a separate venv), or pass your own backbone to eval.lpips.PerceptualDistance."
        ) from None
    from torchmetrics.functional.image.lpips import _NoTrainLpips

    try:
        net = _NoTrainLpips(net=net_type)
    except Exception as e:  # noqa: BLE001 - torchvision tried to download ImageNet weights
        raise missing_weights("lpips", f"{net_type} ({type(e).__name__})") from None
    return _TorchmetricsLpips(net.eval())
