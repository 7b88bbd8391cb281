"""Hugging Face Space support: ZeroGPU's ``spaces.GPU`` around the handlers that run the models, when available.

On a ZeroGPU Space the ``spaces`` package is installed and a CUDA device is attached only while a function
decorated with ``spaces.GPU`` runs; elsewhere (this repository's machines, a plain GPU box, a CPU Space)
the package is absent and nothing changes. No model logic here: only the decorator choice.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

GPU_DURATION_S = 120  # ZeroGPU's per-call budget for one generation (its default is 60 s)


def gpu_decorator(duration: int = GPU_DURATION_S) -> Callable[[Callable], Callable] | None:
    """``spaces.GPU(duration=duration)`` when the ``spaces`` package imports, else None (no decoration)."""
    try:
        spaces = importlib.import_module("spaces")
    except ImportError:
        return None
    return spaces.GPU(duration=duration)

