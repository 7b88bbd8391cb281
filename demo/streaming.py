"""Run a pipeline call in a worker thread and hand its progress and stage results back as events.

``gr.Progress`` is bound to the request's context, so it may only be called on the request's own
thread; the pipeline itself runs in a worker thread and talks to the request thread through a
``queue.Queue``. :func:`stream_call` is a generator of :class:`Event` values (no gradio import, so it is
unit-tested directly); closing it (gradio does when the client cancels or disconnects) stops the
worker at its next progress report.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


class Cancelled(Exception):
    """Raised inside the worker's progress callback when the run must stop (Cancel, or the request went away)."""


@dataclass(frozen=True)
class Event:
    kind: str  # "progress" (fraction, message) | "stage" (name, value) | "done" (result,) | "error" (exception,)
    args: tuple[Any, ...]


def stream_call(
    fn: Callable[..., Any],
    *args: Any,
    should_stop: Callable[[], bool] = lambda: False,
    poll_s: float = 0.5,
    **kwargs: Any,
) -> Iterator[Event]:
    """Call ``fn(*args, progress=..., on_stage=..., **kwargs)`` in a daemon thread; yield its events in order.

    ``progress(fraction, message)`` becomes ``Event("progress", (fraction, message))`` and raises
    :class:`Cancelled` inside the worker once ``should_stop()`` is true or this generator was closed;
    ``on_stage(name, value)`` becomes ``Event("stage", (name, value))``. The last event is
    ``Event("done", (result,))`` or ``Event("error", (exception,))`` — exceptions are handed over, not
    raised, so the caller decides how to present them.
    """
    events: queue.Queue[Event] = queue.Queue()
    closed = threading.Event()

    def progress(fraction: float, message: str) -> None:
        if closed.is_set() or should_stop():
            raise Cancelled()
        events.put(Event("progress", (float(fraction), str(message))))

    def on_stage(name: str, value: Any) -> None:
        events.put(Event("stage", (name, value)))

    def work() -> None:
        try:
            result = fn(*args, progress=progress, on_stage=on_stage, **kwargs)
        except BaseException as e:  # noqa: BLE001 — every failure is handed to the request thread
            events.put(Event("error", (e,)))
        else:
            events.put(Event("done", (result,)))

    worker = threading.Thread(target=work, name="revision-generate", daemon=True)
    worker.start()
    try:
        while True:
            try:
                event = events.get(timeout=poll_s)
            except queue.Empty:
                if not worker.is_alive() and events.empty():  # cannot happen: work() always posts a last event
                    yield Event("error", (RuntimeError("the generation thread ended without a result"),))
                    return
                continue
            yield event
            if event.kind in ("done", "error"):
                return
    finally:
        closed.set()  # on close (cancel / disconnect) the worker stops at its next progress report
