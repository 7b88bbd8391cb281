"""A tiny z-buffered renderer for the synthetic world: shaded capsules and spheres over a ground plane.

No OpenGL: every primitive is a *capsule impostor* evaluated per pixel in numpy. A capsule with
camera-space end points ``a``, ``b`` and radius ``r`` projects to a 2D segment ``u_a → u_b`` with
pixel radii ``f r / z``; a pixel at 2D distance ``d`` from the segment (parameter ``s``) is inside when
``d < ρ(s)``, its depth is ``z(s) − r sqrt(1 − (d/ρ)²)`` and its normal is
``((p − c)/ρ, −sqrt(1 − (d/ρ)²))`` (camera axes: x right, y down, z forward). A sphere is a capsule
with ``a = b``. One pass writes colour, part id, track id and depth, so the RGB frames and the part
masks come from the same geometry.

The background is a level ground plane (world y = 0, camera ``height`` metres above it) with a
procedural texture, a sky gradient above the horizon, and soft blob shadows under the primitives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Primitive:
    a: np.ndarray  # (3,) camera-space metres
    b: np.ndarray  # (3,) camera-space metres (= a for a sphere)
    radius: float  # metres
    part_id: int  # revision.palette id (0 = none)
    track: int  # track index (-1 = scenery)
    color: np.ndarray  # (3,) float 0..1 albedo


@dataclass
class Lighting:
    direction: np.ndarray  # (3,) camera space, unit, pointing from the surface towards the light
    ambient: float = 0.35
    diffuse: float = 0.75
    tint: np.ndarray | None = None  # (3,) light colour multiplier


@dataclass
class Background:
    sky_top: np.ndarray  # (3,) colours 0..1
    sky_bottom: np.ndarray
    ground_a: np.ndarray
    ground_b: np.ndarray
    pattern: str = "checker"  # "checker" | "stripes" | "plain" | "noise"
    tile: float = 0.5  # metres per texture tile
    camera_height: float = 1.0  # metres above the ground (the camera is level)


@dataclass
class Frame:
    rgb: np.ndarray  # (H, W, 3) float 0..1
    part_ids: np.ndarray  # (H, W) int16
    track_ids: np.ndarray  # (H, W) int16, -1 = background
    depth: np.ndarray  # (H, W) float32 metres, 0 = sky (unknown)


def render_background(bg: Background, fx: float, fy: float, cx: float, cy: float, H: int, W: int,
                      noise: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Ground plane + sky → rgb (H, W, 3), depth (H, W) (0 above the horizon)."""
    v, u = np.mgrid[0:H, 0:W].astype(np.float64) + 0.5
    below = v > cy + 0.5
    z = np.where(below, fy * bg.camera_height / np.maximum(v - cy, 1e-3), 0.0)
    z = np.minimum(z, 60.0)
    X = (u - cx) * z / fx
    if bg.pattern == "checker":
        tex = ((np.floor(X / bg.tile) + np.floor(z / bg.tile)) % 2).astype(np.float64)
    elif bg.pattern == "stripes":
        tex = (np.floor(z / bg.tile) % 2).astype(np.float64)
    elif bg.pattern == "noise" and noise is not None:
        tex = noise
    else:
        tex = np.zeros((H, W))
    fade = np.exp(-z / 25.0)[..., None]  # distant ground fades towards the horizon colour
    ground = bg.ground_a + (bg.ground_b - bg.ground_a) * tex[..., None]
    ground = ground * fade + bg.sky_bottom * (1 - fade)
    w = np.clip(v / max(cy, 1.0), 0, 1)[..., None]
    sky = bg.sky_top * (1 - w) + bg.sky_bottom * w
    rgb = np.where(below[..., None], ground, sky)
    return rgb, np.where(below, z, 0.0).astype(np.float32)


def render_frame(prims: list[Primitive], light: Lighting, bg: Background, fx: float, fy: float, cx: float,
                 cy: float, H: int, W: int, noise: np.ndarray | None = None) -> Frame:  # fmt: skip
    """Z-buffered render of ``prims`` over the background at H x W pixels."""
    rgb, depth = render_background(bg, fx, fy, cx, cy, H, W, noise)
    v, u = np.mgrid[0:H, 0:W].astype(np.float64) + 0.5
    # blob shadows: darken ground pixels near each primitive's ground footprint (camera y of the ground = h)
    shade = np.ones((H, W))
    below = depth > 0
    gx = (u - cx) * depth / fx
    for p in prims:
        c = 0.5 * (p.a + p.b)
        height = bg.camera_height - c[1]  # metres above the ground (camera y points down)
        if p.track < 0 or height > 2.5:
            continue
        d2 = (gx - c[0]) ** 2 + (depth - c[2]) ** 2
        reach = p.radius + 0.5 * np.linalg.norm(p.a[[0, 2]] - p.b[[0, 2]])
        strength = 0.45 * np.exp(-max(height - p.radius, 0.0) / 0.8)
        shade -= strength * np.exp(-d2 / (2 * (reach + 0.05) ** 2)) * below
    rgb = rgb * np.clip(shade, 0.35, 1.0)[..., None]
    zbuf = np.full((H, W), np.inf)
    part_ids = np.zeros((H, W), np.int16)
    track_ids = np.full((H, W), -1, np.int16)
    L = light.direction / np.linalg.norm(light.direction)
    tint = np.ones(3) if light.tint is None else light.tint
    for p in prims:
        za, zb = float(p.a[2]), float(p.b[2])
        if min(za, zb) < 0.05:
            continue
        ua = np.array([fx * p.a[0] / za + cx, fy * p.a[1] / za + cy])
        ub = np.array([fx * p.b[0] / zb + cx, fy * p.b[1] / zb + cy])
        ra, rb = fx * p.radius / za, fx * p.radius / zb
        lo = np.floor(np.minimum(ua, ub) - max(ra, rb) - 1).astype(int)
        hi = np.ceil(np.maximum(ua, ub) + max(ra, rb) + 1).astype(int)
        x0, y0 = max(lo[0], 0), max(lo[1], 0)
        x1, y1 = min(hi[0], W), min(hi[1], H)
        if x0 >= x1 or y0 >= y1:
            continue
        pu, pv = u[y0:y1, x0:x1], v[y0:y1, x0:x1]
        seg = ub - ua
        L2 = float(seg @ seg)
        s = np.zeros_like(pu) if L2 < 1e-9 else np.clip(((pu - ua[0]) * seg[0] + (pv - ua[1]) * seg[1]) / L2, 0, 1)
        dx, dy = pu - (ua[0] + s * seg[0]), pv - (ua[1] + s * seg[1])
        rho = ra + s * (rb - ra)
        q = (dx * dx + dy * dy) / np.maximum(rho * rho, 1e-9)
        inside = q < 1.0
        if not inside.any():
            continue
        nz = np.sqrt(np.clip(1 - q, 0, 1))
        z = za + s * (zb - za) - p.radius * nz
        zb_view = zbuf[y0:y1, x0:x1]
        win = inside & (z < zb_view)
        if not win.any():
            continue
        n = np.stack([dx / np.maximum(rho, 1e-9), dy / np.maximum(rho, 1e-9), -nz], -1)
        lam = np.clip(n @ L, 0, None)
        rim = 0.15 * (1 - nz)  # a little rim light keeps silhouettes readable
        col = p.color * tint * (light.ambient + light.diffuse * lam + rim)[..., None]
        zb_view[win] = z[win]
        rgb[y0:y1, x0:x1][win] = col[win]
        part_ids[y0:y1, x0:x1][win] = p.part_id
        track_ids[y0:y1, x0:x1][win] = p.track
        depth[y0:y1, x0:x1][win] = z[win]
    return Frame(np.clip(rgb, 0, 1), part_ids, track_ids, depth.astype(np.float32))


def downsample(frame: Frame, factor: int) -> Frame:
    """Supersampled frame → ``factor``x smaller: RGB area-averaged (anti-aliased), labels/depth at centres."""
    if factor == 1:
        return frame
    H, W = frame.part_ids.shape
    h, w = H // factor, W // factor
    rgb = frame.rgb[: h * factor, : w * factor].reshape(h, factor, w, factor, 3).mean((1, 3))
    c = factor // 2
    return Frame(rgb, frame.part_ids[c::factor, c::factor][:h, :w].copy(),
                 frame.track_ids[c::factor, c::factor][:h, :w].copy(),
                 frame.depth[c::factor, c::factor][:h, :w].copy())  # fmt: skip
