"""The user's target-pose sketch → the last-frame pose each sketched person must reach (``propose_motion``'s
``target``), so that sketched parts end where they were drawn and unsketched parts move with the prompt.

:func:`sketch_target` reads a :class:`~revision.sketch.SketchResult` (part-coloured polygons over the photo)
in numbered steps:

1. **assign** every polygon to a person track: a limb stroke belongs to the nearest person whose limb can
   reach it from its shoulder / hip (frame 0, the photo's fit, ``reach_margin`` × the limb's projected
   length); head and torso strokes to the nearest person's head / torso within ``move_limit`` person
   heights. Strokes no person can own (``object``, ``tail``, or too far) are reported, not applied;
2. **solve** each person's pose on the *solve body*: the last frame of ``reference`` (the prompt's motion
   without the sketch; the photo's fit when None), so the drawn ends are reached where the prompt leaves
   the body. Per part:

   - *torso*: the root ``transl`` moves by the centroid shift, back-projected at the torso's depth;
   - *head*: the neck turns so the head's centre projects onto the stroke's centroid;
   - *limb segments* (upper / lower arm: shoulder → elbow → wrist; upper / lower leg: hip → knee → ankle):
     the polygon's principal axis, oriented away from the parent joint, gives the child joint's 2D target
     (the polygon's far end along the axis; its near end is the parent's target when the parent segment
     is not sketched). The bone keeps its length: the child lands where the camera ray through the target
     meets the sphere around the parent (of the two crossings, the one towards the body's front — the
     back for the lower leg — i.e. the depth that gives the drawn projected length; when the ray misses the
     sphere the bone lies in the plane through the ray, as close as it can get);
   - *hand / foot* (end effectors): the wrist / ankle turns so the part's centre lands on the centroid;
     sketched without their lower limb, a two-bone IK (bend in the plane of the limb, elbows forward,
     knees backward; the end a quarter of the limb's reach in front of its base) brings it there;

   each rotation is the minimal one taking the bone to its new direction, converted to the SMPL-X local
   axis-angle of that joint (parents before children, so children follow);
3. **out of reach**: when the prompt moves the body so far that drawn limbs are out of reach of the solve
   body, its root first *slides* along camera x (``out_of_reach="slide"``, not when the torso is drawn)
   until they are in reach (a walk still walks, and ends where the drawing needs it); a chain still out of
   reach (residual > ``unreachable`` person heights; ``out_of_reach="relative"``: every such chain) is
   solved on the photo's fit instead and its local rotations are used (the drawn pose, relative to the
   body). Both are said in the notes.

``joint_mask`` pins only the joints the sketch rotated; with a ``reference`` the target also pins its
last-frame root (``global_orient``, ``transl`` + the torso shift), so the pinned chains land where they
were drawn; without one only a sketched torso pins ``transl``.

:func:`propose_with_sketch` runs it all: the prompt's proposal without the sketch (the reference, no PPPM),
the target solved on it, then :func:`revision.pppm.propose.propose_motion` with the target.
:func:`sketch_from_condition` turns ready condition maps (the sketch's last frame) back into polygons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from revision.palette import PART_BY_ID, PART_BY_NAME
from revision.render.projection import project_points
from revision.types import Camera, ConditionMaps, MotionSequence

# SMPL-X body joints used here (ids into the first 22)
PELVIS, NECK, HEAD = 0, 12, 15
BODY_PARENTS = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19)
JOINT_NAMES = ("pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2", "left_ankle",
               "right_ankle", "spine3", "left_foot", "right_foot", "neck", "left_collar", "right_collar", "head",
               "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist")  # fmt: skip


@dataclass(frozen=True)
class Chain:
    """A limb: base → middle → end joints, the palette ids of its two segments and its end effector."""

    name: str
    joints: tuple[int, int, int]  # e.g. left shoulder, elbow, wrist
    upper: int  # palette id of the base → middle segment
    lower: int  # palette id of the middle → end segment
    end: int  # palette id of the end effector (hand / foot)
    bend: float  # +1: the lower segment bends towards the body's front (elbow), -1: backwards (knee)


def _pid(name: str) -> int:
    return PART_BY_NAME[name].id


CHAINS: tuple[Chain, ...] = tuple(
    Chain(f"{side}_{limb}", joints, _pid(f"{side}_upper_{seg}"), _pid(f"{side}_lower_{seg}"), _pid(f"{side}_{end}"),
          bend)
    for limb, seg, end, bend, sides in (
        ("arm", "arm", "hand", 1.0, {"left": (16, 18, 20), "right": (17, 19, 21)}),
        ("leg", "leg", "foot", -1.0, {"left": (1, 4, 7), "right": (2, 5, 8)}),
    )
    for side, joints in sides.items()
)  # fmt: skip
HEAD_PART, TORSO_PART = _pid("head"), _pid("torso")
PERSON_PARTS = {HEAD_PART, TORSO_PART} | {p for c in CHAINS for p in (c.upper, c.lower, c.end)}


@dataclass(frozen=True)
class SketchPoseConfig:
    reach_margin: float = 1.3  # a limb stroke is reachable within this × the limb's projected length ...
    reach_slack: float = 0.05  # ... + this × the person's projected height (pixels of drawing slop)
    move_limit: float = 0.75  # head / torso strokes: at most this many person heights from the person's part
    round_ratio: float = 1.5  # polygons whose axes' lengths differ by less than this have no reliable axis
    unreachable: float = 0.08  # a chain's residual (× person height) above which the photo's fit is used
    # with a reference, drawn limbs out of reach of the prompt's end pose: "slide" the end position along
    # camera x until they are in reach (then any still out of reach: as "relative"), or keep each such
    # chain's drawn pose "relative" to the body wherever the prompt takes it
    out_of_reach: str = "slide"


# ------------------------------------------------------------------------------------------- polygons
@dataclass
class PolygonShape:
    """Area, centroid and principal axis of a polygon (pixels)."""

    area: float
    centroid: np.ndarray  # (2,) x, y
    axis: np.ndarray  # (2,) unit major axis (sign arbitrary)
    elongation: float  # sqrt(major / minor second moment): 1 for a disc
    points: np.ndarray  # (N, 2) the vertices

    def ends(self, away_from: np.ndarray, round_ratio: float = 1.5) -> tuple[np.ndarray, np.ndarray]:
        """(near, far) ends along the axis oriented away from ``away_from`` (2,); a round polygon's axis is
        the direction from ``away_from`` to its centroid."""
        d = self.axis
        away = self.centroid - np.asarray(away_from, float)
        if self.elongation < round_ratio and np.linalg.norm(away) > 1e-6:
            d = away / np.linalg.norm(away)
        elif d @ away < 0:
            d = -d
        s = (self.points - self.centroid) @ d
        return self.centroid + d * s.min(), self.centroid + d * s.max()


def polygon_shape(points: np.ndarray) -> PolygonShape:
    """(N, 2) x, y polygon → :class:`PolygonShape` (exact area moments of the polygon, shoelace formulas)."""
    p = np.asarray(points, np.float64)
    o = p.mean(0)
    x, y = (p - o).T
    xn, yn = np.roll(x, -1), np.roll(y, -1)
    cr = x * yn - xn * y
    a = 0.5 * cr.sum()
    if abs(a) < 1e-9:  # degenerate (a line): moments of the vertices
        c = p.mean(0)
        cov = np.cov((p - c).T) if len(p) > 1 else np.eye(2)
        return _shape(abs(a), c, cov, p)
    cx, cy = ((x + xn) * cr).sum() / (6 * a), ((y + yn) * cr).sum() / (6 * a)
    ixx = ((x * x + x * xn + xn * xn) * cr).sum() / (12 * a) - cx * cx
    iyy = ((y * y + y * yn + yn * yn) * cr).sum() / (12 * a) - cy * cy
    ixy = ((x * yn + 2 * x * y + 2 * xn * yn + xn * y) * cr).sum() / (24 * a) - cx * cy
    return _shape(abs(a), o + [cx, cy], np.array([[ixx, ixy], [ixy, iyy]]), p)


def _shape(area: float, c: np.ndarray, cov: np.ndarray, p: np.ndarray) -> PolygonShape:
    w, v = np.linalg.eigh(cov)
    elong = float(np.sqrt(max(w[1], 1e-12) / max(w[0], 1e-12)))
    return PolygonShape(area, np.asarray(c, float), v[:, 1] / np.linalg.norm(v[:, 1]), elong, p)


def sketch_from_condition(maps: ConditionMaps | None):
    """Ready condition maps → a :class:`~revision.sketch.SketchResult` of their last frame's parts (at the
    maps' size), or None when the last frame is empty."""
    from revision.palette import colorize
    from revision.sketch import SketchError, parse_sketch

    if maps is None or not (maps.part_ids[-1] > 0).any():
        return None
    try:
        return parse_sketch(colorize(maps.part_ids[-1]))
    except SketchError:
        return None


# ------------------------------------------------------------------------------------------- the body
class _Body:
    """One SMPL-X pose (camera space) with forward kinematics and local-rotation edits."""

    def __init__(self, skel, go, bp, betas, transl, offsets: dict[int, tuple[int, np.ndarray]] | None = None):
        self.skel = skel
        self.go = np.asarray(go, np.float64).reshape(3).copy()
        self.bp = np.asarray(bp, np.float64).reshape(21, 3).copy()
        self.betas = np.asarray(betas, np.float32).reshape(-1)[:10]
        self.transl = np.asarray(transl, np.float64).reshape(3).copy()
        self.offsets = dict(offsets or {})  # part id → (joint, offset of its centre in that joint's frame)
        self._fk()

    def copy(self) -> _Body:
        return _Body(self.skel, self.go, self.bp, self.betas, self.transl, self.offsets)

    @torch.no_grad()
    def _fk(self) -> None:
        t = lambda a: torch.as_tensor(np.asarray(a, np.float32))[None]  # noqa: E731
        betas = torch.nn.functional.pad(torch.as_tensor(self.betas), (0, 10 - len(self.betas)))
        R, P, _ = self.skel.transforms(t(self.go), t(self.bp.reshape(63)), betas, t(self.transl))
        self.G = R[0, :22].double().numpy()  # (22, 3, 3) global rotations
        self.P = P[0, :22].double().numpy()  # (22, 3) joint positions

    def centre(self, part: int) -> np.ndarray:
        j, off = self.offsets[part]
        return self.P[j] + self.G[j] @ off

    def forward(self) -> np.ndarray:
        """The body's front (canonical +z) in camera space."""
        return self.G[PELVIS] @ np.array([0.0, 0.0, 1.0])

    def rotate(self, j: int, a: np.ndarray, b: np.ndarray) -> None:
        """Turn joint ``j`` (its subtree follows) by the minimal rotation taking direction ``a`` to ``b``."""
        q = _align(a, b)
        g_new = q @ self.G[j]
        if j == PELVIS:
            self.go = Rotation.from_matrix(g_new).as_rotvec()
        else:
            local = self.G[BODY_PARENTS[j]].T @ g_new
            self.bp[j - 1] = Rotation.from_matrix(local).as_rotvec()
        self._fk()


def _align(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    v, c = np.cross(a, b), float(a @ b)
    s = np.linalg.norm(v)
    if s < 1e-9:
        if c > 0:
            return np.eye(3)
        perp = np.cross(a, [1.0, 0, 0] if abs(a[0]) < 0.9 else [0, 1.0, 0])
        return Rotation.from_rotvec(np.pi * perp / np.linalg.norm(perp)).as_matrix()
    return Rotation.from_rotvec(v / s * np.arctan2(s, c)).as_matrix()


class _Cam:
    def __init__(self, camera: Camera):
        self.c = camera
        self.R = np.asarray(camera.R, np.float64)
        self.t = np.asarray(camera.t, np.float64)
        self.origin = -self.R.T @ self.t

    def project(self, x: np.ndarray) -> np.ndarray:
        return project_points(np.asarray(x, np.float64), self.c)[0]

    def depth(self, x: np.ndarray) -> float:
        return float((self.R @ x + self.t)[2])

    def ray(self, uv: np.ndarray) -> np.ndarray:
        c = self.c
        d = self.R.T @ np.array([(uv[0] - c.cx) / c.fx, (uv[1] - c.cy) / c.fy, 1.0])
        return d / np.linalg.norm(d)

    def pixels(self, metres: float, x: np.ndarray) -> float:
        return float(metres * self.c.fx / max(self.depth(x), 1e-6))


def _sphere_ray(S: np.ndarray, L: float, o: np.ndarray, d: np.ndarray, prefer: np.ndarray) -> np.ndarray:
    """The point at distance ``L`` from ``S`` on the ray ``o + t d`` (of two, the one further along
    ``prefer``); when the ray misses the sphere, the sphere's point nearest the ray."""
    w = o - S
    b = float(d @ w)
    disc = b * b - (float(w @ w) - L * L)
    if disc < 0:
        q = o - b * d - S
        return S + L * q / max(np.linalg.norm(q), 1e-12)
    r = np.sqrt(disc)
    cands = [o + t * d for t in (-b - r, -b + r) if t > 1e-6] or [o + max(-b, 1e-6) * d]
    return max(cands, key=lambda x: float((x - S) @ prefer))


# ------------------------------------------------------------------------------------------- solving
@dataclass
class _Person:
    tid: int
    photo: _Body  # frame 0 (the photo's fit)
    solve: _Body  # the reference's last frame (or a copy of the photo's fit)
    height_px: float  # projected height of the photo's body
    parts: dict[int, PolygonShape]
    pinned: set[int]


def _place(body: _Body, cam: _Cam, j: int, point: np.ndarray, target: np.ndarray, prefer: np.ndarray) -> None:
    """Turn joint ``j`` so ``point`` (moving with it) projects onto ``target`` (2,), keeping its distance."""
    S = body.P[j]
    L = float(np.linalg.norm(point - S))
    if L < 1e-6:
        return
    x = _sphere_ray(S, L, cam.origin, cam.ray(target), prefer)
    body.rotate(j, point - S, x - S)


def _two_bone(body: _Body, cam: _Cam, j0: int, j1: int, end_fn, target: np.ndarray, bend: np.ndarray) -> None:
    """Bend ``j1`` and swing ``j0`` so the end point (``end_fn(body)``, moving with ``j1``) projects onto
    ``target``; the end goes to the ray's point nearest a point a quarter of the limb's reach in front of
    ``j0`` (a hand drawn over the body is in front of it, not inside)."""
    S, E, X = body.P[j0], body.P[j1], end_fn(body)
    L1, L2 = np.linalg.norm(E - S), np.linalg.norm(X - E)
    o, d = cam.origin, cam.ray(target)
    T = o + max(float(d @ (S + 0.25 * (L1 + L2) * body.forward() - o)), 1e-6) * d
    D = float(np.clip(np.linalg.norm(T - S), abs(L1 - L2) + 1e-4, L1 + L2 - 1e-4))
    a, b = S - E, X - E
    theta = np.arccos(np.clip(a @ b / (L1 * L2), -1, 1))
    theta_new = np.arccos(np.clip((L1 * L1 + L2 * L2 - D * D) / (2 * L1 * L2), -1, 1))
    n = np.cross(a, b)
    if np.linalg.norm(n) < 1e-6 * L1 * L2:  # a straight limb: bend it towards ``bend``
        n = np.cross(bend, b)
        if np.linalg.norm(n) < 1e-9:
            n = np.cross(b, [1.0, 0, 0])
    n = n / np.linalg.norm(n)
    body.rotate(j1, b, Rotation.from_rotvec(n * (theta_new - theta)).apply(b))
    X = end_fn(body)
    body.rotate(j0, X - S, T - S)


def _solve_chain(body: _Body, cam: _Cam, chain: Chain, parts: dict[int, PolygonShape], cfg: SketchPoseConfig
                 ) -> tuple[set[int], list[tuple[np.ndarray, callable]]]:  # fmt: skip
    """Pose one limb on ``body`` → (joints turned, [(2D target, point getter)] for the residual)."""
    j0, j1, j2 = chain.joints
    up, lo, end = parts.get(chain.upper), parts.get(chain.lower), parts.get(chain.end)
    fwd = body.forward()
    pinned: set[int] = set()
    checks: list[tuple[np.ndarray, callable]] = []
    base = cam.project(body.P[j0])
    if up is not None:
        _, far = up.ends(base, cfg.round_ratio)
        _place(body, cam, j0, body.P[j1], far, fwd)
        pinned.add(j0)
        checks.append((far, lambda b: b.P[j1]))
    if lo is not None:
        near, far = lo.ends(cam.project(body.P[j1]) if up is not None else base, cfg.round_ratio)
        if up is None:  # the near end is the middle joint's target: flip a folded limb's axis if only that
            reach = cam.pixels(float(np.linalg.norm(body.P[j1] - body.P[j0])), body.P[j0])  # reaches it
            if np.linalg.norm(near - base) > 1.1 * reach >= np.linalg.norm(far - base):
                near, far = far, near
            _place(body, cam, j0, body.P[j1], near, fwd)
            pinned.add(j0)
        _place(body, cam, j1, body.P[j2], far, chain.bend * fwd)
        pinned.add(j1)
        checks.append((far, lambda b: b.P[j2]))
    if end is not None and end.area > 0:
        c = end.centroid
        if lo is not None:
            _place(body, cam, j2, body.centre(chain.end), c, fwd)
        elif up is not None:
            _place(body, cam, j1, body.centre(chain.end), c, chain.bend * fwd)
        else:
            _two_bone(body, cam, j0, j1, lambda b: b.centre(chain.end), c, chain.bend * fwd)
        pinned |= {j2} | ({j1} if lo is None else set()) | ({j0} if lo is None and up is None else set())
        checks.append((c, lambda b: b.centre(chain.end)))
    return pinned, checks


def _residual(body: _Body, cam: _Cam, checks) -> float:
    return max((float(np.linalg.norm(cam.project(get(body)) - t)) for t, get in checks), default=0.0)


def _shift_torso(body: _Body, cam: _Cam, shape: PolygonShape) -> None:
    c = body.centre(TORSO_PART)
    du = shape.centroid - cam.project(c)
    z = cam.depth(c)
    body.transl += cam.R.T @ np.array([du[0] * z / cam.c.fx, du[1] * z / cam.c.fy, 0.0])
    body._fk()


def _chain_miss(body: _Body, cam: _Cam, parts: dict[int, PolygonShape], cfg: SketchPoseConfig) -> list[np.ndarray]:
    """Per sketched chain solved on a copy of ``body``: its worst 2D miss (target − reached, pixels)."""
    out = []
    for chain in CHAINS:
        if {chain.upper, chain.lower, chain.end} & set(parts):
            trial = body.copy()
            _, checks = _solve_chain(trial, cam, chain, parts, cfg)
            miss = [t - cam.project(get(trial)) for t, get in checks]
            out.append(max(miss, key=np.linalg.norm) if miss else np.zeros(2))
    return out


def _slide_into_reach(p: _Person, cam: _Cam, cfg: SketchPoseConfig, iters: int = 6) -> float:
    """Slide the solve body's root along camera x until the sketched limbs are in reach → metres slid."""
    start = p.solve.transl.copy()
    for _ in range(iters):
        miss = _chain_miss(p.solve, cam, p.parts, cfg)
        if not miss or max(np.linalg.norm(m) for m in miss) <= 0.25 * cfg.unreachable * p.height_px:
            break
        du = float(np.mean([m[0] for m in miss]))
        z = cam.depth(p.solve.P[PELVIS])
        p.solve.transl += cam.R.T @ np.array([du * z / cam.c.fx, 0.0, 0.0])
        p.solve._fk()
    return float(np.linalg.norm(p.solve.transl - start))


def _solve_person(p: _Person, cam: _Cam, cfg: SketchPoseConfig, has_reference: bool) -> list[str]:
    notes: list[str] = []
    who = f"person {p.tid}"
    bodies = [p.solve, p.photo] if has_reference else [p.solve]
    for b in bodies:  # 1. torso: the root follows the drawn centroid
        if TORSO_PART in p.parts:
            _shift_torso(b, cam, p.parts[TORSO_PART])
    # 2. the prompt's end position slides sideways until the drawn limbs are in reach (no torso drawn)
    if has_reference and cfg.out_of_reach == "slide" and TORSO_PART not in p.parts:
        slid = _slide_into_reach(p, cam, cfg)
        if slid > 1e-3:
            notes.append(f"sketch: {who} ends {slid:.2f} m sideways from where the prompt takes it, so the drawn "
                         "limbs are in reach")  # fmt: skip
    for b in bodies:  # 3. head: the neck turns
        if HEAD_PART in p.parts:
            _place(b, cam, NECK, b.centre(HEAD_PART), p.parts[HEAD_PART].centroid, b.forward())
    if HEAD_PART in p.parts:
        p.pinned |= {NECK, HEAD}
    for chain in CHAINS:  # 4. limbs, on the solve body; out of reach → the drawn pose relative to the body
        if not {chain.upper, chain.lower, chain.end} & set(p.parts):
            continue
        trial = p.solve.copy()
        pinned, checks = _solve_chain(trial, cam, chain, p.parts, cfg)
        res = _residual(trial, cam, checks)
        if has_reference and res > cfg.unreachable * p.height_px:
            alt = p.photo.copy()
            _solve_chain(alt, cam, chain, p.parts, cfg)
            if _residual(alt, cam, checks) < res:
                for j in pinned:
                    trial.bp[j - 1] = alt.bp[j - 1]
                trial._fk()
                notes.append(f"sketch: the prompt takes {who} away from the drawn {chain.name.replace('_', ' ')} "
                             f"({res / p.height_px:.2f} person heights out of reach): its drawn pose is kept "
                             "relative to the body")  # fmt: skip
        p.solve.bp, p.pinned = trial.bp, p.pinned | pinned
        p.solve._fk()
    return notes


# ------------------------------------------------------------------------------------------- assignment
def _part_offsets(body: _Body, model) -> tuple[dict[int, tuple[int, np.ndarray]], np.ndarray]:
    """Each part's vertex centre, attached to the joint that carries it (hand → wrist, foot → ankle, head →
    neck, torso → pelvis), and the posed vertices (V, 3)."""
    from revision.body.posed import _parts_cached, smplx_vertices

    t = lambda a: torch.as_tensor(np.asarray(a, np.float32))[None]  # noqa: E731
    v, _ = smplx_vertices(model, t(body.go), t(body.bp.reshape(63)), torch.as_tensor(body.betas), t(body.transl))
    v = v[0].double().numpy()
    parts = _parts_cached(id(model), "smplx", model)
    carrier = {HEAD_PART: NECK, TORSO_PART: PELVIS, **{c.end: c.joints[2] for c in CHAINS},
               **{c.upper: c.joints[0] for c in CHAINS}, **{c.lower: c.joints[1] for c in CHAINS}}  # fmt: skip
    out = {}
    for pid, j in carrier.items():
        sel = parts == pid
        if sel.any():
            out[pid] = (j, body.G[j].T @ (v[sel].mean(0) - body.P[j]))
    return out, v


def _assign(shapes: list[tuple[int, PolygonShape]], people: list[_Person], cam: _Cam, cfg: SketchPoseConfig
            ) -> list[str]:  # fmt: skip
    """Give each (part id, polygon) to the person who can own it; → notes for the ones nobody can."""
    notes: list[str] = []
    best: dict[tuple[int, int], tuple[float, PolygonShape]] = {}
    shift = {p.tid: np.zeros(2) for p in people}

    def where(s: PolygonShape) -> str:
        return f"at ({s.centroid[0]:.0f}, {s.centroid[1]:.0f})"

    order = sorted(shapes, key=lambda it: it[0] != TORSO_PART)  # torsos first: their shift carries the limbs
    for pid, s in order:
        name = PART_BY_ID[pid].name.replace("_", " ")
        if pid not in PERSON_PARTS:
            notes.append(f"sketch: the {name} stroke {where(s)} is not a person's part: not applied "
                         "(the sketch target poses people only)")  # fmt: skip
            continue
        scored = []
        for p in people:
            body, h = p.photo, p.height_px
            if pid in (TORSO_PART, HEAD_PART):
                anchor = cam.project(body.centre(pid)) + (shift[p.tid] if pid == HEAD_PART else 0)
                d = float(np.linalg.norm(s.centroid - anchor)) / h
                if d <= cfg.move_limit:
                    scored.append((d, p))
                continue
            chain = next(c for c in CHAINS if pid in (c.upper, c.lower, c.end))
            j0, j1, j2 = chain.joints
            length = np.linalg.norm(body.P[j1] - body.P[j0])
            if pid != chain.upper:
                length += np.linalg.norm(body.P[j2] - body.P[j1])
            if pid == chain.end:
                length += 2 * np.linalg.norm(body.centre(pid) - body.P[j2])
            base = cam.project(body.P[j0]) + shift[p.tid]
            reach = cfg.reach_margin * cam.pixels(length, body.P[j0]) + cfg.reach_slack * h
            far = float(np.linalg.norm(s.points - base, axis=1).max())
            if far <= reach:
                scored.append((float(np.linalg.norm(s.centroid - base)) / reach, p))
        if not scored:
            notes.append(f"sketch: the {name} stroke {where(s)} is out of reach of every person: not applied")
            continue
        score, p = min(scored, key=lambda it: it[0])
        key = (p.tid, pid)
        if key in best:
            keep = best[key] if best[key][0] <= score else (score, s)
            drop = s if keep[1] is not s else best[key][1]
            notes.append(f"sketch: person {p.tid} has two {name} strokes; the one {where(drop)} is not applied")
            best[key] = keep
        else:
            best[key] = (score, s)
        if pid == TORSO_PART:
            shift[p.tid] = best[key][1].centroid - cam.project(p.photo.centre(TORSO_PART))
    for (tid, pid), (_, s) in best.items():
        next(p for p in people if p.tid == tid).parts[pid] = s
    return notes


def _frame(params: dict[str, np.ndarray], f: int) -> tuple[np.ndarray, ...]:
    """(global_orient, body_pose, betas, transl) of frame ``f``."""
    return (*(np.asarray(params[k])[f] for k in ("global_orient", "body_pose")), np.asarray(params["betas"]),
            np.asarray(params["transl"])[f])


def sketch_target(sketch, motion0: MotionSequence, *, reference: MotionSequence | None = None, skeleton=None,
                  smplx_model=None, config: SketchPoseConfig | None = None) -> tuple[dict[int, dict], list[str]]:  # fmt: skip
    """A parsed sketch + the photo's tracks → (``propose_motion`` target per track id, notes); see module doc.

    ``sketch``: :class:`~revision.sketch.SketchResult` drawn over the photo (any size: its polygons are
    scaled to the camera's). ``motion0``: the photo's tracks (frame 0 = the fit) and camera. ``reference``:
    the prompt's motion without the sketch (same tracks and camera); its last frame is the body the limbs
    are solved on and its root is pinned. ``skeleton``/``smplx_model``: the SMPL-X model (default: the
    one :mod:`revision.body.posed` renders with). Targets hold ``body_pose`` (63,), ``joint_mask`` (21,),
    and ``global_orient`` / ``transl`` (3,) when pinned.
    """
    from revision.body.posed import default_smplx
    from revision.lifting.skeleton import SMPLXSkeleton

    cfg = config or SketchPoseConfig()
    if cfg.out_of_reach not in ("slide", "relative"):
        raise ValueError(f"out_of_reach must be 'slide' or 'relative', got {cfg.out_of_reach!r}")
    model = smplx_model if smplx_model is not None else default_smplx()
    skel = skeleton if skeleton is not None else SMPLXSkeleton(model, surface_samples=0)
    cam = _Cam(motion0.camera)
    sx, sy = motion0.camera.width / sketch.width, motion0.camera.height / sketch.height
    shapes = [(pid, polygon_shape(np.stack([(p[:, 0] + 0.5) * sx - 0.5, (p[:, 1] + 0.5) * sy - 0.5], 1)))
              for pid, polys in sorted(sketch.polygons.items()) for p in polys]  # fmt: skip
    ref_tracks = {t.track_id: t for t in reference.tracks} if reference is not None else {}
    people: list[_Person] = []
    notes: list[str] = []
    for tr in motion0.tracks:
        if tr.kind != "smplx":
            continue
        photo = _Body(skel, *_frame(tr.params, 0))
        offs, verts = _part_offsets(photo, model)
        photo.offsets = offs
        uv = cam.project(verts)
        height = float(max(np.ptp(uv[:, 1]), np.ptp(uv[:, 0]), 1.0))
        if tr.track_id in ref_tracks:
            solve = _Body(skel, *_frame(ref_tracks[tr.track_id].params, -1), offs)
        else:
            solve = photo.copy()
        people.append(_Person(tr.track_id, photo, solve, height, {}, set()))
    if not people:
        return {}, ["sketch: no person in the photo to pose: the sketch only marks the last frame"]
    notes += _assign(shapes, people, cam, cfg)
    targets: dict[int, dict] = {}
    for p in people:
        if not p.parts:
            continue
        has_ref = p.tid in ref_tracks
        notes += _solve_person(p, cam, cfg, has_ref)
        mask = np.zeros(21, bool)
        mask[[j - 1 for j in p.pinned if j > 0]] = True
        tgt = {"body_pose": p.solve.bp.reshape(63).astype(np.float32), "joint_mask": mask}
        if has_ref:
            tgt["global_orient"] = p.solve.go.astype(np.float32)
        if has_ref or TORSO_PART in p.parts:
            tgt["transl"] = p.solve.transl.astype(np.float32)
        targets[p.tid] = tgt
        drawn = ", ".join(PART_BY_ID[k].name for k in sorted(p.parts))
        joints = ", ".join(JOINT_NAMES[j] for j in sorted(p.pinned)) or "none (root only)"
        notes.append(f"sketch: person {p.tid} ends as drawn: {drawn} (pinned joints: {joints})")
    return targets, notes


def propose_with_sketch(motion0: MotionSequence, prompt: str, motion_strength: float, num_frames: int, sketch, *,
                        fps: float | None = None, pppm=None, text_encoder=None, config=None, skeleton=None,
                        smplx_model=None, sketch_config: SketchPoseConfig | None = None
                        ) -> tuple[MotionSequence, list[str]]:  # fmt: skip
    """:func:`revision.pppm.propose.propose_motion` with the sketch's target: the proposal without the sketch
    (no PPPM; the reference), the target solved on its last frame, then the proposal with the target (and
    ``pppm``). ``sketch`` None (or no person) → the plain proposal. Returns (motion, notes)."""
    from revision.pppm.propose import propose_motion

    kw = {"fps": fps, "text_encoder": text_encoder, "config": config}
    if sketch is None or not any(t.kind == "smplx" for t in motion0.tracks):
        seq, notes = propose_motion(motion0, prompt, motion_strength, num_frames, pppm=pppm, **kw)
        if sketch is not None:
            notes.append("sketch: no person in the photo to pose: the sketch only marks the last frame")
        return seq, notes
    reference, _ = propose_motion(motion0, prompt, motion_strength, num_frames, **kw)
    target, sketch_notes = sketch_target(sketch, motion0, reference=reference, skeleton=skeleton,
                                         smplx_model=smplx_model, config=sketch_config)  # fmt: skip
    seq, notes = propose_motion(motion0, prompt, motion_strength, num_frames, target=target or None, pppm=pppm, **kw)
    return seq, notes + sketch_notes
