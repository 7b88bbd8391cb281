"""revision.io: bounded image decoding without process-wide state, GIFs that keep every frame, clean video errors."""

from __future__ import annotations

import os
import warnings

import numpy as np
import PIL.Image
import PIL.ImageFile
import PIL.JpegImagePlugin
import pytest

from revision.io import ImageReadError, VideoReadError, read_image, read_video, write_video
from revision.types import Clip


def _photo(w: int = 400, h: int = 300, noise: float = 4.0) -> np.ndarray:
    """Smooth content with some texture (resampling comparisons are meaningful on it) plus pixel noise."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([x / w * 255, y / h * 255, (np.sin(x / 17) * np.cos(y / 23) + 1) * 127], -1)
    return np.clip(base + rng.normal(0, noise, base.shape), 0, 255).astype(np.uint8)


def _save(path, arr: np.ndarray, **kw):
    PIL.Image.fromarray(arr).save(path, **kw)
    return path


# --- read_image: our limit from the header, never PIL.Image.MAX_IMAGE_PIXELS --------------------------------


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_read_image_neither_reads_nor_changes_the_global_pixel_limit(tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(PIL.Image, "MAX_IMAGE_PIXELS", 10_000)  # PIL alone would refuse 400x300 (> 2 x 10,000)
    path = _save(tmp_path / f"a{suffix}", _photo())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DecompressionBombWarning either
        image = read_image(path, max_pixels=200_000)
    assert image.size == (400, 300) and image.mode == "RGB"
    assert PIL.Image.MAX_IMAGE_PIXELS == 10_000
    with pytest.raises(ImageReadError, match=r"image too large \(400x300"):
        read_image(path, max_pixels=100_000)
    mislabelled = tmp_path / f"other{'.jpg' if suffix == '.png' else '.png'}"
    mislabelled.write_bytes(path.read_bytes())  # the content's format, not the suffix, decides
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_image(mislabelled, max_pixels=200_000, max_side=200).size == (200, 150)
    assert PIL.Image.MAX_IMAGE_PIXELS == 10_000


def test_read_image_refuses_by_header_before_decoding(tmp_path, monkeypatch):
    path = _save(tmp_path / "a.png", _photo())

    def no_decoding(self):
        raise AssertionError("decoded an image that is over the limit")

    monkeypatch.setattr(PIL.ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(ImageReadError, match="too large"):
        read_image(path, max_pixels=1000)


def test_read_image_errors_name_the_file(tmp_path):
    (tmp_path / "notes.png").write_text("not an image")
    (tmp_path / "empty.jpg").write_bytes(b"")
    good = _save(tmp_path / "good.png", _photo()).read_bytes()
    (tmp_path / "cut.png").write_bytes(good[: len(good) // 2])
    for name, why in (("notes.png", "not a readable image"), ("empty.jpg", "not a readable image"),
                      ("cut.png", "not a readable image"), ("missing.png", "no such file")):  # fmt: skip
        with pytest.raises(ImageReadError, match=why) as e:
            read_image(tmp_path / name, max_side=64)
        assert str(tmp_path / name) in str(e.value) and "\n" not in str(e.value)


# --- read_image(max_side=...): decode downscaled ------------------------------------------------------------


def test_max_side_decodes_a_jpeg_at_reduced_scale(tmp_path, monkeypatch):
    path = _save(tmp_path / "a.jpg", _photo(1000, 600), quality=95)
    decoded_at = []
    load = PIL.JpegImagePlugin.JpegImageFile.load

    def spy(self):
        decoded_at.append(self.size)
        return load(self)

    monkeypatch.setattr(PIL.JpegImagePlugin.JpegImageFile, "load", spy)
    image = read_image(path, max_side=256)
    assert image.size == (256, 154) and image.mode == "RGB"
    assert image.info["source_size"] == (1000, 600)
    assert decoded_at and decoded_at[0] == (500, 300)  # the JPEG decoder's 1/2 scale: never 1000x600 in memory
    full = PIL.Image.open(path).convert("RGB").resize((256, 154), PIL.Image.Resampling.LANCZOS)
    assert np.abs(np.asarray(image, np.int16) - np.asarray(full, np.int16)).mean() < 3


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P", "L"])
def test_max_side_downscales_other_formats_like_a_plain_resize(tmp_path, mode):
    arr = _photo(900, 500)
    src = PIL.Image.fromarray(arr).convert(mode)
    path = tmp_path / "a.png"
    src.save(path)
    image = read_image(path, max_side=300)
    assert image.size == (300, 167) and image.mode == "RGB"
    assert image.info["source_size"] == (900, 500)
    ref = src.convert("RGB").resize((300, 167), PIL.Image.Resampling.LANCZOS)
    assert np.abs(np.asarray(image, np.int16) - np.asarray(ref, np.int16)).mean() < 3
    assert read_image(path, max_side=300, mode="RGBA").mode == "RGBA"


def test_max_side_leaves_small_images_and_none_alone(tmp_path):
    arr = _photo(400, 300)
    path = _save(tmp_path / "a.png", arr)
    for max_side in (None, 400, 5000):
        image = read_image(path, max_side=max_side)
        assert image.size == (400, 300) and np.array_equal(np.asarray(image), arr)
        assert image.info["source_size"] == (400, 300)
    portrait = _save(tmp_path / "p.png", _photo(300, 400))
    assert read_image(portrait, max_side=100).size == (75, 100)
    with pytest.raises(ValueError, match="max_side"):
        read_image(path, max_side=0)


# --- video files ----------------------------------------------------------------------------------------------


def test_gif_keeps_repeated_and_near_identical_frames_with_their_durations(tmp_path):
    # Pillow's GIF writer merges consecutive frames that are (or quantise to) the same image into one longer frame
    frames = np.zeros((8, 16, 24, 3), np.uint8)
    frames[3:6] = 200
    frames[6] = 201
    frames[7, :, :12] = 90
    path = write_video(tmp_path / "still.gif", frames, fps=10)
    with PIL.Image.open(path) as im:
        assert im.n_frames == 8
        durations = []
        for i in range(im.n_frames):
            im.seek(i)
            durations.append(im.info["duration"])
    assert durations == [100] * 8
    clip = read_video(path)
    assert clip.frames.shape == (8, 16, 24, 3) and clip.fps == pytest.approx(10.0)
    assert np.array_equal(clip.frames, frames)  # few colours: the palette holds them exactly
    # 8 fps is 12.5 centiseconds: GIF stores 13/12 alternately, every frame still there and the total kept
    clip8 = read_video(write_video(tmp_path / "eight.gif", Clip(frames, fps=8)))
    assert clip8.num_frames == 8 and abs(clip8.fps - 8) < 0.2


def test_mp4_round_trip_and_frame_checks(tmp_path):
    frames = np.repeat(_photo(32, 24, noise=0)[None], 5, 0)  # no pixel noise: yuv420p halves the chroma resolution
    frames[2:] = 255 - frames[2:]
    clip = read_video(write_video(tmp_path / "a.mp4", frames, fps=8, crf=0))
    assert clip.frames.shape == (5, 24, 32, 3) and clip.fps == 8.0
    own = np.abs(clip.frames.astype(np.int16) - frames).mean(axis=(1, 2, 3))
    other = np.abs(clip.frames.astype(np.int16) - (255 - frames)).mean(axis=(1, 2, 3))
    # crf 0 is lossless H.264, but yuv420p halves the chroma resolution: ~3.3 levels on this colourful 32x24 pattern
    assert (own < 5).all() and (own * 10 < other).all()
    with pytest.raises(ValueError, match="even height and width"):
        write_video(tmp_path / "odd.mp4", frames[:, :23], fps=8)
    with pytest.raises(ValueError, match=r"\(F, H, W, 3\) uint8"):
        write_video(tmp_path / "f.mp4", frames.astype(np.float32), fps=8)
    assert not (tmp_path / "odd.mp4").exists()


@pytest.mark.parametrize("kind", ["empty", "random", "truncated", "text", "missing"])
@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_unreadable_videos_raise_one_line_naming_the_file(tmp_path, kind, suffix):
    path = tmp_path / f"{kind}{suffix}"
    good = write_video(tmp_path / f"good{suffix}", np.repeat(_photo(32, 24)[None], 6, 0), fps=8).read_bytes()
    data = {"empty": b"", "random": np.random.default_rng(0).bytes(4096), "truncated": good[: len(good) // 3],
            "text": b"hello, I am not a video\n", "missing": None}[kind]  # fmt: skip
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(VideoReadError) as e:
        read_video(path)
    msg = str(e.value)
    assert msg.startswith(f"{path}: ") and "\n" not in msg and len(msg) < 400
    assert isinstance(e.value, ValueError)


def test_unreadable_video_message_says_empty_for_zero_bytes(tmp_path):
    (tmp_path / "z.mp4").write_bytes(b"")
    with pytest.raises(VideoReadError, match="empty file, 0 bytes"):
        read_video(tmp_path / "z.mp4")
    assert os.path.getsize(tmp_path / "z.mp4") == 0


def test_demo_upload_is_decoded_at_most_max_side_with_a_notice(tmp_path):
    from demo.convert import UploadLimits, load_image

    path = _save(tmp_path / "wide.jpg", _photo(3000, 1000), quality=90)
    image, notes = load_image(path, UploadLimits(max_side=2048))
    assert image.size == (2048, 683) and image.mode == "RGB"
    assert notes == ["The image is 3000x1000 (3 MP), longer than the 2048-pixel side limit: downscaled to 2048x683 "
                     "before generation."]  # fmt: skip
    image, notes = load_image(path, UploadLimits(max_side=None))
    assert image.size == (3000, 1000) and notes == []
    image, notes = load_image(path, UploadLimits(max_pixels=1_000_000, max_side=2048))
    assert image.size[0] * image.size[1] <= 1_000_000 and image.size[0] > 1700
    assert notes[0].startswith("The image is 3000x1000 (3 MP), over the 1 MP limit: downscaled to ")
