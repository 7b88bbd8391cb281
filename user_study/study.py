"""Study definition: systems, pairs, questions, gold pairs and repeat settings.

A study is read from a YAML/JSON *study file* (pairs listed directly, or built from a benchmark
*manifest*) and is immutable afterwards.  Everything the server, the exporter and the analysis need
about the design lives here; votes live in the store.

Study file (YAML or JSON)::

    name: revision-vs-baselines
    raters_per_pair: 3            # paper: 3
    batch_size: 10                # main pairs per rater batch (one HIT)
    gold_per_batch: 1             # attention pairs per batch (default 1 if gold given, else 0)
    repeats_per_batch: 1          # side-swapped repeats of pairs already in the batch
    questions: paper              # or a list of {id, text, allow_tie, none_label}
    manifest: runs/manifest.json  # optional: pairs built from the eval runner's manifest
    reference: revision           # with a manifest: compare this system against every other one
    pairs:                        # optional: pairs listed directly
      - {id: p1, input_id: dance_01, a: {system: revision, video: v/rev/dance_01.mp4},
         b: {system: svd, video: v/svd/dance_01.mp4}, prompt: "a person dances"}
    rater_codes: [alice, bob]     # optional allow-list for ?rater= entry (omit: any well-formed code)
    rater_codes_file: codes.txt   # optional: more allowed codes, one per line (# comments)
    gold:                         # attention checks with a known answer per question ("a"/"b"/"none")
      - {id: g1, input_id: g1, a: {system: moving, video: v/gold/move.mp4},
         b: {system: frozen, video: v/gold/still.mp4}, answers: {amount_of_motion: a}}

Manifest (written by ``eval``'s benchmark runner)::

    {"version": 1, "systems": ["revision", "svd"],
     "items": [{"input_id": "dance_01", "image": "inputs/dance_01.png", "prompt": "a person dances",
                "videos": {"revision": "videos/revision/dance_01.mp4", "svd": "videos/svd/dance_01.mp4"}}]}

Relative paths resolve against the file that names them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
ANSWERS = ("a", "b", "tie", "none")  # answers in system space (a/b = the pair's systems)
SIDES = ("left", "right", "tie", "none")  # answers as the rater saw them


class StudyError(ValueError):
    """The study file or manifest is invalid; the message says where."""


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    allow_tie: bool = True  # offer "about the same"
    none_label: str | None = None  # extra answer, e.g. "No interaction / occlusion"; None = not offered

    def allowed(self) -> tuple[str, ...]:
        """Side answers a rater may give, e.g. ``("left", "right", "tie")``."""
        out = ["left", "right"]
        if self.allow_tie:
            out.append("tie")
        if self.none_label:
            out.append("none")
        return tuple(out)


PAPER_QUESTIONS: tuple[Question, ...] = (
    Question("motion_consistency", "Which video's motion is more consistent (body and object parts stay "
             "coherent, no melting, flicker or broken limbs)?"),
    Question("amount_of_motion", "Which video shows a larger amount of motion?"),
    Question("motion_realism", "Which video's motion looks more realistic and physically plausible?"),
    Question("interaction", "Which video handles occlusion and interaction between people or objects better?",
             none_label="No interaction / occlusion in these videos"),
)


@dataclass(frozen=True)
class Side:
    system: str
    video: str  # absolute path or http(s) URL


@dataclass(frozen=True)
class Pair:
    id: str
    input_id: str
    a: Side
    b: Side
    prompt: str = ""
    image: str = ""
    kind: str = "main"  # "main" | "gold"
    gold_answers: dict[str, str] = field(default_factory=dict)  # question id -> "a" | "b" | "tie" | "none"


@dataclass(frozen=True)
class Study:
    name: str
    systems: tuple[str, ...]
    questions: tuple[Question, ...]
    pairs: tuple[Pair, ...]  # main pairs, rated raters_per_pair times each
    gold: tuple[Pair, ...] = ()
    raters_per_pair: int = 3  # paper: 3
    batch_size: int = 10  # main pairs per batch (one HIT)
    gold_per_batch: int = 1  # attention pairs per batch
    repeats_per_batch: int = 1  # side-swapped repeats per batch
    rater_codes: tuple[str, ...] = ()  # standalone mode: allowed codes (rater_codes + rater_codes_file); empty = any
    title: str = "Which video moves better?"
    instructions: str = ("Watch both videos to the end, then answer each question. There are no right "
                         "or wrong answers except for a few obvious check items.")

    def all_pairs(self) -> tuple[Pair, ...]:
        return self.pairs + self.gold

    @cached_property
    def _pair_index(self) -> dict[str, Pair]:
        return {p.id: p for p in self.all_pairs()}

    def pair(self, pair_id: str) -> Pair:
        return self._pair_index[pair_id]

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def fingerprint(self) -> str:
        """Stable hash of the design (pairs, questions, counts) stored in the DB to catch mix-ups."""
        design = {"name": self.name, "questions": [q.id for q in self.questions],
                  "pairs": [(p.id, p.a.system, p.b.system, p.kind) for p in self.all_pairs()],
                  "raters_per_pair": self.raters_per_pair}
        blob = json.dumps(design, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def n_batches_needed(self) -> int:
        """Batches (HIT assignments) needed so every main pair gets ``raters_per_pair`` ratings."""
        total = len(self.pairs) * self.raters_per_pair
        return -(-total // self.batch_size)


def _check_id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not ID_RE.match(value):
        raise StudyError(f"{where}: {value!r} is not a valid id (letters, digits, _ . -; max 128 chars)")
    return value


def _resolve(path: Any, base: Path, where: str) -> str:
    if not isinstance(path, str) or not path:
        raise StudyError(f"{where}: expected a video path or URL, got {path!r}")
    if path.startswith(("http://", "https://")):
        return path
    p = Path(path)
    return str((p if p.is_absolute() else base / p).resolve())


def _side(raw: Any, base: Path, where: str) -> Side:
    if not isinstance(raw, dict) or "system" not in raw or "video" not in raw:
        raise StudyError(f"{where}: expected {{system, video}}, got {raw!r}")
    return Side(_check_id(raw["system"], f"{where}.system"), _resolve(raw["video"], base, f"{where}.video"))


def _pair(raw: Any, base: Path, where: str, kind: str, questions: tuple[Question, ...]) -> Pair:
    if not isinstance(raw, dict):
        raise StudyError(f"{where}: expected a mapping, got {raw!r}")
    pid = _check_id(raw.get("id"), f"{where}.id")
    a, b = _side(raw.get("a"), base, f"{where}.a"), _side(raw.get("b"), base, f"{where}.b")
    if a.system == b.system:
        raise StudyError(f"{where}: both sides are system {a.system!r}")
    answers = raw.get("answers", {}) or {}
    qids = {q.id: q for q in questions}
    for qid, ans in answers.items():
        if qid not in qids:
            raise StudyError(f"{where}.answers: unknown question {qid!r}")
        if ans not in ("a", "b", "tie", "none"):
            raise StudyError(f"{where}.answers.{qid}: expected a, b, tie or none, got {ans!r}")
    if kind == "gold" and not answers:
        raise StudyError(f"{where}: a gold pair needs `answers` for at least one question")
    return Pair(pid, _check_id(raw.get("input_id", pid), f"{where}.input_id"), a, b,
                prompt=str(raw.get("prompt", "")), image=str(raw.get("image", "")), kind=kind,
                gold_answers=dict(answers))


def load_manifest(path: str | Path) -> dict[str, Any]:
    """Read and validate a benchmark manifest (schema in the module docstring)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise StudyError(f"cannot read manifest {path}: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise StudyError(f"manifest {path}: expected an object with an `items` list")
    systems = data.get("systems") or sorted({s for it in data["items"] for s in it.get("videos", {})})
    for s in systems:
        _check_id(s, f"manifest {path}: systems")
    for i, it in enumerate(data["items"]):
        if not isinstance(it, dict) or not isinstance(it.get("videos"), dict):
            raise StudyError(f"manifest {path}: items[{i}] needs `input_id` and a `videos` mapping")
        _check_id(it.get("input_id"), f"manifest {path}: items[{i}].input_id")
    return {"systems": list(systems), "items": data["items"], "base": path.parent}


def pairs_from_manifest(manifest: dict[str, Any], reference: str | None, seed: int = 0) -> list[dict]:
    """Raw pair dicts: ``reference`` vs every other system per input (or all system pairs if None).

    Which system is ``a`` is fixed by this order; left/right is randomised per assignment later.
    """
    systems = manifest["systems"]
    if reference is not None and reference not in systems:
        raise StudyError(f"reference system {reference!r} is not in the manifest systems {systems}")
    combos = ([(reference, s) for s in systems if s != reference] if reference
              else list(itertools.combinations(systems, 2)))
    base: Path = manifest["base"]
    out = []
    for it in manifest["items"]:
        vids = it["videos"]
        for sa, sb in combos:
            if sa not in vids or sb not in vids:
                continue  # an input a system failed on: no pair
            out.append({"id": f"{it['input_id']}__{sa}__{sb}", "input_id": it["input_id"],
                        "a": {"system": sa, "video": str(base / vids[sa])},
                        "b": {"system": sb, "video": str(base / vids[sb])},
                        "prompt": it.get("prompt", ""), "image": it.get("image", "")})
    return out


def _questions(raw: Any) -> tuple[Question, ...]:
    if raw in (None, "paper"):
        return PAPER_QUESTIONS
    if not isinstance(raw, list) or not raw:
        raise StudyError("questions: expected 'paper' or a non-empty list")
    qs = []
    for i, q in enumerate(raw):
        if not isinstance(q, dict) or "text" not in q:
            raise StudyError(f"questions[{i}]: expected {{id, text, allow_tie?, none_label?}}")
        qs.append(Question(_check_id(q.get("id"), f"questions[{i}].id"), str(q["text"]),
                           bool(q.get("allow_tie", True)), q.get("none_label")))
    if len({q.id for q in qs}) != len(qs):
        raise StudyError("questions: duplicate ids")
    return tuple(qs)


def study_from_dict(data: dict[str, Any], base: Path) -> Study:
    """Build a :class:`Study` from parsed study-file content; relative paths resolve against ``base``."""
    if not isinstance(data, dict):
        raise StudyError("study file: expected a mapping at the top level")
    questions = _questions(data.get("questions"))
    raw_pairs = list(data.get("pairs") or [])
    if data.get("manifest"):
        mpath = Path(data["manifest"])
        manifest = load_manifest(mpath if mpath.is_absolute() else base / mpath)
        raw_pairs += pairs_from_manifest(manifest, data.get("reference"))
    if not raw_pairs:
        raise StudyError("study file: no pairs (give `pairs` or a `manifest`)")
    pairs = [_pair(p, base, f"pairs[{i}]", "main", questions) for i, p in enumerate(raw_pairs)]
    gold = [_pair(p, base, f"gold[{i}]", "gold", questions) for i, p in enumerate(data.get("gold") or [])]
    ids = [p.id for p in pairs + gold]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise StudyError(f"duplicate pair ids: {sorted(dup)[:5]}")
    systems = tuple(dict.fromkeys(s for p in pairs for s in (p.a.system, p.b.system)))
    ints = {}
    for key, default, lo in (("raters_per_pair", 3, 1), ("batch_size", 10, 1),
                                 ("gold_per_batch", min(1, len(gold)), 0),
                             ("repeats_per_batch", 1, 0)):
        v = data.get(key, default)
        if not isinstance(v, int) or v < lo:
            raise StudyError(f"{key}: expected an integer >= {lo}, got {v!r}")
        ints[key] = v
    if ints["gold_per_batch"] > len(gold):
        raise StudyError(f"gold_per_batch={ints['gold_per_batch']} but only {len(gold)} gold pairs given")
    if ints["repeats_per_batch"] > ints["batch_size"]:
        raise StudyError("repeats_per_batch must not exceed batch_size")
    codes = tuple(_check_id(c, "rater_codes") for c in data.get("rater_codes") or [])
    if data.get("rater_codes_file"):
        codes += read_codes_file(_resolve(str(data["rater_codes_file"]), base, "rater_codes_file"))
    extra = {k: str(data[k]) for k in ("title", "instructions") if k in data}
    return Study(name=_check_id(data.get("name", "study"), "name"), systems=systems, questions=questions,
                 pairs=tuple(pairs), gold=tuple(gold), rater_codes=codes, **ints, **extra)


def read_codes_file(path: str | Path) -> tuple[str, ...]:
    """Rater codes, one per line (blank lines and ``#`` comments ignored): the standalone allow-list."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as e:
        raise StudyError(f"cannot read rater_codes_file {path}: {e}") from e
    codes = [ln.split("#", 1)[0].strip() for ln in lines]
    out = tuple(_check_id(c, f"{path}:{i + 1}") for i, c in enumerate(codes) if c)
    if not out:
        raise StudyError(f"rater_codes_file {path} lists no codes")
    return out


def load_study(path: str | Path) -> Study:
    """Read a YAML/JSON study file, or a bare manifest (then every system pair is compared)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise StudyError(f"cannot read study file {path}: {e}") from e
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise StudyError(f"{path}: invalid JSON: {e}") from e
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise StudyError(f"{path}: invalid YAML: {e}") from e
    if isinstance(data, dict) and "items" in data and "pairs" not in data and "manifest" not in data:
        data = {"name": path.stem if ID_RE.match(path.stem) else "study", "manifest": str(path.resolve()),
                "gold_per_batch": 0}
        return study_from_dict(data, Path("/"))
    return study_from_dict(data, path.parent)
