"""The object the person interacts with, in the UI: the user's box text ↔ boxes, and the preview that shows
what S2 found (and what the user marked) on the photo.

Boxes are ``x0,y0,x1,y1`` in the pixels of the photo as the pipeline receives it (the upload, downscaled only
when over the upload limits — the preview shows exactly that image, with pixel rulers along two edges);
several boxes are separated by ``;``. They go to the pipeline's ``objects=`` argument unchanged. (A click on
a static ``gr.Image`` raises no select event in gradio 6.31, so the box is typed, not clicked; a stroke in the
palette's object colour on the target-pose sketchpad marks an object too, S2 reads it.)
"""

from __future__ import annotations

import re

import PIL.Image
import PIL.ImageDraw

from demo.convert import UserInputError

FOUND_COLOUR = (255, 214, 0)  # what S2 found
MARK_COLOUR = (255, 0, 200)  # the user's box
_NUM = r"\s*(-?\d+(?:\.\d+)?)\s*"
_BOX = re.compile(rf"^{_NUM},{_NUM},{_NUM},{_NUM}$")


def parse_boxes(text: str | None, size: tuple[int, int]) -> list[tuple[float, float, float, float]]:
    """``"x0,y0,x1,y1; ..."`` → boxes inside the ``size`` = (W, H) photo; '' → []. Raises :class:`UserInputError`
    naming the bad box and what to write instead (never silently clipped or reordered)."""
    W, H = size
    out = []
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        m = _BOX.match(part)
        if m is None:
            raise UserInputError(f"Object box {part.strip()!r}: write four numbers x0,y0,x1,y1 (pixels of the "
                                 "photo: read it off the rulers on 'Objects on the photo'; several boxes separated by ';').")  # fmt: skip
        x0, y0, x1, y1 = (float(v) for v in m.groups())
        if not (x1 > x0 and y1 > y0):
            raise UserInputError(f"Object box {part.strip()!r}: x1 must be larger than x0 and y1 than y0 "
                                 "(top-left corner first, then bottom-right).")  # fmt: skip
        if x0 < 0 or y0 < 0 or x1 > W or y1 > H:
            raise UserInputError(f"Object box {part.strip()!r} reaches outside the {W}x{H} photo.")
        out.append((x0, y0, x1, y1))
    return out


def format_box(box) -> str:
    return ",".join(f"{round(float(v))}" for v in box)


HOW_TO = ("type its box x0,y0,x1,y1 in 'Object box' (read it off the rulers on 'Objects on the photo') or paint over "
          "it in the object colour on the target-pose sketchpad, and generate again")  # fmt: skip


def found_note(found: list[dict]) -> str:
    """One notes line on what S2 found (and how the user corrects it)."""
    if not found:
        return f"Objects on the photo: none found. To mark the object the person interacts with, {HOW_TO}."
    items = "; ".join(f"{o.get('label') or 'object'} at {format_box(o['box'])} ({o.get('how', '?')}, "
                      f"score {float(o.get('score', 0)):.2f})" for o in found)  # fmt: skip
    return f"Objects on the photo: {items}. Wrong or missing? For the right object, {HOW_TO}."


def ruler_step(size: tuple[int, int]) -> int:
    """Pixels between the preview's ruler ticks: 50 up to a long side of 800, else 100."""
    return 50 if max(size) <= 800 else 100


def preview(image: PIL.Image.Image, found: list[dict] | None = None, boxes=(), rulers: bool = True):
    """The photo with S2's found objects (yellow, labelled) and the user's boxes (magenta) drawn on it, and pixel
    rulers along its top and left edges (a tick and its coordinate every :func:`ruler_step` px) to read a box
    off. → PIL image."""
    out = image.convert("RGB").copy()
    d = PIL.ImageDraw.Draw(out)
    w = max(2, round(max(out.size) / 300))
    if rulers:
        step = ruler_step(out.size)
        for x in range(step, out.size[0], step):
            d.line((x, 0, x, 6), fill=(255, 255, 255), width=1)
            d.text((x + 2, 0), str(x), fill=(255, 255, 255), stroke_width=1, stroke_fill=(0, 0, 0))
        for y in range(step, out.size[1], step):
            d.line((0, y, 6, y), fill=(255, 255, 255), width=1)
            d.text((2, y + 1), str(y), fill=(255, 255, 255), stroke_width=1, stroke_fill=(0, 0, 0))
    for o in found or []:
        x0, y0, x1, y1 = (float(v) for v in o["box"])
        d.rectangle((x0, y0, x1 - 1, y1 - 1), outline=FOUND_COLOUR, width=w)
        label = f"{o.get('label') or 'object'} {float(o.get('score', 0)):.2f}"
        d.text((x0 + w, max(0, y0 - 12 - w)), label, fill=FOUND_COLOUR)
    for x0, y0, x1, y1 in boxes:
        d.rectangle((x0, y0, x1 - 1, y1 - 1), outline=MARK_COLOUR, width=w)
    return out
