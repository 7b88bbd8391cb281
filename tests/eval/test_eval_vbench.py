"""Native VBench++ I2V dimensions with tiny random backbones, and the vbench venv adapter."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from eval.vbench import NATIVE_DIMENSIONS, I2VSample
from eval.vbench.adapter import VBenchAdapter, VBenchEnvError, check_weights
from eval.vbench.camera_motion import FeatureMatchTracker, camera_type_from_prompt
from eval.vbench.i2v_subject import load_dino
from eval.vbench.setup_env import DEFAULT_VENV, is_ready
from eval.video_io import write_video
from revision.weights import WeightsNotFoundError

REPO = Path(__file__).resolve().parents[2]


def _texture(seed=0, size=(96, 160)):
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (size[0] // 4, size[1] // 4, 3), dtype=np.uint8)
    return np.kron(small, np.ones((4, 4, 1), np.uint8))  # blocky texture: distinctive at every scale


def _pan(frames=8, step=3, h=64, w=64):
    tex = _texture()
    return np.stack([tex[8 : 8 + h, 8 + i * step : 8 + i * step + w] for i in range(frames)])


class _Embed(nn.Module):
    """Tiny random global embedder: (1, 3, H, W) → (1, 32)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 32, 8, 8)

    def forward(self, x):
        return torch.tanh(self.conv(x)).flatten(2).mean(-1) + torch.tanh(self.conv(x)).flatten(1)[:, :32]


class _Dense(nn.Module):
    """Tiny random dense feature net for the tracker: (T, 3, H, W) → (T, 16, H, W)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 16, 5, padding=2)

    def forward(self, x):
        return self.conv(x)


@pytest.mark.parametrize("name", ["i2v_subject", "i2v_background"])
def test_consistency_dims_static_perfect_shuffled_lower(name):
    video = _pan()
    static = I2VSample(image=video[0], frames=np.repeat(video[:1], 8, 0))
    rng = np.random.default_rng(0)
    shuffled = I2VSample(image=video[0], frames=video[rng.permutation(8)])
    compute = NATIVE_DIMENSIONS[name]
    res_static = compute([static], model=_Embed(), device="cpu", progress=False)
    res_shuffled = compute([shuffled], model=_Embed(), device="cpu", progress=False)
    assert res_static.score == pytest.approx(1.0, abs=1e-6)
    assert res_shuffled.score < res_static.score - 1e-3
    both = compute([static, shuffled], model=_Embed(), device="cpu", progress=False)
    assert both.per_video == pytest.approx([res_static.score, res_shuffled.score])
    assert both.score == pytest.approx((res_static.score + res_shuffled.score) / 2)


def test_camera_motion_static_pan_and_reversed():
    video = _pan()
    tracker = FeatureMatchTracker(_Dense())
    compute = NATIVE_DIMENSIONS["camera_motion"]
    static = I2VSample(video[0], np.repeat(video[:1], 8, 0), prompt="a street, camera static")
    pan = I2VSample(video[0], video, prompt="a street, camera pans right")  # content slides left
    reversed_ = I2VSample(video[-1], video[::-1].copy(), prompt="a street, camera pans right")
    assert compute([static], model=tracker, progress=False).score == 1.0
    res = compute([pan, reversed_], model=tracker, progress=False)
    assert res.per_video == [1.0, 0.0]
    assert "pan_left" in res.details["predicted"][1] and "pan_right" not in res.details["predicted"][1]
    with pytest.raises(ValueError, match="names no camera motion"):
        camera_type_from_prompt("a dog runs")


def test_missing_dino_is_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("REVISION_DINO_PATH", raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(WeightsNotFoundError, match=r"DINO.*facebook/dino-vitb16.*huggingface-cli download"):
        load_dino(None)


def test_adapter_checks_venv_and_weights(tmp_path, monkeypatch):
    with pytest.raises(VBenchEnvError, match="vbench-setup"):
        VBenchAdapter(venv=tmp_path / "none").evaluate([tmp_path / "a.mp4"], ["temporal_flickering"])
    with pytest.raises(ValueError, match="native"):
        VBenchAdapter(venv=tmp_path).evaluate([], ["i2v_subject"])
    monkeypatch.setenv("VBENCH_CACHE_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"dynamic_degree: .*raft-things\.pth"):
        check_weights(["temporal_flickering", "dynamic_degree"])


@pytest.mark.slow
def test_vbench_temporal_flickering_through_adapter(tmp_path):
    """Real vbench 0.1.5 in its own venv (created by the documented command if missing; ~3 min, 5.5 GB)."""
    venv = Path(os.environ.get("REVISION_VBENCH_VENV", REPO / DEFAULT_VENV))
    if not is_ready(venv):
        subprocess.run([sys.executable, "-m", "eval", "vbench-setup", "--venv", str(venv)], cwd=REPO, check=True)
    rng = np.random.default_rng(0)
    still = np.repeat(_pan()[:1], 8, 0)
    flicker = np.clip(still.astype(int) + rng.integers(-60, 60, (8, 1, 1, 1)), 0, 255).astype(np.uint8)
    a, b = write_video(tmp_path / "still.mp4", still, 8), write_video(tmp_path / "flicker.mp4", flicker, 8)
    res = VBenchAdapter(venv=venv).evaluate([a, b], ["temporal_flickering"])["temporal_flickering"]
    assert res.per_video[0] == pytest.approx(1.0)
    assert res.per_video[1] < 0.95
    assert res.score == pytest.approx(sum(res.per_video) / 2)
