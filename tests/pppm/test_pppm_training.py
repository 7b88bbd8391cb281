"""A tiny PPPM trained for a few hundred CPU steps must remove perturbations (acceptance)."""

import json
import time

import numpy as np
import pytest
import torch

from revision.pppm.evaluate import denoising_benchmark, format_results, lowpass
from revision.pppm.model import PPPM, PPPMConfig
from revision.pppm.perturb import PerturbConfig
from revision.training.pppm_data import PerturbCollate, ProceduralMotionDataset
from revision.training.train_pppm import pppm_loss

STEPS = 3000  # ~6 min on one core; 200-1000 steps measured too few for shuffle/drop (docs/pppm.md)
FPS = (7.0, 7.0)


def test_lowpass_keeps_constants_and_smooths():
    x = torch.ones(10, 3)
    assert torch.allclose(lowpass(x, 1.0), x)
    y = torch.zeros(11, 1)
    y[5] = 1
    z = lowpass(y, 1.0)
    assert z[5] < 1 and z[4] > 0 and torch.isclose(z.sum(), torch.tensor(1.0))




def _train(fake_encoder):
    torch.manual_seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        ds = ProceduralMotionDataset(24, 24, max_tracks=1, seed=0, fps_range=FPS, kind_weights=(0.5, 0.0, 0.5))
        rng = np.random.default_rng(0)
        collate = PerturbCollate(fake_encoder.encode, PerturbConfig(p_missing=0.0, p_pin_last=0.0), seed=0)
        model = PPPM(PPPMConfig(d_model=128, num_layers=4, num_heads=4, max_tracks=2))
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-3, total_steps=STEPS, pct_start=0.1)
        model.train()
        t0 = time.time()
        for _ in range(STEPS):
            batch = collate([ds.sample(rng) for _ in range(16)])
            loss, _ = pppm_loss(model, batch, 1.0, model.kind_masks)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
        train_s = time.time() - t0
        erng = np.random.default_rng(123)
        held_out = ProceduralMotionDataset(24, 24, 1, fps_range=FPS, kind_weights=(0.5, 0.0, 0.5))  # same distribution, new seed
        samples = [held_out.sample(erng) for _ in range(32)]
        text = fake_encoder.encode([s.caption for s in samples])
        return denoising_benchmark(model.eval(), samples, text), train_s
    finally:
        torch.set_num_threads(threads)


@pytest.mark.slow  # ~6-7 min on one core
def test_tiny_pppm_denoises_and_beats_lowpass(fake_encoder, capsys):
    res, train_s = _train(fake_encoder)
    with capsys.disabled():
        print(f"\ntiny PPPM, {STEPS} steps ({train_s:.0f} s):\n{format_results(res)}")
    print(json.dumps({k: v.to_dict() for k, v in res.items()}))
    assert res["noise"].factor_vs_input > 1.2, res["noise"]
    for name in ("shuffle", "drop"):
        assert res[name].factor_vs_input > 1.0, res[name]  # removes error the input has
        assert res[name].factor_vs_lowpass > 1.05, res[name]  # and more than the best Gaussian filter


def test_shipped_pppm_removes_noise_and_beats_lowpass():
    """The embedded revision/embedded/pppm_mini on 12 held-out procedural clips (its own text encoder).

    Measured for the network alone (docs/pppm.md): noise x2.06 vs the input, x1.51 vs the best low-pass
    filter; shuffle and drop only just beat the filter (x1.05, x1.01) and are about even with the input
    (x0.97, x1.00). With refine()'s default repair first: x1.51 / x1.58 / x1.70 vs the filter."""
    from revision.pppm.checkpoint import load_pppm
    from revision.pppm.text import load_text_encoder

    model = load_pppm()
    ds = ProceduralMotionDataset(32, 32, 2, seed=10_000)
    rng = np.random.default_rng(10_000)
    samples = [ds.sample(rng) for _ in range(12)]
    text = load_text_encoder(model.config.text_encoder).encode([s.caption for s in samples])
    res = denoising_benchmark(model, samples, text)
    print(format_results(res))
    assert res["noise"].factor_vs_input > 1.5 and res["noise"].factor_vs_lowpass > 1.2, res["noise"]
    for name in ("shuffle", "drop"):
        assert res[name].factor_vs_lowpass > 1.0, res[name]
    # as refine() runs it (the temporal repair first), every perturbation beats the filter by x1.2 (issue 20)
    res = denoising_benchmark(model, samples, text, repair="stutter+order")
    print(format_results(res))
    for r in res.values():
        assert r.factor_vs_lowpass >= 1.2, r
