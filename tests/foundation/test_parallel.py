"""revision.parallel: per-frame work on several threads gives the sequential results, in order; work in a forked
child comes back (or its failure does)."""

import os
import threading
import time

import numpy as np
import pytest

import revision.parallel as parallel
from revision.parallel import MAX_WORKERS, cpu_workers, fork_call, map_forked, map_frames


def test_map_frames_yields_in_order_and_equals_the_sequential_results():
    def work(i: int) -> np.ndarray:
        rng = np.random.default_rng(i)
        return rng.normal(size=(64, 64)) @ rng.normal(size=(64, 64))

    seq = [work(i) for i in range(9)]
    for workers in (1, 2, 3):
        got = list(map_frames(work, 9, workers))
        assert len(got) == 9 and all(np.array_equal(a, b) for a, b in zip(got, seq))


def test_one_worker_runs_in_the_callers_thread_and_more_run_on_others():
    names = list(map_frames(lambda i: threading.current_thread().name, 4, 1))
    assert set(names) == {threading.current_thread().name}
    names = list(map_frames(lambda i: threading.current_thread().name, 4, 2))
    assert all(n.startswith("revision-frames") for n in names)


def test_an_error_in_a_frame_reaches_the_caller():
    def work(i: int) -> int:
        if i == 2:
            raise RuntimeError("frame 2 failed")
        return i

    with pytest.raises(RuntimeError, match="frame 2"):
        list(map_frames(work, 4, 2))


def test_cpu_workers():
    assert 1 <= cpu_workers() <= MAX_WORKERS
    assert cpu_workers(3) == 3
    with pytest.raises(ValueError, match="workers"):
        cpu_workers(0)
    assert list(map_frames(lambda i: i, 0, 2)) == []


def test_fork_call_returns_the_childs_value_computed_on_the_parents_state():
    state = np.arange(5.0)  # a closure over the parent's arrays: the child starts as a copy of this process
    run = fork_call(lambda k: state * k, 3.0)
    assert run is not None  # Linux
    ok, value = run.result(timeout=60)
    assert ok and np.array_equal(value, state * 3.0)


def test_fork_call_reports_a_raise_and_stops_a_child_past_its_timeout():
    def boom():
        raise ValueError("no")

    ok, why = fork_call(boom).result(timeout=60)
    assert not ok and "ValueError" in why
    slow = fork_call(time.sleep, 60)
    t = time.perf_counter()
    ok, why = slow.result(timeout=0.5)
    assert not ok and "no result" in why and time.perf_counter() - t < 10
    assert not slow._process.is_alive()


def test_map_forked_yields_in_order_from_children_and_computes_here_what_they_could_not():
    parent = os.getpid()
    assert list(map_forked(lambda i: (i * i, os.getpid() != parent), 5, 2)) == [(i * i, True) for i in range(5)]
    assert list(map_forked(lambda i: (i, os.getpid() == parent), 3, 1)) == [(i, True) for i in range(3)]


def test_map_forked_raises_a_failing_items_error_here(monkeypatch):
    def work(i: int) -> int:
        if i == 2:
            raise KeyError("item 2")
        return i

    got = []
    with pytest.raises(KeyError, match="item 2"):
        for v in map_forked(work, 4, 2):
            got.append(v)
    assert got == [0, 1]
    monkeypatch.setattr(parallel, "fork_call", lambda fn, *args: None)  # no fork here: all computed in place
    assert list(map_forked(lambda i: os.getpid(), 3, 2)) == [os.getpid()] * 3
