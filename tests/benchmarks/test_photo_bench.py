"""photo_bench's limb line on synthetic MediaPipe landmark arrays: the seen-joint travel counts a limb joint
that rises into the picture after frame 0, never a joint seen in one or two frames, and not jitter."""

from __future__ import annotations

import numpy as np

from benchmarks.photo_bench import (
    L_SH,
    L_WR,
    MIN_LIMB_SW,
    R_SH,
    R_WR,
    limb_travel,
    passes,
    seen_limb_travel,
    seen_positions,
    still_video,
)

SW = 100.0  # shoulder width in px of the synthetic person


def _still_person(frames: int = 16, seed: int = 0, jitter: float = 0.0) -> np.ndarray:
    """(F, 33, 3) landmarks of a still portrait: shoulders 100 px apart, every limb joint out of view
    (visibility 0.05) at the bottom edge; ``jitter``: Gaussian px noise on every landmark, every frame."""
    rng = np.random.default_rng(seed)
    lm = np.zeros((frames, 33, 3))
    lm[:, :, :2] = (250.0, 200.0)
    lm[:, :, 2] = 0.99
    lm[:, L_SH, :2], lm[:, R_SH, :2] = (300.0, 300.0), (200.0, 300.0)
    for j in (13, 14, 15, 16, 25, 26, 27, 28):
        lm[:, j] = (250.0, 700.0, 0.05)  # below the 600-px frame, not seen
    lm[:, :, :2] += rng.normal(0.0, jitter, (frames, 33, 2))
    return lm


def test_a_wrist_that_rises_into_a_portrait_counts_only_in_the_seen_measure():
    lm = _still_person()
    for f in range(6, 16):  # the right wrist enters at frame 6 and rises 10 px per frame
        lm[f, R_WR] = (150.0, 590.0 - 10 * (f - 6), 0.9)
    assert limb_travel(lm) == 0.0  # the frame-0 reading: no limb joint visible at frame 0
    travel = seen_limb_travel(lm, frame_hw=(600, 500))
    # 3-frame medians run from frame 7 (y 580) to frame 14 (y 510): 70 px
    np.testing.assert_allclose(travel, 70.0)
    assert travel / SW >= MIN_LIMB_SW


def test_a_joint_seen_in_one_or_two_frames_does_not_count():
    lm = _still_person()
    lm[5, L_WR] = (100.0, 100.0, 0.95)  # a flicker far away, one frame
    lm[9:11, R_WR] = ((400.0, 150.0, 0.9), (390.0, 450.0, 0.9))  # two consecutive frames: still not three
    assert seen_limb_travel(lm, frame_hw=(600, 500)) == 0.0
    starts, pos = seen_positions(lm, R_WR, (600, 500))
    assert starts.size == 0 and pos.shape == (0, 2)


def test_a_one_frame_jump_inside_a_seen_run_is_filtered_by_the_median():
    lm = _still_person()
    lm[4:12, L_WR] = (320.0, 450.0, 0.9)  # a wrist seen still for 8 frames ...
    lm[7, L_WR, :2] = (100.0, 100.0)  # ... and one frame where MediaPipe put it elsewhere
    assert seen_limb_travel(lm, frame_hw=(600, 500)) == 0.0
    assert limb_travel(lm) == 0.0  # (not visible at frame 0 either)


def test_off_frame_positions_are_not_seen():
    lm = _still_person()
    for f in range(16):  # visible by MediaPipe's score but below the picture, moving 20 px per frame
        lm[f, L_WR] = (250.0, 620.0 + 20 * f, 0.9)
    assert seen_limb_travel(lm, frame_hw=(600, 500)) == 0.0
    assert seen_limb_travel(lm) > 200.0  # without the frame size the off-frame guesses would count


def test_jitter_alone_stays_below_the_threshold():
    lm = _still_person(jitter=3.0)
    for j in (13, 14, 15, 16):  # arms visible in every frame, still, with MediaPipe-like jitter of 3 px
        lm[:, j, 2] = 0.9
        lm[:, j, :2] = (200.0 + 30 * (j % 2), 420.0) + np.random.default_rng(j).normal(0, 3.0, (16, 2))
    travel = seen_limb_travel(lm, frame_hw=(600, 500))
    assert 0.0 < travel / SW < MIN_LIMB_SW


def test_still_video_repeats_frame0_with_fresh_noise():
    frame = np.full((64, 48, 3), 120, np.uint8)
    frame[20:40, 10:30] = (200, 40, 40)
    v = still_video(frame, 5)
    assert v.shape == (5, 64, 48, 3) and v.dtype == np.uint8
    err = np.abs(v.astype(float) - frame[None]).mean(axis=(1, 2, 3))
    assert (err < 4.0).all()  # the same picture (noise σ = 2 levels, H.264 crf 18) ...
    assert np.abs(v[1:].astype(int) - v[:-1]).max() > 0  # ... not identical copies


def _row(limb_sw: float, still: float = 0.0) -> dict:
    return {"size_ok": True, "psnr0": 40.0, "holes": 0, "nonfinite": 0, "expected": 1, "person_frac": 1.0,
            "limb_sw": limb_sw, "limb_still_sw": still, "accel_sw": 0.05, "humans": 1}  # fmt: skip


def test_limb_verdict_needs_the_seen_travel_beyond_the_still_control():
    assert passes(_row(0.31))["limb"] and not passes(_row(0.29))["limb"]
    assert not passes(_row(0.5, still=0.25))["limb"]  # 0.25 sw of it is what a still video shows
    assert passes(_row(0.9, still=0.25))["limb"]
    assert not passes(_row(float("nan")))["limb"]  # no person


def _scene():
    """A 40×60 photo: bright grey, a black backdrop in the top-left corner; a 2-frame video of it."""
    ref = np.full((40, 60, 3), 180, np.uint8)
    ref[:15, :20] = 0  # the backdrop
    frames = np.repeat(ref[None], 2, axis=0).copy()
    ys, xs = np.mgrid[:40, :60].astype(np.float32)
    flow = np.repeat(np.stack([xs, ys], -1)[None], 2, axis=0)
    alpha = np.zeros((2, 40, 60), np.float32)
    moved = np.ones((2, 40, 60), np.float32)  # every pixel revealed (plate) unless a layer covers it
    return ref, frames, {"flow": flow, "alpha": alpha, "moved": moved, "plate": ref.copy()}


def test_holes_judge_each_black_pixel_by_what_the_animation_says_it_shows():
    from benchmarks.photo_bench import unfilled_vs_plate

    ref, frames, anim = _scene()
    assert unfilled_vs_plate(frames, ref, anim) == (0, 0)
    # the plate continues the black backdrop into a hole beside it (a fill, shown as it is): not a hole
    anim["plate"][:25, 18:40] = 0
    frames[1, :25, 18:40] = 0
    assert unfilled_vs_plate(frames, ref, anim)[0] == 0
    # a black blot in the plate inside bright surroundings, not reached from any dark photo pixel: a hole
    anim["plate"][30:36, 45:52] = 0
    frames[1, 30:36, 45:52] = 0
    assert unfilled_vs_plate(frames, ref, anim)[0] == 6 * 7
    # a layer (alpha 1) drawn black where the photo pixel it carries is bright: a hole; over the backdrop: not
    ref2, frames2, anim2 = _scene()
    anim2["alpha"][1, 20:26, 5:11] = 1.0
    frames2[1, 20:26, 5:11] = 0
    assert unfilled_vs_plate(frames2, ref2, anim2)[0] == 36
    anim2["flow"][1, 20:26, 5:11] = (3.0, 3.0)  # its source is the backdrop: black is right
    assert unfilled_vs_plate(frames2, ref2, anim2)[0] == 0
    # the plate bright but the frame black where no layer covers: a hole; a NaN flow value counts too
    ref3, frames3, anim3 = _scene()
    frames3[0, 30:34, 30:34] = 0
    anim3["flow"][0, 0, 59, 0] = np.nan
    assert unfilled_vs_plate(frames3, ref3, anim3) == (16, 1)
    # an unmoved pixel shows the photo: black over a bright photo pixel is a hole, over the backdrop it is not
    ref4, frames4, anim4 = _scene()
    anim4["moved"][:] = 0.0
    frames4[1, 30:34, 30:34] = 0
    assert unfilled_vs_plate(frames4, ref4, anim4)[0] == 16
    anim4["plate"][30:34, 30:34] = 0  # the plate does not matter where nothing moved
    assert unfilled_vs_plate(frames4, ref4, anim4)[0] == 16


def _walker_motion(F: int, dx: np.ndarray, yaw: np.ndarray | None = None) -> dict:
    """motion_refined.json of one SMPL-X body facing the camera 3 m away, its root at x = ``dx`` (F,) m and
    turned ``yaw`` (F,) rad about its vertical (default 0)."""
    from scipy.spatial.transform import Rotation

    from revision.io import motion_to_json
    from revision.types import Camera, MotionSequence, Track

    yaw = np.zeros(F) if yaw is None else yaw
    go = (Rotation.from_euler("y", yaw[:, None]) * Rotation.from_rotvec([np.pi, 0.0, 0.0])).as_rotvec()
    go = go.astype(np.float32)
    tr = np.stack([dx, np.zeros(F), np.full(F, 3.0)], 1).astype(np.float32)
    bp = np.zeros((F, 63), np.float32)
    params = {"global_orient": go, "body_pose": bp, "betas": np.zeros(10, np.float32), "transl": tr}
    track = Track(0, "smplx", params, np.ones(F, np.float32))
    return motion_to_json(MotionSequence([track], Camera.from_image_size(320, 240, 50), F, 8.0))


def test_motion_control_reads_zero_for_an_even_glide_and_sees_a_stutter():
    from benchmarks.photo_bench import median_accel, motion_markers

    F = 12
    even = motion_markers(_walker_motion(F, np.linspace(0.0, -0.6, F)), 240, 320)[0]
    assert even.shape == (F, 33, 3) and np.isfinite(even).all()
    assert median_accel(even) < 1e-3  # constant velocity at constant depth: no acceleration
    stutter = np.linspace(0.0, -0.6, F) + np.where(np.arange(F) % 2, 0.02, 0.0)  # 2 cm back and forth
    px_per_m = abs(even[-1, 0, 0] - even[0, 0, 0]) / 0.6
    assert median_accel(motion_markers(_walker_motion(F, stutter), 240, 320)[0]) > 0.5 * 0.04 * px_per_m


def test_motion_control_draws_the_turn_clamped_like_the_animator():
    from benchmarks.photo_bench import L_SH, R_SH, motion_markers

    F = 10  # 10° a frame
    motion = _walker_motion(F, np.zeros(F), np.radians(np.linspace(0.0, 90.0, F)))
    free, clamped = motion_markers(motion, 240, 320, None)[0], motion_markers(motion, 240, 320, 15.0)[0]
    sw = np.linalg.norm(free[:, L_SH, :2] - free[:, R_SH, :2], axis=1)
    swc = np.linalg.norm(clamped[:, L_SH, :2] - clamped[:, R_SH, :2], axis=1)
    assert sw[-1] < 0.2 * sw[0]  # turned 90°: the shoulders are edge-on
    assert swc[-1] > 0.9 * swc[0]  # clamped at 15°: cos 15° of the frame-0 width
    np.testing.assert_allclose(clamped[:2], free[:2], atol=1e-4)  # 0° and 10°: within the limit, unchanged


def test_the_accel_unit_is_the_clip_median_so_one_odd_frame_0_reading_does_not_scale_the_line():
    from benchmarks.photo_bench import clip_shoulder_width, median_accel, shoulder_width

    lm = _still_person(jitter=1.0)
    lm[0, R_SH, 0] = lm[0, L_SH, 0] - 40.0  # frame 0 reads the shoulders 40 px apart (the others ~100)
    lm[3] = np.nan  # a frame without the person
    assert abs(shoulder_width(lm) - 40.0) < 3.0  # the limb lines' unit: frame 0's reading
    assert abs(clip_shoulder_width(lm) - SW) < 3.0  # the accel line's: the median over the found frames
    assert median_accel(lm) / clip_shoulder_width(lm) < 0.5 * median_accel(lm) / shoulder_width(lm)
    assert np.isnan(clip_shoulder_width(np.full((4, 33, 3), np.nan)))


def test_accel_diagnostics_count_the_triplets_and_the_frames_read_on_a_neighbour():
    from benchmarks.photo_bench import accel_triplets, nearer_other

    me = _still_person()
    neighbour = me.copy()
    neighbour[..., 0] += 50.0  # a second person 50 px to the right
    lm = me.copy()
    lm[3] = np.nan  # not found in frame 3: the triplets (2,3,4), (3,4,5), (1,2,3) drop out
    assert accel_triplets(lm) == 14 - 3
    lm[[6, 7, 8]] = neighbour[[6, 7, 8]]  # MediaPipe reads the neighbour on this person's crop
    assert nearer_other(lm, [me, neighbour], 0) == (3, 15)
    assert nearer_other(lm, [neighbour, me], 1) == (3, 15)
