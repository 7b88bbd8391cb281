"""Fréchet distance between two Gaussians fitted to feature sets (the core of FID and FVD).

``d² = ||μ₁ - μ₂||² + Tr(Σ₁ + Σ₂ - 2 (Σ₁ Σ₂)^{1/2})``; the matrix square root's trace is taken from the
eigenvalues of Σ₁Σ₂ (as torchmetrics does), which avoids ``scipy.linalg.sqrtm``'s complex round-off.
"""

from __future__ import annotations

import torch
from torch import Tensor


def gaussian_stats(features: Tensor) -> tuple[Tensor, Tensor]:
    """(N, D) features → mean (D,) and unbiased covariance (D, D), float64. Needs N ≥ 2."""
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError(f"need (N>=2, D) features, got {tuple(features.shape)}")
    f = features.double()
    mu = f.mean(0)
    centred = f - mu
    return mu, centred.T @ centred / (f.shape[0] - 1)


def frechet_distance(mu1: Tensor, sigma1: Tensor, mu2: Tensor, sigma2: Tensor) -> Tensor:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2). mu: (D,), sigma: (D, D) → scalar."""
    mu1, mu2, sigma1, sigma2 = mu1.double(), mu2.double(), sigma1.double(), sigma2.double()
    a = (mu1 - mu2).square().sum()
    b = sigma1.trace() + sigma2.trace()
    c = torch.linalg.eigvals(sigma1 @ sigma2).sqrt().real.sum()
    return (a + b - 2 * c).clamp_min(0.0)


def frechet_distance_from_features(feats1: Tensor, feats2: Tensor) -> Tensor:
    """Fréchet distance between two (N, D) feature sets."""
    return frechet_distance(*gaussian_stats(feats1), *gaussian_stats(feats2))
