"""Storage suite, run unchanged against SQLite and a real PostgreSQL server (``db_url`` fixture)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import text

from user_study.store import Conflict, Forbidden, Invalid, NotFound, Store, StudyComplete
from user_study.study import study_from_dict

ANS = {"motion_consistency": "left", "amount_of_motion": "right", "motion_realism": "tie", "interaction": "none"}


@pytest.fixture
def store(db_url, demo_study):
    s = Store(db_url, demo_study)
    s.init()
    yield s
    s.dispose()


def test_init_is_idempotent_and_refuses_another_study(store, db_url, demo_study, tmp_path):
    store.init()  # second time: no error, no duplicate design rows
    with store.engine.connect() as c:
        assert c.execute(text("select count(*) from us_pairs")).scalar() == len(demo_study.all_pairs())
    other = study_from_dict({"name": "other", "pairs": [{"id": "x", "a": {"system": "s1", "video": "a.webm"},
                                                          "b": {"system": "s2", "video": "b.webm"}}]}, tmp_path)
    with pytest.raises(Conflict, match="different design"):
        Store(db_url, other).init()
    with pytest.raises(Conflict):
        Store(db_url, other).check()


def test_balanced_allocation_fills_every_pair_exactly(store, demo_study):
    study = demo_study
    seen_by_rater: dict[int, list[str]] = {}
    views = []
    for i in range(200):
        try:
            v = store.open_session("code", f"rater{i}", seed=i)
        except StudyComplete:
            break
        views.append(v)
        mains = [a for a in v.assignments if a.pair_id in {p.id for p in study.pairs}]
        seen_by_rater[i] = [a.pair_id for a in mains]
        for a in v.assignments:
            store.submit_vote(v.token, a.id, ANS, 500, 500)
        assert store.complete_session(v.token)
    counts = Counter()
    for v in views:
        firsts = {}
        for a in v.assignments:
            if a.pair_id in firsts:  # side-swapped repeat: same pair, other side on the left
                assert a.left != firsts[a.pair_id]
            else:
                firsts[a.pair_id] = a.left
                if a.pair_id != "gold_motion":
                    counts[a.pair_id] += 1
        assert "gold_motion" in firsts  # every batch holds its attention check
    assert counts == {p.id: study.raters_per_pair for p in study.pairs}
    assert store.progress()["pairs_complete"] == len(study.pairs)
    with pytest.raises(StudyComplete):
        store.open_session("code", "late-rater")


def test_session_resumes_and_mturk_assignment_is_one_batch(store):
    v1 = store.open_session("mturk", "WORKER1", "ASSIGN1", "HIT1", "https://workersandbox.mturk.com")
    v2 = store.open_session("mturk", "WORKER1", "ASSIGN1", "HIT1", "https://workersandbox.mturk.com")
    assert v1.token == v2.token and v1.assignments == v2.assignments
    v3 = store.open_session("mturk", "WORKER1", "ASSIGN2")
    assert v3.token != v1.token
    assert not {a.pair_id for a in v3.assignments if a.pair_id != "gold_motion"} & \
        {a.pair_id for a in v1.assignments}  # no pair twice for one rater


def test_votes_are_idempotent_and_mapped_to_systems(store, demo_study):
    v = store.open_session("code", "alice", seed=1)
    a = v.assignments[0]
    vote_id = store.submit_vote(v.token, a.id, ANS, 700, 800)
    with pytest.raises(Conflict):
        store.submit_vote(v.token, a.id, {**ANS, "motion_consistency": "right"}, 1, 1)
    rows = [r for r in store.vote_rows() if r["vote_id"] == vote_id]
    assert len(rows) == 4
    pair = demo_study.pair(a.pair_id)
    left_sys = pair.a.system if a.left == "a" else pair.b.system
    right_sys = pair.b.system if a.left == "a" else pair.a.system
    by_q = {r["question_id"]: r for r in rows}
    assert by_q["motion_consistency"]["winner_system"] == left_sys  # first answer kept, not the replay
    assert by_q["amount_of_motion"]["winner_system"] == right_sys
    assert by_q["motion_realism"]["answer"] == "tie" and by_q["interaction"]["answer"] == "none"
    assert rows[0]["left_system"] == left_sys and rows[0]["watch_left_ms"] == 700


def test_concurrent_duplicate_submits_store_one_vote(store):
    v = store.open_session("code", "racer", seed=2)
    a = v.assignments[0]
    results: list[str] = []

    def go():
        try:
            store.submit_vote(v.token, a.id, ANS, 10, 10)
            results.append("ok")
        except Conflict:
            results.append("conflict")

    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * 7 + ["ok"]
    assert store.count_votes() == 1


def test_bad_submissions_store_nothing(store):
    v = store.open_session("code", "bob", seed=3)
    other = store.open_session("code", "carol", seed=4)
    a = v.assignments[0]
    with pytest.raises(NotFound):
        store.submit_vote(v.token, "0" * 24, ANS, 1, 1)
    with pytest.raises(NotFound):  # another rater's assignment
        store.submit_vote(v.token, other.assignments[0].id, ANS, 1, 1)
    with pytest.raises(Invalid):
        store.submit_vote(v.token, a.id, {**ANS, "interaction": "<script>"}, 1, 1)
    with pytest.raises(Invalid):
        store.submit_vote(v.token, a.id, {"motion_consistency": "left"}, 1, 1)
    with pytest.raises(Invalid):
        store.submit_vote(v.token, a.id, {**ANS, "motion_realism": "none"}, 1, 1)  # none not offered
    with pytest.raises(Invalid):
        store.submit_vote(v.token, a.id, ANS, -5, 1)
    with pytest.raises(Invalid):
        store.open_session("code", "<script>alert(1)</script>")
    with pytest.raises(Conflict):
        store.complete_session(v.token)
    assert store.count_votes() == 0


def test_votes_are_append_only_in_the_database(store):
    v = store.open_session("code", "dave", seed=5)
    store.submit_vote(v.token, v.assignments[0].id, ANS, 1, 1)
    for sql in ("update us_votes set watch_left_ms = 0", "delete from us_answers"):
        with pytest.raises(Exception, match="append-only"):
            with store.engine.begin() as c:
                c.execute(text(sql))
    assert store.count_votes() == 1


def test_rater_ids_are_hashed_at_rest(store):
    store.open_session("mturk", "A1B2C3WORKERXYZ", "ASSIGNXYZ")
    store.open_session("code", "secret-code-77")
    with store.engine.connect() as c:
        dump = " ".join(str(r) for t in ("us_raters", "us_sessions") for r in c.execute(text(f"select * from {t}")))
    assert "A1B2C3WORKERXYZ" not in dump and "secret-code-77" not in dump
    assert store.rater_hash("mturk", "A1B2C3WORKERXYZ") in dump


def test_rater_codes_whitelist(db_url, demo_dir):
    from dataclasses import replace

    from user_study.study import load_study

    study = replace(load_study(demo_dir / "study.yaml"), rater_codes=("ok-code",))
    s = Store(db_url, study)
    s.init()
    assert s.open_session("code", "ok-code").assignments
    with pytest.raises(Forbidden):
        s.open_session("code", "not-listed")
    s.dispose()


def test_simulated_votes_roundtrip_to_analysis(store, demo_study):
    import numpy as np

    from user_study.analysis import AnalysisConfig, analyze
    from user_study.demo import simulate_raters

    rng = np.random.default_rng(0)
    strength = {"revision": 1.0, "svd": 0.0, "cogvideox": -0.5, "gold_moving": 0.0, "gold_still": 0.0}
    simulate_raters(store, demo_study, strength, rng)
    rep = analyze(store.vote_rows(), AnalysisConfig(reference="revision", n_boot=200))
    assert {(c.system, c.other) for c in rep.comparisons} == {("revision", "svd"), ("revision", "cogvideox")}
    assert rep.n_main_votes_used == len(demo_study.pairs) * demo_study.raters_per_pair
    inter = next(q for q in rep.questions if q.question == "interaction")
    assert inter.no_interaction > 0 and inter.valid + inter.no_interaction == rep.n_main_votes_used
