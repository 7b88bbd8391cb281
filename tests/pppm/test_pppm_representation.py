import numpy as np
import pytest
import torch

from revision.pppm import representation as rep
from revision.synthetic.motions import random_track


def test_rotation_round_trips():
    torch.manual_seed(0)
    aa = torch.randn(500, 3) * 1.5
    aa = torch.cat([aa, torch.zeros(1, 3), torch.nn.functional.normalize(torch.randn(20, 3), dim=-1) * torch.pi])
    R = rep.axis_angle_to_matrix(aa)
    assert torch.allclose(rep.axis_angle_to_matrix(rep.matrix_to_axis_angle(R)), R, atol=1e-5)
    assert torch.allclose(rep.rotation_6d_to_matrix(rep.matrix_to_rotation_6d(R)), R, atol=1e-5)
    assert rep.matrix_to_axis_angle(R).norm(dim=-1).max() <= torch.pi + 1e-5
    # orthonormal output for arbitrary 6D input
    M = rep.rotation_6d_to_matrix(torch.randn(100, 6))
    assert torch.allclose(M @ M.transpose(-1, -2), torch.eye(3).expand(100, 3, 3), atol=1e-5)
    assert torch.allclose(torch.linalg.det(M), torch.ones(100), atol=1e-5)


def test_6d_is_first_two_columns():
    R = rep.axis_angle_to_matrix(torch.tensor([0.3, -0.2, 0.9]))
    assert torch.allclose(rep.matrix_to_rotation_6d(R), torch.cat([R[:, 0], R[:, 1]]))


@pytest.mark.parametrize("kind", rep.KINDS)
def test_encode_decode_round_trip(kind, rng):
    _, params, _ = random_track(kind, 12, rng, strength=0.8)
    enc = rep.encode_params(kind, params)
    assert enc.features.shape == (12, rep.FEATURE_DIM)
    assert torch.all(enc.features[:, rep.KIND_DIM[kind] :] == 0)
    out = rep.decode_features(enc.features, kind, enc.origin, enc.constants)
    assert set(out) == set(params)
    for k, v in params.items():
        if k in ("global_orient", "body_pose", "pose"):
            a = rep.axis_angle_to_matrix(torch.as_tensor(v).reshape(-1, 3))
            b = rep.axis_angle_to_matrix(torch.as_tensor(out[k]).reshape(-1, 3))
            assert torch.allclose(a, b, atol=1e-5)
        else:
            np.testing.assert_allclose(out[k], v, atol=1e-5)
    # translation-relative: the first frame's translation/centre is the origin
    first = enc.features[0, rep.KIND_DIM[kind] - 3 : rep.KIND_DIM[kind]]
    if kind != "object":
        assert torch.allclose(first, torch.zeros(3), atol=1e-6)


def test_bad_shapes_are_rejected():
    with pytest.raises(ValueError, match="body_pose"):
        rep.encode_params("smplx", {"global_orient": np.zeros((4, 3)), "body_pose": np.zeros((4, 60)), "transl": np.zeros((4, 3))})
    with pytest.raises(ValueError, match="missing"):
        rep.encode_params("smal", {"global_orient": np.zeros((4, 3))})
    with pytest.raises(ValueError, match="unknown track kind"):
        rep.encode_params("robot", {})
