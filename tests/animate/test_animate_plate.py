"""The background plate: the hole is filled, pixels outside it are the photo's own."""

from __future__ import annotations

import numpy as np
import pytest

from revision.animate.plate import background_plate, band_for, push_pull_fill

needs_xphoto = pytest.mark.skipif(
    not hasattr(__import__("cv2"), "xphoto"), reason="OpenCV contrib (cv2.xphoto) not installed"
)
XPHOTO = [pytest.param(m, marks=needs_xphoto) for m in ("fsr_fast", "shiftmap")]


@pytest.mark.parametrize("method", ["telea+pushpull", "telea", "ns", "pushpull", *XPHOTO])
def test_plate_fills_the_hole_and_keeps_the_rest(method):
    """Every fill leaves no unfilled pixel and the photo outside the hole as it is; all but ``shiftmap`` continue
    each half's colour into its half of the hole (shiftmap's few offsets put the lower half's blue at the top)."""
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
    if method == "shiftmap":
        return
    top, bottom = plate[32:55, 90:110].reshape(-1, 3).mean(0), plate[65:88, 90:110].reshape(-1, 3).mean(0)
    assert np.abs(top - (202, 182, 42)).max() < 40 and np.abs(bottom - (32, 92, 162)).max() < 40


def test_push_pull_is_exact_outside_and_constant_on_a_constant_image():
    img = np.full((33, 47, 3), 77.0, np.float32)
    hole = np.zeros((33, 47), bool)
    hole[5:30, 10:40] = True
    out = push_pull_fill(np.where(hole[..., None], 0, img), hole)
    assert np.allclose(out, 77.0, atol=1e-3)


def _striped(H: int = 256, W: int = 256) -> np.ndarray:
    rng = np.random.default_rng(0)
    img = np.full((H, W, 3), 200, np.uint8)
    for x in range(0, W, 16):
        img[:, x : x + 8] = (180, 30, 40)  # a flag's stripes above
    img[H // 2 :] = (120, 120, 130)
    return (img + rng.integers(0, 6, img.shape)).astype(np.uint8)


def test_big_hole_is_filled_without_streaks():
    """Telea alone draws the stripes on the hole's edge deep into a person-sized hole; the blend keeps Telea
    along the edge and is smooth inside."""
    img = _striped()
    hole = np.zeros(img.shape[:2], bool)
    hole[40:220, 60:200] = True
    telea = background_plate(img, hole, method="telea")
    blend = background_plate(img, hole, method="telea+pushpull")
    assert np.array_equal(blend[~hole], img[~hole])

    def streaks(p):  # mean horizontal + vertical gradient in the hole's centre
        c = p[90:170, 90:170].astype(np.float64)
        return np.abs(np.diff(c, axis=1)).mean() + np.abs(np.diff(c, axis=0)).mean()

    assert streaks(telea) > 2.0  # the streaks this fixes
    assert streaks(blend) < 0.25 * streaks(telea)
    band = int(band_for(*img.shape[:2]))
    edge = np.zeros_like(hole)
    edge[40 : 40 + band // 2, 60:200] = True  # along the hole's top edge: Telea's continuation is kept
    assert np.abs(blend[edge].astype(int) - telea[edge].astype(int)).max() <= 1


def test_thin_hole_is_telea_exactly():
    """A hole no wider than twice the band (a small person, a thin margin) gets Telea's fill unchanged."""
    img = _striped()
    hole = np.zeros(img.shape[:2], bool)
    hole[100:150, 120:130] = True
    blend = background_plate(img, hole, method="telea+pushpull")
    assert np.array_equal(blend, background_plate(img, hole, method="telea"))


def test_a_mask_short_of_the_person_leaves_no_fringe_in_the_plate():
    """The mask misses the person's last 2 px (a jersey's edge) and a dark shadow pocket touches it: the hole's
    margin (long side / 100) swallows both, so the fill continues neither into the hole (no streak, no blob)."""
    from revision.animate import AnimateConfig, PhotoAnimator
    from revision.animate.config import plate_dilate_for
    from revision.types import Camera, MotionSequence, Track

    H, W = 200, 256
    cam = Camera.from_image_size(W, H)
    photo = np.zeros((H, W, 3), np.uint8)
    photo[:] = (60, 170, 60)  # grass
    photo[60:140, 100:160] = (30, 40, 220)  # the blue "person"
    photo[140:142, 120:135] = (5, 5, 5)  # a shadow pocket at its feet, outside its mask
    mask = np.zeros((H, W), bool)
    mask[62:138, 102:158] = True  # 2 px short on every side
    z = 3.0
    x0, x1, y0, y1 = ((np.array([101.5, 158.5, 61.5, 138.5]) - [cam.cx, cam.cx, cam.cy, cam.cy]) * z
                      / np.array([cam.fx, cam.fx, cam.fy, cam.fy]))  # fmt: skip
    ring = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    outline = np.concatenate([np.linspace(ring[i], ring[(i + 1) % 4], 4, endpoint=False) for i in range(4)])
    pts = np.concatenate([outline, ring, [ring.mean(0)]])
    pts = np.concatenate([pts, np.full((21, 1), z)], 1).astype(np.float32)
    move = pts[None] + np.array([[0, 0, 0], [1.0, 0, 0]], np.float32)[:, None]  # it leaves to the right
    track = Track(1, "object", {"points": move}, np.ones(2, np.float32), label="box")
    an = PhotoAnimator(photo, MotionSequence([track], cam, 2), person_masks={1: mask}, config=AnimateConfig())
    assert plate_dilate_for(an.config, H, W) == 3
    hole = an.binding.hole
    assert hole[60:140, 100:160].all() and hole[140:142, 120:135].all()  # the fringe and the shadow pocket
    inside = an.plate[hole].astype(int)
    assert (inside[:, 2] - inside[:, 1] > 20).sum() == 0  # no blue streak: the fill is grass
    assert inside.max(-1).min() > 40  # no dark blob


def _street(sign: bool = True, sign_size: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """Light asphalt, a person-sized hole, a small cyan sign touching its right edge (inside the picture)."""
    rng = np.random.default_rng(1)
    img = np.full((160, 240, 3), (205, 206, 200), np.uint8)
    hole = np.zeros(img.shape[:2], bool)
    hole[40:130, 90:130] = True
    if sign:  # cyan with a white rim (vtest's "fire assembly point" sign), beside the hole
        img[58 : 62 + sign_size, 130 : 134 + sign_size] = (225, 250, 247)
        img[60 : 60 + sign_size, 132 : 132 + sign_size] = (133, 224, 229)
    img = (img + rng.integers(0, 5, img.shape)).astype(np.uint8)
    img[hole] = 0
    return img, hole


def _cyan(p: np.ndarray, tint: int) -> np.ndarray:
    return p[..., 2].astype(int) - p[..., 0].astype(int) > tint


@pytest.mark.parametrize("method", ["telea+pushpull", "telea", "pushpull"])
def test_a_small_thing_beside_the_hole_is_not_continued_into_it(method):
    """vtest: the cyan sign beside two walkers was filled into their hole (a pale cyan ghost a walker left
    behind); the fill takes its colours from the surroundings, not from a small thing beside the hole."""
    img, hole = _street()
    every = background_plate(img, hole, method=method, sources="all")
    plate = background_plate(img, hole, method=method)
    assert _cyan(every[hole], tint=20).sum() > 200  # what this fixes (all sources: the sign's colour goes in)
    assert _cyan(plate[hole], tint=12).sum() == 0  # not even a tint (its white rim is left out too)
    assert np.array_equal(plate[~hole], img[~hole])  # the sign itself stays in the plate
    assert np.abs(plate[hole].astype(int) - (207, 208, 202)).max() < 25


@needs_xphoto
def test_fsr_fill_takes_no_colour_from_a_small_thing_beside_the_hole():
    """FSR draws the sign's cyan into the hole too (a shorter way in than Telea's: 95 px with a tint over 20,
    368 for Telea + push-pull); the foreign-sources step applies to it, so not even a tint goes in."""
    img, hole = _street()
    every = background_plate(img, hole, method="fsr_fast", sources="all")
    plate = background_plate(img, hole, method="fsr_fast")
    assert _cyan(every[hole], tint=20).sum() > 50  # what the step prevents
    assert _cyan(plate[hole], tint=5).sum() == 0
    assert np.array_equal(plate[~hole], img[~hole])  # the sign itself stays in the plate
    assert np.abs(plate[hole].astype(int) - (207, 208, 202)).max() < 25


def test_background_cut_by_the_picture_edge_is_still_a_source():
    """A region that runs out of the picture (grass below the street, a flag behind a portrait) is background
    behind the person: its colour is continued into the hole even when it is smaller than the hole."""
    img, hole = _street(sign=False)
    img[125:, 85:140] = (60, 140, 50)  # grass at the hole's foot, down to the bottom edge
    img[hole] = 0
    assert (img[125:, 85:140] > 0).all(axis=-1).sum() < 0.5 * hole.sum()  # smaller than half the hole
    plate = background_plate(img, hole, method="telea+pushpull")
    assert np.array_equal(plate, background_plate(img, hole, method="telea+pushpull", sources="all"))
    assert (plate[hole][:, 1].astype(int) - plate[hole][:, 0] > 40).sum() > 20  # the grass goes on into it


def test_plate_sources_are_checked():
    img, hole = _street()
    with pytest.raises(ValueError, match="sources"):
        background_plate(img, hole, sources="nearest")


def _textured(kind: str) -> tuple[np.ndarray, np.ndarray]:
    """A 192×256 textured background (diagonal stripes or blurred noise, tinted) and a person-sized hole."""
    import cv2

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:192, :256]
    if kind == "stripes":
        g = 128 + 60 * np.sign(np.sin(2 * np.pi * (xx + 0.5 * yy) / 14))
    else:
        g = 128 + 40 * cv2.GaussianBlur(rng.normal(0, 1, (192, 256)).astype(np.float32), (0, 0), 1.5) / 0.19
    img = np.stack([g, 0.8 * g + 20, 0.6 * g + 40], -1) + rng.normal(0, 3, (192, 256, 3))
    hole = np.zeros((192, 256), bool)
    hole[50:150, 100:150] = True
    return np.clip(img, 0, 255).astype(np.uint8), hole


@needs_xphoto
@pytest.mark.parametrize("kind", ["stripes", "noise"])
def test_fsr_fill_recovers_texture_that_push_pull_blurs(kind):
    """A person leaves a textured ground: the old fill (Telea at the edge, push-pull inside) draws a smooth blur
    there (the ghost of the person's shape); FSR continues the texture, closer to the truth and as busy."""
    from benchmarks.plate_bench import score

    truth, hole = _textured(kind)
    img = np.where(hole[..., None], 0, truth).astype(np.uint8)
    old = score(background_plate(img, hole, method="telea+pushpull"), truth, hole)
    new = score(background_plate(img, hole, method="fsr_fast"), truth, hole)
    assert old["texture"] < 0.4  # the blur this replaces: under 40 % of the truth's gradient energy
    if kind == "stripes":  # a regular texture is continued (measured: 20.6 vs 13.4 dB, SSIM 0.80 vs 0.10,
        # texture 0.79 vs 0.35)
        assert new["psnr"] > old["psnr"] + 4.0 and new["ssim"] > old["ssim"] + 0.4
        assert new["texture"] > old["texture"] + 0.3
    else:  # noise cannot be predicted: busier (0.32 vs 0.20) at about the blur's PSNR (17.8 vs 17.9 dB)
        assert new["texture"] > 1.4 * old["texture"]
        assert new["psnr"] > old["psnr"] - 0.5


@needs_xphoto
def test_fsr_fill_is_the_default_and_works_at_the_size_cap():
    """The default plate is FSR; a hole over the pixel cap is filled at a smaller working size, still fully."""
    from revision.animate import AnimateConfig
    from revision.animate.plate import XPHOTO_MAX_HOLE_PX, working_scale

    assert AnimateConfig().inpaint == "fsr_fast"
    truth, _ = _textured("stripes")
    big = np.zeros(truth.shape[:2], bool)
    big[10:180, 30:230] = True  # 34,000 px in one piece: over the cap
    assert big.sum() > XPHOTO_MAX_HOLE_PX
    s = working_scale(big, "fsr_fast", 512)
    assert s < 1 and big.sum() * s**2 <= XPHOTO_MAX_HOLE_PX * 1.001
    apart = np.zeros_like(big)  # as many pixels in holes under the cap each: no smaller than max_side asks
    for x0 in range(0, 240, 40):
        apart[20:90, x0 : x0 + 30] = apart[100:170, x0 : x0 + 30] = True
    assert apart.sum() > XPHOTO_MAX_HOLE_PX and working_scale(apart, "fsr_fast", 512) == 1.0
    assert working_scale(big, "telea+pushpull", 512) == 1.0  # the cap is the xphoto methods' only
    img = np.where(big[..., None], 0, truth).astype(np.uint8)
    plate = background_plate(img, big)
    assert np.array_equal(plate[~big], img[~big])
    assert plate[big].max(-1).min() > 20  # no unfilled (black) pixel


def test_xphoto_missing_is_a_clear_error(monkeypatch):
    import cv2

    monkeypatch.delattr(cv2, "xphoto", raising=False)
    img, hole = _street()
    with pytest.raises(ImportError, match="opencv-contrib-python"):
        background_plate(img, hole, method="fsr_fast")


@needs_xphoto
@pytest.mark.parametrize("size", [(147, 117), (199, 131), (101, 77)])
def test_fsr_fill_of_a_hole_at_the_picture_edge_has_no_saturated_blocks(size):
    """cv2.xphoto's FSR, on a picture whose sides are not multiples of its block grid, fills a hole that runs
    out of the picture's bottom with saturated blocks (pure green; 24-72 pixels with a channel under 40 here,
    seen in the ball-and-body scene); the fill reflects the picture by 8 px and pads it to a multiple of 8."""
    import cv2

    H, W = size
    g = np.random.default_rng(3).uniform(80, 180, (8, 6, 3)).astype(np.float32)
    img = cv2.resize(g, (W, H), interpolation=cv2.INTER_CUBIC).clip(80, 180).astype(np.uint8)
    hole = np.zeros((H, W), bool)
    hole[H // 3 :, W // 2 - 12 : W // 2 + 12] = True
    src = np.where(hole[..., None], 0, img[..., ::-1]).astype(np.uint8)
    raw = np.zeros_like(src)
    cv2.xphoto.inpaint(src, (~hole).astype(np.uint8), raw, cv2.xphoto.INPAINT_FSR_FAST)
    assert (raw[hole] < 40).any(-1).sum() > 20  # what the padding prevents
    plate = background_plate(img, hole)
    assert plate[hole].min() > 60  # the picture's colours lie in 80..180
    assert np.array_equal(plate[~hole], img[~hole])
