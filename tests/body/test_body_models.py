"""Procedural SMPL-X / SMAL models: file format, loading path, LBS behaviour, part labels, posed tracks."""

from __future__ import annotations

import pickle
import sys
import types

import numpy as np
import pytest
import torch

from revision.body import load_smal, load_smplx, procedural_smplx_dir, smal_vertex_parts, smplx_vertex_parts
from revision.body.posed import track_meshes
from revision.body.procedural_smal import PARENTS as SMAL_PARENTS
from revision.body.procedural_smplx import PARENTS as SMPLX_PARENTS
from revision.body.procedural_smplx import rest_joints
from revision.body.smal import SMAL, procedural_smal_path, read_smal_file
from revision.palette import PART_BY_NAME, PARTS
from revision.types import Track

OFFICIAL_SHAPES = {
    "v_template": (10475, 3), "shapedirs": (10475, 3, 20), "posedirs": (10475, 3, 486),
    "J_regressor": (55, 10475), "weights": (10475, 55), "kintree_table": (2, 55),
    "hands_componentsl": (45, 45), "hands_componentsr": (45, 45), "hands_meanl": (45,), "hands_meanr": (45,),
    "lmk_faces_idx": (51,), "lmk_bary_coords": (51, 3), "dynamic_lmk_faces_idx": (79, 17),
    "dynamic_lmk_bary_coords": (79, 17, 3),
}  # fmt: skip


@pytest.fixture(scope="module")
def smplx_dir(tmp_path_factory):
    return procedural_smplx_dir(tmp_path_factory.mktemp("smplx_models"))


@pytest.fixture(scope="module")
def smplx_model(smplx_dir):
    return load_smplx(smplx_dir, flat_hand_mean=True)


@pytest.fixture(scope="module")
def smal_model():
    return load_smal()


def test_procedural_smplx_file_has_official_keys_and_shapes(smplx_dir):
    with np.load(smplx_dir / "SMPLX_NEUTRAL.npz") as z:
        for key, shape in OFFICIAL_SHAPES.items():
            assert z[key].shape == shape, key
        assert z["f"].ndim == 2 and z["f"].shape[1] == 3 and z["f"].max() < 10475
        assert np.array_equal(z["kintree_table"][0, 1:], SMPLX_PARENTS[1:])
        np.testing.assert_allclose(z["J_regressor"] @ z["v_template"], rest_joints(), atol=1e-6)
        np.testing.assert_allclose(z["weights"].sum(1), 1.0, atol=1e-6)


def test_procedural_loads_through_the_real_file_code_path(smplx_dir, smplx_model):
    import smplx

    # smplx's own factory (folder layout <dir>/smplx/SMPLX_NEUTRAL.npz) and our loader agree
    created = smplx.create(str(smplx_dir), model_type="smplx", gender="neutral", ext="npz", flat_hand_mean=True)
    assert torch.equal(created.v_template, smplx_model.v_template)
    out = created()
    assert out.vertices.shape == (1, 10475, 3) and out.joints.shape[1] == 127  # 55 + 21 extra + 51 face
    # the file itself, given by path like a licensed download
    by_file = load_smplx(smplx_dir / "smplx" / "SMPLX_NEUTRAL.npz", flat_hand_mean=True)
    assert torch.equal(by_file.J_regressor, smplx_model.J_regressor)


def test_missing_body_model_gives_actionable_error(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="smpl-x.is.tue.mpg.de") as e:
        load_smplx(tmp_path / "nowhere")
    assert "REVISION_BODY_MODEL_DIR" in str(e.value) and "--body-model-dir" in str(e.value)
    monkeypatch.setenv("REVISION_BODY_MODEL_DIR", str(tmp_path))  # exists but holds no SMPLX_NEUTRAL.npz
    with pytest.raises(FileNotFoundError, match="SMPLX_NEUTRAL.npz"):
        load_smplx()
    with pytest.raises(FileNotFoundError, match="smal.is.tue.mpg.de"):
        load_smal(tmp_path / "smal.npz")


def test_zero_pose_reproduces_template(smplx_model, smal_model):
    v = smplx_model().vertices[0]
    torch.testing.assert_close(v, smplx_model.v_template, atol=1e-6, rtol=0)
    out = smal_model(torch.zeros(2, 3), torch.zeros(2, 102), torch.zeros(41), torch.zeros(2, 3))
    torch.testing.assert_close(out.vertices[1], smal_model.v_template, atol=1e-6, rtol=0)
    assert out.joints.shape == (2, 35, 3)


def _subtree(parents: np.ndarray, root: int) -> set[int]:
    sub = {root}
    for j in range(len(parents)):  # parents precede children in both trees
        if parents[j] in sub:
            sub.add(j)
    return sub


@pytest.mark.parametrize("kind,joint", [("smplx", 18), ("smplx", 4), ("smal", 7), ("smal", 25)])
def test_joints_follow_the_kinematic_tree(kind, joint, smplx_model, smal_model):
    """Rotating one joint moves exactly its subtree, rigidly about that joint."""
    rot = torch.zeros(1, 3)
    rot[0, 2] = np.pi / 2
    if kind == "smplx":
        pose = torch.zeros(1, 63)
        pose[:, 3 * (joint - 1) : 3 * joint] = rot
        j0 = smplx_model().joints[0, :55].detach()
        j1 = smplx_model(body_pose=pose).joints[0, :55].detach()
        parents = SMPLX_PARENTS
    else:
        pose = torch.zeros(1, 102)
        pose[:, 3 * (joint - 1) : 3 * joint] = rot
        j0 = smal_model(torch.zeros(1, 3), torch.zeros(1, 102)).joints[0]
        j1 = smal_model(torch.zeros(1, 3), pose).joints[0]
        parents = SMAL_PARENTS
    sub = _subtree(parents, joint)
    moved = {j for j in range(len(parents)) if (j1[j] - j0[j]).norm() > 1e-5}
    assert moved == sub - {joint}
    for j in sub:  # distances to the rotated joint are preserved
        torch.testing.assert_close((j1[j] - j1[joint]).norm(), (j0[j] - j0[joint]).norm(), atol=1e-5, rtol=0)


def test_shape_directions_are_height_and_girth(smplx_model):
    v0 = smplx_model().vertices[0]
    tall = smplx_model(betas=torch.tensor([[2.0] + [0.0] * 9])).vertices[0]
    wide = smplx_model(betas=torch.tensor([[0.0, 2.0] + [0.0] * 8])).vertices[0]
    assert _height(tall) > _height(v0) * 1.08
    assert _width_at(wide, 0.9) > _width_at(v0, 0.9) * 1.1


def _height(v: torch.Tensor) -> float:
    return float(v[:, 1].max().detach() - v[:, 1].min().detach())


def _width_at(v: torch.Tensor, y: float) -> float:
    band = v.detach()[(v.detach()[:, 1] - y).abs() < 0.03]
    return float(band[:, 0].max() - band[:, 0].min())


def test_part_labels_cover_every_vertex(smplx_model, smal_model):
    human = smplx_vertex_parts(smplx_model)
    assert human.shape == (10475,) and human.dtype == np.int16
    human_parts = {p.id for p in PARTS if p.name not in ("tail", "object")}
    assert set(np.unique(human).tolist()) == human_parts
    v = smplx_model.v_template.numpy()
    for side, sign in (("left", 1), ("right", -1)):  # canonical frame: +x is the body's left
        for limb in ("upper_arm", "hand", "upper_leg", "foot"):
            xs = v[human == PART_BY_NAME[f"{side}_{limb}"].id, 0]
            assert (np.sign(xs) == sign).mean() > 0.99, (side, limb)
    animal = smal_vertex_parts(smal_model)
    assert animal.shape == (smal_model.v_template.shape[0],)
    assert set(np.unique(animal).tolist()) == human_parts | {PART_BY_NAME["tail"].id}


def test_smal_file_format_and_chumpy_free_pickle(tmp_path, smal_model):
    data = read_smal_file(procedural_smal_path())
    assert data["v_template"].shape == (3889, 3) and data["shapedirs"].shape == (3889, 3, 41)
    assert data["posedirs"].shape == (3889, 3, 306) and data["J_regressor"].shape == (35, 3889)
    # an official-style pickle whose arrays are chumpy objects, readable without chumpy installed
    fake = types.ModuleType("chumpy.ch")

    class Ch:
        def __init__(self, x):
            self.x = x

        def __reduce__(self):
            return (Ch, (None,), {"x": self.x})

        def __setstate__(self, state):
            self.__dict__.update(state)

    Ch.__module__, Ch.__qualname__ = "chumpy.ch", "Ch"
    fake.Ch = Ch
    sys.modules["chumpy"], sys.modules["chumpy.ch"] = types.ModuleType("chumpy"), fake
    try:
        raw = {k: (Ch(v) if k in ("v_template", "shapedirs") else v) for k, v in data.items() if k != "source"}
        path = tmp_path / "smal_official_style.pkl"
        path.write_bytes(pickle.dumps(raw, protocol=2))
    finally:
        del sys.modules["chumpy"], sys.modules["chumpy.ch"]
    loaded = load_smal(path)
    torch.testing.assert_close(loaded.v_template, smal_model.v_template)
    assert isinstance(loaded, SMAL) and loaded.source == str(path)


def test_track_meshes_batched_over_frames(smplx_model, smal_model):
    F = 3
    go = np.tile([np.pi, 0, 0], (F, 1)).astype(np.float32)
    human = Track(0, "smplx", {"global_orient": go, "body_pose": np.zeros((F, 63)), "betas": np.zeros(10),
                               "transl": np.array([[0, 0, 3], [0.1, 0, 3], [0.2, 0, 3]])}, np.ones(F))  # fmt: skip
    tm = track_meshes(human, smplx_model=smplx_model)
    v, faces, parts = tm
    assert v.shape == (F, 10475, 3) and tm.joints.shape == (F, 55, 3) and parts.shape == (10475,)
    np.testing.assert_allclose(v[1] - v[0], np.tile([0.1, 0, 0], (10475, 1)), atol=1e-5)
    # same vertices as smplx's own forward pass
    ref = smplx_model(global_orient=torch.tensor(go[:1]), transl=torch.tensor([[0.0, 0, 3]])).vertices[0]
    np.testing.assert_allclose(v[0], ref.detach().numpy(), atol=1e-5)
    animal = Track(1, "smal", {"global_orient": np.zeros((F, 3)), "pose": np.zeros((F, 102)),
                               "betas": np.zeros(41), "transl": np.zeros((F, 3))}, np.ones(F))  # fmt: skip
    assert track_meshes(animal, smal_model=smal_model).vertices.shape == (F, 3889, 3)
    obj = Track(2, "object", {"points": np.random.default_rng(0).normal(size=(F, 21, 3))}, np.ones(F))
    om = track_meshes(obj)
    assert om.vertices.shape == (F, 21, 3) and om.polygon.tolist() == list(range(16)) and om.joints is None
    assert (om.vertex_parts == PART_BY_NAME["object"].id).all()


def test_fast_lbs_matches_smplx_lbs(smal_model):
    from smplx.lbs import lbs as reference

    from revision.body.skinning import lbs

    g = torch.Generator().manual_seed(0)
    m = smal_model
    pose = 0.4 * torch.randn(3, 105, generator=g)
    betas = torch.randn(3, 41, generator=g)
    posedirs = 1e-3 * torch.randn_like(m.posedirs)
    args = (m.v_template, m.shapedirs)
    for pd, ours in ((posedirs, posedirs), (torch.zeros_like(posedirs), None)):
        v_ref, j_ref = reference(betas, pose, *args, pd, m.J_regressor, m.parents, m.lbs_weights)
        v, j = lbs(betas, pose, *args, ours, m.J_regressor, m.parents, m.lbs_weights)
        torch.testing.assert_close(v, v_ref, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(j, j_ref, atol=1e-5, rtol=1e-5)
