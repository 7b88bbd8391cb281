"""The SVD training script on a tiny random model and tiny synthetic shards (CPU).

One module fixture runs the VAE + encode stages once; each test copies that run folder and trains
only the UNet, so the whole file stays well under two minutes.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest
import torch

import revision.training.finetune_svd as ft
from revision.shards import write_shard
from revision.synthetic.world import WorldConfig, make_clip
from revision.training.finetune_svd import PRESETS, _batch_indices, main, train
from revision.training.svd_data import pick_conditions, sketch_condition


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """Shards + a run folder whose VAE is trained and whose latents are encoded."""
    root = tmp_path_factory.mktemp("svd")
    for seed in range(6):
        write_shard(root / "shards", make_clip(seed, WorldConfig(size=32, num_frames=4, supersample=1)))
    summary = train(PRESETS["tiny"], root / "shards", root / "run", stage="encode", progress=False)
    assert summary["vae"]["last_loss"] > 0 and np.isfinite(summary["vae"]["psnr_db"])
    return root


def _copy_run(base, dst):
    shutil.copytree(base / "run", dst)
    return dst


def test_encode_stage_writes_one_cache_file_per_clip(base):
    files = sorted((base / "run" / "latents").glob("*.pt"))
    assert len(files) == 6
    item = torch.load(files[0], weights_only=True)
    assert item["latents"].shape == (4, 4, 16, 16) and item["cond_full"].shape == (4, 2, 16, 16)
    assert item["cond_sketch"][:-1].abs().sum() == 0  # sketch polygons live on the last frame only
    conf = item["cond_sketch"][-1, 1]  # area-averaged to latent size, as the pipeline does
    assert conf.min() >= 0 and conf.max() == 0.5
    log = [json.loads(x)["stage"] for x in (base / "run" / "train_log.jsonl").read_text().splitlines()]
    assert "vae" in log


def test_render_condition_source_reprojects_the_tracks(base, tmp_path):
    """``condition_source="render"``: the full condition is the tracks' mesh projection (what S2 gives at
    inference), in its own cache folder; the targets are the same latents as with the shard's masks."""
    from revision.render import render_condition
    from revision.shards import list_shards, read_shard
    from revision.training.svd_data import _at_latent

    run = _copy_run(base, tmp_path / "run")
    train(
        replace(PRESETS["tiny"], condition_source="render"),
        base / "shards",
        run,
        stage="encode",
        progress=False,
    )
    shard = list_shards(base / "shards")[0]
    rendered = torch.load(run / "latents_render" / f"{shard.stem}.pt", weights_only=True)
    stored = torch.load(run / "latents" / f"{shard.stem}.pt", weights_only=True)
    want = _at_latent(render_condition(read_shard(shard).motion, 32, 32), 16, 16)
    assert torch.equal(rendered["cond_full"], want) and not torch.equal(
        rendered["cond_full"], stored["cond_full"]
    )
    assert torch.allclose(rendered["latents"].float(), stored["latents"].float(), atol=1e-3)
    with pytest.raises(SystemExit):
        main(
            [
                "--config",
                "tiny",
                "--data",
                str(base / "shards"),
                "--output",
                str(run),
                "--condition-source",
                "x",
            ]
        )


def test_loss_decreases_on_a_fixed_batch(base, tmp_path, monkeypatch):
    run = _copy_run(base, tmp_path / "run")
    cfg = replace(PRESETS["tiny"], max_steps=8, checkpoint_every=0, p_mean=0.0, p_std=0.0, mix=(1.0, 0.0, 0.0),
                  p_uncond=0.0, lr=2e-3)  # fmt: skip
    monkeypatch.setattr(ft, "_batch_indices", lambda n, step, b, r, w, s: [0] * b)  # one batch, every step
    real = torch.Generator

    class SameNoise(real):
        def manual_seed(self, seed):
            return super().manual_seed(0)

    monkeypatch.setattr(ft.torch, "Generator", SameNoise)
    losses = train(cfg, base / "shards", run, progress=False)["losses"]
    assert len(losses) == 8
    assert np.mean(losses[-3:]) < 0.7 * np.mean(losses[:3]), losses


def test_resume_reproduces_the_next_loss(base, tmp_path):
    cfg = replace(PRESETS["tiny"], max_steps=3, checkpoint_every=2)
    full = train(cfg, base / "shards", _copy_run(base, tmp_path / "a"), progress=False)["losses"]
    b = _copy_run(base, tmp_path / "b")
    train(replace(cfg, max_steps=2), base / "shards", b, progress=False)
    resumed = train(cfg, base / "shards", b, resume="latest", progress=False)["losses"]
    assert len(resumed) == 1
    np.testing.assert_allclose(resumed, full[2:], rtol=1e-5)
    assert (b / "pipeline" / "unet" / "diffusion_pytorch_model.safetensors").exists()


def test_cli_writes_validation_video_and_exports(base, tmp_path):
    run = _copy_run(base, tmp_path / "run")
    rc = main(["--config", "tiny", "--data", str(base / "shards"), "--output", str(run), "--max-steps", "1",
               "--validate-every", "1", "--checkpoint-every", "1", "--quiet"])  # fmt: skip
    assert rc == 0
    assert list((run / "validation").glob("step_000001.*"))
    assert main(["--config", "tiny", "--data", str(base / "shards"), "--output", str(run), "--stage", "export",
                 "--export-to", str(tmp_path / "emb")]) == 0  # fmt: skip
    from revision.video_model.pipeline import MotionConditionedSVDPipeline

    pipe = MotionConditionedSVDPipeline.from_pretrained(tmp_path / "emb")
    assert pipe.unet.dtype == torch.float32 and pipe.unet.conv_in.in_channels == 10


def test_cli_rejects_missing_data(tmp_path, capsys):
    assert main(["--config", "tiny", "--data", str(tmp_path / "nope"), "--output", str(tmp_path)]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_conditioning_mix_proportions():
    full = torch.ones(10_000, 1, 2, 1, 1)
    sketch = torch.full_like(full, 0.5)
    cond, kind = pick_conditions(full, sketch, torch.rand(10_000, generator=torch.Generator().manual_seed(0)))
    frac = torch.bincount(kind, minlength=3).float() / 10_000
    np.testing.assert_allclose(frac.numpy(), [0.4, 0.3, 0.3], atol=0.02)
    assert (
        torch.all(cond[kind == 0] == 1)
        and torch.all(cond[kind == 1] == 0.5)
        and torch.all(cond[kind == 2] == 0)
    )


def test_sketch_condition_is_last_frame_polygons():
    ids = np.zeros((32, 32), np.int16)
    ids[12:24, 10:16] = 2  # torso
    ids[2:8, 20:26] = 1  # head (apart from the torso: the converter merges touching strokes)
    c = sketch_condition(ids, 4)
    assert c.part_ids.shape == (4, 32, 32) and not c.part_ids[:-1].any()
    assert set(np.unique(c.part_ids[-1])) >= {1, 2} and set(np.unique(c.confidence)) == {0.0, 0.5}


def test_batches_are_a_function_of_step_and_rank():
    a = [_batch_indices(10, s, 2, r, 2, 0) for s in range(5) for r in range(2)]
    assert a == [_batch_indices(10, s, 2, r, 2, 0) for s in range(5) for r in range(2)]
    first_epoch = [i for s in range(0, 2) for r in range(2) for i in _batch_indices(10, s, 2, r, 2, 0)][:8]
    assert len(set(first_epoch)) == 8  # no repeats within an epoch


def test_per_frame_vae_trains_samples_and_warm_starts(base, tmp_path):
    """The mini's per-frame AutoencoderKL runs every stage; --init-from copies the UNet + image encoder."""
    from revision.video_model.loading import load_motion_svd

    arch = {"tiny": True, "vae_temporal": False, "vae_norm_groups": 8}
    cfg = replace(PRESETS["tiny"], mini_arch=arch, max_steps=2, checkpoint_every=2)
    summary = train(cfg, base / "shards", tmp_path / "run", progress=False)
    assert np.isfinite(summary["vae"]["psnr_db"]) and np.isfinite(summary["losses"]).all()
    assert (
        json.loads((tmp_path / "run" / "vae" / "config.json").read_text())["_class_name"] == "AutoencoderKL"
    )
    pipe, _ = load_motion_svd(str(tmp_path / "run" / "pipeline"))
    out = pipe(np.zeros((32, 32, 3), np.uint8), height=32, width=32, num_frames=4, num_inference_steps=2,
               decode_chunk_size=4, output_type="np")  # fmt: skip
    assert np.asarray(out.frames).shape == (1, 4, 32, 32, 3)

    warm = ft.build_components(
        replace(cfg, init_from=str(tmp_path / "run" / "pipeline")), tmp_path / "run" / "vae"
    )
    cold = ft.build_components(replace(cfg, seed=1), tmp_path / "run" / "vae")
    for name, p in pipe.unet.state_dict().items():
        assert torch.equal(warm["unet"].state_dict()[name], p), name
    assert not all(torch.equal(cold["unet"].state_dict()[k], v) for k, v in pipe.unet.state_dict().items())
    assert torch.equal(next(iter(warm["image_encoder"].state_dict().values())),
                       next(iter(pipe.image_encoder.state_dict().values())))  # fmt: skip


def test_lr_schedule_warms_up_holds_then_decays_to_zero():
    cfg = replace(PRESETS["tiny"], warmup_steps=10, max_steps=100, lr_decay_start=0.5)
    f = [ft.lr_factor(s, cfg) for s in range(101)]
    np.testing.assert_allclose(f[:10], np.arange(1, 11) / 10)
    assert f[10:51] == [1.0] * 41  # constant until half of max_steps
    assert f[75] == pytest.approx(0.5) and f[100] == pytest.approx(0.0, abs=1e-12)
    assert all(a >= b for a, b in zip(f[50:], f[51:]))  # monotone decay
    assert {ft.lr_factor(s, replace(cfg, lr_decay_start=1.0)) for s in range(10, 101)} == {1.0}


def test_cli_rejects_a_bad_lr_decay_start(tmp_path, capsys):
    assert main(["--config", "tiny", "--data", str(tmp_path), "--output", str(tmp_path / "o"),
                 "--lr-decay-start", "1.5"]) == 2  # fmt: skip
    assert "--lr-decay-start" in capsys.readouterr().err


def test_augmented_part_ids_move_grow_drop_and_swap():
    """Each perturbation of :class:`ConditionAugment` alone does what it says on a two-part body."""
    from revision.training.svd_data import ConditionAugment, augment_part_ids

    ids = np.zeros((4, 16, 16), np.int16)
    ids[:, 4:12, 6:10] = 2  # torso
    ids[:, 5:7, 10:14] = 3  # left upper arm
    rng = np.random.default_rng(0)
    off = ConditionAugment(shift_px=0, p_jitter=0, p_morph=0, p_part_drop=0, p_time_shift=0, p_swap=0)
    assert np.array_equal(augment_part_ids(ids, rng, off), ids)
    swapped = augment_part_ids(ids, rng, replace(off, p_swap=1))
    assert (swapped == 4).sum() == (ids == 3).sum() and (swapped == 3).sum() == 0
    dropped = augment_part_ids(ids, rng, replace(off, p_part_drop=1))
    assert (dropped == 3).sum() == 0 and (dropped == 2).sum() == (
        ids == 2
    ).sum()  # the torso is never dropped
    shifted = augment_part_ids(ids, np.random.default_rng(3), replace(off, shift_px=2))
    assert (shifted > 0).sum() <= (ids > 0).sum() and not np.array_equal(shifted, ids)
    morphed = augment_part_ids(ids, rng, replace(off, p_morph=1))
    assert not np.array_equal(morphed, ids) and set(np.unique(morphed)) <= {0, 2, 3}


def test_varied_condition_limb_downsampling_keeps_a_thin_arm(base):
    """``p_limb=1``: the limb-preserving grid keeps an arm one pixel wide that nearest sampling loses;
    ``p_augment=p_limb=0`` returns the cached condition; resume-safe (a function of the generator)."""
    from revision.palette import NUM_PARTS
    from revision.training.svd_data import varied_condition

    item = torch.load(sorted((base / "run" / "latents").glob("*.pt"))[0], weights_only=True)
    assert item["part_ids"].shape == (4, 32, 32)
    assert varied_condition(item, np.random.default_rng(0)) is item["cond_full"]
    ids = torch.zeros(4, 32, 32, dtype=torch.int16)
    ids[:, 8:24, 12:18] = 2
    ids[:, 9, 18:28] = 3  # one pixel wide: a 2x grid cell is half covered at most
    thin = {**item, "part_ids": ids, "confidence": (ids > 0).half()}
    limb = varied_condition(thin, np.random.default_rng(0), p_limb=1.0)
    assert limb.shape == item["cond_full"].shape
    assert ((limb[:, 0] * NUM_PARTS).round() == 3).any(dim=(1, 2)).all()
    a = varied_condition(thin, np.random.default_rng(5), p_augment=1.0, p_limb=0.5)
    b = varied_condition(thin, np.random.default_rng(5), p_augment=1.0, p_limb=0.5)
    assert torch.equal(a, b)


def test_condition_robust_training_runs_and_resumes(base, tmp_path):
    """``--cond-augment`` / ``--limb-downsample`` train and resume bit-for-bit like the plain recipe."""
    cfg = replace(PRESETS["tiny"], max_steps=3, checkpoint_every=2, p_cond_augment=1.0, p_limb_downsample=0.5)
    full = train(cfg, base / "shards", _copy_run(base, tmp_path / "a"), progress=False)
    run = _copy_run(base, tmp_path / "b")
    train(replace(cfg, max_steps=2), base / "shards", run, progress=False)
    resumed = train(cfg, base / "shards", run, resume="latest", progress=False)
    assert resumed["losses"][-1] == pytest.approx(full["losses"][-1], rel=1e-6)
