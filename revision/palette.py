"""The one part palette shared by rendering, sketching, training data and the UI legend.

Ids are stable (they are baked into trained weights through ``ConditionMaps.to_array``).
Quadrupeds (SMAL) reuse the limb ids: front limbs use the arm ids, hind limbs the leg ids,
paws the hand/foot ids; ``tail`` is animal-only; every rigid object uses ``object``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Part:
    id: int
    name: str
    color: tuple[int, int, int]  # RGB, what a user paints with in the sketchpad

    @property
    def hex(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.color)


PARTS: tuple[Part, ...] = (
    Part(1, "head", (230, 25, 75)),
    Part(2, "torso", (60, 180, 75)),
    Part(3, "left_upper_arm", (255, 225, 25)),
    Part(4, "right_upper_arm", (0, 130, 200)),
    Part(5, "left_lower_arm", (245, 130, 48)),
    Part(6, "right_lower_arm", (145, 30, 180)),
    Part(7, "left_hand", (70, 240, 240)),
    Part(8, "right_hand", (240, 50, 230)),
    Part(9, "left_upper_leg", (210, 245, 60)),
    Part(10, "right_upper_leg", (250, 190, 212)),
    Part(11, "left_lower_leg", (0, 128, 128)),
    Part(12, "right_lower_leg", (220, 190, 255)),
    Part(13, "left_foot", (170, 110, 40)),
    Part(14, "right_foot", (128, 0, 0)),
    Part(15, "tail", (170, 255, 195)),
    Part(16, "object", (0, 0, 128)),
)
NUM_PARTS = len(PARTS)  # ids run 1..NUM_PARTS; 0 is background
PART_BY_NAME: dict[str, Part] = {p.name: p for p in PARTS}
PART_BY_ID: dict[int, Part] = {p.id: p for p in PARTS}


def color_table() -> np.ndarray:
    """(NUM_PARTS + 1, 3) uint8: row i is the colour of part id i (row 0 black background)."""
    table = np.zeros((NUM_PARTS + 1, 3), np.uint8)
    for p in PARTS:
        table[p.id] = p.color
    return table


def colorize(part_ids: np.ndarray) -> np.ndarray:
    """Part-id map (..., H, W) int → RGB (..., H, W, 3) uint8 for display."""
    return color_table()[np.clip(part_ids, 0, NUM_PARTS).astype(np.int64)]
