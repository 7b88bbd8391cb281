"""extract_motion keeps going when a detected person cannot be fitted."""

import numpy as np

from revision.lifting import extract_motion
from revision.perception.depth import GeometricDepth
from revision.perception.factory import Backends
from revision.types import Clip, Detection


class FaintPerson:
    """A keypoint detector that finds a person whose 33 landmarks are all below visibility 0.3."""

    name = "faint"

    def reset(self) -> None:
        pass

    def detect(self, frame: np.ndarray) -> list[Detection]:
        mask = np.zeros(frame.shape[:2], bool)
        mask[8:40, 20:36] = True
        kp = np.zeros((33, 3), np.float32)
        kp[:, :2] = (28, 24)
        kp[:, 2] = 0.1
        return [Detection("person", np.array([20, 8, 36, 40], np.float32), score=0.9, mask=mask, keypoints2d=kp)]


def test_person_without_visible_landmarks_is_dropped_with_a_note():
    clip = Clip(np.full((3, 48, 48, 3), 128, np.uint8))
    ex = extract_motion(clip, detectors=Backends(FaintPerson(), GeometricDepth()))
    assert len(ex.detections.track_ids()) == 1  # it was detected and tracked ...
    assert ex.motion.tracks == [] and ex.tracks == []  # ... but there is nothing to fit
    assert any("no landmark visible" in n and "dropped" in n for n in ex.notes)
    assert ex.backends["keypoints"] == "faint" and {"keypoints", "depth", "tracking"} <= set(ex.timings)


class VisiblePerson(FaintPerson):
    name = "visible"

    def detect(self, frame: np.ndarray) -> list[Detection]:
        (d,) = super().detect(frame)
        d.keypoints2d[:, 2] = 1.0
        d.keypoints2d[:, :2] += np.random.default_rng(0).normal(0, 4, (33, 2))
        return [d]


def test_extract_reads_as_perceive_track_lift_and_passes_masks_and_lock(monkeypatch):
    """The person's per-frame masks reach fit_smplx (its silhouette term) and the perceive step runs under the lock."""
    import revision.lifting.extract as ex_mod

    seen = {}
    real_fit = ex_mod.fit_smplx

    def spy(*args, masks=None, **kw):
        seen["masks"] = masks
        return real_fit(*args, masks=masks, **kw)

    class Lock:
        held = False

        def __enter__(self):
            Lock.held = True

        def __exit__(self, *exc):
            Lock.held = False

    class Checked(VisiblePerson):
        def detect(self, frame):
            seen["locked"] = Lock.held
            return super().detect(frame)

    monkeypatch.setattr(ex_mod, "fit_smplx", spy)
    clip = Clip(np.full((3, 48, 48, 3), 128, np.uint8))
    cfg = ex_mod.ExtractConfig(smplx=ex_mod.SMPLXFitConfig(iters_3d=2, iters_full=4))
    ex = extract_motion(clip, detectors=Backends(Checked(), GeometricDepth()), config=cfg, perceive_lock=Lock())
    assert seen["locked"] is True and Lock.held is False
    assert len(seen["masks"]) == 3 and all(m.shape == (48, 48) and m[20, 28] for m in seen["masks"])
    assert [t.kind for t in ex.motion.tracks] == ["smplx"] and ex.tracks[0]["track_id"] == 0
    assert ex.depth.shape == (3, 48, 48) and {"fit_smplx", "tracking"} <= set(ex.timings)


def test_the_fit_leaves_what_an_occluder_hides_dont_care_and_the_masks_stay_visible(monkeypatch):
    """A person behind a sign (``Detection.hidden``: the board over his torso): the fit's silhouette takes the
    visible mask and, beside it, the hidden pixels as a don't-care region (his body may go on there), the
    detections keep the visible mask only (S3 binds those pixels; the board is not his)."""
    import revision.lifting.extract as ex_mod

    seen = {}
    real_fit = ex_mod.fit_smplx

    def spy(*args, masks=None, hidden=None, **kw):
        seen["masks"], seen["hidden"] = masks, hidden
        return real_fit(*args, masks=masks, hidden=hidden, **kw)

    class BehindASign(VisiblePerson):
        def detect(self, frame):
            (d,) = super().detect(frame)
            d.hidden = np.zeros_like(d.mask)
            d.hidden[18:28, 20:36] = True  # the board
            d.mask &= ~d.hidden
            return [d]

    monkeypatch.setattr(ex_mod, "fit_smplx", spy)
    clip = Clip(np.full((3, 48, 48, 3), 128, np.uint8))
    cfg = ex_mod.ExtractConfig(smplx=ex_mod.SMPLXFitConfig(iters_3d=2, iters_full=4))
    ex = extract_motion(clip, detectors=Backends(BehindASign(), GeometricDepth()), config=cfg)
    assert all(not m[22, 28] and m[10, 28] and m[35, 28] for m in seen["masks"])  # head + legs, not the board
    assert len(seen["hidden"]) == 3 and all(h[22, 28] and not h[10, 28] for h in seen["hidden"])  # the board
    for frame in ex.detections.frames:
        (d,) = frame
        assert not d.mask[22, 28] and d.mask[10, 28] and d.hidden[22, 28]


class TwoPeople(VisiblePerson):
    name = "two"

    def detect(self, frame: np.ndarray) -> list[Detection]:
        (a,) = super().detect(frame)
        b = Detection("person", a.box + np.array([-16, 0, -16, 0], np.float32), score=0.8, mask=np.roll(a.mask, -16, 1),
                      keypoints2d=a.keypoints2d.copy())  # fmt: skip
        b.keypoints2d[:, 0] -= 16
        return [a, b]


def test_people_lifted_side_by_side_are_the_people_lifted_one_at_a_time():
    """Tracks are lifted in ``ExtractConfig.workers`` forked processes at once: the same tracks, stats and notes
    in the same order, and torch's thread count is the caller's again afterwards."""
    import torch

    import revision.lifting.extract as ex_mod

    clip = Clip(np.full((2, 48, 80, 3), 128, np.uint8))
    threads = torch.get_num_threads()
    out = {}
    for workers in (1, 2):
        cfg = ex_mod.ExtractConfig(smplx=ex_mod.SMPLXFitConfig(iters_3d=2, iters_full=4, iters_sil=6, iters_girth=4),
                                   workers=workers)  # fmt: skip
        out[workers] = extract_motion(clip, detectors=Backends(TwoPeople(), GeometricDepth()), config=cfg)
        assert torch.get_num_threads() == threads
    one, two = out[1], out[2]
    assert [t.track_id for t in one.motion.tracks] == [t.track_id for t in two.motion.tracks] == [0, 1]
    for a, b in zip(one.motion.tracks, two.motion.tracks):
        assert a.params.keys() == b.params.keys()
        assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert one.notes == two.notes
    assert [s["track_id"] for s in one.tracks] == [s["track_id"] for s in two.tracks] == [0, 1]
    assert 0 < two.timings["fit_smplx"]
