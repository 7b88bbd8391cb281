"""Abuse resistance (issue 18 §4): floods, borrowed codes, huge bodies, loose types, leaked secrets.

The flood and code-binding tests run against SQLite and a real PostgreSQL server (``db_url``).
"""

from __future__ import annotations

import json
import re
import socket
import time

import pytest
from fastapi.testclient import TestClient

from user_study.app import AppConfig, create_app
from user_study.store import ReservationPolicy, Store, StudyComplete, TooManyRequests, redact_url
from user_study.study import load_study

ANS = {"motion_consistency": "left", "amount_of_motion": "right", "motion_realism": "tie", "interaction": "none"}
ADMIN = "admin-secret-token"
CFG_RE = re.compile(r'<script id="cfg" type="application/json">(.*?)</script>', re.S)


def _token(resp) -> str | None:  # noqa: ANN001
    m = CFG_RE.search(resp.text)
    return json.loads(m.group(1))["token"] if m else None


def _vote(client, token, aid, **kw):  # noqa: ANN001, ANN202
    body = {"token": token, "assignment_id": aid, "answers": ANS, "watch_left_ms": 600, "watch_right_ms": 640}
    body.update(kw)
    return client.post("/api/vote", json=body)


@pytest.fixture
def make_app(db_url, demo_study):
    stores = []

    def make(study=None, policy=None, **cfg):  # noqa: ANN001, ANN202
        store = Store(db_url, study or demo_study, policy)
        store.init()
        stores.append(store)
        app = create_app(study or demo_study, store, AppConfig(admin_token=ADMIN, **cfg))
        return app, store

    yield make
    for s in stores:
        s.dispose()


# ------------------------------------------------------------------ 1. floods
def test_flood_from_one_address_leaves_work_for_an_honest_rater(make_app, demo_study):
    """Before: 9 fresh codes took every slot for 2 h (the honest rater got "All done", 0 votes)."""
    app, store = make_app()  # default policy: 5 unfinished batches per address per hour
    flooder = TestClient(app, client=("203.0.113.7", 40000))
    statuses = []
    for i in range(40):  # 20 fresh codes, 20 forged MTurk workerIds
        params = {"rater": f"flood{i}"} if i % 2 else {"workerId": f"FAKE{i}", "assignmentId": f"ASG{i}"}
        r = flooder.get("/", params=params)
        statuses.append(r.status_code)
        if r.status_code == 429:
            assert "too many unfinished batches" in r.text and int(r.headers["retry-after"]) > 0
            assert _token(r) is None
    assert statuses.count(200) == 5 and statuses.count(429) == 35, statuses
    assert store.progress()["batches"] == 5  # refused requests stored nothing

    honest = TestClient(app, client=("198.51.100.20", 40001))
    r = honest.get("/", params={"rater": "honest-rater"})
    assert r.status_code == 200
    token = _token(r)
    items = honest.get(f"/api/session/{token}").json()["assignments"]
    assert len(items) == demo_study.batch_size + demo_study.gold_per_batch + demo_study.repeats_per_batch
    for a in items:
        assert _vote(honest, token, a["id"]).status_code == 201
    assert honest.post("/api/complete", json={"token": token}).status_code == 200
    assert store.count_votes() == len(items)
    flooder.close()
    honest.close()


def test_unvoted_batches_free_their_slots_after_a_short_lease(db_url, demo_study):
    now = [1_000_000.0]
    store = Store(db_url, demo_study, ReservationPolicy(lease_s=600, max_open_batches_per_client=0),
                  clock=lambda: now[0])
    store.init()
    active = store.open_session("code", "active", seed=0, client="10.0.0.1")
    views = []
    with pytest.raises(StudyComplete):  # everything reserved, nobody voting (except `active`, below)
        for i in range(100):
            views.append(store.open_session("code", f"idle{i}", seed=i + 1, client=f"10.0.1.{i}"))
    now[0] += 500
    store.submit_vote(active.token, active.assignments[0].id, ANS, 500, 500)  # activity renews the lease
    now[0] += 200  # idle batches: 700 s > lease; the active one was renewed 200 s ago
    held = len(active.assignments) - 1
    assert store.progress()["in_flight_assignments"] == held
    late = store.open_session("code", "late", seed=99, client="10.0.2.1")
    assert late.assignments  # an honest late rater gets work again
    store.dispose()


def test_open_batches_per_client_are_bounded_per_window(db_url, demo_study):
    now = [2_000_000.0]
    store = Store(db_url, demo_study, ReservationPolicy(lease_s=600, max_open_batches_per_client=2, window_s=3600),
                  clock=lambda: now[0])
    store.init()
    a = store.open_session("code", "a", client="192.0.2.1")
    store.open_session("code", "b", client="192.0.2.1")
    with pytest.raises(TooManyRequests) as e:
        store.open_session("code", "c", client="192.0.2.1")
    assert e.value.status == 429 and 0 < e.value.retry_after_s <= 3600
    assert store.open_session("code", "a", client="192.0.2.1").token == a.token  # resuming is not a new batch
    store.open_session("code", "c", client="192.0.2.99")  # another address is not affected
    for item in a.assignments:  # finishing a batch gives its place back
        store.submit_vote(a.token, item.id, ANS, 500, 500)
    store.complete_session(a.token)
    store.open_session("code", "d", client="192.0.2.1")
    now[0] += 3601  # and so does the end of the window
    store.open_session("code", "e", client="192.0.2.1")
    store.dispose()


def test_code_allow_list_from_a_codes_file(make_app, demo_dir):
    data = (demo_dir / "study.yaml").read_text()
    (demo_dir / "codes.txt").write_text("# our raters\nalice\n\nbob  # second\n")
    (demo_dir / "study_codes.yaml").write_text("rater_codes_file: codes.txt\n" + data)
    study = load_study(demo_dir / "study_codes.yaml")
    assert study.rater_codes == ("alice", "bob")
    app, store = make_app(study=study)
    client = TestClient(app)
    assert client.get("/", params={"rater": "mallory"}).status_code == 403
    assert _token(client.get("/", params={"rater": "bob"}))
    assert store.progress()["raters"] == 1


# ---------------------------------------------------------- 2. codes are not passwords
def test_a_typed_code_is_bound_to_its_first_browser(make_app):
    app, store = make_app()
    alice = TestClient(app, client=("198.51.100.1", 1))
    first = alice.get("/", params={"rater": "alice"}, follow_redirects=False)  # the key comes before any binding
    assert first.status_code == 303 and "httponly" in first.headers["set-cookie"].lower()
    assert store.progress()["raters"] == 0
    token = _token(alice.get(first.headers["location"]))
    assert _token(alice.get("/", params={"rater": "alice"})) == token  # a reload or retry resumes
    no_cookies = TestClient(app)
    r = no_cookies.get("/", params={"rater": "carol", "c": "1"})
    assert r.status_code == 400 and "cookies" in r.text
    aid = alice.get(f"/api/session/{token}").json()["assignments"][0]["id"]

    mallory = TestClient(app, client=("198.51.100.2", 2))  # another browser typing alice's code
    r = mallory.get("/", params={"rater": "alice"})
    assert r.status_code == 403 and _token(r) is None and token not in r.text
    # even with alice's token (e.g. from a log), another browser cannot read, watch or vote
    assert mallory.get(f"/api/session/{token}").status_code == 403
    assert mallory.get(f"/media/{token}/{aid}/left").status_code == 403
    assert _vote(mallory, token, aid).status_code == 403
    assert mallory.post("/api/complete", json={"token": token}).status_code == 403
    assert store.count_votes() == 0
    assert _vote(alice, token, aid).status_code == 201  # alice herself is unaffected
    alice.close()
    mallory.close()


def test_signed_links_and_code_entry_off(make_app):
    app, store = make_app(code_entry="signed")
    c = TestClient(app)
    assert "personal link" in c.get("/").text
    assert c.get("/", params={"rater": "bob"}).status_code == 403
    assert c.get("/", params={"rater": "bob", "sig": "0" * 20}).status_code == 403
    assert c.get("/", params={"rater": "bob", "sig": store.link_signature("alice")}).status_code == 403
    r = c.get("/", params={"rater": "bob", "sig": store.link_signature("bob")})
    assert r.status_code == 200 and _token(r)
    off, _ = make_app(code_entry="off")
    c2 = TestClient(off)
    assert c2.get("/", params={"rater": "bob"}).status_code == 403
    assert _token(c2.get("/", params={"workerId": "W1", "assignmentId": "A1"}))


# ------------------------------------------------------------------ 3. body limit
def test_huge_vote_body_is_refused_fast_and_small(make_app):
    """Before: a 13 MB body with 1 M keys cost ~20 s of CPU and its 422 echoed every key (75 MB)."""
    app, store = make_app()
    c = TestClient(app)
    token = _token(c.get("/", params={"rater": "r1"}))
    aid = c.get(f"/api/session/{token}").json()["assignments"][0]["id"]
    answers = ",".join(f'"k{i}":"a"' for i in range(1_000_000))
    head = json.dumps({"token": token, "assignment_id": aid, "watch_left_ms": 1, "watch_right_ms": 1})
    body = (head[:-1] + ', "answers": {' + answers + "}}").encode()
    assert len(body) > 13_000_000
    t0 = time.perf_counter()
    r = c.post("/api/vote", content=body, headers={"content-type": "application/json"})
    dt = time.perf_counter() - t0
    assert r.status_code == 413 and len(r.content) < 1024 and dt < 5.0, (r.status_code, len(r.content), dt)

    def chunks():  # no Content-Length: counted while streaming
        yield body[:40_000]
        yield body[40_000:80_000]
        yield body[80_000:2_000_000]

    r = c.post("/api/vote", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and len(r.content) < 1024
    # under the byte limit but with too many keys: a bounded 422 that does not echo the input
    many = {f"key{i:04d}" + "x" * 100: "left" for i in range(400)}
    r = _vote(c, token, aid, answers=many)
    assert r.status_code == 422 and len(r.content) < 1024 and "key0399" not in r.text
    assert store.count_votes() == 0
    assert _vote(c, token, aid).status_code == 201  # a normal vote still works


def test_body_limit_holds_on_a_real_server_before_the_body_arrives(make_app, live_server_factory):
    app, _ = make_app()
    with live_server_factory(app) as srv, socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        t0 = time.perf_counter()
        sock.sendall(b"POST /api/vote HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 13000000\r\n\r\n" + b"{" * 1000)  # headers + 1 KB of a 13 MB body
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
        dt = time.perf_counter() - t0
    assert reply.startswith(b"HTTP/1.1 413") and len(reply) < 1024 and dt < 5.0, (reply[:200], dt)


# ------------------------------------------------------------------ 4. strict types
@pytest.mark.parametrize("bad", ["500", True, 500.5, None, [500]])
def test_watch_time_must_be_a_json_integer(make_app, bad):
    app, store = make_app()
    c = TestClient(app)
    token = _token(c.get("/", params={"rater": "r1"}))
    aid = c.get(f"/api/session/{token}").json()["assignments"][0]["id"]
    assert _vote(c, token, aid, watch_left_ms=bad).status_code == 422
    assert _vote(c, token, aid, watch_right_ms=bad).status_code == 422
    assert store.count_votes() == 0


# ------------------------------------------------------------------ 5. secrets
def test_admin_token_from_header_or_login_cookie_never_the_url(make_app):
    app, _ = make_app()
    c = TestClient(app)
    r = c.get("/admin/api/progress", params={"token": ADMIN})
    assert r.status_code == 401 and "URL" in r.json()["detail"]
    login = c.get("/admin")
    assert login.status_code == 401 and 'name="token"' in login.text and "frame-ancestors 'none'" in \
        login.headers["content-security-policy"]
    assert c.post("/admin/login", data={"token": "wrong"}).status_code == 401
    r = c.post("/admin/login", data={"token": ADMIN}, follow_redirects=False)
    assert r.status_code == 303 and ADMIN not in r.headers["set-cookie"]
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/admin" in cookie
    assert c.get("/admin").status_code == 200 and ADMIN not in c.get("/admin").text  # the cookie logs in
    assert c.get("/admin/api/progress").status_code == 200
    rep = c.get("/admin/report")
    assert rep.status_code == 200
    assert "script-src 'self'" in rep.headers["content-security-policy"]
    assert rep.headers["x-content-type-options"] == "nosniff"
    c.post("/admin/logout")
    assert c.get("/admin/api/progress").status_code == 401


def test_database_password_is_redacted(pg_server, demo_dir, capsys, monkeypatch):
    assert redact_url("postgresql://user:hunter2@db.example/study") == "postgresql://user:***@db.example/study"
    from user_study.cli import main
    from user_study.loadtest import new_postgres_database

    url = new_postgres_database(pg_server).replace("postgres@", "postgres:hunter2@")  # trust auth ignores it
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    assert main(["serve", str(demo_dir / "study.yaml"), "--db", url, "--admin-token", "t"]) == 0
    out = capsys.readouterr()
    assert "hunter2" not in out.out + out.err and "postgres:***@" in out.out
    refused = "postgresql://u:hunter2@127.0.0.1:1/nodb"
    for argv in (["status", "--db", refused], ["analyze", "--db", refused],
                 ["serve", str(demo_dir / "study.yaml"), "--db", refused]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "cannot connect" in err and "u:***@127.0.0.1:1" in err, err
        assert "hunter2" not in err and "not initialised" not in err and "SELECT" not in err.upper()
    empty = new_postgres_database(pg_server)  # reachable but never initialised: no SQL in the message
    assert main(["status", "--db", empty]) == 2
    err = capsys.readouterr().err
    assert "not initialised" in err and "select" not in err.lower() and "us_meta" not in err


# ------------------------------------------------------------------ 6. missing SQLite files
@pytest.mark.parametrize("cmd", ["status", "analyze"])
def test_missing_sqlite_file_is_not_created(cmd, tmp_path, capsys):
    from user_study.cli import main

    path = tmp_path / "typo.db"
    assert main([cmd, "--db", f"sqlite:///{path}", *(["--out", str(tmp_path / "r")] if cmd == "analyze" else [])]) == 2
    assert "no database file" in capsys.readouterr().err
    assert not path.exists()


def test_init_adds_the_new_session_columns_to_an_older_database(db_url, demo_study):
    from sqlalchemy import inspect, text

    store = Store(db_url, demo_study)
    store.init()
    with store.engine.begin() as conn:  # make it look like a database from before the hardening
        conn.execute(text("DROP INDEX IF EXISTS ix_us_sessions_client_hash"))
        for col in ("client_hash", "opened_s", "bind_hash"):
            conn.execute(text(f"ALTER TABLE us_sessions DROP COLUMN {col}"))
    store.dispose()
    store = Store(db_url, demo_study)
    store.init()
    with store.engine.connect() as conn:
        cols = {c["name"] for c in inspect(conn).get_columns("us_sessions")}
    assert {"client_hash", "opened_s", "bind_hash"} <= cols
    view = store.open_session("code", "after-upgrade", client="192.0.2.5", browser="b" * 32)
    assert view.assignments
    store.dispose()
