"""Fixtures: a demo study with real tiny videos, SQLite and a real PostgreSQL server on loopback.

PostgreSQL: Debian's ``postgresql`` binaries (``/usr/lib/postgresql/*/bin`` or ``$USER_STUDY_PG_BIN``) are
started once per session in a temp dir with ``initdb``/``pg_ctl`` on 127.0.0.1 (as the ``postgres``
system user when the tests run as root, since postgres refuses root).  Each test gets a fresh database.
Tests needing it are skipped — with the reason — only when the binaries are absent.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def pg_server():
    """Base URL (without database) of a throwaway PostgreSQL server on 127.0.0.1 (fsync off)."""
    from user_study.loadtest import postgres_bindir, temp_postgres

    bindir = postgres_bindir()
    if bindir is None or not (bindir / "pg_ctl").exists():
        pytest.skip("PostgreSQL binaries not found (apt-get install postgresql, or set USER_STUDY_PG_BIN)")
    with temp_postgres(bindir, fsync=False) as base:
        yield base


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """The same storage tests run against SQLite (file, WAL) and a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'study.db'}"
    from user_study.loadtest import new_postgres_database

    return new_postgres_database(request.getfixturevalue("pg_server"))


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """Demo study: 6 inputs × 3 systems (12 main pairs), 1 gold pair, real 0.6 s WebM clips."""
    from user_study.demo import write_demo_study

    d = tmp_path_factory.mktemp("demo")
    write_demo_study(d, n_inputs=6, batch_size=4)
    return d


@pytest.fixture(scope="session")
def demo_study(demo_dir):
    from user_study.study import load_study

    return load_study(demo_dir / "study.yaml")


class LiveServer:
    """uvicorn in a background thread on 127.0.0.1 (for browser tests)."""

    def __init__(self, app):
        import uvicorn

        from user_study.loadtest import free_port

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def live_server_factory():
    return LiveServer
