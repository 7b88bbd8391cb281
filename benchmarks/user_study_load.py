"""Load test of the user-study server on loopback: concurrent raters, SIGKILL mid-run, exact recount.

    python benchmarks/user_study_load.py                       # 50 raters in parallel, 2,000 votes, SQLite
    python benchmarks/user_study_load.py --db postgres-temp      # throwaway local PostgreSQL server
    python benchmarks/user_study_load.py --db postgresql://postgres@127.0.0.1:5432/study
    python benchmarks/user_study_load.py --votes 300 --concurrency 20 --kill-at 150   # quick
    python benchmarks/user_study_load.py --scenario abuse                  # flood + oversized bodies

Prints one JSON object: p50/p95/p99 submit latency (ms, client side, successful submits), votes/s,
acknowledged votes before the kill, the count found in the database right after the kill, and the final
lost / duplicated / corrupted counts (all must be 0).  Exit status 1 if any check fails.

``--scenario abuse`` runs ``serve`` with its default limits (client addresses simulated with
``X-Forwarded-For`` via ``--client-ip-header``) and measures: 40 session openings from one address
(fresh codes and forged workerIds) followed by an honest rater from another address (votes stored), and
a 13 MB vote body with 1 M answer keys sent with ``Content-Length`` and chunked (time to the answer,
answer size).  Exit status 1 unless the honest rater's votes are all stored and both bodies get a 413
under 1 KB in under 1 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from user_study.demo import write_demo_study  # noqa: E402
from user_study.loadtest import (  # noqa: E402
    ServerProcess,
    check_database,
    new_postgres_database,
    run_load,
    temp_postgres,
)
from user_study.store import Store  # noqa: E402
from user_study.study import load_study  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--votes", type=int, default=2000, help="votes to collect")
    p.add_argument("--concurrency", type=int, default=50, help="raters voting at the same time")
    p.add_argument("--kill-at", type=int, default=1000, help="SIGKILL the server after this many acks (-1: never)")
    p.add_argument("--db", default="", help="SQLAlchemy URL, or 'postgres-temp' for a throwaway local PostgreSQL "
                   "(default: a fresh SQLite file in a temp dir)")
    p.add_argument("--time-limit", type=float, default=540.0, help="stop after this many seconds")
    p.add_argument("--workdir", default="", help="where to write the demo study (default: temp dir)")
    p.add_argument("--scenario", choices=["load", "abuse"], default="load")
    args = p.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="us_load_"))
    if args.scenario == "abuse":
        return abuse(work)
    n_inputs = max(10, args.votes // 4)  # 2 main pairs per input, 3 raters per pair: ample supply
    t0 = time.time()
    study_path = write_demo_study(work, n_inputs=n_inputs, batch_size=10, videos="reuse")
    study = load_study(study_path)
    with contextlib.ExitStack() as stack:
        if args.db == "postgres-temp":
            db = new_postgres_database(stack.enter_context(temp_postgres()))
        else:
            db = args.db or f"sqlite:///{work / 'load.db'}"
        return run(args, study_path, study, db, time.time() - t0)


def run(args: argparse.Namespace, study_path: Path, study, db: str, setup_s: float) -> int:  # noqa: ANN001
    Store(db, study).init()
    server = ServerProcess(study_path, db)
    server.start()
    try:
        res = run_load(server, study, target_votes=args.votes, concurrency=args.concurrency,
                       kill_at=None if args.kill_at < 0 else args.kill_at, time_limit_s=args.time_limit,
                       progress=True)
    finally:
        server.stop()
    check = check_database(db, study, res)
    out = {**res.summary(), **check, "db": db.split("://")[0], "setup_s": round(setup_s, 1)}
    print(json.dumps(out, indent=2))
    ok = (check["lost"] == 0 and check["duplicated"] == 0 and check["corrupted"] == 0 and check["unexpected"] == 0
          and res.missing_after_restart in (0, -1) and not res.errors
          and len(res.acked) + len(res.replayed) >= args.votes)
    return 0 if ok else 1


def _raw_post(port: int, body: bytes, chunked: bool) -> tuple[str, int, float]:
    """POST /api/vote over a raw socket; the body is sent from a thread so an early answer is seen at once.

    Returns (status line, response bytes, seconds from the first byte sent to the whole answer read).
    """
    head = "POST /api/vote HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
    if chunked:
        step = 1 << 16
        payload = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + step]), body[i:i + step])
                           for i in range(0, len(body), step)) + b"0\r\n\r\n"
        head += "Transfer-Encoding: chunked\r\n\r\n"
    else:
        payload = body
        head += f"Content-Length: {len(body)}\r\n\r\n"
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)

    def send() -> None:
        with contextlib.suppress(OSError):  # the server may close before taking the whole body
            sock.sendall(head.encode() + payload)

    t0 = time.perf_counter()
    threading.Thread(target=send, daemon=True).start()
    reply = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except OSError:
            break
        if not chunk:
            break
        reply += chunk
        header, _, rest = reply.partition(b"\r\n\r\n")
        length = [int(h.split(b":")[1]) for h in header.split(b"\r\n") if h.lower().startswith(b"content-length")]
        if length and len(rest) >= length[0]:
            break
    dt = time.perf_counter() - t0
    sock.close()
    return reply.split(b"\r\n", 1)[0].decode(), len(reply), dt


def abuse(work: Path) -> int:
    import httpx

    from user_study.loadtest import CFG_RE, expected_answers

    study_path = write_demo_study(work, n_inputs=6, batch_size=4, videos="reuse")  # 36 slots, 4 per batch
    study = load_study(study_path)
    db = f"sqlite:///{work / 'abuse.db'}"
    Store(db, study).init()
    server = ServerProcess(study_path, db, serve_args=("--client-ip-header", "X-Forwarded-For"))
    server.start()
    out: dict = {}
    try:
        with httpx.Client(base_url=server.base, timeout=30, follow_redirects=True) as flood:
            statuses, t0 = [], time.perf_counter()
            for i in range(40):
                params = {"rater": f"flood{i}"} if i % 2 else {"workerId": f"FAKE{i}", "assignmentId": f"A{i}"}
                statuses.append(flood.get("/", params=params, headers={"X-Forwarded-For": "203.0.113.7"}).status_code)
            out["flood"] = {"requests": 40, "seconds": round(time.perf_counter() - t0, 2),
                            "status_counts": {str(k): statuses.count(k) for k in sorted(set(statuses))}}
        with httpx.Client(base_url=server.base, timeout=30, headers={"X-Forwarded-For": "198.51.100.20"},
                          follow_redirects=True) as c:
            r = c.get("/", params={"rater": "honest"})
            m = CFG_RE.search(r.text)
            stored = 0
            if r.status_code == 200 and m:
                token = json.loads(m.group(1))["token"]
                items = c.get(f"/api/session/{token}").json()["assignments"]
                for a in items:
                    body = {"token": token, "assignment_id": a["id"], "answers": expected_answers(study, a["id"]),
                            "watch_left_ms": 600, "watch_right_ms": 650}
                    stored += c.post("/api/vote", json=body).status_code == 201
            out["honest_rater"] = {"entry_status": r.status_code, "votes_stored": stored,
                                   "batch_items": len(items) if m else 0}
        answers = ",".join(f'"k{i}":"a"' for i in range(1_000_000))
        head = json.dumps({"token": "0" * 32, "assignment_id": "0" * 24, "watch_left_ms": 1, "watch_right_ms": 1})
        big = (head[:-1] + ', "answers": {' + answers + "}}").encode()
        out["body_MB"] = round(len(big) / 1e6, 1)
        for mode in ("content_length", "chunked"):
            status, size, dt = _raw_post(server.port, big, chunked=mode == "chunked")
            out[f"huge_body_{mode}"] = {"status": status, "response_bytes": size, "seconds": round(dt, 3)}
    finally:
        server.stop()
    print(json.dumps(out, indent=2))
    ok = (out["honest_rater"]["votes_stored"] > 0
          and out["honest_rater"]["votes_stored"] == out["honest_rater"]["batch_items"]
          and all(" 413 " in out[k]["status"] + " " and out[k]["response_bytes"] < 1024 and out[k]["seconds"] < 1.0
                  for k in ("huge_body_content_length", "huge_body_chunked")))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
