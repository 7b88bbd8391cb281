"""MultiPersonPose: every person of a photo, checks that refuse hallucinations, clips, and the lock."""

import threading

import cv2
import numpy as np
import pytest

from benchmarks.photo_set import photo
from revision.perception.multi_person import (
    Candidate,
    MultiPersonConfig,
    MultiPersonPose,
    check_candidate,
    discovery_windows,
    small_windows,
)

pytest.importorskip("mediapipe")


def _frontal(cx=100.0, cy=60.0, s=40.0) -> np.ndarray:
    """(33, 3) landmarks of an upright frontal person: shoulders ``s`` px apart, all visible."""
    kp = np.zeros((33, 3), np.float32)
    kp[:, 2] = 1.0
    kp[:, :2] = cx, cy + s
    kp[0, :2] = cx, cy  # nose
    kp[3, :2], kp[6, :2] = (cx + 0.15 * s, cy - 0.1 * s), (cx - 0.15 * s, cy - 0.1 * s)  # outer eyes
    kp[7, :2], kp[8, :2] = (cx + 0.25 * s, cy), (cx - 0.25 * s, cy)  # ears
    kp[11, :2], kp[12, :2] = (cx + s / 2, cy + 0.7 * s), (cx - s / 2, cy + 0.7 * s)  # shoulders
    kp[23, :2], kp[24, :2] = (cx + 0.3 * s, cy + 2.0 * s), (cx - 0.3 * s, cy + 2.0 * s)  # hips
    return kp


def test_checks_accept_a_person_and_refuse_implausible_finds():
    cfg = MultiPersonConfig()
    ok = Candidate(_frontal(), None, None, (0, 0, 200, 200))
    assert check_candidate(ok, (200, 200), [], cfg) == []
    hidden = _frontal()
    hidden[12, 2] = 0.1
    assert "nose or shoulders not visible" in check_candidate(Candidate(hidden, None, None, (0, 0, 200, 200)),
                                                               (200, 200), [], cfg)  # fmt: skip
    big_face = _frontal()
    big_face[7, 0], big_face[8, 0] = 100 + 60, 100 - 60  # ears 120 px apart on a 40 px body
    assert any("face" in r for r in check_candidate(Candidate(big_face, None, None, (0, 0, 200, 200)),
                                                     (200, 200), [], cfg))  # fmt: skip
    # a head and shoulders lying sideways (shoulder line vertical) with no hip visible: rejected (messi5's
    # crowd find); the same with its hips visible (a person lying down) and a profile's overlapping shoulders: kept
    lying = _frontal()
    lying[11, :2], lying[12, :2], lying[0, :2] = (128, 40), (128, 80), (100, 60)
    lying[23:, 2] = 0.0
    reasons = check_candidate(Candidate(lying, None, None, (0, 0, 200, 200)), (200, 200), [], cfg)
    assert any("sideways" in r for r in reasons)
    lying[23:25, :2], lying[23:25, 2] = ((190, 45), (190, 75)), 1.0
    assert not any("sideways" in r for r in check_candidate(Candidate(lying, None, None, (0, 0, 200, 200)),
                                                            (200, 200), [], cfg))  # fmt: skip
    profile = _frontal()
    profile[11, :2], profile[12, :2], profile[23:, 2] = (101, 88), (99, 92), 0.0
    assert not any("sideways" in r for r in check_candidate(Candidate(profile, None, None, (0, 0, 200, 200)),
                                                            (200, 200), [], cfg))  # fmt: skip
    # shoulders at the edge of an inner window: Pose saw part of a person
    assert "cut by the window edge" in check_candidate(Candidate(_frontal(cx=118), None, None, (20, 0, 140, 140)),
                                                       (200, 300), [], cfg)  # fmt: skip


def test_discovery_windows_start_with_the_image_and_cover_it():
    wins = discovery_windows(480, 640, MultiPersonConfig())
    assert wins[0] == (0, 0, 640, 480)
    sides = [w[2] - w[0] for w in wins]
    assert sides == sorted(sides, reverse=True) and min(sides) >= 128
    assert max(w[2] for w in wins) == 640 and max(w[3] for w in wins) == 480


def _person_box(x0, y0, x1, y1):
    from revision.types import Detection

    return Detection(
        "person", np.array([x0, y0, x1, y1], np.float32), 1.0, keypoints2d=_frontal(), label="person"
    )


def test_small_windows_only_for_small_people_sized_by_the_smallest_and_skipping_found_people():
    cfg = MultiPersonConfig()
    assert small_windows(576, 768, [], cfg) == []  # nobody found (the cat, an empty street): no pass
    assert small_windows(480, 640, [_person_box(50, 40, 200, 440)], cfg) == []  # a large person: a portrait
    # two walkers 75 and 84 px tall in a 576-px image
    people = [_person_box(350, 200, 383, 275), _person_box(590, 153, 617, 237)]
    wins = small_windows(576, 768, people, cfg)
    side = round(cfg.small_window_factor * 75)
    assert wins and {(w[2] - w[0], w[3] - w[1]) for w in wins} == {(side, side)}
    assert max(w[2] for w in wins) == 768 and max(w[3] for w in wins) == 576 and min(w[0] for w in wins) == 0
    centres = np.array([((w[0] + w[2]) / 2, (w[1] + w[3]) / 2) for w in wins])
    for x0, y0, x1, y1 in (p.box for p in people):  # no window whose centre quarter lies on a found person
        assert not ((centres[:, 0] - side / 8 >= x0) & (centres[:, 0] + side / 8 <= x1)
                    & (centres[:, 1] - side / 8 >= y0) & (centres[:, 1] + side / 8 <= y1)).any()  # fmt: skip
    few = small_windows(576, 768, people, MultiPersonConfig(small_max_windows=20))
    # capped: larger windows, the image still covered
    assert 0 < len(few) <= 20 and few[0][2] - few[0][0] > side
    assert max(w[2] for w in few) == 768 and max(w[3] for w in few) == 576
    assert small_windows(576, 768, people, MultiPersonConfig(small_people=False)) == []


def test_street_photo_small_far_walker_found_and_no_small_pass_on_large_people():
    """vtest_frame100: the ~30-px walker far away on the path (top left) is found by the small-people pass,
    with the five walkers in the middle; the man behind the sign (seen from behind, torso hidden: Pose's
    detector reads him lying sideways) by the upright re-look, his mask mostly off the sign."""
    img = photo("vtest_frame100").load()
    det = MultiPersonPose()
    people = det.detect_photo(img)
    assert det.last_small_windows > 0 and det.last_relooks > 0
    noses = np.array([p.keypoints2d[0, :2] for p in people])
    far = np.flatnonzero(np.linalg.norm(noses - (228, 65), axis=1) < 10)
    signed = np.flatnonzero(np.linalg.norm(noses - (436, 184), axis=1) < 10)  # his head, above the sign
    assert len(people) == 7 and far.size == 1 and signed.size == 1
    p = people[int(far[0])]
    assert p.box[3] - p.box[1] < 45 and p.mask is not None and 100 < p.mask.sum() < 600
    man = people[int(signed[0])]
    assert 70 < man.box[3] - man.box[1] < 95 and man.keypoints2d[27:29, 1].min() > 240  # standing, feet low
    sign = np.zeros(img.shape[:2], bool)
    sign[203:244, 413:445] = True  # the sign's board; Pose's whole-body mask covers most of it
    assert (man.mask & sign).sum() < 0.35 * sign.sum()
    assert man.hidden is not None and (man.hidden & sign).sum() > 0.5 * sign.sum()  # his torso goes on behind
    # (revision.perception.occluder) the lamp pole crossing his shoulders is not his (was 98 of its 114 light
    # pixels over his torso), his dark sleeve right of the board is (was 92 of 120 px)
    lab = cv2.cvtColor(img, cv2.COLOR_RGB2LAB).astype(int)
    pole = np.zeros(img.shape[:2], bool)
    pole[184:203, 425:432] = True
    pole &= lab[..., 0] >= 150
    arm = np.zeros(img.shape[:2], bool)
    arm[193:223, 443:451] = True
    arm &= ~sign & (lab[..., 0] < 110)
    assert (man.mask & pole).sum() <= 0.3 * pole.sum() and (man.mask & arm).sum() >= 0.9 * arm.sum()
    # hidden "occluder": only what lies in front of him, not the orange cone right of his head (behind him; was
    # 155 of its 198 px in hidden)
    occ = MultiPersonPose(MultiPersonConfig(relook_hidden="occluder"))
    front = [p for p in occ.detect_photo(img) if p.hidden is not None]
    occ.close()
    cone = np.zeros(img.shape[:2], bool)
    cone[175:203, 438:457] = True
    cone &= lab[..., 2] >= 150  # yellow-orange
    assert len(front) == 1 and np.array_equal(front[0].mask, man.mask) and not (front[0].hidden & cone).any()
    assert (front[0].hidden & sign).sum() > 0.8 * (man.hidden & sign).sum() and (front[0].hidden & pole).any()
    # by default hidden keeps Pose's spill (the fit's don't-care) and Detection.occluder is that occluder alone
    # (S3 draws it in front of him): the same pixels as the "occluder" hidden
    assert man.occluder is not None and np.array_equal(man.occluder, front[0].hidden)
    assert (man.hidden & cone).any() and not (man.occluder & cone).any()
    for name in ("messi5", "basketball1"):  # people large in the picture: the pass does not run
        det.detect_photo(photo(name).load())
        assert det.last_small_windows == 0
    det.close()


def test_small_people_pass_on_textured_backgrounds_adds_nobody():
    """One vtest walker pasted on scikit-image photos without people (a rocket on a launch pad, a stained
    tissue section): the pass runs (a small person was found) over ~100 textured windows and finds only him."""
    import cv2
    from skimage import data

    walker = photo("vtest_frame100").load()[140:245, 570:640]
    det = MultiPersonPose()
    for name in ("rocket", "immunohistochemistry"):
        img = np.ascontiguousarray(getattr(data, name)()[..., :3])
        if max(img.shape[:2]) < 600:
            img = cv2.resize(img, (768, 576))
        y, x = img.shape[0] // 3, img.shape[1] // 5
        img[y : y + walker.shape[0], x : x + walker.shape[1]] = walker
        people = det.detect_photo(img)
        assert det.last_small_windows > 50
        assert len(people) == 1 and np.linalg.norm(people[0].keypoints2d[0, :2] - (x + 37, y + 17)) < 8
    det.close()


def test_photos_people_found_and_the_cat_has_none():
    det = MultiPersonPose()
    found = {}
    for name in ("astronaut", "basketball1", "messi5", "chelsea"):
        det.reset()
        found[name] = len(det.detect(photo(name).load()))
    det.close()
    assert found == {"astronaut": 1, "basketball1": 2, "messi5": 1, "chelsea": 0}


def test_clip_tracks_both_people_across_frames():
    from revision.perception import assign_tracks

    img = photo("basketball1").load()
    det = MultiPersonPose()
    frames = [det.detect(img) for _ in range(3)]
    det.close()
    assert [len(f) for f in frames] == [2, 2, 2]
    assign_tracks(frames)
    from revision.perception.multi_person import body_scale

    # the same two people in place. The man facing the camera is followed by his video-mode graph (sub-pixel
    # on a still clip); the man seen from behind is re-found by static Pose with the other man painted out,
    # which is sensitive to that painting: measured 26 px (0.46 of his body scale) between frames 0 and 1,
    # then still — a known limitation (docs/perception_lifting.md), bounded here.
    for f in frames[1:]:
        for d in f:
            d0 = next(e for e in frames[0] if e.track_id == d.track_id)
            shift = np.abs(d.keypoints2d[[0, 11, 12], :2] - d0.keypoints2d[[0, 11, 12], :2]).max()
            frontal = d0.keypoints2d[0, 0] < 320
            assert shift < (2.0 if frontal else 0.5 * body_scale(d0.keypoints2d))
    b1, b2 = (next(d for d in f if d.track_id == 1) for f in frames[1:])
    assert np.abs(b1.keypoints2d[[0, 11, 12], :2] - b2.keypoints2d[[0, 11, 12], :2]).max() < 3.0  # then still


def _summary(dets):
    return [(d.keypoints2d.copy(), d.mask.copy()) for d in dets]


def _assert_same(a, b):
    assert len(a) == len(b)
    for (k, m), (k0, m0) in zip(a, b):
        np.testing.assert_allclose(k, k0, atol=1e-4)
        assert (m == m0).all()


def _threads_match_serial(det, detect) -> None:
    """Two threads calling ``detect`` at once on two photos get what serial calls get."""
    imgs = [photo("basketball1").load(), photo("astronaut").load()]
    serial = [_summary(detect(im)) for im in imgs]
    out: dict[int, list] = {}
    barrier = threading.Barrier(2)

    def worker(i):
        barrier.wait()
        out[i] = _summary(detect(imgs[i]))

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    det.close()
    for i in range(2):
        _assert_same(out[i], serial[i])


def test_lock_two_threads_get_the_serial_results():
    """One detector shared by two threads (photos): the lock serialises its graphs; results = serial."""
    det = MultiPersonPose()
    _threads_match_serial(det, det.detect_photo)


def test_single_person_wrapper_lock():
    from revision.perception.mediapipe_backend import MediaPipePose, MediaPipePoseConfig

    det = MediaPipePose(MediaPipePoseConfig(video_mode=False))
    _threads_match_serial(det, det.detect)


def test_animal_cue_cat_yes_people_no():
    from revision.perception.animals import ForegroundAnimals
    from revision.perception.objects import SaliencyObjects

    animals = ForegroundAnimals(fallback=SaliencyObjects())
    det = MultiPersonPose()
    (cat,) = animals.detect(photo("chelsea").load())
    assert cat.kind == "animal" and cat.mask.mean() > 0.5  # the cat's face fills the photo
    for name in ("astronaut", "basketball1"):
        img = photo(name).load()
        people = det.detect_photo(img)
        exclude = np.any([d.mask for d in people], axis=0)
        assert animals.find(img, exclude) is None  # the segmenter's blobs are these people's
    det.close()
    animals.close()


def test_masks_trimmed_where_the_segmenter_sees_the_person_and_calls_the_rest_background():
    """Pose's mask may follow a wrong landmark into the background (cameraman: an "arm" along the horizon);
    where the selfie segmenter covers the person, the pixels it calls background go; a person it does not
    see (a small far one) keeps Pose's mask."""
    from revision.types import Detection

    det = MultiPersonPose()
    body = np.zeros((100, 100), bool)
    body[20:90, 30:60] = True
    strip = body.copy()
    strip[40:46, 60:98] = True  # the "arm" into the background
    kp = _frontal(45, 30, 20)
    seen = Detection(
        "person", np.zeros(4, np.float32), 1.0, mask=strip.copy(), keypoints2d=kp, label="person"
    )
    unseen = Detection(
        "person", np.zeros(4, np.float32), 1.0, mask=strip.copy(), keypoints2d=kp, label="person"
    )
    det._foreground = lambda frame: body
    (out,) = det._trim_masks(np.zeros((100, 100, 3), np.uint8), [seen])
    assert not out.mask[40:46, 65:98].any() and out.mask[body].all()
    det._foreground = lambda frame: np.zeros((100, 100), bool)
    (out,) = det._trim_masks(np.zeros((100, 100, 3), np.uint8), [unseen])
    assert (out.mask == strip).all()
    det.close()


# -- a person split by a bar (the upright re-look), MediaPipe faked at its seams --------------------------------

_RED, _GREEN, _BLUE, _BAR = (200, 30, 30), (30, 160, 30), (30, 30, 200), (40, 180, 190)


def _standing(x0, y0, x1, y1) -> np.ndarray:
    """(33, 3) landmarks of an upright person filling the box (x0, y0)–(x1, y1), all visible."""
    h, cx = y1 - y0, (x0 + x1) / 2
    kp = _frontal(cx, y0 + 0.07 * h, 0.18 * h)  # nose, eyes, ears, shoulders, hips (0.36 h below the nose)
    for j, fy in zip(range(25, 33), (0.72, 0.72, 0.93, 0.93, 0.95, 0.95, 0.98, 0.98)):
        kp[j, :2] = cx + (0.08 if j % 2 else -0.08) * h, y0 + fy * h  # knees, ankles, heels, toes
    return kp


def _split_scene():
    """Two walkers (red, green) and a man (blue) whose torso a cyan bar hides: head and shoulders above it,
    legs below. Returns the image, the split man's whole-body box and his visible pixels."""
    img = np.full((576, 768, 3), 110, np.uint8)
    img[200:280, 205:229] = _RED
    img[210:290, 305:329] = _GREEN
    man = (420, 180, 452, 260)
    img[180:262, 424:448] = _BLUE
    img[205:240, 410:462] = _BAR  # wider than him: it hides his torso and arms
    seen = (img == _BLUE).all(-1)
    return img, man, seen


class _Landmarks:
    def __init__(self, kp):
        from types import SimpleNamespace

        self.landmark = [SimpleNamespace(x=float(x), y=float(y), visibility=float(v)) for x, y, v in kp]


class _FakePoseGraph:
    """MediaPipe's one-person Pose on a crop, faked: it reads the first of red, green, blue that the crop shows
    (people painted out are grey). Red and green read upright over their pixels' box; the blue man, whose torso
    the bar hides, reads lying sideways (as Pose's detector read the man behind vtest's sign)."""

    def process(self, crop):
        from types import SimpleNamespace

        h, w = crop.shape[:2]
        for colour in (_RED, _GREEN, _BLUE):
            on = (crop == colour).all(-1)
            if not on.any():
                continue
            ys, xs = np.nonzero(on)
            x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
            if colour != _BLUE:
                kp = _standing(x0, y0, x1, y1)
            else:  # head at the top of the blue pixels, the body read lying to its left, no hip seen
                bh = y1 - y0
                hx, hy = (x0 + x1) / 2, y0 + 0.08 * bh
                kp = np.zeros((33, 3), np.float32)
                kp[:11, :2], kp[:11, 2] = (hx + 0.08 * bh, hy), 1.0
                kp[11, :2] = hx - 0.05 * bh, hy - 0.08 * bh  # shoulders one above the other
                kp[12, :2] = hx - 0.05 * bh, hy + 0.08 * bh
                kp[[11, 12], 2] = 1.0
                kp[13:, :2] = hx - 0.4 * bh, hy
            kp = kp.copy()
            kp[:, 0] /= w
            kp[:, 1] /= h
            return SimpleNamespace(pose_landmarks=_Landmarks(kp), pose_world_landmarks=None,
                                   segmentation_mask=on.astype(np.float32))  # fmt: skip
        return SimpleNamespace(pose_landmarks=None, pose_world_landmarks=None, segmentation_mask=None)

    def close(self):
        pass


class _FakePoseByRoi:
    """Pose's landmark model on a given square, faked: it reads the split man upright (his whole body, the
    hidden torso included, as the real model paints it) when the square is centred on him (within
    ``tolerance`` × his height) and 1.0–1.6 × his height on a side; elsewhere no person."""

    def __init__(self, man, hw, tolerance=0.12):
        self.man, self.hw, self.tolerance, self.calls = man, hw, tolerance, 0

    def process(self, image, centre, side, rotation=0.0):
        self.calls += 1
        x0, y0, x1, y1 = self.man
        h = y1 - y0
        if max(abs(centre[0] - (x0 + x1) / 2), abs(centre[1] - (y0 + y1) / 2)) > self.tolerance * h:
            return None
        if not h <= side <= 1.6 * h:
            return None
        seg = np.zeros(self.hw, np.float32)
        seg[y0:y1, x0 - 2 : x1 + 2] = 1.0  # the whole body, the bar's pixels over him included
        return _standing(*self.man), None, seg

    def close(self):
        pass


def _split_detector(man, hw, config=None, tolerance=0.12):
    det = MultiPersonPose(config)
    det._static = _FakePoseGraph()
    det._roi = _FakePoseByRoi(man, hw, tolerance)
    det._foreground = lambda frame: np.any([(frame == c).all(-1) for c in (_RED, _GREEN, _BLUE)], axis=0)
    return det


def test_a_man_split_by_a_bar_is_found_upright_without_the_bar():
    """The bar hides his torso: Pose's detector reads him lying (refused as a sideways head and shoulders).
    The upright re-look (sized by the two walkers beside him) finds him standing; his mask keeps his own
    pixels (head, shoulders, legs) and leaves the bar out."""
    img, man, seen = _split_scene()
    before = _split_detector(man, img.shape[:2], MultiPersonConfig(upright_relook=False)).detect_photo(img)
    assert len(before) == 2  # the two walkers; the split man is lost
    det = _split_detector(man, img.shape[:2])
    people = det.detect_photo(img)
    assert len(people) == 3 and det.last_relooks >= 1
    p = people[-1]
    np.testing.assert_allclose(p.keypoints2d[0, :2], _standing(*man)[0, :2], atol=1e-3)  # upright, his height
    bar = (img == _BAR).all(-1)
    behind = bar[man[1] : man[3], man[0] - 2 : man[2] + 2].sum()  # the bar's pixels in Pose's whole-body mask
    assert p.mask is not None and (p.mask & seen).sum() >= 0.9 * seen.sum()
    assert (p.mask & bar).sum() <= 0.1 * behind  # the bar left out (but a 1-px rim along his own pixels)
    assert p.hidden is not None and (p.hidden & bar).sum() >= 0.9 * behind  # his body goes on behind it
    assert not (p.hidden & p.mask).any() and all(q.hidden is None for q in people[:2])
    assert not (people[-1].mask & people[0].mask).any()


def test_relook_hidden_is_checked():
    with pytest.raises(ValueError, match="relook_hidden"):
        MultiPersonPose(MultiPersonConfig(relook_hidden="board"))


def test_the_relook_needs_agreeing_reads_and_people_beside_him():
    """One lucky square is not enough (a read must be repeated by neighbouring squares), and with nobody found
    beside him (no height to size the squares, as on a photo of one person or none) the re-look does not run."""
    img, man, _ = _split_scene()
    # only the squares within 2 % of his height from his centre read him: at most one of the grid
    det = _split_detector(man, img.shape[:2], tolerance=0.02)
    assert len(det.detect_photo(img)) == 2 and det.last_relooks >= 1
    alone = img.copy()
    alone[(alone == _RED).all(-1) | (alone == _GREEN).all(-1)] = 110
    det = _split_detector(man, img.shape[:2])
    assert det.detect_photo(alone) == [] and det.last_relooks == 0 and det._roi.calls == 0
