"""Study storage: raters, balanced batches of assignments, append-only idempotent votes.

Any SQLAlchemy URL works; SQLite (default, one file, WAL) and PostgreSQL are tested with the same
suite.  Every write is one transaction, committed before the HTTP answer goes out, so a server killed
with SIGKILL loses nothing it acknowledged.  Concurrency: SQLite write transactions start with
``BEGIN IMMEDIATE`` (no stale-snapshot upgrade failures); on PostgreSQL batch allocation takes a row
lock (``SELECT … FOR UPDATE``) so two raters arriving together cannot over-fill a pair.

Abuse limits (:class:`ReservationPolicy`): a batch's unvoted assignments hold their slots for a short
lease renewed by every vote (so abandoned or flooded sessions free their pairs within minutes), one
client address may hold only a few unfinished batches per time window, and a code rater's batches can
be bound to the browser that opened them (``browser``), so a typed code is not a password.
Messages never contain the database password (:func:`redact_url`) or SQL.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import random
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, insert, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .schema import (
    Answer,
    Assignment,
    Base,
    BatchSession,
    Meta,
    PairRow,
    Rater,
    Vote,
    add_missing_session_columns,
    install_append_only_triggers,
    utcnow,
)
from .study import ID_RE, Study


@dataclass(frozen=True)
class ReservationPolicy:
    """How long unvoted assignments hold their slots and how many batches one client may hold."""

    lease_s: float = 900.0  # unvoted assignments free their slots after this long without a vote (renewed
    #                         by every vote and by reopening the batch); was a fixed 2 h before
    max_open_batches_per_client: int = 5  # unfinished batches one client address may open per window; 0 = no limit
    window_s: float = 3600.0  # the rate window for the per-client limit


def redact_url(url: str) -> str:
    """``postgresql://user:***@host/db``: the URL with its password masked (for banners and errors)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable database URL>"


def short_error(e: BaseException, url: str) -> str:
    """First line of a driver error, without SQL and without the URL's password."""
    orig = getattr(e, "orig", None) or e
    line = (str(orig).strip().splitlines() or [type(orig).__name__])[0][:300]
    password = make_url(url).password if "://" in url else None
    return line.replace(str(password), "***") if password else line


class StoreError(Exception):
    """Base class; ``status`` is the HTTP status the web app answers with."""

    status = 400


class NotFound(StoreError):
    status = 404


class Conflict(StoreError):
    status = 409


class Invalid(StoreError):
    status = 422


class Forbidden(StoreError):
    status = 403


class StudyComplete(StoreError):
    status = 410


class TooManyRequests(StoreError):
    """A client address holds too many unfinished batches; ``retry_after_s`` says when one frees up."""

    status = 429

    def __init__(self, message: str, retry_after_s: float):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ConnectionFailed(StoreError):
    status = 503


@dataclass(frozen=True)
class AssignmentView:
    """What the rater page needs for one item; systems are deliberately absent."""

    id: str
    position: int
    pair_id: str
    left: str  # "a" | "b": which side of the pair plays on the left
    done: bool


@dataclass(frozen=True)
class SessionView:
    token: str
    assignments: tuple[AssignmentView, ...]
    completed: bool
    completion_code: str
    turk_submit_to: str
    external_key: str


def make_engine(url: str) -> Engine:
    """Engine for ``url``; SQLite gets WAL, a busy timeout and ``BEGIN IMMEDIATE`` for writers."""
    if url.startswith("sqlite"):
        engine = create_engine(url, pool_size=16, max_overflow=16, pool_timeout=60,
                               connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # noqa: ANN001
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # WAL+NORMAL: durable across process crashes
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):  # noqa: ANN001
            deferred = conn.get_execution_options().get("sqlite_deferred", False)
            conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_size=16, max_overflow=16, pool_timeout=60, pool_pre_ping=True)


def _hmac(secret: str, msg: str) -> str:
    return hmac.new(secret.encode(), msg.encode(), hashlib.sha256).hexdigest()


class Store:
    """All reads and writes of one study database.  Thread-safe (one DB session per call)."""

    def __init__(self, url: str, study: Study | None = None, policy: ReservationPolicy | None = None,
                 clock: Callable[[], float] = time.time):
        self.url = url
        self.safe_url = redact_url(url)  # use this one in every message
        self.policy = policy or ReservationPolicy()
        self._clock = clock  # epoch seconds; tests pass a fake clock to expire leases
        self.engine = make_engine(url)
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        self._read = sessionmaker(self.engine.execution_options(sqlite_deferred=True), expire_on_commit=False)
        self.study = study
        self._secret: str | None = None
        # SQLite has one writer at a time; queueing writers on a lock here wakes them the moment the
        # previous commit ends, instead of SQLite's busy handler sleeping in growing steps (long tails).
        self._wlock = threading.Lock() if self.engine.dialect.name == "sqlite" else contextlib.nullcontext()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Session]:
        """One write transaction (committed on exit, rolled back on error)."""
        with self._wlock, self._write.begin() as s:
            yield s

    # ------------------------------------------------------------------ setup
    def init(self) -> None:
        """Create tables and triggers, record the study design (idempotent; refuses another study)."""
        if self.study is None:
            raise ValueError("Store.init needs the study")
        self._ping()
        try:
            Base.metadata.create_all(self.engine)
            with self.engine.begin() as conn:
                add_missing_session_columns(conn)
                install_append_only_triggers(conn)
        except SQLAlchemyError as e:
            raise StoreError(f"cannot create the tables in {self.safe_url}: {short_error(e, self.url)}") from e
        with self._writing() as s:
            meta = {m.key: m.value for m in s.scalars(select(Meta))}
            fp = self.study.fingerprint()
            if "fingerprint" in meta and meta["fingerprint"] != fp:
                raise Conflict(f"database {self.safe_url} already holds study {meta.get('study_name')!r} with a "
                               f"different design (fingerprint {meta['fingerprint']} != {fp}); use a new --db")
            if "fingerprint" not in meta:
                s.add_all([Meta(key="study_name", value=self.study.name), Meta(key="fingerprint", value=fp),
                           Meta(key="secret", value=secrets.token_hex(32)), Meta(key="alloc_lock", value="")])
                for p in self.study.all_pairs():
                    s.add(PairRow(id=p.id, input_id=p.input_id, system_a=p.a.system, system_b=p.b.system,
                                  kind=p.kind, gold_answers=json.dumps(p.gold_answers, sort_keys=True)))

    def _sqlite_path(self) -> Path | None:
        url = make_url(self.url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return Path(url.database)

    def _ping(self) -> None:
        """Raise :class:`ConnectionFailed` (redacted URL, driver's one-line reason) if the DB is unreachable."""
        try:
            with self.engine.connect():
                pass
        except SQLAlchemyError as e:
            raise ConnectionFailed(f"cannot connect to database {self.safe_url}: {short_error(e, self.url)}") from e

    def check(self) -> None:
        """Raise unless the database was initialised for this study (never creates a SQLite file)."""
        path = self._sqlite_path()
        if path is not None and not path.is_file():
            raise NotFound(f"no database file at {path}: run `python -m user_study init STUDY --db {self.safe_url}` "
                           "first (or check --db)")
        self._ping()
        try:
            with self._read() as s:
                fp = s.get(Meta, "fingerprint")
        except SQLAlchemyError as e:  # missing tables surface as driver-specific errors
            raise NotFound(f"database {self.safe_url} is not initialised: run `python -m user_study init`") from e
        if fp is None:
            raise NotFound(f"database {self.safe_url} is not initialised: run `python -m user_study init`")
        if self.study is not None and fp.value != self.study.fingerprint():
            raise Conflict(f"database {self.safe_url} holds a different study design; use the matching study file")

    @property
    def secret(self) -> str:
        if self._secret is None:
            env = os.environ.get("USER_STUDY_SECRET")
            if env:
                self._secret = env
            else:
                with self._read() as s:
                    row = s.get(Meta, "secret")
                if row is None:
                    raise NotFound("database not initialised: run `python -m user_study init`")
                self._secret = row.value
        return self._secret

    def rater_hash(self, source: str, raw_id: str) -> str:
        """HMAC-SHA256 of ``source:raw_id`` — raw worker ids and codes are never stored."""
        return _hmac(self.secret, f"{source}:{raw_id}")

    def link_signature(self, code: str) -> str:
        """The ``sig`` of a signed rater link ``/?rater=CODE&sig=…`` (HMAC of the code, 20 hex digits)."""
        return _hmac(self.secret, f"link:{code}")[:20]

    def check_link(self, code: str, sig: str) -> bool:
        return bool(sig) and hmac.compare_digest(sig.encode(), self.link_signature(code).encode())

    def _bind_hash(self, browser: str | None) -> str:
        return _hmac(self.secret, f"browser:{browser}") if browser else ""

    def _check_bind(self, bound: str, browser: str | None) -> None:
        """``browser=None``: internal caller, no check; else a bound batch needs the same browser key."""
        if browser is not None and bound and not hmac.compare_digest(bound, self._bind_hash(browser)):
            raise Forbidden("this batch was opened in another browser; open your own link there")

    # ------------------------------------------------------------ sessions
    def open_session(self, source: str, raw_id: str, external_key: str = "", hit_id: str = "",
                     turk_submit_to: str = "", seed: int | None = None, client: str = "",
                     browser: str = "") -> SessionView:
        """Resume the rater's batch for ``external_key`` or allocate a new balanced one.

        ``source`` is ``"mturk"`` (``raw_id`` = workerId, ``external_key`` = assignmentId) or ``"code"``
        (standalone rater code; a finished batch is followed by a new one while work remains).
        ``client`` (the client address) is counted against ``policy.max_open_batches_per_client`` when a
        new batch is allocated (:class:`TooManyRequests`).  ``browser`` (a random per-browser key from a
        cookie) binds a code rater to the first browser: the same code from another browser gets
        :class:`Forbidden`, so a typed code is not a password.  ``""`` = no binding (MTurk, signed links).
        """
        study = self._need_study()
        if source not in ("mturk", "code"):
            raise Invalid(f"unknown rater source {source!r}")
        for name, value in (("rater id", raw_id), ("assignment id", external_key), ("hit id", hit_id)):
            if value and not ID_RE.match(value):
                raise Invalid(f"malformed {name}: only letters, digits, _ . - allowed (max 128)")
        if not raw_id:
            raise Invalid("missing rater id")
        if source == "code" and study.rater_codes and raw_id not in study.rater_codes:
            raise Forbidden("unknown rater code")
        rhash = self.rater_hash(source, raw_id)
        bind = self._bind_hash(browser)
        client_hash = _hmac(self.secret, f"client:{client}") if client else ""
        for attempt in range(5):
            try:
                with self._writing() as s:
                    self._lock(s)
                    rater = s.scalar(select(Rater).where(Rater.rater_hash == rhash))
                    if rater is None:
                        rater = Rater(rater_hash=rhash, source=source)
                        s.add(rater)
                        s.flush()
                    elif bind and s.scalar(select(BatchSession.id).where(
                            BatchSession.rater_id == rater.id, BatchSession.bind_hash != "",
                            BatchSession.bind_hash != bind).limit(1)) is not None:
                        raise Forbidden("this rater code is already in use in another browser; use your own "
                                        "code or link (ask the study team if this is your code)")
                    if source == "mturk":
                        key = f"mturk:{external_key}"
                        sess = s.scalar(select(BatchSession).where(BatchSession.rater_id == rater.id,
                                                                   BatchSession.external_key == key))
                    else:
                        sess = s.scalar(select(BatchSession).where(
                            BatchSession.rater_id == rater.id, BatchSession.completed_at.is_(None))
                            .order_by(BatchSession.id.desc()))
                        n = s.scalar(select(func.count()).select_from(BatchSession)
                                     .where(BatchSession.rater_id == rater.id))
                        key = f"code:{n}"
                    now = self._clock()
                    if sess is None:
                        self._check_client_quota(s, client_hash, now)
                        sess = self._allocate(s, study, rater.id, key, hit_id, turk_submit_to, seed)
                        sess.client_hash, sess.opened_s, sess.bind_hash = client_hash, now, bind
                    else:
                        self._check_bind(sess.bind_hash, browser)
                        self._renew(s, sess.id, now)
                    token = sess.token
                return self.session_view(token)
            except IntegrityError:  # two first visits of the same rater raced; the retry resumes
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def _check_client_quota(self, s: Session, client_hash: str, now: float) -> None:
        limit, window = self.policy.max_open_batches_per_client, self.policy.window_s
        if not client_hash or limit <= 0:
            return
        opened = sorted(s.scalars(select(BatchSession.opened_s).where(
            BatchSession.client_hash == client_hash, BatchSession.completed_at.is_(None),
            BatchSession.opened_s > now - window)))
        if len(opened) >= limit:
            wait = opened[len(opened) - limit] + window - now
            raise TooManyRequests(f"too many unfinished batches from your network ({len(opened)} in the last "
                                  f"{window / 60:.0f} min); finish one or try again in {wait / 60:.0f} min", wait)

    def _renew(self, s: Session, session_id: int, now: float) -> None:
        """Extend the lease of a batch's assignments (activity: a vote or reopening the batch)."""
        s.execute(update(Assignment).where(Assignment.session_id == session_id)
                  .values(expires_at=now + self.policy.lease_s))

    def _lock(self, s: Session) -> None:
        if self.engine.dialect.name == "postgresql":
            s.execute(select(Meta).where(Meta.key == "alloc_lock").with_for_update())

    def _allocate(self, s: Session, study: Study, rater_id: int, key: str, hit_id: str,
                  turk_submit_to: str, seed: int | None) -> BatchSession:
        now = self._clock()
        rng = random.Random(seed) if seed is not None else random.SystemRandom()
        voted = select(Vote.assignment_id)
        live = (select(Assignment.pair_id, func.count())
                .where(Assignment.repeat_of.is_(None))
                .where((Assignment.id.in_(voted)) | (Assignment.expires_at > now))
                .group_by(Assignment.pair_id))
        counts = Counter(dict(s.execute(live).all()))
        seen = set(s.scalars(select(Assignment.pair_id).where(Assignment.rater_id == rater_id)))
        todo = [p.id for p in study.pairs if counts[p.id] < study.raters_per_pair and p.id not in seen]
        if not todo:
            raise StudyComplete("no pairs left to rate in this study — thank you!")
        rng.shuffle(todo)
        todo.sort(key=lambda pid: counts[pid])  # stable: fewest ratings first, random among equals
        main = todo[: study.batch_size]
        gold_pool = [g.id for g in study.gold if g.id not in seen] or [g.id for g in study.gold]
        gold = rng.sample(gold_pool, min(study.gold_per_batch, len(gold_pool)))
        items = main + gold
        rng.shuffle(items)
        sess = BatchSession(token=secrets.token_hex(16), rater_id=rater_id, external_key=key,
                            hit_id=hit_id, turk_submit_to=turk_submit_to)
        s.add(sess)
        s.flush()
        rows = [Assignment(id=secrets.token_hex(12), session_id=sess.id, rater_id=rater_id, pair_id=pid,
                           position=i, left_is_a=rng.random() < 0.5, expires_at=now + self.policy.lease_s)
                for i, pid in enumerate(items)]
        originals = rng.sample([r for r in rows if r.pair_id in main], min(study.repeats_per_batch, len(main)))
        for j, orig in enumerate(originals):  # repeats go last, sides swapped
            rows.append(Assignment(id=secrets.token_hex(12), session_id=sess.id, rater_id=rater_id,
                                   pair_id=orig.pair_id, position=len(items) + j, left_is_a=not orig.left_is_a,
                                   repeat_of=orig.id, expires_at=now + self.policy.lease_s))
        s.add_all(rows)
        return sess

    def session_view(self, token: str, browser: str | None = None) -> SessionView:
        with self._read() as s:
            sess = s.scalar(select(BatchSession).where(BatchSession.token == token))
            if sess is None:
                raise NotFound("unknown session")
            self._check_bind(sess.bind_hash, browser)
            rows = s.execute(select(Assignment, Vote.id).outerjoin(Vote, Vote.assignment_id == Assignment.id)
                             .where(Assignment.session_id == sess.id).order_by(Assignment.position)).all()
            items = tuple(AssignmentView(a.id, a.position, a.pair_id, "a" if a.left_is_a else "b",
                                         vid is not None) for a, vid in rows)
            return SessionView(sess.token, items, sess.completed_at is not None, sess.completion_code,
                               sess.turk_submit_to, sess.external_key)

    def assignment_media(self, token: str, assignment_id: str, browser: str | None = None) -> tuple[str, str]:
        """``(pair_id, left_is_a)`` check helper: the pair of an assignment in this session."""
        with self._read() as s:
            row = s.execute(select(Assignment.pair_id, Assignment.left_is_a, BatchSession.bind_hash).join(
                BatchSession, BatchSession.id == Assignment.session_id).where(
                BatchSession.token == token, Assignment.id == assignment_id)).first()
        if row is None:
            raise NotFound("unknown assignment")
        self._check_bind(row[2], browser)
        return row[0], ("a" if row[1] else "b")

    # --------------------------------------------------------------- votes
    def submit_vote(self, token: str, assignment_id: str, answers: dict[str, str], watch_left_ms: int,
                    watch_right_ms: int, browser: str | None = None) -> int:
        """Store one vote (all questions of one assignment) atomically; returns the vote id.

        Raises :class:`NotFound` for an assignment not in this session, :class:`Invalid` for a bad
        payload and :class:`Conflict` when the assignment already has a vote (nothing is changed).
        """
        study = self._need_study()
        if not isinstance(answers, dict):
            raise Invalid("answers must be an object {question_id: side}")
        expected = {q.id: q for q in study.questions}
        if set(answers) != set(expected):
            missing, extra = sorted(set(expected) - set(answers)), sorted(set(answers) - set(expected))
            shown = [k[:40] for k in extra[:3]] + ([f"… {len(extra) - 3} more"] if len(extra) > 3 else [])
            raise Invalid(f"answers must cover exactly the study questions (missing {missing}, unknown {shown})")
        for qid, side in answers.items():
            if side not in expected[qid].allowed():
                raise Invalid(f"answer to {qid!r} must be one of {list(expected[qid].allowed())}")
        for name, v in (("watch_left_ms", watch_left_ms), ("watch_right_ms", watch_right_ms)):
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 24 * 3600 * 1000:
                raise Invalid(f"{name} must be a non-negative integer (ms)")
        with self._read() as s:  # lookups outside the write transaction keep it short
            row = s.execute(select(Assignment.id, Assignment.rater_id, Assignment.pair_id, Assignment.left_is_a,
                                   Vote.id, BatchSession.id, BatchSession.bind_hash)
                            .join(BatchSession, BatchSession.id == Assignment.session_id)
                            .outerjoin(Vote, Vote.assignment_id == Assignment.id)
                            .where(BatchSession.token == token, Assignment.id == assignment_id)).first()
        if row is None:
            raise NotFound("unknown assignment for this session")
        aid, rater_id, pair_id, left_is_a, existing, session_id, bound = row
        self._check_bind(bound, browser)
        if existing is not None:
            raise Conflict("this assignment already has a vote; it was not changed")
        pair = study.pair(pair_id)
        left, right = (pair.a, pair.b) if left_is_a else (pair.b, pair.a)
        rows = []
        for qid, side in answers.items():
            if side in ("left", "right"):
                chosen = ("a" if left_is_a else "b") if side == "left" else ("b" if left_is_a else "a")
                winner = pair.a.system if chosen == "a" else pair.b.system
            else:
                chosen, winner = side, None
            rows.append({"question_id": qid, "side": side, "answer": chosen, "winner_system": winner})
        try:
            with self._writing() as s:  # the UNIQUE assignment_id index arbitrates concurrent duplicates
                vote_id = s.execute(insert(Vote).values(
                    assignment_id=aid, rater_id=rater_id, pair_id=pair_id, left_system=left.system,
                    right_system=right.system, watch_left_ms=watch_left_ms, watch_right_ms=watch_right_ms,
                    created_at=utcnow()).returning(Vote.id)).scalar_one()
                s.execute(insert(Answer), [{"vote_id": vote_id, **r} for r in rows])
                self._renew(s, session_id, self._clock())
                return vote_id
        except IntegrityError as e:  # a concurrent duplicate submit lost the race on the UNIQUE index
            raise Conflict("this assignment already has a vote; it was not changed") from e

    def complete_session(self, token: str, browser: str | None = None) -> str:
        """Mark a fully voted batch complete and return its completion code (idempotent)."""
        with self._writing() as s:
            sess = s.scalar(select(BatchSession).where(BatchSession.token == token))
            if sess is None:
                raise NotFound("unknown session")
            self._check_bind(sess.bind_hash, browser)
            if sess.completed_at is not None:
                return sess.completion_code
            n_open = s.scalar(select(func.count()).select_from(Assignment).outerjoin(
                Vote, Vote.assignment_id == Assignment.id).where(Assignment.session_id == sess.id,
                                                                  Vote.id.is_(None)))
            if n_open:
                raise Conflict(f"{n_open} item(s) of this batch still need a vote")
            sess.completed_at = utcnow()
            sess.completion_code = _hmac(self.secret, f"done:{token}")[:10].upper()
            return sess.completion_code

    # ------------------------------------------------------------- reading
    def vote_rows(self) -> list[dict[str, Any]]:
        """One dict per answer, joined with design facts; input of :mod:`user_study.analysis`."""
        q = (select(Answer.question_id, Answer.side, Answer.answer, Answer.winner_system, Vote.id, Vote.rater_id,
                    Vote.pair_id, Vote.left_system, Vote.right_system, Vote.watch_left_ms, Vote.watch_right_ms,
                    Vote.created_at, Assignment.id, Assignment.repeat_of, Assignment.left_is_a, PairRow.kind,
                    PairRow.input_id, PairRow.system_a, PairRow.system_b, PairRow.gold_answers)
             .join(Vote, Vote.id == Answer.vote_id).join(Assignment, Assignment.id == Vote.assignment_id)
             .join(PairRow, PairRow.id == Vote.pair_id).order_by(Vote.id, Answer.question_id))
        keys = ("question_id", "side", "answer", "winner_system", "vote_id", "rater_id", "pair_id", "left_system",
                "right_system", "watch_left_ms", "watch_right_ms", "created_at", "assignment_id", "repeat_of",
                "left_is_a", "kind", "input_id", "system_a", "system_b", "gold_answers")
        with self._read() as s:
            out = [dict(zip(keys, r)) for r in s.execute(q).all()]
        for r in out:
            r["gold"] = json.loads(r.pop("gold_answers") or "{}").get(r["question_id"])
            r["created_at"] = str(r["created_at"])
        return out

    def progress(self) -> dict[str, Any]:
        """Live counts for the admin dashboard."""
        now = self._clock()
        with self._read() as s:
            n_votes = s.scalar(select(func.count()).select_from(Vote))
            n_raters = s.scalar(select(func.count()).select_from(Rater))
            n_sessions = s.scalar(select(func.count()).select_from(BatchSession))
            n_done = s.scalar(select(func.count()).select_from(BatchSession).where(
                BatchSession.completed_at.is_not(None)))
            per_pair = dict(s.execute(select(Vote.pair_id, func.count()).join(
                Assignment, Assignment.id == Vote.assignment_id).where(Assignment.repeat_of.is_(None))
                .group_by(Vote.pair_id)).all())
            in_flight = s.scalar(select(func.count()).select_from(Assignment).outerjoin(
                Vote, Vote.assignment_id == Assignment.id).where(Vote.id.is_(None), Assignment.expires_at > now))
            kinds = dict(s.execute(select(PairRow.id, PairRow.kind)).all())
        n_per = self.study.raters_per_pair if self.study else 0
        main = [pid for pid, k in kinds.items() if k == "main"]
        complete = sum(1 for pid in main if per_pair.get(pid, 0) >= n_per) if n_per else None
        return {"votes": n_votes, "raters": n_raters, "batches": n_sessions, "batches_completed": n_done,
                "in_flight_assignments": in_flight, "main_pairs": len(main), "pairs_complete": complete,
                "raters_per_pair": n_per, "needed_votes": len(main) * n_per,
                "main_votes": sum(per_pair.get(pid, 0) for pid in main)}

    def count_votes(self) -> int:
        with self._read() as s:
            return s.scalar(select(func.count()).select_from(Vote))

    def dispose(self) -> None:
        self.engine.dispose()

    def _need_study(self) -> Study:
        if self.study is None:
            raise ValueError("this operation needs the study (Store(url, study))")
        return self.study
