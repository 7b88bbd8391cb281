"""Contact-driven object motion (revision.pppm.interaction) on hand-made motions: no perception, no proposal."""

import numpy as np
import pytest

from revision.pppm.interaction import (
    apply_interaction,
    choose_side,
    facing,
    find_interaction,
    leg_back_to_stance,
    level_step,
    plant_support_foot,
    reach_with_knee,
)
from revision.pppm.physics import body_points, rest_pelvis
from revision.synthetic import motions as lib
from revision.types import Camera, MotionSequence, Track

F, FPS, RADIUS = 16, 8.0, 0.11


def _scene(action: str, strength: float, ball_offset=(0.0, 0.0, 0.3), label: str = "ball") -> MotionSequence:
    """A person doing ``action`` (world frame, facing the camera) seen from 4 m, and a ball resting on the
    ground ``ball_offset`` (world x, -, z) from the right foot's frame-0 position."""
    R, t = lib.default_extrinsics(distance=4.0, height=1.0)
    world = lib.action_motion(action, F, fps=FPS, strength=strength, jitter=False, heading=0.0)
    params = lib.to_camera("smplx", world, R, t, pelvis=rest_pelvis())
    joints, _ = body_points(params)
    foot_w = (joints[0, 11] - t) @ np.asarray(R, float)  # camera → world (R orthonormal)
    centre_w = np.array([foot_w[0] + ball_offset[0], RADIUS, foot_w[2] + ball_offset[2]])
    pts_w = lib.object_points(np.repeat(centre_w[None], F, 0), np.zeros((F, 3)), (RADIUS, RADIUS))
    ball = lib.to_camera("object", {"points": pts_w}, R, t)
    cam = Camera.from_image_size(640, 480)
    tracks = [Track(0, "smplx", params, np.ones(F, np.float32), "person"),
              Track(1, "object", {"points": ball["points"]}, np.ones(F, np.float32), label)]  # fmt: skip
    return MotionSequence(tracks, cam, F, FPS, strength)


def _ball(seq: MotionSequence) -> np.ndarray:
    return next(t for t in seq.tracks if t.kind == "object").params["points"][:, 20].astype(np.float64)


def test_find_interaction_reads_verb_part_and_side():
    k = find_interaction("he kicks the ball")
    assert (k.verb, k.part, k.mode, k.side) == ("kick", "foot", "strike", None)
    t = find_interaction("she throws the ball with her left hand")
    assert (t.verb, t.part, t.mode, t.side) == ("throw", "hand", "throw", "left")
    assert find_interaction("he picks up the box").mode == "pickup"
    assert find_interaction("she puts the cup down").mode == "putdown"
    assert find_interaction("he waves") is None


def test_kick_contact_impulse_and_physics():
    seq = _scene("kick_right", 0.6)
    out, notes, d = apply_interaction(seq, "he kicks the ball", 0.6)
    assert d is not None and d["verb"] == "kick" and d["part"] == "right_foot", notes
    c = d["contact_frame"]
    ball = _ball(out)
    b0 = _ball(seq)[0]
    # frame 0 projects where the input was (re-seated on the foot's ground along its ray), still until the contact
    assert np.linalg.norm(np.cross(ball[0], b0)) / (np.linalg.norm(ball[0]) * np.linalg.norm(b0)) < 1e-4
    assert np.abs(ball[: c + 1] - ball[0]).max() < 1e-5
    assert np.linalg.norm(ball[c + 1] - ball[c]) > 0.05
    # the (aimed) foot meets the ball's surface at contact
    person = next(t for t in out.tracks if t.kind == "smplx")
    joints, _ = body_points(person.params)
    gap = np.linalg.norm(joints[c, 11] - ball[c]) - RADIUS
    assert gap < 0.1, gap
    # it leaves the way the body faces (the kick swings forward), never through the ground
    step = ball[c + 1] - ball[c]
    fwd = facing(seq.tracks[0].params)
    assert float(step @ fwd) / np.linalg.norm(step) > 0.5
    assert (ball[:, 1] - ball[0, 1]).max() < 0.01  # camera y is down: never below its resting height
    assert any("kick with the right foot" in n for n in notes)


def test_strength_scales_the_impulse():
    speeds = []
    for s in (0.1, 0.9):
        out, _, d = apply_interaction(_scene("kick_right", s), "he kicks the ball", s)
        speeds.append(np.linalg.norm(d["impulse_mps"]))
    assert speeds[1] > 1.3 * speeds[0], speeds


def test_no_interaction_leaves_the_ball_where_it_is():
    seq = _scene("wave_right", 0.7, ball_offset=(0.6, 0, 0.4))
    out, notes, d = apply_interaction(seq, "he waves", 0.7)
    assert d is None
    assert np.abs(_ball(out) - _ball(out)[0]).max() < 1e-5
    assert any("stays put" in n for n in notes)
    # a verb with no object named is no interaction either
    out, notes, d = apply_interaction(_scene("kick_right", 0.7, ball_offset=(0.8, 0, 0.4)), "he kicks", 0.7)
    assert d is None and np.abs(_ball(out) - _ball(out)[0]).max() < 1e-5


def test_body_pushes_a_ball_in_its_way():
    """No interaction in the prompt, but the swinging leg runs through the ball: the body pushes it."""
    seq = _scene("kick_right", 0.9, ball_offset=(0.0, 0, 0.45))
    out, notes, d = apply_interaction(seq, "he kicks", 0.9)
    assert d is None
    moved = np.linalg.norm(_ball(out) - _ball(seq)[0], axis=1).max()
    assert moved > 0.05 and any("pushed by the body" in n for n in notes), (moved, notes)


def test_throw_holds_then_releases():
    seq = _scene("raise_right", 0.8)
    joints, _ = body_points(seq.tracks[0].params)
    hand0 = joints[0, 21]
    pts = seq.tracks[1].params["points"]
    seq.tracks[1].params["points"] = (pts - pts[:, 20:21] + (hand0 + np.array([0.0, 0.0, 0.12]))).astype(
        np.float32
    )
    out, _, d = apply_interaction(seq, "he throws the ball", 0.8)
    assert d["verb"] == "throw" and d["release_frame"] is not None and d["part"] == "right_hand"
    rel = d["release_frame"]
    person = next(t for t in out.tracks if t.kind == "smplx")
    hand = body_points(person.params)[0][:, 21]
    ball = _ball(out)
    off = ball[0] - hand[0]
    assert np.abs(ball[: rel + 1] - (hand[: rel + 1] + off)).max() < 1e-4  # held: follows the hand
    assert np.linalg.norm(ball[-1] - ball[rel]) > 0.1  # then thrown


def test_choose_side_picks_the_nearer_foot():
    seq = _scene("stand_still", 0.5, ball_offset=(0.4, 0, 0.25))  # facing the camera, +x is their left
    side, inter = choose_side(seq, "he kicks the ball")
    assert inter.verb == "kick" and side == "left"
    assert choose_side(seq, "he kicks the ball with his right foot")[0] is None  # the prompt says


@pytest.mark.parametrize("prompt", ["he kicks the football", "he kicks it"])
def test_the_object_may_be_named_by_kind_or_pronoun(prompt):
    _, _, d = apply_interaction(_scene("kick_right", 0.5), prompt, 0.5)
    assert d is not None and d["verb"] == "kick"


@pytest.mark.parametrize(
    "words, axis, sign", [("to the left", 0, -1), ("to the right", 0, 1), ("away", 2, 1)]
)
def test_the_prompt_sends_the_ball_its_way(words, axis, sign):
    out, notes, d = apply_interaction(_scene("kick_right", 0.6), f"he kicks the ball {words}", 0.6)
    ball = _ball(out)
    c = d["contact_frame"]
    step = ball[c + 1] - ball[c]
    assert sign * step[axis] > 0.8 * np.linalg.norm(step[[0, 2]]), (step, notes)


def test_a_sketched_target_sends_the_ball_there():
    seq = _scene("kick_right", 0.6)
    cam = seq.camera
    b0 = _ball(seq)[0]
    u0 = cam.fx * b0[0] / b0[2] + cam.cx
    v0 = cam.fy * b0[1] / b0[2] + cam.cy
    out, _, d = apply_interaction(seq, "he kicks the ball", 0.6, target_px=np.array([u0 - 150, v0 + 20]))
    ball = _ball(out)
    u = cam.fx * ball[:, 0] / ball[:, 2] + cam.cx
    assert u[-1] < u[0] - 20  # it went towards the target, to the image's left


def test_held_modes_take_an_object_out_of_reach_first():
    seq = _scene("raise_right", 0.6, ball_offset=(0.3, 0, 0.4))  # on the ground, far from the hands
    out, notes, d = apply_interaction(seq, "he throws the ball", 0.6)
    assert d["contact_frame"] > 0 and d["release_frame"] > d["contact_frame"]
    ball = _ball(out)
    assert np.abs(ball[: d["contact_frame"]] - ball[0]).max() < 1e-5  # still until taken
    assert np.linalg.norm(ball[-1] - ball[0]) > 0.1 and any("not in the hand" in n for n in notes)


def test_a_kick_keeps_its_support_foot_planted():
    """A proposal whose root lurches with the kicking foot (the physics step's foot lock on a tilted fit locks
    the swinging foot, messi5) kicks with the other foot planted: the body no longer jumps around."""
    seq = _scene("kick_right", 0.7, ball_offset=(0.0, 0.0, 0.25))
    person = seq.tracks[0]
    joints, _ = body_points(person.params)
    swing = joints[:, 11] - joints[0, 11]
    person.params["transl"] = (person.params["transl"] + 0.8 * swing).astype(np.float32)  # the lurch
    lurch = body_points(person.params)[0][:, 0]
    out, notes, d = apply_interaction(seq, "he kicks the ball", 0.7)
    assert any("(support) foot stays planted" in n for n in notes), notes
    j, _ = body_points(next(t for t in out.tracks if t.kind == "smplx").params)
    support = j[:, [7, 10]].mean(1)
    step = next((float(n.split("steps ")[1].split(" m")[0]) for n in notes if "steps" in n), 0.0)
    assert np.linalg.norm(support - support[0], axis=1).max() <= step + 0.01
    acc = lambda p: np.linalg.norm(p[2:] - 2 * p[1:-1] + p[:-2], axis=1).max()  # noqa: E731
    assert acc(j[:, 0]) < 0.25 * acc(lurch), (acc(j[:, 0]), acc(lurch))  # the pelvis moves smoothly
    # the interaction's guarantees hold: the foot at the ball at contact, the ball moving after it
    c, ball = d["contact_frame"], _ball(out)
    assert np.linalg.norm(j[c, 11] - ball[c]) - RADIUS < 0.1
    assert np.linalg.norm(ball[c + 1] - ball[c]) > 0.05


@pytest.mark.parametrize("action", ["walk_towards", "run", "jump"])
def test_gaits_keep_their_feet(action):
    """Walks, runs and jumps move both feet: the kick's support-foot plant leaves them as they are."""
    params = _scene(action, 0.7).tracks[0].params
    out, ratio = plant_support_foot(params, "right")
    assert out is params and ratio is not None and ratio > 0.25, ratio


def test_a_kick_meets_the_ball_where_its_swing_passes_it():
    """A ball nearer the start of the forward swing is met earlier in it (never before min_contact_s): the
    part meets the object where its own swing takes it instead of being pulled back to it."""
    frames = []
    for z in (0.05, 0.6):
        out, notes, d = apply_interaction(
            _scene("kick_right", 0.7, ball_offset=(0.0, 0.0, z)), "he kicks the ball", 0.7
        )
        frames.append(d["contact_frame"])
        assert d["contact_gap_m"] < 0.02, notes
    assert 4 <= frames[0] < frames[1], frames  # 0.45 s at 8 fps: frame 4 at the earliest


def test_the_knee_reaches_and_the_step_stays_level():
    """The kicking leg bends / straightens its knee to the ball's distance (bisection), and what a leg cannot
    reach is a level root step: the body never sinks into the ground or rises towards the ball."""
    params = _scene("kick_right", 0.7).tracks[0].params
    j, _ = body_points(params)
    c, w = 5, np.ones(F)
    for want in (0.6, 0.8):  # nearer than the straight leg: the knee bends to exactly that distance
        target = j[c, 2] + want * (j[c, 11] - j[c, 2]) / np.linalg.norm(j[c, 11] - j[c, 2])
        jb, _ = body_points(reach_with_knee(params, 2, 11, target, c, w))
        assert abs(np.linalg.norm(jb[c, 11] - jb[c, 2]) - want) < 0.01
        assert (
            np.abs(jb[:, 11][[c - 1, c + 1]] - j[:, 11][[c - 1, c + 1]]).max() > 0.01
        )  # all frames, weighted
    far = j[c, 2] + np.array([0.0, 1.0, 1.0])  # out of reach below and ahead: the straightest leg
    d = level_step(j[c, 2], j[c, 11], far)
    assert d[1] == 0.0 and d[2] > 0.0  # level, towards it
    reach = np.linalg.norm(j[c, 11] - j[c, 2])
    assert abs(np.linalg.norm(far - (j[c, 2] + d)) - max(reach, 1.0)) < 1e-6


def test_a_kick_does_not_sink_the_body_and_the_leg_comes_back():
    """A ball lower than the swinging foot is met by the leg (knee, hip), not by lowering the body; after the
    follow-through the kicking leg returns to its frame-0 stance (no second wind-up, the foot back down)."""
    seq = _scene("kick_right", 0.7, ball_offset=(0.1, 0.0, 0.35))
    out, notes, d = apply_interaction(seq, "he kicks the ball", 0.7)
    j0, _ = body_points(seq.tracks[0].params)
    p = next(t for t in out.tracks if t.kind == "smplx").params
    j, _ = body_points(p)
    assert d["contact_gap_m"] < 0.02, notes
    support = j[:, [7, 10]].mean(1)  # the planted left foot: not lowered, not lifted (camera y)
    assert np.abs(support[:, 1] - support[0, 1]).max() < 1e-3
    back = next(n for n in notes if "swings back to its stance" in n)
    e = int(back.rsplit(" ", 1)[1])
    assert d["contact_frame"] < e < F - 1
    bp, bp0 = p["body_pose"].reshape(F, 21, 3), seq.tracks[0].params["body_pose"].reshape(F, 21, 3)
    assert np.abs(bp[-1, [1, 4, 7, 10]] - bp0[0, [1, 4, 7, 10]]).max() < 1e-5  # the right leg's frame-0 pose
    foot = j[:, 11] - j[:, 0]  # relative to the pelvis: settled at the end
    assert np.linalg.norm(foot[-1] - foot[-2]) < 1e-4 and np.linalg.norm(j0[-1, 11] - j0[-2, 11]) > 0.01
    same, none = leg_back_to_stance(p, 2, 11, F - 1, facing(p), FPS)
    assert none is None and same is p  # a follow-through that lasts to the end: nothing to do
