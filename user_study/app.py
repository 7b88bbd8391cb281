"""Rater web app (FastAPI): MTurk ExternalQuestion-compatible pages, vote API, admin dashboard.

Entry URL ``/?workerId=…&assignmentId=…&hitId=…&turkSubmitTo=…`` (MTurk) or ``/?rater=CODE``
(standalone; ``&sig=…`` for signed links).  ``assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE`` shows the
preview.  Rater pages never see system names: videos are served as ``/media/{session}/{assignment}/{side}``.
All templates autoescape, client code writes text with ``textContent`` only, and a strict CSP is sent.

Abuse guards (threat model in docs/user_study.md): request bodies over ``max_body_bytes`` get 413 before
parsing (:class:`~user_study.limits.BodyLimit`); vote payloads are strictly typed and error bodies are
bounded; new batches per client address are limited by the store's :class:`ReservationPolicy`; code
entry is ``bound`` (a code belongs to the browser that first used it, via an HttpOnly cookie),
``signed`` (only HMAC-signed links from ``python -m user_study links``) or ``off`` (MTurk only); the
admin token comes from a header or an HttpOnly cookie set by the login form, never from the URL.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import io
import json
import mimetypes
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio.to_thread
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field

from .limits import DEFAULT_MAX_BODY, BodyLimit, client_address
from .store import Store, StoreError, StudyComplete, TooManyRequests
from .study import ID_RE, Study

HERE = Path(__file__).parent
PREVIEW_ID = "ASSIGNMENT_ID_NOT_AVAILABLE"
DEFAULT_TURK_HOSTS = ("https://www.mturk.com", "https://workersandbox.mturk.com")
TOKEN_RE = r"^[0-9a-f]{32}$"
ASSIGNMENT_RE = r"^[0-9a-f]{24}$"
BROWSER_COOKIE = "us_browser"  # random per-browser key; a bound code rater's batches need it
ADMIN_COOKIE = "us_admin"  # set by the admin login form (HttpOnly, SameSite=Strict, path /admin)
CODE_ENTRY = ("bound", "signed", "off")
MAX_ERRORS = 5  # validation errors listed in a 422 body (the rest are only counted)


@dataclass
class AppConfig:
    admin_token: str  # required for /admin*; compare in constant time
    turk_submit_hosts: tuple[str, ...] = DEFAULT_TURK_HOSTS  # allowed turkSubmitTo origins
    require_watch: bool = True  # refuse votes whose watch time is 0 for a side
    threads: int = 0  # worker threads for DB calls; 0 = 8 on SQLite (one writer anyway), 40 otherwise
    max_body_bytes: int = DEFAULT_MAX_BODY  # POST bodies above this get 413 before parsing (64 KB)
    code_entry: str = "bound"  # ?rater= entry: "bound" (code tied to its first browser) | "signed" | "off"
    client_ip_header: str = ""  # e.g. "X-Forwarded-For" behind your own reverse proxy ("" = TCP peer)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code_entry not in CODE_ENTRY:
            raise ValueError(f"code_entry must be one of {CODE_ENTRY}, got {self.code_entry!r}")
        if not self.admin_token:
            raise ValueError("admin_token must not be empty")


class VotePayload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # "500" or true is not an int
    token: str = Field(pattern=TOKEN_RE)
    assignment_id: str = Field(pattern=ASSIGNMENT_RE)
    answers: dict[Annotated[str, Field(max_length=128)], Annotated[str, Field(max_length=8)]] = Field(
        max_length=64)
    watch_left_ms: int = Field(ge=0, le=86_400_000)
    watch_right_ms: int = Field(ge=0, le=86_400_000)


class CompletePayload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    token: str = Field(pattern=TOKEN_RE)


def _bounded_errors(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """A 422 body of bounded size: the first few errors, locations and messages truncated, no input."""
    shown = [{"loc": [str(x)[:64] for x in list(e.get("loc", ()))[:6]], "msg": str(e.get("msg", ""))[:200]}
             for e in errors[:MAX_ERRORS]]
    return {"detail": "malformed request", "errors": shown, "n_errors": len(errors)}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def create_app(study: Study, store: Store, config: AppConfig) -> FastAPI:
    """Build the app; ``store`` must be initialised for ``study``."""
    store.check()
    threads = config.threads or (8 if store.engine.dialect.name == "sqlite" else 40)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):  # noqa: ANN202
        # fewer threads = shorter queues on SQLite's single write lock and less GIL convoying
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    app = FastAPI(title=f"user study {study.name}", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescape on for .html
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    allowed_origins = tuple(_origin(h) for h in config.turk_submit_hosts)
    csp = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "media-src 'self' https:; connect-src 'self'; frame-ancestors *; form-action 'self' "
           + " ".join(allowed_origins))
    # admin pages: never framed; plotly injects <style> elements, so inline styles (not scripts) are allowed
    admin_csp = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                 "connect-src 'self'; frame-ancestors 'none'; form-action 'self'")
    admin_cookie_value = hmac.new(config.admin_token.encode(), b"user-study-admin-cookie", hashlib.sha256).hexdigest()

    def page(request: Request, name: str, status: int = 200, admin: bool = False, **ctx: Any) -> HTMLResponse:
        resp = templates.TemplateResponse(request, name, {"study": study, "code_entry": config.code_entry, **ctx},
                                          status_code=status)
        resp.headers["Content-Security-Policy"] = admin_csp if admin else csp
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer" if admin else "same-origin"
        if admin:
            resp.headers["Cache-Control"] = "no-store"
        return resp

    def error_page(request: Request, status: int, message: str) -> HTMLResponse:
        return page(request, "message.html", status=status, heading="Sorry", message=message)

    def browser_key(request: Request) -> str:
        key = request.cookies.get(BROWSER_COOKIE, "")
        return key if re.fullmatch(TOKEN_RE, key) else ""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(_bounded_errors(list(exc.errors())), status_code=422)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "study": study.name}

    @app.get("/", response_class=HTMLResponse)
    def entry(request: Request, workerId: str = "", assignmentId: str = "", hitId: str = "",  # noqa: N803
              turkSubmitTo: str = "", rater: str = "", sig: str = "", c: str = "") -> Response:  # noqa: N803
        if assignmentId == PREVIEW_ID:
            return page(request, "preview.html", questions=study.questions)
        if workerId or assignmentId:
            if not (workerId and assignmentId):
                return error_page(request, 400, "workerId and assignmentId are both required.")
            for name, value in (("workerId", workerId), ("assignmentId", assignmentId), ("hitId", hitId)):
                if value and not ID_RE.match(value):
                    return error_page(request, 400, f"Malformed {name}: only letters, digits, _ . - are allowed.")
            if turkSubmitTo and _origin(turkSubmitTo) not in allowed_origins:
                return error_page(request, 400, "turkSubmitTo is not an allowed MTurk host.")
            source, raw, key, browser = "mturk", workerId, assignmentId, ""
        elif rater:
            if not ID_RE.match(rater):
                return error_page(request, 400, "Malformed rater code: only letters, digits, _ . - are allowed.")
            if config.code_entry == "off":
                return error_page(request, 403, "This study is open to Mechanical Turk workers only.")
            if sig or config.code_entry == "signed":
                if not store.check_link(rater, sig):
                    return error_page(request, 403, "This link is not valid: open the exact personal link you "
                                                    "were given.")
                browser = ""  # a signed link is itself the rater's secret: no browser binding needed
            else:
                browser = browser_key(request)
                if not browser:  # give the browser its key first, so a retried or reloaded entry carries it
                    if c:
                        return error_page(request, 400, "Please allow cookies for this site: they tie your "
                                                        "rater code to this browser.")
                    resp = RedirectResponse("/?" + urlencode({"rater": rater, "c": "1"}), status_code=303)
                    resp.set_cookie(BROWSER_COOKIE, secrets.token_hex(16), max_age=180 * 86400, httponly=True,
                                    samesite="lax", secure=request.url.scheme == "https")
                    return resp
            source, raw, key = "code", rater, ""
        else:
            return page(request, "start.html")
        try:
            view = store.open_session(source, raw, key, hitId, turkSubmitTo.rstrip("/"),
                                      client=client_address(request, config.client_ip_header), browser=browser)
        except StudyComplete as e:
            return page(request, "message.html", status=410, heading="All done", message=str(e))
        except TooManyRequests as e:
            resp = error_page(request, 429, str(e))
            resp.headers["Retry-After"] = str(max(1, int(e.retry_after_s)))
            return resp
        except StoreError as e:
            return error_page(request, e.status, str(e))
        cfg = {"token": view.token, "questions": [
            {"id": q.id, "text": q.text, "allowed": list(q.allowed()), "none_label": q.none_label or ""}
            for q in study.questions]}
        return page(request, "task.html", cfg=cfg)

    def _session_json(token: str, browser: str | None) -> dict[str, Any]:
        view = store.session_view(token, browser)
        return {"assignments": [{"id": a.id, "position": a.position, "done": a.done} for a in view.assignments],
                "completed": view.completed, "completion_code": view.completion_code,
                "turk_submit_url": (view.turk_submit_to + "/mturk/externalSubmit") if view.turk_submit_to else "",
                "mturk_assignment_id": view.external_key.removeprefix("mturk:")
                if view.external_key.startswith("mturk:") else ""}

    @app.get("/api/session/{token}")
    def session(request: Request, token: str) -> JSONResponse:
        if not re.match(TOKEN_RE, token):
            return JSONResponse({"detail": "malformed session token"}, status_code=422)
        try:
            return JSONResponse(_session_json(token, browser_key(request)))
        except StoreError as e:
            return JSONResponse({"detail": str(e)}, status_code=e.status)

    @app.get("/media/{token}/{assignment_id}/{side}")
    def media(request: Request, token: str, assignment_id: str, side: str) -> Response:
        if not (re.match(TOKEN_RE, token) and re.match(ASSIGNMENT_RE, assignment_id) and side in ("left", "right")):
            return JSONResponse({"detail": "malformed media path"}, status_code=422)
        try:
            pair_id, left = store.assignment_media(token, assignment_id, browser_key(request))
        except StoreError as e:
            return JSONResponse({"detail": str(e)}, status_code=e.status)
        pair = study.pair(pair_id)
        which = left if side == "left" else ("b" if left == "a" else "a")
        video = (pair.a if which == "a" else pair.b).video
        if video.startswith(("http://", "https://")):
            return RedirectResponse(video, status_code=302)
        path = Path(video)
        if not path.is_file():
            return JSONResponse({"detail": "video file missing on the server"}, status_code=404)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=mime, headers={"Cache-Control": "private, max-age=3600"})

    @app.post("/api/vote", status_code=201)
    def vote(request: Request, payload: VotePayload) -> JSONResponse:
        if config.require_watch and (payload.watch_left_ms == 0 or payload.watch_right_ms == 0):
            return JSONResponse({"detail": "play both videos before voting"}, status_code=422)
        try:
            vote_id = store.submit_vote(payload.token, payload.assignment_id, payload.answers,
                                        payload.watch_left_ms, payload.watch_right_ms, browser_key(request))
        except StoreError as e:
            return JSONResponse({"detail": str(e)}, status_code=e.status)
        return JSONResponse({"vote_id": vote_id}, status_code=201)

    @app.post("/api/complete")
    def complete(request: Request, payload: CompletePayload) -> JSONResponse:
        try:
            code = store.complete_session(payload.token, browser_key(request))
            return JSONResponse({"completion_code": code, **_session_json(payload.token, browser_key(request))})
        except StoreError as e:
            return JSONResponse({"detail": str(e)}, status_code=e.status)

    # ---------------------------------------------------------------- admin
    def authorised(request: Request) -> bool:
        """Admin token from ``X-Admin-Token``, ``Authorization: Bearer`` or the login cookie (never the URL)."""
        given = (request.headers.get("x-admin-token", "")
                 or request.headers.get("authorization", "").removeprefix("Bearer ").strip())
        if given:
            return hmac.compare_digest(given.encode(), config.admin_token.encode())
        cookie = request.cookies.get(ADMIN_COOKIE, "")
        return bool(cookie) and hmac.compare_digest(cookie.encode(), admin_cookie_value.encode())

    def deny(request: Request) -> JSONResponse:
        hint = (" (a token in the URL is not accepted: it would land in access logs)"
                if "token" in request.query_params else "")
        return JSONResponse({"detail": "admin token required: Authorization: Bearer …, X-Admin-Token: …, or log in "
                                       "at /admin" + hint}, status_code=401)

    @app.get("/admin", response_class=HTMLResponse)
    def admin(request: Request) -> Response:
        if not authorised(request):
            return page(request, "login.html", status=401, admin=True, failed=False)
        return page(request, "admin.html", admin=True, progress=store.progress())

    @app.post("/admin/login")
    async def admin_login(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))  # bounded by BodyLimit
        given = (form.get("token") or [""])[0].strip()
        if not (given and hmac.compare_digest(given.encode(), config.admin_token.encode())):
            return page(request, "login.html", status=401, admin=True, failed=True)
        resp = RedirectResponse("/admin", status_code=303)
        resp.set_cookie(ADMIN_COOKIE, admin_cookie_value, httponly=True, samesite="strict", path="/admin",
                        max_age=12 * 3600, secure=request.url.scheme == "https")
        return resp

    @app.post("/admin/logout")
    def admin_logout() -> Response:
        resp = RedirectResponse("/admin", status_code=303)
        resp.delete_cookie(ADMIN_COOKIE, path="/admin")
        return resp

    @app.get("/admin/api/progress")
    def admin_progress(request: Request) -> JSONResponse:
        if not authorised(request):
            return deny(request)
        return JSONResponse(store.progress(), headers={"Cache-Control": "no-store"})

    @app.get("/admin/report", response_class=HTMLResponse)
    def admin_report(request: Request, reference: str = Query("")) -> Response:
        if not authorised(request):
            return deny(request)
        from .analysis import AnalysisConfig, analyze
        from .plots import preference_figure

        ref = reference if reference in study.systems else None
        rep = analyze(store.vote_rows(), AnalysisConfig(reference=ref, raters_per_pair=study.raters_per_pair))
        figure = json.loads(preference_figure(rep, study.name).to_json()) if rep.comparisons else None
        return page(request, "report.html", admin=True, report=rep, figure=figure)

    @app.get("/admin/plotly.min.js")
    def plotly_js() -> Response:
        import plotly

        return FileResponse(Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
                            media_type="text/javascript")

    @app.get("/admin/votes.csv")
    def admin_votes(request: Request) -> Response:
        if not authorised(request):
            return deny(request)
        return Response(votes_csv(store.vote_rows()), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{study.name}_votes.csv"',
                                 "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})

    return app


def votes_csv(rows: list[dict[str, Any]]) -> str:
    """One CSV line per answer (rater ids are internal integers; raw worker ids are never stored)."""
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return buf.getvalue()
