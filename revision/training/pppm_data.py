"""Training data for the PPPM: clean motion clips from three sources, and the collate that perturbs them.

- :class:`ProceduralMotionDataset` — endless random clips from :mod:`revision.synthetic.motions`
  (humans, animals, objects; 1..``max_tracks`` tracks; random length, fps and motion strength).
- :class:`ShardMotionDataset` — the tracks of annotation / synthetic-world shards (:mod:`revision.shards`),
  cut into windows; frames with confidence 0 are kept as input but excluded from the loss.
- :class:`HumanML3DDataset` — HumanML3D-style ``.npy`` sequences, so "MoMask + PPPM" (paper Table 5) can be
  trained / run by users who have the data: ``new_joint_vecs/*.npy`` (F, 263) (``format="vecs263"``:
  root yaw/velocity integrated, the 21 ``rot_data`` 6D joint rotations used as SMPL-X body pose) or
  ``(F, 66|69)`` SMPL axis-angle (+ translation) arrays (``format="smpl_aa"``); captions from
  ``texts/<name>.txt`` (``caption#tokens#from#to`` lines, first line used).

A sample is :class:`MotionSample` (clean features); :class:`PerturbCollate` perturbs each track
(:func:`revision.pppm.perturb.perturb`), pads tracks/frames and embeds the captions.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset

from revision.pppm.perturb import MISSING, PerturbConfig, perturb
from revision.pppm.repair import repair as repair_track
from revision.pppm.representation import FEATURE_DIM, KIND_ID, encode_params
from revision.synthetic.motions import default_extrinsics, random_motion_sequence, to_camera

HUMANML3D_FPS = 20.0


@dataclass
class MotionSample:
    features: torch.Tensor  # (T, F, FEATURE_DIM) clean features
    kinds: torch.Tensor  # (T,) long, index into representation.KINDS
    loss_mask: torch.Tensor  # (T, F) bool: frames whose clean value is known
    caption: str
    strength: float


def sample_from_tracks(tracks, caption: str, strength: float | None, start: int = 0, length: int | None = None) -> MotionSample:
    """Track list → MotionSample for frames [start, start+length)."""
    feats, kinds, masks = [], [], []
    for tr in tracks:
        n = tr.num_frames if length is None else length
        sl = slice(start, start + n)
        params = {k: (np.asarray(v)[sl] if np.ndim(v) and np.shape(v)[0] == tr.num_frames else np.asarray(v))
                  for k, v in tr.params.items()}  # fmt: skip
        conf = np.asarray(tr.confidence)[sl] > 0
        first = int(np.argmax(conf)) if conf.any() else 0
        key = "points" if tr.kind == "object" else "transl"
        origin = params[key][first].mean(0) if tr.kind == "object" else params[key][first]
        feats.append(encode_params(tr.kind, params, origin=origin).features)
        kinds.append(KIND_ID[tr.kind])
        masks.append(torch.as_tensor(conf))
    return MotionSample(torch.stack(feats), torch.tensor(kinds), torch.stack(masks), caption,
                        0.5 if strength is None else float(strength))  # fmt: skip


class ProceduralMotionDataset(IterableDataset):
    """Endless procedural clips; deterministic for a given ``seed`` (per dataloader worker)."""

    def __init__(self, min_frames: int = 8, max_frames: int = 48, max_tracks: int = 2, seed: int = 0,
                 fps_range: tuple[float, float] = (5.0, 15.0), kind_weights: tuple[float, float, float] = (0.5, 0.25, 0.25),
                 vocabulary: str = "base"):  # fmt: skip
        self.min_frames, self.max_frames, self.max_tracks = min_frames, max_frames, max_tracks
        self.seed, self.fps_range, self.kind_weights = seed, fps_range, kind_weights
        self.vocabulary = vocabulary  # "base" library or "extended" (actions + training paraphrases)

    def captions(self) -> list[str]:
        """Every caption this dataset can produce (for precomputing text embeddings), or [] if too many."""
        from itertools import product

        from revision.synthetic.motions import ANIMAL_MOTIONS, HUMAN_MOTIONS, OBJECT_MOTIONS

        if self.vocabulary != "base":
            return []  # paraphrase combinations: embedded per batch (the encoder caches them)
        singles = sorted({c for _, c in HUMAN_MOTIONS.values()} | {c for _, c in ANIMAL_MOTIONS.values()}
                         | set(OBJECT_MOTIONS.values()))  # fmt: skip
        if len(singles) ** self.max_tracks > 20_000:
            return []
        return ["; ".join(c) for k in range(1, self.max_tracks + 1) for c in product(singles, repeat=k)]

    def sample(self, rng: np.random.Generator) -> MotionSample:
        n = int(rng.integers(self.min_frames, self.max_frames + 1))
        motion, caption = random_motion_sequence(
            n, rng, num_tracks=int(rng.integers(1, self.max_tracks + 1)), fps=float(rng.uniform(*self.fps_range)),
            kind_weights=self.kind_weights, vocabulary=self.vocabulary,
        )  # fmt: skip
        return sample_from_tracks(motion.tracks, caption, motion.motion_strength)

    def __iter__(self) -> Iterator[MotionSample]:
        info = torch.utils.data.get_worker_info()
        rng = np.random.default_rng([self.seed, 0 if info is None else info.id])
        while True:
            yield self.sample(rng)


class _WindowedMotions(Dataset):
    """A list of :class:`MotionSample` windows (``num_frames`` long, stride ``num_frames // 2``) of clips."""

    items: list[MotionSample]

    def _add_windows(self, tracks: list, caption: str, strength: float | None, n: int, num_frames: int) -> None:
        """Windows of the first ``n`` frames of ``tracks`` (:class:`revision.types.Track`)."""
        w = min(num_frames, n)
        for s in range(0, n - w + 1, max(1, w // 2)):
            self.items.append(sample_from_tracks(tracks, caption, strength, s, w))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> MotionSample:
        return self.items[i]


class ShardMotionDataset(_WindowedMotions):
    """Windows of ``num_frames`` frames (stride ``num_frames // 2``) from every shard under ``root``."""

    def __init__(self, root: str | os.PathLike, num_frames: int = 32, max_tracks: int = 8):
        from revision.shards import list_shards, read_shard

        paths = list_shards(root)
        if not paths:
            raise FileNotFoundError(f"no shards (*.npz) under {root}; build them with the annotation CLI or the synthetic world")
        self.items: list[MotionSample] = []
        for p in paths:
            sh = read_shard(p, load_frames=False)
            tracks = sh.motion.tracks[:max_tracks]
            if not tracks:
                continue
            self._add_windows(tracks, sh.caption, sh.motion.motion_strength, sh.motion.num_frames, num_frames)
        if not self.items:
            raise ValueError(f"the shards under {root} hold no tracks")


def humanml3d_vecs_to_params(vecs: np.ndarray) -> dict[str, np.ndarray]:
    """HumanML3D ``new_joint_vecs`` (F, 263) → SMPL-X-style params in HumanML3D's world (y up).

    Root: yaw from the integrated rotation velocity (stored as a half angle), position from the
    integrated root-frame velocity plus the stored height (HumanML3D's ``recover_root_rot_pos``).
    Body: ``rot_data`` (columns 67:193) are the 21 joints' 6D rotations (first two matrix columns).
    They come from HumanML3D's own IK against its skeleton's rest pose, so they approximate SMPL-X
    body_pose; root pitch/roll are not stored and are set to zero.
    """
    from scipy.spatial.transform import Rotation

    from revision.pppm.representation import rotation_6d_to_axis_angle

    v = np.asarray(vecs, np.float64)
    if v.ndim != 2 or v.shape[1] != 263:
        raise ValueError(f"HumanML3D new_joint_vecs must be (F, 263), got {v.shape}")
    n = v.shape[0]
    half = np.zeros(n)
    half[1:] = v[:-1, 0]
    half = np.cumsum(half)
    yaw = -2.0 * half  # body orientation = inverse of the facing-normalising rotation
    vel = np.zeros((n, 3))
    vel[1:, [0, 2]] = v[:-1, 1:3]
    pos = np.cumsum(Rotation.from_euler("y", yaw).apply(vel), axis=0)
    pos[:, 1] = v[:, 3]
    pose = rotation_6d_to_axis_angle(torch.as_tensor(v[:, 67:193].reshape(n, 21, 6), dtype=torch.float32))
    return {
        "global_orient": Rotation.from_euler("y", yaw).as_rotvec().astype(np.float32),
        "body_pose": pose.reshape(n, 63).numpy(),
        "betas": np.zeros(10, np.float32),
        "transl": pos.astype(np.float32),
    }


def humanml3d_aa_to_params(arr: np.ndarray) -> dict[str, np.ndarray]:
    """(F, 66) SMPL axis-angle (root + 21 body joints) or (F, 69) with translation → params (y up)."""
    a = np.asarray(arr, np.float32)
    if a.ndim != 2 or a.shape[1] not in (66, 69):
        raise ValueError(f"smpl_aa arrays must be (F, 66) or (F, 69), got {a.shape}")
    transl = a[:, 66:69] if a.shape[1] == 69 else np.zeros((len(a), 3), np.float32)
    return {"global_orient": a[:, :3], "body_pose": a[:, 3:66], "betas": np.zeros(10, np.float32), "transl": transl}


def read_humanml3d_caption(text_dir: Path, name: str) -> str:
    p = text_dir / f"{name}.txt"
    if not p.is_file():
        return ""
    first = p.read_text().strip().splitlines()
    return first[0].split("#")[0].strip() if first else ""


class HumanML3DDataset(_WindowedMotions):
    """HumanML3D-style ``.npy`` motions under ``root`` (``root/new_joint_vecs`` or ``root`` itself),
    resampled from 20 fps to ``fps`` and cut into windows of ``num_frames``."""

    def __init__(self, root: str | os.PathLike, num_frames: int = 32, format: str = "vecs263", fps: float = 10.0,
                 strength: float = 0.5):  # fmt: skip
        root = Path(root)
        motion_dir = root / "new_joint_vecs" if (root / "new_joint_vecs").is_dir() else root
        files = sorted(motion_dir.glob("*.npy"))
        if not files:
            raise FileNotFoundError(f"no .npy motions under {motion_dir}")
        convert: Callable = {"vecs263": humanml3d_vecs_to_params, "smpl_aa": humanml3d_aa_to_params}.get(format)
        if convert is None:
            raise ValueError(f"format must be 'vecs263' or 'smpl_aa', got {format!r}")
        R, t = default_extrinsics()
        step = HUMANML3D_FPS / fps
        self.items: list[MotionSample] = []
        from revision.types import Track

        for f in files:
            params = convert(np.load(f))
            idx = np.round(np.arange(0, len(params["transl"]), step)).astype(int)
            idx = idx[idx < len(params["transl"])]
            params = {k: (v[idx] if k != "betas" else v) for k, v in params.items()}
            params = to_camera("smplx", params, R, t)
            n = len(idx)
            if n < 4:
                continue
            caption = read_humanml3d_caption(root / "texts", f.stem)
            tr = Track(0, "smplx", params, np.ones(n, np.float32), f.stem)
            self._add_windows([tr], caption, strength, n, num_frames)
        if not self.items:
            raise ValueError(f"no usable motions (>= 4 frames at {fps} fps) under {motion_dir}")


class PerturbCollate:
    """list[MotionSample] → padded batch dict with perturbed inputs and clean targets.

    ``repair`` (a :data:`revision.pppm.repair.REPAIRS` mode): fully observed perturbed tracks go through
    :func:`revision.pppm.repair.repair` first (with probability ``p_repair``; the others stay raw), so the
    network is trained on what :func:`revision.pppm.refine.refine` feeds it.

    Keys: ``x`` / ``clean`` (B, T, F, D), ``kind`` (B, T), ``state`` (B, T, F), ``valid`` (B, T, F)
    (False = padding), ``loss_mask`` (B, T, F), ``text`` (B, text_dim), ``strength`` (B,).
    """

    def __init__(self, embed: Callable[[list[str]], torch.Tensor], cfg: PerturbConfig = PerturbConfig(), seed: int = 0,
                 repair: str = "none", p_repair: float = 1.0):  # fmt: skip
        from revision.pppm.repair import REPAIRS

        if repair not in REPAIRS:
            raise ValueError(f"repair must be one of {REPAIRS}, got {repair!r}")
        self.embed, self.cfg, self.repair, self.p_repair = embed, cfg, repair, p_repair
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self, samples: list[MotionSample]) -> dict[str, torch.Tensor]:
        b = len(samples)
        t = max(s.features.shape[0] for s in samples)
        f = max(s.features.shape[1] for s in samples)
        x = torch.zeros(b, t, f, FEATURE_DIM)
        clean = torch.zeros_like(x)
        kind = torch.zeros(b, t, dtype=torch.long)
        state = torch.zeros(b, t, f, dtype=torch.long)
        valid = torch.zeros(b, t, f, dtype=torch.bool)
        loss_mask = torch.zeros(b, t, f, dtype=torch.bool)
        for i, s in enumerate(samples):
            for j in range(s.features.shape[0]):
                n = s.features.shape[1]
                p = perturb(s.features[j], self.cfg, self.generator)
                if (self.repair != "none" and not bool((p.state == MISSING).any())
                        and float(torch.rand((), generator=self.generator)) < self.p_repair):  # fmt: skip
                    p.x = repair_track(p.x, self.repair)  # as refine() does on fully observed tracks
                x[i, j, :n], clean[i, j, :n], state[i, j, :n] = p.x, s.features[j], p.state
                valid[i, j, :n] = True
                loss_mask[i, j, :n] = s.loss_mask[j]
                kind[i, j] = s.kinds[j]
        text = self.embed([s.caption for s in samples])
        strength = torch.tensor([s.strength for s in samples], dtype=torch.float32)
        return {"x": x, "clean": clean, "kind": kind, "state": state, "valid": valid, "loss_mask": loss_mask,
                "text": text, "strength": strength}  # fmt: skip

