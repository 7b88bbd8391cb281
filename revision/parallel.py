"""Per-frame work on every CPU core: frames are independent, and the work that renders them (numpy's array
loops, OpenCV) runs without Python's global interpreter lock, so threads render several frames at once.

:func:`map_frames` yields ``fn(0), fn(1), …`` in order, computed by a pool of ``workers`` threads (results
are the same as one at a time: each frame's work reads shared inputs and writes only its own arrays).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

MAX_WORKERS = 4  # a cap (each thread holds a frame's arrays); on 2 cores 3 threads gained nothing over 2
# (docs/experiments.md, 2026-12-03); machines with more cores are not measured


def cpu_workers(workers: int | None = None) -> int:
    """``workers`` if given (≥ 1), else one per CPU this process may use, at most :data:`MAX_WORKERS`."""
    if workers is not None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        return workers
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # (not on every platform)
        n = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, n))


def map_frames(fn: Callable[[int], T], n: int, workers: int | None = None) -> Iterator[T]:
    """``fn(i)`` for ``i`` in ``range(n)``, in order, on :func:`cpu_workers` threads (one: in this thread).
    Iterate the result in the caller's thread (progress reports, writing into arrays) as frames finish."""
    k = min(cpu_workers(workers), max(n, 1))
    if k <= 1:
        yield from (fn(i) for i in range(n))
        return
    with ThreadPoolExecutor(k, thread_name_prefix="revision-frames") as pool:
        yield from pool.map(fn, range(n))
