import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from revision.pppm import perturb as P


@st.composite
def segments(draw):
    n = draw(st.integers(4, 64))
    length = draw(st.integers(0, n - 1))
    start = draw(st.integers(0, n - length))
    return n, start, length


@settings(max_examples=60, deadline=None)
@given(segments(), st.integers(0, 2**31 - 1))
def test_shuffle_permutes_only_inside_the_segment(seg, seed):
    n, start, length = seg
    idx = P.shuffle_indices(n, start, length, torch.Generator().manual_seed(seed))
    assert sorted(idx.tolist()) == list(range(n))  # a permutation
    outside = torch.ones(n, dtype=torch.bool)
    outside[start : start + length] = False
    assert torch.equal(idx[outside], torch.arange(n)[outside])
    assert set(idx[start : start + length].tolist()) == set(range(start, start + length))
    if length >= 2:
        assert not torch.equal(idx[start : start + length], torch.arange(start, start + length))


@settings(max_examples=60, deadline=None)
@given(segments(), st.sampled_from(["stretch", "hold"]))
def test_drop_removes_the_segment_and_keeps_the_length(seg, mode):
    n, start, length = seg
    idx = P.drop_indices(n, start, length, mode)
    assert idx.shape == (n,)
    assert torch.all(idx[1:] >= idx[:-1])  # order preserved
    dropped = set(range(start, start + length))
    assert not dropped & set(idx.tolist())
    kept = set(range(n)) - dropped
    if mode == "stretch":
        assert set(idx.tolist()) == kept  # every remaining frame still appears (some repeated)
    else:
        assert idx[: n - length].tolist() == sorted(kept) and torch.all(idx[n - length :] == max(kept))


def test_noise_has_the_requested_scale():
    x = torch.zeros(200, 213)
    y = P.add_noise(x, 0.05, torch.Generator().manual_seed(0))
    assert abs(float(y.std()) - 0.05) < 0.002


@settings(max_examples=40, deadline=None)
@given(st.lists(st.booleans(), min_size=2, max_size=40), st.integers(0, 1000))
def test_fill_missing_keeps_observed_and_interpolates(mask, seed):
    obs = torch.tensor(mask)
    obs[0] = True
    x = torch.randn(len(mask), 5, generator=torch.Generator().manual_seed(seed))
    y = P.fill_missing(x, obs)
    assert torch.allclose(y[obs], x[obs])
    oi = torch.nonzero(obs).flatten().tolist()
    for f in range(len(mask)):
        if obs[f]:
            continue
        left = max(i for i in oi if i < f)
        right = [i for i in oi if i > f]
        if not right:
            assert torch.allclose(y[f], x[left])
        else:
            r = right[0]
            w = (f - left) / (r - left)
            assert torch.allclose(y[f], x[left] * (1 - w) + x[r] * w, atol=1e-5)


def test_missing_patterns():
    assert P.missing_mask(9, "interleave", stride=4).tolist() == [1, 0, 0, 0, 1, 0, 0, 0, 1]
    assert P.missing_mask(8, "tail", tail=3).tolist() == [1, 1, 1, 1, 1, 0, 0, 0]
    m = P.missing_mask(1000, "random", torch.Generator().manual_seed(0), rate=0.3)
    assert m[0] and 0.6 < float(m.float().mean()) < 0.8


def test_perturb_pins_the_first_frame_and_samples_every_kind():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(24, 213)
    seen = set()
    for _ in range(200):
        p = P.perturb(x, P.PerturbConfig(), g)
        assert p.x.shape == x.shape and p.state.shape == (24,)
        assert torch.equal(p.x[0], x[0]) and p.state[0] == P.PINNED
        if p.state[-1] == P.PINNED:
            assert torch.equal(p.x[-1], x[-1])
        seen.update(a.split("-")[0] for a in p.applied)
    assert seen == {"noise", "shuffle", "drop", "missing"}
