"""The shipped ReVision-mini weights: resolved offline, loaded, and sampling clips of the native shape."""

from __future__ import annotations

import pytest

from revision.config import MINI_CONFIG
from revision.weights import EMBEDDED_DIR, resolve

MINI_DIR = EMBEDDED_DIR / "revision_mini"
pytestmark = pytest.mark.skipif(not (MINI_DIR / "model_index.json").exists(), reason="embedded weights not built")


def test_embedded_weights_are_the_default(monkeypatch):
    monkeypatch.delenv("REVISION_VIDEO_WEIGHTS", raising=False)
    r = resolve("video_model")
    assert r.source == "embedded" and r.location == str(MINI_DIR)
    size = sum(p.stat().st_size for p in MINI_DIR.rglob("*") if p.is_file())
    assert size < 20e6  # a few MB in the repository
    assert list(MINI_DIR.rglob("*.safetensors"))


def test_embedded_pipeline_produces_a_native_clip(monkeypatch):
    from revision.pipeline import ReVisionPipeline
    from revision.synthetic.world import WorldConfig, make_clip

    monkeypatch.delenv("REVISION_VIDEO_WEIGHTS", raising=False)
    pipe = ReVisionPipeline.from_pretrained(None, motion_stage=None)
    assert pipe.config == MINI_CONFIG and "embedded" in pipe.backends["video_model"]
    assert pipe.video.unet.conv_in.in_channels == 10
    image = make_clip(1_000_000, WorldConfig(size=64, num_frames=2)).frames[0]
    out = pipe(image, num_inference_steps=2, seed=0, s3="conditioned")  # the mini itself (auto: animation)
    s = MINI_CONFIG.svd
    assert out.final.frames.shape == (s.num_frames, s.height, s.width, 3)
    assert out.coarse.frames.shape[0] == MINI_CONFIG.efficient.apply(s).num_frames
    assert out.final.frames.std() > 1.0  # not a constant image
    assert "embedded" in out.backends["video_model"] and out.s3_mode == "conditioned"
