"""The object UI (issue 23): what S2 found is shown (a notes line, boxes on the 'Objects on the photo' preview),
and the user's box (typed, read off the preview's rulers) goes to the pipeline's ``objects=`` argument."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np
import PIL.Image
import pytest

from demo import handlers
from demo.convert import UserInputError
from demo.objects import FOUND_COLOUR, MARK_COLOUR, parse_boxes, preview, ruler_step


def _png(path: Path, size=(90, 60)) -> str:
    PIL.Image.new("RGB", size, (40, 120, 60)).save(path)
    return str(path)


def _run(ctx, image: str, prompt: str, s3: str = "animation", boxes: str = "") -> tuple:
    """The generate handler's last yield (what /generate returns), the photo path by default."""
    return list(handlers.generate(ctx, image, prompt, 0.7, None, 0, 0, 0, 0, 0, "full", s3, handlers.new_session(),
                                  boxes))[-1]  # fmt: skip


def test_box_text_parses_and_rejects_what_it_cannot_use():
    assert parse_boxes("", (90, 60)) == [] and parse_boxes(None, (90, 60)) == []
    assert parse_boxes(" 10, 5,30.5,40 ; 0,0,90,60", (90, 60)) == [(10, 5, 30.5, 40), (0, 0, 90, 60)]
    with pytest.raises(UserInputError, match="write four numbers x0,y0,x1,y1"):
        parse_boxes("10 5 30 40", (90, 60))
    with pytest.raises(UserInputError, match="x1 must be larger than x0"):
        parse_boxes("30,5,10,40", (90, 60))
    with pytest.raises(UserInputError, match="reaches outside the 90x60 photo"):
        parse_boxes("10,5,30,61", (90, 60))


def test_found_objects_are_shown_and_a_typed_box_goes_to_the_pipeline(ctx, fake_pipeline, tmp_path):
    image = _png(tmp_path / "a.png")
    yields = list(handlers.generate(ctx, image, "he kicks the ball", 0.7, None, 0, 0, 0, 0, 0, "full", "animation",
                                    handlers.new_session()))  # fmt: skip
    after_s2, out = yields[1], yields[-1]  # shown as soon as S2 hands its result over, and at the end
    assert (
        after_s2[10][0]["box"] == [22.5, 30.0, 32.5, 40.0] and "Objects on the photo: ball at" in after_s2[8]
    )
    found, notes = out[10], out[8]
    assert fake_pipeline.calls[-1]["objects"] is None  # nothing marked: S2 finds it from the prompt
    assert found == [{"track_id": 2, "label": "ball", "box": [22.5, 30.0, 32.5, 40.0], "score": 0.8,
                      "how": "circle + colour"}]  # fmt: skip
    assert "Objects on the photo: ball at 22,30,32,40 (circle + colour, score 0.80)" in notes
    view = np.asarray(handlers.objects_view(ctx, image, found))
    assert view.shape == (60, 90, 3) and tuple(view[35, 22]) == FOUND_COLOUR  # its box drawn on the photo
    # the user corrects it: the box goes to the pipeline in the image's pixels, S2 uses it
    out = _run(ctx, image, "he kicks the ball", boxes="50,10,70,30")
    assert fake_pipeline.calls[-1]["objects"] == [(50.0, 10.0, 70.0, 30.0)]
    assert out[10][0]["box"] == [50.0, 10.0, 70.0, 30.0] and out[10][0]["how"] == "user box"
    view = np.asarray(handlers.objects_view(ctx, image, out[10], "50,10,70,30"))
    assert tuple(view[20, 50]) == MARK_COLOUR  # the user's box over the found one
    # a box that cannot be used is refused before anything runs, with what to write
    calls = len(fake_pipeline.calls)
    with pytest.raises(gr.Error, match="Object box '50,10': write four numbers"):
        _run(ctx, image, "he kicks the ball", boxes="50,10")
    assert len(fake_pipeline.calls) == calls


def test_no_object_line_when_s2_did_not_look_for_one(ctx, tmp_path):
    image = _png(tmp_path / "a.png")
    out = _run(ctx, image, "he waves")  # the prompt names no object, nothing marked
    assert out[10] is None and "Objects on the photo" not in out[8]
    out = _run(
        ctx, image, "he kicks the ball", s3="conditioned"
    )  # S2 perceives the coarse clip: no photo path
    assert out[10] is None and "Objects on the photo" not in out[8]


def test_a_new_photo_clears_the_box_and_shows_the_photo_with_rulers(ctx, tmp_path):
    image = _png(tmp_path / "a.png", (160, 120))
    view, text, found = handlers.new_photo(ctx, image)
    assert isinstance(view, PIL.Image.Image) and view.size == (160, 120) and (text, found) == ("", None)
    px = np.asarray(view)
    assert tuple(px[2, 50]) == (255, 255, 255) and tuple(px[100, 2]) == (
        255,
        255,
        255,
    )  # ticks at x = 50, y = 100
    assert tuple(px[60, 80]) == (40, 120, 60)  # the photo itself elsewhere
    assert handlers.objects_view(ctx, None) is None
    assert ruler_step((1024, 576)) == 100 and ruler_step((548, 342)) == 50


def test_preview_draws_found_and_marked_boxes_in_their_colours():
    img = PIL.Image.new("RGB", (100, 80), (0, 0, 0))
    out = np.asarray(
        preview(img, [{"label": "ball", "box": [10, 10, 30, 30], "score": 0.5}], [(50, 40, 90, 70)])
    )
    assert (
        tuple(out[20, 10]) == FOUND_COLOUR
        and tuple(out[55, 50]) == MARK_COLOUR
        and tuple(out[55, 70]) == (0, 0, 0)
    )


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian chromium is not installed")
def test_browser_a_typed_box_is_drawn_and_generate_sends_it(fake_pipeline, tmp_path):
    """Headless Chromium on the in-process app (fake pipeline): upload, type a box in 'Object box' (drawn on the
    preview), Generate (S3 animation, a prompt naming a ball): the pipeline gets the box, the notes say what S2
    found, and the preview shows it."""
    import socket

    from playwright.sync_api import expect, sync_playwright

    from demo import build_demo

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = build_demo(fake_pipeline, runs_dir=tmp_path / "runs", examples_dir=tmp_path / "examples")
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    image = _png(tmp_path / "a.png", (160, 120))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--headless", "--disable-gpu"])  # fmt: skip
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(demo.local_url)
            page.locator("#first-frame input[type=file]").set_input_files(image)
            view = page.locator("#object-view img")
            expect(view).to_be_visible(timeout=30_000)
            shown = view.get_attribute("src")
            page.locator("#object-box textarea").fill("40,30,120,90")
            page.locator("#object-box textarea").press("Enter")
            expect(view).not_to_have_attribute("src", shown, timeout=30_000)  # redrawn with the box
            page.locator("#prompt textarea").fill("he kicks the ball")
            page.get_by_text("Advanced", exact=True).click()
            page.locator("#s3").get_by_label("animation").check()
            page.locator("#generate").click()
            expect(page.locator("#gen-notes")).to_contain_text("Objects on the photo: ball at 40,30,120,90",
                                                               timeout=60_000)  # fmt: skip
            assert fake_pipeline.calls[-1]["objects"] == [(40.0, 30.0, 120.0, 90.0)]
            assert fake_pipeline.calls[-1]["s3"] == "animation"
            browser.close()
    finally:
        demo.close()
