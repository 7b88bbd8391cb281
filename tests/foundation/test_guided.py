"""Guided S3 (dual-clock denoising): where and when the reference is injected, stock-weight detection."""

import numpy as np
import pytest
import torch
from diffusers import EulerDiscreteScheduler

from revision.video_model import GuidanceConfig, condition_channels_are_zero
from revision.video_model.guided import latent_mask, noised, video_tensor
from revision.video_model.tiny import TINY, small_motion_svd_pipeline

H = W = 64  # tiny VAE: 2x → 32x32 latents
F = 3


def _image():
    return torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(1))


def _reference():
    return (np.random.default_rng(0).random((F, H, W, 3)) * 255).astype(np.uint8)


def _mask():
    m = np.zeros((F, H, W), bool)
    m[1:, 10:30, 20:44] = True  # frame 0 unmoved, as a moved-region mask is
    return m


def _pipe(seed=0):
    return small_motion_svd_pipeline(TINY, seed=seed)


def _eps(pipe):
    shape = (1, F, 4, H // pipe.vae_scale_factor, W // pipe.vae_scale_factor)
    return torch.randn(shape, generator=torch.Generator().manual_seed(7))


def _ref_latents(pipe, reference=None):
    pixels = pipe.video_processor.preprocess(_image(), height=H, width=W)
    with torch.no_grad():
        return pipe.encode_reference(_reference() if reference is None else reference, pixels, F)


def test_step_indices_and_validation():
    assert GuidanceConfig().step_indices(25) == (8, 11)
    assert GuidanceConfig().step_indices(8) == (3, 4)
    assert GuidanceConfig().step_indices(50) == (16, 21)  # Time-to-Move's SVD setting
    assert GuidanceConfig(start=0.5, mask_end=0.55).step_indices(2) == (1, 2)  # m > k always
    assert GuidanceConfig(start=0.0, mask_end=1.0).step_indices(4) == (0, 4)
    for bad in (dict(start=1.0), dict(start=0.5, mask_end=0.5), dict(dilation_cells=-1), dict(first_frame="x")):
        with pytest.raises(ValueError):
            GuidanceConfig(**bad)


def test_latent_mask_any_pixel_dilation_frames_and_pin():
    m = np.zeros((2, 16, 16), np.uint8)
    m[1, 5, 9] = 1  # one pixel → latent cell (1, 2) at 4x4 cells of 4 px
    cells = latent_mask(m, 2, 4, 4, dilation_cells=0)
    assert cells.shape == (1, 2, 1, 4, 4) and cells.dtype == torch.bool
    assert cells.sum() == 1 and cells[0, 1, 0, 1, 2]
    grown = latent_mask(m, 2, 4, 4, dilation_cells=1)
    assert grown[0, 1, 0, 0:3, 1:4].all() and grown.sum() == 9
    assert latent_mask(m, 4, 4, 4, dilation_cells=0)[0, :, 0].flatten(1).any(1).tolist() == [False, False, True, True]
    assert latent_mask(m, 2, 4, 4, dilation_cells=0, pin_first=True)[0, 0].all()


def test_reference_formats_agree_and_range_is_checked():
    pipe = _pipe()
    ref = _reference()
    as_float = torch.from_numpy(ref).permute(0, 3, 1, 2).unsqueeze(0).float() / 255
    assert torch.equal(video_tensor(ref), as_float)
    torch.testing.assert_close(_ref_latents(pipe, ref), _ref_latents(pipe, as_float))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        video_tensor(as_float * 2)
    with pytest.raises(ValueError, match="reference must be"):
        video_tensor(np.zeros((F, 3, H, W), np.uint8))


def _spy_run(monkeypatch, guidance, steps=6):
    """Run guided sampling and record the latents entering each step and the scheduler's outputs."""
    entering, stepped = [], []
    orig_scale, orig_step = EulerDiscreteScheduler.scale_model_input, EulerDiscreteScheduler.step

    def scale(self, sample, t):
        entering.append(sample.clone())
        return orig_scale(self, sample, t)

    def step(self, *a, **k):
        out = orig_step(self, *a, **k)
        stepped.append(out.prev_sample.clone())
        return out

    monkeypatch.setattr(EulerDiscreteScheduler, "scale_model_input", scale)
    monkeypatch.setattr(EulerDiscreteScheduler, "step", step)
    pipe = _pipe()
    eps = _eps(pipe)
    final = pipe(_image(), height=H, width=W, num_frames=F, num_inference_steps=steps, max_guidance_scale=1.0,
                 latents=eps, output_type="latent", reference=_reference(), reference_mask=_mask(),
                 guidance=guidance).frames  # fmt: skip
    monkeypatch.undo()
    sched = EulerDiscreteScheduler.from_config(pipe.scheduler.config)
    sched.set_timesteps(steps)
    return pipe, eps, entering, stepped, final, sched.sigmas


def test_reference_injected_exactly_on_documented_steps_and_only_inside_mask(monkeypatch):
    guidance = GuidanceConfig(start=0.34, mask_end=0.67, dilation_cells=0, first_frame="free")
    k, m = guidance.step_indices(6)
    assert (k, m) == (2, 4)
    pipe, eps, entering, stepped, final, sigmas = _spy_run(monkeypatch, guidance)
    ref = _ref_latents(pipe)
    region = latent_mask(_mask(), F, 32, 32, 0)
    assert region.any() and not region.all()
    assert len(entering) == len(stepped) == 6 - k  # sampling starts at step k
    assert torch.equal(entering[0], noised(ref, eps, sigmas[k]))  # from the reference noised to sigma_k
    following = [*entering[1:], final]
    injected = []
    for j, (out, nxt) in enumerate(zip(stepped, following, strict=True), start=k):
        assert torch.equal(torch.where(region, 0, nxt), torch.where(region, 0, out))  # outside: the model's
        target = noised(ref, eps, sigmas[j + 1])
        if torch.equal(torch.where(region, nxt, 0), torch.where(region, target, 0)):
            assert not torch.equal(torch.where(region, out, 0), torch.where(region, nxt, 0))
            injected.append(j)
        else:
            assert torch.equal(nxt, out)  # after step m: untouched everywhere
    assert injected == list(range(k, m))  # after steps k..m-1, i.e. at sigma_{k+1} .. sigma_m


def test_pinned_first_frame_is_the_input_image_latent(monkeypatch):
    guidance = GuidanceConfig(start=0.34, mask_end=0.5, dilation_cells=0, first_frame="pinned")
    pipe, eps, entering, stepped, final, sigmas = _spy_run(monkeypatch, guidance)
    ref = _ref_latents(pipe)
    assert torch.equal(final[:, 0], ref[:, 0])  # the clean image latent at the end
    for j, nxt in enumerate([*entering[1:], final], start=2):
        assert torch.equal(nxt[:, 0], noised(ref, eps, sigmas[j + 1])[:, 0])
    # and frame 0 of the reference is the image whatever the reference says
    other = _reference()
    other[0] = 0
    assert torch.equal(_ref_latents(pipe, other)[:, 0], ref[:, 0])


def _masked_mse(x, ref, region):
    return float(((x - ref) ** 2).masked_select(region.expand_as(x)).mean())


def test_stock_like_model_guided_differs_and_follows_reference_in_mask():
    pipe = _pipe()
    assert condition_channels_are_zero(pipe.unet)  # tiny = widened stock: zero condition weights
    kw = dict(height=H, width=W, num_frames=F, num_inference_steps=6, output_type="latent")
    plain = pipe(_image(), generator=torch.Generator().manual_seed(0), **kw).frames
    guided = pipe(_image(), generator=torch.Generator().manual_seed(0), reference=_reference(),
                  reference_mask=_mask(), **kw).frames  # fmt: skip
    region = latent_mask(_mask(), F, 32, 32, GuidanceConfig().dilation_cells)
    ref = _ref_latents(pipe)
    assert _masked_mse(guided, plain, region) > 1e-3  # differs where the reference moves
    assert _masked_mse(guided, ref, region) < _masked_mse(plain, ref, region)  # and is closer to it there
    # (a random UNet is no denoiser, so the gap is small here; benchmarks/guided_bench.py measures the mini)
    held = pipe(_image(), generator=torch.Generator().manual_seed(0), reference=_reference(), reference_mask=_mask(),
                guidance=GuidanceConfig(mask_end=1.0), **kw).frames  # fmt: skip
    assert torch.equal(held.masked_select(region.expand_as(held)), ref.masked_select(region.expand_as(ref)))
    assert not torch.equal(held, ref)  # outside the mask the model is free


def test_guided_and_conditioned_together():
    pipe = _pipe()
    with torch.no_grad():
        pipe.unet.conv_in.weight[:, 8:] = torch.randn(pipe.unet.conv_in.weight[:, 8:].shape,
                                                      generator=torch.Generator().manual_seed(3))  # fmt: skip
    assert not condition_channels_are_zero(pipe.unet)  # fine-tuned-like
    cond = torch.zeros(1, F, 2, H, W)
    cond[:, :, :, 10:30, 20:44] = 1.0
    kw = dict(height=H, width=W, num_frames=F, num_inference_steps=4, output_type="np", reference=_reference(),
              reference_mask=_mask())  # fmt: skip
    alone = pipe(_image(), generator=torch.Generator().manual_seed(0), **kw).frames
    both = pipe(_image(), generator=torch.Generator().manual_seed(0), condition=cond, **kw).frames
    assert both.shape == (1, F, H, W, 3) and np.abs(both - alone).mean() > 1e-4


def test_guided_needs_reference_and_mask_together():
    pipe = _pipe()
    with pytest.raises(ValueError, match="both reference and reference_mask"):
        pipe(_image(), height=H, width=W, num_frames=F, num_inference_steps=2, reference=_reference())
