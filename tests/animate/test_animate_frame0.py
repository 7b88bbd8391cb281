"""Frame 0 is the photo exactly, also where a part lies mostly past the picture's edge (its back-fill tied with
the pixel cells on the same surface) and where the matte's edge met the raster's coverage ramp."""

from __future__ import annotations

import numpy as np

from revision.animate import animate_photo
from revision.types import Camera, MotionSequence
from tests.animate.test_animate import H, W, parts_of, raising_arm, textured_photo


def test_frame0_is_the_photo_where_the_legs_run_past_the_pictures_bottom():
    """At three times the other tests' size the picture's bottom edge cuts the lower legs: parts too little seen
    to be shown by the photo, drawn by the back-fill at their own depth, where they tied with the pixel cells
    over them (before: 7 pixels at the bottom edge changed at frame 0; on grace_hopper's arm at the picture's
    right edge 71 pixels, up to 11 levels)."""
    size = (3 * H, 3 * W)
    cam = Camera.from_image_size(size[1], size[0], 40)
    track = raising_arm()
    photo = textured_photo(3, *size)
    mask = parts_of(track, 0, cam=cam, size=size) > 0
    anim = animate_photo(photo, MotionSequence([track], cam, 4), person_masks={0: mask})
    assert np.array_equal(anim.frames.frames[0], photo)
    assert not anim.moved[0].any()


def test_frame0_is_the_photo_at_the_matte_edge_of_an_arm_the_picture_cuts():
    """The picture's right edge cuts the raising arm near the elbow. The grid reaches two pixels past the
    person's matte, inside the half-size raster's upsampled coverage ramp: where the coverage was under 1 the
    plate showed through the matte's edge at frame 0 (as on the astronaut's hair and shoulders before: 229
    pixels, up to 77 levels); the ramp's inner half now counts as covered."""
    size = (4 * H, 4 * W)
    full_cam = Camera.from_image_size(size[1], size[0], 40)
    track = raising_arm()
    full = parts_of(track, 0, cam=full_cam, size=size)
    fore = np.nonzero(full == 5)[1]
    Wc = int(np.percentile(fore, 5)) // 2 * 2
    cam = Camera(full_cam.fx, full_cam.fy, full_cam.cx, full_cam.cy, Wc, size[0])
    ids0 = full[:, :Wc]
    assert 0 < (ids0 == 5).sum() < 0.2 * (full == 5).sum()
    photo = textured_photo(6, size[0], Wc)
    anim = animate_photo(photo, MotionSequence([track], cam, 4), person_masks={0: ids0 > 0})
    assert np.array_equal(anim.frames.frames[0], photo)
    assert not anim.moved[0].any()
