"""transformers' ``CLIPImageProcessor`` without the torchvision fallback notice.

transformers 5 maps ``CLIPImageProcessor`` to a torchvision backend; without torchvision (our CPU
environment, DESIGN.md §4) the first lookup of the name falls back to ``CLIPImageProcessorPil`` and logs
"`CLIPImageProcessor` requires torchvision (not installed); falling back ...". diffusers' SVD pipeline
module looks the name up on import, so every run printed it. This module does that first lookup
itself with the notice filtered out (a filter on that one logger, removed right after), before
diffusers' SVD module is imported (``revision.video_model`` imports this module first). The class is
the same one transformers would hand out: the PIL processor without torchvision, the torchvision one
with it. Nothing else about logging changes.
"""

from __future__ import annotations

import logging

import transformers


class _DropTorchvisionFallbackNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "requires torchvision" not in record.getMessage()


def _lookup_quietly() -> type:
    logger = logging.getLogger("transformers.utils.import_utils")
    notice_filter = _DropTorchvisionFallbackNotice()
    logger.addFilter(notice_filter)
    try:
        return transformers.CLIPImageProcessor
    finally:
        logger.removeFilter(notice_filter)


CLIPImageProcessor = _lookup_quietly()

__all__ = ["CLIPImageProcessor"]
