"""The object the person interacts with, in the UI: the user's box text ↔ boxes, and the preview that shows
what S2 found (and what the user marked) on the photo.

Boxes are ``x0,y0,x1,y1`` in the pixels of the photo as the pipeline receives it (the upload, downscaled only
when over the upload limits — the preview shows exactly that image, so a click on it gives those pixels);
several boxes are separated by ``;``. They go to the pipeline's ``objects=`` argument unchanged.
"""

from __future__ import annotations

import re

import PIL.Image
import PIL.ImageDraw

from demo.convert import UserInputError

FOUND_COLOUR = (255, 214, 0)  # what S2 found
MARK_COLOUR = (255, 0, 200)  # the user's box (and a first corner)
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
                                 "photo; several boxes separated by ';'), or click two corners on the preview.")  # fmt: skip
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


def corners_to_box(
    a: tuple[float, float], b: tuple[float, float]
) -> tuple[float, float, float, float] | None:
    """Two clicked corners (any order) → (x0, y0, x1, y1), or None when they do not span a box."""
    x0, x1 = sorted((float(a[0]), float(b[0])))
    y0, y1 = sorted((float(a[1]), float(b[1])))
    return (x0, y0, x1 + 1, y1 + 1) if x1 > x0 and y1 > y0 else None


def found_note(found: list[dict]) -> str:
    """One notes line on what S2 found (and how the user corrects it)."""
    if not found:
        return ("Objects on the photo: none found. To mark the object the person interacts with, click two "
                "corners of it on 'Objects on the photo' (or type x0,y0,x1,y1 in 'Object box') and generate again.")  # fmt: skip
    items = "; ".join(f"{o.get('label') or 'object'} at {format_box(o['box'])} ({o.get('how', '?')}, "
                      f"score {float(o.get('score', 0)):.2f})" for o in found)  # fmt: skip
    return (f"Objects on the photo: {items}. Wrong or missing? Click two corners of the right object on 'Objects on "
            "the photo' (or type x0,y0,x1,y1 in 'Object box') and generate again.")  # fmt: skip


def preview(
    image: PIL.Image.Image, found: list[dict] | None = None, boxes=(), corner=None
) -> PIL.Image.Image:
    """The photo with S2's found objects (yellow, labelled), the user's boxes (magenta) and a pending first
    corner (a magenta cross) drawn on it."""
    out = image.convert("RGB").copy()
    d = PIL.ImageDraw.Draw(out)
    w = max(2, round(max(out.size) / 300))
    for o in found or []:
        x0, y0, x1, y1 = (float(v) for v in o["box"])
        d.rectangle((x0, y0, x1 - 1, y1 - 1), outline=FOUND_COLOUR, width=w)
        label = f"{o.get('label') or 'object'} {float(o.get('score', 0)):.2f}"
        d.text((x0 + w, max(0, y0 - 12 - w)), label, fill=FOUND_COLOUR)
    for x0, y0, x1, y1 in boxes:
        d.rectangle((x0, y0, x1 - 1, y1 - 1), outline=MARK_COLOUR, width=w)
    if corner is not None:
        x, y = corner
        r = 4 * w
        d.line((x - r, y, x + r, y), fill=MARK_COLOUR, width=w)
        d.line((x, y - r, x, y + r), fill=MARK_COLOUR, width=w)
    return out
