"""Per-frame work on every CPU core: frames are independent, and the work that renders them (numpy's array
loops, OpenCV) runs without Python's global interpreter lock, so threads render several frames at once.

:func:`map_frames` yields ``fn(0), fn(1), …`` in order, computed by a pool of ``workers`` threads (results
are the same as one at a time: each frame's work reads shared inputs and writes only its own arrays).

Work made of many tiny ops (a fit's Adam steps: thousands of small torch and numpy calls) holds the interpreter
lock most of the time, and threads run it hardly faster than one after the other: :func:`fork_call` and
:func:`map_forked` run it in forked child processes instead (Linux), which start as copies of this process and
send back only their pickled result.
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


class Forked:
    """``fn(*args)`` running in a forked child process (:func:`fork_call`): another core, and no interpreter
    lock shared with this process, for work made of many tiny ops (a fit's Adam steps) that threads would
    serialise. Only its pickled return value comes back."""

    def __init__(self, process, conn) -> None:
        self._process, self._conn = process, conn

    def result(self, timeout: float | None = None) -> tuple[bool, object]:
        """(True, value) once the child returned; (False, why) if it raised, died or took over ``timeout``
        seconds (it is then stopped)."""
        try:
            if not self._conn.poll(timeout):
                self.cancel()
                return False, f"no result after {timeout} s"
            ok, value = self._conn.recv()
        except (EOFError, OSError) as e:  # the child died without an answer
            ok, value = False, f"child ended without a result ({e!r})"
        self._conn.close()
        self._process.join(timeout=5)
        return ok, value

    def cancel(self) -> None:
        """Stop the child (its result is no longer wanted)."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join(timeout=5)
        self._conn.close()


def _child(conn, fn: Callable, args: tuple) -> None:
    try:
        out = (True, fn(*args))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which decides
        out = (False, repr(e))
    conn.send(out)
    conn.close()


def fork_call(fn: Callable[..., T], *args) -> Forked | None:
    """Start ``fn(*args)`` in a forked child process (Linux only: the child starts as a copy of this process,
    so ``fn`` may be a closure over tensors and arrays); None where that is not possible (no ``fork`` start
    method, a daemonic process, no process left) — the caller then computes it itself. The child computes and
    returns; it touches no file, socket or model the parent has open."""
    import multiprocessing as mp
    import sys

    if not sys.platform.startswith("linux") or "fork" not in mp.get_all_start_methods():
        return None
    ctx = mp.get_context("fork")
    try:
        recv, send = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_child, args=(send, fn, args), daemon=True, name="revision-fork")
        process.start()
    except (AssertionError, OSError):  # daemonic processes may not have children; out of processes
        return None
    send.close()
    return Forked(process, recv)


def map_forked(fn: Callable[[int], T], n: int, workers: int | None = None) -> Iterator[T]:
    """``fn(i)`` for ``i`` in ``range(n)``, in order, each computed in a forked child process
    (:func:`fork_call`), :func:`cpu_workers` of them at once: for work that holds the interpreter lock too much
    for threads (many tiny ops). An item whose child cannot start or fails is computed in this process, so its
    error is raised here, as one at a time would raise it."""
    k = min(cpu_workers(workers), max(n, 1))
    if k <= 1:
        yield from (fn(i) for i in range(n))
        return
    running: dict[int, Forked | None] = {}
    started = 0
    try:
        for i in range(n):
            while started < n and len(running) < k:
                running[started] = fork_call(fn, started)
                started += 1
            run = running.pop(i)
            if run is not None:
                ok, value = run.result()
                if ok:
                    yield value
                    continue
            yield fn(i)
    finally:  # the caller stopped early (or raised): no child is left running
        for run in running.values():
            if run is not None:
                run.cancel()
