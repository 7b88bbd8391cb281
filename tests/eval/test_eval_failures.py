"""Eval fails cleanly: unreadable videos exit 2 with one line naming the file; bad numbers are refused by argparse.

Also: eval reads video files through revision.io, resolves weights through revision.weights, and has one
SVDSettings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import PIL.Image
import pytest

from eval.benchmark.__main__ import main as benchmark_main
from eval.cli import main as eval_main

ROOT = Path(__file__).resolve().parents[2]


def _good_mp4(path: Path, frames: int = 18, size: int = 40) -> Path:
    from revision.io import write_video

    rng = np.random.default_rng(0)
    return write_video(path, rng.integers(0, 256, (frames, size, size, 3), dtype=np.uint8), fps=8)


def _bad_video(path: Path, kind: str) -> Path:
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "random":
        path.write_bytes(np.random.default_rng(1).bytes(5000))
    else:  # the first third of a real mp4
        data = _good_mp4(path.with_name("whole.mp4")).read_bytes()
        path.write_bytes(data[: len(data) // 3])
    return path


def _one_line_naming(err: str, path: Path) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and str(path) in lines[0] and "Traceback" not in err


def _tiktok_dataset(root: Path, vid: str = "00335", frames: int = 18, size: int = 40) -> None:
    d = root / vid / "images"
    d.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(frames):
        PIL.Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(d / f"{i:04d}.png")


@pytest.mark.parametrize("kind", ["empty", "random", "truncated"])
def test_tiktok_unreadable_generated_video_exits_2(tmp_path, capsys, kind):
    _tiktok_dataset(tmp_path / "tiktok")
    (tmp_path / "gen").mkdir()
    bad = _bad_video(tmp_path / "gen" / "00335.mp4", kind)
    rc = eval_main(["tiktok", "--root", str(tmp_path / "tiktok"), "--generated", str(tmp_path / "gen"), "--system",
                    "x", "--test-ids", "00335", "--lpips", "none", "--inception", "none", "--i3d", "none",
                    "--size", "32", "--out", str(tmp_path / "r.json")])  # fmt: skip
    assert rc == 2
    _one_line_naming(capsys.readouterr().err, bad)
    assert not (tmp_path / "r.json").exists()


def test_tiktok_unreadable_ground_truth_frame_exits_2(tmp_path, capsys):
    _tiktok_dataset(tmp_path / "tiktok")
    bad = tmp_path / "tiktok" / "00335" / "images" / "0003.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (tmp_path / "gen").mkdir()
    _good_mp4(tmp_path / "gen" / "00335.mp4")
    rc = eval_main(["tiktok", "--root", str(tmp_path / "tiktok"), "--generated", str(tmp_path / "gen"), "--system",
                    "x", "--test-ids", "00335", "--lpips", "none", "--inception", "none", "--i3d", "none",
                    "--out", str(tmp_path / "r.json")])  # fmt: skip
    assert rc == 2
    _one_line_naming(capsys.readouterr().err, bad)


@pytest.mark.parametrize("kind", ["empty", "random", "truncated"])
def test_vbench_and_i2v_unreadable_video_exit_2(tmp_path, capsys, kind):
    good = _good_mp4(tmp_path / "good.mp4")
    bad = _bad_video(tmp_path / f"bad_{kind}.mp4", kind)
    rc = eval_main(["vbench", "--videos", str(good), str(bad), "--out", str(tmp_path / "r.json"),
                    "--venv", str(tmp_path / "no-venv")])  # fmt: skip
    assert rc == 2
    _one_line_naming(capsys.readouterr().err, bad)
    # i2v reads the same videos (through a benchmark manifest)
    PIL.Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(tmp_path / "in.png")
    manifest = {"version": 1, "systems": ["s"], "items": [
        {"input_id": "a", "image": "in.png", "prompt": "", "seed": 0, "videos": {"s": bad.name}}]}  # fmt: skip
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    rc = eval_main(["i2v", "--manifest", str(tmp_path / "manifest.json"), "--system", "s",
                    "--out", str(tmp_path / "r.json")])  # fmt: skip
    assert rc == 2
    _one_line_naming(capsys.readouterr().err, bad)


def test_python_m_eval_vbench_random_bytes_exits_2_without_traceback(tmp_path):
    bad = _bad_video(tmp_path / "noise.mp4", "random")
    proc = subprocess.run([sys.executable, "-m", "eval", "vbench", "--videos", str(bad), "--out", str(tmp_path / "r.json")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 2
    _one_line_naming(proc.stderr, bad)


@pytest.mark.parametrize("size", ["0", "-3", "abc"])
def test_tiktok_size_must_be_a_positive_integer(tmp_path, capsys, size):
    with pytest.raises(SystemExit) as e:
        eval_main(["tiktok", "--root", str(tmp_path), "--generated", str(tmp_path), "--system", "x",
                   "--size", size, "--out", str(tmp_path / "r.json")])  # fmt: skip
    assert e.value.code == 2
    assert "argument --size" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--limit", "0"], ["--limit", "-1"], ["--warmup", "-1"]])
def test_benchmark_counts_are_validated(tmp_path, capsys, args):
    with pytest.raises(SystemExit) as e:
        benchmark_main(["--images", str(tmp_path), "--out", str(tmp_path / "o"), *args])
    assert e.value.code == 2
    assert f"argument {args[0]}" in capsys.readouterr().err


def test_eval_files_and_weights_go_through_revision(tmp_path, monkeypatch):
    import eval.video_io as vio
    import revision.io as rio
    from eval.benchmark.models import SVDModel
    from eval.weights import EVAL_COMPONENTS, require_path, resolve_hf
    from revision.video_model.config import SVDSettings
    from revision.weights import Component, WeightsNotFoundError

    # one reader: eval's read_video decodes through revision.io.read_video (and raises its error type)
    calls = []
    real = rio.read_video
    monkeypatch.setattr(rio, "read_video", lambda p, **kw: calls.append(p) or real(p, **kw))
    frames, fps = vio.read_video(_good_mp4(tmp_path / "a.mp4"))
    assert calls and frames.shape == (18, 40, 40, 3) and fps == 8.0
    with pytest.raises(rio.VideoReadError):
        vio.read_video(_bad_video(tmp_path / "b.mp4", "random"))
    # one resolver: eval's components are revision.weights Components; files are never taken for HF ids
    assert all(isinstance(c, Component) for c in EVAL_COMPONENTS.values())
    monkeypatch.setenv("REVISION_I3D_PATH", str(tmp_path / "a.mp4"))
    assert require_path("i3d", None) == tmp_path / "a.mp4"
    monkeypatch.delenv("REVISION_I3D_PATH")
    with pytest.raises(WeightsNotFoundError, match=r"org/i3d \(no such file or folder\)"):
        require_path("i3d", "org/i3d")
    with pytest.raises(WeightsNotFoundError, match="no such file"):
        require_path("i3d", "tiny-random")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("REVISION_DINO_PATH", raising=False)
    with pytest.raises(WeightsNotFoundError, match=r"facebook/dino-vitb16 not in the HF cache.*huggingface-cli"):
        resolve_hf("dino", None)
    assert resolve_hf("dino", str(tmp_path)) == str(tmp_path)
    # one SVDSettings: the baseline uses the library's, at SVD-XT's 25 frames
    s = SVDModel(pipe=None).s
    assert type(s) is SVDSettings and s.num_frames == 25 and (s.height, s.width) == (576, 1024)


def test_benchmark_unreadable_input_image_exits_2_before_any_model_loads(tmp_path, capsys):
    (tmp_path / "imgs").mkdir()
    PIL.Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(tmp_path / "imgs" / "ok.png")
    bad = tmp_path / "imgs" / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    rc = benchmark_main(["--images", str(tmp_path / "imgs"), "--out", str(tmp_path / "o"), "--models", "svd",
                         "--weights", str(tmp_path / "no-such-weights")])  # fmt: skip
    assert rc == 2
    _one_line_naming(capsys.readouterr().err, bad)
