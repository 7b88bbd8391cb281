"""The real-photo set used by the photo benchmarks and tests (sources: ``demo/photos/SOURCES.md``).

Every photo ships with the repository or inside an installed package: nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import PIL.Image

PHOTO_DIR = Path(__file__).resolve().parent.parent / "demo" / "photos"


@dataclass(frozen=True)
class Photo:
    name: str
    load: Callable[[], np.ndarray]  # → (H, W, 3) uint8 RGB
    people: int  # people a user would expect animated (0 = no person, e.g. the cat)
    prompt: str  # a motion prompt that fits the photo


def _file(name: str) -> Callable[[], np.ndarray]:
    return lambda: np.asarray(PIL.Image.open(PHOTO_DIR / name).convert("RGB"))


def _skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from skimage import data

        a = getattr(data, name)()
        return np.repeat(a[..., None], 3, axis=2) if a.ndim == 2 else np.ascontiguousarray(a[..., :3])

    return load


def _grace_hopper() -> np.ndarray:
    import matplotlib.cbook

    path = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    return np.asarray(PIL.Image.open(path).convert("RGB"))


PHOTOS: tuple[Photo, ...] = (
    Photo("astronaut", _skimage("astronaut"), 1, "the astronaut raises both arms"),
    Photo("grace_hopper", _grace_hopper, 1, "she waves with her right hand"),
    Photo("cameraman", _skimage("camera"), 1, "the man raises both arms"),
    # messi5: the kicker; the crowd and a steward behind him are out of focus (background, not expected)
    Photo("messi5", _file("messi5.jpg"), 1, "he kicks the ball"),
    Photo("basketball1", _file("basketball1.png"), 2, "they wave with both hands"),
    # vtest: 7 people in view: 5 walking in the middle (~100 px tall), one standing behind the sign (head,
    # shoulders and legs visible), one far away on the path at the top left (~28 px tall)
    Photo("vtest_frame100", _file("vtest_frame100.jpg"), 7, "the people walk to the left"),
    Photo("chelsea", _skimage("chelsea"), 0, "the cat turns its head"),
)


def photo(name: str) -> Photo:
    """The photo called ``name`` (KeyError with the known names otherwise)."""
    for p in PHOTOS:
        if p.name == name:
            return p
    raise KeyError(f"unknown photo {name!r}; known: {', '.join(p.name for p in PHOTOS)}")
