"""The object UI (issue 23): what S2 found is shown (a notes line, boxes on the 'Objects on the photo' preview),
and the user's box (typed, or two clicks on the preview) goes to the pipeline's ``objects=`` argument."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np
import PIL.Image
import pytest

from demo import handlers
from demo.convert import UserInputError
from demo.objects import FOUND_COLOUR, MARK_COLOUR, corners_to_box, parse_boxes, preview


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
    assert corners_to_box((30, 40), (10, 5)) == (10, 5, 31, 41) and corners_to_box((3, 4), (3, 9)) is None


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


def test_two_clicks_on_the_preview_make_the_box(ctx, tmp_path):
    image = _png(tmp_path / "a.png")
    view, text, corner, found = handlers.new_photo(ctx, image)
    assert (
        isinstance(view, PIL.Image.Image)
        and view.size == (90, 60)
        and (text, corner, found) == ("", None, None)
    )
    text, corner, view = handlers.mark_corner(ctx, image, "", None, None, [40, 30])
    assert text == "" and corner == (40.0, 30.0) and tuple(np.asarray(view)[30, 40]) == MARK_COLOUR  # a cross
    text, corner, view = handlers.mark_corner(ctx, image, text, corner, None, [20, 10])
    assert text == "20,10,41,31" and corner is None
    assert (
        parse_boxes(text, (90, 60)) == [(20, 10, 41, 31)] and tuple(np.asarray(view)[20, 20]) == MARK_COLOUR
    )
    assert handlers.objects_view(ctx, None) is None


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
