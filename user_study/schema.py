"""SQLAlchemy tables of a study database (one study per database; all tables prefixed ``us_``).

Votes and answers are append-only: the store never updates or deletes them, and database triggers
(SQLite and PostgreSQL) reject any UPDATE/DELETE so a bug or a stray script cannot rewrite history.
A rater votes at most once per assignment: ``us_votes.assignment_id`` is UNIQUE.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Meta(Base):
    """Key/value facts: study name, design fingerprint, hashing secret, the allocation lock row."""

    __tablename__ = "us_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class PairRow(Base):
    """Copy of the study design so the analysis can run from the database alone."""

    __tablename__ = "us_pairs"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    input_id: Mapped[str] = mapped_column(String(128))
    system_a: Mapped[str] = mapped_column(String(128))
    system_b: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # main | gold
    gold_answers: Mapped[str] = mapped_column(Text, default="{}")  # JSON {question: a|b|tie|none}


class Rater(Base):
    __tablename__ = "us_raters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rater_hash: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC-SHA256 of source:raw id
    source: Mapped[str] = mapped_column(String(16))  # mturk | code
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BatchSession(Base):
    """One batch of assignments for one rater (= one MTurk HIT assignment)."""

    __tablename__ = "us_sessions"
    __table_args__ = (UniqueConstraint("rater_id", "external_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("us_raters.id"))
    external_key: Mapped[str] = mapped_column(String(160))  # mturk:<assignmentId> | code:<n>
    hit_id: Mapped[str] = mapped_column(String(128), default="")
    turk_submit_to: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    completion_code: Mapped[str] = mapped_column(String(32), default="")
    # added by the abuse hardening (init() adds them to older databases, see SESSION_COLUMNS)
    client_hash: Mapped[str] = mapped_column(String(64), default="", index=True)  # HMAC of the client address
    opened_s: Mapped[float] = mapped_column(Float, default=0.0)  # epoch s of the allocation (rate window)
    bind_hash: Mapped[str] = mapped_column(String(64), default="")  # HMAC of the browser cookie; "" = unbound


class Assignment(Base):
    __tablename__ = "us_assignments"
    __table_args__ = (UniqueConstraint("session_id", "position"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random hex
    session_id: Mapped[int] = mapped_column(ForeignKey("us_sessions.id"), index=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("us_raters.id"), index=True)
    pair_id: Mapped[str] = mapped_column(ForeignKey("us_pairs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    left_is_a: Mapped[bool] = mapped_column(Boolean)  # placement shown to the rater
    repeat_of: Mapped[str | None] = mapped_column(String(32), nullable=True)  # side-swapped repeat
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[float] = mapped_column(Float)  # epoch s; unvoted + expired = slot free again


class Vote(Base):
    __tablename__ = "us_votes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("us_assignments.id"), unique=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("us_raters.id"), index=True)
    pair_id: Mapped[str] = mapped_column(ForeignKey("us_pairs.id"), index=True)
    left_system: Mapped[str] = mapped_column(String(128))
    right_system: Mapped[str] = mapped_column(String(128))
    watch_left_ms: Mapped[int] = mapped_column(Integer)
    watch_right_ms: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Answer(Base):
    __tablename__ = "us_answers"
    __table_args__ = (UniqueConstraint("vote_id", "question_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("us_votes.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(128))
    side: Mapped[str] = mapped_column(String(8))  # left | right | tie | none (as seen)
    answer: Mapped[str] = mapped_column(String(8))  # a | b | tie | none (system space)
    winner_system: Mapped[str | None] = mapped_column(String(128), nullable=True)


APPEND_ONLY = ("us_votes", "us_answers")
# us_sessions columns newer than the first release: name -> DDL type and default, for ALTER TABLE
SESSION_COLUMNS = {"client_hash": "VARCHAR(64) NOT NULL DEFAULT ''", "opened_s": "FLOAT NOT NULL DEFAULT 0",
                   "bind_hash": "VARCHAR(64) NOT NULL DEFAULT ''"}


def add_missing_session_columns(conn: Connection) -> list[str]:
    """Bring an older database's ``us_sessions`` up to date (idempotent); returns the columns added."""
    from sqlalchemy import inspect

    have = {c["name"] for c in inspect(conn).get_columns("us_sessions")}
    added = [name for name in SESSION_COLUMNS if name not in have]
    for name in added:
        conn.execute(text(f"ALTER TABLE us_sessions ADD COLUMN {name} {SESSION_COLUMNS[name]}"))
    if "client_hash" in added:
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_us_sessions_client_hash ON us_sessions (client_hash)"))
    return added


def install_append_only_triggers(conn: Connection) -> None:
    """Make UPDATE/DELETE on votes and answers fail at the database level."""
    dialect = conn.dialect.name
    for table in APPEND_ONLY:
        if dialect == "sqlite":
            for op in ("UPDATE", "DELETE"):
                conn.execute(text(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"))
        elif dialect == "postgresql":
            conn.execute(text(
                "CREATE OR REPLACE FUNCTION us_append_only() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"))
            conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))
            conn.execute(text(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                              "FOR EACH ROW EXECUTE FUNCTION us_append_only()"))
