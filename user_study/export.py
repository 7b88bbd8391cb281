"""MTurk export: ExternalQuestion XML and a HIT batch CSV for a study (files only, no network call).

Each MTurk assignment is one rater batch allocated by the server, so the study needs
``study.n_batches_needed()`` assignments.  They are split into HITs of at most
``max_assignments_per_hit`` (MTurk charges an extra 20 % fee above 9), which also lets one worker do
several batches (one per HIT).  Every CSV row holds the keyword arguments of boto3's
``mturk.create_hit`` (see docs/user_study.md for the 6-line upload script).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from .study import Study

EXTERNAL_QUESTION_NS = ("http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/"
                        "2006-07-14/ExternalQuestion.xsd")


@dataclass
class HitConfig:
    title: str = "Compare the motion of two short videos"
    description: str = "Watch two short videos side by side and answer four questions about their motion."
    keywords: str = "video, comparison, motion, rating"
    reward_usd: str = "0.50"  # per assignment (one batch)
    max_assignments_per_hit: int = 9  # >9 adds MTurk's 20 % fee
    assignment_duration_s: int = 3600
    lifetime_s: int = 7 * 24 * 3600
    auto_approval_delay_s: int = 3 * 24 * 3600
    frame_height: int = 0  # 0 = full window


def external_question_xml(url: str, frame_height: int = 0) -> str:
    """ExternalQuestion document pointing MTurk at the study server (``url`` must be https)."""
    if not url.startswith("https://"):
        raise ValueError(f"MTurk requires an https ExternalURL, got {url!r}")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<ExternalQuestion xmlns="{EXTERNAL_QUESTION_NS}">\n'
            f"  <ExternalURL>{escape(url)}</ExternalURL>\n"
            f"  <FrameHeight>{int(frame_height)}</FrameHeight>\n"
            "</ExternalQuestion>\n")


def hit_rows(study: Study, url: str, cfg: HitConfig | None = None) -> list[dict[str, str | int]]:
    """One dict per HIT with boto3 ``create_hit`` keyword names."""
    cfg = cfg or HitConfig()
    if cfg.max_assignments_per_hit < 1:
        raise ValueError("max_assignments_per_hit must be >= 1")
    xml = external_question_xml(url, cfg.frame_height)
    needed = study.n_batches_needed()
    n_hits = math.ceil(needed / cfg.max_assignments_per_hit)
    rows = []
    for i in range(n_hits):
        n = min(cfg.max_assignments_per_hit, needed - i * cfg.max_assignments_per_hit)
        rows.append({"Title": cfg.title, "Description": cfg.description, "Keywords": cfg.keywords,
                     "Reward": cfg.reward_usd, "MaxAssignments": n,
                     "AssignmentDurationInSeconds": cfg.assignment_duration_s, "LifetimeInSeconds": cfg.lifetime_s,
                     "AutoApprovalDelayInSeconds": cfg.auto_approval_delay_s,
                     "RequesterAnnotation": f"{study.name}:hit{i:04d}", "Question": xml})
    return rows


def write_mturk(study: Study, url: str, out_dir: str | Path, cfg: HitConfig | None = None) -> list[Path]:
    """Write ``external_question.xml`` and ``hits.csv``; returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cfg = cfg or HitConfig()
    xml_path = out / "external_question.xml"
    xml_path.write_text(external_question_xml(url, cfg.frame_height))
    rows = hit_rows(study, url, cfg)
    csv_path = out / "hits.csv"
    with csv_path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return [xml_path, csv_path]
