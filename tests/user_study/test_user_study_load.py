"""Bounded loopback load test (the full-size one is benchmarks/user_study_load.py): concurrent raters,
SIGKILL of the server mid-run, restart, and an exact reconciliation of what clients were told."""

from __future__ import annotations

import pytest

from user_study.demo import write_demo_study
from user_study.loadtest import ServerProcess, check_database, run_load
from user_study.store import Store
from user_study.study import load_study


@pytest.mark.timeout(180)
def test_concurrent_votes_survive_kill9(tmp_path, db_url):
    study_path = write_demo_study(tmp_path / "study", n_inputs=60, batch_size=8, videos="reuse")
    study = load_study(study_path)
    Store(db_url, study).init()
    server = ServerProcess(study_path, db_url)
    server.start()
    try:
        res = run_load(server, study, target_votes=240, concurrency=16, kill_at=120, time_limit_s=120)
    finally:
        server.stop()
    summary = res.summary()
    assert not res.errors, res.errors
    assert res.acked_before_kill >= 120
    assert res.missing_after_restart == 0  # every acknowledged vote survived SIGKILL
    assert res.acked_before_kill <= res.count_after_restart <= res.acked_before_kill + res.in_flight_at_kill + 16
    check = check_database(db_url, study, res)
    assert check == {"db_votes": len(res.acked | res.replayed), "duplicated": 0, "lost": 0, "unexpected": 0,
                     "corrupted": 0}, (check, summary)
    assert len(res.acked | res.replayed) >= 240
    assert summary["p95_ms"] > 0
