"""Part-mask rendering: rasteriser exactness, left/right sides, occlusion, re-projection, condition maps."""

from __future__ import annotations

import numpy as np
import pytest

from revision.body.objects import polygon_mask
from revision.body.posed import default_smplx, track_meshes
from revision.palette import PART_BY_NAME
from revision.render import (
    Mesh,
    project_points,
    rasterize,
    rasterize_meshes,
    render_condition,
    render_part_masks,
)
from revision.types import Camera, ConditionMaps, MotionSequence, Track

W, H = 320, 240
FACING = [np.pi, 0.0, 0.0]  # canonical y-up body → camera y-down, facing the camera
PELVIS_Y = 0.93  # procedural rest pelvis height; global_orient rotates about it


def _person(track_id: int, x: float, z: float, frames: int = 1, conf=None) -> Track:
    go = np.tile(FACING, (frames, 1)).astype(np.float32)
    transl = np.tile([x, -PELVIS_Y, z], (frames, 1)).astype(np.float32)
    params = {"global_orient": go, "body_pose": np.zeros((frames, 63), np.float32),
              "betas": np.zeros(10, np.float32), "transl": transl}  # fmt: skip
    return Track(track_id, "smplx", params, np.ones(frames, np.float32) if conf is None else np.asarray(conf))


@pytest.fixture(scope="module")
def body():
    return default_smplx()


def test_rasterizer_covers_exact_pixel_centres_with_perspective_depth():
    # the screen square [10.2, 20.7]² on the tilted plane Z = 2 + 0.5 X (fx = 100, cx = 0), two triangles
    uv = np.array([[10.2, 10.2], [20.7, 10.2], [20.7, 20.7], [10.2, 20.7]])
    z = 2.0 / (1 - 0.005 * uv[:, 0])  # depth of the plane along each pixel ray
    faces = np.array([[0, 2, 1], [0, 3, 2]])  # either winding: culling off
    fidx, depth = rasterize(uv, z, faces, 30, 40, cull=False)
    covered = fidx >= 0
    expect = np.zeros((30, 40), bool)
    expect[11:21, 11:21] = True  # pixel centres 11..20 lie inside [10.2, 20.7]
    assert np.array_equal(covered, expect)
    cols = np.arange(40)[None].repeat(30, 0)
    np.testing.assert_allclose(depth[covered], 2.0 / (1 - 0.005 * cols[covered]), rtol=1e-4)


def test_coverage_is_exactly_the_pixels_the_depth_tested_raster_covers(body):
    """``rasterize_coverage`` (the fit's coverage test: no depth test) covers the same pixels as
    ``rasterize_sparse``: a posed body (self-occluding, culled), a face behind the near plane, an empty mesh."""
    from revision.body.posed import track_meshes
    from revision.render.raster import rasterize_coverage, rasterize_sparse

    cam = Camera.from_image_size(W, H)
    person = _person(0, 0.1, 2.5)
    person.params["body_pose"][0, 47] = 1.2  # an arm bent across the body
    tm = track_meshes(person, smplx_model=body)
    uv, z = project_points(tm.vertices[0], cam)
    faces = np.asarray(tm.faces, np.int64)
    for cull in (True, False):
        want = np.zeros(H * W, bool)
        want[rasterize_sparse(uv, z, faces, H, W, cull=cull)[0]] = True
        got = rasterize_coverage(uv, z, faces, H, W, cull=cull)
        assert got.shape == (H, W) and got.sum() > 2000 and np.array_equal(got.ravel(), want)
    near = np.array([[5.0, 5.0], [15.0, 5.0], [5.0, 15.0]]), np.array([1.0, 1.0, 1e-4])
    assert not rasterize_coverage(*near, np.array([[0, 2, 1]]), 20, 20).any()
    assert not rasterize_coverage(uv, z, np.zeros((0, 3), np.int64), H, W).any()


def test_back_faces_are_culled_front_faces_drawn():
    uv = np.array([[5.0, 5.0], [15.0, 5.0], [5.0, 15.0]])
    z = np.ones(3)
    front = np.array([[0, 2, 1]])  # counter-clockwise seen from the camera (y down) = facing it
    back = np.array([[0, 1, 2]])
    assert (rasterize(uv, z, front, 20, 20)[0] >= 0).sum() > 30
    assert (rasterize(uv, z, back, 20, 20)[0] >= 0).sum() == 0


def test_t_pose_left_right_on_correct_image_sides(body):
    tm = track_meshes(_person(0, 0.0, 3.2), smplx_model=body)
    cam = Camera.from_image_size(W, H)
    ids, depth = render_part_masks([(tm.vertices[0], tm.faces, tm.vertex_parts)], cam, H, W)
    assert ids.dtype == np.int16 and depth.dtype == np.float32
    xs = lambda name: np.nonzero(ids == PART_BY_NAME[name].id)[1]  # noqa: E731
    ys = lambda name: np.nonzero(ids == PART_BY_NAME[name].id)[0]  # noqa: E731
    # facing the camera, the person's left is on the image's right
    for limb in ("upper_arm", "lower_arm", "hand", "upper_leg", "lower_leg", "foot"):
        assert xs(f"left_{limb}").min() > W / 2 > xs(f"right_{limb}").max(), limb
    assert ys("head").mean() < ys("torso").mean() < ys("left_upper_leg").mean() < ys("left_foot").mean()
    assert (depth[ids > 0] > 2.9).all() and (depth[ids == 0] == 0).all()


def test_nearer_body_occludes_farther_one(body):
    near, far = _person(0, 0.1, 2.6), _person(1, -0.1, 4.0)
    cam = Camera.from_image_size(W, H)
    meshes = [
        (m.vertices[0], m.faces, m.vertex_parts)
        for m in (track_meshes(t, smplx_model=body) for t in (far, near))
    ]
    _, depth, owner = rasterize_meshes(meshes, cam, H, W)
    alone = [rasterize_meshes([m], cam, H, W)[2] >= 0 for m in meshes]
    overlap = alone[0] & alone[1]
    assert overlap.sum() > 500
    assert (owner[overlap] == 1).all()  # the near body (index 1) wins everywhere they overlap
    assert depth[overlap].max() < 3.0
    assert (owner[alone[0] & ~alone[1]] == 0).all()  # the far body still shows around the near one


def test_ball_in_front_of_person_and_polygon_fill(body):
    person = track_meshes(_person(0, 0.0, 3.0), smplx_model=body)
    cam = Camera.from_image_size(W, H)
    ang = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    ring = np.stack([0.25 * np.cos(ang), 0.25 * np.sin(ang), np.full(16, 2.0)], 1)
    box = [[-0.25, -0.25, 2], [0.25, -0.25, 2], [0.25, 0.25, 2], [-0.25, 0.25, 2]]
    pts = np.concatenate([ring, box, [[0, 0, 2.0]]]).astype(np.float32)
    ball = Mesh(pts, np.zeros((0, 3), np.int64), np.full(21, PART_BY_NAME["object"].id, np.int16),
                polygon=np.arange(16), cull=False)  # fmt: skip
    ids, depth = render_part_masks([(person.vertices[0], person.faces, person.vertex_parts), ball], cam, H, W)
    uv, _ = project_points(ring, cam)
    disc = polygon_mask(uv, H, W)
    assert (ids[disc] == PART_BY_NAME["object"].id).all()
    assert ((ids == PART_BY_NAME["object"].id) & ~disc).sum() <= 0.02 * disc.sum()
    np.testing.assert_allclose(depth[disc], 2.0, atol=1e-3)
    # a non-convex (L-shaped) object outline fills exactly its polygon
    L = np.array([[-0.3, -0.3], [0.3, -0.3], [0.3, -0.1], [-0.1, -0.1], [-0.1, 0.3], [-0.3, 0.3]])
    L = np.concatenate([L, L[-1:].repeat(10, 0)])  # pad to 16 outline points (repeats are harmless)
    pts = np.concatenate([np.c_[L, np.full(16, 2.0)], np.zeros((5, 3)) + [0, 0, 2.0]]).astype(np.float32)
    lmesh = Mesh(
        pts, np.zeros((0, 3), np.int64), np.full(21, 16, np.int16), polygon=np.arange(16), cull=False
    )
    ids, _ = render_part_masks([lmesh], cam, H, W)
    expect = polygon_mask(project_points(pts[:6], cam)[0], H, W)
    assert ((ids > 0) != expect).sum() <= 0.01 * expect.sum()


def test_visible_vertices_reproject_inside_their_part(body):
    tr = _person(0, 0.0, 3.0)
    tr.params["body_pose"][0, 3 * 17 + 2] = -1.0  # left elbow bent
    tr.params["body_pose"][0, 3 * 3] = 0.8  # left knee bent
    tm = track_meshes(tr, smplx_model=body)
    cam = Camera.from_image_size(W, H)
    ids, depth = render_part_masks([(tm.vertices[0], tm.faces, tm.vertex_parts)], cam, H, W)
    uv, z = project_points(tm.vertices[0], cam)
    px = np.round(uv).astype(int)
    ok = (px[:, 0] >= 1) & (px[:, 0] < W - 1) & (px[:, 1] >= 1) & (px[:, 1] < H - 1)
    visible = ok.copy()
    visible[ok] = np.abs(depth[px[ok, 1], px[ok, 0]] - z[ok]) < 0.01
    assert visible.sum() > 1500
    v = np.nonzero(visible)[0]
    hood = np.stack([ids[px[v, 1] + dy, px[v, 0] + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1)], 1)
    inside = (hood == tm.vertex_parts[v, None]).any(1)
    assert inside.mean() > 0.98


def test_render_condition_frames_confidence_and_camera_scaling(body):
    F = 3
    person = _person(0, 0.0, 3.0, frames=F, conf=[1.0, 0.0, 0.5])
    motion = MotionSequence([person], Camera.from_image_size(640, 480), F)
    cond = render_condition(motion, H, W, smplx_model=body)
    assert isinstance(cond, ConditionMaps) and cond.part_ids.shape == (F, H, W)
    assert cond.part_ids[1].max() == 0 and cond.confidence[1].max() == 0  # missing frame: not drawn
    drawn = cond.part_ids[0] > 0
    assert drawn.sum() > 2000
    assert (cond.confidence[0][drawn] == 1.0).all() and (cond.confidence[0][~drawn] == 0).all()
    np.testing.assert_allclose(cond.confidence[2][cond.part_ids[2] > 0], 0.5)
    # a camera made for 640x480 is scaled to 320x240: same masks as rendering with a 320x240 camera
    direct = render_condition(
        MotionSequence([person], Camera.from_image_size(W, H), F), H, W, smplx_model=body
    )
    assert np.array_equal(direct.part_ids, cond.part_ids)
    arr = cond.to_array()
    assert arr.shape == (F, 2, H, W) and arr.max() <= 1.0
    # frames rasterised on several threads: the same maps, progress reported in order in the caller's thread
    import threading

    calls = []
    two = render_condition(motion, H, W, smplx_model=body, workers=2,
                           progress=lambda frac, msg: calls.append((frac, threading.current_thread())))  # fmt: skip
    one = render_condition(motion, H, W, smplx_model=body, workers=1)
    assert np.array_equal(two.part_ids, one.part_ids) and np.array_equal(two.confidence, one.confidence)
    assert np.array_equal(one.part_ids, cond.part_ids)
    assert [c[0] for c in calls] == [1 / 3, 2 / 3, 1.0] and {c[1] for c in calls} == {threading.current_thread()}


def test_render_condition_carries_a_moving_object_track_in_depth_order(body):
    """The part-mask condition (conditioned / guided S3) draws an object track (21 points) in every frame
    where it is, as the palette's object part, in front of a person or behind it by depth."""
    F = 3
    person = _person(0, 0.0, 3.0, frames=F)
    ang = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    ring = np.stack([0.15 * np.cos(ang), 0.15 * np.sin(ang), np.zeros(16)], 1)
    box = [[-0.15, -0.15, 0], [0.15, -0.15, 0], [0.15, 0.15, 0], [-0.15, 0.15, 0]]
    local = np.concatenate([ring, box, [[0, 0, 0]]])
    path = np.stack([np.linspace(-0.9, 0.0, F), np.full(F, 0.3), np.full(F, 2.5)], 1)  # onto the legs
    cam = Camera.from_image_size(W, H)
    obj = PART_BY_NAME["object"].id
    for z_shift, in_front in ((0.0, True), (1.0, False)):  # 2.5 m (before the person at 3 m) or 3.5 m
        centres = path + [0, 0, z_shift]
        pts = (local[None] + centres[:, None]).astype(np.float32)
        ball = Track(7, "object", {"points": pts}, np.ones(F, np.float32), label="ball")
        cond = render_condition(MotionSequence([person, ball], cam, F), H, W, smplx_model=body)
        alone = render_condition(MotionSequence([person], cam, F), H, W, smplx_model=body)
        for f in range(F):
            disc = polygon_mask(project_points(pts[f, :16], cam)[0], H, W)
            assert disc.sum() > 100
            free = disc & (alone.part_ids[f] == 0)  # where the person is not: the ball, confidence 1
            assert free.any() and (cond.part_ids[f][free] == obj).all()
            assert (cond.confidence[f][free] == 1).all()
            behind = disc & (alone.part_ids[f] > 0)
            if f == F - 1:
                assert behind.sum() > 50  # it ends over the legs
            if behind.any():
                shown = cond.part_ids[f][behind]
                if in_front:
                    assert (shown == obj).all()
                else:
                    assert np.array_equal(shown, alone.part_ids[f][behind])
            outside = ~disc & (cond.part_ids[f] == obj)
            assert outside.sum() <= 0.02 * disc.sum()  # nothing of the ball where it is not


def test_sparse_rasterizer_handles_faces_wider_than_its_largest_width_class():
    # a face 300 px wide (a body close to the camera, a ball flying at it) used to raise IndexError
    from revision.render.raster import rasterize_sparse

    uv = np.array([[5.0, 5.0], [305.0, 10.0], [20.0, 150.0]], np.float32)
    z = np.full(3, 2.0, np.float32)
    faces = np.array([[0, 1, 2]])
    fidx, _ = rasterize(uv, z, faces, 160, 320, cull=False)
    pix, face, depth = rasterize_sparse(uv, z, faces, 160, 320, cull=False)
    dense = np.flatnonzero(fidx.ravel() >= 0)
    assert len(dense) > 10000
    assert np.array_equal(np.sort(pix), dense) and (face == 0).all() and np.allclose(depth, 2.0)
