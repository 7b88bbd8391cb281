"""ReVisionPipeline stages/intermediates and the `python -m revision generate` CLI."""

import json

import numpy as np
import PIL.Image
import pytest

from revision.cli import EXIT_BAD_INPUT, EXIT_MISSING_WEIGHTS, main
from revision.io import load_run
from revision.motion_stage import MotionResult
from revision.pipeline import InputError, tiny_revision_pipeline
from revision.types import ConditionMaps


@pytest.fixture(scope="module")
def pipe():
    return tiny_revision_pipeline()


def _img(h=80, w=100, seed=0):
    return (np.random.default_rng(seed).random((h, w, 3)) * 255).astype(np.uint8)


class RecordingStage:
    """A fake S2 that records what it was given and returns a fixed full-confidence mask."""

    def __init__(self):
        self.calls = []

    def __call__(self, coarse, *, prompt, motion_strength, sketch, num_frames, height, width, progress=None):
        self.calls.append(dict(coarse=coarse, prompt=prompt, strength=motion_strength, sketch=sketch,
                               size=(num_frames, height, width)))  # fmt: skip
        cond = ConditionMaps.empty(num_frames, height, width)
        cond.part_ids[:, 10:30, 10:30] = 2
        cond.confidence[:, 10:30, 10:30] = 1.0
        progress(0.5, "halfway")
        return MotionResult(condition=cond, backends={"s2": "recording fake"}, timings={"fit": 0.01})


def test_pipeline_runs_three_stages_and_returns_intermediates(pipe):
    stage = RecordingStage()
    pipe.motion_stage = stage
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


def test_s2_can_perceive_the_generated_first_frame(pipe):
    from dataclasses import replace

    from revision.pipeline import with_input_frame

    stage, config = RecordingStage(), pipe.config
    pipe.motion_stage = stage
    try:
        pipe.config = replace(config, perceive_input_frame=False)
        out = pipe(_img(), seed=3)
    finally:
        pipe.config = config
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
               "--no-s2", "--quiet", "--save-intermediates", str(tmp_path / "run")])  # fmt: skip
    assert rc == 0 and out.stat().st_size > 0
    run = load_run(tmp_path / "run")
    assert run["final"] and run["coarse"] and run["condition"] and run["input"]
    assert set(run["timings"]) >= {"s1", "s2", "s3"}
    assert json.loads((tmp_path / "run" / "run.json").read_text())["settings"]["seed"] == 0
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
    args = ["generate", "--image", str(src), "--out", str(out), "--quiet", "--no-s2"]
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


def test_sketch_is_cropped_like_the_image_and_stages_are_handed_over():
    from revision.motion_stage import EmptyMotionStage
    from revision.palette import PART_BY_NAME

    pipe = tiny_revision_pipeline(motion_stage=EmptyMotionStage())
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
