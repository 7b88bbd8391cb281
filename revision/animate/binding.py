"""Binding the photo's pixels to the 3D tracks at frame 0 (done once per photo).

Every track gets a *layer*: a 2D triangle mesh laid over its region of the photo (a regular grid with
``grid_step`` pixels between vertices; only cells touching the region are kept). Each grid vertex
keeps its frame-0 position as its texture coordinate (the frame-0 pixel it carries).

**Bodies** (SMPL-X, SMAL). The frame-0 bodies of all tracks are rasterised into one z-buffer at the
output size, so every pixel of a body's visible footprint knows the body triangle it shows and where on
it (barycentrics). A grid vertex is *anchored* to the nearest visible footprint pixel of its own body
(itself when it lies on the footprint): anchor = (triangle, barycentrics). Pixels of the person mask
off the body (hair, loose clothes, a fit that is a little thin) keep their 3D offset from the anchor,
back-projected at the anchor's depth and stored in the anchor triangle's local frame, so they turn with
the surface they hang from. Re-posing is then exact LBS at the anchor plus a rotated offset.

Hidden surfaces: the posed body mesh is also drawn as a *back-fill* layer a few centimetres behind the
pixel layer, so what an arm covered at frame 0 is not a hole when the arm moves. Its vertices carry the
frame-0 pixel they project to when visible, else that of the nearest visible vertex of the same body
part (texture borrowed from the same part, as Photo Wake-Up fills the unseen side of a body). A part the
photo does not show at all (under ``UNSEEN_FRACTION`` of its vertices seen: a hand behind a held helmet or
below the picture's edge) borrows from the right source instead: a hand the person's own skin
(:func:`skin_source`, the face), a forearm its upper arm's sleeve, then the torso (:data:`FALLBACK_PARTS`),
as one flat colour (:func:`typical_source`: not the pixels at the other part's end, where the fit crosses
something else); its triangles are drawn at their own depth (no pixel layer draws that part). Where the
fitted body projects at frame 0 onto what the masks call background (the fit is wider than the person), its
triangles are left out of the back-fill — the photo shows no person there — except those of an unseen part,
which are drawn once they have moved off their frame-0 place (``mesh_late``), so frame 0 stays the photo.

**A hand over its own face** (:func:`hands_over_face`: at least ``hand_over_face`` of the hand's visible
frame-0 footprint, and four grid cells, has the same body's head behind it) is taken to be misplaced by the
fit, since the photo shows the face there: that hand and its forearm carry none of the photo's pixels. A
pixel anchored to them is re-anchored to the surface behind it of a part the photo shows (the face stays on
the head), or, with none behind it, stays in the photo (not cut out, not in the plate's hole: a held camera
stays on its tripod); the limb is drawn by the back-fill as a part the photo does not show (flat borrowed
colour), once it has moved off its frame-0 place. The photo shows no hand before the face, so the face's
cells are drawn nearer by the gap between the head's far side and the limb's near side (``anchor_pull``)
and the hand that far deeper (``mesh_behind``): the limb passes behind the face, not over it.

**A person behind an occluder** (``hidden``: where his body goes on behind something nearer the camera, a
sign board in front of his torso; :attr:`revision.types.Detection.hidden`): those pixels of the photo are not
his and nobody's (another person's pixels there are that person's, drawn by their own layer), so they, with
the rest of the board beyond his silhouette (:func:`occluder_extent`: the adjacent unowned pixels of their
colours), stay in the photo and the plate (not in the hole), and they are an *occluder*: a static layer drawn in front of
him in every frame (his arm swinging past the board goes behind it) and, for everyone else, at
``OCCLUDER_MARGIN_M`` nearer than his nearest frame-0 point behind it (a nearer person walking past is drawn
over it by depth, a farther one behind it; :mod:`revision.animate.compose`). His body behind it is no
background: its back-fill triangles there are kept and drawn once they have moved off their frame-0 place
(``mesh_late``), their texture borrowed from the part's seen vertices away from the matte's edge (whose pixels
are partly the board's, partly transparent), so once he has moved the board no longer covers them and a
plausible torso shows instead of a hole; his grid's transparent cells over the occluder (and along its edge)
are drawn ``OCCLUDED_CELL_PUSH_M`` deeper, so they do not hide it.

**Objects** (21-point tracks) are *sprites*: the object's own pixels (its region of the photo, with its
own matte: no body pixel travels with it, and the bodies' matte leaves the object's pixels out, so no
object pixel travels with a body) cut out once, premultiplied, and drawn per frame by the least-squares
similarity map of their projected points (rigid, scaled by depth; a round object rolls), depth-tested
per pixel against the bodies (:mod:`revision.animate.compose`). An object without a mask owns its
frame-0 polygon (its 16 outline points run along the mask's outline).

**Ownership.** A pixel of several regions belongs to the track whose frame-0 body is visible there, else
to the one with the nearest visible footprint. The frame-0 matte is the union of the owned regions,
feathered, except an object's pixels: an object's matte is its region, hard-edged (bilinear sampling
anti-aliases the moved edge; a feather would shrink a small object); the bodies' matte leaves the objects
out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from revision.animate.config import grid_step_for, plate_dilate_for
from revision.animate.geometry import backproject, barycentric, mask_box, triangle_frames
from revision.palette import PART_BY_NAME
from revision.render import project_points, rasterize_sparse, triangulate_polygon
from revision.types import Camera

OBJECT_PART = PART_BY_NAME["object"].id
HEAD_PART = PART_BY_NAME["head"].id
UNSEEN_FRACTION = 0.1  # a part with fewer of its vertices visible at frame 0 is one the photo does not show
HAND_PARTS = frozenset(PART_BY_NAME[f"{s}_hand"].id for s in ("left", "right"))
# a hand and the forearm it ends (a hand the fit put over the face: that whole limb end is misplaced)
HAND_FOREARM = {PART_BY_NAME[f"{s}_hand"].id: PART_BY_NAME[f"{s}_lower_arm"].id for s in ("left", "right")}
BEHIND_HEAD_MARGIN = 0.05  # metres past the head's far side at which a hand fitted over the face is drawn
# metres nearer than the nearest frame-0 point of the person it hides at which an occluder (a sign in front of
# him: ``hidden``) is depth-tested against the other people (it is always in front of the person it hides)
OCCLUDER_MARGIN_M = 0.05
OCCLUDED_CELL_PUSH_M = 0.5  # metres deeper the transparent cells of a person's grid over his occluder are drawn
# the occluder beyond his body (occluder_extent): pixels nobody owns within this fraction of the hidden region's
# size from it, whose colour (Lab) is within OCCLUDER_GROW_LAB of its colours and nearer them than the background's
OCCLUDER_GROW_REACH = 0.5
OCCLUDER_GROW_LAB = 20.0
OCCLUDER_GROW_OPEN_PX = 2  # radius of the opening that cuts thin leaks (and of the closing that fills its text)
# where an unseen part borrows its texture when none of its own vertices is visible (in order)
FALLBACK_PARTS = {
    PART_BY_NAME[f"{s}_{p}"].id: tuple(PART_BY_NAME[q].id if q == "torso" else PART_BY_NAME[f"{s}_{q}"].id
                                       for q in chain)
    for s in ("left", "right")
    for p, chain in (("lower_arm", ("upper_arm", "torso")), ("upper_arm", ("lower_arm", "torso")),
                     ("lower_leg", ("upper_leg",)), ("upper_leg", ("lower_leg", "torso")))
}  # fmt: skip


def skin_source(head: np.ndarray, photo: np.ndarray) -> np.ndarray | None:
    """The frame-0 pixel (x, y) an unseen hand takes its colour from: the person's own skin, found on the face
    (Photo Wake-Up's rule for unseen parts, with the right source): among the pixels where the body's head
    is seen (``head`` (H, W) bool, eroded by one pixel: no edge pixel) in the lower 60 % of their height
    (below the hairline), the one nearest to their median colour. None when the head is not seen."""
    import cv2

    core = cv2.erode(head.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    if not core.any():
        core = head
    ys, xs = np.nonzero(core)
    if len(ys) == 0:
        return None
    y0, y1 = ys.min(), ys.max()
    low = ys >= y0 + 0.4 * (y1 - y0)
    return typical_source(np.stack([xs[low], ys[low]], 1), photo)


def typical_source(xy: np.ndarray, photo: np.ndarray, core: np.ndarray | None = None) -> np.ndarray:
    """Of the frame-0 pixels ``xy`` (N, 2) (x, y), the one whose colour is nearest their median colour → (2,)
    float32: the single source a part the photo does not show takes from the part it borrows from, so it is
    one flat colour of that part, not a copy of whichever of its pixels lies nearest (a stray one at its edge:
    the cameraman's unseen far forearm had taken the tripod's head beside his upper arm, a grey blob).
    ``core`` (H, W) bool: where a source may lie (the region eroded: no feathered edge pixel), when any does."""
    W, H = photo.shape[1], photo.shape[0]
    xi = np.clip(np.round(xy).astype(np.int64), 0, [W - 1, H - 1])
    if core is not None and core[xi[:, 1], xi[:, 0]].any():
        keep = core[xi[:, 1], xi[:, 0]]
        xy, xi = xy[keep], xi[keep]
    col = photo[xi[:, 1], xi[:, 0]].astype(np.float32)
    k = int(np.argmin(np.linalg.norm(col - np.median(col, 0), axis=1)))
    return np.asarray(xy[k], np.float32)


@dataclass
class Layer:
    """One track's moving layer, bound to frame 0 (output-pixel coordinates)."""

    track_index: int  # index into motion.tracks
    kind: str  # "body" | "object"
    grid_xy: np.ndarray  # (N, 2) float32 frame-0 positions = texture coordinates
    grid_faces: np.ndarray  # (M, 3) int64
    grid_face_parts: np.ndarray  # (M,) int16
    grid_edge0: np.ndarray  # (M, 3) float32 frame-0 edge lengths (px)
    # bodies
    anchor_faces: np.ndarray | None = None  # (N, 3) int64 mesh vertex indices of the anchor triangle
    anchor_bary: np.ndarray | None = None  # (N, 3) float32
    anchor_offset: np.ndarray | None = None  # (N, 3) float32 offset in the anchor triangle's frame
    anchor_pull: np.ndarray | None = None  # (N,) float32 metres a vertex's cells are drawn nearer (the face)
    mesh_faces: np.ndarray | None = None  # (Fc, 3) back-fill faces
    mesh_src: np.ndarray | None = None  # (V, 2) float32 frame-0 pixel per mesh vertex
    mesh_face_parts: np.ndarray | None = None  # (Fc,) int16
    mesh_late: np.ndarray | None = None  # (Fc,) bool: drawn only where moved off its frame-0 place
    mesh_unseen: np.ndarray | None = None  # (Fc,) bool: a part the photo does not show (own depth)
    mesh_uv0: np.ndarray | None = None  # (V, 2) float32 frame-0 projection of every mesh vertex
    mesh_flat: np.ndarray | None = None  # (V,) bool: a vertex of one flat borrowed colour (shaded when drawn)
    mesh_behind: np.ndarray | None = None  # (Fc,) bool: drawn ``behind_m`` deeper (a hand over the face)
    behind_m: float = 0.0  # metres: the depth push of ``mesh_behind`` faces (past the head's far side)
    # objects (sprites)
    points_uv0: np.ndarray | None = None  # (21, 2) frame-0 projections
    sprite: np.ndarray | None = None  # (h, w, 4) float32 premultiplied RGB·a and a of the object's own pixels
    sprite_box: tuple[int, int, int, int] | None = None  # (y0, y1, x0, x1) of ``sprite`` in the frame-0 photo
    radius_px: float = 0.0  # frame-0 mean outline radius (px) around the centre point
    radius_m: float = 0.0  # the same in 3D (metres): a round object's depth bulge and rolling
    round: bool = False  # outline near a circle: rolls with its horizontal travel, bulges towards the camera
    x0_m: float = 0.0  # frame-0 camera-space x of the centre point (rolling angle = travel / radius)
    roll: bool = False  # set by the animator: round, and its track never turns it (pose.track_turns)


@dataclass
class Binding:
    layers: list[Layer]
    alpha0: np.ndarray  # (H, W) float32 feathered frame-0 matte of all layers
    owner: np.ndarray  # (H, W) int32 track index owning each pixel, -1 = static
    hole: np.ndarray  # (H, W) bool region replaced by the background plate
    camera: Camera  # at the output size
    alpha_body: np.ndarray | None = None  # (H, W) float32 the bodies' share of alpha0 (objects left out)
    # static pixels in front of a person (what hides his body: ``hidden``), drawn over his layer in every frame:
    # (H, W) int32 the track index each pixel is in front of (−1 = none), and (H, W) float32 its depth (inf
    # elsewhere) against the other tracks; None when no person is hidden behind anything
    occluder: np.ndarray | None = None
    occluder_z: np.ndarray | None = None


def face_parts(faces: np.ndarray, vertex_parts: np.ndarray) -> np.ndarray:
    a, b, c = vertex_parts[faces[:, 0]], vertex_parts[faces[:, 1]], vertex_parts[faces[:, 2]]
    return np.where(b == c, b, a).astype(np.int16)


def occluder_extent(occ: np.ndarray, free: np.ndarray, photo: np.ndarray) -> np.ndarray:
    """The whole thing in front of a person, from the part of it over his body: ``occ`` (H, W) bool his hidden
    pixels nobody owns (a sign board's pixels inside Pose's whole-body mask), ``free`` (H, W) bool the pixels
    nobody owns, ``photo`` (H, W, 3) uint8 → ``occ`` grown over the connected free pixels of its own colours.

    The board reaches past his silhouette (vtest: 248 of its 1,102 px), and what lies there is background to
    the masks, so his arm would pass over it. Within ``OCCLUDER_GROW_REACH`` × the region's size of it, a free
    pixel whose Lab colour is within ``OCCLUDER_GROW_LAB`` of the region's colours (4 k-means centres) and
    nearer them than the background's (4 centres from the free pixels between half and all that reach) is a
    candidate; candidates are opened (no thin leak along a kerb or a tape), those connected to the region kept
    with the candidates the opening took off their edge (a board's corners), then closed (its lettering). vtest: 854 → 1,075 of the board's 1,102 px, 43 px beyond it."""
    import cv2

    from revision.perception.multi_person import colour_centres

    ys, xs = np.nonzero(occ)
    if len(ys) < 16:
        return occ
    reach = OCCLUDER_GROW_REACH * (max(np.ptp(ys), np.ptp(xs)) + 1)
    d = cv2.distanceTransform((~occ).astype(np.uint8), cv2.DIST_L2, 3)
    near = free & (d <= reach)
    ring = near & (d > reach / 2)
    if ring.sum() < 16:
        return occ
    lab = cv2.cvtColor(photo, cv2.COLOR_RGB2LAB).astype(np.float32)
    own, bg = colour_centres(lab[occ]), colour_centres(lab[ring])
    y0, y1, x0, x1 = mask_box(near, 0)
    px = lab[y0:y1, x0:x1]
    d_own = np.linalg.norm(px[..., None, :] - own, axis=-1).min(-1)
    d_bg = np.linalg.norm(px[..., None, :] - bg, axis=-1).min(-1)
    cand = np.zeros_like(occ)
    cand[y0:y1, x0:x1] = near[y0:y1, x0:x1] & (d_own < d_bg) & (d_own < OCCLUDER_GROW_LAB)
    disc = _disk(OCCLUDER_GROW_OPEN_PX)
    opened = (cv2.morphologyEx(cand.astype(np.uint8), cv2.MORPH_OPEN, disc) > 0) | occ
    _, cc = cv2.connectedComponents(opened.astype(np.uint8), connectivity=4)
    kept = np.isin(cc, np.unique(cc[occ])) & opened
    kept |= cand & (cv2.dilate(kept.astype(np.uint8), disc) > 0)  # the corners the opening rounded off
    closed = cv2.morphologyEx(kept.astype(np.uint8), cv2.MORPH_CLOSE, disc) > 0
    return (closed & near) | occ


def raster_frame0(meshes: list, camera: Camera, H: int, W: int):
    """Frame-0 meshes of all tracks in one z-buffer → (track index (H, W) int32 −1 = none, local face
    (H, W) int64, depth (H, W) float32 inf = none, per-track (uv (V, 2), z (V,), faces))."""
    uvs, zs, faces, culls, owners, local, per_track = [], [], [], [], [], [], []
    off = 0
    for i, (verts, f, kind) in enumerate(meshes):
        uv, z = project_points(verts, camera)
        if kind == "object":
            poly = np.arange(16)
            f = (
                poly[triangulate_polygon(uv[poly])]
                if np.isfinite(uv[poly]).all()
                else np.zeros((0, 3), np.int64)
            )
        per_track.append((uv, z, f))
        good = np.isfinite(uv).all(1)
        uv = np.where(good[:, None], uv, -1e6)
        uvs.append(uv)
        zs.append(np.where(good, z, -1.0))
        faces.append(f + off)
        culls.append(np.full(len(f), kind != "object"))
        owners.append(np.full(len(f), i, np.int32))
        local.append(np.arange(len(f)))
        off += len(uv)
    track = np.full(H * W, -1, np.int32)
    face = np.zeros(H * W, np.int64)
    depth = np.full(H * W, np.inf, np.float32)
    if off:
        pix, fi, d = rasterize_sparse(np.concatenate(uvs), np.concatenate(zs), np.concatenate(faces), H, W,
                                      cull=np.concatenate(culls))  # fmt: skip
        track[pix] = np.concatenate(owners)[fi]
        face[pix] = np.concatenate(local)[fi]
        depth[pix] = d
    return track.reshape(H, W), face.reshape(H, W), depth.reshape(H, W), per_track


def raster_faces(
    uv: np.ndarray, z: np.ndarray, faces: np.ndarray, sel: np.ndarray, H: int, W: int
) -> np.ndarray:
    """The nearest of the faces ``faces[sel]`` per pixel (its index into ``faces``) → (H, W) int64, −1 = none.
    ``uv`` (V, 2) / ``z`` (V,) the frame-0 projection (non-finite = behind the camera)."""
    good = np.isfinite(uv).all(1)
    uv = np.where(good[:, None], uv, -1e6)
    z = np.where(good, z, -1.0)
    sel = np.asarray(sel, np.int64)
    pix, fi, _ = rasterize_sparse(uv, z, np.asarray(faces, np.int64)[sel], H, W, cull=True)
    out = np.full(H * W, -1, np.int64)
    out[pix] = sel[fi]
    return out.reshape(H, W)


def _front_vertices(uv0: np.ndarray, z0: np.ndarray, vis: np.ndarray, depth0: np.ndarray, tol: float):
    """Frame-0 vertex pixels and visibility: (pixel (V, 2) int64 clipped, inside the picture (V,), in front
    (V,): on this body's visible footprint ``vis`` (H, W) and within ``tol`` of the z-buffer ``depth0``)."""
    H, W = vis.shape
    good = np.isfinite(uv0).all(1)
    ui = np.clip(np.round(np.nan_to_num(uv0)).astype(np.int64), 0, [W - 1, H - 1])
    inside = good & (uv0[:, 0] > -0.5) & (uv0[:, 0] < W - 0.5) & (uv0[:, 1] > -0.5) & (uv0[:, 1] < H - 0.5)
    front = inside & vis[ui[:, 1], ui[:, 0]] & (z0 <= depth0[ui[:, 1], ui[:, 0]] + tol)
    return ui, inside, front


def source_vertices(pool: np.ndarray, vparts: np.ndarray, p: int, own_part: bool = True) -> np.ndarray:
    """The vertices whose frame-0 pixels part ``p``'s unseen vertices take: of ``pool`` (V,) bool, those of
    part ``p`` (unless ``own_part`` is False), else of the first part it falls back to that has some
    (``FALLBACK_PARTS``: an unseen forearm → its upper arm's sleeve, ...), else all of ``pool``."""
    sel = pool & (vparts == p) if own_part else np.zeros_like(pool)
    for q in FALLBACK_PARTS.get(int(p), ()):
        if sel.any():
            break
        sel = pool & (vparts == q)
    return sel if sel.any() else pool


def hands_over_face(
    front: np.ndarray, head_behind: np.ndarray, fraction: float, min_px: int = 1
) -> frozenset[int]:
    """The hands (and their forearms) a fit put over its own face: ``front`` (H, W) the body part visible at
    each of the person's pixels at frame 0 (0 elsewhere), ``head_behind`` (H, W) bool where the same body's
    head projects (in front or behind). A hand with at least ``fraction`` of its visible pixels, and at least
    ``min_px`` pixels, over the head → that hand's and its forearm's part ids. (The cameraman's fitted near
    hand: 2 536 of its 5 330 visible pixels over his face; vtest's 28-px far walker: 2 of 5, below the
    animator's ``min_px`` of four grid cells — too small to tear a face; the other photos' hands: none.)"""
    out: set[int] = set()
    for hand, fore in HAND_FOREARM.items():
        vis = front == hand
        n, over = int(vis.sum()), int((vis & head_behind).sum())
        if n and over >= max(fraction * n, min_px):
            out |= {hand, fore}
    return frozenset(out)


def hands_together(
    verts: np.ndarray, vertex_parts: np.ndarray, limb: frozenset[int], max_m: float
) -> frozenset[int]:
    """The other hands (and their forearms) that hold what a misplaced hand holds: ``verts`` (V, 3) the
    body's frame-0 vertices, ``limb`` the misplaced parts (:func:`hands_over_face`). A hand not in ``limb``
    whose nearest vertex lies within ``max_m`` metres of a misplaced hand's → that hand's and its forearm's
    part ids (two hands on one held thing: the cameraman's far hand, 0.10 m from his near one on the camera,
    had carried the camera's far end over his head in pieces)."""
    from scipy.spatial import cKDTree

    bad = [h for h in HAND_PARTS if h in limb and (vertex_parts == h).any()]
    if not bad:
        return frozenset()
    tree = cKDTree(verts[np.isin(vertex_parts, bad)])
    out: set[int] = set()
    for hand, fore in HAND_FOREARM.items():
        sel = vertex_parts == hand
        if hand in limb or not sel.any():
            continue
        if float(tree.query(verts[sel])[0].min()) <= max_m:
            out |= {hand, fore}
    return frozenset(out)


def _grid(region: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Cells of a ``step`` grid touching ``region`` → (vertices (N, 2) float32 x, y; triangles (M, 3))."""
    H, W = region.shape
    Hc, Wc = -(-H // step), -(-W // step)
    pad = np.zeros((Hc * step, Wc * step), bool)
    pad[:H, :W] = region
    cells = pad.reshape(Hc, step, Wc, step).any(axis=(1, 3))
    ci, cj = np.nonzero(cells)
    if len(ci) == 0:
        return np.zeros((0, 2), np.float32), np.zeros((0, 3), np.int64)
    vid = np.full((Hc + 1, Wc + 1), -1, np.int64)
    corners = np.concatenate([np.stack([ci + a, cj + b], 1) for a in (0, 1) for b in (0, 1)])
    used = np.zeros((Hc + 1, Wc + 1), bool)
    used[corners[:, 0], corners[:, 1]] = True
    vi, vj = np.nonzero(used)
    vid[vi, vj] = np.arange(len(vi))
    xy = np.stack([vj * step, vi * step], 1).astype(np.float32)
    a, b, c, d = vid[ci, cj], vid[ci, cj + 1], vid[ci + 1, cj], vid[ci + 1, cj + 1]
    tris = np.concatenate([np.stack([a, b, d], 1), np.stack([a, d, c], 1)])
    return xy, tris


def _edges(xy: np.ndarray, tris: np.ndarray) -> np.ndarray:
    p = xy[tris]
    return np.linalg.norm(p - np.roll(p, -1, axis=1), axis=-1).astype(np.float32)


def _disk(r: int) -> np.ndarray:
    import cv2

    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def bind(
    meshes: list,
    masks: list[np.ndarray | None],
    camera: Camera,
    H: int,
    W: int,
    cfg,
    photo: np.ndarray | None = None,
    hidden: list[np.ndarray | None] | None = None,
    kept: np.ndarray | None = None,
) -> Binding:
    """Bind the photo (output size ``H`` × ``W``) to the frame-0 tracks.

    ``meshes[i]`` = (frame-0 vertices (V, 3), faces, kind "body"|"object", vertex parts (V,)) for track i
    (None entries are skipped); ``masks[i]`` its (H, W) bool region or None (→ visible footprint dilated).
    ``photo`` (H, W, 3) uint8 is needed when there are objects (their sprites are cut from it).
    ``hidden[i]``: (H, W) bool where track i's body goes on behind something nearer the camera, or None.
    ``kept``: (H, W) bool pixels that are nobody's (beside a person, not his): never in the background hole.
    """
    import cv2
    from scipy.ndimage import distance_transform_edt
    from scipy.spatial import cKDTree

    live = [i for i, m in enumerate(meshes) if m is not None]
    tr_map, face_map, depth0, per = raster_frame0([meshes[i][:3] for i in live], camera, H, W)
    # regions and ownership
    dists, nearest = [], []
    for k, i in enumerate(live):
        vis = tr_map == k
        reg = masks[i]
        if reg is None and meshes[i][2] == "object":  # its polygon runs along the object's outline already
            reg = vis
        elif reg is None:
            reg = cv2.dilate(vis.astype(np.uint8), _disk(cfg.footprint_dilate_px)) > 0 if vis.any() else vis
        if vis.any():
            d, ind = distance_transform_edt(~vis, return_indices=True)
        else:
            d, ind = np.full((H, W), np.inf), None
        dists.append(np.where(reg, d, np.inf))
        nearest.append(ind)
    owner = np.full((H, W), -1, np.int32)
    if live:
        D = np.stack(dists)
        best = D.argmin(0)
        owner = np.where(np.isfinite(D.min(0)), best, -1).astype(np.int32)
    # a hand the fit put over the face (and its forearm): its pixels go to the body behind it or stay in the
    # photo (not cut out); the limb is drawn by the back-fill
    misplaced: dict[int, tuple[frozenset[int], np.ndarray, np.ndarray]] = {}
    stays = np.zeros((H, W), bool)  # pixels left in the photo (not cut out, not in the hole)
    for k, i in enumerate(live):
        if meshes[i][2] != "body" or nearest[k] is None or cfg.hand_over_face is None:
            continue
        _, faces, _, vparts = meshes[i]
        uv0, z0, _ = per[k]
        fparts = face_parts(np.asarray(faces, np.int64), vparts)
        front = np.where(tr_map == k, fparts[face_map], 0)
        head = raster_faces(uv0, z0, faces, np.nonzero(fparts == HEAD_PART)[0], H, W) >= 0
        cell = grid_step_for(cfg, H, W) ** 2  # an overlap under four grid cells tears no face
        limb = hands_over_face(np.where(owner == k, front, 0), head, cfg.hand_over_face, 4 * cell)
        if not limb:
            continue
        if cfg.hands_together is not None:  # the other hand on the same held thing is misplaced with it
            limb |= hands_together(np.asarray(meshes[i][0]), vparts, limb, cfg.hands_together)
        on_limb = np.isin(front, list(limb))  # (also where the fit lies beyond the mask: anchors are there)
        # the surface behind it: a part the photo shows (an unseen one, the far forearm, shows no pixel)
        ui, _, fv = _front_vertices(uv0, z0, tr_map == k, depth0, cfg.visible_tol)
        fv &= owner[ui[:, 1], ui[:, 0]] == k
        shown = [p for p in np.unique(vparts) if fv[vparts == p].mean() >= UNSEEN_FRACTION and p not in limb]
        behind = raster_faces(uv0, z0, faces, np.nonzero(np.isin(fparts, shown))[0], H, W)
        ny, nx = nearest[k]
        stay = (owner == k) & on_limb[ny, nx] & (behind < 0)  # nothing of the body behind: stays
        owner[stay] = -1
        stays |= stay
        misplaced[k] = (limb, on_limb, behind)
    # what hides a person (his ``hidden`` pixels nobody owns): static, in front of him (see the module doc)
    occ_of: dict[int, np.ndarray] = {}
    occluder, occluder_z = None, None
    for k, i in enumerate(live):
        hid = None if hidden is None else hidden[i]
        if hid is None or meshes[i][2] != "body":
            continue
        occ = np.asarray(hid, bool) & (owner < 0)
        if not occ.any():
            continue
        uv0, z0, _ = per[k]
        good = np.isfinite(uv0).all(1) & np.isfinite(z0)
        if not good.any():
            continue
        ui = np.clip(np.round(np.nan_to_num(uv0)).astype(np.int64), 0, [W - 1, H - 1])
        behind = good & occ[ui[:, 1], ui[:, 0]]
        z = float(z0[behind].min() if behind.any() else z0[good].min()) - OCCLUDER_MARGIN_M
        if occluder is None:
            occluder, occluder_z = np.full((H, W), -1, np.int32), np.full((H, W), np.inf, np.float32)
        whole = occluder_extent(occ, owner < 0, photo) if photo is not None else occ  # (past his silhouette)
        nearer = whole & (z < occluder_z)  # one board in front of two people: the nearer one's depth
        occluder[nearer], occluder_z[nearer] = i, z
        occ_of[k] = occ
    sigma = max(cfg.feather_px, 1e-3)
    region_all = owner >= 0
    region_f = region_all.astype(np.float32)
    alpha0 = cv2.GaussianBlur(region_f, (0, 0), sigma) if cfg.feather_px > 0 else region_f
    reach = int(np.ceil(3 * sigma)) + 1
    if cfg.matte == "inside":  # feathered inside the mask only: no background pixel travels with a person
        alpha0 = alpha0 * region_f
        reach = 1
    alpha0 = np.asarray(alpha0, np.float32)
    hole = (cv2.dilate(region_all.astype(np.uint8), _disk(reach + plate_dilate_for(cfg, H, W))) > 0) & ~stays
    if occluder is not None:  # the occluder stays in the plate (it is drawn in front of the person it hides)
        hole &= occluder < 0
    if kept is not None:  # nobody's pixels beside a person stay as they are (not filled over)
        hole &= ~(kept & (owner < 0))
    alpha0[~(cv2.dilate(region_all.astype(np.uint8), _disk(reach)) > 0)] = 0
    # an object's matte is its own pixels, hard-edged (the sprite's bilinear sampling anti-aliases its edge
    # where it moves; a feather would shrink a small object); the bodies' matte is the rest, so a body never
    # carries object pixels and an object no body pixels
    claims = {k: owner == k for k, i in enumerate(live) if meshes[i][2] == "object" and (owner == k).any()}
    alpha_body = alpha0
    if claims:
        objects = np.any(list(claims.values()), axis=0)
        beside = (cv2.dilate(objects.astype(np.uint8), _disk(reach)) > 0) & (owner < 0)  # a centred feather
        alpha_body = np.where(objects | beside, np.float32(0), alpha0)
        alpha0 = np.where(objects, np.float32(1), alpha_body)
    layers: list[Layer] = []
    for k, i in enumerate(live):
        verts, faces, kind, vparts = meshes[i]
        own = owner == k
        if not own.any():
            continue
        if kind == "object":
            if photo is None:
                raise ValueError("bind: objects need the photo (their sprites are cut from it)")
            layers.append(_object_layer(i, verts, per[k][0], claims[k], photo))
            continue
        cover = cv2.dilate(own.astype(np.uint8), _disk(reach + 1)) > 0
        xy, tris = _grid(cover, grid_step_for(cfg, H, W))
        if nearest[k] is None:
            continue
        uv0, z0, _ = per[k]
        # anchors: nearest visible footprint pixel of this body
        px = np.clip(np.round(xy).astype(np.int64), 0, [W - 1, H - 1])
        ay, ax = nearest[k][0][px[:, 1], px[:, 0]], nearest[k][1][px[:, 1], px[:, 0]]
        af = face_map[ay, ax]
        limb: frozenset[int] = frozenset()
        if k in misplaced:  # a vertex anchored to a misplaced hand/forearm: to the body surface behind it
            limb, on_limb, behind = misplaced[k]
            b = behind[px[:, 1], px[:, 0]]
            r = on_limb[ay, ax] & (b >= 0)
            ay, ax, af = np.where(r, px[:, 1], ay), np.where(r, px[:, 0], ax), np.where(r, b, af)
        tri_idx = faces[af]  # (N, 3)
        bary = barycentric(uv0[tri_idx].astype(np.float64), np.stack([ax, ay], 1).astype(np.float64))
        bary = np.clip(bary, 0, None)
        bary /= np.maximum(bary.sum(1, keepdims=True), 1e-12)
        V0 = verts.astype(np.float64)
        S0 = np.einsum("nk,nkd->nd", bary, V0[tri_idx])
        P0 = backproject(xy.astype(np.float64), S0[:, 2], camera)
        R0 = triangle_frames(V0[tri_idx])
        off = np.einsum("nji,nj->ni", R0, P0 - S0)  # R0ᵀ (P0 − S0)
        vpart = vparts[tri_idx[:, 0]]
        gparts = face_parts(tris, vpart)
        layer = Layer(i, "body", xy, tris, gparts, _edges(xy, tris), tri_idx, bary.astype(np.float32),
                      off.astype(np.float32))  # fmt: skip
        gap = 0.0  # a misplaced limb: the head's far side minus the limb's near side, plus a margin
        if limb:
            zl = z0[np.isin(vparts, list(limb)) & np.isfinite(z0)]
            zh = z0[(vparts == HEAD_PART) & np.isfinite(z0)]
            gap = float(zh.max() - zl.min()) + BEHIND_HEAD_MARGIN if len(zl) and len(zh) else 0.0
        if gap > 0:  # the face the photo shows stays in front of the misplaced limb as it moves
            layer.anchor_pull = np.where(vpart == HEAD_PART, gap, 0).astype(np.float32)
        if k in occ_of:  # his grid's cells over the occluder (transparent: its matte is 0 there) go deeper, or
            # they would hide his body coming out from behind it (the back-fill); they stay for frame 0's edge
            # (and those straddling its edge, partly transparent: all within one grid step of it)
            near = cv2.dilate(occ_of[k].astype(np.uint8), _disk(grid_step_for(cfg, H, W) + 1)) > 0
            on = near[px[:, 1], px[:, 0]]
            pull = layer.anchor_pull if layer.anchor_pull is not None else np.zeros(len(xy), np.float32)
            layer.anchor_pull = np.where(on, pull - np.float32(OCCLUDED_CELL_PUSH_M), pull).astype(np.float32)
        if cfg.backfill:
            ui, inside, front = _front_vertices(uv0, z0, tr_map == k, depth0, cfg.visible_tol)
            visible = front & own[ui[:, 1], ui[:, 0]] & ~np.isin(vparts, list(limb))
            # the fit's surface over what the photo shows as background (a fit wider than the person's
            # mask; front or back, it projects there at frame 0): not this body, so the back-fill does not
            # paint it (a borrowed-texture halo around the person, even at frame 0)
            excess = inside & (owner[ui[:, 1], ui[:, 0]] < 0)
            # his body behind the occluder is his: drawn once it has moved off its frame-0 place (at frame 0
            # its borrowed texture would bleed into his pixels beside the occluder through the raster's edge)
            behind_occ = inside & occ_of[k][ui[:, 1], ui[:, 0]] if k in occ_of else np.zeros_like(inside)
            # and where his grid's cells go deeper (beside the occluder), the back-fill waits until it has moved
            # too: at frame 0 it would win over those cells there and show its sources (vtest: his arm at the
            # board's edge drawn as the plate, 53 px)
            by_occ = inside & near[ui[:, 1], ui[:, 0]] if k in occ_of else np.zeros_like(inside)
            excess &= ~behind_occ
            src = np.where(visible[:, None], uv0, 0).astype(np.float32)
            flat = np.zeros(len(src), bool)  # vertices given one flat colour (shaded when drawn: pose.shading)
            hidden = ~visible
            head = own & (tr_map == k) & (vparts[faces[face_map, 0]] == HEAD_PART)
            skin = skin_source(head, photo) if photo is not None else None
            core = cv2.erode(own.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0  # no feathered edge
            # each part's fraction of vertices seen at frame 0 (under UNSEEN_FRACTION: a part the photo
            # does not show)
            seen = {int(p): float((visible & (vparts == p)).sum()) / max(int((vparts == p).sum()), 1)
                    for p in np.unique(vparts)}  # fmt: skip
            for p in np.unique(vparts):
                sel_h = hidden & (vparts == p)
                if not sel_h.any():
                    continue
                if p in HAND_PARTS:  # the hand's hidden side: one colour, the hand's own where the photo shows
                    # it (a glove), else the other hand's where the photo shows that one (the same skin or glove:
                    # the face of a person seen from behind is his hair), else the person's skin (the face)
                    shown = [q for q in (p, *(HAND_PARTS - {p})) if seen.get(int(q), 0.0) >= UNSEEN_FRACTION]
                    colour = skin
                    if shown and photo is not None:
                        colour = typical_source(uv0[visible & (vparts == shown[0])], photo, core)
                    if colour is not None:
                        src[sel_h] = colour
                        flat[sel_h] = True
                        continue
                # a limb segment the photo does not show (its few seen vertices lie on its outline, where the
                # fit crosses another part) takes one typical colour of the part it borrows from
                borrowed = int(p) in FALLBACK_PARTS and seen[int(p)] < UNSEEN_FRACTION
                sel_v = source_vertices(visible, vparts, p, own_part=not borrowed)
                if not sel_v.any():
                    break
                if borrowed and photo is not None:  # the part it borrows from: one typical colour, flat
                    src[sel_h] = typical_source(uv0[sel_v], photo, core)
                    flat[sel_h] = True
                    continue
                tree = cKDTree(V0[sel_v])
                _, j = tree.query(V0[sel_h])
                src[sel_h] = uv0[sel_v][j]
            if behind_occ.any():  # behind the occluder: from seen vertices off the matte's edge along it, whose
                # pixels are partly the occluder's and partly transparent (the torso came out as the plate)
                deep = visible & (cv2.erode(own.astype(np.uint8), _disk(reach + 1)) > 0)[ui[:, 1], ui[:, 0]]
                for p in np.unique(vparts[behind_occ]):
                    if p in HAND_PARTS or (int(p) in FALLBACK_PARTS and seen[int(p)] < UNSEEN_FRACTION):
                        continue  # (a hand takes the skin, an unseen limb segment its flat borrowed colour)
                    sel_h = behind_occ & (vparts == p)
                    sel_v = source_vertices(deep, vparts, p)
                    if not sel_v.any():
                        break
                    _, j = cKDTree(V0[sel_v]).query(V0[sel_h])
                    src[sel_h] = uv0[sel_v][j]
            if visible.any():
                fparts = face_parts(np.asarray(faces, np.int64), vparts)
                unseen = np.array([seen[p] < UNSEEN_FRACTION for p in fparts.tolist()], bool)
                ex = excess[faces].any(1) | np.isin(fparts, list(limb))  # a misplaced limb: once moved
                if limb:  # an unseen part (hidden by the limb at frame 0) before what the limb leaves: too
                    ex |= unseen & on_limb[ui[:, 1], ui[:, 0]][faces].any(1)
                layer.mesh_faces = np.asarray(faces, np.int64)[~ex | unseen]
                layer.mesh_src = src
                layer.mesh_flat = flat
                layer.mesh_face_parts = face_parts(layer.mesh_faces, vparts)
                # a part the photo does not show at all (a hand behind a held helmet) over what the masks
                # call background: drawn only once it has moved off its frame-0 place (no halo at frame 0)
                layer.mesh_late = ((ex & unseen) | (behind_occ | by_occ)[faces].any(1))[~ex | unseen]
                layer.mesh_unseen = unseen[~ex | unseen]
                layer.mesh_uv0 = np.nan_to_num(uv0).astype(np.float32)
                if gap > 0 and limb & HAND_PARTS:  # the hand the photo shows no sign of: behind the head
                    layer.mesh_behind = np.isin(layer.mesh_face_parts, list(limb & HAND_PARTS))
                    layer.behind_m = gap
        layers.append(layer)
    owner_track = np.where(owner >= 0, np.asarray(live + [-1])[owner], -1).astype(np.int32)
    return Binding(layers, alpha0, owner_track, hole, camera, alpha_body, occluder, occluder_z)


ROUND_MAX_SPREAD = 0.12  # an outline whose radii vary less than this (std / mean) is round (rolls, bulges)


def _object_layer(i: int, points: np.ndarray, uv0: np.ndarray, claim: np.ndarray, photo: np.ndarray) -> Layer:
    """The sprite of object track ``i``: its claimed pixels of the photo (alpha 1 there, 0 around), premultiplied."""
    y0, y1, x0, x1 = mask_box(claim, 2)
    a = claim[y0:y1, x0:x1].astype(np.float32)
    sprite = np.concatenate([photo[y0:y1, x0:x1].astype(np.float32) * a[..., None], a[..., None]], -1)
    P = np.asarray(points, np.float64)
    r_px = np.linalg.norm(uv0[:16] - uv0[20], axis=1)
    r_m = np.linalg.norm(P[:16] - P[20], axis=1)
    ok = np.isfinite(r_px).all() and r_px.mean() > 1.0
    rnd = bool(ok and r_px.std() / r_px.mean() < ROUND_MAX_SPREAD)
    return Layer(i, "object", np.zeros((0, 2), np.float32), np.zeros((0, 3), np.int64), np.zeros(0, np.int16),
                 np.zeros((0, 3), np.float32), points_uv0=uv0.astype(np.float32), sprite=sprite,
                 sprite_box=(y0, y1, x0, x1), radius_px=float(r_px.mean()) if ok else 0.0,
                 radius_m=float(r_m.mean()) if ok else 0.0, round=rnd, x0_m=float(P[20, 0]))  # fmt: skip
