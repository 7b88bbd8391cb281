"""The re-look find's mask and ``hidden`` split by colour regions (revision.perception.occluder): a synthetic man
behind a board, a pole crossing his shoulder in front of him, a cone beside his head inside Pose's mask, and a
strip of his legs the segmenter missed (the three faults of vtest's man behind the sign)."""

import numpy as np

from revision.perception.occluder import between, fill_holes, rejoin, split_occluded

_BG, _MAN, _POLE = (128, 128, 128), (40, 40, 90), (200, 225, 240)
_BOARD, _CONE = (120, 220, 220), (250, 240, 80)


def _scene():
    """A 240x200 street: the man (dark blue, seen from behind), a light pole crossing his left shoulder in front of
    him, a cyan board over his hips and knees (in front of him and the pole), a yellow cone right of his head
    behind him. Pose's whole-body mask: his whole silhouette grown by 3 px and spilling over the cone's left half.
    ``seen`` (the selfie segmenter's part): his visible pixels and the pole where it crosses him, less the foot of
    his right leg (the segmenter's edge runs short)."""
    import cv2

    rows = np.arange(240)[:, None]
    img = np.zeros((240, 200, 3), np.uint8)
    img[:] = _BG
    img[60:80, 106:126] = _CONE
    man = np.zeros((240, 200), bool)
    man[62:76, 96:104] = True  # head
    man[76:100, 86:112] = True  # shoulders and torso
    man[100:168, 93:99] = man[100:168, 102:109] = True  # hips and legs
    man[100:136, 93:109] = True
    img[man] = _MAN
    pole = np.zeros((240, 200), bool)
    pole[:, 90:93] = True
    img[pole] = _POLE
    board = np.zeros((240, 200), bool)
    board[100:135, 80:118] = True
    img[board] = _BOARD
    whole = cv2.dilate(man.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    whole[60:80, 104:116] = True
    visible = man & ~pole & ~board
    seen = whole & (visible | (pole & (rows >= 76) & (rows < 100)))
    seen[150:168, 102:109] = False
    kp = np.zeros((33, 3), np.float32)
    kp[:, 2] = 1.0
    kp[[23, 24], :2] = (105, 110), (95, 110)  # hips, knees (behind the board)
    kp[[25, 26], :2] = (105, 128), (95, 128)
    return img, whole, seen, kp, dict(man=man, visible=visible, pole=pole, board=board)


def test_split_keeps_him_and_the_occluder_in_front_not_the_cone_or_the_pole():
    img, whole, seen, kp, t = _scene()
    cone = (img == _CONE).all(-1)
    mask, hidden = split_occluded(img, whole, seen, kp)
    assert not (mask & hidden).any() and not ((mask | hidden) & ~whole).any()
    vis = t["visible"] & whole
    assert (mask & vis).sum() >= 0.97 * vis.sum()  # his pixels, the missed leg strip too
    assert (mask & ~t["man"]).sum() <= 0.02 * mask.sum()  # no pole, cone, board or ground in his mask
    board = t["board"] & whole
    assert (hidden & board).sum() == board.sum()  # the board in front of him, all of it within Pose's mask
    pole_on_him = t["pole"] & whole & (np.arange(240) >= 76)[:, None] & (np.arange(240) < 100)[:, None]
    assert (hidden & pole_on_him).sum() == pole_on_him.sum()  # the pole where it crosses him: in front of him
    assert not (hidden & cone).any() and not (mask & cone).any()  # the cone beside him: neither
    rim = np.zeros_like(board)  # the board's 1-px rim (its colour blends into the ground's on a photo)
    rim[99:136, 79:119] = True
    assert not (hidden & (img == _BG).all(-1) & ~rim).any()  # nor the ground Pose's mask spills over


def test_split_of_a_man_in_plain_view_leaves_seen_alone():
    """Nothing in front of him, the segmenter sees all of him: his mask is ``seen``, ``hidden`` is empty (the
    cone Pose's mask spills over is neither)."""
    img, whole, seen, kp, t = _scene()
    img[t["board"] | t["pole"]] = _BG
    img[t["man"]] = _MAN
    seen = whole & t["man"]
    mask, hidden = split_occluded(img, whole, seen, kp)
    assert np.array_equal(mask, seen) and not hidden.any()


def test_between_fill_holes_rejoin():
    inner = np.zeros((5, 9), bool)
    inner[2, 1] = inner[2, 7] = True
    cand = np.zeros_like(inner)
    cand[2, 2:7] = cand[0, 2:4] = True
    assert between(inner, cand, 6).sum() == 5 and between(inner, cand, 2).sum() == 0  # (a row of 5 to cross)
    ring = np.zeros((7, 7), bool)
    ring[1:6, 1:6] = True
    ring[2:5, 2:5] = False
    assert fill_holes(ring).sum() == 25 and fill_holes(ring[:, :4]).sum() == ring[:, :4].sum()
    split = np.zeros((10, 12), bool)
    split[2:8, 1:3] = True  # cut off by a pole (columns 3-4) from the part that holds his landmarks
    split[2:8, 5:8] = True
    split[4, 10] = True  # a speck inside the board (columns 9-11), nothing else beside it
    hidden = np.zeros_like(split)
    hidden[:, 3:5] = True
    hidden[3:6, 9:12] = True
    hidden[4, 10] = False
    kept = np.zeros_like(split)
    kept[2:8, 5:8] = True
    out = rejoin(split, kept, hidden)
    assert out[2:8, 1:3].all() and not out[4, 10] and out.sum() == 12 + 18
