"""The back-fill's flat parts (an unseen hand, an unseen forearm: one borrowed colour) are shaded by their posed
normals, and a hand the photo partly shows (a glove) takes its own colour on its hidden side, not the face's."""

from __future__ import annotations

import numpy as np

from revision.animate import AnimateConfig, animate_photo
from revision.animate.pose import LIGHT, shading
from revision.types import Camera, MotionSequence
from tests.animate.test_animate import H, W, parts_of, raising_arm, textured_photo

SIZE = (4 * H, 4 * W)  # four times the other tests' photos: the raised forearm ~460 px
CAM = Camera.from_image_size(SIZE[1], SIZE[0], 40)


def ids(track, f: int, keep_parts=None) -> np.ndarray:
    return parts_of(track, f, keep_parts, cam=CAM, size=SIZE)


def octahedron() -> tuple[np.ndarray, np.ndarray]:
    """Vertices ±x, ±y, ±z (camera space, y down, z away) and outward-wound faces."""
    V = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], np.float64)
    faces = []
    for x in (0, 1):
        for y in (2, 3):
            for z in (4, 5):
                f = [x, y, z]
                n = np.cross(V[f[1]] - V[f[0]], V[f[2]] - V[f[0]])
                faces.append(f if n @ V[f].mean(0) > 0 else [x, z, y])
    return V, np.array(faces, np.int64)


def test_shading_keeps_a_surface_facing_the_camera_and_darkens_its_sides():
    V, F = octahedron()
    g = shading(V, F, 0.5)
    facing = 5  # −z: towards the camera
    assert abs(g[facing] - 1.0) < 1e-6
    side = (1 - 0.5) / ((1 - 0.5) + 0.5 * -LIGHT[2])  # ±x: perpendicular to the light (n·l = 0)
    assert np.allclose(g[[0, 1]], side, atol=1e-6)
    assert g[3] > g[2]  # −y (up, lit from above) brighter than +y (down)
    assert np.allclose(shading(V, F, 0.0), 1.0)


def test_an_unseen_forearm_keeps_its_borrowed_colours_hue_and_gets_its_form_back():
    """A forearm the photo does not show takes one flat colour from its upper arm (the sleeve). Shaded, it is
    that colour times a gain (its hue kept) and the gain spans a range across it; unshaded it is flat."""
    import cv2

    track = raising_arm()
    photo = textured_photo(3, *SIZE)
    ids0 = ids(track, 0)
    sleeve = np.array([60, 90, 160], np.float64)
    photo[ids0 == 3] = sleeve.astype(np.uint8)
    mask = (ids0 > 0) & (ids0 != 5) & (ids0 != 7)  # the forearm and hand are not the person's at frame 0
    fore = (ids(track, 3, keep_parts=[5]) == 5) & ~(ids0 > 0)
    fore = cv2.erode(fore.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0  # no edge pixel
    spans = {}
    for s in (0.0, 0.5):
        anim = animate_photo(photo, MotionSequence([track], CAM, 4), person_masks={0: mask},
                             config=AnimateConfig(backfill_shading=s))  # fmt: skip
        drawn = fore & (anim.alpha[3] > 0.9)
        assert drawn.sum() >= 200
        c = anim.frames.frames[3][drawn].astype(np.float64)
        gain = c @ sleeve / (sleeve @ sleeve)  # the best multiple of the sleeve's colour per pixel
        # measured: median 12 levels off that multiple, shaded or not (the upper arm's own cells at the elbow)
        assert np.median(np.abs(c - gain[:, None] * sleeve).max(1)) < 20
        spans[s] = np.percentile(gain, 90) - np.percentile(gain, 10)
    # measured: 0.01 unshaded, 0.25 shaded
    assert spans[0.0] < 0.05
    assert spans[0.5] > 0.15


def test_a_hand_the_photo_partly_shows_takes_its_own_colour_on_its_hidden_side():
    """The astronaut's raised hand: the photo shows part of her purple glove, the rest of the hand lies past
    the picture's bottom edge. Raised into view, its hidden side is the glove's colour, not the face's skin
    (a skin-coloured mitten with glove shards on it, before: 21 % of the drawn hand within 25 levels of the
    skin, 76 % nearer the glove than the skin)."""
    track = raising_arm()
    full = ids(track, 0)
    Hc = int(np.percentile(np.nonzero(full == 7)[0], 50)) // 2 * 2  # the picture ends halfway down the hand
    cam = Camera(CAM.fx, CAM.fy, CAM.cx, CAM.cy, SIZE[1], Hc)
    ids0 = full[:Hc]
    photo = textured_photo(5, Hc, SIZE[1])
    skin, glove = np.array([205, 150, 120], np.uint8), np.array([70, 40, 110], np.uint8)
    photo[ids0 == 1] = skin
    photo[ids0 == 7] = glove
    anim = animate_photo(photo, MotionSequence([track], cam, 4), person_masks={0: ids0 > 0},
                         config=AnimateConfig(backfill_shading=0.0))  # fmt: skip
    hand = parts_of(track, 3, keep_parts=[7], cam=cam, size=(Hc, SIZE[1])) == 7
    drawn = hand & ~(ids0 > 0) & (anim.alpha[3] > 0.9)
    assert drawn.sum() >= 50
    c = anim.frames.frames[3][drawn].astype(int)
    to_glove, to_skin = np.abs(c - glove.astype(int)).max(1), np.abs(c - skin.astype(int)).max(1)
    assert np.mean(to_skin < 25) <= 0.05  # measured 0.0
    assert np.mean(to_glove < to_skin) >= 0.9  # measured 1.0


def test_an_unseen_hand_takes_the_other_hands_colour_when_the_photo_shows_that_one():
    """A person seen from behind: the head's pixels are his hair, so the face's colour is not his skin. A hand
    the photo does not show takes the other hand's colour when the photo shows that hand (basketball1's player
    seen from behind raised a hair-dark hand before)."""
    track = raising_arm()
    ids0 = ids(track, 0)
    photo = textured_photo(8, *SIZE)
    hair, skin = np.array([40, 30, 25], np.uint8), np.array([200, 160, 140], np.uint8)
    photo[ids0 == 1] = hair
    photo[ids0 == 8] = skin  # his right hand, shown
    anim = animate_photo(photo, MotionSequence([track], CAM, 4), person_masks={0: (ids0 > 0) & (ids0 != 7)},
                         config=AnimateConfig(backfill_shading=0.0))  # fmt: skip
    drawn = (ids(track, 3, keep_parts=[7]) == 7) & ~(ids0 > 0) & (anim.alpha[3] > 0.9)
    assert drawn.sum() >= 50
    c = anim.frames.frames[3][drawn].astype(int)
    to_skin, to_hair = np.abs(c - skin.astype(int)).max(1), np.abs(c - hair.astype(int)).max(1)
    assert np.mean(to_skin < to_hair) >= 0.9
