"""Loopback load test: many simulated raters vote concurrently; the server is SIGKILLed mid-run.

Used by ``benchmarks/user_study_load.py`` (full size) and the test suite (small size).  Only
127.0.0.1 is ever contacted.  Every vote's answers are a deterministic function of its assignment id,
so the database can be checked for lost, duplicated and corrupted votes afterwards.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .study import Study

CFG_RE = re.compile(r'<script id="cfg" type="application/json">(.*?)</script>', re.S)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """``python -m user_study serve`` as a child process on 127.0.0.1 (restartable on the same port)."""

    def __init__(self, study_path: Path, db: str, port: int | None = None, admin_token: str = "load-admin",
                 serve_args: tuple[str, ...] = ("--max-open-batches", "0")):
        # all simulated raters share 127.0.0.1, so the per-client batch limit is off by default here
        self.study_path, self.db, self.admin_token, self.serve_args = study_path, db, admin_token, serve_args
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        import httpx

        cmd = [sys.executable, "-m", "user_study", "serve", str(self.study_path), "--db", self.db, "--host",
               "127.0.0.1", "--port", str(self.port), "--admin-token", self.admin_token, *self.serve_args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     cwd=str(Path(__file__).resolve().parent.parent))
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not come up in time")

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def postgres_bindir() -> Path | None:
    """Directory of initdb/pg_ctl: ``$USER_STUDY_PG_BIN``, Debian's /usr/lib/postgresql/*/bin, or PATH."""
    import glob
    import shutil

    env = os.environ.get("USER_STUDY_PG_BIN")
    if env:
        return Path(env)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    exe = shutil.which("initdb")
    return Path(exe).parent if exe else None


@contextlib.contextmanager
def temp_postgres(bindir: Path | None = None, fsync: bool = True) -> Iterator[str]:
    """Throwaway PostgreSQL server on 127.0.0.1 in a temp dir; yields a base URL without database.

    Runs ``initdb``/``pg_ctl`` as the ``postgres`` system user when we are root (postgres refuses root).
    """
    import shutil
    import tempfile

    bindir = bindir or postgres_bindir()
    if bindir is None or not (bindir / "pg_ctl").exists():
        raise RuntimeError("PostgreSQL binaries not found: apt-get install postgresql (or set USER_STUDY_PG_BIN)")
    prefix: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="us_pg_"))  # must be reachable by the postgres user
    if os.geteuid() == 0:
        prefix = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", free_port()
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1" + ("" if fsync else " -F")
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                    "--no-sync"], check=True, capture_output=True)
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-t", "60",
                    "-o", opts, "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def new_postgres_database(base: str) -> str:
    """Create a fresh database on the server at ``base`` and return its SQLAlchemy URL."""
    import uuid

    import psycopg

    name = "us_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base.replace("postgresql+psycopg", "postgresql") + "/postgres", autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    return f"{base}/{name}"


def expected_answers(study: Study, assignment_id: str) -> dict[str, str]:
    """Deterministic side answers for an assignment (lets the checker detect corrupted rows)."""
    h = hashlib.sha256(assignment_id.encode()).digest()
    out = {}
    for i, q in enumerate(study.questions):
        allowed = q.allowed()
        out[q.id] = allowed[h[i] % len(allowed)]
    return out


@dataclass
class LoadResult:
    target_votes: int
    concurrency: int
    raters: int
    acked: set[str] = field(default_factory=set)  # 201 responses
    replayed: set[str] = field(default_factory=set)  # 409 after a retry: stored by an earlier attempt
    latencies_ms: list[float] = field(default_factory=list)  # submits that needed no retry
    retried_latencies_ms: list[float] = field(default_factory=list)  # submits that spanned the kill
    retries: int = 0
    errors: list[str] = field(default_factory=list)
    acked_before_kill: int = 0
    in_flight_at_kill: int = 0
    count_after_restart: int = -1
    missing_after_restart: int = -1
    restart_s: float = 0.0
    wall_s: float = 0.0

    def summary(self) -> dict:
        lat = np.asarray(self.latencies_ms) if self.latencies_ms else np.asarray([float("nan")])
        return {"target_votes": self.target_votes, "concurrency": self.concurrency, "raters": self.raters,
                "acked_201": len(self.acked), "replayed_409": len(self.replayed), "retries": self.retries,
                "p50_ms": float(np.percentile(lat, 50)), "p95_ms": float(np.percentile(lat, 95)),
                "p99_ms": float(np.percentile(lat, 99)), "max_ms": float(lat.max()),
                "retried_submits": len(self.retried_latencies_ms),
                "retried_max_ms": float(max(self.retried_latencies_ms, default=float("nan"))),
                "acked_before_kill": self.acked_before_kill, "in_flight_at_kill": self.in_flight_at_kill,
                "count_after_restart": self.count_after_restart,
                "missing_after_restart": self.missing_after_restart, "restart_s": round(self.restart_s, 2),
                "wall_s": round(self.wall_s, 2), "votes_per_s": round(len(self.acked) / max(self.wall_s, 1e-9), 1),
                "errors": self.errors[:5]}


def run_load(server: ServerProcess, study: Study, target_votes: int = 2000, concurrency: int = 50,
             kill_at: int | None = 1000, time_limit_s: float = 600.0, progress: bool = False) -> LoadResult:
    """Drive ``concurrency`` rater threads until ``target_votes`` votes are acknowledged.

    When ``kill_at`` votes are acknowledged the server gets SIGKILL and is restarted on the same
    port; clients retry (connection errors → backoff) exactly as the browser client does.
    """
    import httpx

    from .store import Store

    res = LoadResult(target_votes, concurrency, 0)
    lock = threading.Lock()
    kill_event, killed, up = threading.Event(), threading.Event(), threading.Event()
    up.set()
    in_flight = [0]
    started = time.time()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=target_votes, desc="votes", unit="vote")

    def done() -> bool:
        return len(res.acked) + len(res.replayed) >= target_votes or time.time() - started > time_limit_s

    def request(client: httpx.Client, method: str, url: str, **kw) -> tuple[httpx.Response, int]:
        for attempt in range(200):
            up.wait(30)
            try:
                return client.request(method, url, **kw), attempt
            except httpx.TransportError:
                with lock:
                    res.retries += 1
                time.sleep(min(0.05 * 2 ** min(attempt, 5), 1.0))
        raise RuntimeError(f"gave up on {url}")

    def rater(i: int) -> None:
        with httpx.Client(base_url=server.base, timeout=30.0, follow_redirects=True) as client:  # cookie redirect
            r, _ = request(client, "GET", "/", params={"rater": f"load{i:05d}"})
            if r.status_code == 410:
                return
            m = CFG_RE.search(r.text)
            if r.status_code != 200 or m is None:
                with lock:
                    res.errors.append(f"entry {r.status_code}")
                return
            token = json.loads(m.group(1))["token"]
            items = request(client, "GET", f"/api/session/{token}")[0].json()["assignments"]
            for a in items:
                if done():
                    return
                body = {"token": token, "assignment_id": a["id"], "answers": expected_answers(study, a["id"]),
                        "watch_left_ms": 600, "watch_right_ms": 650}
                with lock:
                    in_flight[0] += 1
                t0 = time.perf_counter()
                try:
                    r, attempts = request(client, "POST", "/api/vote", json=body)
                finally:
                    with lock:
                        in_flight[0] -= 1
                dt = (time.perf_counter() - t0) * 1000
                with lock:
                    if r.status_code == 201:
                        res.acked.add(a["id"])
                        (res.retried_latencies_ms if attempts else res.latencies_ms).append(dt)
                        if bar is not None:
                            bar.update()
                    elif r.status_code == 409:
                        res.replayed.add(a["id"])
                    else:
                        res.errors.append(f"vote {r.status_code}: {r.text[:200]}")
                    if kill_at is not None and not kill_event.is_set() and len(res.acked) >= kill_at:
                        kill_event.set()
            request(client, "POST", "/api/complete", json={"token": token})

    def killer() -> None:
        while not kill_event.wait(0.05):
            if done():
                return
        with lock:  # freeze the acknowledged set at the instant of the kill
            up.clear()
            acked_now = set(res.acked)
            res.in_flight_at_kill = in_flight[0]
            server.kill9()
        res.acked_before_kill = len(acked_now)
        t0 = time.time()
        store = Store(server.db)
        with store._read() as s:  # noqa: SLF001 - direct check of what survived
            from sqlalchemy import select

            from .schema import Vote

            stored = set(s.scalars(select(Vote.assignment_id)))
        store.dispose()
        res.count_after_restart = len(stored)
        res.missing_after_restart = len(acked_now - stored)
        server.start()
        res.restart_s = time.time() - t0
        killed.set()
        up.set()

    kt = threading.Thread(target=killer, daemon=True)
    kt.start()
    i = 0
    with ThreadPoolExecutor(concurrency) as pool:
        futures = []
        while not done():
            while len([f for f in futures if not f.done()]) < concurrency and not done():
                futures.append(pool.submit(rater, i))
                i += 1
            time.sleep(0.02)
            for f in [f for f in futures if f.done()]:
                if f.exception() is not None:
                    res.errors.append(repr(f.exception()))
                futures.remove(f)
        for f in futures:
            f.result()
    kt.join(120)
    res.raters = i
    res.wall_s = time.time() - started
    if bar is not None:
        bar.close()
    return res


def check_database(db: str, study: Study, res: LoadResult) -> dict:
    """Compare the database with what clients were told: lost, duplicated and corrupted votes."""
    from sqlalchemy import func, select

    from .schema import Vote
    from .store import Store

    store = Store(db, study)
    with store._read() as s:  # noqa: SLF001
        total = s.scalar(select(func.count()).select_from(Vote))
        distinct = s.scalar(select(func.count(func.distinct(Vote.assignment_id))))
    rows = store.vote_rows()
    store.dispose()
    stored: dict[str, dict[str, str]] = {}
    for r in rows:
        stored.setdefault(r["assignment_id"], {})[r["question_id"]] = r["side"]
    told = res.acked | res.replayed
    corrupted = sum(1 for aid, ans in stored.items() if ans != expected_answers(study, aid))
    return {"db_votes": total, "duplicated": total - distinct, "lost": len(told - set(stored)),
            "unexpected": len(set(stored) - told), "corrupted": corrupted}
