"""Per-segment girth (``revision.body.girth``): a fit-only surface parameter beside betas."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from revision.body import load_smplx, procedural_smplx_dir
from revision.body.girth import NUM_GIRTH, SEGMENTS, girth_dirs, has_girth
from revision.body.parts import smplx_vertex_parts
from revision.body.posed import track_meshes
from revision.palette import PART_BY_NAME
from revision.types import Track

THIGH = SEGMENTS.index("thigh")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return load_smplx(procedural_smplx_dir(tmp_path_factory.mktemp("smplx_models")))


def _track(girth=None) -> Track:
    rng = np.random.default_rng(0)
    params = {"global_orient": np.array([[np.pi, 0, 0], [np.pi, 0.3, 0]], np.float32),
              "body_pose": (0.2 * rng.standard_normal((2, 63))).astype(np.float32),
              "betas": (0.5 * rng.standard_normal(10)).astype(np.float32),
              "transl": np.array([[0, 0.3, 3.0], [0.1, 0.3, 3.2]], np.float32)}  # fmt: skip
    if girth is not None:
        params["girth"] = np.asarray(girth, np.float32)
    return Track(0, "smplx", params, np.ones(2, np.float32))


def test_zero_or_absent_girth_is_the_plain_body_bit_for_bit(model):
    plain = track_meshes(_track(), smplx_model=model)
    zero = track_meshes(_track(np.zeros(NUM_GIRTH)), smplx_model=model)
    assert np.array_equal(plain.vertices, zero.vertices) and np.array_equal(plain.joints, zero.joints)
    assert not has_girth(_track().params) and not has_girth(_track(np.zeros(NUM_GIRTH)).params)
    assert has_girth(_track(np.eye(NUM_GIRTH)[THIGH]).params)


def test_a_thigh_girth_widens_the_thighs_only(model):
    g = np.zeros(NUM_GIRTH)
    g[THIGH] = 0.5
    plain = track_meshes(_track(), smplx_model=model)
    wide = track_meshes(_track(g), smplx_model=model)
    np.testing.assert_array_equal(plain.joints, wide.joints)  # the skeleton does not change
    moved = np.linalg.norm(wide.vertices - plain.vertices, axis=-1).max(0)  # (V,) m, over both frames
    parts = smplx_vertex_parts(model)
    thigh = np.isin(parts, [PART_BY_NAME["left_upper_leg"].id, PART_BY_NAME["right_upper_leg"].id])
    far = ~np.isin(parts, [PART_BY_NAME[n].id for n in ("left_upper_leg", "right_upper_leg", "left_lower_leg",
                                                         "right_lower_leg", "torso")])  # fmt: skip
    assert moved[thigh].mean() > 0.02  # ~half the thigh's radius (6-8 cm) outwards
    assert moved[far].max() == 0.0  # arms, hands, head, feet: untouched
    # in rest space the thigh's vertices move away from the hip-knee line by half their distance to it
    J = (model.J_regressor @ model.v_template).detach().numpy()
    v = model.v_template.detach().numpy()
    d = girth_dirs(model).numpy()
    core = thigh & (model.lbs_weights.detach().numpy()[:, [1, 2]].max(1) > 0.99)
    left = core & (v[:, 0] > 0)

    def radius(x):
        axis = (J[4] - J[1]) / np.linalg.norm(J[4] - J[1])
        off = x - J[1]
        return np.linalg.norm(off - (off @ axis)[:, None] * axis, axis=1)

    r0, r1 = radius(v[left]), radius(v[left] + 0.5 * d[left, :, THIGH])
    np.testing.assert_allclose(r1, 1.5 * r0, rtol=1e-5)


def test_girth_blends_across_joints(model):
    """Every segment 30 % thicker: no mesh edge stretches past 1.6x its rest length (segments blend as the
    skinning weights do; each vertex taking its dominant segment's line alone stretches edges at the joints
    up to ~3.9x on the procedural body)."""
    f = np.asarray(model.faces, np.int64)
    e = np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]])
    v = model.v_template.detach().numpy()
    v2 = v + 0.3 * girth_dirs(model).numpy().sum(-1)
    ratio = np.linalg.norm(v2[e[:, 0]] - v2[e[:, 1]], axis=1) / np.linalg.norm(
        v[e[:, 0]] - v[e[:, 1]], axis=1
    )
    assert ratio.max() < 1.6


def test_skeleton_surface_and_mesh_follow_the_posed_mesh(model):
    from revision.lifting.skeleton import SMPLXSkeleton

    sk = SMPLXSkeleton(model)
    tr = _track(np.array([0.1, -0.2, 0.3, -0.1, 0.6, 0.2]))
    p = {k: torch.as_tensor(v) for k, v in tr.params.items()}
    with torch.no_grad():
        v = sk.mesh(p["global_orient"], p["body_pose"], p["betas"], p["transl"], p["girth"]).numpy()
        v0 = sk.mesh(
            p["global_orient"], p["body_pose"], p["betas"], p["transl"], torch.zeros(NUM_GIRTH)
        ).numpy()
        plain = sk.mesh(p["global_orient"], p["body_pose"], p["betas"], p["transl"]).numpy()
    ref = track_meshes(tr, smplx_model=model).vertices
    # the fit's skinning folds hand/face joints into their ancestors (hands' fingers at the mean pose differ)
    body = ~np.isin(
        smplx_vertex_parts(model), [PART_BY_NAME[n].id for n in ("left_hand", "right_hand", "head")]
    )
    assert np.abs(v - ref)[:, body].max() < 2e-3
    assert np.array_equal(v0, plain)
