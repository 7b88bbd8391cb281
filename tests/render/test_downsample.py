"""Limb-preserving condition downsampling (revision/render/downsample.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from revision.palette import PART_BY_NAME
from revision.render.downsample import (
    blink_rate,
    downsample_condition,
    downsample_part_ids,
    nearest_part_ids,
)
from revision.types import ConditionMaps
from revision.video_model.pipeline import resize_condition

ARM = PART_BY_NAME["left_lower_arm"].id
TORSO = PART_BY_NAME["torso"].id


def test_an_arm_one_latent_cell_wide_survives_8x_downsampling_wherever_it_lies():
    for x0 in range(0, 16):  # every phase of the arm against the 8-px grid
        ids = np.zeros((1, 64, 64), np.int16)
        ids[0, 8:56, 24:40] = TORSO
        ids[0, 8:40, 40 + x0 : 48 + x0] = ARM  # 8 px = one latent cell wide
        out = downsample_part_ids(ids, 8, 8)
        assert 4 <= (out == ARM).sum() <= 10  # 4 cells long, at most 2 cells wide
        assert (out == TORSO).sum() >= 4


def test_a_thin_part_beats_background_and_torso_with_enough_coverage():
    ids = np.zeros((1, 16, 16), np.int16)
    ids[0, :, :12] = TORSO  # 8x8 cells: column 0 all torso, column 1 half torso
    ids[0, :, 13] = ARM  # a 1-px arm beside the torso: 1/8 of the cells of column 1
    out = downsample_part_ids(ids, 2, 2, min_coverage=0.1)
    assert (out[0, :, 0] == TORSO).all()
    assert (out[0, :, 1] == ARM).all()  # priority: the arm wins the cells it shares with the torso
    assert (nearest_part_ids(ids, 2, 2)[0, :, 1] == 0).all()  # nearest sampling (pixel 12) loses it
    # below min_coverage it still survives, in the one cell it covers most
    tiny = np.zeros((1, 16, 16), np.int16)
    tiny[0, 3:5, 9:11] = ARM
    out = downsample_part_ids(tiny, 2, 2)
    assert (out == ARM).sum() == 1 and out[0, 0, 1] == ARM


def test_a_moving_thin_limb_blinks_less_than_with_nearest_sampling():
    frames, width = 16, 3
    ids = np.zeros((frames, 64, 64), np.int16)
    for t in range(frames):  # a 3-px-wide arm sliding 1 px per frame across the 4x grid
        ids[t, 10:40, 20 + t : 20 + t + width] = ARM
    areas = (ids == ARM).reshape(frames, -1).sum(1)
    near = (nearest_part_ids(ids, 16, 16) == ARM).reshape(frames, -1).sum(1)
    ours = (downsample_part_ids(ids, 16, 16) == ARM).reshape(frames, -1).sum(1)
    assert (near == 0).any() or blink_rate(near, areas) > 0.1  # nearest drops or jumps
    assert (ours > 0).all()
    assert blink_rate(ours, areas) < blink_rate(near, areas)


def test_the_condition_passes_the_video_models_resize_unchanged():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 17, (3, 64, 64)).astype(np.int16)
    cond = ConditionMaps(ids, (ids > 0).astype(np.float32))
    small = downsample_condition(cond, 16, 16)
    assert small.part_ids.shape == (3, 16, 16) and small.confidence.shape == (3, 16, 16)
    # confidence is area-averaged, as the pipeline's resize does
    assert np.allclose(small.confidence, cond.confidence.reshape(3, 16, 4, 16, 4).mean((2, 4)))
    arr = torch.from_numpy(small.to_array())[None]
    assert torch.equal(resize_condition(arr, 3, 16, 16), arr)
    # nearest_part_ids reproduces the pipeline's own nearest-exact sampling
    full = torch.from_numpy(cond.to_array())[None]
    want = torch.from_numpy(ConditionMaps(nearest_part_ids(ids, 16, 16), small.confidence).to_array())
    assert torch.equal(resize_condition(full, 3, 16, 16)[0, :, 0], want[:, 0])


def test_bad_grids_are_rejected():
    with pytest.raises(ValueError, match="does not divide"):
        downsample_part_ids(np.zeros((1, 64, 64), np.int16), 10, 10)
    with pytest.raises(ValueError, match="min_coverage"):
        downsample_part_ids(np.zeros((1, 64, 64), np.int16), 8, 8, min_coverage=0)
