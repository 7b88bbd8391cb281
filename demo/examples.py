"""Example inputs: real photos that ship inside scikit-image and frames of the synthetic world.

Written once into a folder chosen by the caller (no downloads; nothing at import time).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import PIL.Image


def _photos() -> list[tuple[str, np.ndarray, str, float]]:
    try:
        from skimage import data
    except ImportError:  # scikit-image is optional for the demo
        return []
    return [
        ("astronaut.png", data.astronaut(), "the astronaut raises her right arm and waves", 0.5),
        ("chelsea_cat.png", data.chelsea(), "the cat turns its head", 0.3),
    ]


def _synthetic(seeds: tuple[int, ...]) -> list[tuple[str, np.ndarray, str, float]]:
    from revision.synthetic.world import WorldConfig, make_clip

    out = []
    for seed in seeds:
        shard = make_clip(seed, WorldConfig(size=256, num_frames=2))
        out.append((f"synthetic_{seed}.png", shard.frames[0], shard.caption or "a person moves", 0.6))
    return out


def write_examples(folder: str | Path, synthetic_seeds: tuple[int, ...] = (3, 11)) -> list[list]:
    """Write the example images into ``folder`` (kept if already there) → rows [image path, prompt, strength]."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, array, prompt, strength in _photos() + _synthetic(synthetic_seeds):
        path = folder / name
        if not path.is_file():
            PIL.Image.fromarray(np.asarray(array, np.uint8)).convert("RGB").save(path)
        rows.append([str(path), prompt, strength])
    return rows
