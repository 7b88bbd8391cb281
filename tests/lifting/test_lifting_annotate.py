"""Annotation CLI: killed and rerun → every clip exactly once; corrupt videos rejected with a reason.

Runs the real CLI (MediaPipe + SMPL-X fit) in a subprocess on tiny clips: 4 frames, 256 px, and
FEWER fitting iterations than production (--fit-iters 10).
"""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from revision.shards import list_shards, read_shard

ROOT = Path(__file__).resolve().parents[2]


def _videos(folder: Path, n: int = 4) -> None:
    import cv2
    import imageio.v2 as iio
    import skimage.data

    img = cv2.resize(skimage.data.astronaut(), (144, 144))
    for k in range(n):
        base = np.full((144, 256, 3), 60 + 20 * k, np.uint8)
        base[:, 56:200] = img
        frames = [np.roll(base, 3 * i, axis=1) for i in range(6)]
        iio.mimwrite(folder / f"clip{k}.mp4", frames, fps=7, macro_block_size=8)
    (folder / "clip0.txt").write_text("an astronaut smiles")
    (folder / "broken.mp4").write_bytes(b"\x00not a video at all" * 50)


def _cmd(src: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "revision.training.annotate", str(src), "--out", str(out), "--num-frames", "4",
            "--max-side", "256", "--fit-iters", "10", "--min-iou", "0.05"]  # fmt: skip


def test_annotate_is_resumable_and_rejects_corrupt_videos(tmp_path):
    pytest.importorskip("imageio_ffmpeg")
    src, out = tmp_path / "videos", tmp_path / "shards"
    src.mkdir()
    _videos(src)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(_cmd(src, out), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and not list_shards(out):
        time.sleep(0.1)
    proc.kill()  # mid-run (or just after the first shard)
    proc.wait()
    first = {p.name for p in list_shards(out)}
    done = subprocess.run(_cmd(src, out), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    shards = list_shards(out)
    names = sorted(p.name for p in shards)
    assert names == [f"clip{k}.npz" for k in range(4)], (names, done.stdout, done.stderr)
    assert first <= set(names)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no half-written temporaries
    log = [json.loads(line) for line in (out / "_annotate_log.jsonl").read_text().splitlines() if line.strip()]
    written = [r["clip_id"] for r in log if r["status"] == "written"]
    assert sorted(written) == sorted(set(written))  # nothing annotated twice
    broken = [r for r in log if r["clip_id"] == "broken"]
    assert broken and broken[-1]["status"] == "failed" and "decode" in broken[-1]["reason"]
    assert "written" in done.stdout and "skipped (already done)" in done.stdout  # the summary table
    s = read_shard(shards[0])
    assert s.caption == "an astronaut smiles" and s.motion.tracks[0].kind == "smplx"
    assert s.frames.shape[0] == 4 and s.condition.part_ids.shape == s.frames.shape[:3]
    assert s.quality["reprojection_iou"] >= 0.05 and s.depth.shape == s.frames.shape[:3]
    again = subprocess.run(_cmd(src, out), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0
    assert re.search(r"skipped \(already done\)\s+5\b", again.stdout), again.stdout  # 4 shards + the broken one


def test_annotate_rejects_bad_input(tmp_path):
    r = subprocess.run([sys.executable, "-m", "revision.training.annotate", str(tmp_path / "nope"), "--out",
                        str(tmp_path / "o")], cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 2 and "not a folder" in r.stderr
    (tmp_path / "empty").mkdir()
    r = subprocess.run([sys.executable, "-m", "revision.training.annotate", str(tmp_path / "empty"), "--out",
                        str(tmp_path / "o")], cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 2 and "no videos" in r.stderr
