"""A z-buffered triangle rasteriser in numpy (no OpenGL): which face is nearest at each pixel.

Pixel (row i, col j) samples the image point x = j, y = i (pixel centres on integer coordinates, the
OpenCV convention of :class:`revision.types.Camera`). A pixel is covered by a triangle when its centre
lies inside or on an edge (a small epsilon closes cracks between neighbours; the z-buffer resolves
double coverage). Depth is interpolated perspective-correctly (1/z is affine in screen space) and the
nearest surface wins. Work is proportional to the total bounding-box area of the visible triangles:
each candidate pixel of each triangle is enumerated exactly once (faces grouped by box width: rows
by ``np.repeat``, columns by broadcasting), tested with two affine barycentric functions (1/z is a
third), and the survivors are reduced into the
z-buffer with ``np.maximum.at`` on a 64-bit key ``(float32 bits of 1/z) << 32 | face index``
(positive float32 bit patterns order like the floats).
"""

from __future__ import annotations

import numpy as np

NEAR = 1e-3  # faces with a vertex nearer than this (metres) are dropped (no clipping)
EDGE_EPS = 1e-4  # barycentric tolerance that closes cracks between adjacent triangles


def rasterize(
    uv: np.ndarray,
    z: np.ndarray,
    faces: np.ndarray,
    height: int,
    width: int,
    *,
    cull: np.ndarray | bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Screen-space triangles → (face index (H, W) int32, -1 = none; depth (H, W) float32, inf = none).

    ``uv`` (N, 2) pixels, ``z`` (N,) camera depth, ``faces`` (M, 3) vertex indices, ``cull``: bool or
    (M,) bool — drop back faces (counter-clockwise seen from outside = front) for those faces.
    """
    pix, face, d = rasterize_sparse(uv, z, faces, height, width, cull=cull)
    face_idx = np.full(height * width, -1, np.int32)
    depth = np.full(height * width, np.inf, np.float32)
    face_idx[pix] = face
    depth[pix] = d
    return face_idx.reshape(height, width), depth.reshape(height, width)


_WIDTH_CLASSES = np.array([1, 2, 4, 8, 16, 32, 64, 128])  # box widths are padded up to these (fewer groups)


def rasterize_sparse(
    uv: np.ndarray,
    z: np.ndarray,
    faces: np.ndarray,
    height: int,
    width: int,
    *,
    cull: np.ndarray | bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """As :func:`rasterize`, for the covered pixels only: (flat pixel index (K,) int64, face (K,) int32,
    depth (K,) float32)."""
    return _raster(uv, z, faces, height, width, cull, depth=True)


def rasterize_coverage(
    uv: np.ndarray, z: np.ndarray, faces: np.ndarray, height: int, width: int, *, cull: np.ndarray | bool = True
) -> np.ndarray:
    """(H, W) bool: the pixels :func:`rasterize_sparse` covers, exactly (the same faces kept and the same inside
    test), without the depth test that picks each pixel's face (~⅓ of the work)."""
    out = np.zeros(height * width, bool)
    out[_raster(uv, z, faces, height, width, cull, depth=False)] = True
    return out.reshape(height, width)


def _raster(uv, z, faces, height: int, width: int, cull, *, depth: bool):
    """:func:`rasterize_sparse`'s work; without ``depth`` only the covered pixels' flat indices (K,) int64
    (with repeats: a pixel inside several faces)."""
    faces = np.asarray(faces, np.int64)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))
    if not depth:
        empty = empty[0]
    if len(faces) == 0:
        return empty
    P = np.asarray(uv, np.float32)[faces]  # (M, 3, 2)
    Z = np.asarray(z, np.float32)[faces]  # (M, 3)
    e1, e2 = P[:, 1] - P[:, 0], P[:, 2] - P[:, 0]
    area = e1[:, 0] * e2[:, 1] - e2[:, 0] * e1[:, 1]
    cull_arr = np.broadcast_to(np.asarray(cull, bool), (len(faces),))
    zmin = np.minimum(np.minimum(Z[:, 0], Z[:, 1]), Z[:, 2])  # (explicit: axis reductions of size 3 are slow)
    keep = (zmin > NEAR) & (area != 0) & ~(cull_arr & (area > 0))
    fid = np.nonzero(keep)[0]
    P, Z, e1, e2, area = P[fid], Z[fid], e1[fid], e2[fid], area[fid]
    pmin = np.minimum(np.minimum(P[:, 0], P[:, 1]), P[:, 2])
    pmax = np.maximum(np.maximum(P[:, 0], P[:, 1]), P[:, 2])
    lo = np.maximum(np.ceil(pmin - 1e-4), 0).astype(np.int64)  # (M, 2) x0, y0
    hi = np.minimum(np.floor(pmax + 1e-4), [width - 1, height - 1]).astype(np.int64)
    if len(fid) == 0:
        return empty
    x0, y0 = lo[:, 0], lo[:, 1]
    bw, bh = hi[:, 0] - x0 + 1, hi[:, 1] - y0 + 1
    bh[bw <= 0] = 0  # boxes holding no pixel centre (tiny or off-screen faces) enumerate no rows
    np.maximum(bh, 0, out=bh)
    # barycentrics l1, l2 (of vertices 1, 2) and 1/z as affine functions a·dx + b·dy + c of the pixel
    # offset (dx, dy) from the face's box corner (x0, y0)
    inv = np.float32(1.0) / area
    a1, b1 = e2[:, 1] * inv, -e2[:, 0] * inv
    a2, b2 = -e1[:, 1] * inv, e1[:, 0] * inv
    ox, oy = x0.astype(np.float32) - P[:, 0, 0], y0.astype(np.float32) - P[:, 0, 1]
    c1, c2 = a1 * ox + b1 * oy, a2 * ox + b2 * oy
    iz = np.float32(1.0) / Z
    d1, d2 = iz[:, 1] - iz[:, 0], iz[:, 2] - iz[:, 0]
    aI, bI, cI = a1 * d1 + a2 * d2, b1 * d1 + b2 * d2, iz[:, 0] + c1 * d1 + c2 * d2
    coef = np.stack([a1, b1, c1, a2, b2, c2, aI, bI, cI], 1)
    # faces grouped by (padded) box width: rows enumerated with np.repeat, columns broadcast
    # (np.where evaluates both branches: the class index is clipped so faces wider than the last class don't index past it)
    cls = np.minimum(np.searchsorted(_WIDTH_CLASSES, bw), len(_WIDTH_CLASSES) - 1)
    wclass = np.where(bw <= _WIDTH_CLASSES[-1], _WIDTH_CLASSES[cls], -(-bw // 64) * 64)
    order = np.argsort(wclass, kind="stable")
    widths, first = np.unique(wclass[order], return_index=True)
    bounds = np.append(first, len(order))
    keys, pixs = [], []
    for w, lo_, hi_ in zip(widths, bounds[:-1], bounds[1:]):
        g = order[lo_:hi_]
        nrows = bh[g]
        row_face = np.repeat(g, nrows)
        dy = np.arange(len(row_face)) - np.repeat(np.cumsum(nrows) - nrows, nrows)
        dyf = dy.astype(np.float32)
        cf = coef[row_face]
        dx = np.arange(int(w), dtype=np.float32)
        l1 = (cf[:, 1] * dyf + cf[:, 2])[:, None] + cf[:, 0:1] * dx
        l2 = (cf[:, 4] * dyf + cf[:, 5])[:, None] + cf[:, 3:4] * dx
        inside = (l1 >= -EDGE_EPS) & (l2 >= -EDGE_EPS) & (l1 + l2 <= 1 + EDGE_EPS)
        inside &= dx < bw[row_face][:, None]  # padded columns beyond the (clipped) box
        rr, cc = np.nonzero(inside)
        if len(rr) == 0:
            continue
        row_pix = (y0[row_face] + dy) * width + x0[row_face]
        pixs.append(row_pix[rr] + cc)
        if not depth:
            continue
        iz = cf[rr, 7] * dyf[rr] + cf[rr, 8] + cf[rr, 6] * cc.astype(np.float32)
        iz = np.maximum(iz, np.float32(1e-30))
        keys.append((iz.view(np.int32).astype(np.int64) << 32) | fid[row_face[rr]])
    if not depth:
        return np.concatenate(pixs) if pixs else empty
    if not keys:
        return empty
    pix, key = np.concatenate(pixs), np.concatenate(keys)
    zbuf = np.zeros(height * width, np.int64)
    np.maximum.at(zbuf, pix, key)
    win = zbuf[pix] == key  # keys are unique (face id in the low bits): one winner per covered pixel
    hit, best = pix[win], key[win]
    face = (best & 0xFFFFFFFF).astype(np.int32)
    depth = (1.0 / (best >> 32).astype(np.int32).view(np.float32)).astype(np.float32)
    return hit, face, depth


def triangulate_polygon(points: np.ndarray) -> np.ndarray:
    """(N, 2) simple polygon → (N−2, 3) triangles by ear clipping (fan fallback if it is not simple)."""
    p = np.asarray(points, np.float64)
    n = len(p)
    x, y = p[:, 0], p[:, 1]
    sign = 1.0 if 0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) >= 0 else -1.0
    idx = list(range(n))
    tris: list[tuple[int, int, int]] = []

    def cross(a, b, c) -> float:
        return sign * ((p[b, 0] - p[a, 0]) * (p[c, 1] - p[a, 1]) - (p[c, 0] - p[a, 0]) * (p[b, 1] - p[a, 1]))

    guard = 0
    while len(idx) > 3 and guard < 4 * n * n:
        guard += 1
        m = len(idx)
        for i in range(m):
            a, b, c = idx[(i - 1) % m], idx[i], idx[(i + 1) % m]
            if cross(a, b, c) <= 0:
                continue
            if any(
                cross(a, b, q) >= 0 and cross(b, c, q) >= 0 and cross(c, a, q) >= 0
                for q in idx
                if q not in (a, b, c)
            ):
                continue
            tris.append((a, b, c))
            idx.pop(i)
            break
        else:  # not simple (self-intersecting after projection): fan the rest
            tris += [(idx[0], idx[j], idx[j + 1]) for j in range(1, len(idx) - 1)]
            idx = []
            break
    if len(idx) == 3:
        tris.append(tuple(idx))
    return np.array(tris, np.int64).reshape(-1, 3)
