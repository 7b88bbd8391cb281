"""Silhouette terms of the SMPL-X fit: the projected body should cover the person mask, and only it.

For every frame with a person mask (H, W) bool:

- **outside** (pull in): the distance transform of the mask's complement (pixels to the nearest mask
  pixel, 0 inside) is sampled bilinearly (``grid_sample``) at the projected surface samples of the body;
  samples projected outside the image are ignored (the mask stops at the image border).
- **cover** (pull out): ``sil_pixels`` mask pixels drawn once (seeded) are each pulled towards the nearest
  projected surface sample (a one-sided chamfer), so mask regions the body misses widen it (``betas``)
  or move its limbs. An uncovered pixel's distance gets ``cover_margin`` pixels added: on a person a few
  dozen pixels tall the samples are denser than the pixels, so a pixel the body's raster misses by a
  hair has a sample within a fraction of a pixel and pulled almost nothing (a 28-px walker stayed a
  pixel thinner than its mask on each side); the margin keeps the pull at least that strong.
- **soft IoU**: on a grid of at most ``grid × grid`` pixels over the mask's box (+15 %), the body's
  occupancy is ``sigmoid(−s / τ)`` with ``s = min_i (‖p − uv_i‖ − r_i)``: each projected surface sample
  is a disc of radius ``r_i = f · radius / z_i`` (``radius``: the skin area one sample stands for), τ
  half a grid step. ``1 − Σ occ·m / Σ (occ + m − occ·m)`` against the mask m is minimised — IoU itself,
  made differentiable by splatting the samples.

**Hidden pixels** (``hidden``: where an occluder covers the person, ``Detection.hidden``) are don't-care: the
outside term's distance is to mask ∪ hidden, the cover term's pixels and the soft-IoU target come from the
visible mask alone (:meth:`SilhouetteTargets.build`).

The outside / cover residuals are in units of the focal length (as the 2D keypoint term), squared and
averaged; the distance map is differentiable in the sample positions through bilinear interpolation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from revision.types import Camera


@dataclass
class SilhouetteTargets:
    frames: torch.Tensor  # (M,) frame indices that have a mask
    dist: torch.Tensor  # (M, 1, H, W) distance (px) to the mask, 0 inside
    pixels: torch.Tensor  # (M, N, 2) sampled mask pixels (x, y)
    pixel_weight: torch.Tensor  # (M, N) 1 for real samples, 0 for padding
    size: tuple[int, int]  # (H, W)
    grid: torch.Tensor  # (M, G, 2) pixel centres of the soft-IoU grid (x, y)
    grid_target: torch.Tensor  # (M, G) mask at those pixels (0/1)
    grid_weight: torch.Tensor  # (M, G) 1 for real grid points, 0 for padding
    grid_step: torch.Tensor  # (M,) px between grid points
    scale: torch.Tensor  # (M,) px: the residuals' unit per frame (√ mask area; the focal length when 0)
    refresh: int = 0  # cover term: nearest-sample indices recomputed every this many calls (0: 1 when the
    # (frames × pixels × samples) distance matrix is < 2M entries, e.g. a photo, else 5: clips)
    cover_margin: float = 0.0  # px added to an uncovered pixel's distance to its nearest sample (module doc)
    coverage_scale: tuple[float, ...] = ()  # per masked frame: raster scale of :meth:`update_coverage` (≤ 1)
    _calls: int = 0
    _nn: torch.Tensor | None = None
    _covered: torch.Tensor | None = None  # (M, N) bool: sampled mask pixels inside the rendered body

    def update_coverage(
        self, which: list[int], mesh_uv: np.ndarray, mesh_z: np.ndarray, faces: np.ndarray
    ) -> None:
        """Which sampled mask pixels of the masked frames ``which`` (indices into ``self.frames``) the body
        covers: ``mesh_uv`` (len(which), V, 2) projected mesh vertices, ``mesh_z`` (len(which), V) their
        depths, ``faces`` (F, 3); rasterised as the IoU is measured (``revision.render.raster``, front
        faces, pixel centres). Covered pixels pull nothing in the cover term, so the samples' spacing
        biases nothing."""
        from revision.render.raster import rasterize_coverage

        H, W = self.size
        M, N = self.pixels.shape[:2]
        if self._covered is None:
            self._covered = torch.zeros(M, N, dtype=torch.bool, device=self.pixels.device)
        pix = self.pixels.detach().cpu().numpy().astype(np.int64)
        for k, i in enumerate(which):
            s = self.coverage_scale[i]  # a large person: rasterised at ≤ coverage_px (mask box's long side)
            h, w = max(1, int(np.ceil(H * s))), max(1, int(np.ceil(W * s)))
            try:
                sil = rasterize_coverage((mesh_uv[k] + 0.5) * s - 0.5, mesh_z[k], faces, h, w).reshape(-1)
            except IndexError:  # the rasteriser's width classes stop at 128 px (a face near the camera)
                continue
            q = np.round((pix[i] + 0.5) * s - 0.5).astype(np.int64)  # pixel centres in the scaled raster
            hit = sil[np.clip(q[:, 1], 0, h - 1) * w + np.clip(q[:, 0], 0, w - 1)]
            self._covered[i] = torch.tensor(hit, device=self.pixels.device)
        self._nn = None  # nearest samples are looked up for the uncovered pixels only: refresh them

    def reset(self) -> None:
        """Forget the coverage and the cached nearest samples (for a fit that starts again)."""
        self._calls, self._nn, self._covered = 0, None, None

    def fresh(self) -> SilhouetteTargets:
        """A copy as :meth:`reset` leaves it (the targets' tensors shared, read only), for a second fit that
        runs beside this one."""
        twin = replace(self)
        twin.reset()
        return twin

    @property
    def num_frames(self) -> int:
        return int(self.frames.numel())

    @staticmethod
    def build(masks, num_frames: int, camera: Camera, n_pixels: int, device, grid: int = 48, contour: float = 0.0,
              size_units: bool = False, coverage_px: int = 256, cover_margin: float = 0.0,
              hidden=None) -> SilhouetteTargets | None:  # fmt: skip
        """Per-frame masks (None entries skipped, list length = frames) → targets, or None without masks.

        ``hidden``: per-frame (H, W) bool or None (list length = frames), the pixels an occluder covers (the
        person may go on behind it: ``Detection.hidden``), a don't-care region: the outside term's distance
        is to mask ∪ hidden (a body there is not pulled in), the cover term draws its pixels from the mask
        alone (hidden pixels reward no coverage), the soft-IoU grid leaves them out, and the grid's box
        and the residuals' unit (√ area) are those of mask ∪ hidden (the whole person). Without ``hidden``
        every target is what it was (bit for bit)."""
        import cv2

        if len(masks) != num_frames:
            raise ValueError(f"fit_smplx: got {len(masks)} masks for {num_frames} frames")
        if hidden is not None and len(hidden) != num_frames:
            raise ValueError(f"fit_smplx: got {len(hidden)} hidden masks for {num_frames} frames")
        rng = np.random.default_rng(0)
        idx, dists, pix, pw, grids, steps, scales, cov = [], [], [], [], [], [], [], []
        size = None
        for f, m in enumerate(masks):
            if m is None:
                continue
            m = np.asarray(m, bool)
            if m.sum() < 16:
                continue
            if size is None:
                size = m.shape
            elif m.shape != size:
                raise ValueError(f"fit_smplx: masks of different sizes {size} and {m.shape}")
            h = None if hidden is None or hidden[f] is None else np.asarray(hidden[f], bool) & ~m
            if h is not None and h.shape != size:
                raise ValueError(f"fit_smplx: hidden mask {h.shape} for masks of {size}")
            whole = m if h is None else m | h  # where the body may lie
            d = cv2.distanceTransform((~whole).astype(np.uint8), cv2.DIST_L2, 3)
            ys, xs = np.nonzero(m)
            take = rng.choice(len(xs), size=min(n_pixels, len(xs)), replace=False)
            if contour > 0:
                edge = m & ~cv2.erode(m.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
                ey, ex = np.nonzero(edge)
                ne = min(int(contour * n_pixels), len(ex))
                te = rng.choice(len(ex), size=ne, replace=False)
                ys = np.concatenate([ys[take[: n_pixels - ne]], ey[te]])
                xs = np.concatenate([xs[take[: n_pixels - ne]], ex[te]])
                take = np.arange(len(xs))
            p = np.zeros((n_pixels, 2), np.float32)
            w = np.zeros(n_pixels, np.float32)
            p[: len(take)] = np.stack([xs[take], ys[take]], 1)
            w[: len(take)] = 1.0
            if h is not None:  # the grid's box: the whole person's
                ys, xs = np.nonzero(whole)
            x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
            mx, my = 0.15 * (x1 - x0), 0.15 * (y1 - y0)
            x0, x1 = max(0.0, x0 - mx), min(m.shape[1], x1 + mx)
            y0, y1 = max(0.0, y0 - my), min(m.shape[0], y1 + my)
            step = max(1.0, max(x1 - x0, y1 - y0) / grid)
            gx, gy = np.meshgrid(np.arange(x0 + step / 2, x1, step), np.arange(y0 + step / 2, y1, step))
            gp = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
            gi = (
                np.clip(gp[:, 1].astype(int), 0, m.shape[0] - 1),
                np.clip(gp[:, 0].astype(int), 0, m.shape[1] - 1),
            )
            gt = m[gi]
            grids.append((gp, gt.astype(np.float32), None if h is None else ~h[gi]))
            steps.append(step)
            scales.append(float(np.sqrt(whole.sum())) if size_units else 0.0)
            cov.append(min(1.0, coverage_px / max(x1 - x0, y1 - y0)))
            idx.append(f)
            dists.append(d)
            pix.append(p)
            pw.append(w)
        if not idx:
            return None
        if size != (camera.height, camera.width):
            raise ValueError(f"fit_smplx: masks are {size}, the camera is {camera.height}x{camera.width}")
        t = lambda a: torch.tensor(np.stack(a), device=device)  # noqa: E731
        G = max(len(g[0]) for g in grids)
        gp = np.zeros((len(grids), G, 2), np.float32)
        gt = np.zeros((len(grids), G), np.float32)
        gw = np.zeros((len(grids), G), np.float32)
        for i, (p, m, care) in enumerate(grids):
            gp[i, : len(p)], gt[i, : len(p)], gw[i, : len(p)] = p, m, 1.0 if care is None else care
        T = lambda a: torch.tensor(a, device=device)  # noqa: E731
        return SilhouetteTargets(torch.tensor(idx, device=device), t(dists)[:, None], t(pix), t(pw), size,
                                 T(gp), T(gt), T(gw), T(np.array(steps, np.float32)),
                                 T(np.array(scales, np.float32)), cover_margin=cover_margin,
                                 coverage_scale=tuple(cov))  # fmt: skip

    def loss(self, surface: torch.Tensor, K: torch.Tensor, w_out: float, w_cover: float, w_iou: float = 0.0,
             radius: float = 0.0) -> torch.Tensor:
        """surface (M, V, 3) camera-space samples of the masked frames (``self.frames``, in order),
        K (fx, fy, cx, cy) → () weighted silhouette loss; ``radius``: metres of skin per sample."""
        H, W = self.size
        pts = surface
        z = pts[..., 2:3].clamp(min=1e-3)
        uv = pts[..., :2] / z * K[:2] + K[2:]  # (M, V, 2) px
        f = K[0]
        unit = torch.where(self.scale > 0, self.scale, f)[:, None]  # (M, 1) px
        self._calls += 1
        out = uv.new_zeros(())
        if w_out > 0:
            inside = ((uv[..., 0] >= 0) & (uv[..., 0] <= W - 1) & (uv[..., 1] >= 0) & (uv[..., 1] <= H - 1)).float()
            grid = torch.stack([uv[..., 0] / (W - 1) * 2 - 1, uv[..., 1] / (H - 1) * 2 - 1], -1)[:, :, None]
            d = torch.nn.functional.grid_sample(self.dist, grid, mode="bilinear", padding_mode="border",
                                                align_corners=True)[:, 0, :, 0]  # (M, V) px  # fmt: skip
            out = out + w_out * ((d / unit).pow(2) * inside).sum() / inside.sum().clamp(min=1)
        if w_cover > 0:
            every = self.refresh or (1 if self.pixels.shape[0] * self.pixels.shape[1] * uv.shape[1] < 2_000_000 else 5)
            if self._nn is None or self._calls % every == 0:  # nearest samples move slowly
                self._nn = _nearest(self.pixels, uv, self._covered)
            nearest = (self.pixels - _gather(uv, self._nn)).norm(dim=-1) + self.cover_margin  # (M, N) px
            if self._covered is not None:  # covered pixels (inside the rendered body) pull nothing
                nearest = nearest * ~self._covered
            cover = ((nearest / unit).pow(2) * self.pixel_weight).sum() / self.pixel_weight.sum()
            out = out + w_cover * cover
        if w_iou > 0 and radius > 0:
            r = f * radius / z[..., 0]  # (M, V) px
            with torch.no_grad():
                j = (torch.cdist(self.grid, uv) - r[:, None]).argmin(-1)  # (M, G)
            sd = (self.grid - _gather(uv, j)).norm(dim=-1) - torch.gather(r, 1, j)  # (M, G) px
            occ = torch.sigmoid(-sd / (0.5 * self.grid_step[:, None])) * self.grid_weight
            inter = (occ * self.grid_target).sum(-1)
            union = (occ + self.grid_target - occ * self.grid_target).sum(-1).clamp(min=1e-6)
            out = out + w_iou * (1 - inter / union).mean()
        return out


def _nearest(points: torch.Tensor, uv: torch.Tensor, skip: torch.Tensor | None = None) -> torch.Tensor:
    """(M, N, 2), (M, V, 2) → (M, N) index of the nearest uv (no gradient: the min's backward through a
    full (M, N, V) distance matrix would cost more than the whole rest of the fit). ``skip`` (M, N) bool:
    points that need no answer (index 0 there; covered pixels pull nothing)."""
    with torch.no_grad():
        if skip is None:
            return torch.cdist(points, uv).argmin(-1)
        out = torch.zeros(points.shape[:2], dtype=torch.long, device=points.device)
        for m in range(points.shape[0]):
            rows = torch.nonzero(~skip[m])[:, 0]
            if len(rows):
                out[m, rows] = torch.cdist(points[m, rows], uv[m]).argmin(-1)
        return out


def _gather(uv: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """(M, V, 2), (M, N) → (M, N, 2)."""
    return torch.gather(uv, 1, idx[..., None].expand(-1, -1, 2))
