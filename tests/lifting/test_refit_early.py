"""The fit's refit started early in a forked process (``SMPLXFitConfig.speculate_refit``): the same fit, bit for
bit, as the refit run after the first pass; dropped when the first pass ends with another plan."""

import dataclasses

import numpy as np
import pytest
import torch

import revision.lifting.smplx_fit as smplx_fit
from revision.lifting.smplx_fit import fit_smplx
from revision.types import Camera, Track
from tests.lifting.test_face_refit import CFG, HEAD, NECK
from tests.lifting.test_lifting_leash import _body, _keypoints, _project


@pytest.fixture(scope="module")
def skeleton(default_skeleton):
    return default_skeleton


@pytest.fixture(autouse=True)
def two_cores(monkeypatch):
    """The early refit needs a second core; CI machines have two, but the tests must not depend on it."""
    monkeypatch.setattr(smplx_fit, "cpu_workers", lambda workers=None: 2)


def _scene(skeleton, bend: float):
    """A bust (the face refit's scene): its face keypoints those of the head bent ``bend`` rad forward."""
    H = W = 256
    cam = Camera.from_image_size(W, H, 55.0)
    gt = _body(0.0, 1.3, -0.4)
    bent = Track(0, "smplx", {k: v.copy() for k, v in gt.params.items()}, np.ones(1))
    bent.params["body_pose"][0, [NECK * 3, HEAD * 3]] = bend
    kp2d, kp3d = _keypoints(skeleton, gt, cam)
    kp2d[0, :11] = _keypoints(skeleton, bent, cam)[0][0, :11]
    return kp2d, kp3d, cam, _project(gt, cam, H, W)


def _fits(skeleton, scene) -> dict[bool, smplx_fit.SMPLXFit]:
    kp2d, kp3d, cam, mask = scene
    return {
        early: fit_smplx(skeleton, kp2d, kp3d, cam, dataclasses.replace(CFG, speculate_refit=early), masks=[mask])
        for early in (False, True)
    }


def _same(a, b) -> bool:
    return a.params.keys() == b.params.keys() and all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


def test_a_refit_started_early_is_the_refit_run_after_the_first_pass(skeleton):
    fits = _fits(skeleton, _scene(skeleton, 0.8))
    assert fits[False].stats["face_refit"] == 1 and fits[True].stats["face_refit"] == 1
    assert fits[False].stats["refit_early"] == 0 and fits[True].stats["refit_early"] == 1
    assert _same(fits[False], fits[True])
    assert np.array_equal(fits[False].markers, fits[True].markers)


def test_a_refit_started_on_a_wrong_plan_is_dropped(skeleton, monkeypatch):
    """The plan read early says "refit the face"; the first pass ends on its keypoints (no refit): the early
    refit is dropped and the fit is the one without a refit."""
    calls = []
    real = smplx_fit.face_misses

    def first_call_misses(proj, uv, w, K, cfg):
        calls.append(1)
        out = real(proj, uv, w, K, cfg)
        return torch.ones_like(out) if len(calls) == 1 else out

    scene = _scene(skeleton, 0.0)  # the keypoints of the body itself
    plain = fit_smplx(skeleton, *scene[:3], dataclasses.replace(CFG, speculate_refit=False), masks=[scene[3]])
    monkeypatch.setattr(smplx_fit, "face_misses", first_call_misses)
    early = fit_smplx(skeleton, *scene[:3], CFG, masks=[scene[3]])
    assert len(calls) == 2  # read early (wrongly) and at the end
    assert plain.stats["face_refit"] == 0 and early.stats["face_refit"] == 0
    assert early.stats["refit_early"] == 0
    assert early.stats["iterations"] == plain.stats["iterations"]
    assert _same(plain, early)


def test_one_core_starts_no_early_refit(skeleton, monkeypatch):
    scene = _scene(skeleton, 0.8)
    monkeypatch.setattr(smplx_fit, "cpu_workers", lambda workers=None: 1)
    assert fit_smplx(skeleton, *scene[:3], CFG, masks=[scene[3]]).stats["refit_early"] == 0
