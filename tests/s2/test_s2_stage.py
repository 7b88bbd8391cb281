"""S2 (revision/s2.py): resampling without PPPM, merging the sketch, and the default stage end to end with tiny
components (a fake keypoint detector, the geometric depth prior, a tiny random PPPM, a fake text encoder)."""

import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from revision.lifting import ExtractConfig, SMPLXFitConfig
from revision.perception.depth import GeometricDepth
from revision.perception.factory import Backends
from revision.perception.geometry import project
from revision.s2 import FullMotionStage, merge_sketch, resample_motion
from revision.types import Camera, Clip, ConditionMaps, Detection, MotionSequence, Track


def _motion(n=5):
    t = np.arange(n, dtype=np.float32)
    params = {
        "global_orient": np.zeros((n, 3), np.float32),
        "body_pose": np.tile(t[:, None], (1, 63)) * 0.1,
        "betas": np.ones(10, np.float32),
        "transl": np.stack([t, 0 * t, 3 + 0 * t], 1),
    }
    return MotionSequence([Track(0, "smplx", params, np.ones(n, np.float32))], Camera.from_image_size(64, 64), n, 7.0)


def test_resample_motion_is_linear_and_keeps_constants():
    m = resample_motion(_motion(5), 9)
    assert m.num_frames == 9
    tr = m.tracks[0]
    np.testing.assert_allclose(tr.params["transl"][:, 0], np.linspace(0, 4, 9), atol=1e-6)
    np.testing.assert_array_equal(tr.params["betas"], np.ones(10))
    assert tr.confidence.shape == (9,)
    assert m.fps == 14.0  # same duration, denser frames
    assert resample_motion(m, 9) is m


def test_resample_motion_keeps_constants_as_long_as_the_clip():
    """betas (10,) of a 10-frame clip and a photo fit's girth (6,) of a 6-frame clip are constants, not frames."""
    for n, key, size in ((10, "betas", 10), (6, "girth", 6)):
        src = _motion(n)
        src.tracks[0].params[key] = np.arange(size, dtype=np.float32)
        tr = resample_motion(src, 4).tracks[0]
        np.testing.assert_array_equal(tr.params[key], np.arange(size))
        assert tr.params["transl"].shape == (4, 3)


def test_merge_sketch_fills_only_background():
    cond = ConditionMaps.empty(3, 8, 8)
    cond.part_ids[:, :4] = 2
    cond.confidence[:, :4] = 1.0
    sketch = ConditionMaps.empty(3, 8, 8)
    sketch.part_ids[-1, 2:6] = 5
    sketch.confidence[-1, 2:6] = 0.5
    out = merge_sketch(cond, sketch)
    assert np.all(out.part_ids[-1, :4] == 2) and np.all(out.confidence[-1, :4] == 1.0)  # projection wins
    assert np.all(out.part_ids[-1, 4:6] == 5) and np.all(out.confidence[-1, 4:6] == 0.5)  # sketch fills
    assert np.all(out.part_ids[-1, 6:] == 0) and np.all(out.part_ids[:2, 4:] == 0)
    assert merge_sketch(cond, None) is cond


# ---------------------------------------------------------------- the default stage end to end, tiny components
SIZE = 64


class PosedPerson:
    """A keypoint detector that 'sees' an upright rest-pose body 3 m in front of a 64x64 camera, stepping right
    by 2 px per frame: 33 projected markers (visibility 1) and a mask = the markers' box. Checks that no two
    clips are perceived at once (``max_active``)."""

    name = "posed-person"

    def __init__(self, delay_s: float = 0.0):
        from revision.lifting.extract import _default_skeleton

        sk, _ = _default_skeleton()
        cam = Camera.from_image_size(SIZE, SIZE, 55.0)
        with torch.no_grad():  # upright in the camera (y down): rotate the y-up model by pi about x
            _, m = sk(torch.tensor([[np.pi, 0.0, 0.0]]), torch.zeros(1, 63), torch.zeros(10), torch.tensor([[0, 0.1, 3.0]]))
        self.base = project(m[0].numpy(), cam).astype(np.float32)  # (33, 2)
        self.frame = 0
        self.delay_s, self.active, self.max_active = delay_s, 0, 0

    def reset(self) -> None:
        self.frame = 0

    def box(self, frame: int) -> np.ndarray:
        xy = self.base + [2.0 * frame, 0.0]
        return np.array([*xy.min(0), *xy.max(0)], np.float32)

    def detect(self, frame: np.ndarray) -> list[Detection]:
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        time.sleep(self.delay_s)
        kp = np.ones((33, 3), np.float32)
        kp[:, :2] = self.base + [2.0 * self.frame, 0.0]
        box = self.box(self.frame)
        mask = np.zeros(frame.shape[:2], bool)
        x0, y0, x1, y1 = np.round(box).astype(int)
        mask[max(y0, 0) : y1 + 1, max(x0, 0) : x1 + 1] = True
        self.frame += 1
        self.active -= 1
        return [Detection("person", box, 0.9, mask=mask, keypoints2d=kp, label="person")]


class Nobody:
    name = "nobody"

    def reset(self) -> None:
        pass

    def detect(self, frame: np.ndarray) -> list[Detection]:
        return []


class FakeText:
    """Stands in for the checkpoint's text encoder (same name and width): a fixed embedding per prompt."""

    def __init__(self, name: str, dim: int):
        self.name, self.dim = name, dim

    def encode(self, texts: list[str]) -> torch.Tensor:
        g = torch.Generator().manual_seed(len(texts[0]))
        return torch.randn(len(texts), self.dim, generator=g)


def _stage(detector) -> FullMotionStage:
    from revision.pppm.checkpoint import tiny_random_pppm

    torch.manual_seed(0)
    pppm = tiny_random_pppm(text_dim=16)
    fit = SMPLXFitConfig(iters_3d=5, iters_full=15)  # fewer than production (30 + 80): a plumbing test
    return FullMotionStage(detectors=Backends(detector, GeometricDepth()), pppm=pppm,
                           text_encoder=FakeText(pppm.config.text_encoder, 16),
                           extract_config=ExtractConfig(smplx=fit))  # fmt: skip


def _coarse(frames=4) -> Clip:
    return Clip(np.full((frames, SIZE, SIZE, 3), 127, np.uint8), fps=7.0)


def _call(stage, use_pppm=True, sketch=None, frames=8):
    return stage(_coarse(), prompt="a person walks", motion_strength=0.5, sketch=sketch, num_frames=frames,
                 height=SIZE, width=SIZE, use_pppm=use_pppm)  # fmt: skip


def test_full_stage_turns_a_seen_person_into_masks_where_the_person_is():
    person = PosedPerson()
    stage = _stage(person)
    out = _call(stage)
    cond = out.condition
    assert cond.part_ids.shape == (8, SIZE, SIZE) and cond.confidence.shape == (8, SIZE, SIZE)
    assert [t.kind for t in out.raw_motion.tracks] == ["smplx"] and out.raw_motion.num_frames == 4
    assert out.refined_motion.num_frames == 8  # PPPM grew the coarse clip's 4 frames to S3's 8
    for f in (0, 7):  # the body is drawn inside the person's box (first and last coarse frame)
        drawn = cond.part_ids[f] > 0
        x0, y0, x1, y1 = person.box(0 if f == 0 else 3) + np.array([-3, -3, 3, 3])
        ys, xs = np.nonzero(drawn)
        inside = (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)
        assert drawn.sum() > 40 and inside.mean() > 0.9, (f, drawn.sum(), inside.mean())
        assert np.all(cond.confidence[f][drawn] > 0.5) and np.all(cond.confidence[f][~drawn] == 0.0)
    assert out.backends["s2.pppm"].startswith("PPPM") and out.backends["s2.keypoints"] == "posed-person"
    assert {"extract", "keypoints", "depth", "tracking", "fit_smplx", "pppm", "render"} <= set(out.timings)
    assert out.settings["use_pppm"] is True and out.settings["extract"]["smplx"]["iters_full"] == 15


def test_without_pppm_the_lifted_motion_is_resampled_linearly():
    stage = _stage(PosedPerson())
    on, off = _call(stage, use_pppm=True), _call(stage, use_pppm=False)
    assert off.backends["s2.pppm"] == "off (linear resampling)" and off.settings["use_pppm"] is False
    assert off.refined_motion.num_frames == 8 and "pppm" in off.timings
    expected = resample_motion(off.raw_motion, 8).tracks[0].params["transl"]
    np.testing.assert_allclose(off.refined_motion.tracks[0].params["transl"], expected)
    np.testing.assert_allclose(on.raw_motion.tracks[0].params["transl"], off.raw_motion.tracks[0].params["transl"])
    assert not np.allclose(on.refined_motion.tracks[0].params["transl"], expected)  # PPPM changed the motion
    assert stage.pppm is not None  # one stage serves both choices: nothing rebuilt or dropped


def test_no_track_keeps_the_sketch_or_gives_an_empty_condition():
    stage = _stage(Nobody())
    sketch = ConditionMaps.empty(8, SIZE, SIZE)
    sketch.part_ids[-1, 10:20, 10:20] = 3
    sketch.confidence[-1, 10:20, 10:20] = 0.5
    out = _call(stage, sketch=sketch)
    assert out.condition is sketch and out.refined_motion is None and out.raw_motion.tracks == []
    assert any("found no person" in n for n in out.notes) and "pppm" not in out.timings
    empty = _call(stage).condition
    assert empty.part_ids.shape == (8, SIZE, SIZE) and empty.part_ids.max() == 0 and empty.confidence.max() == 0


def test_concurrent_calls_perceive_one_clip_at_a_time_and_match_sequential_calls():
    person = PosedPerson(delay_s=0.01)
    stage = _stage(person)
    sequential = [_call(stage).condition for _ in range(2)]
    results: list = [None, None]

    def run(i):
        results[i] = _call(stage).condition

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert person.max_active == 1  # the detector's per-clip state was never shared by two clips
    for r in results:
        np.testing.assert_array_equal(r.part_ids, sequential[0].part_ids)
    np.testing.assert_array_equal(sequential[0].part_ids, sequential[1].part_ids)


def test_from_defaults_puts_every_s2_model_on_the_device(monkeypatch):
    """The device reaches PPPM (real embedded checkpoint, on the 'meta' device: no memory), the text encoder
    and the perception backends (their loaders are recorded)."""
    import revision.perception
    import revision.pppm.text

    seen = {}
    monkeypatch.setattr(revision.pppm.text, "load_text_encoder",
                        lambda name, device="cpu": seen.setdefault("text", (name, device)))  # fmt: skip
    monkeypatch.setattr(revision.perception, "default_backends", lambda device="cpu", **kw: seen.setdefault("perception", device))
    stage = FullMotionStage.from_defaults(device="meta")
    assert next(stage.pppm.parameters()).device.type == "meta"
    assert seen["text"][1] == "meta" and seen["perception"] == "meta"
    assert stage.settings(True)["device"] == "meta"


def test_pipeline_from_pretrained_passes_device_and_model_paths(monkeypatch, tmp_path):
    from revision.pipeline import ReVisionPipeline

    seen = {}

    def fake_defaults(**kw):
        seen.update(kw)
        return FullMotionStage()

    monkeypatch.setattr(FullMotionStage, "from_defaults", staticmethod(fake_defaults))
    pipe = ReVisionPipeline.from_pretrained("tiny-random", device="cpu", pppm_weights=str(tmp_path / "p"),
                                            body_model_dir=str(tmp_path / "b"), smal_model=str(tmp_path / "s.npz"))  # fmt: skip
    assert seen == {"pppm_weights": str(tmp_path / "p"), "body_model_dir": str(tmp_path / "b"),
                    "smal_model": str(tmp_path / "s.npz"), "device": "cpu"}  # fmt: skip
    assert pipe.load_settings["body_model_dir"] == str(tmp_path / "b") and pipe.load_settings["device"] == "cpu"


@pytest.mark.parametrize("flag", ["pppm_weights", "body_model_dir", "smal_model"])
def test_model_paths_reach_the_loaders_not_the_environment(monkeypatch, tmp_path, flag):
    """An explicit path goes to its loader as an argument; os.environ is never written."""
    import os

    import revision.body.smal
    import revision.body.smplx_model
    import revision.perception
    import revision.pppm.checkpoint
    import revision.pppm.text

    seen = {}
    monkeypatch.setattr(revision.perception, "default_backends", lambda **kw: None)
    pppm = SimpleNamespace(config=SimpleNamespace(text_encoder="fake"))
    monkeypatch.setattr(revision.pppm.checkpoint, "load_pppm", lambda path=None, device="cpu": seen.setdefault("pppm", path) and pppm)
    monkeypatch.setattr(revision.pppm.text, "load_text_encoder", lambda name, device="cpu": None)
    monkeypatch.setattr(revision.body.smplx_model, "load_smplx", lambda d=None, **kw: seen.setdefault("body", d))
    monkeypatch.setattr(revision.body.smal, "load_smal", lambda p=None, **kw: seen.setdefault("smal", p))
    before = dict(os.environ)
    path = str(tmp_path / flag)
    FullMotionStage.from_defaults(**{flag: path}, with_pppm=flag == "pppm_weights")
    assert seen == {{"pppm_weights": "pppm", "body_model_dir": "body", "smal_model": "smal"}[flag]: path}
    assert dict(os.environ) == before
