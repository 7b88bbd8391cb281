"""One ReVisionPipeline serving concurrent requests (issue 18 §2) gives the same bytes as one request after another.

The whole pipeline (S1 coarse clip → S2 → S3 "conditioned", classifier-free guidance on: the scale ramps from
1 to 3) runs in two threads whose UNet calls go in lockstep, so the denoising steps of one request fall
between those of the other; the requests differ in frame count, prompt and seed. S2 is a small stage
whose part masks come from the coarse clip it receives, so S1's output reaches S3 through S2 (a request
that saw the other's coarse clip would give other bytes). The same holds through the app's generate
handler with two sessions.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import PIL.Image
import pytest

from revision.config import TINY_CONFIG
from revision.pipeline import ReVisionPipeline
from revision.s2 import MotionResult
from revision.types import Clip, ConditionMaps
from revision.video_model.tiny import TINY, small_motion_svd_pipeline

# S3 at 64x64, 2 denoising steps; CFG ramps over the frames from 1 to 3 (> 1: the unconditional pass runs too)
CONFIG = replace(TINY_CONFIG, svd=replace(TINY_CONFIG.svd, min_guidance_scale=1.0, max_guidance_scale=3.0))
CALLS = {  # different frame counts (S1 gets half of them), prompts and seeds
    "a": dict(num_frames=4, seed=1, prompt="a person waves"),
    "b": dict(num_frames=6, seed=2, prompt="a person jumps"),
}


class CoarseDrivenStage:
    """A small S2: part masks from the coarse clip's brightness (bright → part 3, confidence 1), resampled to S3."""

    name = "coarse-driven test stage"

    def __init__(self):
        self.seen: list[tuple[str, tuple[int, ...]]] = []  # (prompt, coarse frames' shape) per call

    def __call__(self, coarse: Clip, *, prompt, motion_strength, sketch, num_frames, height, width, use_pppm=True,
                 progress=None) -> MotionResult:  # fmt: skip
        self.seen.append((prompt, coarse.frames.shape))
        gray = coarse.frames.astype(np.float32).mean(-1)
        fi = np.linspace(0, coarse.num_frames - 1, num_frames).round().astype(int)
        yi = (np.arange(height) * gray.shape[1] / height).astype(int)
        xi = (np.arange(width) * gray.shape[2] / width).astype(int)
        g = gray[fi][:, yi][:, :, xi]
        ids = np.where(g > g.mean(), 3, 0).astype(np.int16)
        return MotionResult(ConditionMaps(ids, (ids > 0).astype(np.float32)), backends={"s2": self.name})


def _pipeline() -> ReVisionPipeline:
    return ReVisionPipeline(small_motion_svd_pipeline(TINY, seed=0), CoarseDrivenStage(), CONFIG,
                            backends={"video_model": "tiny random SVD"},
                            load_settings={"weights": "tiny-random", "video_model_source": "random"})  # fmt: skip


def _image(seed: int) -> PIL.Image.Image:
    rng = np.random.default_rng(seed)
    return PIL.Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))


def _run(pipe: ReVisionPipeline, name: str) -> np.ndarray:
    kw = CALLS[name]
    out = pipe(_image(kw["seed"]), prompt=kw["prompt"], motion_strength=0.6, num_frames=kw["num_frames"],
               seed=kw["seed"], s3="conditioned")  # fmt: skip
    assert out.s3_mode == "conditioned"
    return np.stack([out.coarse.frames[0], out.coarse.frames[-1]]), out.final.frames


def _lockstep(pipe: ReVisionPipeline, work: dict[str, callable]) -> tuple[dict, list[int]]:
    """Run each ``work[name]()`` in its own thread with the UNet calls of the threads in lockstep (a barrier
    before every UNet call); when one thread ends the other runs on alone. → (results, UNet batch sizes)."""
    unet = pipe.video.unet
    barrier, forward, batches = threading.Barrier(len(work), timeout=60), unet.forward, []

    def synced(sample, *a, **k):
        batches.append(sample.shape[0])
        try:
            barrier.wait()
        except threading.BrokenBarrierError:  # the other request has finished
            pass
        return forward(sample, *a, **k)

    unet.forward = synced
    results, errors = {}, []

    def target(name):
        try:
            results[name] = work[name]()
        except BaseException as e:  # noqa: BLE001 — reported below
            errors.append(e)
        finally:
            barrier.abort()  # release the other thread

    threads = [threading.Thread(target=target, args=(n,)) for n in work]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    finally:
        unet.forward = forward
    assert not errors, errors
    return results, batches


def test_concurrent_requests_equal_sequential_requests():
    pipe = _pipeline()
    sequential = {n: _run(pipe, n) for n in CALLS}
    assert sequential["a"][1].shape == (4, 64, 64, 3) and sequential["b"][1].shape == (6, 64, 64, 3)
    concurrent, batches = _lockstep(pipe, {n: (lambda n=n: _run(pipe, n)) for n in CALLS})
    for n in CALLS:
        for seq, con in zip(sequential[n], concurrent[n], strict=True):
            assert seq.shape == con.shape and np.array_equal(seq, con), n  # coarse and final, byte for byte
    assert set(batches) == {2}  # CFG on: every UNet call carries the unconditional and the conditional half
    # S2 saw each request's own coarse clip (frames: half of S3's, at S1's quarter-pixel size)
    assert sorted(pipe.motion_stage.seen) == sorted(2 * [("a person waves", (2, 32, 32, 3)),
                                                         ("a person jumps", (3, 32, 32, 3))])  # fmt: skip
    assert not np.array_equal(sequential["a"][1][:4], sequential["b"][1][:4])  # the requests really differ
    assert not hasattr(pipe.video, "_guidance_scale") and not hasattr(pipe.video, "_num_timesteps")


@pytest.mark.slow  # 32 s on the loaded 2-core box (it writes every video of four runs)
def test_two_sessions_through_the_app_handler_equal_one_after_another(tmp_path):
    """The app's Generate handler (each request's pipeline call in its own worker thread) with two sessions."""
    pytest.importorskip("gradio")
    from demo import handlers
    from revision.io import read_video

    pipe = _pipeline()
    ctx = handlers.DemoContext(pipe, tmp_path / "runs")
    for n, kw in CALLS.items():
        _image(kw["seed"]).save(tmp_path / f"{n}.png")

    def generate(n: str) -> np.ndarray:
        kw = CALLS[n]
        *_, last = handlers.generate(ctx, str(tmp_path / f"{n}.png"), kw["prompt"], 0.6, None, kw["seed"],
                                     kw["num_frames"], 0, 0.0, 0, "full", "conditioned", handlers.new_session(),
                                     progress=lambda *a, **k: None)  # fmt: skip
        return read_video(last[0]).frames

    sequential = {n: generate(n) for n in CALLS}
    concurrent, batches = _lockstep(pipe, {n: (lambda n=n: generate(n)) for n in CALLS})
    for n in CALLS:
        assert sequential[n].shape[0] == CALLS[n]["num_frames"] and np.array_equal(sequential[n], concurrent[n]), n
    assert set(batches) == {2}
