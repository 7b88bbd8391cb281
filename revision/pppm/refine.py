"""Inference: refine a :class:`MotionSequence` with a PPPM (S2c).

:func:`refine` reads as numbered steps: check inputs → text embedding → encode tracks → (optionally)
grow the clip in stages, 8 → 16 → 32 frames by interpolation or 32 → 64 → 128 by extrapolation, running
the model at each stage → enforce the pinned frames → decode back to Track params.

Pinned frames are *reached exactly*: the first observed frame of every track always, and the optional
``pinned_last`` target pose on the last output frame. The model sees them flagged as pinned; after it,
the remaining offset at a pinned frame is removed with a smooth ramp (smoothstep weights), so the
motion stays smooth and hits the pins to float precision.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch

from revision.pppm.model import PPPM
from revision.pppm.perturb import MISSING, OBSERVED, PINNED, fill_missing
from revision.pppm.repair import repair as repair_track
from revision.pppm.representation import KIND_ID, MOTION_KEYS, EncodedTrack, decode_features, encode_params
from revision.pppm.text import TextEncoder, TextEncoderMismatchError, check_text_encoder, load_text_encoder
from revision.types import MotionSequence, Track

GrowMode = Literal["interpolate", "extrapolate"]


def _smoothstep(u: torch.Tensor) -> torch.Tensor:
    u = u.clamp(0, 1)
    return u * u * (3 - 2 * u)


def enforce_pins(x: torch.Tensor, target: torch.Tensor, first: int, last: int | None, ramp: int = 8) -> torch.Tensor:
    """(F, D) prediction, (F, D) pin values → (F, D) hitting ``target[first]`` (and ``target[last]``) exactly.

    With both pins the offsets are blended by a smoothstep across [first, last]; with the first pin only
    its offset fades out over ``ramp`` frames.
    """
    n = x.shape[0]
    f = torch.arange(n, dtype=x.dtype)
    c0 = target[first] - x[first]
    if last is None:
        w0 = 1 - _smoothstep((f - first) / max(1, min(ramp, n - 1 - first)))
        w0 = torch.where(f < first, torch.ones_like(w0), w0)
        return x + w0[:, None] * c0
    c1 = target[last] - x[last]
    w = _smoothstep((f - first) / max(1, last - first))
    return x + (1 - w)[:, None] * c0 + w[:, None] * c1


def text_embedding(model: PPPM, text: str | torch.Tensor, encoder: TextEncoder | None = None) -> torch.Tensor:
    """A prompt (str) or a precomputed embedding (dim,) / (L, dim) → (1, dim) or (1, L, dim) on CPU."""
    cfg = model.config
    if isinstance(text, str):
        enc = encoder or load_text_encoder(cfg.text_encoder)
        check_text_encoder(cfg.text_encoder, cfg.text_dim, enc)
        return enc.encode([text])
    emb = torch.as_tensor(text, dtype=torch.float32)
    if emb.shape[-1] != cfg.text_dim or emb.ndim not in (1, 2, 3):
        raise TextEncoderMismatchError(
            f"text embedding of shape {tuple(emb.shape)} does not fit this PPPM, trained with "
            f"{cfg.text_encoder!r} ({cfg.text_dim}-d); pass (dim,), (L, dim) or the prompt string"
        )
    return emb[None] if emb.ndim < 3 else emb


def _pinned_features(enc: EncodedTrack, params: dict[str, np.ndarray]) -> torch.Tensor:
    """Track-like params of one pose ((3,) or (1, 3), ...) → (D,) features relative to ``enc.origin``."""
    keys = MOTION_KEYS[enc.kind]
    missing = [k for k in keys if k not in params]
    if missing:
        raise ValueError(f"pinned_last for a {enc.kind} track needs {list(keys)}; missing {missing}")
    one = {}
    for k in keys:
        v = np.asarray(params[k], np.float32)
        one[k] = v.reshape(1, *((21, 3) if k == "points" else (v.size,)))
    return encode_params(enc.kind, one, origin=enc.origin).features[0]


def _check_inputs(model: PPPM, motion: MotionSequence, strength: float, num_frames_out: int | None,
                  pinned_last: dict | None, mode: str) -> None:  # fmt: skip
    if not motion.tracks:
        raise ValueError("refine needs at least one track")
    if len(motion.tracks) > model.config.max_tracks:
        raise ValueError(f"{len(motion.tracks)} tracks; this PPPM handles at most {model.config.max_tracks}")
    if not 0.0 <= float(strength) <= 1.0:
        raise ValueError(f"motion strength must be in [0, 1], got {strength}")
    if num_frames_out is not None and num_frames_out < 2:
        raise ValueError(f"num_frames_out must be >= 2, got {num_frames_out}")
    if mode not in ("interpolate", "extrapolate"):
        raise ValueError(f"mode must be 'interpolate' or 'extrapolate', got {mode!r}")
    ids = {t.track_id for t in motion.tracks}
    unknown = set(pinned_last or {}) - ids
    if unknown:
        raise ValueError(f"pinned_last names unknown track ids {sorted(unknown)}; tracks are {sorted(ids)}")
    for t in motion.tracks:
        if not (np.asarray(t.confidence) > 0).any():
            raise ValueError(f"track {t.track_id} has no observed frame (confidence all 0)")


def _stages(n_in: int, n_out: int) -> list[int]:
    """Frame counts of the growth stages: doubling from ``n_in`` until ``n_out`` (8 → 16 → 32)."""
    sizes = [n_in]
    while sizes[-1] < n_out:
        sizes.append(min(2 * sizes[-1], n_out))
    return sizes[1:]


@torch.inference_mode()
def _run(model: PPPM, x: torch.Tensor, kinds: torch.Tensor, state: torch.Tensor, text: torch.Tensor,
         strength: float) -> torch.Tensor:  # fmt: skip
    """x (T, F, D), state (T, F) → (T, F, D)."""
    dev = next(model.parameters()).device
    valid = torch.ones(state.shape, dtype=torch.bool)
    out = model(x[None].to(dev), kinds[None].to(dev), state[None].to(dev), valid[None].to(dev),
                text.to(dev), torch.tensor([float(strength)], device=dev))  # fmt: skip
    return out[0].float().cpu()


def refine(
    model: PPPM,
    motion: MotionSequence,
    text: str | torch.Tensor,
    strength: float,
    num_frames_out: int | None = None,
    pinned_last: dict[int, dict[str, np.ndarray]] | None = None,
    *,
    mode: GrowMode = "interpolate",
    text_encoder: TextEncoder | None = None,
    reference_strength: float | None | Literal["motion"] = "motion",
    repair: str = "stutter+order",
) -> MotionSequence:
    """Denoise ``motion`` (and grow it to ``num_frames_out`` frames) with the PPPM.

    ``text``: the prompt (encoded with the checkpoint's text encoder) or a precomputed embedding.
    ``strength``: motion strength 0..1 (0.3 direct, 0.7 more dynamic). ``num_frames_out`` > F grows the
    clip in doubling stages: ``mode="interpolate"`` keeps the duration (denser frames, fps scaled up),
    ``"extrapolate"`` continues the motion past the last frame (same fps). ``pinned_last``: track id →
    Track-like params of one pose (e.g. ``{"global_orient": (3,), "body_pose": (63,), "transl": (3,)}``)
    that the last output frame must reach. Frames with confidence 0 are treated as missing.

    Motion strength acts twice: as the model's condition token, and explicitly — the input's motion
    about its first frame is scaled by ``amplitude(strength) / amplitude(reference_strength)`` with the
    library's ``amplitude(s) = 0.35 + 0.9 s`` (gain clamped to [0.4, 2.5]), so 0.7 is visibly larger and
    faster than 0.3 (extrapolated frames also follow the tempo ratio ``(0.6 + 0.8 s) / (0.6 + 0.8 s_ref)``).
    ``reference_strength="motion"`` (default) uses ``motion.motion_strength`` (no scaling
    when it is None or equal to ``strength``); ``None`` disables the explicit scaling.

    ``repair``: fully observed tracks first get :func:`revision.pppm.repair.repair` in this mode:
    ``"stutter+order"`` (default: a frozen run of exactly repeated frames followed by a jump is re-timed and
    the skipped span interpolated, then one out-of-order window is put back in order; on clean held-out
    procedural clips at 4–15 fps the reorder also straightens about 1 % of genuine quick back-and-forth
    moves, see :func:`revision.pppm.repair.repair`), ``"stutter"`` or ``"none"``.

    Returns a new sequence. Output confidence is the input's, carried through: linearly interpolated at
    each output frame's input time, so frames where nothing was observed (confidence 0) stay 0 even
    though the model filled them; frames past the input's end (extrapolation) take half the last
    input confidence; a pinned last frame (``pinned_last``) has confidence 1.
    """
    # 1. check inputs and embed the text
    _check_inputs(model, motion, strength, num_frames_out, pinned_last, mode)
    model.eval()
    emb = text_embedding(model, text, text_encoder)
    n_in = motion.num_frames
    n_out = num_frames_out or n_in

    # 2. encode every track relative to its first observed frame
    encs, observed, firsts = [], [], []
    for tr in motion.tracks:
        obs = torch.as_tensor(np.asarray(tr.confidence) > 0)
        first = int(torch.nonzero(obs)[0])
        params = {k: np.asarray(v) for k, v in tr.params.items()}
        enc = encode_params(tr.kind, params, origin=_origin(tr.kind, params, first))
        enc.features = fill_missing(enc.features, obs)
        if repair != "none" and bool(obs.all()):
            enc.features = repair_track(enc.features, repair)
        encs.append(enc)
        observed.append(obs)
        firsts.append(first)
    kinds = torch.tensor([KIND_ID[t.kind] for t in motion.tracks])
    x = torch.stack([e.features for e in encs])  # (T, F, D)
    ref = motion.motion_strength if reference_strength == "motion" else reference_strength
    tempo = 1.0
    if ref is not None:
        gain = float(np.clip(strength_amplitude(strength) / strength_amplitude(float(ref)), 0.4, 2.5))
        tempo = float(np.clip((0.6 + 0.8 * strength) / (0.6 + 0.8 * float(ref)), 0.5, 2.0))
        x = torch.stack([xi[f] + gain * (xi - xi[f]) for xi, f in zip(x, firsts)])
    obs = torch.stack(observed)  # (T, F)
    first_vals = [e.features[f].clone() for e, f in zip(encs, firsts)]
    last_vals = {
        i: _pinned_features(encs[i], pinned_last[tr.track_id])
        for i, tr in enumerate(motion.tracks)
        if pinned_last and tr.track_id in pinned_last
    }

    # 3. downsampling (n_out < n_in) is a plain resample before refinement
    if n_out < n_in:
        idx = torch.round(torch.linspace(0, n_in - 1, n_out)).long()
        x, obs = x[:, idx], obs[:, idx]
        firsts = [int(torch.nonzero(o)[0]) for o in obs]
        n_in = n_out

    # 4. refine at the input length, then grow stage by stage
    x = _refine_stage(model, x, obs, kinds, firsts, first_vals, last_vals, emb, strength)
    for n in _stages(n_in, n_out):
        n_cur = x.shape[1]
        grown = torch.zeros(x.shape[0], n, x.shape[2])
        placed = torch.zeros(x.shape[0], n, dtype=torch.bool)
        if mode == "interpolate":
            pos = torch.round(torch.arange(n_cur) * (n - 1) / max(1, n_cur - 1)).long()
            firsts = [int(pos[f]) for f in firsts]
        else:
            pos = torch.arange(n_cur)
        grown[:, pos] = x
        placed[:, pos] = True
        grown = torch.stack([fill_missing(g, p) for g, p in zip(grown, placed)])
        if mode == "extrapolate":  # new frames start from the point reflection of the last ones (inertia),
            # played at the strength's tempo ratio
            k = torch.round(torch.arange(1, n - n_cur + 1) * tempo).long().clamp(1, n_cur - 1)
            grown[:, n_cur:] = 2 * x[:, n_cur - 1 : n_cur] - x[:, n_cur - 1 - k]
        x = _refine_stage(model, grown, placed, kinds, firsts, first_vals, last_vals, emb, strength)

    # 5. decode; confidence carried through from the input
    tracks = []
    for tr, enc, feats in zip(motion.tracks, encs, x):
        params = decode_features(feats, tr.kind, enc.origin, enc.constants)
        conf = carried_confidence(np.asarray(tr.confidence, np.float32), n_out, mode)
        if pinned_last and tr.track_id in pinned_last:
            conf[-1] = 1.0
        tracks.append(Track(tr.track_id, tr.kind, params, conf, tr.label))
    fps = motion.fps
    if mode == "interpolate" and motion.num_frames > 1 and n_out != motion.num_frames:
        fps = motion.fps * (n_out - 1) / (motion.num_frames - 1)
    return MotionSequence(tracks, motion.camera, n_out, float(fps), float(strength))


def strength_amplitude(strength: float) -> float:
    """The procedural library's amplitude multiplier of motion strength: ``0.35 + 0.9 s``."""
    return 0.35 + 0.9 * float(strength)


def carried_confidence(conf: np.ndarray, n_out: int, mode: str = "interpolate") -> np.ndarray:
    """(F,) input confidence → (n_out,) output confidence (see :func:`refine`)."""
    n_in = len(conf)
    if n_out == n_in:
        return conf.astype(np.float32).copy()
    if mode == "extrapolate" and n_out > n_in:
        return np.concatenate([conf, np.full(n_out - n_in, 0.5 * conf[-1])]).astype(np.float32)
    t = np.linspace(0, n_in - 1, n_out)
    return np.interp(t, np.arange(n_in), conf).astype(np.float32)


def _origin(kind: str, params: dict[str, np.ndarray], first: int) -> np.ndarray:
    if kind == "object":
        return np.asarray(params["points"][first], np.float32).mean(0)
    return np.asarray(params["transl"][first], np.float32)


def _refine_stage(model, x, obs, kinds, firsts, first_vals, last_vals, emb, strength) -> torch.Tensor:
    """One model pass over (T, F, D) with pins set in the input and enforced on the output."""
    n = x.shape[1]
    state = torch.where(obs, OBSERVED, MISSING)
    target = x.clone()
    for i in range(x.shape[0]):
        target[i, firsts[i]] = first_vals[i]
        state[i, firsts[i]] = PINNED
        if i in last_vals:
            # lead the input towards the target pose so the model starts from a consistent path
            off = last_vals[i] - x[i, -1]
            w = _smoothstep((torch.arange(n, dtype=x.dtype) - firsts[i]) / max(1, n - 1 - firsts[i]))
            x[i] = x[i] + w[:, None] * off
            target[i, -1] = last_vals[i]
            state[i, -1] = PINNED
        x[i, firsts[i]] = first_vals[i]
    out = _run(model, x, kinds, state, emb, strength)
    return torch.stack(
        [enforce_pins(out[i], target[i], firsts[i], n - 1 if i in last_vals else None) for i in range(x.shape[0])]
    )
