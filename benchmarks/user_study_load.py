"""Load test of the user-study server on loopback: concurrent raters, SIGKILL mid-run, exact recount.

    python benchmarks/user_study_load.py                       # 50 raters in parallel, 2,000 votes, SQLite
    python benchmarks/user_study_load.py --db postgres-temp      # throwaway local PostgreSQL server
    python benchmarks/user_study_load.py --db postgresql://postgres@127.0.0.1:5432/study
    python benchmarks/user_study_load.py --votes 300 --concurrency 20 --kill-at 150   # quick

Prints one JSON object: p50/p95/p99 submit latency (ms, client side, successful submits), votes/s,
acknowledged votes before the kill, the count found in the database right after the kill, and the final
lost / duplicated / corrupted counts (all must be 0).  Exit status 1 if any check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
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
    args = p.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="us_load_"))
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


if __name__ == "__main__":
    sys.exit(main())
