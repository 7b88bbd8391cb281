"""photo_fit_bench's IoU for a person partly hidden behind something."""

import numpy as np

from benchmarks.photo_fit_bench import person_iou
from revision.pppm.physics import rest_pelvis
from revision.render import render_condition
from revision.synthetic import motions as M
from revision.types import Camera, MotionSequence, Track


def test_the_iou_of_a_partly_hidden_person_leaves_the_occluders_pixels_out():
    """A body whose torso a board hides: its visible mask is the body minus the board. Against that mask the
    plain IoU counts the hidden torso as a miss; left out (``hidden``), the same body scores 1."""
    p = M.action_motion("stand_still", 1, strength=0.0, jitter=False)
    R, t = M.default_extrinsics()
    track = Track(0, "smplx", M.to_camera("smplx", p, R, t, pelvis=rest_pelvis(p["betas"])), np.ones(1, np.float32))
    cam = Camera.from_image_size(128, 128)
    body = render_condition(MotionSequence([track], cam, 1, 7.0), 128, 128).part_ids[0] > 0
    rows = np.flatnonzero(body.any(1))
    board = np.zeros_like(body)
    board[rows[0] + len(rows) // 3 : rows[0] + len(rows) // 2] = True  # across the torso
    visible = body & ~board
    assert (body & board).sum() > 0.05 * body.sum()
    plain = person_iou(track, visible, cam)
    assert plain < 0.95
    assert person_iou(track, visible, cam, hidden=board) == 1.0
    assert person_iou(track, body, cam) == 1.0  # nothing hidden: the plain IoU
