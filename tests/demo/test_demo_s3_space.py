"""S3 modes in the UI (the choice reaches the pipeline, the photo path's stage order, full-size videos, labels
naming the mode that ran) and the Hugging Face Space wiring (``spaces.GPU`` when the package imports)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import gradio as gr
import numpy as np
import PIL.Image
import pytest

from demo import handlers
from demo.convert import side_by_side
from revision.io import read_video
from revision.types import Clip, ConditionMaps


def _png(path: Path, size=(90, 58)) -> str:
    y, x = np.mgrid[: size[1], : size[0]]
    PIL.Image.fromarray(np.stack([x * 2, y * 3, np.full_like(x, 90)], -1).astype(np.uint8)).save(path)
    return str(path)


def _stream(ctx, image, s3_mode="auto", fps=0):
    return list(handlers.generate(ctx, image, "he raises both arms", 0.7, None, 0, 0, 0, 0.0, fps, "full", s3_mode,
                                  handlers.new_session()))  # fmt: skip


def test_s3_choice_reaches_the_pipeline(ctx, fake_pipeline, tmp_path):
    for mode in ("auto", "conditioned", "guided", "animation"):
        _stream(ctx, _png(tmp_path / "a.png"), mode)
    assert [c["s3"] for c in fake_pipeline.calls] == ["auto", "conditioned", "guided", "animation"]
    with pytest.raises(gr.Error, match="s3 must be one of 'auto', 'conditioned', 'guided', 'animation'"):
        _stream(ctx, _png(tmp_path / "a.png"), "bogus")  # the pipeline's own validator


def test_animation_run_streams_s2_then_the_s1_preview_and_shows_videos_at_full_size(ctx, tmp_path):
    yields = _stream(ctx, _png(tmp_path / "a.png", (90, 58)), "animation")
    # cleared, after S2 (condition + 3D view, coarse not yet there), after S1's preview, complete
    assert len(yields) == 4
    after_s2, after_s1 = yields[1], yields[2]
    assert after_s2[2].endswith("condition.mp4") and after_s2[1] == gr.skip()
    assert after_s1[1].endswith("coarse.mp4") and after_s1[2] == gr.skip()
    final, coarse, condition, comparison, *_, info, files, notes, motion, found = yields[-1]
    f, c, cond, cmp = (read_video(v) for v in (final, coarse, condition, comparison))
    assert (f.width, f.height, f.num_frames) == (90, 58, 16)  # the photo's size, not a 64-px model crop
    assert (c.width, c.height, c.num_frames) == (44, 28, 8)  # S1's quarter-size preview
    assert (cond.width, cond.height) == (90, 58)  # the condition at the output size
    g = max(2, 90 // 32 // 2 * 2)
    assert (cmp.width, cmp.height, cmp.num_frames) == (3 * 90 + 2 * g, 58, 16)  # three full-size panels
    assert info["settings"]["s3_mode"] == "animation"


def test_stage_labels_name_the_s3_mode_and_why_and_the_s1_preview(ctx, tmp_path):
    info = _stream(ctx, _png(tmp_path / "a.png"), "animation")[-1][6]
    final, coarse = handlers.stage_labels(info)
    assert final["label"] == ("Final video (S3: animation — auto: the video model is a fake, which cannot render a "
                              "real photo)")  # fmt: skip
    assert coarse["label"] == "Coarse video (S1: preview of the photo animation)"
    info = _stream(ctx, _png(tmp_path / "a.png"), "conditioned")[-1][6]
    assert handlers.stage_labels(info)[1]["label"] == handlers.COARSE_LABEL  # S1 ran the video model
    assert handlers.stage_labels(None) == (
        gr.update(label=handlers.FINAL_LABEL),
        gr.update(label=handlers.COARSE_LABEL),
    )
    # the label step is wired after Generate and private: /generate keeps returning plain paths
    from demo import build_demo

    cfg = build_demo(ctx.pipeline, runs_dir=tmp_path / "runs", examples_dir=tmp_path / "ex").get_config_file()
    api = [d for d in cfg["dependencies"] if d.get("api_name") == "generate"]
    assert len(api) == 1 and sum(d.get("api_visibility") == "private" and len(d["outputs"]) == 2
                                 for d in cfg["dependencies"]) >= 3  # fmt: skip


def test_user_fps_keeps_the_preview_at_half_pace(ctx, tmp_path):
    out = _stream(ctx, _png(tmp_path / "a.png"), "animation", fps=12)[-1]
    assert read_video(out[0]).fps == pytest.approx(12) and read_video(out[1]).fps == pytest.approx(6)


def test_side_by_side_scales_a_small_coarse_clip_to_the_final_size_with_an_even_width():
    final = Clip(np.full((5, 31, 47, 3), 200, np.uint8), fps=8)
    coarse = Clip(np.full((3, 15, 23, 3), 50, np.uint8), fps=4)
    ids = np.zeros((5, 31, 47), np.int16)
    out = side_by_side(coarse, ConditionMaps(ids, ids.astype(np.float32)), final)
    assert out.frames.shape[:3] == (5, 31, 3 * 47 + 2 + 3) and out.width % 2 == 0
    assert (out.frames[:, :, :47] == 50).all() and (out.frames[:, :, -47:] == 200).all()


# ------------------------------------------------------------------ Hugging Face Space


def _fake_spaces(monkeypatch) -> list:
    """A stand-in ``spaces`` package whose ``GPU(duration=...)`` marks and records what it decorates."""
    decorated = []

    def GPU(duration=60):  # noqa: N802 — the real package's name
        def wrap(fn):
            def gpu_fn(*a, **k):
                return fn(*a, **k)

            gpu_fn.zero_gpu = {"duration": duration}
            decorated.append(fn)
            return gpu_fn

        return wrap

    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=GPU))
    return decorated


def _app_generate_fn(monkeypatch, tmp_path, fake_pipeline):
    import app

    monkeypatch.setattr(app, "load_pipeline", lambda args: (fake_pipeline, None, []))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    demo = app.build(app.parse_args(["--s2", "off"]))
    fns = demo.fns.values() if isinstance(demo.fns, dict) else demo.fns
    return next(f for f in fns if f.api_name == "generate").fn


def test_app_runs_generate_under_spaces_gpu_when_the_package_imports(monkeypatch, tmp_path, fake_pipeline):
    decorated = _fake_spaces(monkeypatch)
    fn = _app_generate_fn(monkeypatch, tmp_path, fake_pipeline)
    assert getattr(fn, "zero_gpu", None) == {"duration": 120}  # demo.space.GPU_DURATION_S
    assert len(decorated) == 1 and decorated[0].func is handlers.generate  # the one handler that runs models
    from demo.space import gpu_decorator

    assert gpu_decorator() is not None


def test_without_spaces_nothing_is_decorated(monkeypatch, tmp_path, fake_pipeline):
    monkeypatch.setitem(sys.modules, "spaces", None)  # import spaces → ImportError
    from demo.space import gpu_decorator

    assert gpu_decorator() is None
    fn = _app_generate_fn(monkeypatch, tmp_path, fake_pipeline)
    assert fn.func is handlers.generate and not hasattr(fn, "zero_gpu")


def test_app_reads_the_space_host_and_port(monkeypatch):
    import app

    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "7861")
    args = app.parse_args([])
    assert (args.server_name, args.port) == ("0.0.0.0", 7861)
    monkeypatch.delenv("GRADIO_SERVER_NAME")
    monkeypatch.delenv("GRADIO_SERVER_PORT")
    assert (app.parse_args([]).server_name, app.parse_args([]).port) == ("127.0.0.1", 7860)


def test_readme_front_matter_is_a_space_config():
    import yaml

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("---\n", 2)[1])
    assert meta["sdk"] == "gradio" and meta["app_file"] == "app.py" and meta["sdk_version"] == gr.__version__
    assert meta["title"] and meta["emoji"] and meta["suggested_hardware"]


def test_app_s3_flag_sets_the_pages_default_mode(monkeypatch, tmp_path, fake_pipeline):
    import app

    monkeypatch.setitem(sys.modules, "spaces", None)
    monkeypatch.setattr(app, "load_pipeline", lambda args: (fake_pipeline, None, []))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    demo = app.build(app.parse_args(["--s3", "guided"]))
    radio = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "s3")
    assert radio.value == "guided"
    with pytest.raises(SystemExit):
        app.parse_args(["--s3", "bogus"])
