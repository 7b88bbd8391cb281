"""The SVD training script on a tiny random model and tiny synthetic shards (CPU, seconds)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from revision.shards import write_shard
from revision.synthetic.world import WorldConfig, make_clip
from revision.training.finetune_svd import PRESETS, _batch_indices, main, train
from revision.training.svd_data import pick_conditions


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    root = tmp_path_factory.mktemp("shards")
    for seed in range(6):
        write_shard(root, make_clip(seed, WorldConfig(size=32, num_frames=4, supersample=1)))
    return root


def test_loss_decreases_on_a_fixed_batch(shards, tmp_path):
    torch.manual_seed(0)
    # one clip repeated: the loss of a fixed batch must go down (same noise every step)
    cfg = replace(PRESETS["tiny"], max_steps=12, checkpoint_every=0, p_mean=0.0, p_std=0.0, mix=(1.0, 0.0, 0.0),
                  p_uncond=0.0, lr=2e-3)  # fmt: skip
    import revision.training.finetune_svd as ft

    orig = ft._batch_indices
    ft._batch_indices = lambda n, step, b, r, w, s: [0] * b
    seeds = ft.torch.Generator

    class FixedGen(seeds):  # same noise every step
        def manual_seed(self, seed):
            return super().manual_seed(0)

    ft.torch.Generator = FixedGen
    try:
        out = train(cfg, shards, tmp_path, progress=False)
    finally:
        ft._batch_indices = orig
        ft.torch.Generator = seeds
    losses = out["losses"]
    assert len(losses) == 12
    assert np.mean(losses[-3:]) < 0.7 * np.mean(losses[:3]), losses


def test_resume_reproduces_the_next_loss(shards, tmp_path):
    cfg = replace(PRESETS["tiny"], max_steps=4, checkpoint_every=2)
    full = train(cfg, shards, tmp_path / "a", progress=False)["losses"]
    # same run stopped after step 2, then resumed from its checkpoint
    train(replace(cfg, max_steps=2), shards, tmp_path / "b", progress=False)
    resumed = train(cfg, shards, tmp_path / "b", resume="latest", progress=False)["losses"]
    assert len(resumed) == 2
    np.testing.assert_allclose(resumed, full[2:], rtol=1e-5)
    assert (tmp_path / "b" / "pipeline" / "unet" / "diffusion_pytorch_model.safetensors").exists()
    log = [json.loads(x) for x in (tmp_path / "b" / "train_log.jsonl").read_text().splitlines()]
    assert {r["stage"] for r in log} == {"vae", "unet"}


def test_cli_writes_validation_video(shards, tmp_path):
    rc = main(["--config", "tiny", "--data", str(shards), "--output", str(tmp_path), "--max-steps", "2",
               "--validate-every", "2", "--quiet"])  # fmt: skip
    assert rc == 0
    assert list((tmp_path / "validation").glob("step_000002.*"))


def test_cli_rejects_missing_data(tmp_path, capsys):
    assert main(["--config", "tiny", "--data", str(tmp_path / "nope"), "--output", str(tmp_path)]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_conditioning_mix_proportions():
    full = torch.ones(10_000, 1, 2, 1, 1)
    sketch = torch.full_like(full, 0.5)
    cond, kind = pick_conditions(full, sketch, torch.rand(10_000, generator=torch.Generator().manual_seed(0)))
    frac = torch.bincount(kind, minlength=3).float() / 10_000
    np.testing.assert_allclose(frac.numpy(), [0.4, 0.3, 0.3], atol=0.02)
    assert torch.all(cond[kind == 0] == 1) and torch.all(cond[kind == 1] == 0.5) and torch.all(cond[kind == 2] == 0)


def test_batches_are_a_function_of_step_and_rank():
    a = [_batch_indices(10, s, 2, r, 2, 0) for s in range(5) for r in range(2)]
    b = [_batch_indices(10, s, 2, r, 2, 0) for s in range(5) for r in range(2)]
    assert a == b
    first_epoch = [i for s in range(0, 2) for r in range(2) for i in _batch_indices(10, s, 2, r, 2, 0)][:8]
    assert len(set(first_epoch)) == 8  # no repeats within an epoch
