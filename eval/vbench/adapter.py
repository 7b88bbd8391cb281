"""Run the official ``vbench`` (0.1.5) in its own venv through a subprocess, JSON in and out.

Dimensions of the paper's Table 1 that the package has: subject_consistency, background_consistency,
motion_smoothness, dynamic_degree, aesthetic_quality, imaging_quality (plus temporal_flickering, which needs
no weights). Weights are read from ``VBENCH_CACHE_DIR`` (vbench's ``local`` mode); the adapter checks they are
there first, so a missing file gives one clear message instead of vbench's ``wget``.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eval.vbench.base import DimensionResult
from eval.vbench.setup_env import DEFAULT_VENV, venv_python

TABLE1_DIMENSIONS = ("subject_consistency", "background_consistency", "motion_smoothness", "dynamic_degree",
                     "aesthetic_quality", "imaging_quality")  # fmt: skip
SUPPORTED = (*TABLE1_DIMENSIONS, "temporal_flickering")

# files vbench's local mode reads from VBENCH_CACHE_DIR, and where they come from
REQUIRED_FILES: dict[str, list[tuple[str, str]]] = {
    "subject_consistency": [
        ("dino_model/facebookresearch_dino_main", "git clone https://github.com/facebookresearch/dino"),
        ("dino_model/dino_vitbase16_pretrain.pth",
         "wget https://dl.fbaipublicfiles.com/dino/dino_vitbase16_pretrain/dino_vitbase16_pretrain.pth"),
    ],
    "background_consistency": [("clip_model/ViT-B-32.pt", "the OpenAI CLIP ViT-B/32 checkpoint (clip package URL)")],
    "motion_smoothness": [("amt_model/amt-s.pth", "wget https://huggingface.co/lalala125/AMT/resolve/main/amt-s.pth")],
    "dynamic_degree": [("raft_model/models/raft-things.pth",
                        "wget https://dl.dropboxusercontent.com/s/4j4z58wuv8o0mfz/models.zip && unzip models.zip")],
    "aesthetic_quality": [
        ("clip_model/ViT-L-14.pt", "the OpenAI CLIP ViT-L/14 checkpoint (clip package URL)"),
        ("aesthetic_model/emb_reader/sa_0_4_vit_l_14_linear.pth",
         "wget https://github.com/LAION-AI/aesthetic-predictor/raw/main/sa_0_4_vit_l_14_linear.pth"),
    ],
    "imaging_quality": [("pyiqa_model/musiq_spaq_ckpt-358bb6af.pth",
                         "wget https://github.com/chaofengc/IQA-PyTorch/releases/download/v0.1-weights/musiq_spaq_ckpt-358bb6af.pth")],
    "temporal_flickering": [],
}  # fmt: skip


class VBenchEnvError(RuntimeError):
    """The vbench venv is missing or the subprocess failed."""


def cache_dir() -> Path:
    return Path(os.environ.get("VBENCH_CACHE_DIR") or Path.home() / ".cache" / "vbench")


def check_weights(dimensions: Sequence[str], cache: Path | None = None) -> None:
    """Raise one ``FileNotFoundError`` listing every missing weight file (with its source) for ``dimensions``."""
    cache = cache or cache_dir()
    missing = [f"  {d}: {cache / rel}  <- {src}" for d in dimensions for rel, src in REQUIRED_FILES[d]
               if not (cache / rel).exists()]  # fmt: skip
    if missing:
        raise FileNotFoundError("vbench weights missing under VBENCH_CACHE_DIR=" f"{cache}:\n" + "\n".join(missing))


@dataclass
class VBenchAdapter:
    venv: Path = DEFAULT_VENV  # created by `python -m eval vbench-setup`
    device: str = "cpu"  # "cuda" on a GPU machine
    timeout_s: float = 3600.0
    extra_env: dict[str, str] = field(default_factory=dict)

    def evaluate(self, videos: Sequence[str | Path], dimensions: Sequence[str],
                 prompts: Sequence[str] | None = None) -> dict[str, DimensionResult]:  # fmt: skip
        """Score ``videos`` (mp4/gif files) on ``dimensions``; returns name → DimensionResult (per_video in order)."""
        unknown = [d for d in dimensions if d not in SUPPORTED]
        if unknown:
            raise ValueError(f"not run through vbench: {unknown}; supported: {SUPPORTED} "
                             "(i2v_subject, i2v_background, camera_motion are native: eval.vbench.NATIVE_DIMENSIONS)")  # fmt: skip
        py = venv_python(Path(self.venv).resolve())
        if not py.exists():
            raise VBenchEnvError(f"no vbench environment at {self.venv}: create it with "
                                 f"`python -m eval vbench-setup --venv {self.venv}`")  # fmt: skip
        check_weights(dimensions)
        videos = [Path(v).resolve() for v in videos]
        for v in videos:
            if not v.is_file():
                raise FileNotFoundError(f"video not found: {v}")
        with tempfile.TemporaryDirectory(prefix="vbench-") as tmp:
            tmp = Path(tmp)
            vdir = tmp / "videos"
            vdir.mkdir()
            links = []
            for i, v in enumerate(videos):  # unique names; vbench reads every file of the folder
                link = vdir / f"{i:05d}{v.suffix.lower()}"
                link.symlink_to(v)
                links.append(link)
            request = {
                "videos_dir": str(vdir), "dimensions": list(dimensions), "device": self.device,
                "output_dir": str(tmp / "out"), "name": "revision", "result_file": str(tmp / "result.json"),
                "prompts": {link.name: p for link, p in zip(links, prompts)} if prompts else {},
            }  # fmt: skip
            env = {**os.environ, "VBENCH_CACHE_DIR": str(cache_dir()), **self.extra_env}
            env.pop("PYTHONPATH", None)
            proc = subprocess.run([str(py), str(Path(__file__).with_name("venv_runner.py"))],
                                  input=json.dumps(request), capture_output=True, text=True,
                                  timeout=self.timeout_s, env=env, cwd=tmp)  # fmt: skip
            if proc.returncode != 0:
                raise VBenchEnvError(f"vbench failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
            raw = json.loads((tmp / "result.json").read_text())
            return {d: _parse(raw[d], links) for d in dimensions}


def _parse(entry: list, links: list[Path]) -> DimensionResult:
    """vbench's ``[mean, [{"video_path", "video_results"}, ...]]`` → DimensionResult ordered like ``links``."""
    mean, per = entry[0], entry[1]
    by_name = {Path(r["video_path"]).name: float(r["video_results"]) for r in per}
    per_video = [by_name.get(link.name, float("nan")) for link in links]
    return DimensionResult(float(mean), per_video, {"skipped": [link.name for link in links if link.name not in by_name]})
