"""The per-part morphology measures of benchmarks/part_seg.py on hand-made group maps."""

from __future__ import annotations

import math

import numpy as np

from benchmarks.part_seg import GROUP_NAMES, build_net, group_ids, morphology, part_acceleration, segment


def _body(frames: int = 4, dx: int = 0, arm_len: int = 10) -> np.ndarray:
    """A stick figure of group indices: head, torso, two arms, two legs (F, 64, 64)."""
    g = np.zeros((frames, 64, 64), np.int64)
    g[:, 10:16, 28 + dx : 34 + dx] = 1  # head
    g[:, 16:32, 27 + dx : 35 + dx] = 2  # torso
    g[:, 17 : 17 + arm_len, 24 + dx : 26 + dx] = 3  # left arm
    g[:, 17:27, 36 + dx : 38 + dx] = 4  # right arm
    g[:, 32:46, 28 + dx : 30 + dx] = 5  # legs
    g[:, 32:46, 32 + dx : 34 + dx] = 6
    return g


def test_a_rigidly_moving_body_has_no_failures():
    clip = np.stack([_body(1, dx=2 * t)[0] for t in range(5)])
    m = morphology(clip)
    assert m["part_failure_rate"] == 0 and m["missing_part_rate"] == 0
    assert m["limb_length_cv"] < 1e-9


def test_a_vanishing_arm_and_a_stretched_leg_are_failures():
    clip = _body(5)
    clip[2][clip[2] == 3] = 2  # frame 3: the left arm melts into the torso
    clip[4][clip[4] == 5] = 0
    clip[4, 32:60, 28:30] = 5  # frame 5: the left leg twice as long
    m = morphology(clip)
    assert m["part_failure_rate"] == 2 / 4
    assert m["missing_part_rate"] == 1 / (4 * 6)
    assert 0.05 < m["limb_length_cv"] < 0.12  # one of four limbs varies (CV ≈ 1/3), the others not


def test_malformed_body_rate_judges_proportions_not_motion():
    ranges = {"left_arm": (0.4, 0.8), "right_arm": (0.4, 0.8), "left_leg": (0.6, 1.1), "right_leg": (0.6, 1.1),
              "head": (0.1, 0.6)}  # fmt: skip
    moving = np.stack([_body(1, dx=3 * t)[0] for t in range(4)])
    assert morphology(moving, ranges)["malformed_body_rate"] == 0
    stub = _body(4)
    stub[3][stub[3] == 3] = 2
    stub[3, 17:19, 24:26] = 3  # frame 4: the left arm shrinks to a 2-pixel-long stub
    gone = _body(4)
    gone[1][gone[1] == 2] = 0  # frame 2: the torso dissolves
    assert morphology(stub, ranges)["malformed_body_rate"] == 1 / 3
    assert morphology(gone, ranges)["malformed_body_rate"] == 1 / 3


def test_relative_roughness_separates_smooth_motion_from_flicker():
    from benchmarks.mini_eval import relative_roughness

    ramp = np.zeros((6, 8, 8, 3), np.uint8) + (np.arange(6) * 20).astype(np.uint8)[:, None, None, None]
    flicker = np.random.default_rng(0).integers(0, 255, (6, 8, 8, 3), dtype=np.uint8)
    assert relative_roughness(ramp) < 1e-6  # float32 rounding
    assert 1.2 < relative_roughness(flicker) < 2.2
    assert math.isnan(relative_roughness(np.zeros((6, 8, 8, 3), np.uint8)))


def test_part_acceleration_is_zero_at_constant_velocity_on_uneven_times():
    times = np.array([0, 2, 5, 7])
    steady = np.stack([_body(1, dx=t)[0] for t in times])  # 1 px per frame, sampled unevenly
    assert part_acceleration(steady, times) == 0.0
    jerky = np.stack([_body(1, dx=d)[0] for d in (0, 4, 4, 8)])  # moves, stops, moves
    a = part_acceleration(jerky, times)
    # every part: v = 2, 0, 2 px/frame; a = 2·(0−2)/5 and 2·(2−0)/5 → |a| = 0.8
    assert math.isclose(a, 0.8, rel_tol=1e-9)
    assert math.isnan(part_acceleration(steady[:2], times[:2]))


def test_no_person_in_frame_one_gives_nan():
    clip = _body(3)
    clip[0][clip[0] == 2] = 0
    assert all(math.isnan(v) for v in morphology(clip).values())


def test_group_ids_and_segment_shapes():
    assert group_ids(np.array([0, 1, 2, 3, 5, 7, 4, 9, 14, 15, 16])).tolist() == [0, 1, 2, 3, 3, 3, 4, 5, 6, 7, 7]
    frames = np.random.default_rng(0).integers(0, 255, (3, 32, 32, 3), dtype=np.uint8)
    out = segment(build_net(8), frames)
    assert out.shape == (3, 32, 32) and out.min() >= 0 and out.max() < len(GROUP_NAMES)


def test_training_data_comes_from_the_chosen_world():
    """SegTrainConfig.world picks the synthetic world of the segmenter's frames (--world)."""
    from benchmarks.part_seg import SegTrainConfig, make_data

    seeds = range(100, 103)
    _, _, y_default = make_data(SegTrainConfig(), seeds=seeds)
    _, _, y_res = make_data(SegTrainConfig(world="resolvable"), seeds=seeds)
    assert (y_res > 0).float().mean() > 1.5 * (y_default > 0).float().mean()  # a closer, bigger body
