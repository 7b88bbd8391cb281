"""A self-contained demo study (tiny generated videos) and a vote simulator.

Used by the tests, the load benchmark and ``python -m user_study demo OUT`` so anyone can try the
whole loop offline.  Videos are 0.6 s WebM/VP8 clips made with ffmpeg's ``testsrc`` (the ffmpeg of
``imageio-ffmpeg`` or the system one); "frozen" gold clips are single still frames.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np

from .study import PAPER_QUESTIONS


def ffmpeg_exe() -> str:
    """Path of an ffmpeg binary (imageio-ffmpeg's, else the system one)."""
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # noqa: BLE001 - fall back to PATH
        exe = shutil.which("ffmpeg")
        if exe is None:
            raise RuntimeError("ffmpeg not found: `pip install imageio-ffmpeg` or `apt-get install ffmpeg`") from None
        return exe


def make_clip(path: Path, pattern: str = "testsrc", duration: float = 0.6, still: bool = False) -> Path:
    """Write a tiny WebM clip (96×64, 10 fps). ``still`` freezes the first frame (gold "no motion")."""
    path.parent.mkdir(parents=True, exist_ok=True)
    src = f"{pattern}=size=96x64:rate=10:duration={duration}"
    vf = ["-vf", f"select=eq(n\\,0),loop=loop=-1:size=1,trim=duration={duration},setpts=N/10/TB"] if still else []
    subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i", src, *vf, "-c:v", "libvpx",
                    "-b:v", "100k", "-pix_fmt", "yuv420p", "-an", str(path)], check=True)
    return path


def write_demo_study(out_dir: str | Path, n_inputs: int = 6, systems: tuple[str, ...] = ("revision", "svd", "cogvideox"),
                     raters_per_pair: int = 3, batch_size: int = 4, gold_per_batch: int = 1,
                     repeats_per_batch: int = 1, videos: str = "generate") -> Path:
    """Write a manifest (eval runner schema), videos and ``study.yaml`` comparing ``systems[0]`` to the rest.

    ``videos="generate"`` renders real clips; ``"reuse"`` renders one clip per system and points every
    input at it (fast, for load tests).  Returns the study file path.
    """
    import yaml

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    patterns = ["testsrc", "testsrc2", "rgbtestsrc", "smptebars", "pal75bars"]
    shared = {s: make_clip(out / "videos" / s / "shared.webm", patterns[i % len(patterns)])
              for i, s in enumerate(systems)} if videos == "reuse" else {}
    items = []
    for k in range(n_inputs):
        vids = {}
        for i, s in enumerate(systems):
            rel = Path("videos") / s / f"in{k:04d}.webm"
            if videos == "reuse":
                rel = shared[s].relative_to(out)
            else:
                make_clip(out / rel, patterns[i % len(patterns)])
            vids[s] = str(rel)
        items.append({"input_id": f"in{k:04d}", "image": f"inputs/in{k:04d}.png", "prompt": f"demo input {k}",
                      "videos": vids})
    manifest = {"version": 1, "systems": list(systems), "items": items}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    make_clip(out / "videos" / "gold" / "moving.webm", "testsrc")
    make_clip(out / "videos" / "gold" / "still.webm", "testsrc", still=True)
    gold = [{"id": "gold_motion", "input_id": "gold_motion",
             "a": {"system": "gold_moving", "video": "videos/gold/moving.webm"},
             "b": {"system": "gold_still", "video": "videos/gold/still.webm"},
             "answers": {"amount_of_motion": "a"}}]
    study = {"name": "demo", "title": "Which video moves better?", "raters_per_pair": raters_per_pair,
             "batch_size": batch_size, "gold_per_batch": gold_per_batch, "repeats_per_batch": repeats_per_batch,
             "questions": "paper", "manifest": "manifest.json", "reference": systems[0], "gold": gold}
    path = out / "study.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False))
    return path


def simulate_answers(strength_a: float, strength_b: float, rng: np.random.Generator, p_tie: float = 0.1,
                     p_none: float = 0.3) -> dict[str, str]:
    """Answers (system space a/b/tie/none) of one Bradley–Terry rater for the paper's questions."""
    p_a = 1.0 / (1.0 + np.exp(-(strength_a - strength_b)))
    out = {}
    for q in PAPER_QUESTIONS:
        if q.none_label and rng.random() < p_none:
            out[q.id] = "none"
        elif q.allow_tie and rng.random() < p_tie:
            out[q.id] = "tie"
        else:
            out[q.id] = "a" if rng.random() < p_a else "b"
    return out


def to_sides(answers: dict[str, str], left: str) -> dict[str, str]:
    """Map system-space answers to what the rater clicks, given which system ("a"/"b") is on the left."""
    flip = {"a": "left" if left == "a" else "right", "b": "right" if left == "a" else "left"}
    return {q: flip.get(a, a) for q, a in answers.items()}


def simulate_raters(store, study, strength: dict[str, float], rng: np.random.Generator, *, raters: int = 9,
                    prefix: str = "sim", response_ms: int = 600) -> None:  # fmt: skip
    """``raters`` simulated raters (worker ids ``{prefix}{i}``, code source) answer every assignment they get:
    Bradley–Terry answers from per-system ``strength``, gold pairs answered with their gold answers."""
    for i in range(raters):
        view = store.open_session("code", f"{prefix}{i}", seed=i)
        for a in view.assignments:
            pair = study.pair(a.pair_id)
            ans = {**simulate_answers(strength[pair.a.system], strength[pair.b.system], rng), **pair.gold_answers}
            store.submit_vote(view.token, a.id, to_sides(ans, a.left), response_ms, response_ms)
