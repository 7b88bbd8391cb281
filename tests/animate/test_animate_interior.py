"""Where an arm leaves a still body that its fit does not cover whole (a coat wider than the fitted body), the
frame shows the body's own colours, not the background plate (the cameraman's chest showed a patch of sky and
grass where his forearm had been); a body that moves keeps the background plate (no ghost left behind)."""

from __future__ import annotations

from types import SimpleNamespace

import cv2
import numpy as np

from revision.animate import AnimateConfig, animate_photo
from revision.animate.interior import ARM_PARTS, TORSO_PART, interior_plate, torso_still
from revision.body.posed import track_meshes
from revision.types import Camera, MotionSequence
from tests.animate.test_animate import H, W, body_track, parts_of, raising_arm, textured_photo

SIZE = (4 * H, 4 * W)
CAM = Camera.from_image_size(SIZE[1], SIZE[0], 40)
COAT = np.array([25, 22, 30], np.uint8)


def _coat_scene(track):
    """A bright textured photo with the body's frame-0 footprint grown by 12 px, all of it one dark coat."""
    ids0 = parts_of(track, 0, cam=CAM, size=SIZE)
    photo = textured_photo(3, *SIZE)
    coat = cv2.dilate((ids0 > 0).astype(np.uint8), np.ones((25, 25), np.uint8)) > 0
    photo[coat] = COAT
    return ids0, photo, coat


def _fake_scene(arm_box, F=3, shift=0.0):
    """A 100 x 60 px coat (top dark blue, bottom dark red) on a green background plate, a white arm over
    ``arm_box`` (y0, y1, x0, x1) of it; one body track whose torso moves ``shift`` m sideways over the clip."""
    Hs, Ws = 160, 120
    cam = Camera.from_image_size(Ws, Hs, 40)
    region = np.zeros((Hs, Ws), bool)
    region[30:130, 30:90] = True
    photo = np.zeros((Hs, Ws, 3), np.uint8)
    photo[:, :] = (40, 200, 40)
    photo[30:80, 30:90] = (20, 20, 90)
    photo[80:130, 30:90] = (90, 20, 20)
    arm = np.zeros((Hs, Ws), bool)
    y0, y1, x0, x1 = arm_box
    arm[y0:y1, x0:x1] = True
    photo[arm] = (250, 250, 250)
    plate = np.zeros_like(photo)
    plate[:, :] = (40, 200, 40)  # the background fill
    # a triangle of torso vertices and one of arm vertices, 2.5 m away; the torso moves by `shift`
    tri = np.array([[0.0, 0.0, 2.5], [0.1, 0.0, 2.5], [0.0, 0.1, 2.5]])
    verts = np.stack([np.concatenate([tri + [s, 0, 0], tri + [0.2, 0, 0]]) for s in np.linspace(0, shift, F)])
    vparts = np.array([TORSO_PART] * 3 + [ARM_PARTS[0]] * 3)
    yy, xx = np.mgrid[30:130:2, 30:90:2]
    grid = np.stack([xx.ravel(), yy.ravel()], 1).astype(np.float32)
    on_arm = arm[grid[:, 1].astype(int), grid[:, 0].astype(int)]
    anchors = np.where(on_arm[:, None], [3, 4, 5], [0, 1, 2]).astype(np.int64)
    layer = SimpleNamespace(kind="body", track_index=0, anchor_faces=anchors, grid_xy=grid)
    binding = SimpleNamespace(layers=[layer], owner=np.where(region, 0, -1).astype(np.int32), camera=cam)
    posed = [(verts, np.zeros((0, 3), np.int64), "body", vparts)]
    return plate, photo, binding, posed, arm


def test_the_plate_under_an_arm_across_a_still_body_takes_the_body_colours():
    plate, photo, binding, posed, arm = _fake_scene(
        (70, 83, 36, 83)
    )  # across the coat (on grid rows and columns)
    new = interior_plate(plate, photo, binding, posed, 2)
    px = new[arm].astype(int)
    assert (px[:, 1] <= 40).all() and (px.max(1) <= 110).all()  # the coat's blue and red (and their blend in
    # the middle), not the green background, not the white arm (measured: G ≤ 20, max ≤ 90)
    near = (
        cv2.dilate(arm.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    )  # (ties with the coat's grid vertices)
    assert np.array_equal(new[~near], plate[~near])  # nothing else changes
    # a 2-px disk encloses nothing across a 14-px arm
    assert np.array_equal(interior_plate(plate, photo, binding, posed, 2, radius=0.02), plate)


def test_an_arm_beside_the_body_or_a_moving_body_keeps_the_background():
    plate, photo, binding, posed, _ = _fake_scene((40, 120, 76, 90))  # down the coat's side: not enclosed
    assert interior_plate(plate, photo, binding, posed, 2) is plate
    plate, photo, binding, posed, _ = _fake_scene((70, 83, 36, 83), shift=0.3)  # the torso moves ~14 px
    assert interior_plate(plate, photo, binding, posed, 2) is plate


def test_a_moving_body_keeps_the_background_plate():
    F = 4
    walk = body_track(F, {})
    walk.params["transl"] = np.stack(
        [np.linspace(0.0, 0.5, F), np.full(F, -0.25), np.full(F, 2.6)], 1
    ).astype(np.float32)
    still = raising_arm(F)
    for track, moves in ((walk, True), (still, False)):
        tm = track_meshes(track)
        assert torso_still(np.asarray(tm.vertices), np.asarray(tm.vertex_parts), CAM, 0.05) is not moves
    _, photo, coat = _coat_scene(walk)
    motion = MotionSequence([walk], CAM, F)
    plates = [animate_photo(photo, motion, person_masks={0: coat}, config=AnimateConfig(interior_radius=r)).background
              for r in (AnimateConfig().interior_radius, None)]  # fmt: skip
    assert np.array_equal(plates[0], plates[1])
