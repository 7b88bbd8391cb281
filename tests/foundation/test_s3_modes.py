"""S3's modes through ReVisionPipeline: ``auto`` picks from the weights (revision.s3.choose_s3); ``animation``
gives the photo animation at the photo's size; ``guided`` (stock-like weights) follows the animation inside the
moved region; the photo path calls the stage's ``photo_motion`` with the photo at the output size."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from revision.config import TINY_CONFIG
from revision.pipeline import InputError, ReVisionPipeline
from revision.s2 import MotionResult
from revision.s3 import choose_s3
from revision.synthetic.motions import SMPLX_BODY_JOINTS
from revision.types import Camera, ConditionMaps, MotionSequence, Track
from revision.video_model.conv_in import condition_channels_are_zero
from revision.video_model.tiny import TINY, small_motion_svd_pipeline

J = {n: i for i, n in enumerate(SMPLX_BODY_JOINTS)}


def test_choose_s3_rules():
    assert choose_s3("auto", "embedded", True).mode == "animation"
    assert choose_s3("auto", "random", False).mode == "animation"
    assert choose_s3("auto", "path", True).mode == "guided"
    assert choose_s3("auto", "hf-cache", False).mode == "conditioned"
    assert choose_s3("auto", None, False).mode == "conditioned"
    picked = choose_s3("guided", "embedded", False)
    assert picked.mode == "guided" and picked.reason == "chosen by the user"
    assert "stock" in choose_s3("auto", "path", True).reason
    with pytest.raises(ValueError, match="s3 must be one of"):
        choose_s3("fast", "embedded", True)


def _photo(h: int, w: int) -> np.ndarray:
    import cv2

    g = np.random.default_rng(0).uniform(30, 225, (6, 8, 3)).astype(np.float32)
    return cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC).clip(30, 225).astype(np.uint8)


def _raising_arm(F: int, camera: Camera) -> MotionSequence:
    """A SMPL-X body facing ``camera``, its left arm rising over the frames."""
    bp = np.zeros((F, 63), np.float32)
    bp[:, 3 * J["left_shoulder"] + 2] = -1.1 + np.linspace(0, 1.2, F)
    bp[:, 3 * J["right_shoulder"] + 2] = 1.1
    params = {"global_orient": np.tile(np.array([np.pi, 0, 0], np.float32), (F, 1)), "body_pose": bp,
              "betas": np.zeros(10, np.float32), "transl": np.tile(np.array([0, -0.2, 2.4], np.float32), (F, 1))}  # fmt: skip
    return MotionSequence([Track(0, "smplx", params, np.ones(F, np.float32), "person")], camera, F, 8.0)


class PhotoStage:
    """A stand-in S2 whose photo path returns a known motion (and records what it was given)."""

    name = "photo stand-in"

    def __init__(self) -> None:
        self.photo_shape = None
        self.num_frames = None

    def __call__(self, coarse, *, prompt, motion_strength, sketch, num_frames, height, width, use_pppm=True,
                 progress=None):  # fmt: skip
        raise AssertionError("the photo path must not perceive a coarse clip")

    def photo_motion(self, photo, *, prompt, motion_strength, sketch, num_frames, fps, use_pppm=True, progress=None):
        self.photo_shape, self.num_frames = photo.shape, num_frames
        h, w = photo.shape[:2]
        motion = _raising_arm(num_frames, Camera.from_image_size(w, h, 40))
        cond = ConditionMaps.empty(num_frames, h, w)
        return MotionResult(cond, motion, motion, {"s2": self.name}, [], {}, {"stage": self.name})


def _pipeline(stage, *, source: str | None, zero_condition: bool, **config) -> ReVisionPipeline:
    video = small_motion_svd_pipeline(TINY, seed=0)
    if not zero_condition:  # "fine-tuned": the condition channels carry weight
        with torch.no_grad():
            video.unet.conv_in.weight[:, -2:] = 0.05
    load = {"video_model_source": source} if source else {}
    return ReVisionPipeline(video, stage, replace(TINY_CONFIG, **config), load_settings=load)


def test_auto_with_the_tiny_model_animates_the_photo_at_its_own_size():
    stage = PhotoStage()
    pipe = _pipeline(stage, source="random", zero_condition=True, photo_frames=5)
    photo = _photo(90, 150)  # 5:3, not the model's square
    stages: list[str] = []
    out = pipe(photo, prompt="she raises her arm", on_stage=lambda name, value: stages.append(name))
    assert out.s3_mode == "animation" and "cannot render a real photo" in out.settings["s3_reason"]
    assert out.final.frames.shape == (5, 90, 150, 3)  # the photo's size and aspect, no crop, photo_frames
    assert np.array_equal(out.final.frames[0], photo)  # frame 0 is the photo
    assert np.abs(out.final.frames[-1].astype(int) - photo).max() > 40  # the arm moved
    assert out.animation is not None and out.animation.moved[-1].max() > 0.5
    assert stage.photo_shape == (90, 150, 3) and stage.num_frames == 5
    assert out.coarse.frames.shape == (3, 44, 74, 3)  # the quarter-size preview, every other frame
    assert stages == ["s2", "s1", "s3"] and "preview" in out.backends["s1"]
    assert out.settings["call"]["s3"] == "auto" and out.settings["s3_mode"] == "animation"


def test_large_photos_are_animated_at_max_side_and_num_frames_is_honoured():
    stage = PhotoStage()
    pipe = _pipeline(stage, source="embedded", zero_condition=False)
    out = pipe(_photo(300, 400), num_frames=3)
    assert out.final.frames.shape[:3] == (3, 300, 400)
    small = _pipeline(PhotoStage(), source="embedded", zero_condition=False,
                      animate=replace(TINY_CONFIG.animate, max_side=200))  # fmt: skip
    assert small(_photo(300, 400), num_frames=3).final.frames.shape[1:3] == (150, 200)


def test_auto_with_stock_like_weights_is_guided_by_the_photo_animation():
    stage = PhotoStage()
    pipe = _pipeline(stage, source="path", zero_condition=True)
    assert pipe.condition_channels_zero
    seen: dict = {}
    call = pipe.video.__call__

    def spy(*args, **kwargs):  # record what S3 hands the video model
        seen.update(kwargs)
        return call(*args, **kwargs)

    pipe.video = type("Spy", (), {"__call__": staticmethod(spy), "_execution_device": pipe.video._execution_device})()
    photo = _photo(64, 64)
    guided = pipe(photo, seed=0)
    assert guided.s3_mode == "guided" and "stock" in guided.settings["s3_reason"]
    assert guided.final.frames.shape == (4, 64, 64, 3)  # the model's size and frame count
    # the reference is the photo animation (here no crop: the photo is the model's square) and its moved mask
    assert np.array_equal(seen["reference"], guided.animation.frames.frames)
    assert np.allclose(seen["reference_mask"], guided.animation.moved, atol=1e-6)
    assert seen["guidance"] == pipe.config.guidance
    assert guided.animation.moved[1:].max() > 0.5 and guided.animation.moved[0].max() == 0
    seen.clear()
    plain = pipe(photo, seed=0, s3="conditioned", s2="off")  # plain sampling: no motion, no guidance
    assert "reference" not in seen
    mask = guided.animation.moved > 0.5
    assert np.abs(guided.final.frames.astype(float) - plain.final.frames)[mask].mean() > 1.0
    # (that guidance pulls the latents towards the reference inside the mask is shown on the video model itself:
    # tests/foundation/test_guided.py; benchmarks/guided_bench.py measures it on the mini)


def test_fine_tuned_weights_run_conditioned_and_a_bad_s3_is_refused():
    pipe = _pipeline(PhotoStage(), source="path", zero_condition=False)
    assert not condition_channels_are_zero(pipe.video.unet)
    with pytest.raises(AssertionError, match="must not perceive"):  # conditioned perceives the coarse clip
        pipe(_photo(64, 64))
    with pytest.raises(InputError, match="s3 must be one of"):
        pipe(_photo(64, 64), s3="fast")
