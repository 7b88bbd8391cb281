"""Handlers called directly with a fake pipeline (no server, no browser)."""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from pathlib import Path

import gradio as gr
import numpy as np
import PIL.Image
import pytest

from demo import handlers
from demo.convert import UploadLimits, editor_to_sketch, load_image, side_by_side
from demo.plots import frame_index, motion_figure
from demo.streaming import Cancelled, stream_call
from revision.palette import PARTS

HAS_BODY = importlib.util.find_spec("revision.body.posed") is not None


def _png(path: Path, size=(80, 60), colour=(10, 120, 200)) -> str:
    PIL.Image.new("RGB", size, colour).save(path)
    return str(path)


def _stroke(size=(80, 60), part=0) -> np.ndarray:
    w, h = size
    layer = np.zeros((h, w, 4), np.uint8)
    layer[10:30, 20:40, :3] = PARTS[part].color
    layer[10:30, 20:40, 3] = 255
    return layer


def _stream(ctx, image, sketch=None, session=None, progress=None, **kw):
    """The generate handler's generator (one output tuple per yield)."""
    args = {"prompt": "a person waves", "motion_strength": 0.7, "seed": 3, "num_frames": 0, "steps": 0,
            "s1_step_fraction": 0.0, "fps": 0, "s2_backend": "full", "s3_mode": "auto"} | kw  # fmt: skip
    extra = {"progress": progress} if progress else {}
    return handlers.generate(ctx, image, args["prompt"], args["motion_strength"], sketch, args["seed"],
                             args["num_frames"], args["steps"], args["s1_step_fraction"], args["fps"],
                             args["s2_backend"], args["s3_mode"], session or handlers.new_session(), **extra)  # fmt: skip


def _gen(ctx, image, sketch=None, **kw):
    """What ``/generate`` returns: the handler's last yield."""
    return list(_stream(ctx, image, sketch, **kw))[-1]


SKIP = gr.skip()


def test_generate_returns_every_stage_and_writes_the_run(ctx, fake_pipeline, tmp_path):
    out = _gen(ctx, _png(tmp_path / "a.png"), num_frames=6, steps=3)
    final, coarse, condition, comparison, fig, slider, info, files, notes, motion, found = out
    for video in (final, coarse, condition, comparison):
        assert Path(video).is_file() and Path(video).stat().st_size > 0 and video.endswith(".mp4")
    names = {Path(f).name for f in files}
    assert {"final.mp4", "coarse.mp4", "condition.mp4", "comparison.mp4", "condition.npz", "run.json", "input.png",
            "motion_raw.json", "motion_refined.json", "motion_raw.npz", "motion_refined.npz"} <= names  # fmt: skip
    call = fake_pipeline.calls[-1]
    assert (
        call["image_size"] == (80, 60)
        and call["num_frames"] == 6
        and call["steps"] == 3
        and call["seed"] == 3
    )
    assert call["motion_strength"] == pytest.approx(0.7) and call["sketch"] is None
    assert info["timings_s"]["total"] == pytest.approx(0.6) and info["backends"]["video_model"] == "fake"
    assert "fake note" in notes and info["notes"] == ["fake note"]
    assert slider.maximum == 5 and slider.value == 5  # refined motion has 6 frames
    raw, refined = motion
    assert raw.num_frames == 3 and refined.num_frames == 6
    assert sum(t.type == "scatter3d" for t in fig.data) == 8  # 2 sequences x 2 tracks x (figure + path)
    assert sum(t.type == "mesh3d" for t in fig.data) == (1 if HAS_BODY else 0)  # the refined human's mesh
    with np.load(Path(final).parent / "motion_refined.npz") as z:
        assert z["track0.transl"].shape == (6, 3) and json.loads(str(z["meta"]))["num_frames"] == 6


def test_each_stage_is_shown_as_soon_as_it_finishes(ctx, fake_pipeline, tmp_path):
    """S1's clip is yielded while S2/S3 have not run; S2's outputs while S3 has not; the rest at the end."""
    gates = fake_pipeline.gates = {"s1": threading.Event(), "s2": threading.Event()}
    reported = []
    stream = _stream(
        ctx, _png(tmp_path / "a.png"), num_frames=6, progress=lambda f, desc: reported.append((f, desc))
    )

    cleared = next(stream)  # a new run first clears the previous run's outputs
    assert (
        cleared[:5] == (None,) * 5
        and cleared[6:8] == (None, None)
        and cleared[9] is None
        and cleared[10] is None
    )
    coarse = next(stream)  # S1 done; the pipeline is held at the end of S1
    assert not fake_pipeline.finished and not gates["s1"].is_set()
    assert coarse[1].endswith("coarse.mp4") and Path(coarse[1]).stat().st_size > 0
    assert all(v == SKIP for i, v in enumerate(coarse) if i != 1)  # final, S2 outputs, timings: not yet
    assert reported == [(0.0, "S1")]
    gates["s1"].set()
    s2 = next(stream)  # S2 done; held again before S3
    assert not fake_pipeline.finished and s2[0] == SKIP and s2[1] == SKIP and s2[6] == SKIP and s2[7] == SKIP
    assert s2[2].endswith("condition.mp4") and Path(s2[2]).stat().st_size > 0
    assert sum(t.type == "scatter3d" for t in s2[4].data) == 8 and s2[5].maximum == 5
    assert s2[9][1].num_frames == 6 and "fake s2 note" in s2[8]
    gates["s2"].set()
    final = next(stream)  # S3 done: final, comparison, timings, downloads
    assert (
        len(fake_pipeline.finished) == 1 and Path(final[0]).name == "final.mp4" and Path(final[3]).is_file()
    )
    assert final[6]["timings_s"]["s3"] == pytest.approx(0.3) and len(final[7]) >= 11
    assert Path(final[1]).parent == Path(coarse[1]).parent  # one run folder
    with pytest.raises(StopIteration):
        next(stream)
    assert [d for _, d in reported] == ["S1", "S2", "S3", "done", "writing videos"]
    assert [f for f, _ in reported] == sorted(f for f, _ in reported)


def test_closing_the_stream_stops_the_pipeline(ctx, fake_pipeline, tmp_path):
    """gradio closes the generator on cancel/disconnect: the worker stops at its next progress report."""
    fake_pipeline.gates = {"s1": threading.Event()}
    stream = _stream(ctx, _png(tmp_path / "a.png"))
    next(stream), next(stream)  # cleared, coarse
    stream.close()
    fake_pipeline.gates["s1"].set()
    deadline = time.monotonic() + 10
    while any(t.name == "revision-generate" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(t.name == "revision-generate" for t in threading.enumerate())
    assert not fake_pipeline.finished and len(fake_pipeline.calls) == 1


def test_stream_call_orders_events_and_hands_over_errors():
    def fn(x, progress, on_stage):
        progress(0.5, "half")
        on_stage("s1", x)
        raise KeyError("boom")

    events = list(stream_call(fn, 7))
    assert [(e.kind, e.args) for e in events[:2]] == [("progress", (0.5, "half")), ("stage", ("s1", 7))]
    assert events[-1].kind == "error" and isinstance(events[-1].args[0], KeyError) and len(events) == 3
    stop = list(stream_call(lambda progress, on_stage: progress(0.0, "x"), should_stop=lambda: True))
    assert [e.kind for e in stop] == ["error"] and isinstance(stop[0].args[0], Cancelled)
    assert [e.args for e in stream_call(lambda progress, on_stage: 3)] == [(3,)]


def test_comparison_is_three_time_aligned_panels(ctx, tmp_path):
    from revision.io import read_video

    final, *_ = _gen(ctx, _png(tmp_path / "a.png"))
    comp = read_video(Path(final).parent / "comparison.mp4")
    fin = read_video(final)
    assert (
        comp.num_frames == fin.num_frames
        and comp.height == fin.height
        and comp.width == 3 * fin.width + 2 * 2
    )


def test_sketch_strokes_reach_the_pipeline_as_rgba(ctx, fake_pipeline, tmp_path):
    img = _png(tmp_path / "a.png")
    _gen(ctx, img, sketch={"background": None, "layers": [_stroke()], "composite": None})
    sketch = fake_pipeline.calls[-1]["sketch"]
    assert sketch.shape == (60, 80, 4) and sketch.dtype == np.uint8
    assert tuple(sketch[20, 30, :3]) == PARTS[0].color and sketch[20, 30, 3] == 255 and sketch[0, 0, 3] == 0


def test_empty_sketch_means_no_target_pose_with_a_notice(ctx, fake_pipeline, tmp_path):
    empty = np.zeros((60, 80, 4), np.uint8)
    *_, notes, _, _ = _gen(
        ctx, _png(tmp_path / "a.png"), sketch={"background": None, "layers": [empty], "composite": None}
    )
    assert fake_pipeline.calls[-1]["sketch"] is None
    assert "The target-pose sketch is empty: generating without a target pose." in notes


def test_sketch_conversion_layers_and_sizes():
    a, b = _stroke(part=0), np.zeros((60, 80, 4), np.uint8)
    b[20, 30] = (*PARTS[3].color, 255)
    merged, notes = editor_to_sketch({"layers": [a, b]}, (80, 60))
    assert (
        tuple(merged[20, 30, :3]) == PARTS[3].color
        and tuple(merged[12, 22, :3]) == PARTS[0].color
        and not notes
    )
    half, _ = editor_to_sketch({"layers": [_stroke((160, 120))]}, (80, 60))  # same aspect: rescaled exactly
    assert half.shape == (60, 80, 4) and set(np.unique(half[..., 3])) == {0, 255}
    with pytest.raises(ValueError, match="draw the sketch over the uploaded image"):
        editor_to_sketch({"layers": [_stroke((80, 80))]}, (80, 60))
    assert editor_to_sketch(None, (80, 60)) == (None, [])


def test_bad_images_get_clear_errors_and_the_next_call_works(ctx, tmp_path):
    txt = tmp_path / "notes.txt"
    txt.write_text("not an image")
    with pytest.raises(gr.Error, match="'notes.txt' is not a usable image"):
        _gen(ctx, str(txt))
    with pytest.raises(gr.Error, match="both sides must be at least 32 pixels"):
        _gen(ctx, _png(tmp_path / "tiny.png", (1, 1)))
    with pytest.raises(gr.Error, match="Upload a first-frame image"):
        _gen(ctx, None)
    assert Path(_gen(ctx, _png(tmp_path / "ok.png"))[0]).is_file()


def test_huge_images_are_downscaled_with_a_notice_and_bombs_rejected(tmp_path):
    path = _png(tmp_path / "big.png", (400, 300))
    image, notes = load_image(path, UploadLimits(max_decode_pixels=200_000, max_pixels=30_000))
    assert image.size[0] * image.size[1] <= 30_000 and abs(image.size[0] / image.size[1] - 4 / 3) < 0.02
    assert notes == [
        "The image is 400x300 (0 MP), over the 0 MP limit: downscaled to 200x150 before generation."
    ]
    with pytest.raises(ValueError, match="not a usable image: image too large"):
        load_image(path, UploadLimits(max_decode_pixels=50_000, max_pixels=30_000))
    PIL.Image.MAX_IMAGE_PIXELS = UploadLimits().max_decode_pixels


def test_missing_weights_show_the_load_error(tmp_path):
    ctx = handlers.DemoContext(
        None, tmp_path, load_error="No weights found for the video model [video_model]."
    )
    with pytest.raises(gr.Error, match=r"No weights found for the video model \[video_model\]"):
        _gen(ctx, _png(tmp_path / "a.png"))


def test_cancel_stops_the_run_at_its_next_progress_step(ctx, fake_pipeline, tmp_path):
    session = handlers.new_session()
    inner = fake_pipeline.__call__

    def call_and_cancel(*a, progress=None, **kw):
        return inner(*a, progress=lambda f, m: (handlers.cancel(session), progress(f, m)), **kw)

    fake_pipeline.__class__ = type("CancellingFake", (type(fake_pipeline),), {"__call__": lambda self, *a, **kw:
                                                                              call_and_cancel(*a, **kw)})  # fmt: skip
    with pytest.raises(gr.Error, match="Generation cancelled"):
        list(
            handlers.generate(
                ctx, _png(tmp_path / "a.png"), "", 0.5, None, 0, 0, 0, 0, 0, "full", "auto", session
            )
        )
    assert session == {"run": 1, "cancelled": 1}


def test_s2_choice_and_s1_fraction_are_passed_to_the_pipeline_unchanged(ctx, fake_pipeline, tmp_path):
    """The handler converts values and calls the shared pipeline with them: no copy, nothing rebuilt."""
    config, stage = fake_pipeline.config, fake_pipeline.motion_stage
    _gen(ctx, _png(tmp_path / "a.png"), s2_backend="off", s1_step_fraction=0.25)
    _gen(ctx, _png(tmp_path / "a.png"), s2_backend="without PPPM", s1_step_fraction=0.0)
    assert [(c["s2"], c["s1_step_fraction"]) for c in fake_pipeline.calls] == [
        ("off", 0.25),
        ("without PPPM", None),
    ]
    assert fake_pipeline.config is config and fake_pipeline.motion_stage is stage
    assert not hasattr(handlers, "configure_pipeline")
    with pytest.raises(gr.Error, match="s2 must be one of 'full', 'without PPPM', 'off', got 'bogus'"):
        _gen(ctx, _png(tmp_path / "a.png"), s2_backend="bogus")  # the pipeline's own validator


def test_run_folders_are_pruned_to_the_newest(tmp_path, fake_pipeline):
    ctx = handlers.DemoContext(fake_pipeline, tmp_path / "runs", keep_runs=2)
    finals = [Path(_gen(ctx, _png(tmp_path / "a.png"))[0]).parent for _ in range(3)]
    kept = sorted(p for p in (tmp_path / "runs").iterdir() if p.name.startswith(handlers.RUN_PREFIX))
    assert len(kept) == 2 and not finals[0].exists() and finals[1].exists() and finals[2].exists()


def test_expected_rejections_are_not_logged_as_tracebacks(ctx, tmp_path):
    with pytest.raises(gr.Error) as e:
        _gen(ctx, _png(tmp_path / "tiny.png", (1, 1)))
    assert e.value.print_exception is False and e.value.__cause__ is None and e.value.__suppress_context__


def test_a_non_image_as_the_sketch_gets_the_projects_message(tmp_path):
    from gradio.data_classes import FileData

    from demo.layout import checked_upload

    txt = tmp_path / "strokes.txt"
    txt.write_text("not an image")
    editor = checked_upload(gr.ImageEditor(type="numpy", image_mode="RGBA"), "target-pose sketch")
    payload = editor.data_model(background=None, layers=[FileData(path=str(txt), orig_name="strokes.txt")],
                                composite=None)  # fmt: skip
    with pytest.raises(
        gr.Error, match="uploaded target-pose sketch 'strokes.txt' is not a usable image"
    ) as e:
        editor.preprocess(payload)
    assert e.value.print_exception is False


def test_open_saved_run_shows_everything(ctx, fake_pipeline, tmp_path):
    from revision.io import save_run

    out = fake_pipeline(PIL.Image.new("RGB", (64, 64)), num_frames=4)
    run_dir = save_run(out, tmp_path / "saved", image=PIL.Image.new("RGB", (64, 64), "red"))
    files = [str(p) for p in run_dir.iterdir()]
    inp, final, coarse, condition, comparison, fig, slider, info, listed, notes, motion = handlers.open_run(
        ctx, files
    )
    assert Path(inp).name == "input.png" and all(
        Path(v).is_file() for v in (final, coarse, condition, comparison)
    )
    assert motion[1].num_frames == 4 and slider.maximum == 3
    assert sum(t.type == "scatter3d" for t in fig.data) == 8
    assert info["timings_s"]["s3"] == pytest.approx(0.3) and "fake note" in notes
    with pytest.raises(gr.Error, match="Not a saved ReVision run"):
        handlers.open_run(ctx, [_png(tmp_path / "x.png")])


def test_motion_figure_aligns_frames_and_shows_both_sequences(fake_pipeline):
    out = fake_pipeline(PIL.Image.new("RGB", (64, 64)), num_frames=8)
    assert frame_index(7, 4, 8) == 3 and frame_index(0, 4, 8) == 0 and frame_index(3, 1, 8) == 0
    fig = motion_figure(out.raw_motion, out.refined_motion, 7)
    names = [t.name for t in fig.data]
    assert any(n.startswith("extracted") for n in names) and any(n.startswith("refined") for n in names)
    skeleton = next(
        t for t in fig.data if t.type == "scatter3d" and t.name.startswith("refined") and "path" not in t.name
    )
    assert np.isfinite(np.asarray(skeleton.x, float)).sum() == 2 * 21  # 21 bones of the 22 SMPL-X body joints
    assert handlers.show_frame(None, 0).layout.annotations[0].text.startswith("no 3D motion")
    assert len(side_by_side(out.coarse, out.condition, out.final).frames) == 8


def test_build_demo_wires_the_api_palette_and_legend(fake_pipeline, tmp_path):
    from demo import build_demo

    demo = build_demo(fake_pipeline, runs_dir=tmp_path / "runs", examples_dir=tmp_path / "ex")
    cfg = demo.get_config_file()
    api_names = {d.get("api_name") for d in cfg["dependencies"]}
    assert {"generate", "open_run", "cancel"} <= api_names
    editor = next(b for b in demo.blocks.values() if isinstance(b, gr.ImageEditor))
    assert editor.brush.colors == [p.hex for p in PARTS] and editor.brush.color_mode == "fixed"
    legend = next(b for b in demo.blocks.values() if isinstance(b, gr.HTML)).value
    assert all(p.hex in legend and p.name.replace("_", " ") in legend for p in PARTS)
    names = {p.name for p in (tmp_path / "ex").iterdir()}  # real photos of people, the cat, a synthetic frame
    assert {"astronaut.png", "messi5.jpg", "basketball1.png", "chelsea_cat.png", "synthetic_3.png"} <= names
    gen = next(d for d in cfg["dependencies"] if d.get("api_name") == "generate")
    assert len(gen["inputs"]) == 13 and len(gen["outputs"]) == 11  # ... s2, s3, session, object box
    s3 = demo.blocks[gen["inputs"][10]]
    assert isinstance(s3, gr.Radio) and s3.value == "auto"
    box = demo.blocks[gen["inputs"][12]]  # last: a client that leaves it out gets '' (S2 finds the object)
    assert isinstance(box, gr.Textbox) and box.value == "" and box.elem_id == "object-box"
    assert [c[0] for c in s3.choices] == ["auto", "conditioned", "guided", "animation"]


def test_the_3d_view_draws_arrays_from_revision(fake_pipeline):
    """Forward kinematics live in revision.render.points3d; demo/plots.py only draws its arrays."""
    import inspect

    import demo.plots
    from revision.render.points3d import SMPLX_BODY_EDGES, motion_points

    out = fake_pipeline(PIL.Image.new("RGB", (64, 64)), num_frames=6)
    pts = motion_points(out.refined_motion)
    kinds = [tp.track.kind for tp in pts]
    human = pts[kinds.index("smplx")]
    assert human.points.shape == (6, 22, 3) and human.edges == SMPLX_BODY_EDGES and human.root.shape == (6, 3)
    obj = pts[kinds.index("object")]
    assert obj.points.shape == (6, 21, 3) and len(obj.edges) == 20
    np.testing.assert_array_equal(obj.root, obj.points[:, -1])
    source = inspect.getsource(demo.plots)
    assert "torch" not in source and "skeleton" not in source.lower() and "track_meshes" not in source
