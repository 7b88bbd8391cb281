"""Demo test fixtures. A fake pipeline with ReVisionPipeline's call signature: instant, deterministic, with 3D motion.

It validates its arguments with the real ``ReVisionPipeline.check_inputs`` (so the messages tests see are the
library's), then returns made-up stages.

Like the real pipeline it reports progress before each stage and hands each stage's result to
``on_stage`` ("s1" coarse Clip, "s2" MotionResult, "s3" final Clip) as soon as it exists. With
``s3="animation"`` it behaves like the real photo path: S2 first, then S1's quarter-size preview, a final
clip at the input image's size (16 frames, 8 fps) and the labels' ``s3_mode``/``s3_reason``; ``gates``
(stage name → ``threading.Event``) lets a test hold the run after a stage (and the next stage's first
progress report) until it has seen that stage.
"""

from __future__ import annotations

import numpy as np
import PIL.Image

from revision.config import TINY_CONFIG
from revision.pipeline import ReVisionOutput, ReVisionPipeline
from revision.s2 import EmptyMotionStage, MotionResult
from revision.types import Clip, ConditionMaps


class FakePipeline:
    """Records its calls; returns a coloured ramp video, a square condition and a random human motion."""

    def __init__(self, with_motion: bool = True):
        self.config = TINY_CONFIG
        self.motion_stage = EmptyMotionStage()
        self.backends = {"video_model": "fake"}
        self.with_motion = with_motion
        self.calls: list[dict] = []
        self.gates: dict = {}  # stage → threading.Event awaited after that stage is handed over
        self.finished: list[int] = []  # seeds of the calls that ran to the end (shared by copies)

    def __call__(self, image, prompt="", motion_strength=None, sketch=None, num_frames=None,
                 num_inference_steps=None, seed=0, s2="full", s1_step_fraction=None, s3=None, progress=None,
                 on_stage=None, objects=None):  # fmt: skip
        assert isinstance(image, PIL.Image.Image)
        strength = self.config.motion_strength if motion_strength is None else motion_strength
        s3 = s3 or "auto"
        ReVisionPipeline.check_inputs(self, image, strength, num_frames, num_inference_steps, s2, s1_step_fraction,
                                      s3)  # fmt: skip
        self.calls.append({"image_size": image.size, "prompt": prompt, "motion_strength": motion_strength,
                           "sketch": sketch, "num_frames": num_frames, "steps": num_inference_steps, "seed": seed,
                           "s2": s2, "s1_step_fraction": s1_step_fraction, "s3": s3, "objects": objects})  # fmt: skip
        if s3 == "animation":
            return self._animation(image, num_frames, seed, s2, progress, on_stage, prompt, objects)
        F = num_frames or 4
        report = progress or (lambda f, m: None)

        def hold(stage):
            gate = self.gates.get(stage)
            if gate is not None:
                assert gate.wait(timeout=30), f"the test never released stage {stage}"

        hand_over = on_stage or (lambda stage, value: None)

        ramp = np.linspace(0, 255, F).astype(np.uint8)[:, None, None, None]
        final = Clip(np.broadcast_to(ramp, (F, 32, 32, 3)).copy(), fps=7)
        report(0.0, "S1")
        coarse = Clip(final.frames[::2, ::2, ::2].copy(), fps=7)
        hand_over("s1", coarse)
        report(1 / 3, "S2")
        hold("s1")
        ids = np.zeros((F, 32, 32), np.int16)
        ids[:, 8:24, 8:24] = 2
        cond = ConditionMaps(ids, (ids > 0).astype(np.float32))
        raw = refined = None
        if self.with_motion and s2 != "off":
            from revision.s2 import resample_motion
            from revision.synthetic.motions import random_motion_sequence

            raw, _ = random_motion_sequence(max(2, F // 2), np.random.default_rng(seed), num_tracks=2,
                                            kinds=("smplx", "object"), kind_weights=(1.0, 1.0))  # fmt: skip
            refined = resample_motion(raw, F)
        hand_over("s2", MotionResult(cond, raw, refined, backends={"s2": "fake"}, notes=["fake s2 note"]))
        report(2 / 3, "S3")
        hold("s2")
        hand_over("s3", final)
        report(1.0, "done")
        self.finished.append(seed)
        return ReVisionOutput(
            final=final, coarse=coarse, condition=cond, coarse_condition=cond, raw_motion=raw,
            refined_motion=refined, timings={"s1": 0.1, "s2": 0.2, "s3": 0.3, "total": 0.6},
            backends=dict(self.backends), notes=["fake note"], settings={"call": {"seed": seed, "s2": s2}},
        )  # fmt: skip

    def _animation(self, image, num_frames, seed, s2, progress, on_stage, prompt="", objects=None):
        """The photo path: S2 → S1 preview → S3 at the image's size (even sides, as the animator's). Like the real
        S2 it looks for an object when the prompt names a ball or the user marked one: the user's first box, else
        a made-up ball at (w/4, h/2) 10 px across (found objects are at the condition's = the photo's size)."""
        from types import SimpleNamespace

        from revision.pipeline import preview_clip

        F, (w, h) = num_frames or 16, image.size
        w, h = w // 2 * 2, h // 2 * 2
        report, hand_over = progress or (lambda f, m: None), on_stage or (lambda stage, value: None)
        report(0.0, "S2")
        ids = np.zeros((F, h, w), np.int16)
        ids[:, h // 4 : h // 2, w // 4 : w // 2] = 2
        cond = ConditionMaps(ids, (ids > 0).astype(np.float32))
        found, s2_settings = [], {"source": "photo (fake)"}
        if objects or "ball" in prompt:
            box, how = ((list(map(float, objects[0])), "user box") if objects
                        else ([w / 4, h / 2, w / 4 + 10, h / 2 + 10], "circle + colour"))  # fmt: skip
            found = [SimpleNamespace(label="ball", box=box, score=0.8, how=how)]
            s2_settings["objects"] = {"found": [vars(o) for o in found]}
        hand_over("s2", MotionResult(cond, None, None, backends={"s2": "fake"}, notes=["fake s2 note"],
                                     settings=s2_settings, objects=found))  # fmt: skip
        ramp = np.linspace(0, 255, F).astype(np.uint8)[:, None, None, None]
        final = Clip(np.broadcast_to(ramp, (F, h, w, 3)).copy(), fps=8)
        coarse = preview_clip(final)
        hand_over("s1", coarse)
        report(0.6, "S3: animation")
        hand_over("s3", final)
        report(1.0, "done")
        self.finished.append(seed)
        reason = "auto: the video model is a fake, which cannot render a real photo"
        return ReVisionOutput(
            final=final, coarse=coarse, condition=cond, coarse_condition=ConditionMaps.empty(coarse.num_frames,
            coarse.height, coarse.width), timings={"s1": 0.01, "s2": 0.2, "s3": 0.1, "total": 0.31},
            backends={**self.backends, "s1": "preview of the photo animation", "s3": f"animation ({reason})"},
            notes=["fake note"], settings={"call": {"seed": seed, "s2": s2, "s3": "animation"},
            "s3_mode": "animation", "s3_reason": reason, "s2": s2_settings}, s3_mode="animation",
            objects=[{"track_id": 2, "label": o.label, "box": o.box, "score": o.score, "how": o.how} for o in found],
        )  # fmt: skip


import pytest  # noqa: E402


@pytest.fixture
def fake_pipeline():
    return FakePipeline()


@pytest.fixture
def ctx(tmp_path, fake_pipeline):
    from demo.handlers import DemoContext

    return DemoContext(fake_pipeline, tmp_path / "runs")
