"""Benchmark runner end to end with tiny pipelines of all three model kinds: resume, 2-process accelerate run,
manifest consumed by the user study."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import PIL.Image
import pytest

from eval.benchmark.__main__ import main as bench_main
from eval.benchmark.inputs import load_inputs, read_prompts
from eval.benchmark.models import load_model, tiny_model
from eval.benchmark.runner import BenchmarkConfig, run_benchmark
from eval.video_io import read_video
from revision.weights import WeightsNotFoundError

REPO = Path(__file__).resolve().parents[2]
KINDS = ["revision", "svd", "hunyuan-i2v"]


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    d = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for name in ("a person dances", "a dog runs", "camera pans left"):
        PIL.Image.fromarray(rng.integers(0, 255, (64, 80, 3), dtype=np.uint8)).save(d / f"{name}.png")
    return d


@pytest.fixture(scope="module")
def models():
    return {k: tiny_model(k) for k in KINDS}


class Interrupt(Exception):
    pass


def _factory(models, calls, fail_at=None):
    def make(kind, device):
        m = models[kind]

        class Counting:
            name = m.name

            def generate(self, image, prompt, seed):
                calls.append((kind, prompt, seed))
                if fail_at is not None and len(calls) == fail_at:
                    raise Interrupt("simulated crash")
                return m.generate(image, prompt, seed)

            def describe(self):
                return m.describe()

        return Counting()

    return make


def test_end_to_end_resume_and_manifest(tmp_path, images, models):
    cfg = BenchmarkConfig(KINDS, images, "suite", tmp_path / "run", export_size=(32, 32), limit=2)
    calls: list = []
    with pytest.raises(Interrupt):
        run_benchmark(cfg, factory=_factory(models, calls, fail_at=4), progress=False)
    assert not (cfg.out / "manifest.json").exists()
    done_before = sorted(p.name for p in (cfg.out / "videos").rglob("*.mp4"))
    assert len(done_before) == 3  # 2 revision + 1 svd finished before the crash
    mtimes = {p: p.stat().st_mtime_ns for p in (cfg.out / "videos").rglob("*.mp4")}

    calls2: list = []
    manifest_path = run_benchmark(cfg, factory=_factory(models, calls2), progress=False)
    assert len(calls2) == 6 - 3  # only the pending jobs ran
    assert all(p.stat().st_mtime_ns == t for p, t in mtimes.items())  # finished videos untouched
    assert not list(cfg.out.rglob("*.tmp*"))

    manifest = json.loads(manifest_path.read_text())
    assert manifest["systems"] == KINDS and len(manifest["items"]) == 2
    for it in manifest["items"]:
        assert set(it["videos"]) == set(KINDS) and set(it["timings"]) == set(KINDS)
        assert all(t > 0 for t in it["timings"].values())
        for system, rel in it["videos"].items():
            frames, fps = read_video(cfg.out / rel)
            assert frames.shape[1:3] == (32, 32)  # equal export resolution
            assert fps == pytest.approx({"revision": 7, "svd": 7, "hunyuan-i2v": 24}[system])  # real fps
    seeds = {(c[1], c[2]) for c in calls + calls2}
    assert len({s for _, s in seeds}) == 2  # one seed per image, shared by every model
    prov = json.loads((cfg.out / "provenance.json").read_text())
    assert prov["videos"] == {k: 2 for k in KINDS}
    assert "tiny random" in prov["systems"]["svd"]["implementation"]
    assert len((cfg.out / "timings.csv").read_text().strip().splitlines()) == 1 + 6

    study = pytest.importorskip("user_study.study")
    loaded = study.load_manifest(manifest_path)
    pairs = study.pairs_from_manifest(loaded, reference="revision")
    assert len(pairs) == 2 * 2 and all(Path(p["a"]["video"]).exists() for p in pairs)


def test_two_process_accelerate_cpu_run(tmp_path, images):
    """A real 2-process run: `accelerate launch --multi_gpu --num_processes 2` starts torchrun CPU workers."""
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
           "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", "29517",
           "-m", "eval.benchmark", "--models", ",".join(KINDS), "--images", str(images), "--out", str(out),
           "--weights", "tiny-random", "--export-size", "32x32", "--limit", "2"]  # fmt: skip
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    sidecars = [json.loads(p.read_text()) for p in (out / "videos").rglob("*.json")]
    assert len(sidecars) == 6
    assert {s["process_index"] for s in sidecars} == {0, 1}  # both processes generated
    manifest = json.loads((out / "manifest.json").read_text())
    assert all(len(it["videos"]) == 3 for it in manifest["items"])


def test_inputs_and_prompt_files(tmp_path, images):
    (tmp_path / "p.json").write_text(json.dumps({"a person dances": "P1", "a dog runs": "P2", "camera pans left": "P3"}))
    items = load_inputs(images, str(tmp_path / "p.json"), base_seed=7)
    assert [i.prompt for i in items] == ["P2", "P1", "P3"]
    assert items[0].input_id == "a_dog_runs"
    assert load_inputs(images, "suite", base_seed=7)[0].seed == items[0].seed
    (tmp_path / "p.tsv").write_text("a person dances.png\tdance\n")
    assert read_prompts(tmp_path / "p.tsv") == {"a person dances": "dance"}
    with pytest.raises(ValueError, match="no prompt for 2 image"):
        load_inputs(images, str(tmp_path / "p.tsv"))


def test_cli_errors(tmp_path, images, capsys):
    assert bench_main(["--images", str(tmp_path / "none"), "--out", str(tmp_path / "o"), "--weights", "tiny-random"]) == 2
    assert "images folder not found" in capsys.readouterr().err
    assert bench_main(["--models", "sora", "--images", str(images), "--out", str(tmp_path / "o")]) == 2
    with pytest.raises(SystemExit):
        bench_main(["--images", str(images), "--out", str(tmp_path / "o"), "--export-size", "33x32"])


@pytest.mark.parametrize("kind, hf_id", [("svd", "stabilityai/stable-video-diffusion-img2vid-xt-1-1"),
                                         ("hunyuan-i2v", "hunyuanvideo-community/HunyuanVideo-I2V")])
def test_missing_baseline_weights_are_one_clear_error(kind, hf_id, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(WeightsNotFoundError, match=f"{hf_id}.*huggingface-cli download"):
        load_model(kind, None, "cpu")
