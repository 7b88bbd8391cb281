"""Motion-conditioned SVD: widening, conditioning, CFG, resizing, save/load (tiny models built in code)."""

import numpy as np
import pytest
import torch
from diffusers import StableVideoDiffusionPipeline

from revision.video_model import (
    MotionConditionedSVDPipeline,
    expand_conv_in,
    load_motion_svd,
    resize_condition,
)
from revision.video_model.config import EfficientMode, SVDSettings
from revision.video_model.tiny import TINY, small_svd_components
from revision.weights import WeightsNotFoundError

KW = dict(height=64, width=64, num_frames=3, num_inference_steps=2, decode_chunk_size=3, output_type="np")


def _image(h=32, w=32):
    g = torch.Generator().manual_seed(1)
    return torch.rand(1, 3, h, w, generator=g)  # CLIP-size tensor in [0, 1]: same preprocessing in both pipelines


def _pipe(widened=True, seed=0):
    p = MotionConditionedSVDPipeline(**small_svd_components(TINY, seed=seed, widened=widened))
    p.set_progress_bar_config(disable=True)
    return p


def _run(pipe, **kw):
    return np.asarray(pipe(_image(), generator=torch.Generator().manual_seed(0), **KW, **kw).frames)


def test_expand_conv_in_copies_weights_and_zero_inits():
    comps = small_svd_components(TINY, widened=False)
    unet = comps["unet"]
    old = unet.conv_in.weight.detach().clone()
    expand_conv_in(unet, 2)
    assert unet.conv_in.in_channels == 10 and unet.config.in_channels == 10
    assert torch.equal(unet.conv_in.weight[:, :8], old)
    assert torch.count_nonzero(unet.conv_in.weight[:, 8:]) == 0


def test_widened_pipeline_equals_stock_8_channel_pipeline():
    comps = small_svd_components(TINY, widened=False)
    stock = StableVideoDiffusionPipeline(**comps)
    stock.set_progress_bar_config(disable=True)
    ref = np.asarray(stock(_image(), generator=torch.Generator().manual_seed(0), **KW).frames)
    widened = MotionConditionedSVDPipeline(**comps)  # same modules
    expand_conv_in(widened.unet, 2)
    widened.set_progress_bar_config(disable=True)
    out = np.asarray(widened(_image(), generator=torch.Generator().manual_seed(0), **KW).frames)
    assert out.shape == ref.shape == (1, 3, 64, 64, 3)
    np.testing.assert_allclose(out, ref, atol=1e-6)
    # and an explicit empty condition is the same as none
    cond = torch.zeros(1, 3, 2, 64, 64)
    np.testing.assert_allclose(_run(widened, condition=cond), out, atol=1e-6)


def _nonzero_condition_weights(pipe):
    with torch.no_grad():
        torch.manual_seed(3)
        pipe.unet.conv_in.weight[:, 8:] = torch.randn_like(pipe.unet.conv_in.weight[:, 8:])


def test_nonzero_condition_changes_output():
    pipe = _pipe()
    _nonzero_condition_weights(pipe)
    empty = _run(pipe)
    cond = torch.zeros(1, 3, 2, 64, 64)
    cond[:, :, 0, 16:48, 16:40] = 0.5
    cond[:, :, 1, 16:48, 16:40] = 1.0
    out = _run(pipe, condition=cond)
    assert np.abs(out - empty).mean() > 1e-3


def test_cfg_unconditional_half_sees_zero_condition():
    pipe = _pipe()
    seen = []
    orig = pipe.unet.forward

    def spy(sample, *a, **k):
        seen.append(sample.detach().clone())
        return orig(sample, *a, **k)

    pipe.unet.forward = spy
    cond = torch.ones(1, 3, 2, 64, 64)
    _run(pipe, condition=cond, min_guidance_scale=1.0, max_guidance_scale=3.0)
    assert seen, "unet was not called"
    for x in seen:
        assert x.shape[0] == 2 and x.shape[2] == 10  # CFG batch, 4 + 4 + 2 channels
        assert torch.count_nonzero(x[0, :, 8:]) == 0  # unconditional half
        assert torch.all(x[1, :, 8:] == 1.0)  # conditional half: the (resized) condition


def test_resize_condition_non_square_and_frames():
    cond = torch.zeros(2, 5, 2, 48, 80)
    cond[:, :, 0, :, 40:] = 0.75  # right half is one part
    cond[:, :, 1] = 1.0
    out = resize_condition(cond, 3, 6, 10)
    assert out.shape == (2, 3, 2, 6, 10)
    assert torch.all(out[:, :, 0, :, 5:] == 0.75) and torch.all(out[:, :, 0, :, :5] == 0)
    assert torch.allclose(out[:, :, 1], torch.ones(2, 3, 6, 10))
    # nearest: part ids are never blended into values that belong to no part
    assert set(out[:, :, 0].unique().tolist()) <= {0.0, 0.75}
    with pytest.raises(ValueError, match=r"\(B, F, 2, H, W\)"):
        resize_condition(torch.zeros(1, 3, 3, 8, 8), 3, 4, 4)


def test_pipeline_runs_non_square_with_full_res_condition():
    pipe = _pipe()
    img = (np.random.default_rng(0).random((64, 96, 3)) * 255).astype(np.uint8)
    cond = np.zeros((1, 6, 2, 64, 96), np.float32)
    out = pipe(img, condition=cond, **{**KW, "width": 96})
    assert np.asarray(out.frames).shape == (1, 3, 64, 96, 3)


def test_save_load_round_trip_keeps_10_channels_and_outputs(tmp_path):
    pipe = _pipe()
    _nonzero_condition_weights(pipe)
    cond = torch.rand(1, 3, 2, 64, 64)
    ref = _run(pipe, condition=cond)
    pipe.save_pretrained(tmp_path / "m")
    loaded, resolved = load_motion_svd(tmp_path / "m")
    loaded.set_progress_bar_config(disable=True)
    assert resolved.source == "path"
    assert loaded.unet.config.in_channels == 10 and loaded.unet.conv_in.in_channels == 10
    np.testing.assert_allclose(_run(loaded, condition=cond), ref, atol=1e-5)


def test_loading_stock_8_channel_checkpoint_widens_it(tmp_path):
    stock = StableVideoDiffusionPipeline(**small_svd_components(TINY, widened=False))
    stock.save_pretrained(tmp_path / "stock")
    loaded, _ = load_motion_svd(tmp_path / "stock")
    assert loaded.unet.config.in_channels == 10
    assert torch.count_nonzero(loaded.unet.conv_in.weight[:, 8:]) == 0


def test_missing_weights_error_names_hf_id_and_command(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(WeightsNotFoundError) as e:
        load_motion_svd(tmp_path / "nope")
    assert "huggingface-cli download stabilityai/stable-video-diffusion-img2vid-xt-1-1" in str(e.value)
    with pytest.raises(WeightsNotFoundError, match="not in the HF cache"):
        load_motion_svd("stabilityai/stable-video-diffusion-img2vid-xt-1-1")


def test_efficient_mode_is_the_papers_quarter_pixels_half_frames():
    full = SVDSettings()
    s1 = EfficientMode().apply(full)
    assert (s1.width * s1.height) / (full.width * full.height) == pytest.approx(0.25, rel=0.05)
    assert s1.num_frames == full.num_frames // 2
    assert s1.num_inference_steps < full.num_inference_steps
    assert (s1.width, s1.height) == (512, 288)
    with pytest.raises(ValueError):
        EfficientMode(pixel_fraction=0)


def test_plain_call_is_bit_identical_to_diffusers_svd():
    """Without a reference the sampler is SVD's, bit for bit (per-call scheduler copy, local guidance scale)."""
    comps = small_svd_components(TINY, widened=False)
    stock = StableVideoDiffusionPipeline(**comps)
    stock.set_progress_bar_config(disable=True)
    ours = MotionConditionedSVDPipeline(**comps)  # same modules, 8 input channels: no condition to concatenate
    ours.set_progress_bar_config(disable=True)
    for ramp in (dict(max_guidance_scale=1.0), dict(min_guidance_scale=1.0, max_guidance_scale=3.0)):
        kw = {**KW, "num_inference_steps": 3, **ramp}
        ref = np.asarray(stock(_image(), generator=torch.Generator().manual_seed(0), **kw).frames)
        out = np.asarray(ours(_image(), generator=torch.Generator().manual_seed(0), **kw).frames)
        assert np.array_equal(out, ref)


def test_loading_the_embedded_model_prints_no_clip_processor_warning():
    import os
    import subprocess
    import sys

    code = "from revision.video_model.loading import load_motion_svd; p, r = load_motion_svd(None); print(r.source)"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "HF_HUB_OFFLINE": "1"})  # fmt: skip
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip().endswith("embedded")
    assert "requires torchvision" not in res.stderr + res.stdout
    assert "CLIPImageProcessor" not in res.stderr + res.stdout


def test_svd_xt_configs_have_the_published_parameter_counts():
    """The real-size configs in code, built on the meta device (no memory): SVD-XT's 1.52 B-parameter UNet,
    its 98 M temporal VAE and OpenCLIP ViT-H/14's 632 M vision tower."""
    from accelerate import init_empty_weights
    from diffusers import AutoencoderKLTemporalDecoder, UNetSpatioTemporalConditionModel
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    from revision.video_model.svd_xt import IMAGE_ENCODER, UNET, VAE

    with init_empty_weights():
        unet = UNetSpatioTemporalConditionModel(**UNET)
        vae = AutoencoderKLTemporalDecoder(**VAE)
        clip = CLIPVisionModelWithProjection(CLIPVisionConfig(**IMAGE_ENCODER))
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert (count(unet), count(vae), count(clip)) == (1_524_623_082, 97_742_847, 632_076_800)


@pytest.mark.slow
def test_svd_xt_smoke_runs_one_guided_step_at_real_size():
    import json
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "benchmarks.svd_xt_smoke"], capture_output=True, text=True,
                         timeout=3600)  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["ok"] and out["unet_steps"] == 1 and out["parameters"]["unet"] == 1_524_623_082 + 2 * 3 * 3 * 320


def test_gpu_check_documents_its_output_and_refuses_without_cuda():
    import subprocess
    import sys

    help_text = subprocess.run([sys.executable, "-m", "benchmarks.gpu_check", "--help"], capture_output=True,
                               text=True, timeout=120).stdout  # fmt: skip
    for word in ("peak GPU memory", "ratio", "49 s / 36 s = 1.36", "plain SVD", "--weights", "exits with status 2"):
        assert word in help_text, word
    if not torch.cuda.is_available():
        res = subprocess.run([sys.executable, "-m", "benchmarks.gpu_check", "--weights", "x"], capture_output=True,
                             text=True, timeout=300)  # fmt: skip
        assert res.returncode == 2 and len(res.stdout.strip().splitlines()) == 1 and "no CUDA" in res.stdout


def test_gpu_check_coarse_reference_moves_where_the_clip_moves():
    from benchmarks.gpu_check import coarse_reference

    coarse = np.zeros((3, 8, 16, 3), np.uint8)
    coarse[2, 2:4, 4:6] = 200  # something appears in the last frame
    ref, mask = coarse_reference(coarse, 5, 16, 32, dilate=1)
    assert ref.shape == (5, 16, 32, 3) and mask.shape == (5, 16, 32)
    assert not mask[0].any() and mask[-1].any() and not mask[-1, :, :4].any()
