"""Study files and manifests: parsing, pair building, validation errors."""

from __future__ import annotations

import json

import pytest

from user_study.study import PAPER_QUESTIONS, StudyError, load_study, study_from_dict


def _manifest(tmp_path, systems=("revision", "svd", "dynamicrafter"), n=3, drop=None):
    items = []
    for k in range(n):
        vids = {s: f"videos/{s}/{k}.mp4" for s in systems if (s, k) != drop}
        items.append({"input_id": f"in{k}", "image": f"in{k}.png", "prompt": "p", "videos": vids})
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"version": 1, "systems": list(systems), "items": items}))
    return path


def test_manifest_with_reference_builds_reference_vs_each_baseline(tmp_path):
    _manifest(tmp_path, drop=("svd", 1))
    (tmp_path / "study.yaml").write_text("name: s\nmanifest: manifest.json\nreference: revision\n")
    study = load_study(tmp_path / "study.yaml")
    assert len(study.pairs) == 5  # 3 inputs × 2 baselines, minus the missing svd video
    assert all(p.a.system == "revision" for p in study.pairs)
    assert study.pairs[0].a.video == str(tmp_path / "videos/revision/0.mp4")
    assert study.questions == PAPER_QUESTIONS and study.raters_per_pair == 3
    assert study.gold_per_batch == 0


def test_bare_manifest_compares_all_system_pairs(tmp_path):
    path = _manifest(tmp_path)
    study = load_study(path)
    assert len(study.pairs) == 3 * 3
    assert {(p.a.system, p.b.system) for p in study.pairs} == {
        ("revision", "svd"), ("revision", "dynamicrafter"), ("svd", "dynamicrafter")}


def test_direct_pairs_json_with_custom_questions_and_gold(tmp_path):
    data = {"name": "direct", "raters_per_pair": 5, "batch_size": 2, "repeats_per_batch": 0,
            "questions": [{"id": "q1", "text": "Better?", "allow_tie": False}],
            "pairs": [{"id": "p1", "input_id": "x", "a": {"system": "A", "video": "a.mp4"},
                       "b": {"system": "B", "video": "https://cdn.example.org/b.mp4"}}],
            "gold": [{"id": "g", "a": {"system": "G1", "video": "g1.mp4"}, "b": {"system": "G2", "video": "g2.mp4"},
                      "answers": {"q1": "b"}}]}
    (tmp_path / "s.json").write_text(json.dumps(data))
    study = load_study(tmp_path / "s.json")
    assert study.pairs[0].b.video == "https://cdn.example.org/b.mp4"
    assert study.question("q1").allowed() == ("left", "right")
    assert study.gold[0].gold_answers == {"q1": "b"} and study.gold_per_batch == 1
    assert study.n_batches_needed() == 3  # 1 pair × 5 raters / batch 2


def test_interaction_question_offers_no_interaction_answer():
    q = {q.id: q for q in PAPER_QUESTIONS}
    assert "none" in q["interaction"].allowed()
    assert "none" not in q["motion_realism"].allowed()


@pytest.mark.parametrize("mutate,match", [
    (lambda d: d["pairs"].append(dict(d["pairs"][0])), "duplicate pair ids"),
    (lambda d: d["pairs"][0].update(id="<script>"), "not a valid id"),
    (lambda d: d["pairs"][0]["b"].update(system="A"), "both sides"),
    (lambda d: d.update(raters_per_pair=0), "raters_per_pair"),
    (lambda d: d.update(gold=[{"id": "g", "a": {"system": "A", "video": "a"},
                               "b": {"system": "B", "video": "b"}}]), "needs `answers`"),
    (lambda d: d.update(gold=[{"id": "g", "a": {"system": "A", "video": "a"}, "b": {"system": "B", "video": "b"},
                               "answers": {"nope": "a"}}]), "unknown question"),
    (lambda d: d.update(pairs=[]), "no pairs"),
    (lambda d: d.update(gold_per_batch=2), "gold_per_batch"),
])
def test_invalid_study_files_are_rejected_with_a_reason(tmp_path, mutate, match):
    d = {"name": "s", "pairs": [{"id": "p1", "a": {"system": "A", "video": "a.mp4"},
                                 "b": {"system": "B", "video": "b.mp4"}}]}
    mutate(d)
    with pytest.raises(StudyError, match=match):
        study_from_dict(d, tmp_path)


def test_fingerprint_ignores_video_location_but_not_design(tmp_path):
    d = {"name": "s", "pairs": [{"id": "p1", "a": {"system": "A", "video": "a.mp4"},
                                 "b": {"system": "B", "video": "b.mp4"}}]}
    f1 = study_from_dict(d, tmp_path).fingerprint()
    assert study_from_dict(d, tmp_path / "moved").fingerprint() == f1
    assert study_from_dict({**d, "raters_per_pair": 5}, tmp_path).fingerprint() != f1


def test_unreadable_files_give_clear_errors(tmp_path):
    with pytest.raises(StudyError, match="cannot read"):
        load_study(tmp_path / "missing.yaml")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(StudyError, match="invalid JSON"):
        load_study(tmp_path / "bad.json")
