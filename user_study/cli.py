"""``python -m user_study {validate,init,serve,links,status,analyze,export,demo} --help``."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from pathlib import Path

from .study import StudyError, load_study

DEFAULT_DB = os.environ.get("USER_STUDY_DB", "sqlite:///user_study.db")


def _store(db: str, study=None, policy=None):  # noqa: ANN001, ANN202
    from .store import Store

    return Store(db, study, policy)


def cmd_validate(args: argparse.Namespace) -> int:
    study = load_study(args.study)
    missing = [v for p in study.all_pairs() for v in (p.a.video, p.b.video)
               if not v.startswith(("http://", "https://")) and not Path(v).is_file()]
    print(json.dumps({"name": study.name, "systems": list(study.systems), "pairs": len(study.pairs),
                      "gold": len(study.gold), "questions": [q.id for q in study.questions],
                      "raters_per_pair": study.raters_per_pair, "batch_size": study.batch_size,
                      "batches_needed": study.n_batches_needed(), "missing_videos": len(set(missing)),
                      "fingerprint": study.fingerprint()}, indent=2))
    if missing:
        print(f"error: {len(set(missing))} video file(s) missing, e.g. {missing[0]}", file=sys.stderr)
        return 2
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    study = load_study(args.study)
    store = _store(args.db, study)
    store.init()
    print(f"initialised {args.db} for study {study.name!r}: {len(study.pairs)} pairs, {len(study.gold)} gold, "
          f"{study.n_batches_needed()} batches needed")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import DEFAULT_TURK_HOSTS, AppConfig, create_app
    from .store import ReservationPolicy, redact_url

    study = load_study(args.study)
    if args.max_body_kb <= 0 or args.lease_min <= 0 or args.window_min <= 0 or args.max_open_batches < 0:
        print("error: --max-body-kb, --lease-min and --window-min must be > 0, --max-open-batches >= 0",
              file=sys.stderr)
        return 2
    policy = ReservationPolicy(lease_s=args.lease_min * 60, max_open_batches_per_client=args.max_open_batches,
                               window_s=args.window_min * 60)
    store = _store(args.db, study, policy)
    store.init()
    token = args.admin_token or os.environ.get("USER_STUDY_ADMIN_TOKEN") or secrets.token_urlsafe(18)
    hosts = tuple(args.turk_submit_host) if args.turk_submit_host else DEFAULT_TURK_HOSTS
    app = create_app(study, store, AppConfig(admin_token=token, turk_submit_hosts=hosts,
                                             require_watch=args.require_watch == "yes",
                                             max_body_bytes=int(args.max_body_kb * 1024), code_entry=args.code_entry,
                                             client_ip_header=args.client_ip_header))
    print(f"study {study.name!r} on http://{args.host}:{args.port}/  (db {redact_url(args.db)})", flush=True)
    print(f"code entry {args.code_entry}; leases {args.lease_min:g} min; at most {args.max_open_batches or 'any'} "
          f"unfinished batches per client per {args.window_min:g} min", flush=True)
    if not (args.admin_token or os.environ.get("USER_STUDY_ADMIN_TOKEN")):
        print(f"admin: http://{args.host}:{args.port}/admin  (log in with token {token})", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=args.log_level == "info")
    return 0


def cmd_links(args: argparse.Namespace) -> int:
    import csv
    from urllib.parse import urlencode

    from .study import read_codes_file

    study = load_study(args.study)
    if not args.url.startswith(("https://", "http://")):
        print("error: --url must be the server's address, e.g. https://study.example.org/", file=sys.stderr)
        return 2
    if args.codes:
        codes = list(read_codes_file(args.codes))
    elif args.count:
        codes = [f"{args.prefix}{secrets.token_hex(4)}" for _ in range(args.count)]
    elif study.rater_codes:
        codes = list(study.rater_codes)
    else:
        print("error: give --codes FILE or --count N (the study file has no rater_codes)", file=sys.stderr)
        return 2
    store = _store(args.db, study)
    store.check()  # the signing key is the database's secret (or $USER_STUDY_SECRET)
    base = args.url.rstrip("/") + "/"
    w = csv.writer(sys.stdout)
    w.writerow(["code", "url"])
    for c in codes:
        w.writerow([c, base + "?" + urlencode({"rater": c, "sig": store.link_signature(c)})])
    if args.count and not args.codes and study.rater_codes:
        print("note: the study's rater_codes allow-list does not hold these generated codes", file=sys.stderr)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    study = load_study(args.study) if args.study else None
    store = _store(args.db, study)
    store.check()
    print(json.dumps(store.progress(), indent=2))
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .analysis import AnalysisConfig, analyze, report_markdown
    from .plots import write_figures

    study = load_study(args.study) if args.study else None
    store = _store(args.db, study)
    store.check()
    with tqdm(total=3, desc="analyze", disable=args.quiet == "yes") as bar:
        rows = store.vote_rows()
        bar.update()
        if not rows:
            print("error: no votes in the database yet", file=sys.stderr)
            return 2
        cfg = AnalysisConfig(reference=args.reference, min_gold_accuracy=args.min_gold_accuracy,
                             min_repeat_agreement=args.min_repeat_agreement, n_boot=args.n_boot,
                             raters_per_pair=study.raters_per_pair if study else args.raters_per_pair)
        known = {s for r in rows for s in (r["system_a"], r["system_b"])}
        if args.reference and args.reference not in known:
            print(f"error: --reference {args.reference!r} is not one of the systems {sorted(known)}", file=sys.stderr)
            return 2
        report = analyze(rows, cfg)
        bar.update()
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(json.dumps(report.to_dict(), indent=2))
        title = study.name if study else "User study"
        (out / "report.md").write_text(report_markdown(report, title))
        files = write_figures(report, out, png=args.png, title=title) if report.comparisons else []
        bar.update()
    print(report_markdown(report, title))
    print("wrote", ", ".join(str(p) for p in [out / "report.json", out / "report.md", *files]))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if args.what == "mturk":
        from .export import HitConfig, write_mturk

        if not args.url:
            print("error: --url (the public https address of `serve`) is required for --what mturk", file=sys.stderr)
            return 2
        study = load_study(args.study)
        paths = write_mturk(study, args.url, args.out, HitConfig(reward_usd=args.reward))
        print("wrote", ", ".join(map(str, paths)))
        return 0
    from .app import votes_csv

    study = load_study(args.study)
    store = _store(args.db, study)
    store.check()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{study.name}_votes.csv"
    path.write_text(votes_csv(store.vote_rows()))
    print("wrote", path)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import write_demo_study

    path = write_demo_study(args.out, n_inputs=args.n_inputs)
    print(f"wrote {path}; try: python -m user_study serve {path} --db sqlite:///{Path(args.out) / 'demo.db'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m user_study",
                                description="Pairwise video preference study: serve raters, export HITs, analyse votes.")
    sub = p.add_subparsers(dest="cmd", required=True)
    db_help = f"SQLAlchemy URL (default $USER_STUDY_DB or {DEFAULT_DB}); e.g. postgresql://user@host/db"

    s = sub.add_parser("validate", help="check a study file / manifest and print its summary")
    s.add_argument("study", help="study YAML/JSON or a benchmark manifest JSON")
    s.set_defaults(fn=cmd_validate)

    s = sub.add_parser("init", help="create the tables and record the study design")
    s.add_argument("study")
    s.add_argument("--db", default=DEFAULT_DB, help=db_help)
    s.set_defaults(fn=cmd_init)

    s = sub.add_parser("serve", help="run the rater web app (MTurk ExternalQuestion or standalone)")
    s.add_argument("study")
    s.add_argument("--db", default=DEFAULT_DB, help=db_help)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--admin-token", default="", help="token for /admin (default $USER_STUDY_ADMIN_TOKEN, else random)")
    s.add_argument("--turk-submit-host", action="append", default=[],
                   help="allowed turkSubmitTo origin (repeatable; default www.mturk.com and workersandbox.mturk.com)")
    s.add_argument("--require-watch", choices=["yes", "no"], default="yes",
                   help="refuse votes with zero watch time on a side")
    s.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    s.add_argument("--code-entry", choices=["bound", "signed", "off"], default="bound",
                   help="?rater= entry: bound = a code works only in the browser that first used it (cookie); "
                   "signed = only links from `links`; off = MTurk only (default bound)")
    s.add_argument("--max-open-batches", type=int, default=5,
                   help="unfinished batches one client address may open per window; 0 = no limit (default 5)")
    s.add_argument("--window-min", type=float, default=60.0, help="the per-client window in minutes (default 60)")
    s.add_argument("--lease-min", type=float, default=15.0,
                   help="minutes an unvoted assignment keeps its slot without activity (default 15)")
    s.add_argument("--max-body-kb", type=float, default=64.0, help="larger POST bodies get 413 (default 64)")
    s.add_argument("--client-ip-header", default="",
                   help="take the client address from this header's last entry (e.g. X-Forwarded-For) — only "
                   "behind your own reverse proxy that sets it")
    s.set_defaults(fn=cmd_serve)

    s = sub.add_parser("links", help="signed per-rater links (CSV code,url) for --code-entry signed")
    s.add_argument("study")
    s.add_argument("--db", default=DEFAULT_DB, help=db_help + " (its secret signs the links)")
    s.add_argument("--url", required=True, help="public address of `serve`, e.g. https://study.example.org/")
    s.add_argument("--codes", default="", help="file with one rater code per line")
    s.add_argument("--count", type=int, default=0, help="generate N random codes instead")
    s.add_argument("--prefix", default="r", help="prefix of generated codes")
    s.set_defaults(fn=cmd_links)

    s = sub.add_parser("status", help="print live progress counts")
    s.add_argument("--db", default=DEFAULT_DB, help=db_help)
    s.add_argument("--study", default=None)
    s.set_defaults(fn=cmd_status)

    s = sub.add_parser("analyze", help="win rates + CIs, Bradley-Terry, kappa/alpha, bias, rater quality, charts")
    s.add_argument("--db", default=DEFAULT_DB, help=db_help)
    s.add_argument("--study", default=None, help="study file (for its name and raters_per_pair)")
    s.add_argument("--reference", default=None, help="system compared against all others (e.g. revision)")
    s.add_argument("--out", default="user_study_report", help="output folder")
    s.add_argument("--png", choices=["auto", "yes", "no"], default="auto", help="PNG chart via kaleido+Chromium")
    s.add_argument("--min-gold-accuracy", type=float, default=0.75)
    s.add_argument("--min-repeat-agreement", type=float, default=0.5)
    s.add_argument("--n-boot", type=int, default=2000)
    s.add_argument("--raters-per-pair", type=int, default=3, help="used without --study")
    s.add_argument("--quiet", choices=["yes", "no"], default="no")
    s.set_defaults(fn=cmd_analyze)

    s = sub.add_parser("export", help="MTurk HIT CSV + ExternalQuestion XML, or the votes as CSV")
    s.add_argument("study")
    s.add_argument("--what", choices=["mturk", "votes"], default="mturk")
    s.add_argument("--url", default="", help="public https URL of the server (mturk)")
    s.add_argument("--reward", default="0.50", help="USD per assignment (mturk)")
    s.add_argument("--db", default=DEFAULT_DB, help=db_help + " (votes)")
    s.add_argument("--out", default="user_study_export")
    s.set_defaults(fn=cmd_export)

    s = sub.add_parser("demo", help="write a small demo study (generated clips + manifest + study.yaml)")
    s.add_argument("out", help="output folder")
    s.add_argument("--n-inputs", type=int, default=6)
    s.set_defaults(fn=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from sqlalchemy.exc import SQLAlchemyError

    from .store import StoreError, redact_url, short_error

    try:
        return args.fn(args)
    except (StudyError, StoreError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except SQLAlchemyError as e:  # one line, no SQL, no password
        db = getattr(args, "db", "")
        print(f"error: database {redact_url(db)}: {short_error(e, db)}", file=sys.stderr)
        return 2
