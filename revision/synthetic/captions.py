"""Text prompts generated from the motions of a synthetic clip.

The motion library gives one sentence per track ("a person waves with the right hand"); the caption
joins them and adds an adverb for the motion strength, so text, motion and strength stay consistent.
"""

from __future__ import annotations

STRENGTH_WORDS = ((0.25, "slowly"), (0.5, "calmly"), (0.75, "briskly"), (1.01, "energetically"))


def strength_word(strength: float) -> str:
    """Motion strength 0..1 → adverb (thresholds :data:`STRENGTH_WORDS`)."""
    for limit, word in STRENGTH_WORDS:
        if strength < limit:
            return word
    return STRENGTH_WORDS[-1][1]


def make_caption(sentences: list[str], strength: float) -> str:
    """Per-track sentences + strength → one prompt, e.g. "a person walks forward briskly; a ball ..."."""
    if not sentences:
        return ""
    first = f"{sentences[0]} {strength_word(strength)}"
    return "; ".join([first, *sentences[1:]])
