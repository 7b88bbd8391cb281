"""Objects in the photo animation (issue 23): a 21-point object moves as its own layer — rigid, scaled by
depth, turning with its track or rolling, never smeared — its old place is the plate, and it occludes and
is occluded by a body by 3D depth. Each test builds its photo and tracks in code."""

from __future__ import annotations

import cv2
import numpy as np

from revision.animate import AnimateConfig, PhotoAnimator, animate_photo
from revision.body.posed import track_meshes
from revision.palette import PART_BY_NAME
from revision.render import project_points, render_part_masks
from revision.synthetic.motions import SMPLX_BODY_JOINTS
from revision.types import Camera, MotionSequence, Track

H, W = 200, 160
CAM = Camera.from_image_size(W, H, 40)
YELLOW, BLUE, RED = np.array([250, 230, 20]), np.array([20, 40, 250]), np.array([230, 40, 40])
OBJECT = PART_BY_NAME["object"].id
J = {n: i for i, n in enumerate(SMPLX_BODY_JOINTS)}


def background(seed: int = 0) -> np.ndarray:
    """A smooth greyish photo (channels 80..180: far from the disc's yellow and blue and the body's red)."""
    g = np.random.default_rng(seed).uniform(80, 180, (8, 6, 3)).astype(np.float32)
    return cv2.resize(g, (W, H), interpolation=cv2.INTER_CUBIC).clip(80, 180).astype(np.uint8)


def disc_track(centres: np.ndarray, radius: float, angles: np.ndarray, tid: int = 5) -> Track:
    """A flat disc of ``radius`` m facing the camera: 21 points per frame (outline, box corners, centre), the
    whole set turned by ``angles[f]`` (screen rotation, +x towards +y) about the centre ``centres[f]``."""
    F = len(centres)
    a = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    local = np.concatenate([np.stack([np.cos(a), np.sin(a)], 1),
                            [[-1, -1], [1, -1], [1, 1], [-1, 1]], [[0, 0]]]) * radius  # fmt: skip
    pts = np.zeros((F, 21, 3), np.float32)
    for f in range(F):
        c, s = np.cos(angles[f]), np.sin(angles[f])
        pts[f, :, :2] = local @ np.array([[c, s], [-s, c]]) + centres[f, :2]
        pts[f, :, 2] = centres[f, 2]
    return Track(tid, "object", {"points": pts}, np.ones(F, np.float32), label="ball")


def disc_of(centre: np.ndarray, radius: float) -> tuple[np.ndarray, float, np.ndarray]:
    """(projected centre (2,), projected radius px, (H, W) bool pixel centres within it) of a disc."""
    uv, z = project_points(np.asarray(centre, np.float64)[None], CAM)
    r = CAM.fx * radius / float(z[0])
    yy, xx = np.mgrid[0:H, 0:W]
    return uv[0], r, (xx - uv[0, 0]) ** 2 + (yy - uv[0, 1]) ** 2 <= r * r


def paint_disc(photo: np.ndarray, centre: np.ndarray, radius: float) -> np.ndarray:
    """Yellow disc with a blue stripe along its horizontal diameter (so its turn is visible); → its mask."""
    c, r, disc = disc_of(centre, radius)
    yy = np.mgrid[0:H, 0:W][0]
    photo[disc] = YELLOW
    photo[disc & (np.abs(yy - c[1]) <= 0.2 * r)] = BLUE
    return disc


def near(frame: np.ndarray, colour: np.ndarray, tol: int = 90) -> np.ndarray:
    return np.abs(frame.astype(int) - colour).sum(-1) < tol


def disc_like(frame: np.ndarray, behind: np.ndarray) -> np.ndarray:
    """Pixels nearer (RGB distance) the disc's colours — yellow, blue, or a mix of the two at the stripe's
    edge — than what lies behind them (``behind``: the plate), i.e. at least about half covered by the disc."""
    f = frame.astype(np.float64)
    d = (BLUE - YELLOW).astype(np.float64)
    t = np.clip(((f - YELLOW) @ d) / (d @ d), 0, 1)
    d_disc = np.linalg.norm(f - (YELLOW + t[..., None] * d), axis=-1)
    return d_disc < np.linalg.norm(f - behind, axis=-1)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def stripe_angle(frame: np.ndarray) -> float:
    """Orientation (radians, mod π) of the blue stripe's principal axis."""
    ys, xs = np.nonzero(near(frame, BLUE))
    cov = np.cov(np.stack([xs, ys]).astype(float))
    w, v = np.linalg.eigh(cov)
    return float(np.arctan2(v[1, -1], v[0, -1]))


def angle_diff(a: float, b: float) -> float:
    """Difference of two line orientations (mod π), in [0, π/2]."""
    d = (a - b) % np.pi
    return float(min(d, np.pi - d))


def body_track(F: int, transl=(0.0, -0.5, 2.6)) -> Track:
    """A SMPL-X body facing the camera, arms down, standing still."""
    bp = np.zeros((F, 63), np.float32)
    bp[:, 3 * J["left_shoulder"] + 2] = -1.1
    bp[:, 3 * J["right_shoulder"] + 2] = 1.1
    go = np.tile(np.array([np.pi, 0, 0], np.float32), (F, 1))
    tr = np.tile(np.asarray(transl, np.float32), (F, 1))
    params = {"global_orient": go, "body_pose": bp, "betas": np.zeros(10, np.float32), "transl": tr}
    return Track(0, "smplx", params, np.ones(F, np.float32))


def body_footprint(track: Track, f: int) -> np.ndarray:
    tm = track_meshes(track)
    return render_part_masks([(tm.vertices[f], tm.faces, tm.vertex_parts)], CAM, H, W)[0] > 0


def test_a_disc_keeps_its_size_and_shape_turns_with_its_track_and_leaves_the_plate():
    F = 6
    t = np.linspace(0, 1, F)
    centres = np.stack([-0.35 + 0.7 * t, 0.25 - 0.3 * t, 2.0 + 0.6 * t], 1)  # right, up, away (smaller)
    angles = 0.5 * t  # the track turns it by 0.5 rad
    R = 0.12
    photo = background()
    mask0 = paint_disc(photo, centres[0], R)
    track = disc_track(centres, R, angles)
    anim = animate_photo(photo, MotionSequence([track], CAM, F), person_masks={5: mask0})
    frames = anim.frames.frames
    assert np.array_equal(frames[0], photo)  # frame 0 is the photo exactly
    _, r0, _ = disc_of(centres[0], R)
    for f in range(1, F):
        _, rf, expect = disc_of(centres[f], R)
        shown = disc_like(frames[f], anim.background)
        assert iou(shown, expect) >= 0.9, (f, iou(shown, expect))
        assert abs(np.sqrt(shown.sum() / np.pi) - rf) < 1.0  # its size at this depth
        assert angle_diff(stripe_angle(frames[f]), angles[f]) < np.deg2rad(4)
        # no smear: nothing disc-coloured beyond the expected disc grown by one pixel
        grown = cv2.dilate(expect.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        assert (shown & ~grown).sum() == 0
        # the old place is filled from the plate: no disc colour, no black, the plate's own pixels
        old = mask0 & ~grown
        assert old.sum() > 50
        assert not (near(frames[f], YELLOW) | near(frames[f], BLUE))[old].any()
        assert frames[f][old].max(-1).min() > 40
        assert np.abs(frames[f][old].astype(int) - anim.background[old]).max() <= 2
    assert rf < r0 - 3  # it did shrink with depth (13.2 px → 10.1 px)
    # the flow points at the frame-0 pixels shown (the object's inverse map)
    warped = cv2.remap(photo, anim.flow[F - 1][..., 0], anim.flow[F - 1][..., 1], cv2.INTER_LINEAR)
    inside = (anim.alpha[F - 1] > 0.99) & (anim.part_ids[F - 1] == OBJECT)
    assert inside.sum() > 200
    assert np.percentile(np.abs(warped[inside].astype(int) - frames[F - 1][inside]).max(-1), 95) <= 2


def test_a_round_object_carried_without_turning_rolls_and_can_be_held_still():
    F = 4
    R = 0.12
    dx = np.linspace(0, 0.3, F)
    centres = np.stack([-0.2 + dx, np.full(F, 0.1), np.full(F, 2.2)], 1)
    photo = background(1)
    mask0 = paint_disc(photo, centres[0], R)
    track = disc_track(centres, R, np.zeros(F))
    motion = MotionSequence([track], CAM, F)
    rolled = animate_photo(photo, motion, person_masks={5: mask0}).frames.frames
    # rolling to the right turns it clockwise on screen (top moves right) by travel / radius = 2.5 rad
    assert angle_diff(stripe_angle(rolled[F - 1]), 0.3 / R) < np.deg2rad(4)
    held = animate_photo(photo, motion, person_masks={5: mask0}, config=AnimateConfig(object_roll=False))
    assert angle_diff(stripe_angle(held.frames.frames[F - 1]), 0.0) < np.deg2rad(2)
    # a track that spins its own outline (here only from frame 2 on) is followed as it is, never rolled on top
    spin = np.array([0.0, 0.0, 0.4, 0.9])
    spun = MotionSequence([disc_track(centres, R, spin)], CAM, F)
    own = animate_photo(photo, spun, person_masks={5: mask0})
    for f in range(1, F):
        assert angle_diff(stripe_angle(own.frames.frames[f]), spin[f]) < np.deg2rad(4)
    # without a mask, the object's own polygon is its region: the same disc, no ring of background travels
    nomask = animate_photo(photo, motion)
    _, _, expect = disc_of(centres[F - 1], R)
    shown = disc_like(nomask.frames.frames[F - 1], nomask.background)
    assert iou(shown, expect) >= 0.9
    grown = cv2.dilate(expect.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)  # + anti-aliased edge
    ring = cv2.dilate(expect.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool) & ~grown
    assert np.abs(nomask.frames.frames[F - 1][ring].astype(int) - nomask.background[ring]).max() <= 2


def _ball_across_the_legs(z: float, F: int = 5):
    """A body (red) and a ball crossing its legs from left to right at depth ``z`` (the body stands at 2.6 m)."""
    body = body_track(F)
    foot0 = body_footprint(body, 0)
    rows = np.nonzero(foot0.any(1))[0]
    row = int(rows[0] + 0.8 * (rows[-1] - rows[0]))  # shin height: the legs only
    cols = np.nonzero(foot0[row])[0]
    leg = cols[: int(np.argmax(np.diff(cols) > 1)) + 1]  # the first run: the leg on the image's left
    R = 0.1 * z / 2.6  # the same size on screen at either depth
    y = (row - CAM.cy) * z / CAM.fy
    x_start = (leg[0] - 30 - CAM.cx) * z / CAM.fx
    x_end = (leg.mean() - CAM.cx) * z / CAM.fx  # it ends centred on the shin
    centres = np.stack([np.linspace(x_start, x_end, F), np.full(F, y), np.full(F, z)], 1)
    photo = background(2)
    photo[foot0] = RED
    disc0 = paint_disc(photo, centres[0], R)
    assert not (disc0 & foot0).any()
    ball = disc_track(centres, R, np.zeros(F))
    return photo, body, ball, foot0, disc0, centres, R


def test_a_ball_in_front_of_the_legs_covers_them_and_one_behind_is_covered():
    for z, in_front in ((2.2, True), (3.1, False)):
        photo, body, ball, foot0, disc0, centres, R = _ball_across_the_legs(z)
        F = len(centres)
        motion = MotionSequence([body, ball], CAM, F)
        anim = animate_photo(photo, motion, person_masks={0: foot0, 5: disc0},
                             config=AnimateConfig(object_roll=False))  # fmt: skip
        frame = anim.frames.frames[F - 1]
        _, _, expect = disc_of(centres[F - 1], R)
        overlap = cv2.erode((expect & foot0).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        assert overlap.sum() > 80
        ball_shown = (near(frame, YELLOW) | near(frame, BLUE))[overlap].mean()
        body_shown = near(frame, RED)[overlap].mean()
        if in_front:
            assert ball_shown > 0.95 and (anim.part_ids[F - 1][overlap] == OBJECT).mean() > 0.95
        else:
            assert body_shown > 0.95 and (anim.part_ids[F - 1][overlap] == OBJECT).mean() < 0.05
        # outside the body the whole ball shows either way, at its size
        free = expect & ~cv2.dilate(foot0.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
        assert (near(frame, YELLOW) | near(frame, BLUE))[free].mean() > 0.95
        # its old place (off the body) is the plate
        old = cv2.erode(disc0.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~expect
        assert old.sum() > 30 and not (near(frame, YELLOW) | near(frame, BLUE) | near(frame, RED))[old].any()


def test_no_body_pixel_travels_with_the_ball_and_no_ball_pixel_with_the_body():
    """A ball touching the body's mask at frame 0 flies off while the body steps the other way."""
    F = 4
    body = body_track(F)
    body.params["transl"][:, 0] -= np.linspace(0, 0.2, F)  # the body steps left
    foot0 = body_footprint(body, 0)
    rows = np.nonzero(foot0.any(1))[0]
    row = int(rows[0] + 0.9 * (rows[-1] - rows[0]))
    right = int(np.nonzero(foot0[row])[0][-1])
    z = 2.6
    R = 0.1
    r_px = CAM.fx * R / z
    x0 = (right + r_px + 0.5 - CAM.cx) * z / CAM.fx  # the ball's edge touches the leg's right edge
    y0 = (row - CAM.cy) * z / CAM.fy
    centres = np.stack([x0 + np.linspace(0, 0.3, F), y0 - np.linspace(0, 0.25, F), np.full(F, z)], 1)
    photo = background(3)
    photo[foot0] = RED
    disc0 = paint_disc(photo, centres[0], R)
    touching = cv2.dilate(disc0.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & foot0
    assert touching.sum() >= 3
    ball = disc_track(centres, R, np.zeros(F))
    anim = PhotoAnimator(photo, MotionSequence([body, ball], CAM, F), person_masks={0: foot0 & ~disc0, 5: disc0},
                         config=AnimateConfig(object_roll=False)).run()  # fmt: skip
    frame = anim.frames.frames[F - 1]
    _, _, ball_now = disc_of(centres[F - 1], R)
    body_now = body_footprint(body, F - 1)
    ring = cv2.dilate(ball_now.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool) & ~ball_now
    assert not near(frame, RED, 150)[ring].any()  # no body pixel around the flown ball
    disc_colours = near(frame, YELLOW, 150) | near(frame, BLUE, 150)
    around_body = cv2.dilate(body_now.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    assert not disc_colours[around_body].any()  # no ball pixel travels with the body
    assert not (ball_now & around_body).any()
    assert iou(disc_like(frame, anim.background) & ~around_body, ball_now) >= 0.9
