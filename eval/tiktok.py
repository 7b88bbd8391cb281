"""TikTok-dance evaluation (DisCo / MagicAnimate Table 4 protocol) on the user-downloaded TikTok dataset.

Dataset layout (Jafarian & Park, CVPR 2021, as downloaded): ``ROOT/<video_id>/images/<frame>.png`` with
video ids ``00001`` … ``00340``. The test split defaults to DisCo's (:data:`DISCO_TEST_IDS`, videos 335–340);
pass your own id list when your copy of the split differs. Generated results are paired by video id and frame
order: ``GEN/<video_id>/<frame>.png`` (a frame folder) or ``GEN/<video_id>.mp4``.

Metrics: frame-averaged SSIM / PSNR / L1 / LPIPS (:class:`eval.frame_metrics.FrameMetrics`), frame FID
(:func:`eval.fid.make_fid`), and FVD over 16-frame clips at 224² (:class:`eval.fvd.FrechetVideoDistance`);
all frames are first resized to ``size``² (DisCo evaluates at 256²).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from eval.frame_metrics import FrameMetrics
from eval.fvd import CLIP_LEN, FrechetVideoDistance, video_to_clips
from eval.video_io import VIDEO_SUFFIXES, read_video, resize_frames, to_float_tensor

DISCO_TEST_IDS = tuple(f"{i:05d}" for i in range(335, 341))  # DisCo's TikTok test videos
FRAME_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass
class TikTokVideo:
    video_id: str
    frame_paths: list[Path]

    def load(self, size: int | None = None) -> np.ndarray:
        from revision.io import read_image

        frames = np.stack([np.asarray(read_image(p, max_pixels=100_000_000)) for p in self.frame_paths])
        return resize_frames(frames, size, size) if size else frames


def load_tiktok(root: str | Path, video_ids: Sequence[str] = DISCO_TEST_IDS) -> list[TikTokVideo]:
    """The test videos of the TikTok dataset under ``root``; a clear error naming what is missing."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"TikTok dataset not found at {root}: download it (Jafarian & Park, 'TikTok "
                                "Dataset', Kaggle/yasaminjafarian) and pass the folder holding 00001 … 00340")  # fmt: skip
    videos, missing = [], []
    for vid in video_ids:
        d = root / vid / "images"
        frames = sorted(p for p in d.glob("*") if p.suffix.lower() in FRAME_SUFFIXES) if d.is_dir() else []
        if frames:
            videos.append(TikTokVideo(vid, frames))
        else:
            missing.append(str(d))
    if missing:
        raise FileNotFoundError(f"{len(missing)} TikTok test video(s) missing: {', '.join(missing[:3])}")
    return videos


def load_generated(generated: str | Path, video_id: str, size: int | None = None) -> np.ndarray:
    """Generated frames for ``video_id``: ``GEN/<id>/`` frames or ``GEN/<id>.<mp4|gif|…>``."""
    generated = Path(generated)
    candidates = [generated / video_id] + [generated / f"{video_id}{s}" for s in VIDEO_SUFFIXES]
    for c in candidates:
        if c.exists():
            frames, _ = read_video(c)
            return resize_frames(frames, size, size) if size else frames
    raise FileNotFoundError(f"no generated result for TikTok video {video_id} in {generated}")


def evaluate_tiktok(gt: Sequence[tuple[str, np.ndarray]], generated: Sequence[np.ndarray], *,
                    lpips_net: nn.Module | None = None, fid_feature: nn.Module | None = None,
                    fvd_feature: nn.Module | None = None, batch: int = 16, progress: bool = True) -> dict:  # fmt: skip
    """Score generated videos against ground truth. ``gt``: (video_id, (F, S, S, 3) uint8); ``generated``: the same
    shapes (frames paired in order; extra frames of the longer one are dropped, and counted in the result).

    Metrics whose network is None are skipped (and listed under ``"skipped"``)."""
    frame_metrics = FrameMetrics(lpips_net=lpips_net)
    fid = None
    if fid_feature is not None:
        from eval.fid import make_fid

        fid = make_fid(feature=fid_feature)
    fvd = FrechetVideoDistance(feature=fvd_feature) if fvd_feature is not None else None
    dropped, n_clips = 0, 0
    for (vid, real), fake in tqdm(list(zip(gt, generated)), desc="tiktok", disable=not progress):
        if real.shape[1:] != fake.shape[1:]:
            raise ValueError(f"{vid}: ground truth {real.shape[1:]} and generated {fake.shape[1:]} frames differ in size")
        n = min(len(real), len(fake))
        dropped += abs(len(real) - len(fake))
        real, fake = real[:n], fake[:n]
        for i in range(0, n, batch):
            r, f = to_float_tensor(real[i : i + batch]), to_float_tensor(fake[i : i + batch])
            frame_metrics.update(f, r)
            if fid is not None:
                fid.update(torch.from_numpy(real[i : i + batch]).permute(0, 3, 1, 2).contiguous(), real=True)
                fid.update(torch.from_numpy(fake[i : i + batch]).permute(0, 3, 1, 2).contiguous(), real=False)
        if fvd is not None and n >= CLIP_LEN:
            rc, fc = video_to_clips(real, mode="all"), video_to_clips(fake, mode="all")
            fvd.update(torch.from_numpy(rc), real=True)
            fvd.update(torch.from_numpy(fc), real=False)
            n_clips += len(rc)
    out: dict = dict(frame_metrics.compute())
    out["frames"] = int(frame_metrics.frames)
    out["frames_dropped"] = dropped
    out["videos"] = len(gt)
    skipped = [m for m, net in (("lpips", lpips_net), ("fid", fid_feature), ("fvd", fvd_feature)) if net is None]
    if fid is not None:
        out["fid"] = float(fid.compute())
    if fvd is not None:
        if n_clips < 2:
            skipped.append("fvd")
        else:
            out["fvd"] = float(fvd.compute())
            out["fvd_clips"] = n_clips
    out["skipped"] = skipped
    return out
