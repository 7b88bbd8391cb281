"""PPPM checkpoints: ``model.safetensors`` (weights) + ``config.json`` (architecture, text encoder, training
summary) in one folder. :func:`load_pppm` resolves the folder through :mod:`revision.weights`:
explicit path → ``REVISION_PPPM_WEIGHTS`` → embedded ``revision/embedded/pppm_mini`` → clear error.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from revision.pppm.model import PPPM, PPPMConfig

WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"
FORMAT = "revision-pppm/1"


def save_pppm(model: PPPM, folder: str | os.PathLike, training: dict[str, Any] | None = None) -> Path:
    """Write ``folder/model.safetensors`` + ``folder/config.json``; returns the folder."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(folder / WEIGHTS_NAME), metadata={"format": FORMAT})
    meta = {"format": FORMAT, "pppm": model.config.to_dict(), "training": training or {}}
    (folder / CONFIG_NAME).write_text(json.dumps(meta, indent=2) + "\n")
    return folder


def read_config(folder: str | os.PathLike) -> dict[str, Any]:
    """The parsed ``config.json`` of a checkpoint folder."""
    path = Path(folder) / CONFIG_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: a PPPM checkpoint folder holds {WEIGHTS_NAME} and {CONFIG_NAME}")
    meta = json.loads(path.read_text())
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path} is not a PPPM checkpoint (format {meta.get('format')!r}, expected {FORMAT!r})")
    return meta


def tiny_random_pppm(text_dim: int = 384, seed: int = 0) -> PPPM:
    """A randomly initialised small PPPM (plumbing checks; ``--weights tiny-random``)."""
    torch.manual_seed(seed)
    return PPPM(PPPMConfig(d_model=32, num_layers=1, num_heads=2, text_dim=text_dim)).eval()


def load_pppm(path: str | os.PathLike | None = None, device: str | torch.device = "cpu") -> PPPM:
    """Load a PPPM checkpoint folder (None → ``REVISION_PPPM_WEIGHTS`` → embedded ``pppm_mini``).

    Raises :class:`revision.weights.WeightsNotFoundError` (a ``FileNotFoundError``) when nothing is found.
    """
    from safetensors.torch import load_file

    from revision.weights import WeightsNotFoundError, resolve

    where = resolve("pppm", path)
    if where.source == "random":
        return tiny_random_pppm().to(device)
    folder = Path(where.location)
    if folder.is_file() and folder.name == WEIGHTS_NAME:
        folder = folder.parent
    if not (folder / WEIGHTS_NAME).is_file():
        raise WeightsNotFoundError(
            f"PPPM weights {folder / WEIGHTS_NAME} not found ({where.describe()}). Train them with "
            "`python -m revision.training.train_pppm --help` or pass a folder holding model.safetensors + config.json."
        )
    meta = read_config(folder)
    model = PPPM(PPPMConfig.from_dict(meta["pppm"]))
    missing, unexpected = model.load_state_dict(load_file(str(folder / WEIGHTS_NAME)), strict=False)
    if missing or unexpected:
        raise ValueError(f"PPPM checkpoint {folder} does not match its config: missing {missing}, unexpected {unexpected}")
    model.source = where.describe()  # shown by the UI
    model.training_meta = meta.get("training", {})
    return model.eval().to(device)
