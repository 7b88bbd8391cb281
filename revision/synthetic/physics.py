"""Simple rigid-ball physics for the synthetic world: gravity, ground bounces, body collisions, hands.

World frame as in :mod:`revision.synthetic.motions` (y up, ground at y = 0). A ball is a point mass
with radius ``r`` integrated with explicit Euler at ``substeps`` per frame:

- gravity ``−9.81 m/s²`` along y; ground contact at ``y = r`` reflects ``v_y`` with ``restitution``
  (below 0.3 m/s it comes to rest) and Coulomb-like sliding friction slows ``v_xz``;
- body collisions: every body capsule (segment + radius, moving per frame) pushes the ball out along
  the contact normal and reflects the normal velocity with ``restitution`` (plus the capsule's speed);
- hands: while *attached*, the ball follows a hand point (held); at ``release`` frame it leaves with the
  hand's velocity times ``throw_gain`` (a throw). A free ball that comes within ``grab_distance`` of a
  grabbing hand attaches to it (a pick-up).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GRAVITY = 9.81


@dataclass(frozen=True)
class BallConfig:
    radius: float = 0.12  # metres
    restitution: float = 0.6  # bounce: fraction of normal speed kept
    friction: float = 0.4  # ground sliding friction coefficient
    substeps: int = 24  # Euler steps per frame
    grab_distance: float = 0.06  # metres between ball surface and hand that counts as a grab
    throw_gain: float = 1.6  # release velocity = gain x hand velocity (+ lift)
    throw_lift: float = 1.5  # m/s added upwards at release


def _closest_on_segment(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    denom = float(ab @ ab)
    s = 0.0 if denom < 1e-12 else float(np.clip((p - a) @ ab / denom, 0.0, 1.0))
    return a + s * ab


def simulate_ball(
    num_frames: int,
    fps: float,
    p0: np.ndarray,
    v0: np.ndarray,
    cfg: BallConfig = BallConfig(),
    capsules: np.ndarray | None = None,
    capsule_radii: np.ndarray | None = None,
    hand: np.ndarray | None = None,
    held_until: int = -1,
    grab_from: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Ball centre per frame (F, 3) and its state per frame (F,) int: 0 free, 1 held.

    ``capsules`` (F, C, 2, 3) body segments with ``capsule_radii`` (C,); ``hand`` (F, 3) a hand point.
    The ball is held by the hand for frames ``<= held_until`` and thrown at ``held_until + 1``; from
    frame ``grab_from`` on, a free ball that touches the hand is picked up and held to the end.
    """
    F = num_frames
    pos = np.zeros((F, 3))
    state = np.zeros(F, np.int64)
    p, v = np.asarray(p0, float).copy(), np.asarray(v0, float).copy()
    held = hand is not None and held_until >= 0
    dt = 1.0 / (fps * cfg.substeps)
    for f in range(F):
        if hand is not None and held and (f <= held_until or grab_from is not None and f >= grab_from):
            p = hand[f].copy()
            if f + 1 < F:
                v = (hand[f + 1] - hand[f]) * fps
            pos[f], state[f] = p, 1
            if f == held_until and grab_from is None:  # release: a throw
                v = v * cfg.throw_gain + np.array([0.0, cfg.throw_lift, 0.0])
                held = False
            continue
        pos[f] = p
        if f + 1 == F:
            break
        for k in range(cfg.substeps):
            v[1] -= GRAVITY * dt
            p = p + v * dt
            if p[1] < cfg.radius:  # ground
                p[1] = cfg.radius
                v[1] = -v[1] * cfg.restitution if abs(v[1]) > 0.3 else 0.0
                sp = np.hypot(v[0], v[2])
                if sp > 0:
                    scale = max(0.0, sp - cfg.friction * GRAVITY * dt) / sp
                    v[0] *= scale
                    v[2] *= scale
            if capsules is not None and capsule_radii is not None:
                w = (k + 1) / cfg.substeps  # capsules interpolated between frames f and f+1
                segs = capsules[f] * (1 - w) + capsules[f + 1] * w
                seg_vel = (capsules[f + 1] - capsules[f]).mean(1) * fps
                for c in range(segs.shape[0]):
                    q = _closest_on_segment(p, segs[c, 0], segs[c, 1])
                    d = p - q
                    dist = float(np.linalg.norm(d))
                    gap = cfg.radius + float(capsule_radii[c])
                    if 1e-9 < dist < gap:
                        n = d / dist
                        p = q + n * gap
                        rel = v - seg_vel[c]
                        vn = float(rel @ n)
                        if vn < 0:
                            v = v - (1 + cfg.restitution) * vn * n
            if hand is not None and grab_from is not None and f + 1 >= grab_from and not held:
                if np.linalg.norm(p - hand[f + 1]) < cfg.radius + cfg.grab_distance:
                    held = True
                    break
    return pos, state


def ball_on_ground_below(hand: np.ndarray, radius: float) -> tuple[np.ndarray, int]:
    """Where to place a resting ball so that the hand's lowest point reaches it: (3,) position, frame."""
    f = int(np.argmin(hand[:, 1]))
    p = hand[f].copy()
    p[1] = radius
    return p, f
