"""The physics step's foot lock: which foot is planted when two are on the ground."""

import dataclasses

import numpy as np

from revision.pppm.physics import (
    R_WC,
    PhysicsConfig,
    apply_physics,
    body_points,
    foot_positions,
    ground_frame,
    rest_pelvis,
)
from revision.pppm.propose import propose_motion
from revision.synthetic import motions as M
from tests.pppm.test_pppm_photo_like import KEYWORDS, _person, _scene

HIP = {s: M.SMPLX_BODY_JOINTS.index(f"{s}_hip") for s in ("left", "right")}


def _stride_closing_then_walking(n: int = 12, close: int = 4, step: float = 0.1) -> dict[str, np.ndarray]:
    """A body facing the camera caught with its feet apart along x (left hip spread 0.5 rad, right 0.2 rad: the
    feet move by different amounts) whose legs close over ``close`` frames while it stays put (a proposal's
    ramp from the photo's pose into the action's), then slides ``step`` m/frame along world +x with its feet
    together (the way it travels)."""
    p = M.action_motion("stand_still", n, strength=0.0, jitter=False)
    bp = p["body_pose"].reshape(n, 21, 3)
    ramp = np.clip(1 - np.arange(n) / close, 0, 1)
    bp[:, HIP["left"]] = M.euler(z=0.5 * ramp)
    bp[:, HIP["right"]] = M.euler(z=-0.2 * ramp)
    p["body_pose"] = bp.reshape(n, 63).astype(np.float32)
    p["transl"][:, 0] += step * np.maximum(0, np.arange(n) - close)
    R, t = M.default_extrinsics()
    return M.to_camera("smplx", p, R, t, pelvis=rest_pelvis(p["betas"]))


def test_the_foot_going_back_is_planted_while_the_legs_close_and_the_body_goes_on():
    """While the legs close from a stride both feet are on the ground and both move, in opposite ways. Planting
    the one that moved less swung the body away from where it then goes (vtest's walkers: 0.36 m backwards
    before walking off); planting the one going back (``planted="behind"``) moves the body on its way."""
    cam = _stride_closing_then_walking()
    pel = body_points(cam)[0][:, 0] @ R_WC  # world, y up
    way = np.sign(pel[-1, 0] - pel[0, 0])  # where the unlocked body goes
    feet = foot_positions(body_points(cam)[0] @ R_WC)
    assert abs(feet[0, 0, 0] - feet[0, 1, 0]) > 0.3  # a stride at frame 0
    moved = {}
    for rule in ("still", "behind"):
        out, _ = apply_physics(cam, None, config=dataclasses.replace(PhysicsConfig(), planted=rule))
        x = (body_points(out)[0][:, 0] @ R_WC)[:, 0] * way  # along the way it goes
        moved[rule] = x[4] - x[0]  # while the legs close
        f = foot_positions(body_points(out)[0] @ R_WC)
        slide = np.linalg.norm(np.diff(f[:5, :, [0, 2]], axis=0), axis=-1).min(1)
        assert slide.max() < 1e-3, (rule, slide)  # either way one foot stays put
    assert moved["still"] < -0.1, moved  # the old rule: backwards first (measured -0.16 m)
    assert moved["behind"] > 0.1, moved  # on its way (measured +0.12 m)


def test_a_motion_that_does_not_travel_plants_the_foot_that_moves_less():
    cam = _stride_closing_then_walking(step=0.0)
    a, _ = apply_physics(cam, None, config=dataclasses.replace(PhysicsConfig(), planted="behind"))
    b, _ = apply_physics(cam, None, config=dataclasses.replace(PhysicsConfig(), planted="still"))
    np.testing.assert_array_equal(a["transl"], b["transl"])


def test_a_walk_re_timed_by_steps_travels_without_stopping_at_its_steps(fake_encoder):
    """The library's sinusoidal hip swing leaves the locked body still at each foot switch; the smoothed
    re-timing kept a stall wherever two frames straddle a switch (the lock can follow one foot only there).
    With the switches on frames the pace after the turn is even and every frame interval has a planted foot
    that does not move."""

    def walk(pace: str):
        cfg = dataclasses.replace(KEYWORDS, physics=dataclasses.replace(KEYWORDS.physics, pace=pace))
        seq, _ = propose_motion(_scene(_person()), "he walks to the left", 0.7, 16, text_encoder=fake_encoder,
                                config=cfg)  # fmt: skip
        params = seq.tracks[0].params
        G = ground_frame(_person()["global_orient"][0])
        pelvis = (body_points(params)[0] @ G)[:, 0, [0, 2]]
        v = np.linalg.norm(np.diff(pelvis, axis=0), axis=1)[5:]  # after the turn
        # already locked: re-locking shows the lock's own choice
        _, rep = apply_physics(params, allow_leave_frame=True, frame=G)
        return v, rep

    v_smooth, _ = walk("smooth")
    v_steps, rep = walk("steps")
    assert PhysicsConfig().pace == "steps"  # the default
    assert v_smooth.min() < 0.35 * np.median(v_smooth)  # a stall at a step (measured: 0.23 of the median)
    assert v_steps.min() > 0.6 * np.median(v_steps), v_steps  # no stall (measured: 0.79)
    assert (rep.planted[6:] >= 0).all()  # a planted foot in every interval after the turn
    assert rep.max_shift < 1e-4  # re-locking moves nothing: the planted foot stays where it was
