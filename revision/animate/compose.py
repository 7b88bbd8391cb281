"""One frame from its re-posed layers: rasterise, sample the photo, composite over the plate.

1. The triangles of all layers go into one z-buffer (:func:`revision.render.rasterize_sparse`) at
   ``raster_scale`` × the output size, so nearer parts occlude farther ones across bodies and objects;
   each covered pixel interpolates the frame-0 pixel its triangle carries (barycentrics). With several
   people, a fragment that would show a pixel another person owns at frame 0 is discarded first (each
   person is rasterised alone, then the kept fragments meet in one depth test): the grid cells at a
   person's edge, which hold the neighbour's pixels where two people meet, do not carry them along.
2. The coverage-weighted map is upsampled to the output size (``up(src·cov) / up(cov)``: edge pixels
   take their own layer's source, and the upsampled coverage is a soft edge).
3. ``cv2.remap`` samples the photo and its frame-0 matte at those sources: the layer colour and its
   alpha (the matte travels with the pixels, so person edges stay feathered). Where the soup carries a
   gain (the shading of flat back-fill parts, a fourth raster channel) the colour is multiplied by it.
4. ``C = α·layer + (1 − α)·plate``. A pixel counts as *moved* where a layer moved it (displacement over
   ``moved_px``) or where the matte changed (a person left or arrived); the moved mask is grown and
   feathered and the frame is ``m·C + (1 − m)·photo`` — unmoved pixels are the photo's own, so frame 0
   (identity pose) is the photo exactly.

Objects (:class:`~revision.animate.pose.Sprite`) are drawn after the bodies, each by its similarity map
(``cv2.remap`` of its premultiplied cut-out: its own pixels only, at their size and shape), per pixel in
front of or behind what is there by depth (the bodies' z-buffer, upsampled; a round object bulges towards
the camera by its radius): in front ``C = O + (1 − a_o)·C``, behind ``C = C + (1 − A)·(O − a_o·plate)``
with ``A`` the alpha already there. Where an object is shown, the flow is its inverse map.

5. An *occluder* (:mod:`revision.animate.binding`: the photo's pixels over a person's ``hidden`` region, a
   sign in front of him) is drawn last, as the photo itself, wherever the fragment nearest the camera there
   is the person it hides, lies deeper than the occluder, or there is none: his arm swinging past the board
   passes behind it, a nearer person walking past is drawn over it. It is in the plate, so the moved term
   is 0 there and the frame is the photo's pixel. (Objects are not tested against it.)

All of this runs only inside the box that holds the layers, the sprites and the hole.
"""

from __future__ import annotations

import numpy as np

from revision.animate.binding import OBJECT_PART
from revision.animate.config import plate_dilate_for
from revision.animate.geometry import mask_box
from revision.animate.pose import Soup, Sprite
from revision.render import rasterize_sparse


def raster_soup(
    soup: Soup, H: int, W: int, scale: float, owner: np.ndarray | None = None, tracks: bool = False
) -> tuple[np.ndarray, ...]:
    """Soup → maps at the raster size (h, w): (src − own position)·cov and cov stacked (h, w, 3) float32
    (with the soup's ``gain``: gain·cov a fourth channel), part ids (h, w), depth (h, w) float32 (inf = no
    layer), and with ``tracks`` the track index of the nearest fragment (h, w) int32 (−1 = none).

    ``owner`` (H, W) int32: the person (body track) owning each frame-0 pixel, −1 elsewhere; with it a
    person's fragment that would show another person's pixel is discarded (:func:`_own_fragments`)."""
    h, w = max(1, round(H * scale)), max(1, round(W * scale))
    sx, sy = w / W, h / H
    out = np.zeros((h * w, 3 if soup.gain is None else 4), np.float32)
    parts = np.zeros(h * w, np.int16)
    depth = np.full(h * w, np.inf, np.float32)
    track = np.full(h * w, -1, np.int32)
    if len(soup.faces):
        uv = np.empty_like(soup.uv)
        uv[:, 0] = (soup.uv[:, 0] + 0.5) * sx - 0.5
        uv[:, 1] = (soup.uv[:, 1] + 0.5) * sy - 0.5
        if owner is not None and soup.face_tracks is not None:
            pix, face, d, src = _own_fragments(soup, uv, owner, h, w)
        else:
            pix, face, d = rasterize_sparse(uv, soup.z, soup.faces, h, w, cull=soup.cull)
            src = _sources(soup, uv, pix, face, w)
        depth[pix] = d
        if len(pix):
            px = (pix % w).astype(np.float32)
            py = (pix // w).astype(np.float32)
            # stored as a displacement from the pixel's own output position (upsampling a displacement
            # extrapolates correctly at the image border)
            out[pix, 0] = src[:, 0] - ((px + 0.5) / sx - 0.5)
            out[pix, 1] = src[:, 1] - ((py + 0.5) / sy - 0.5)
            out[pix, 2] = 1.0
            if soup.gain is not None:
                out[pix, 3] = src[:, 2]
            parts[pix] = soup.face_parts[face]
            if tracks and soup.face_tracks is not None:
                track[pix] = soup.face_tracks[face]
    if tracks:
        return out.reshape(h, w, -1), parts.reshape(h, w), depth.reshape(h, w), track.reshape(h, w)
    return out.reshape(h, w, -1), parts.reshape(h, w), depth.reshape(h, w)


def _sources(soup: Soup, uv: np.ndarray, pix: np.ndarray, face: np.ndarray, w: int) -> np.ndarray:
    """(K, 2) frame-0 pixel each raster fragment (``pix``, ``face``) shows (barycentric interpolation), with
    the fragment's gain as a third column when the soup has ``gain``."""
    f = soup.faces[face]
    p = uv[f]  # (K, 3, 2)
    px = (pix % w).astype(np.float32)
    py = (pix // w).astype(np.float32)
    e1, e2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    den = e1[:, 0] * e2[:, 1] - e2[:, 0] * e1[:, 1]
    den = np.where(np.abs(den) > 1e-12, den, 1e-12)
    dx, dy = px - p[:, 0, 0], py - p[:, 0, 1]
    l1 = np.clip((dx * e2[:, 1] - e2[:, 0] * dy) / den, 0, 1)
    l2 = np.clip((e1[:, 0] * dy - dx * e1[:, 1]) / den, 0, 1)
    s = (soup.src if soup.gain is None else np.concatenate([soup.src, soup.gain[:, None]], 1))[f]  # (K, 3, 2|3)
    return s[:, 0] + l1[:, None] * (s[:, 1] - s[:, 0]) + l2[:, None] * (s[:, 2] - s[:, 0])


def _own_fragments(soup: Soup, uv: np.ndarray, owner: np.ndarray, h: int, w: int):
    """→ (pixels, faces, depths, sources) of the nearest fragment per raster pixel, each track's own.

    A layer's grid reaches a few pixels past its region (its edge needs the coverage), so where two people
    meet, the cells at one's edge hold the other's pixels: drawn, they travel with the wrong person (a block
    of a woman's coat beside the man she walked past). So each track is rasterised on its own, its nearest
    fragment is dropped where it would show a pixel another person owns (an alpha test), and the tracks'
    remaining fragments meet in one depth test. At frame 0 the other person's own cell there shows the same
    pixel, so frame 0 is still the photo."""
    H, W = owner.shape
    keep = []
    for t in np.unique(soup.face_tracks):
        sel = np.nonzero(soup.face_tracks == t)[0]
        p, f, d = rasterize_sparse(uv, soup.z, soup.faces[sel], h, w, cull=soup.cull[sel])
        f = sel[f]
        src = _sources(soup, uv, p, f, w)
        o = owner[np.clip(np.rint(src[:, 1]), 0, H - 1).astype(np.int64),
                  np.clip(np.rint(src[:, 0]), 0, W - 1).astype(np.int64)]  # fmt: skip
        ok = (o < 0) | (o == t)
        keep.append((p[ok], f[ok], d[ok], src[ok]))
    pix, face, d, src = (np.concatenate([k[i] for k in keep]) for i in range(4))
    order = np.lexsort((d, pix))  # by pixel, nearest first
    first = order[np.r_[True, pix[order][1:] != pix[order][:-1]]] if len(order) else order
    return pix[first], face[first], d[first], src[first]


_box = mask_box


def sprite_box(sp: Sprite, H: int, W: int) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1) of the output pixels sprite ``sp`` can cover (None when off the image)."""
    y0, y1, x0, x1 = sp.layer.sprite_box
    corners = np.array([[x0 - 1, y0 - 1, 1], [x1, y0 - 1, 1], [x1, y1, 1], [x0 - 1, y1, 1]], np.float64)
    p = corners @ sp.A.T
    if not np.isfinite(p).all():
        return None
    bx0, by0 = np.floor(p.min(0)).astype(int)
    bx1, by1 = np.ceil(p.max(0)).astype(int) + 1
    bx0, by0, bx1, by1 = max(0, bx0), max(0, by0), min(W, bx1), min(H, by1)
    return (by0, by1, bx0, bx1) if bx1 > bx0 and by1 > by0 else None


def identity_flow(H: int, W: int) -> np.ndarray:
    """(H, W, 2) float32: each pixel's own (x, y)."""
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    return np.stack([xx, yy], -1)


def compose_frame(soup: Soup, photo: np.ndarray, matte: np.ndarray, plate: np.ndarray, alpha0: np.ndarray,
                  hole_box: tuple[int, int, int, int] | None, cfg, identity: np.ndarray | None = None,
                  owner: np.ndarray | None = None, occluder: tuple | None = None):  # fmt: skip
    """→ frame (H, W, 3) uint8, flow (H, W, 2) float32, moved (H, W), alpha (H, W), part ids (H, W) int16.

    ``photo`` (H, W, 3) uint8 and its frame-0 ``matte`` (H, W) uint8, each C-contiguous (two planes, not one
    RGBA array: at 1024×576 a strided copy of an RGBA array's colour costs ~6 ms, a contiguous copy ~0.2 ms, and
    remapping the two planes costs less than remapping four channels and copying three out);
    ``plate`` (H, W, 3) uint8; ``identity``: :func:`identity_flow` of the output size (made if None);
    ``owner``: the person owning each frame-0 pixel (see :func:`raster_soup`; None = no such test);
    ``occluder``: (track (H, W) int32, depth (H, W) float32, box) of the static pixels in front of a person
    (:attr:`revision.animate.binding.Binding.occluder`; None = none)."""
    import cv2

    H, W = alpha0.shape
    frame = photo.copy()
    flow = identity_flow(H, W) if identity is None else identity.copy()
    moved = np.zeros((H, W), np.float32)
    alpha_out = np.zeros((H, W), np.float32)
    parts_out = np.zeros((H, W), np.int16)
    if occluder is None:
        small, parts_s, depth_s = raster_soup(soup, H, W, cfg.raster_scale, owner)
    else:
        small, parts_s, depth_s, tracks_s = raster_soup(soup, H, W, cfg.raster_scale, owner, tracks=True)
    h, w = parts_s.shape
    covered = small[..., 2] > 0
    box_s = _box(covered, 2)
    grow = cfg.moved_grow_px + int(np.ceil(3 * max(cfg.feather_px, 0.5))) + 2
    boxes = []
    if box_s is not None:
        boxes.append((int(box_s[0] * H / h), int(np.ceil(box_s[1] * H / h)), int(box_s[2] * W / w),
                      int(np.ceil(box_s[3] * W / w))))  # fmt: skip
    if hole_box is not None:
        boxes.append(hole_box)
    sprites = [(sp, b) for sp in soup.sprites if (b := sprite_box(sp, H, W)) is not None]
    boxes += [b for _, b in sprites]
    if not boxes:
        return frame, flow, moved, alpha_out, parts_out
    y0 = max(0, min(b[0] for b in boxes) - grow)
    y1 = min(H, max(b[1] for b in boxes) + grow)
    x0 = max(0, min(b[2] for b in boxes) - grow)
    x1 = min(W, max(b[3] for b in boxes) + grow)
    if (h, w) == (H, W):
        big = small[y0:y1, x0:x1]
        parts = parts_s[y0:y1, x0:x1]
    else:
        # upsample only the part of the raster map that covers the box (affine pixel-centre mapping)
        M = np.array([[w / W, 0, (x0 + 0.5) * w / W - 0.5], [0, h / H, (y0 + 0.5) * h / H - 0.5]], np.float32)
        big = cv2.warpAffine(small, M, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
        parts = cv2.warpAffine(parts_s, M, (x1 - x0, y1 - y0), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
    cov = big[..., 2]
    idx, idy = flow[y0:y1, x0:x1, 0].copy(), flow[y0:y1, x0:x1, 1].copy()
    hit = cov > 1e-6
    inv = np.float32(1.0) / np.maximum(cov, np.float32(1e-6))
    sx = idx + np.where(hit, big[..., 0] * inv, 0)
    sy = idy + np.where(hit, big[..., 1] * inv, 0)
    layer = cv2.remap(photo, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)  # (the same as the
    layer_a = cv2.remap(matte, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)  # four channels at once)
    if big.shape[-1] == 4:  # the flat parts' shading (pose.shading): the colour times the fragment's gain
        shade = cv2.absdiff(big[..., 3], cov) > np.float32(1e-3) * cov  # gain ≠ 1 (only there: a small part)
        if shade.any():
            rgb = layer[shade].astype(np.float32) * (big[..., 3][shade] * inv[shade])[:, None] + np.float32(0.5)
            layer[shade] = np.clip(rgb, 0, 255).astype(np.uint8)
    # the coverage of a raster at ``raster_scale``, upsampled, ramps over 1 / raster_scale px at a layer's edge: its
    # inner half counts as covered (the grid reaches two pixels past the matte: a ramp reaching into the matte's
    # edge showed the plate through it at frame 0)
    ramp = np.float32(1 / cfg.raster_scale)
    a = cv2.multiply(layer_a, np.minimum(cov * ramp, np.float32(1)), scale=1 / 255, dtype=cv2.CV_32F)
    a0 = alpha0[y0:y1, x0:x1]
    disp = cv2.add(cv2.absdiff(sx, idx), cv2.absdiff(sy, idy))
    m = a * np.clip((disp - np.float32(0.05)) * np.float32(1 / cfg.moved_px), 0, 1)
    # C = a·layer + (1 − a)·plate (the objects go over or under it by depth), then m·C + (1 − m)·photo
    comp = cv2.blendLinear(
        layer, np.ascontiguousarray(plate[y0:y1, x0:x1]), a, 1 - a
    )
    a_all, a_show = a, a  # total layer alpha; weight of the layer whose source (sx, sy) a pixel shows
    if sprites:
        a_all, a_show = a.copy(), a.copy()
        depth_box = _depth_in_box(depth_s, [b for _, b in sprites], (y0, y1, x0, x1), H, W)
        for sp, b in sorted(sprites, key=lambda t: -t[0].z):  # far to near
            _draw_sprite(sp, b, (y0, x0), comp, plate, a_all, a_show, depth_box, sx, sy, parts, m, cfg)
    front = None  # the occluder's pixels shown in front of the layers (compose box coordinates)
    if occluder is not None:
        front = _occluder_in_front(occluder, depth_s, tracks_s, (y0, y1, x0, x1), H, W)
        if front is not None:
            comp[front] = photo[y0:y1, x0:x1][front]
            a_all, a_show = a_all.copy(), a_show.copy()  # (a: the same array without sprites)
            a_all[front] = 0
            a_show[front] = 0
    m = np.maximum(m, np.clip((cv2.absdiff(a_all, a0) - np.float32(0.02)) * np.float32(10), 0, 1))
    if cfg.moved_grow_px > 0:
        m = cv2.dilate(m, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * cfg.moved_grow_px + 1,) * 2))
    # where a person left, the frame shows the plate across the hole's whole margin past the matte: a mask a
    # little short of the person's edge leaves a fringe there (an outline of messi5's arm in the crowd)
    left = np.clip((a0 - a_all - np.float32(0.02)) * np.float32(10), 0, 1)
    r = plate_dilate_for(cfg, H, W) + 1
    lb = _box(left > 0, r)  # (only around where someone left: the dilation is the costly part)
    if lb is not None:
        ly0, ly1, lx0, lx1 = lb
        grown = cv2.dilate(left[ly0:ly1, lx0:lx1], np.ones((2 * r + 1, 2 * r + 1), np.uint8))  # (square: fast)
        m[ly0:ly1, lx0:lx1] = np.maximum(m[ly0:ly1, lx0:lx1], grown)
    if cfg.feather_px > 0:
        m = np.maximum(m, cv2.GaussianBlur(m, (0, 0), cfg.feather_px))
    m[m < np.float32(0.5 / 255)] = 0  # the blur's far tail changes no pixel value: not moved
    if front is not None:
        m[front] = 0  # the photo's own pixel: not moved
    # weights sum to 1; m = 0 gives the photo exactly
    frame[y0:y1, x0:x1] = cv2.blendLinear(comp, np.ascontiguousarray(photo[y0:y1, x0:x1]), m, 1 - m)
    shown = a_show * m >= 0.5
    flow[y0:y1, x0:x1, 0] = np.where(shown, sx, idx)
    flow[y0:y1, x0:x1, 1] = np.where(shown, sy, idy)
    moved[y0:y1, x0:x1] = m
    alpha_out[y0:y1, x0:x1] = a_all * m
    parts_out[y0:y1, x0:x1] = np.where(a_show >= 0.5, parts, 0)
    return frame, flow, moved, alpha_out, parts_out


def _occluder_in_front(occluder: tuple, depth_s: np.ndarray, tracks_s: np.ndarray, box: tuple, H: int,
                       W: int) -> np.ndarray | None:  # fmt: skip
    """Where the occluder is shown, in the compose ``box`` (y1 − y0, x1 − x0) bool, or None when nowhere: its
    pixels whose nearest raster fragment (nearest-upsampled) is none, the person it hides, or deeper than it."""
    occ, occ_z, ob = occluder
    if ob is None:
        return None
    y0, y1, x0, x1 = box
    oy0, oy1, ox0, ox1 = max(y0, ob[0]), min(y1, ob[1]), max(x0, ob[2]), min(x1, ob[3])
    if oy1 <= oy0 or ox1 <= ox0:
        return None
    h, w = depth_s.shape
    r = np.minimum(((np.arange(oy0, oy1) + 0.5) * h / H).astype(np.int64), h - 1)[:, None]
    c = np.minimum(((np.arange(ox0, ox1) + 0.5) * w / W).astype(np.int64), w - 1)[None, :]
    t, z = occ[oy0:oy1, ox0:ox1], occ_z[oy0:oy1, ox0:ox1]
    shown = (t >= 0) & ((tracks_s[r, c] == t) | (depth_s[r, c] > z))
    if not shown.any():
        return None
    out = np.zeros((y1 - y0, x1 - x0), bool)
    out[oy0 - y0 : oy1 - y0, ox0 - x0 : ox1 - x0] = shown
    return out


def _depth_in_box(depth_s: np.ndarray, boxes: list, box: tuple, H: int, W: int) -> np.ndarray:
    """The layers' raster depth (h, w), nearest-upsampled into the compose ``box`` where sprites may go
    (inf elsewhere)."""
    h, w = depth_s.shape
    y0, y1, x0, x1 = box
    out = np.full((y1 - y0, x1 - x0), np.inf, np.float32)
    for by0, by1, bx0, bx1 in boxes:
        r = np.minimum(((np.arange(by0, by1) + 0.5) * h / H).astype(np.int64), h - 1)
        c = np.minimum(((np.arange(bx0, bx1) + 0.5) * w / W).astype(np.int64), w - 1)
        out[by0 - y0 : by1 - y0, bx0 - x0 : bx1 - x0] = depth_s[r[:, None], c[None, :]]
    return out


def _draw_sprite(sp: Sprite, b, origin, comp, plate, a_all, a_show, depth, sx, sy, parts, m, cfg) -> None:
    """Draw object ``sp`` into the compose box (arrays relative to ``origin`` = (y0, x0)), in place: the colour
    ``comp`` (uint8), total alpha ``a_all``, the shown layer's weight ``a_show`` and source ``sx``, ``sy``,
    ``parts``, the depth there (``depth``, updated where the object is in front) and the moved term ``m``."""
    import cv2

    by0, by1, bx0, bx1 = b
    ly, lx = slice(by0 - origin[0], by1 - origin[0]), slice(bx0 - origin[1], bx1 - origin[1])
    lay = sp.layer
    Ai = cv2.invertAffineTransform(sp.A)
    yy, xx = np.mgrid[by0:by1, bx0:bx1].astype(np.float32)
    mx = (Ai[0, 0] * xx + Ai[0, 1] * yy + Ai[0, 2]).astype(np.float32)  # frame-0 pixel shown here
    my = (Ai[1, 0] * xx + Ai[1, 1] * yy + Ai[1, 2]).astype(np.float32)
    cy0, _, cx0, _ = lay.sprite_box
    o = cv2.remap(lay.sprite, mx - np.float32(cx0), my - np.float32(cy0), cv2.INTER_LINEAR,
                  borderMode=cv2.BORDER_CONSTANT, borderValue=0)  # fmt: skip
    ao = o[..., 3]
    if not (ao > 0).any():
        return
    z = np.float32(sp.z)
    if sp.radius_m > 0:  # a round object's front surface: a sphere's cap towards the camera
        cu, cv_ = lay.points_uv0[20]
        rho2 = ((mx - cu) ** 2 + (my - cv_) ** 2) / np.float32(lay.radius_px**2)
        z = z - np.float32(sp.radius_m) * np.sqrt(np.clip(1 - rho2, 0, 1))
    zb = depth[ly, lx]
    front = z <= zb
    A = a_all[ly, lx]
    C = comp[ly, lx].astype(np.float32)
    obj = o[..., :3]  # premultiplied
    ao3 = ao[..., None]
    over = obj + (1 - ao3) * C  # the object in front of what is there
    under = C + (1 - A)[..., None] * (obj - ao3 * plate[by0:by1, bx0:bx1].astype(np.float32))
    comp[ly, lx] = np.clip(np.where(front[..., None], over, under) + 0.5, 0, 255).astype(np.uint8)
    wo = np.where(front, ao, ao * (1 - A))  # the object's weight in the pixel
    a_all[ly, lx] = A + ao - A * ao
    depth[ly, lx] = np.where(front & (ao >= 0.5), z, zb)
    sel = wo >= 0.5
    a_show[ly, lx] = np.where(sel, wo, a_show[ly, lx])
    sx[ly, lx] = np.where(sel, mx, sx[ly, lx])
    sy[ly, lx] = np.where(sel, my, sy[ly, lx])
    parts[ly, lx] = np.where(sel, OBJECT_PART, parts[ly, lx])
    disp = np.abs(mx - xx) + np.abs(my - yy)
    moved = np.clip((disp - np.float32(0.05)) * np.float32(1 / cfg.moved_px), 0, 1)
    m[ly, lx] = np.maximum(m[ly, lx], wo * moved)
