import pytest
import torch

from revision.pppm.model import PPPM, PPPMConfig
from revision.pppm.representation import FEATURE_DIM, KIND_DIM, KINDS


def _batch(b=2, t=3, f=10, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(b, t, f, FEATURE_DIM, generator=g)
    kind = torch.randint(0, 3, (b, t), generator=g)
    for i in range(b):
        for j in range(t):
            x[i, j, :, KIND_DIM[KINDS[int(kind[i, j])]] :] = 0
    state = torch.ones(b, t, f, dtype=torch.long)
    valid = torch.ones(b, t, f, dtype=torch.bool)
    return x, kind, state, valid, torch.randn(b, 384, generator=g), torch.rand(b, generator=g)


def _train_a_bit(model):
    """Give the zero-initialised head some weight so outputs depend on the inputs."""
    torch.nn.init.normal_(model.head.weight, std=0.05)
    return model


def test_multitrack_variable_length_shapes_and_masks(tiny_model):
    model = _train_a_bit(tiny_model)
    x, kind, state, valid, text, s = _batch(b=2, t=3, f=10)
    valid[0, 2] = False  # clip 0 has two tracks
    valid[1, :, 7:] = False  # clip 1 is 7 frames long
    state[1, 0, 3] = 0  # a missing frame
    out = model(x, kind, state, valid, text, s)
    assert out.shape == x.shape
    assert torch.isfinite(out).all()
    assert torch.equal(out[~valid], x[~valid])  # padding passes through untouched
    for i in range(2):
        for j in range(3):
            d = KIND_DIM[KINDS[int(kind[i, j])]]
            assert torch.all(out[i, j, :, d:] == 0)  # unused feature entries stay zero


def test_padding_does_not_change_valid_outputs(tiny_model):
    model = _train_a_bit(tiny_model)
    x, kind, state, valid, text, s = _batch(b=1, t=2, f=8)
    ref = model(x, kind, state, valid, text, s)
    # pad: one more (invalid) track and 5 more (invalid) frames with garbage values
    xp = torch.cat([x, torch.randn(1, 1, 8, FEATURE_DIM)], 1)
    xp = torch.cat([xp, torch.randn(1, 3, 5, FEATURE_DIM)], 2)
    kp = torch.cat([kind, torch.zeros(1, 1, dtype=torch.long)], 1)
    sp = torch.ones(1, 3, 13, dtype=torch.long)
    vp = torch.zeros(1, 3, 13, dtype=torch.bool)
    vp[:, :2, :8] = True
    out = model(xp, kp, sp, vp, text, s)
    assert torch.allclose(out[:, :2, :8], ref, atol=1e-5)


def test_batching_is_independent(tiny_model):
    model = _train_a_bit(tiny_model)
    x, kind, state, valid, text, s = _batch(b=3)
    full = model(x, kind, state, valid, text, s)
    one = model(x[1:2], kind[1:2], state[1:2], valid[1:2], text[1:2], s[1:2])
    assert torch.allclose(full[1:2], one, atol=1e-5)


def test_untrained_model_is_identity(tiny_model):
    x, kind, state, valid, text, s = _batch()
    out = tiny_model(x, kind, state, valid, text, s)
    assert torch.allclose(out, x)


def test_conditions_change_the_output(tiny_model):
    model = _train_a_bit(tiny_model)
    x, kind, state, valid, text, s = _batch(b=1)
    a = model(x, kind, state, valid, text, torch.tensor([0.3]))
    b = model(x, kind, state, valid, text, torch.tensor([0.7]))
    c = model(x, kind, state, valid, -text, torch.tensor([0.3]))
    assert not torch.allclose(a, b) and not torch.allclose(a, c)


def test_errors(tiny_model):
    x, kind, state, valid, text, s = _batch(t=3)
    with pytest.raises(ValueError, match="width 10"):
        tiny_model(x, kind, state, valid, torch.randn(2, 10), s)
    small = PPPM(PPPMConfig(d_model=16, num_layers=1, num_heads=2, max_tracks=2))
    with pytest.raises(ValueError, match="at most 2"):
        small(x, kind, state, valid, text, s)


def test_gradients_flow(tiny_model):
    model = tiny_model.train()
    x, kind, state, valid, text, s = _batch()
    model(x, kind, state, valid, text, s).pow(2).mean().backward()
    assert model.head.weight.grad is not None and model.head.weight.grad.abs().sum() > 0
