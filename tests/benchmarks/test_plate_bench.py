"""benchmarks/plate_bench.py: its scores and its hole placement (no fill run, no timing)."""

from __future__ import annotations

import numpy as np

from benchmarks.plate_bench import _place, parse_method, score


def _noise() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (64, 80, 3)).astype(np.uint8)
    hole = np.zeros((64, 80), bool)
    hole[16:48, 24:56] = True
    return img, hole


def test_score_of_the_truth_is_perfect_and_a_blur_scores_as_a_blur():
    import cv2

    img, hole = _noise()
    s = score(img, img, hole)
    assert (
        s["psnr"] >= 99 and abs(s["ssim"] - 1) < 1e-9 and abs(s["texture"] - 1) < 1e-6 and s["ghost"] < 1e-6
    )
    blur = np.where(hole[..., None], cv2.GaussianBlur(img, (0, 0), 4), img)
    b = score(blur, img, hole)
    assert b["texture"] < 0.3 and b["ssim"] < 0.5 and b["psnr"] < s["psnr"]
    flat = np.where(hole[..., None], np.uint8(0), img)  # a black blob: the ghost figure sees it
    assert score(flat, img, hole)["ghost"] > 10 * max(b["ghost"], 1.0)


def test_holes_lie_inside_their_box_and_off_the_forbidden_pixels():
    sil = np.zeros((40, 16), bool)
    sil[:, 4:12] = True
    sil[5:15, :] = True  # arms
    rng = np.random.default_rng(0)
    forbidden = np.zeros((100, 120), bool)
    forbidden[:, :30] = True
    for _ in range(10):
        hole = _place((100, 120), sil, (10, 90, 20, 110), 0.7, 2, rng, forbidden)
        assert hole is not None and hole.any()
        ys, xs = np.nonzero(hole)
        assert ys.min() >= 10 and ys.max() < 90 and xs.min() >= 30 and xs.max() < 110
    assert _place((100, 120), sil, (10, 14, 20, 110), 0.7, 2, rng) is None  # no room


def test_method_specs():
    assert parse_method("fsr_fast") == ("fsr_fast", 512)
    assert parse_method("telea+pushpull@1024") == ("telea+pushpull", 1024)
