"""Real photo in, real video out, through the default CLI in a subprocess, checked with MediaPipe Pose.

The checks are :mod:`benchmarks.photo_bench`'s (issue 19 / issue 20): output size and aspect, frame 0 vs
the input (PSNR ≥ 30 dB, H.264 included), a person found by MediaPipe Pose (static mode) in ≥ 90 % of the
frames, and for "raises both arms" both wrists above the nose at the last frame.

The full run (S2 fit + prompt motion + animation, 16 frames) costs ~25 s of CPU, far more wall time on a
loaded machine: it is ``slow``. The default suite keeps a cheaper run of the same CLI path with
``--s2 off --num-frames 8`` (no fitting: the photo animation of nothing is the photo itself), which still
checks the output size, aspect, frame 0 and that every frame shows a person.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.photo_bench import (
    ARM_JOINTS,
    MIN_JUMP_SW,
    MIN_PERSON_FRAC,
    MIN_PSNR0,
    MIN_WALK_SW,
    MIN_WAVE_RATIO,
    leftward,
    limb_travel,
    pose_landmarks,
    psnr,
    resized_input,
    run_cli,
    shoulder_rise,
    shoulder_width,
    wrists_above_nose,
)
from benchmarks.photo_set import photo

pytest.importorskip("mediapipe")


def _size_and_frame0(r, frames: int) -> None:
    H, W = r.photo.shape[:2]
    F, Ho, Wo = r.frames.shape[:3]
    assert F == frames
    assert max(Ho, Wo) >= min(512, max(H, W))  # long side: the input's own (≤ 1024), never a model crop
    assert abs(Wo / Ho - W / H) <= 2 / min(Ho, Wo) * W / H  # the input's aspect, up to even-side rounding
    assert psnr(r.frames[0], resized_input(r.photo, Ho, Wo)) >= MIN_PSNR0


def test_cli_keeps_the_photo_size_and_frame0_without_s2(tmp_path):
    p = photo("messi5")  # 548x342: not square, so the aspect check means something
    r = run_cli(p.load(), "he raises both arms", 0.7, tmp_path, extra=("--s2", "off", "--num-frames", "8"))
    assert r.returncode == 0, r.stderr
    _size_and_frame0(r, 8)
    assert r.run["settings"]["s3_mode"] == "animation"
    lm = pose_landmarks(r.frames)
    assert np.isfinite(lm[:, 0, 0]).mean() >= MIN_PERSON_FRAC


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, prompt", [("messi5", "he raises both arms"), ("astronaut", "the astronaut raises both arms")]
)
def test_cli_raises_both_arms_on_a_real_photo(tmp_path, name, prompt):
    p = photo(name)
    r = run_cli(p.load(), prompt, 0.7, tmp_path)
    assert r.returncode == 0, r.stderr
    _size_and_frame0(r, 16)
    lm = pose_landmarks(r.frames)
    assert np.isfinite(lm[:, 0, 0]).mean() >= MIN_PERSON_FRAC
    ok, why = wrists_above_nose(lm)
    assert ok, why


def _landmarks(tmp_path, name: str, prompt: str, strength: float):
    r = run_cli(photo(name).load(), prompt, strength, tmp_path / f"{strength}")
    assert r.returncode == 0, r.stderr
    lm = pose_landmarks(r.frames)
    assert np.isfinite(lm[:, 0, 0]).mean() >= MIN_PERSON_FRAC
    return lm, shoulder_width(lm)


@pytest.mark.slow
def test_cli_jump_lifts_the_shoulders_on_a_real_photo(tmp_path):
    lm, sw = _landmarks(tmp_path, "messi5", "he jumps", 0.7)
    assert shoulder_rise(lm, sw) >= MIN_JUMP_SW


@pytest.mark.slow
def test_cli_walk_left_moves_the_body_left_on_a_real_photo(tmp_path):
    lm, sw = _landmarks(tmp_path, "messi5", "he walks to the left", 0.7)
    assert leftward(lm, sw) >= MIN_WALK_SW


@pytest.mark.slow
def test_cli_wave_strength_scales_the_arm_travel_on_a_real_photo(tmp_path):
    travel = []
    for strength in (0.2, 0.9):
        lm, sw = _landmarks(tmp_path, "messi5", "he waves with his right hand", strength)
        travel.append(limb_travel(lm, ARM_JOINTS) / sw)
    assert travel[0] > 0 and travel[1] >= MIN_WAVE_RATIO * travel[0], travel
