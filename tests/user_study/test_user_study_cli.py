"""CLI: --help everywhere, init → (simulated votes) → status/analyze/export, clear errors on bad input."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from user_study.cli import main
from user_study.demo import simulate_raters
from user_study.store import Store
from user_study.study import load_study

CMDS = ["validate", "init", "serve", "links", "status", "analyze", "export", "demo"]


def test_help_for_every_subcommand():
    out = subprocess.run([sys.executable, "-m", "user_study", "--help"], capture_output=True, text=True, check=True)
    for c in CMDS:
        assert c in out.stdout
    for c in CMDS:
        with pytest.raises(SystemExit) as e:
            main([c, "--help"])
        assert e.value.code == 0


def test_init_vote_analyze_export(tmp_path, demo_dir, capsys):
    study_path = demo_dir / "study.yaml"
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["validate", str(study_path)]) == 0
    assert main(["init", str(study_path), "--db", db]) == 0
    capsys.readouterr()
    study = load_study(study_path)
    store = Store(db, study)
    rng = np.random.default_rng(0)
    strength = {"revision": 1.0, "svd": 0.0, "cogvideox": -0.3, "gold_moving": 0, "gold_still": 0}
    simulate_raters(store, study, strength, rng, prefix="c")
    n_answers = len(store.vote_rows())
    store.dispose()
    assert main(["status", "--db", db, "--study", str(study_path)]) == 0
    assert json.loads(capsys.readouterr().out)["pairs_complete"] == len(study.pairs)
    out = tmp_path / "report"
    assert main(["analyze", "--db", db, "--study", str(study_path), "--reference", "revision", "--out", str(out),
                 "--png", "no", "--n-boot", "200", "--quiet", "yes"]) == 0
    rep = json.loads((out / "report.json").read_text())
    assert {c["other"] for c in rep["comparisons"]} == {"svd", "cogvideox"}
    assert (out / "report.md").read_text().startswith("# demo") and (out / "preference.html").exists()
    exp = tmp_path / "mturk"
    assert main(["export", str(study_path), "--url", "https://study.example.org/", "--out", str(exp)]) == 0
    root = ET.parse(exp / "external_question.xml").getroot()
    assert root.tag.endswith("ExternalQuestion")
    assert root.find("{*}ExternalURL").text == "https://study.example.org/"
    rows = list(csv.DictReader((exp / "hits.csv").open()))
    assert sum(int(r["MaxAssignments"]) for r in rows) == study.n_batches_needed()
    assert all(int(r["MaxAssignments"]) <= 9 for r in rows) and rows[0]["Question"].startswith("<?xml")
    assert main(["export", str(study_path), "--what", "votes", "--db", db, "--out", str(tmp_path / "v")]) == 0
    assert (tmp_path / "v" / "demo_votes.csv").read_text().count("\n") == 1 + n_answers


def test_bad_input_exits_nonzero_with_message(tmp_path, demo_dir, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["status", "--db", f"sqlite:///{tmp_path / 'empty.db'}"]) == 2
    assert "no database file" in capsys.readouterr().err and not (tmp_path / "empty.db").exists()
    assert main(["export", str(demo_dir / "study.yaml"), "--url", "http://insecure", "--out", str(tmp_path)]) == 2
    assert "https" in capsys.readouterr().err


def test_core_imports_neither_torch_nor_gradio():
    code = ("import sys, user_study, user_study.app, user_study.store, user_study.analysis, user_study.plots, "
            "user_study.export, user_study.cli, user_study.loadtest, user_study.demo; "
            "bad = [m for m in ('torch', 'gradio') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_links_are_accepted_by_a_signed_server(tmp_path, demo_dir, capsys):
    from urllib.parse import urlsplit

    from fastapi.testclient import TestClient

    from user_study.app import AppConfig, create_app

    study_path = demo_dir / "study.yaml"
    db = f"sqlite:///{tmp_path / 'links.db'}"
    assert main(["init", str(study_path), "--db", db]) == 0
    capsys.readouterr()
    assert main(["links", str(study_path), "--db", db, "--url", "https://study.example.org/", "--count", "2"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert len(rows) == 2 and all(r["url"].startswith("https://study.example.org/?rater=") for r in rows)
    store = Store(db, load_study(study_path))
    with TestClient(create_app(store.study, store, AppConfig(admin_token="t", code_entry="signed"))) as c:
        for r in rows:
            assert 'id="cfg"' in c.get("/?" + urlsplit(r["url"]).query).text
        assert c.get("/", params={"rater": rows[0]["code"]}).status_code == 403  # the bare code is not enough
    store.dispose()
