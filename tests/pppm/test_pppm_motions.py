import numpy as np
import pytest

from revision.pppm.representation import axis_angle_to_matrix
from revision.synthetic import motions as M


@pytest.mark.parametrize("kind,table", [("smplx", M.HUMAN_MOTIONS), ("smal", M.ANIMAL_MOTIONS), ("object", M.OBJECT_MOTIONS)])
def test_every_motion_has_track_shapes_and_is_smooth(kind, table):
    import torch

    for name in table:
        _, p, cap = M.random_track(kind, 20, np.random.default_rng(1), name=name, strength=0.5)
        assert cap
        if kind == "smplx":
            assert p["global_orient"].shape == (20, 3) and p["body_pose"].shape == (20, 63)
            assert p["betas"].shape == (10,) and p["transl"].shape == (20, 3)
        elif kind == "smal":
            assert p["pose"].shape == (20, 102) and p["betas"].shape == (41,) and p["transl"].shape == (20, 3)
        else:
            assert p["points"].shape == (20, 21, 3)
            np.testing.assert_allclose(p["points"][:, 20], p["points"][:, :16].mean(1), atol=1e-5)  # centre
        for k, v in p.items():
            assert np.isfinite(v).all() and v.dtype == np.float32, (name, k)
        if kind != "object":  # rotations change by < 1.2 rad per frame at 7 fps
            R = axis_angle_to_matrix(torch.as_tensor(p["global_orient"]))
            rel = R[1:] @ R[:-1].transpose(-1, -2)
            ang = torch.arccos(((rel.diagonal(dim1=-2, dim2=-1).sum(-1) - 1) / 2).clamp(-1, 1))
            assert float(ang.max()) < 1.2, name


def test_strength_scales_motion():
    def speed(s):
        p, _ = M.human_motion("walk", 30, strength=s, rng=np.random.default_rng(3))
        return np.abs(np.diff(p["body_pose"], axis=0)).mean()

    assert speed(0.7) > 1.3 * speed(0.3)
    with pytest.raises(ValueError, match="strength"):
        M.human_motion("walk", 5, strength=1.5)
    with pytest.raises(ValueError, match="unknown human motion"):
        M.human_motion("fly", 5)


def test_ballistic_object_falls_and_rests_on_the_ground():
    p, _ = M.object_motion("fall", 40, fps=10, strength=0.5, rng=np.random.default_rng(0), size=(0.1, 0.1))
    y = p["points"][:, 20, 1]
    assert y[0] > 1.0 and abs(y[-1] - 0.1) < 0.02


def test_to_camera_maps_points_and_bodies_consistently():
    R, t = M.default_extrinsics()
    p, _ = M.human_motion("walk", 5)
    cam = M.to_camera("smplx", p, R, t)
    np.testing.assert_allclose(cam["transl"], p["transl"] @ R.T + t, atol=1e-5)
    seq, cap = M.random_motion_sequence(10, np.random.default_rng(0), num_tracks=2)
    assert len(seq.tracks) == 2 and "; " in cap and seq.num_frames == 10
