"""Create the virtual environment the official ``vbench`` package runs in (it pins ``transformers==4.33.2``
and ``numpy<2`` and needs torchvision, so it cannot share our environment; DESIGN.md §4).

``python -m eval vbench-setup --venv .cache/vbench-venv`` runs: ``python -m venv VENV``;
``VENV/bin/pip install torch==2.14.1 torchvision==0.29.1`` (the pair that imports together; on this
machine pip takes both from local disk, elsewhere it downloads a CUDA build, which also runs on CPU);
``VENV/bin/pip install vbench==0.1.5 -c <pins>`` with torch/torchvision/numpy<2 pinned so pip keeps them.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_VENV = Path(".cache/vbench-venv")


@dataclass
class VBenchEnvConfig:
    venv: Path = DEFAULT_VENV  # where the environment goes (.cache/ is git-ignored)
    torch: str = "torch==2.14.1"  # torch + torchvision pair that import together
    torchvision: str = "torchvision==0.29.1"
    vbench: str = "vbench==0.1.5"  # the PyPI release (Table 1 dimensions except the I2V ones)
    python: str = sys.executable  # interpreter that creates the venv (3.11 here)


def venv_python(venv: Path) -> Path:
    return Path(venv) / "bin" / "python"


def is_ready(venv: Path) -> bool:
    """True when ``vbench`` imports in the venv."""
    py = venv_python(venv)
    if not py.exists():
        return False
    return subprocess.run([str(py), "-c", "import vbench"], capture_output=True).returncode == 0


def create(cfg: VBenchEnvConfig, log=print) -> Path:
    """Create (or complete) the venv; returns its python. Raises ``RuntimeError`` naming the failed step."""
    venv = Path(cfg.venv)
    if not venv_python(venv).exists():
        _run([cfg.python, "-m", "venv", str(venv)], "create the venv", log)
    pip = [str(venv_python(venv)), "-m", "pip", "install", "--disable-pip-version-check"]
    _run(pip + [cfg.torch, cfg.torchvision], "install torch + torchvision", log)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(f"{cfg.torch}\n{cfg.torchvision}\nnumpy<2\n")
    _run(pip + [cfg.vbench, "-c", f.name], "install vbench", log)
    if not is_ready(venv):
        raise RuntimeError(f"vbench still does not import in {venv}; run `{venv_python(venv)} -c 'import vbench'`")
    log(f"vbench environment ready: {venv_python(venv)}")
    return venv_python(venv)


def _run(cmd: list[str], what: str, log) -> None:
    log(f"[vbench-setup] {what}: {' '.join(cmd)}")
    if subprocess.run(cmd).returncode != 0:
        raise RuntimeError(f"vbench-setup failed to {what}: {' '.join(cmd)}")
