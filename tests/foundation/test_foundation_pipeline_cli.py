"""ReVisionPipeline stages/intermediates and the `python -m revision generate` CLI."""

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import PIL.Image
import pytest

from revision.cli import EXIT_BAD_INPUT, EXIT_MISSING_WEIGHTS, main
from revision.io import load_run, run_call_arguments, save_run
from revision.pipeline import InputError, ReVisionPipeline, tiny_revision_pipeline
from revision.s2 import EmptyMotionStage, MotionResult
from revision.types import ConditionMaps

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def video():
    """The tiny random video model, built once: tests never change it, each builds its own pipeline around it."""
    return tiny_revision_pipeline().video


def _pipe(video, stage=None, **config_changes) -> ReVisionPipeline:
    """The tiny video model with ``stage``; S3 "conditioned" (the video-model path) unless ``s3`` is given."""
    from revision.config import TINY_CONFIG

    config_changes.setdefault("s3", "conditioned")
    return ReVisionPipeline(video, stage, replace(TINY_CONFIG, **config_changes),
                            backends={"video_model": "tiny random SVD (test model; output is noise)"})  # fmt: skip


@pytest.fixture
def pipe(video):
    return _pipe(video)


def _img(h=80, w=100, seed=0):
    return (np.random.default_rng(seed).random((h, w, 3)) * 255).astype(np.uint8)


class RecordingStage:
    """A fake S2 that records what it was given and returns a fixed full-confidence mask."""

    def __init__(self):
        self.calls = []

    name = "recording fake"

    def __call__(self, coarse, *, prompt, motion_strength, sketch, num_frames, height, width, use_pppm=True,
                 progress=None):  # fmt: skip
        self.calls.append(dict(coarse=coarse, prompt=prompt, strength=motion_strength, sketch=sketch,
                               size=(num_frames, height, width), use_pppm=use_pppm))  # fmt: skip
        cond = ConditionMaps.empty(num_frames, height, width)
        cond.part_ids[:, 10:30, 10:30] = 2
        cond.confidence[:, 10:30, 10:30] = 1.0
        progress(0.5, "halfway")
        return MotionResult(condition=cond, backends={"s2": "recording fake"}, timings={"fit": 0.01},
                            settings={"stage": self.name, "use_pppm": use_pppm})  # fmt: skip


def test_pipeline_runs_three_stages_and_returns_intermediates(video):
    stage = RecordingStage()
    pipe = _pipe(video, stage)
    seen = []
    out = pipe(_img(), prompt="a person waves", motion_strength=0.7, seed=3, progress=lambda f, m: seen.append(f))
    (call,) = stage.calls
    assert call["prompt"] == "a person waves" and call["strength"] == 0.7
    # S2 perceives the coarse clip with the input image itself as frame 1 (config.perceive_input_frame)
    np.testing.assert_array_equal(call["coarse"].frames[1:], out.coarse.frames[1:])
    assert not np.array_equal(call["coarse"].frames[0], out.coarse.frames[0])
    s3, s1 = pipe.config.svd, pipe.config.efficient.apply(pipe.config.svd)
    assert call["size"] == (s3.num_frames, s3.height, s3.width)
    assert out.final.frames.shape == (s3.num_frames, s3.height, s3.width, 3)
    assert out.coarse.frames.shape == (s1.num_frames, s1.height, s1.width, 3)
    assert out.coarse.num_frames < out.final.num_frames and out.coarse.width < out.final.width
    assert out.condition.confidence.max() == 1.0
    assert {"s1", "s2", "s3", "total", "s2.fit"} <= set(out.timings)
    assert out.backends["s2"] == "recording fake" and "video_model" in out.backends
    assert any("resized" in n for n in out.notes)
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_s2_can_perceive_the_generated_first_frame(video):
    from revision.pipeline import with_input_frame

    stage = RecordingStage()
    out = _pipe(video, stage, perceive_input_frame=False)(_img(), seed=3)
    assert stage.calls[0]["coarse"] is out.coarse
    img = PIL.Image.fromarray(_img(32, 48))
    clip = with_input_frame(out.coarse, img)
    expected = np.asarray(img.resize(out.coarse.frames.shape[2:0:-1], PIL.Image.Resampling.LANCZOS))
    np.testing.assert_array_equal(clip.frames[0], expected)
    np.testing.assert_array_equal(clip.frames[1:], out.coarse.frames[1:])


def test_same_seed_same_video(pipe):
    a = pipe(_img(), seed=5).final.frames
    b = pipe(_img(), seed=5).final.frames
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(image="not an image"), "PIL image"),
        (dict(image=_img(8, 8)), "at least"),
        (dict(motion_strength=1.5), "motion_strength"),
        (dict(num_frames=1), "num_frames"),
        (dict(num_inference_steps=0), "num_inference_steps"),
        (dict(s2="bogus"), "s2 must be one of 'full', 'without PPPM', 'off'"),
        (dict(s2="without-pppm"), "s2 must be one of"),
        (dict(s1_step_fraction=0.0), "s1_step_fraction"),
        (dict(s1_step_fraction=1.5), "s1_step_fraction"),
    ],
)
def test_pipeline_rejects_bad_input(pipe, kwargs, match):
    args = dict(image=_img()) | kwargs
    with pytest.raises(InputError, match=match):
        pipe(**args)


@pytest.fixture
def image_file(tmp_path):
    p = tmp_path / "in.png"
    PIL.Image.fromarray(_img()).save(p)
    return p


def test_cli_generates_video_and_intermediates(tmp_path, image_file, capsys):
    out = tmp_path / "out.mp4"
    rc = main(["generate", "--image", str(image_file), "--out", str(out), "--weights", "tiny-random",
               "--s2", "off", "--quiet", "--save-intermediates", str(tmp_path / "run")])  # fmt: skip
    assert rc == 0 and out.stat().st_size > 0
    run = load_run(tmp_path / "run")
    assert run["final"] and run["coarse"] and run["condition"] and run["input"]
    assert set(run["timings"]) >= {"s1", "s2", "s3"}
    assert json.loads((tmp_path / "run" / "run.json").read_text())["settings"]["call"]["seed"] == 0
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    "setup, extra, code, message",
    [
        ("missing", [], EXIT_BAD_INPUT, "no such file"),
        ("text", [], EXIT_BAD_INPUT, "not a readable image"),
        ("truncated", [], EXIT_BAD_INPUT, "not a readable image"),
        ("tiny", [], EXIT_BAD_INPUT, "at least"),
        ("ok", ["--weights", "/nonexistent/weights"], EXIT_MISSING_WEIGHTS, "huggingface-cli download"),
    ],
)
def test_cli_rejects_bad_input_and_writes_nothing(tmp_path, image_file, capsys, setup, extra, code, message):
    src = {"missing": tmp_path / "nope.png", "ok": image_file}.get(setup, tmp_path / f"{setup}.png")
    if setup == "text":
        src.write_text("hello, I am not a PNG")
    elif setup == "truncated":
        src.write_bytes(image_file.read_bytes()[:200])
    elif setup == "tiny":
        PIL.Image.fromarray(_img(4, 4)).save(src)
    out = tmp_path / "out.mp4"
    args = ["generate", "--image", str(src), "--out", str(out), "--quiet", "--s2", "off"]
    rc = main(args + (extra or ["--weights", "tiny-random"]))
    assert rc == code
    assert message in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob(".out*"))


@pytest.mark.parametrize("bad", [["--motion-strength", "2"], ["--num-frames", "0"], ["--steps", "x"]])
def test_cli_rejects_out_of_range_values(tmp_path, image_file, bad):
    with pytest.raises(SystemExit) as e:
        main(["generate", "--image", str(image_file), "--out", str(tmp_path / "o.mp4"), *bad])
    assert e.value.code != 0


def test_cli_rejects_unknown_output_type(tmp_path, image_file, capsys):
    rc = main(["generate", "--image", str(image_file), "--out", str(tmp_path / "o.txt"), "--weights", "tiny-random"])
    assert rc == EXIT_BAD_INPUT and "--out must end" in capsys.readouterr().err


def test_sketch_is_cropped_like_the_image_and_stages_are_handed_over(video):
    from revision.palette import PART_BY_NAME

    pipe = _pipe(video, EmptyMotionStage())
    img = _img(100, 200)  # wide: the model (64x64) sees the centre 100x100 box, x in [50, 150)
    sketch = np.zeros((100, 200, 4), np.uint8)
    head = PART_BY_NAME["head"]
    sketch[40:60, 120:140, :3] = head.color  # inside the crop, right of its centre
    sketch[40:60, 120:140, 3] = 255
    sketch[40:60, 5:25, :3] = PART_BY_NAME["torso"].color  # outside the crop: must vanish
    sketch[40:60, 5:25, 3] = 255
    stages = []
    out = pipe(img, sketch=sketch, on_stage=lambda name, value: stages.append(name))
    assert stages == ["s1", "s2", "s3"]
    last = out.condition.part_ids[-1]
    ys, xs = np.nonzero(last == head.id)
    # (120..140 - 50) / 100 * 64 = 44.8..57.6 ; 40..60 / 100 * 64 = 25.6..38.4
    assert abs(xs.mean() - 51.2) < 3 and abs(ys.mean() - 32) < 3
    assert not (last == PART_BY_NAME["torso"].id).any()
    assert np.allclose(out.condition.confidence[-1][last > 0], 0.5)
    assert out.condition.part_ids[:-1].max() == 0  # the sketch is a last-frame target only


def test_s2_and_s1_step_fraction_are_per_call_arguments(video):
    stage = RecordingStage()
    pipe = _pipe(video, stage)
    config = pipe.config
    full = pipe(_img(), seed=1)
    without = pipe(_img(), seed=1, s2="without PPPM", s1_step_fraction=1.0)
    off = pipe(_img(), seed=1, s2="off")
    assert [c["use_pppm"] for c in stage.calls] == [True, False]  # "off" never calls the stage
    assert off.backends["s2"] == EmptyMotionStage.name and off.condition.part_ids.max() == 0
    assert full.settings["s2"] == {"stage": "recording fake", "use_pppm": True}
    assert without.settings["call"]["s2"] == "without PPPM" and off.settings["s2"]["stage"] == EmptyMotionStage.name
    steps = config.svd.num_inference_steps
    assert full.settings["s1"]["num_inference_steps"] == config.efficient.apply(config.svd).num_inference_steps
    assert without.settings["s1"]["num_inference_steps"] == steps  # fraction 1.0: S1 runs all of S3's steps
    assert pipe.config is config and pipe.motion_stage is stage  # nothing was changed on the shared pipeline


def test_run_json_records_the_whole_configuration_and_reproduces_the_run(video, tmp_path):
    pipe = _pipe(video, RecordingStage())
    pipe.load_settings = {"weights": "tiny-random", "device": "cpu"}
    image = PIL.Image.fromarray(_img())
    out = pipe(image, prompt="a person waves", motion_strength=0.3, num_frames=3, num_inference_steps=1, seed=7,
               s2="without PPPM", s1_step_fraction=1.0)  # fmt: skip
    save_run(out, tmp_path / "run", image=image)
    run = load_run(tmp_path / "run")
    s = run["settings"]
    assert s["call"] == {"prompt": "a person waves", "motion_strength": 0.3, "num_frames": 3, "num_inference_steps": 1,
                         "seed": 7, "s2": "without PPPM", "s1_step_fraction": 1.0, "s3": "conditioned",
                         "sketch": False, "objects": []}  # fmt: skip
    assert s["config"]["svd"]["height"] == pipe.config.svd.height and "efficient" in s["config"]
    assert s["config"]["limits"]["min_side"] == 32 and "perceive_input_frame" in s["config"]
    assert s["s3"]["num_frames"] == 3 and s["s1"]["num_inference_steps"] == 1
    assert s["s2"] == {"stage": "recording fake", "use_pppm": False} and s["load"]["weights"] == "tiny-random"
    assert run["backends"]["video_model"] and run["timings"]["total"] > 0
    again = pipe(**run_call_arguments(run))
    np.testing.assert_array_equal(again.final.frames, out.final.frames)


def test_full_stage_settings_reach_run_json(tmp_path):
    """The default S2 stage records its own configuration (S2Config, ExtractConfig, what was loaded)."""
    from revision.s2 import FullMotionStage

    stage = FullMotionStage(sources={"pppm": "embedded", "device": "cpu"})
    s = stage.settings(use_pppm=False)
    assert s["use_pppm"] is False and s["keep_sketch"] is True and s["pppm"] == "embedded"
    assert s["extract"]["smplx"]["iters_full"] == 80 and s["extract"]["tracker"]
    json.dumps(s)  # JSON-ready


def _cli_subprocess(args: list[str], tmp_path) -> tuple[int, str, str, float, bool]:
    """Run the CLI in a fresh interpreter; returns (exit code, stdout, stderr, seconds inside main, torch imported)."""
    code = ("import sys, time; from revision.cli import main; t = time.perf_counter(); rc = main(sys.argv[1:]); "
            "print(f'@{time.perf_counter() - t:.3f} {\"torch\" in sys.modules}'); sys.exit(rc)")  # fmt: skip
    p = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "OMP_NUM_THREADS": "1"})  # fmt: skip
    last = p.stdout.strip().splitlines()[-1]
    seconds, torch_loaded = last[1:].split()
    return p.returncode, p.stdout, p.stderr, float(seconds), torch_loaded == "True"


@pytest.mark.parametrize("case", ["out-is-folder", "out-parent-missing", "missing", "text", "truncated", "tiny"])
def test_cli_fails_fast_before_loading_anything(tmp_path, image_file, case):
    out = {"out-is-folder": tmp_path, "out-parent-missing": tmp_path / "no" / "such" / "o.mp4"}.get(case, tmp_path / "o.mp4")
    src = {"missing": tmp_path / "nope.png"}.get(case, image_file)
    if case in ("text", "truncated", "tiny"):
        src = tmp_path / f"{case}.png"
        if case == "text":
            src.write_text("hello, I am not a PNG")
        elif case == "truncated":
            src.write_bytes(image_file.read_bytes()[:200])
        else:
            PIL.Image.fromarray(_img(4, 4)).save(src)
    rc, _, err, seconds, torch_loaded = _cli_subprocess(["generate", "--image", str(src), "--out", str(out)], tmp_path)
    assert rc == EXIT_BAD_INPUT and len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
    assert seconds < 2.0 and not torch_loaded  # refused before torch, diffusers or any model was imported
    expected = {"out-is-folder": "is a folder", "out-parent-missing": "does not exist", "missing": "no such file",
                "text": "not a readable image", "truncated": "not a readable image", "tiny": "at least 32"}[case]  # fmt: skip
    assert expected in err


def test_cli_refuses_an_unwritable_output_folder(tmp_path, image_file, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as root: permissions are not enforced")
        rc = main(["generate", "--image", str(image_file), "--out", str(locked / "o.mp4")])
    finally:
        locked.chmod(0o700)
    assert rc == EXIT_BAD_INPUT and "is not writable" in capsys.readouterr().err


def test_cli_checks_the_intermediates_folder_first(tmp_path, image_file, capsys):
    clash = tmp_path / "file.txt"
    clash.write_text("x")
    t = time.perf_counter()
    rc = main(["generate", "--image", str(image_file), "--out", str(tmp_path / "o.mp4"), "--save-intermediates",
               str(clash)])  # fmt: skip
    assert rc == EXIT_BAD_INPUT and "is not a folder" in capsys.readouterr().err and time.perf_counter() - t < 2


def test_cli_s2_flag_and_step_fraction_reach_the_pipeline(tmp_path, image_file, monkeypatch):
    calls = []
    real = ReVisionPipeline.__call__

    def spy(self, *a, **kw):
        calls.append((kw["s2"], kw["s1_step_fraction"], type(self.motion_stage).__name__))
        return real(self, *a, **kw)

    monkeypatch.setattr(ReVisionPipeline, "__call__", spy)
    args = ["generate", "--image", str(image_file), "--out", str(tmp_path / "o.mp4"), "--weights", "tiny-random",
            "--quiet", "--s2", "off", "--s1-step-fraction", "1"]  # fmt: skip
    assert main(args) == 0
    assert calls == [("off", 1.0, "EmptyMotionStage")]
    with pytest.raises(SystemExit):
        main([*args[:-4], "--s2", "without PPPM"])  # the CLI spelling is without-pppm
    with pytest.raises(SystemExit):
        main([*args[:-2], "--s1-step-fraction", "0"])


def test_quiet_silences_native_log_lines_only_inside_the_block(capfd):
    from revision.cli import quiet_native_logs

    with quiet_native_logs(True):
        os.write(2, b"W0000 glog-style line written by C++ straight to fd 2\n")
    with quiet_native_logs(False):
        os.write(2, b"kept\n")
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert "glog-style" not in err and "kept" in err and "after" in err


def test_cli_passes_model_paths_to_the_loaders_and_never_writes_the_environment(tmp_path, image_file, monkeypatch):
    from revision.weights import WeightsNotFoundError

    seen = {}

    def fake_from_pretrained(weights, **kw):
        seen.update(kw, weights=weights)
        raise WeightsNotFoundError("stop here")

    monkeypatch.setattr(ReVisionPipeline, "from_pretrained", staticmethod(fake_from_pretrained))
    before = dict(os.environ)
    rc = main(["generate", "--image", str(image_file), "--out", str(tmp_path / "o.mp4"), "--device", "cuda:1",
               "--pppm-weights", "P", "--body-model-dir", "B", "--smal-model", "S", "--s2", "without-pppm"])  # fmt: skip
    assert rc == EXIT_MISSING_WEIGHTS and dict(os.environ) == before
    assert seen == {"weights": None, "motion_stage": "auto", "device": "cuda:1", "pppm_weights": "P",
                    "body_model_dir": "B", "smal_model": "S"}  # fmt: skip


@pytest.mark.slow
def test_quiet_cli_prints_only_its_result(tmp_path, image_file):
    """A real run with S2 (MediaPipe, PPPM): with --quiet stderr holds only the run's own notes."""
    p = subprocess.run([sys.executable, "-m", "revision", "generate", "--image", str(image_file), "--out",
                        str(tmp_path / "o.mp4"), "--weights", "tiny-random", "--quiet"], cwd=REPO, capture_output=True,
                       text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"})  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert all(line.startswith("note: ") for line in p.stderr.splitlines()), p.stderr
    assert p.stdout.startswith("wrote ") and "s2.pppm" in p.stdout


def test_save_run_writes_the_photo_animation_with_its_plate(tmp_path):
    """animation.npz carries flow, moved, alpha, part ids and the background plate (what the photo benchmark
    checks unfilled pixels against)."""
    from types import SimpleNamespace

    from revision.animate.config import PhotoAnimation
    from revision.types import Clip

    F, H, W = 2, 6, 8
    rng = np.random.default_rng(0)
    plate = rng.integers(0, 255, (H, W, 3), dtype=np.uint8)
    anim = PhotoAnimation(Clip(np.zeros((F, H, W, 3), np.uint8), 8.0), np.zeros((F, H, W, 2), np.float32),
                          np.zeros((F, H, W), np.float32), plate, np.ones((F, H, W), np.float32),
                          np.zeros((F, H, W), np.int16), {})  # fmt: skip
    clip = Clip(np.zeros((F, H, W, 3), np.uint8), 8.0)
    cond = SimpleNamespace(part_ids=np.zeros((F, H, W), np.int16), confidence=np.zeros((F, H, W), np.float32))
    out = SimpleNamespace(coarse=clip, final=clip, condition=cond, animation=anim, raw_motion=None,
                          refined_motion=None, timings={}, backends={}, notes=[], settings={})  # fmt: skip
    save_run(out, tmp_path / "run")
    with np.load(tmp_path / "run" / "animation.npz") as z:
        assert set(z.files) == {"flow", "moved", "alpha", "part_ids", "plate"}
        np.testing.assert_array_equal(z["plate"], plate)
