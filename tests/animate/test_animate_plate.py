"""The background plate: the hole is filled, pixels outside it are the photo's own."""

from __future__ import annotations

import numpy as np
import pytest

from revision.animate.plate import background_plate, push_pull_fill


@pytest.mark.parametrize("method", ["telea", "ns", "pushpull"])
def test_plate_fills_the_hole_and_keeps_the_rest(method):
    rng = np.random.default_rng(0)
    photo = np.zeros((120, 200, 3), np.uint8)
    photo[:60] = (200, 180, 40)  # two flat halves
    photo[60:] = (30, 90, 160)
    photo += rng.integers(0, 5, photo.shape, dtype=np.uint8)
    hole = np.zeros((120, 200), bool)
    hole[30:90, 80:120] = True
    photo[hole] = 0  # a black "person"
    plate = background_plate(photo, hole, method=method, max_side=100)  # inpainted at half size
    assert np.array_equal(plate[~hole], photo[~hole])
    assert plate[hole].max(-1).min() > 20  # nothing black left inside
    top, bottom = plate[32:55, 90:110].reshape(-1, 3).mean(0), plate[65:88, 90:110].reshape(-1, 3).mean(0)
    assert np.abs(top - (202, 182, 42)).max() < 40 and np.abs(bottom - (32, 92, 162)).max() < 40


def test_push_pull_is_exact_outside_and_constant_on_a_constant_image():
    img = np.full((33, 47, 3), 77.0, np.float32)
    hole = np.zeros((33, 47), bool)
    hole[5:30, 10:40] = True
    out = push_pull_fill(np.where(hole[..., None], 0, img), hole)
    assert np.allclose(out, 77.0, atol=1e-3)
