"""Procedural skinned meshes from generalised cylinders ("tubes") along a skeleton.

Shared by the procedural SMPL-X (:mod:`revision.body.procedural_smplx`) and SMAL
(:mod:`revision.body.procedural_smal`) generators. A tube is a list of *stations*: a centre, two
semi-axes of an elliptic cross-section and the skinning weights of its ring of vertices. Neighbouring
rings may have different vertex counts (they are zipped together by angle), which lets a generator
hit an exact vertex count (SMPL-X: 10,475). Faces are oriented outwards (counter-clockwise seen
from outside), so renderers may cull back faces.

Joints are regressed from vertices with minimum-norm affine weights (:func:`joint_regressor`):
``J_regressor @ v_template`` reproduces the designed rest joints exactly, and joints follow the
shape blend shapes because they are tied to nearby vertices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Station:
    centre: np.ndarray  # (3,)
    radii: tuple[float, float]  # semi-axes along the ring frame's u and v
    weights: dict[int, float]  # joint id -> skinning weight (normalised later)
    count: int = 0  # vertices in this ring (0 = the tube's default)


@dataclass
class MeshBuilder:
    """Accumulates vertices, faces, skinning weights and per-vertex outward offsets."""

    num_joints: int
    verts: list[np.ndarray] = field(default_factory=list)
    faces: list[np.ndarray] = field(default_factory=list)
    weights: list[np.ndarray] = field(default_factory=list)
    radial: list[np.ndarray] = field(default_factory=list)  # (n, 3) centre→vertex offsets (girth blend shape)
    n: int = 0

    def _add(self, v: np.ndarray, w: np.ndarray, radial: np.ndarray) -> np.ndarray:
        idx = np.arange(self.n, self.n + len(v))
        self.verts.append(np.asarray(v, np.float64))
        self.weights.append(np.asarray(w, np.float64))
        self.radial.append(np.asarray(radial, np.float64))
        self.n += len(v)
        return idx

    def _wrow(self, weights: dict[int, float]) -> np.ndarray:
        row = np.zeros(self.num_joints)
        for j, w in weights.items():
            row[j] += w
        return row / row.sum()

    def tube(
        self,
        stations: list[Station],
        *,
        ref: tuple[float, float, float],
        count: int,
        cap_start: float | None = None,
        cap_end: float | None = None,
    ) -> list[np.ndarray]:
        """Add a tube; returns the vertex indices of each ring.

        ``ref`` fixes the ring frame: u = ``ref`` made orthogonal to the tangent t, v = t × u.
        ``cap_start`` / ``cap_end``: close that end with a pole vertex pushed out along the tangent by
        this many metres (None = leave open).
        """
        c = np.array([s.centre for s in stations], np.float64)
        tang = np.gradient(c, axis=0)
        tang /= np.linalg.norm(tang, axis=1, keepdims=True)
        ref_v = np.asarray(ref, np.float64)
        rings: list[np.ndarray] = []
        angles: list[np.ndarray] = []
        for s, ci, t in zip(stations, c, tang):
            u = ref_v - ref_v.dot(t) * t
            u /= np.linalg.norm(u)
            v = np.cross(t, u)
            n = s.count or count
            th = 2 * np.pi * np.arange(n) / n
            off = s.radii[0] * np.cos(th)[:, None] * u + s.radii[1] * np.sin(th)[:, None] * v
            rings.append(self._add(ci + off, np.tile(self._wrow(s.weights), (n, 1)), off))
            angles.append(th)
        tris: list[tuple[int, int, int]] = []
        for a, b, ta, tb in zip(rings[:-1], rings[1:], angles[:-1], angles[1:]):
            tris += _zip_rings(a, b, ta, tb)
        if cap_start is not None:
            pole = self._add((c[0] - cap_start * tang[0])[None], self._wrow(stations[0].weights)[None],
                             -cap_start * tang[0][None])  # fmt: skip
            r = rings[0]
            tris += [(int(pole[0]), int(r[i]), int(r[(i + 1) % len(r)])) for i in range(len(r))]  # same winding as strips
        if cap_end is not None:
            pole = self._add((c[-1] + cap_end * tang[-1])[None], self._wrow(stations[-1].weights)[None],
                             cap_end * tang[-1][None])  # fmt: skip
            r = rings[-1]
            tris += [(int(pole[0]), int(r[(i + 1) % len(r)]), int(r[i])) for i in range(len(r))]
        faces = np.array(tris, np.int64)
        self.faces.append(faces)
        self._orient_outwards(len(self.faces) - 1, rings, c)
        return rings

    def sphere(self, centre, radius: float, weights: dict[int, float], *, n_lat: int = 8, n_lon: int = 12) -> np.ndarray:
        """A UV sphere (closed); returns its vertex indices (centroid = ``centre`` exactly)."""
        centre = np.asarray(centre, np.float64)
        phi = np.pi * (np.arange(n_lat) + 1) / (n_lat + 1)
        stations = [Station(centre + [0, -radius * np.cos(p), 0], (radius * np.sin(p),) * 2, weights) for p in phi]
        start = self.n
        cap = radius * (1 - np.cos(phi[0]))
        self.tube(stations, ref=(1, 0, 0), count=n_lon, cap_start=cap, cap_end=cap)
        return np.arange(start, self.n)

    def _orient_outwards(self, k: int, rings: list[np.ndarray], centres: np.ndarray) -> None:
        """Flip tube ``k``'s faces if its first strip triangle points inwards."""
        v = np.concatenate(self.verts)
        f = self.faces[k]
        if len(rings) < 2:
            return
        tri = f[0]
        p = v[tri]
        normal = np.cross(p[1] - p[0], p[2] - p[0])
        outward = p.mean(0) - 0.5 * (centres[0] + centres[1])
        if normal.dot(outward) < 0:
            self.faces[k] = f[:, ::-1].copy()

    def arrays(self) -> dict[str, np.ndarray]:
        """``v`` (V, 3), ``f`` (F, 3), ``weights`` (V, J), ``radial`` (V, 3)."""
        return {
            "v": np.concatenate(self.verts),
            "f": np.concatenate(self.faces),
            "weights": np.concatenate(self.weights),
            "radial": np.concatenate(self.radial),
        }


def _zip_rings(a: np.ndarray, b: np.ndarray, ta: np.ndarray, tb: np.ndarray) -> list[tuple[int, int, int]]:
    """Triangulate the band between two closed rings of possibly different sizes, walking by angle."""
    m, n = len(a), len(b)
    i = j = 0
    tris = []
    two_pi = 2 * np.pi
    while i < m or j < n:
        next_a = ta[i + 1] if i + 1 < m else two_pi
        next_b = tb[j + 1] if j + 1 < n else two_pi
        if j >= n or (i < m and next_a <= next_b):
            tris.append((int(a[i % m]), int(b[j % n]), int(a[(i + 1) % m])))
            i += 1
        else:
            tris.append((int(a[i % m]), int(b[j % n]), int(b[(j + 1) % n])))
            j += 1
    return tris


def chain_weights(s: float, bounds: list[float], joints: list[int], blend: float) -> dict[int, float]:
    """Skinning weights at arc position ``s`` along a chain.

    Segment k spans ``bounds[k]..bounds[k+1]`` and is driven by ``joints[k]``; within ``blend`` of a
    boundary the weights ramp linearly to 50/50 between the two segments' joints.
    """
    k = int(np.clip(np.searchsorted(bounds, s, side="right") - 1, 0, len(joints) - 1))
    w = {joints[k]: 1.0}
    if k + 1 < len(joints) and bounds[k + 1] - s < blend:
        a = 0.5 * (1 - (bounds[k + 1] - s) / blend)
        w = {joints[k]: 1 - a, joints[k + 1]: a}
    elif k > 0 and s - bounds[k] < blend:
        a = 0.5 * (1 - (s - bounds[k]) / blend)
        w = {joints[k]: 1 - a, joints[k - 1]: a}
    return w


def joint_regressor(v: np.ndarray, joints: np.ndarray, candidates: list[np.ndarray], k: int = 24) -> np.ndarray:
    """(J, V) minimum-norm affine weights: row j over the ``k`` candidate vertices nearest joint j.

    ``sum(row) = 1`` and ``row @ v = joints[j]`` exactly (to float precision).
    """
    J = np.zeros((len(joints), len(v)))
    for j, (p, cand) in enumerate(zip(joints, candidates)):
        cand = np.asarray(cand)
        near = cand[np.argsort(np.linalg.norm(v[cand] - p, axis=1))[:k]]
        A = np.vstack([v[near].T, np.ones(len(near))])  # (4, k)
        b = np.append(p, 1.0)
        J[j, near] = np.linalg.lstsq(A, b, rcond=None)[0]  # minimum-norm exact solution
    return J


def smooth_random_dirs(weights: np.ndarray, n: int, scale: float, seed: int) -> np.ndarray:
    """(V, 3, n) small piecewise-smooth deformations: random per-joint offsets blended by the skin weights."""
    rng = np.random.default_rng(seed)
    per_joint = rng.normal(0.0, scale, (weights.shape[1], 3, n))
    return np.einsum("vj,jcn->vcn", weights, per_joint)


def permute_vertices(order: np.ndarray, arrays: dict[str, np.ndarray], faces: np.ndarray) -> tuple[dict, np.ndarray]:
    """Reorder per-vertex arrays by ``order`` (new index i holds old vertex order[i]); remap faces."""
    inv = np.empty_like(order)
    inv[order] = np.arange(len(order))
    return {k: a[order] for k, a in arrays.items()}, inv[faces]


def place_vertices(n_vertices: int, wanted: dict[int, int]) -> np.ndarray:
    """An ordering that moves old vertex ``o`` to new index ``n`` for each ``wanted[n] = o``."""
    order = np.arange(n_vertices)
    pos = np.arange(n_vertices)  # pos[old] = current new index
    for new, old in wanted.items():
        p = pos[old]
        other = order[new]
        order[new], order[p] = old, other
        pos[old], pos[other] = new, p
    return order
