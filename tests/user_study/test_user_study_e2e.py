"""End to end in headless Chromium (Playwright, system /usr/bin/chromium): an MTurk-style rater plays
both videos, answers every question (mouse and keyboard), submits the batch, and the completion is
posted back to turkSubmitTo; the database holds every vote with the right left/right → system mapping.
"""

from __future__ import annotations

import re
import shutil
from urllib.parse import parse_qs

import pytest

from user_study.app import AppConfig, create_app
from user_study.store import Store

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (test-only dependency)")
expect = sync_api.expect
FAKE_TURK = "http://127.0.0.1:9"  # never contacted: Playwright intercepts the POST


@pytest.fixture
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("Chromium not found (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_mturk_rater_votes_in_real_browser(tmp_path, demo_study, browser, live_server_factory):
    store = Store(f"sqlite:///{tmp_path / 'e2e.db'}", demo_study)
    store.init()
    app = create_app(demo_study, store, AppConfig(admin_token="t", turk_submit_hosts=(FAKE_TURK,)))
    posted: list[dict] = []
    plan = ["left", "right", "tie", "none"]  # per question, rotated per item
    chosen: dict[str, dict[str, str]] = {}
    with live_server_factory(app) as srv:
        page = browser.new_page(viewport={"width": 420, "height": 900})  # phone-sized: layout must work
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        def turk(route, request):
            posted.append({k: v[0] for k, v in parse_qs(request.post_data or "").items()})
            route.fulfill(status=200, body="<p>MTurk says thanks</p>", content_type="text/html")

        page.route(f"{FAKE_TURK}/**", turk)
        page.goto(f"{srv.base}/?workerId=WORKERE2E&assignmentId=ASSIGNE2E&hitId=HITE2E&turkSubmitTo={FAKE_TURK}")
        token = page.evaluate("JSON.parse(document.getElementById('cfg').textContent).token")
        n_items = len(store.session_view(token).assignments)
        for k in range(n_items):
            expect(page.locator("#progress-text")).to_have_text(re.compile(rf"^Item {k + 1} of {n_items}$"))
            aid = page.evaluate("document.getElementById('video-left').getAttribute('src').split('/')[3]")
            assert page.is_disabled("#submit")
            assert page.is_disabled("#questions input >> nth=0")  # voting locked until both videos played
            assert page.evaluate("[...document.querySelectorAll('#questions fieldset')].every(f => f.disabled)")
            if k % 2 == 0:
                page.click("#play")
            else:
                page.keyboard.press("Space")
            expect(page.locator("#watch-status")).to_have_text(re.compile("^Both videos played"), timeout=20_000)
            answers = {}
            for qi, q in enumerate(demo_study.questions):
                side = plan[(qi + k) % 4]
                if side not in q.allowed():
                    side = "left"
                answers[q.id] = side
                if k % 2 == 0:  # mouse
                    page.check(f'input[name="{q.id}"][value="{side}"]')
                else:  # keyboard shortcuts answer the highlighted question
                    page.keyboard.press({"left": "1", "right": "2", "tie": "3", "none": "4"}[side])
            chosen[aid] = answers
            assert page.is_enabled("#submit")
            if k % 2 == 0:
                page.click("#submit")
            else:
                page.keyboard.press("Enter")
        expect(page.locator("body")).to_contain_text("MTurk says thanks", timeout=20_000)  # form posted
        assert not errors, errors

    view = store.session_view(token)
    assert view.completed and len(chosen) == n_items
    assert posted == [{"assignmentId": "ASSIGNE2E", "completion_code": view.completion_code}]
    rows = store.vote_rows()
    assert len({r["vote_id"] for r in rows}) == n_items
    placement = {a.id: a.left for a in view.assignments}
    for r in rows:
        assert r["side"] == chosen[r["assignment_id"]][r["question_id"]]
        pair = demo_study.pair(r["pair_id"])
        left_sys = pair.a.system if placement[r["assignment_id"]] == "a" else pair.b.system
        right_sys = pair.b.system if placement[r["assignment_id"]] == "a" else pair.a.system
        assert (r["left_system"], r["right_system"]) == (left_sys, right_sys)
        expected = {"left": left_sys, "right": right_sys}.get(r["side"])
        assert r["winner_system"] == expected
        assert r["watch_left_ms"] > 0 and r["watch_right_ms"] > 0
    store.dispose()


def test_admin_login_and_report_chart_under_csp(tmp_path, demo_study, browser, live_server_factory):
    """The admin logs in through the form (HttpOnly cookie, no token in any URL) and the report's chart
    renders under the strict CSP (figure JSON + static script, no inline script)."""
    import numpy as np

    from user_study.demo import simulate_raters

    store = Store(f"sqlite:///{tmp_path / 'admin.db'}", demo_study)
    store.init()
    simulate_raters(store, demo_study, {"revision": 1.0, "svd": 0.0, "cogvideox": -0.3, "gold_moving": 0,
                                        "gold_still": 0}, np.random.default_rng(0), prefix="c")
    app = create_app(demo_study, store, AppConfig(admin_token="s3cret-admin"))
    with live_server_factory(app) as srv:
        page = browser.new_page()
        errors: list[str] = []
        urls: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
        page.on("request", lambda r: urls.append(r.url))
        page.goto(f"{srv.base}/admin")
        page.fill("#token", "s3cret-admin")
        page.click("button[type=submit]")
        expect(page.locator('td[data-key="votes"]')).to_have_text(str(store.count_votes()))
        page.click("#report-link")
        expect(page.locator("#chart g.trace.bars").first).to_be_attached(timeout=20_000)
        assert page.locator("#chart g.trace.bars").count() >= 3
        assert not errors, errors
        assert not any("s3cret" in u for u in urls)
    store.dispose()
