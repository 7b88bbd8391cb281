import numpy as np
import pytest
import torch

from revision.pppm.checkpoint import load_pppm, save_pppm
from revision.pppm.refine import enforce_pins, refine
from revision.pppm.representation import axis_angle_to_matrix
from revision.pppm.text import TextEncoderMismatchError
from revision.synthetic.motions import random_motion_sequence
from revision.weights import WeightsNotFoundError


def _rot(aa):
    return axis_angle_to_matrix(torch.as_tensor(np.asarray(aa, np.float32)).reshape(-1, 3))


def _assert_pose_close(params, target, atol=1e-4):
    for k, v in target.items():
        if k in ("global_orient", "body_pose", "pose"):
            assert torch.allclose(_rot(params[k]), _rot(v), atol=atol), k
        else:
            np.testing.assert_allclose(params[k], v, atol=atol, err_msg=k)


@pytest.fixture
def model(tiny_model):
    torch.nn.init.normal_(tiny_model.head.weight, std=0.02)  # non-trivial corrections
    return tiny_model


@pytest.fixture
def motion(rng):
    m, _ = random_motion_sequence(16, rng, num_tracks=3, strength=0.6, kind_weights=(1, 1, 1))
    return m


def test_refine_shapes_and_first_frame_pinned(model, motion, fake_encoder):
    out = refine(model, motion, "a person walks", 0.5, text_encoder=fake_encoder)
    assert out.num_frames == 16 and len(out.tracks) == 3 and out.motion_strength == 0.5
    for a, b in zip(motion.tracks, out.tracks):
        assert a.kind == b.kind and a.track_id == b.track_id
        assert set(a.params) == set(b.params)
        for k, v in a.params.items():
            assert b.params[k].shape == v.shape
        _assert_pose_close({k: v[0] for k, v in b.params.items() if k != "betas"},
                           {k: v[0] for k, v in a.params.items() if k != "betas"})  # fmt: skip
        if "betas" in a.params:
            np.testing.assert_array_equal(a.params["betas"], b.params["betas"])
        assert np.all(b.confidence == 1)


@pytest.mark.parametrize("n_out", [16, 40])
def test_pinned_last_frame_is_reached(model, motion, n_out):
    targets = {}
    for tr in motion.tracks:
        targets[tr.track_id] = {k: v[-1] + 0.2 for k, v in tr.params.items() if k != "betas"}
    out = refine(model, motion, torch.zeros(384), 0.5, num_frames_out=n_out, pinned_last=targets)
    assert out.num_frames == n_out
    for a, b in zip(motion.tracks, out.tracks):
        _assert_pose_close({k: v[-1] for k, v in b.params.items()}, targets[a.track_id])
        _assert_pose_close({k: v[0] for k, v in b.params.items() if k != "betas"},
                           {k: v[0] for k, v in a.params.items() if k != "betas"})  # fmt: skip


def test_interpolate_and_extrapolate(model, rng):
    m, _ = random_motion_sequence(8, rng, num_tracks=1, kinds=("smplx",))
    up = refine(model, m, torch.zeros(384), 0.5, num_frames_out=32)
    assert up.num_frames == 32 and up.fps == pytest.approx(7 * 31 / 7)
    ext = refine(model, m, torch.zeros(384), 0.5, num_frames_out=20, mode="extrapolate")
    assert ext.num_frames == 20 and ext.fps == 7
    down = refine(model, m, torch.zeros(384), 0.5, num_frames_out=4)
    assert down.num_frames == 4


def test_missing_frames_are_filled(model, rng):
    m, _ = random_motion_sequence(12, rng, num_tracks=1, kinds=("object",))
    m.tracks[0].confidence[3:6] = 0
    m.tracks[0].params["points"][3:6] = 1e6  # garbage where unobserved
    out = refine(model, m, torch.zeros(384), 0.5)
    assert np.abs(out.tracks[0].params["points"]).max() < 100


def test_enforce_pins_is_exact_and_smooth():
    x = torch.zeros(20, 4)
    target = torch.zeros(20, 4)
    target[0], target[-1] = 1.0, -2.0
    y = enforce_pins(x, target, 0, 19)
    assert torch.allclose(y[0], target[0]) and torch.allclose(y[-1], target[-1])
    assert torch.all((y[1:, 0] - y[:-1, 0]) <= 0)  # monotone ramp, no jumps
    y1 = enforce_pins(x, target, 0, None, ramp=5)
    assert torch.allclose(y1[0], target[0]) and torch.all(y1[6:] == 0)


def test_input_errors(model, motion):
    with pytest.raises(ValueError, match="strength"):
        refine(model, motion, torch.zeros(384), 1.5)
    with pytest.raises(ValueError, match="unknown track ids"):
        refine(model, motion, torch.zeros(384), 0.5, pinned_last={99: {}})
    with pytest.raises(ValueError, match="num_frames_out"):
        refine(model, motion, torch.zeros(384), 0.5, num_frames_out=1)


def test_text_encoder_mismatch(model, motion, fake_encoder_cls):
    with pytest.raises(TextEncoderMismatchError, match="trained with"):
        refine(model, motion, "a person walks", 0.5, text_encoder=fake_encoder_cls("clip", 768))
    with pytest.raises(TextEncoderMismatchError, match="384"):
        refine(model, motion, torch.zeros(768), 0.5)


def test_checkpoint_round_trip(model, motion, tmp_path, monkeypatch):
    save_pppm(model, tmp_path / "ck", {"note": "test"})
    loaded = load_pppm(tmp_path / "ck")
    assert loaded.config == model.config and loaded.training_meta == {"note": "test"}
    a = refine(model, motion, torch.ones(384), 0.4)
    b = refine(loaded, motion, torch.ones(384), 0.4)
    for ta, tb in zip(a.tracks, b.tracks):
        for k in ta.params:
            np.testing.assert_array_equal(ta.params[k], tb.params[k])
    monkeypatch.setenv("REVISION_PPPM_WEIGHTS", str(tmp_path / "ck"))
    assert load_pppm().config == model.config


def test_missing_weights_give_a_clear_error(tmp_path, monkeypatch):
    with pytest.raises(WeightsNotFoundError, match="train_pppm"):
        load_pppm(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(WeightsNotFoundError, match="model.safetensors"):
        load_pppm(tmp_path / "empty")
    monkeypatch.setenv("REVISION_PPPM_WEIGHTS", str(tmp_path / "also-missing"))
    with pytest.raises(WeightsNotFoundError, match="REVISION_PPPM_WEIGHTS"):
        load_pppm()
