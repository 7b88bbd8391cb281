"""Rater web app (FastAPI): MTurk ExternalQuestion-compatible pages, vote API, admin dashboard.

Entry URL ``/?workerId=…&assignmentId=…&hitId=…&turkSubmitTo=…`` (MTurk) or ``/?rater=CODE``
(standalone).  ``assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE`` shows the preview.  Rater pages never
see system names: videos are served as ``/media/{session}/{assignment}/{left|right}``.  All templates
autoescape, client code writes text with ``textContent`` only, and a strict CSP is sent.
"""

from __future__ import annotations

import contextlib
import csv
import hmac
import io
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import anyio.to_thread
from fastapi import FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field

from .store import Store, StoreError, StudyComplete
from .study import ID_RE, Study

HERE = Path(__file__).parent
PREVIEW_ID = "ASSIGNMENT_ID_NOT_AVAILABLE"
DEFAULT_TURK_HOSTS = ("https://www.mturk.com", "https://workersandbox.mturk.com")
TOKEN_RE = r"^[0-9a-f]{32}$"
ASSIGNMENT_RE = r"^[0-9a-f]{24}$"


@dataclass
class AppConfig:
    admin_token: str  # required for /admin*; compare in constant time
    turk_submit_hosts: tuple[str, ...] = DEFAULT_TURK_HOSTS  # allowed turkSubmitTo origins
    require_watch: bool = True  # refuse votes whose watch time is 0 for a side
    threads: int = 0  # worker threads for DB calls; 0 = 8 on SQLite (one writer anyway), 40 otherwise
    extra: dict[str, Any] = field(default_factory=dict)


class VotePayload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(pattern=TOKEN_RE)
    assignment_id: str = Field(pattern=ASSIGNMENT_RE)
    answers: dict[Annotated[str, Field(max_length=128)], Annotated[str, Field(max_length=8)]]
    watch_left_ms: int = Field(ge=0, le=86_400_000)
    watch_right_ms: int = Field(ge=0, le=86_400_000)


class CompletePayload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(pattern=TOKEN_RE)


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
    templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescape on for .html
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    allowed_origins = tuple(_origin(h) for h in config.turk_submit_hosts)
    csp = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "media-src 'self' https:; connect-src 'self'; frame-ancestors *; form-action 'self' "
           + " ".join(allowed_origins))

    def page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        resp = templates.TemplateResponse(request, name, {"study": study, **ctx}, status_code=status)
        resp.headers["Content-Security-Policy"] = csp
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp

    def error_page(request: Request, status: int, message: str) -> HTMLResponse:
        return page(request, "message.html", status=status, heading="Sorry", message=message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse({"detail": "malformed request", "errors": errs}, status_code=422)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "study": study.name}

    @app.get("/", response_class=HTMLResponse)
    def entry(request: Request, workerId: str = "", assignmentId: str = "", hitId: str = "",  # noqa: N803
              turkSubmitTo: str = "", rater: str = "") -> HTMLResponse:  # noqa: N803
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
            source, raw, key = "mturk", workerId, assignmentId
        elif rater:
            if not ID_RE.match(rater):
                return error_page(request, 400, "Malformed rater code: only letters, digits, _ . - are allowed.")
            source, raw, key = "code", rater, ""
        else:
            return page(request, "start.html")
        try:
            view = store.open_session(source, raw, key, hitId, turkSubmitTo.rstrip("/"))
        except StudyComplete as e:
            return page(request, "message.html", status=410, heading="All done", message=str(e))
        except StoreError as e:
            return error_page(request, e.status, str(e))
        cfg = {"token": view.token, "questions": [
            {"id": q.id, "text": q.text, "allowed": list(q.allowed()), "none_label": q.none_label or ""}
            for q in study.questions]}
        return page(request, "task.html", cfg=cfg)

    def _session_json(token: str) -> dict[str, Any]:
        view = store.session_view(token)
        return {"assignments": [{"id": a.id, "position": a.position, "done": a.done} for a in view.assignments],
                "completed": view.completed, "completion_code": view.completion_code,
                "turk_submit_url": (view.turk_submit_to + "/mturk/externalSubmit") if view.turk_submit_to else "",
                "mturk_assignment_id": view.external_key.removeprefix("mturk:")
                if view.external_key.startswith("mturk:") else ""}

    @app.get("/api/session/{token}")
    def session(token: str) -> JSONResponse:
        if not re.match(TOKEN_RE, token):
            return JSONResponse({"detail": "malformed session token"}, status_code=422)
        try:
            return JSONResponse(_session_json(token))
        except StoreError as e:
            return JSONResponse({"detail": str(e)}, status_code=e.status)

    @app.get("/media/{token}/{assignment_id}/{side}")
    def media(token: str, assignment_id: str, side: str) -> Response:
        if not (re.match(TOKEN_RE, token) and re.match(ASSIGNMENT_RE, assignment_id) and side in ("left", "right")):
            return JSONResponse({"detail": "malformed media path"}, status_code=422)
        try:
            pair_id, left = store.assignment_media(token, assignment_id)
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
    def vote(payload: VotePayload) -> JSONResponse:
        if config.require_watch and (payload.watch_left_ms == 0 or payload.watch_right_ms == 0):
            return JSONResponse({"detail": "play both videos before voting"}, status_code=422)
        try:
            vote_id = store.submit_vote(payload.token, payload.assignment_id, payload.answers,
                                        payload.watch_left_ms, payload.watch_right_ms)
        except StoreError as e:
            return JSONResponse({"detail": str(e)}, status_code=e.status)
        return JSONResponse({"vote_id": vote_id}, status_code=201)

    @app.post("/api/complete")
    def complete(payload: CompletePayload) -> JSONResponse:
        try:
            code = store.complete_session(payload.token)
            return JSONResponse({"completion_code": code, **_session_json(payload.token)})
        except StoreError as e:
            return JSONResponse({"detail": str(e)}, status_code=e.status)

    # ---------------------------------------------------------------- admin
    def authorised(token: str, authorization: str) -> bool:
        given = token or authorization.removeprefix("Bearer ").strip()
        return bool(given) and hmac.compare_digest(given.encode(), config.admin_token.encode())

    def deny() -> JSONResponse:
        return JSONResponse({"detail": "admin token required (?token=… or Authorization: Bearer …)"},
                            status_code=401)

    @app.get("/admin", response_class=HTMLResponse)
    def admin(request: Request, token: str = Query(""), authorization: str = Header("")) -> Response:
        if not authorised(token, authorization):
            return deny()
        return page(request, "admin.html", progress=store.progress(), token=token)

    @app.get("/admin/api/progress")
    def admin_progress(token: str = Query(""), authorization: str = Header("")) -> JSONResponse:
        if not authorised(token, authorization):
            return deny()
        return JSONResponse(store.progress())

    @app.get("/admin/report", response_class=HTMLResponse)
    def admin_report(request: Request, token: str = Query(""), authorization: str = Header(""),
                     reference: str = Query("")) -> Response:
        if not authorised(token, authorization):
            return deny()
        from .analysis import AnalysisConfig, analyze
        from .plots import preference_figure

        ref = reference if reference in study.systems else None
        rep = analyze(store.vote_rows(), AnalysisConfig(reference=ref, raters_per_pair=study.raters_per_pair))
        chart = preference_figure(rep, study.name).to_html(full_html=False, include_plotlyjs=False) \
            if rep.comparisons else ""
        resp = templates.TemplateResponse(request, "report.html", {"study": study, "report": rep, "chart": chart})
        return resp

    @app.get("/admin/plotly.min.js")
    def plotly_js() -> Response:
        import plotly

        return FileResponse(Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
                            media_type="text/javascript")

    @app.get("/admin/votes.csv")
    def admin_votes(token: str = Query(""), authorization: str = Header("")) -> Response:
        if not authorised(token, authorization):
            return deny()
        return Response(votes_csv(store.vote_rows()), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{study.name}_votes.csv"'})

    return app


def votes_csv(rows: list[dict[str, Any]]) -> str:
    """One CSV line per answer (rater ids are internal integers; raw worker ids are never stored)."""
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return buf.getvalue()
