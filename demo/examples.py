"""Example inputs: real photos (shipped in ``demo/photos`` or inside scikit-image / matplotlib) with motion
prompts, and frames of the synthetic world.

Written once into a folder chosen by the caller (no downloads; nothing at import time). A photo whose
package is missing is left out.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import PIL.Image

PHOTO_DIR = Path(__file__).resolve().parent / "photos"  # sources: demo/photos/SOURCES.md


def _file(name: str) -> Callable[[], Path]:
    return lambda: PHOTO_DIR / name  # copied as is


def _skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from skimage import data

        return np.asarray(getattr(data, name)())

    return load


def _grace_hopper() -> np.ndarray:
    import matplotlib.cbook

    return np.asarray(PIL.Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))


# (file name, loader, prompt, motion strength): real photos of people first, then the cat (no human body)
PHOTOS: tuple[tuple[str, Callable[[], np.ndarray | Path], str, float], ...] = (
    ("astronaut.png", _skimage("astronaut"), "the astronaut raises both arms", 0.7),
    ("messi5.jpg", _file("messi5.jpg"), "he kicks the ball", 0.7),
    ("messi5.jpg", _file("messi5.jpg"), "he raises both arms", 0.7),
    ("basketball1.png", _file("basketball1.png"), "they wave with both hands", 0.7),
    # a head-and-shoulders portrait: her arms are not in the picture, so a wave would happen out of view
    ("grace_hopper.png", _grace_hopper, "she nods", 0.5),
    ("vtest_frame100.jpg", _file("vtest_frame100.jpg"), "the people walk to the left", 0.6),
    ("chelsea_cat.png", _skimage("chelsea"), "the cat turns its head", 0.3),
)


def _synthetic(seeds: tuple[int, ...]) -> list[tuple[str, np.ndarray, str, float]]:
    from revision.synthetic.world import WorldConfig, make_clip

    out = []
    for seed in seeds:
        shard = make_clip(seed, WorldConfig(size=256, num_frames=2))
        out.append((f"synthetic_{seed}.png", shard.frames[0], shard.caption or "a person moves", 0.6))
    return out


def write_examples(folder: str | Path, synthetic_seeds: tuple[int, ...] = (3,)) -> list[list]:
    """Write the example images into ``folder`` (kept if already there) → rows [image path, prompt, strength]."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, load, prompt, strength in PHOTOS:
        path = folder / name
        if not path.is_file():
            try:
                source = load()
            except (ImportError, OSError):  # the package that ships it is not installed
                continue
            if isinstance(source, Path):
                shutil.copyfile(source, path)
            else:
                PIL.Image.fromarray(np.asarray(source, np.uint8)).convert("RGB").save(path)
        rows.append([str(path), prompt, strength])
    for name, array, prompt, strength in _synthetic(synthetic_seeds):
        path = folder / name
        if not path.is_file():
            PIL.Image.fromarray(np.asarray(array, np.uint8)).convert("RGB").save(path)
        rows.append([str(path), prompt, strength])
    return rows
