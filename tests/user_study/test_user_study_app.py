"""Web app over HTTP (FastAPI TestClient): MTurk params, preview, escaping, bad input → 4xx, admin."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from user_study.app import AppConfig, create_app
from user_study.store import Store

ANS = {"motion_consistency": "left", "amount_of_motion": "right", "motion_realism": "tie", "interaction": "none"}
ADMIN = "admin-secret-token"


@pytest.fixture
def env(tmp_path, demo_study):
    store = Store(f"sqlite:///{tmp_path / 'app.db'}", demo_study)
    store.init()
    app = create_app(demo_study, store, AppConfig(admin_token=ADMIN,
                                                  turk_submit_hosts=("https://workersandbox.mturk.com",)))
    with TestClient(app) as client:
        yield client, store
    store.dispose()


def _token(html: str) -> str:
    cfg = json.loads(re.search(r'<script id="cfg" type="application/json">(.*?)</script>', html, re.S).group(1))
    return cfg["token"]


def _vote(client, token, aid, answers=ANS, **kw):
    body = {"token": token, "assignment_id": aid, "answers": answers, "watch_left_ms": 600, "watch_right_ms": 640}
    body.update(kw)
    return client.post("/api/vote", json=body)


def test_mturk_flow_and_completion(env, demo_study):
    client, store = env
    r = client.get("/", params={"workerId": "W1", "assignmentId": "A1", "hitId": "H1",
                                "turkSubmitTo": "https://workersandbox.mturk.com"})
    assert r.status_code == 200 and "script-src 'self'" in r.headers["content-security-policy"]
    token = _token(r.text)
    sess = client.get(f"/api/session/{token}").json()
    assert sess["turk_submit_url"] == "https://workersandbox.mturk.com/mturk/externalSubmit"
    assert sess["mturk_assignment_id"] == "A1"
    assert "system" not in json.dumps(sess)  # the rater never learns which system is which
    assert client.post("/api/complete", json={"token": token}).status_code == 409  # not done yet
    for a in sess["assignments"]:
        assert _vote(client, token, a["id"]).status_code == 201
    done = client.post("/api/complete", json={"token": token}).json()
    assert re.fullmatch(r"[0-9A-F]{10}", done["completion_code"])
    assert store.progress()["batches_completed"] == 1
    # reloading the same MTurk assignment resumes the same batch
    again = client.get("/", params={"workerId": "W1", "assignmentId": "A1"})
    assert _token(again.text) == token


def test_media_follows_recorded_side_mapping(env, demo_study):
    client, _ = env
    token = _token(client.get("/", params={"rater": "viewer"}).text)
    a = client.get(f"/api/session/{token}").json()["assignments"][0]
    view = env[1].session_view(token)
    item = next(x for x in view.assignments if x.id == a["id"])
    pair = demo_study.pair(item.pair_id)
    left_path = pair.a.video if item.left == "a" else pair.b.video
    right_path = pair.b.video if item.left == "a" else pair.a.video
    r = client.get(f"/media/{token}/{a['id']}/left")
    assert r.status_code == 200 and r.headers["content-type"] == "video/webm"
    assert r.content == open(left_path, "rb").read()
    assert client.get(f"/media/{token}/{a['id']}/right").content == open(right_path, "rb").read()
    rng = client.get(f"/media/{token}/{a['id']}/left", headers={"Range": "bytes=0-9"})
    assert rng.status_code == 206 and len(rng.content) == 10  # seeking works in browsers
    assert client.get(f"/media/{token}/{'0' * 24}/left").status_code == 404
    assert client.get(f"/media/{token}/{a['id']}/../../etc").status_code in (404, 422)


def test_preview_mode_shows_no_task(env):
    client, store = env
    r = client.get("/", params={"assignmentId": "ASSIGNMENT_ID_NOT_AVAILABLE", "hitId": "H1"})
    assert r.status_code == 200 and "preview" in r.text and 'id="cfg"' not in r.text
    assert "No interaction / occlusion" in r.text
    assert store.progress()["raters"] == 0


@pytest.mark.parametrize("params", [
    {"workerId": "<script>alert(1)</script>", "assignmentId": "A1"},
    {"workerId": "W1", "assignmentId": "A1\"><img src=x onerror=alert(1)>"},
    {"workerId": "W1", "assignmentId": "A1", "turkSubmitTo": "https://evil.example.com"},
    {"workerId": "W1"},
    {"rater": "<b>x</b>"},
])
def test_bad_entry_params_are_4xx_escaped_and_store_nothing(env, params):
    client, store = env
    r = client.get("/", params=params)
    assert r.status_code == 400
    assert "<script>" not in r.text and "<img" not in r.text and "<b>x" not in r.text
    assert store.progress()["raters"] == 0


def test_bad_votes_are_4xx_and_store_nothing_wrong(env):
    client, store = env
    token = _token(client.get("/", params={"rater": "r1"}).text)
    other = _token(client.get("/", params={"rater": "r2"}).text)
    aid = client.get(f"/api/session/{token}").json()["assignments"][0]["id"]
    foreign = client.get(f"/api/session/{other}").json()["assignments"][0]["id"]
    cases = [
        (_vote(client, token, "f" * 24), 404),  # unknown assignment
        (_vote(client, token, foreign), 404),  # someone else's assignment
        (_vote(client, "0" * 32, aid), 404),  # unknown session
        (_vote(client, token, "<script>"), 422),  # malformed id
        (_vote(client, token, aid, answers={"motion_consistency": "left"}), 422),  # incomplete
        (_vote(client, token, aid, answers={**ANS, "interaction": "<script>alert(1)</script>"}), 422),
        (_vote(client, token, aid, watch_left_ms=0), 422),  # did not play the left video
        (_vote(client, token, aid, watch_left_ms="lots"), 422),
        (_vote(client, token, aid, extra_field=1), 422),
        (client.post("/api/vote", content=b"{not json", headers={"content-type": "application/json"}), 422),
        (client.post("/api/vote", json=[1, 2]), 422),
    ]
    for resp, status in cases:
        assert resp.status_code == status, (resp.status_code, resp.text)
        assert "detail" in resp.json()
    assert store.count_votes() == 0
    assert _vote(client, token, aid).status_code == 201
    replay = _vote(client, token, aid, answers={**ANS, "motion_consistency": "right"})
    assert replay.status_code == 409  # replayed submission: nothing changed
    rows = [r for r in store.vote_rows() if r["question_id"] == "motion_consistency"]
    assert len(rows) == 1 and rows[0]["side"] == "left"


def test_admin_requires_token(env):
    client, _ = env
    token = _token(client.get("/", params={"rater": "r9"}).text)
    for a in env[1].session_view(token).assignments:  # answer the gold check right so r9 is not excluded
        gold = {"amount_of_motion": "left" if a.left == "a" else "right"} if a.pair_id == "gold_motion" else {}
        _vote(client, token, a.id, answers={**ANS, **gold})
    for path in ("/admin", "/admin/api/progress", "/admin/report", "/admin/votes.csv"):
        assert client.get(path).status_code == 401
        assert client.get(path, params={"token": "wrong"}).status_code == 401
        assert client.get(path, params={"token": ADMIN}).status_code == 401  # never from the URL (access logs)
    prog = client.get("/admin/api/progress", headers={"Authorization": f"Bearer {ADMIN}"}).json()
    assert prog["votes"] == 6 and prog["raters"] == 1
    assert client.get("/admin/api/progress", headers={"X-Admin-Token": ADMIN}).json()["votes"] == 6
    assert "Admin" in client.get("/admin", headers={"X-Admin-Token": ADMIN}).text
    rep = client.get("/admin/report", params={"reference": "revision"}, headers={"X-Admin-Token": ADMIN})
    assert rep.status_code == 200 and "Motion Consistency" in rep.text
    csv_text = client.get("/admin/votes.csv", headers={"X-Admin-Token": ADMIN}).text
    assert csv_text.splitlines()[0].startswith("question_id,side,answer") and len(csv_text.splitlines()) == 1 + 6 * 4


def test_start_page_asks_for_a_rater_code(env):
    client, _ = env
    r = client.get("/")
    assert r.status_code == 200 and 'name="rater"' in r.text
