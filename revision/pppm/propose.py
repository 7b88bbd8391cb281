"""Motion proposal from the prompt (S2c when the coarse clip carries no usable motion).

:func:`propose_motion` turns the photo's first-frame 3D bodies, the prompt, the motion strength and an
optional sketch target into a motion, in numbered steps:

1. **match** the prompt to the action vocabulary (:func:`match_action`): nearest neighbour of its text
   embedding among the *training* paraphrases (:data:`revision.synthetic.captions.TRAIN_PARAPHRASES`,
   the shipped MiniLM encoder by default), a small bonus for the action's verb in the prompt, then
   keyword cues for the side / direction ("left", "right", "both", "towards", "away");
2. **generate** that action with the procedural library (:data:`revision.synthetic.motions.EXTRA_HUMAN_MOTIONS`,
   deterministic: amplitude ``0.35 + 0.9 s``, tempo ``0.6 + 0.8 s``) *from the photo's pose*: the joints
   the action drives blend from the fitted pose into the action over ``ramp_s`` seconds, the others keep
   the fitted pose; the root turns/bends relative to the fitted orientation, translations follow the body's
   heading (walk directions turn the body first), the body shape is kept. Objects move by the library's
   ballistic physics (fall, bounce, roll, slide, throw) from where they are;
3. **sketch target** (``target``): the pinned joints / root reach the drawn pose on the last frame
   (a smoothstep blend over the second half), the others keep moving;
4. **PPPM** (``pppm``, optional) refines the proposal conditioned on the prompt and strength, frame 0
   pinned and the sketch target pinned last;
5. **physics** (:mod:`revision.pppm.physics`, in each body's own ground frame): ground contact, foot lock,
   stay in frame (runs may leave; walks only when the prompt says so, else they are slowed to stay in;
   raises bend the elbows and jumps lower their flight to keep the hands / the head in the picture);
   then the sketch target is re-enforced on the root so the last frame ends where drawn.

Every person moves (the prompt applies to all of them); an unknown prompt or "stand still" gives a near
still motion. Frame 0 of every track equals the input's frame 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from revision.pppm.physics import (
    R_WC,
    PhysicsConfig,
    apply_physics,
    body_points,
    even_pace,
    foot_heights,
    foot_positions,
    ground_frame,
)
from revision.pppm.representation import MOTION_KEYS
from revision.pppm.text import MINILM
from revision.synthetic import captions as C
from revision.synthetic import motions as M
from revision.types import MotionSequence, Track

SIDED = {"wave": ("left", "right", "both"), "raise": ("left", "right", "both"), "point": ("left", "right"),
         "kick": ("left", "right"), "turn_head": ("left", "right"),
         "walk": ("left", "right", "towards", "away")}  # fmt: skip  # base action → the variants it has
VERB_CUES: dict[str, tuple[str, ...]] = {
    "wave": ("wave", "waving"), "raise": ("raise", "raising", "lift", "lifting", "put up", "puts up", "hands up", "arms up"),
    "clap": ("clap", "applau"), "point": ("point",), "reach": ("reach", "grab"), "bow": ("bow",), "nod": ("nod",),
    "turn_head": ("look", "glanc"), "turn_around": ("turn around", "turns around", "spin"),
    "walk": ("walk", "stroll", "on foot", "steps"), "run": ("run", "jog", "sprint", "dash"),
    "jump": ("jump", "hop", "leap"), "squat": ("squat", "crouch"), "sit_down": ("sit", "seat"),
    "kick": ("kick",), "dance": ("danc",), "stand_still": ("still", "not move", "motionless", "without moving"),
    "fall": ("fall", "drop"), "bounce": ("bounc",), "roll": ("roll",), "slide": ("slide", "sliding", "slides"),
    "throw": ("throw", "thrown", "toss"),
}  # fmt: skip
TOWARDS = ("toward", "closer", "approach", "up to the camera", "to the camera", "to us")


def base_action(action: str) -> str:
    """ "wave_left" → "wave", "turn_head_right" → "turn_head", "clap" → "clap"."""
    head, _, tail = action.rpartition("_")
    return head if head and tail in ("left", "right", "both", "towards", "away") else action


@dataclass
class ActionMatch:
    action: str  # action id (captions.TRAIN_PARAPHRASES key), e.g. "raise_both"
    similarity: float  # cosine similarity to the nearest training paraphrase (with the verb bonus)
    paraphrase: str  # that paraphrase
    cues: list[str] = field(default_factory=list)  # keyword cues that changed or confirmed the variant


@lru_cache(maxsize=4)
def _index(encoder_id: int, encoder) -> tuple[list[str], list[str], torch.Tensor]:
    actions, texts = [], []
    for a, ps in C.TRAIN_PARAPHRASES.items():
        actions += [a] * len(ps)
        texts += list(ps)
    emb = torch.nn.functional.normalize(encoder.encode(texts).float(), dim=-1)
    return actions, texts, emb


def _has(prompt: str, cue: str) -> bool:
    return re.search(r"\b" + re.escape(cue), prompt) is not None


def side_cue(prompt: str) -> str | None:
    p = prompt.lower()
    if _has(p, "both") or _has(p, "two") or re.search(r"\b(arms|hands)\b", p):
        return "both"
    left, right = _has(p, "left"), _has(p, "right")
    if left != right:
        return "left" if left else "right"
    return None


def direction_cue(prompt: str) -> str | None:
    p = prompt.lower()
    if _has(p, "away") or _has(p, "into the distance") or _has(p, "background"):
        return "away"
    if any(_has(p, c) for c in TOWARDS):
        return "towards"
    left, right = _has(p, "left"), _has(p, "right")
    if left != right:
        return "left" if left else "right"
    return None


def match_action(prompt: str, text_encoder=None, *, kinds: tuple[str, ...] = ("person", "object"),
                 verb_bonus: float = 0.15) -> ActionMatch:  # fmt: skip
    """Prompt → the nearest action among the training paraphrases of ``kinds`` (see module doc)."""
    enc = text_encoder or _default_encoder()
    actions, texts, emb = _index(id(enc), enc)
    q = torch.nn.functional.normalize(enc.encode([prompt]).float(), dim=-1)[0]
    sim = emb @ q
    p = prompt.lower()
    allowed = torch.tensor([("object" if a in C.OBJECT_ACTIONS else "person") in kinds for a in actions])
    bonus = torch.tensor([verb_bonus if any(_has(p, c) for c in VERB_CUES.get(base_action(a), ())) else 0.0
                          for a in actions])  # fmt: skip
    score = torch.where(allowed, sim + bonus, torch.full_like(sim, -9.0))
    i = int(score.argmax())
    action, cues = actions[i], []
    base = base_action(action)
    if base in SIDED:
        cue = direction_cue(prompt) if base == "walk" else side_cue(prompt)
        if cue == "both" and "both" not in SIDED[base]:
            cue = None
        how = "keyword"
        if cue is None and action.endswith(("_left", "_both", "_away")):  # no side said: the default variant
            cue, how = ("towards" if base == "walk" else "right"), "default"
        if cue is not None and f"{base}_{cue}" != action:
            cues.append(f"{cue} ({how})")
            action = f"{base}_{cue}"
    return ActionMatch(action, float(score[i]), texts[i], cues)


@lru_cache(maxsize=1)
def _default_encoder():
    from revision.pppm.text import load_text_encoder

    return load_text_encoder(MINILM)


# ------------------------------------------------------------------------------------------- the proposal
@dataclass
class ProposeConfig:
    ramp_s: float = 0.4  # seconds over which the driven joints blend from the photo's pose into the action
    min_similarity: float = 0.35  # below this the prompt is "unknown" and people stand still
    target_blend_from: float = 0.5  # the sketch target blends in over [this fraction of the clip, last frame]
    physics: PhysicsConfig = field(default_factory=PhysicsConfig)
    object_default_heading: float = np.pi / 2  # rolling/sliding/thrown objects go image-right unless told
    even_pace: bool = True  # walks re-timed so their foot-locked travel is even (physics.even_pace; not runs:
    # with PPPM refining the proposal a re-timed run fell below running speed)
    even_pace_iterations: int = 3


def _yaw(a) -> Rotation:
    """Yaw about world +y: a scalar → one rotation, (F,) → F rotations."""
    a = np.asarray(a, float)
    return Rotation.from_euler("y", a if a.ndim == 0 else a[:, None])


def _heading_of(rot_w: Rotation) -> float:
    f = rot_w.apply([0.0, 0.0, 1.0])
    return float(np.arctan2(f[0], f[2]))


def _wrap(a: float) -> float:
    return float((a + np.pi) % (2 * np.pi) - np.pi)


def _blend(r0: Rotation, r1: Rotation, w: np.ndarray) -> Rotation:
    """Per-frame geodesic blend from r0 (F or 1) to r1 (F) with weights w (F,)."""
    rel = (r0.inv() * r1).as_rotvec()
    return r0 * Rotation.from_rotvec(rel * np.asarray(w)[:, None])


def _action_body(action: str, num_frames: int, fps: float, strength: float,
                 times: np.ndarray | None = None, phase: float = 0.0) -> M.BodyMotion:  # fmt: skip
    v = M.Variation(0.6 + 0.8 * strength, 0.35 + 0.9 * strength, float(phase), 0.0)
    return M.EXTRA_HUMAN_MOTIONS[action](np.arange(num_frames) / fps if times is None else times, v)


ANIMAL_FOR = {"walk": "walk", "run": "trot", "jump": "jump", "sit_down": "sit", "squat": "sit", "turn_around": "turn",
              "stand_still": None}  # fmt: skip  # person action base → SMAL motion (others: "wag")


def _animal_body(action: str, num_frames: int, fps: float, strength: float) -> M.BodyMotion | None:
    name = ANIMAL_FOR.get(base_action(action), "wag")
    if name is None:
        return None
    v = M.Variation(0.6 + 0.8 * strength, 0.35 + 0.9 * strength, 0.0, 0.0)
    pose, root, transl = M.ANIMAL_MOTIONS[name][0](np.arange(num_frames) / fps, v)
    return M.BodyMotion(pose, root, transl)


ARM_POSE_JOINTS = frozenset(M.SMPLX_BODY_JOINTS.index(f"{s}_{p}") for s in ("left", "right")
                            for p in ("collar", "shoulder", "elbow", "wrist"))  # fmt: skip  # body_pose indices
LEG_CHAINS = tuple(tuple(M.SMPLX_BODY_JOINTS.index(f"{s}_{p}") for p in ("hip", "knee", "ankle", "foot"))
                   for s in ("left", "right"))  # fmt: skip  # body_pose indices, in foot_positions' order
LEG_POSE_JOINTS = frozenset(j for chain in LEG_CHAINS for j in chain)


SHOULDER_ELBOW = ((M.SMPLX_BODY_JOINTS.index("right_shoulder"), M.SMPLX_BODY_JOINTS.index("right_elbow"), -1.0),
                  (M.SMPLX_BODY_JOINTS.index("left_shoulder"), M.SMPLX_BODY_JOINTS.index("left_elbow"), 1.0))  # fmt: skip


ARM_SIDES = {-1.0: "right", 1.0: "left"}  # SHOULDER_ELBOW's sign → the side's name


def hands_up_arms(pose: np.ndarray, bp0: np.ndarray, weights: dict[int, np.ndarray], elevation: float,
                  lean: float, forward: float = 0.0, swing: dict[int, np.ndarray] | None = None,
                  sides: dict[str, tuple[float, float]] | None = None) -> None:  # fmt: skip
    """In place: every arm the action raises (its shoulder in ``weights``) blends from the photo's pose
    ``bp0`` (21, 3) into the "hands up" pose at the shoulder's pace: the upper arm ``elevation`` (rad) above
    the T-pose's horizontal, out to the side, the forearm bent up by ``pi/2 - elevation + lean`` so it points
    up, ``lean`` past the vertical towards the head (a goalpost for ``lean`` 0); the raised arm then swings
    ``forward`` (rad) about the vertical towards the camera side the body faces (the elbows come in front of the
    shoulders: in a tight portrait the upper arms stay in the picture). ``swing[elbow]`` (F,) rad is added to
    that elbow's bend (a wave's forearm swing). ``sides`` ("right" / "left" → (elevation, lean)) gives that
    arm its own pose instead. ``pose`` (F, 21, 3) rotvecs."""
    for sh, el, sign in SHOULDER_ELBOW:
        if sh not in weights:
            continue
        elevation, lean = (sides or {}).get(ARM_SIDES[sign], (elevation, lean))
        w = weights[sh]
        n = len(w)
        up_sh = Rotation.from_rotvec(np.repeat(M.euler(y=-sign * forward, z=sign * elevation)[None], n, 0))
        bend = np.pi / 2 - elevation + lean + (swing or {}).get(el, np.zeros(n))
        up_el = Rotation.from_rotvec(M.euler(z=sign * np.broadcast_to(bend, (n,))))
        pose[:, sh] = _blend(Rotation.from_rotvec(bp0[sh]), up_sh, w).as_rotvec()
        pose[:, el] = _blend(Rotation.from_rotvec(bp0[el]), up_el, w).as_rotvec()


def _camera_heading(direction_cam: np.ndarray, frame: np.ndarray) -> float:
    """Ground-frame heading (yaw about ground +y, 0 = ground +z) of a camera-space direction."""
    d = np.asarray(frame, float).T @ np.asarray(direction_cam, float)
    return float(np.arctan2(d[0], d[2]))


def turn_duration(strength: float) -> float:
    """Seconds a directional walk takes to turn towards its direction before it walks."""
    return 0.6 / (0.6 + 0.8 * float(strength))


def propose_person(params0: dict[str, np.ndarray], action: str, num_frames: int, fps: float, strength: float,
                   cfg: ProposeConfig, kind: str = "smplx", *,
                   frame: np.ndarray | None = None, time_scale: float = 1.0, elbow_bend: float = 0.0,
                   lift: float = 1.0, stand: float = 1.0, amount: float = 1.0,
                   hands_up: tuple[float, ...] | dict[str, tuple[float, float]] | None = None,
                   gait_phase: float = 0.0, first_step: tuple[int, float, float] | None = None,
                   ) -> tuple[dict[str, np.ndarray], np.ndarray]:  # fmt: skip
    """One SMPL-X (or SMAL, ``kind="smal"``) pose in camera space + an action → (F-frame params,
    airborne heights (F,)). Animals get the library's nearest animal motion (walk/trot/jump/sit/turn/wag).

    Heading, turns and the root path live in the ground frame ``frame`` (``x_cam = frame @ x_ground``,
    y up; default for SMPL-X: :func:`revision.pppm.physics.ground_frame` of the fitted orientation, i.e.
    the body's own ground; for SMAL the upright camera's :data:`R_WC`), so a tilted fit walks along its
    own legs' stride. Directional walks turn towards the image direction first (:func:`turn_duration`),
    then walk (their gait starts as the turn ends); ``time_scale`` slows the action's clock (SMPL-X);
    ``elbow_bend`` (rad) bends the raised arms' forearms over the head (raise actions, SMPL-X: hands kept in
    a tight picture, see :func:`propose_raise_in_frame`); ``hands_up`` = (elevation, lean) (rad) replaces a
    raise's (or wave's) arms by the "hands up" pose: upper arms ``elevation`` above the horizontal out to the
    sides, forearms bent up past the vertical by ``lean`` towards the head, optionally (elevation, lean,
    forward) with the upper arms swung ``forward``, or {"right": (elevation, lean), "left": ...}: each arm its
    own (SMPL-X; :func:`hands_up_arms`; a wave keeps its forearm swing on top); ``lift`` scales a jump's
    flight height and ``stand`` how far the legs go from the photo's pose into the action's (SMPL-X: a jump
    kept in the picture, see :func:`propose_jump_in_frame`); ``amount`` (0..1) takes every joint, the root's
    turn and its path only that far from the photo's pose into the action's (SMPL-X: a bow or squat kept in
    the picture, see :func:`propose_kept_in_frame`). Walks and runs start with a first step that does not
    drag the body backwards (:func:`_first_step`; ``gait_phase`` (rad) and ``first_step`` = (foot, delay s,
    lift rad) are its candidates)."""
    n = num_frames
    key, nj = ("body_pose", 21) if kind == "smplx" else ("pose", 34)
    go0 = Rotation.from_rotvec(np.asarray(params0["global_orient"], float).reshape(3))
    bp0 = np.asarray(params0[key], float).reshape(nj, 3)
    tr0 = np.asarray(params0["transl"], float).reshape(3)
    if frame is None:
        frame = ground_frame(go0.as_rotvec()) if kind == "smplx" else R_WC
    G = np.asarray(frame, float)
    t = np.arange(n) / fps
    t_turn = turn_duration(strength) if action in M.ACTION_HEADINGS else 0.0
    if kind == "smplx":
        # a directional walk's gait starts once the turn is mostly done (no stride during the turn);
        # time_scale < 1 slows it (fewer, slower steps) so the walker stays in the picture
        t_act = (np.maximum(0.0, t - 0.75 * t_turn) if t_turn else t) * time_scale
        m = _action_body(action, n, fps, strength, times=t_act, phase=gait_phase)
        rest = M._rest_body(1).pose[0]
    else:
        m, rest = _animal_body(action, n, fps, strength), np.zeros((nj, 3))
        if m is None:
            m = M.BodyMotion(np.zeros((n, nj, 3)), np.zeros((n, 3)), np.zeros((n, 3)))
    w = M.ease(t / max(cfg.ramp_s, 1e-3)) * float(amount)
    # 1. joints: the ones the action drives blend from the fitted pose into the action; arms no faster than
    #    the action itself leaves its rest pose (else an arm held out in the photo would first drop to the
    #    side before a wave lifts it); legs at the ramp's pace (a wide stance closes while a walk turns)
    pose = np.repeat(bp0[None], n, 0)
    weights = {}
    for j in range(nj):
        dev = (
            Rotation.from_rotvec(np.repeat(rest[j][None], n, 0)).inv() * Rotation.from_rotvec(m.pose[:, j])
        ).magnitude()
        # a gait drives every leg joint: a fitted ankle/foot the walk leaves alone would keep a bogus
        # rotation (a toe 0.14 m below the other), and the foot lock would plant that foot all clip long
        gait = kind == "smplx" and j in LEG_POSE_JOINTS and base_action(action) in ("walk", "run")
        if dev.max() > 0.02 or gait:
            arm = kind == "smplx" and j in ARM_POSE_JOINTS
            weights[j] = wj = np.minimum(w, np.maximum.accumulate(dev / dev.max())) if arm else w
            if kind == "smplx" and j in LEG_POSE_JOINTS:
                wj = wj * float(stand)
            r0, act = Rotation.from_rotvec(bp0[j]), Rotation.from_rotvec(m.pose[:, j])
            if kind == "smplx" and first_step is not None and j in LEG_CHAINS[first_step[0]]:
                u = np.clip((t - first_step[1]) / max(cfg.ramp_s, 1e-3), 0.0, 1.0)  # this leg blends later
                wj = M.ease(u) * float(amount) * float(stand)
                bump = first_step[2] * np.sin(np.pi * u) ** 2  # and is lifted while it does
                hip, knee = LEG_CHAINS[first_step[0]][:2]  # hip flexion θ (thigh forward), knee bent 2θ
                flex = -bump if j == hip else 2.0 * bump if j == knee else np.zeros_like(bump)
                pose[:, j] = (Rotation.from_rotvec(M.euler(x=flex)) * _blend(r0, act, wj)).as_rotvec()
                continue
            if kind == "smplx" and j not in ARM_POSE_JOINTS | LEG_POSE_JOINTS:
                # spine, neck, head: the action's motion from its rest pose on top of the photo's pose (a fit
                # whose neck and head bend ~50° against each other would otherwise get only the head reset)
                delta = Rotation.from_rotvec(np.repeat(rest[j][None], n, 0)).inv() * act
                pose[:, j] = (r0 * _blend(Rotation.identity(n), delta, wj)).as_rotvec()
            else:
                pose[:, j] = _blend(r0, act, wj).as_rotvec()
    if hands_up is not None and kind == "smplx" and base_action(action) in ("raise", "wave"):
        swing = None
        if base_action(action) == "wave":  # the wave's forearm swing about its mean bend, on the new pose
            swing = {}
            for _, el, sign in SHOULDER_ELBOW:
                b = sign * m.pose[:, el, 2]
                swing[el] = b - b[len(b) // 2 :].mean()
        if isinstance(hands_up, dict):  # one (elevation, lean) per arm
            hands_up_arms(pose, bp0, weights, 0.0, 0.0, swing=swing, sides=hands_up)
        else:
            hands_up_arms(pose, bp0, weights, *hands_up, swing=swing)
    if elbow_bend and kind == "smplx" and base_action(action) == "raise":
        for sh, el, sign in SHOULDER_ELBOW:  # (shoulder, elbow) indices in body_pose; right bends -z
            if sh in weights:
                bend = Rotation.from_rotvec(M.euler(z=sign * elbow_bend * weights[sh]))
                pose[:, el] = (Rotation.from_rotvec(pose[:, el]) * bend).as_rotvec()
    # 2. root: world (y up) orientation = heading yaw · action's relative root rotation · fitted tilt
    RG = Rotation.from_matrix(G)
    go_w0 = RG.inv() * go0  # the fitted orientation in the ground frame
    h0 = _heading_of(go_w0)
    tilt0 = _yaw(h0).inv() * go_w0
    root = Rotation.from_rotvec(M.euler(m.root[:, 0], m.root[:, 1], m.root[:, 2]))
    root_rel = root * root[0].inv()
    if amount != 1.0:
        root_rel = Rotation.from_rotvec(root_rel.as_rotvec() * float(amount))
    dyaw = np.zeros(n)
    if action in M.ACTION_HEADINGS:  # directional walks: turn towards the image direction first, then walk
        f = M.ACTION_HEADINGS[action]  # upright-camera world heading → the camera direction → ground heading
        want = _camera_heading(R_WC @ np.array([np.sin(f), 0.0, np.cos(f)]), G)
        dyaw = _wrap(want - h0) * M.ease(t / t_turn)
    heading = h0 + dyaw
    go_w = _yaw(heading) * root_rel * tilt0
    # 3. translation: the action's body-frame increments along the current heading
    inc = np.diff(m.transl, axis=0, prepend=m.transl[:1])
    inc_w = _yaw(heading).apply(inc)
    d_w = np.cumsum(inc_w, axis=0) * float(amount)
    airborne = np.zeros(n)
    if action == "jump" and kind == "smplx":
        airborne = float(lift) * float(amount) * np.maximum(0.0, m.transl[:, 1])
        d_w[:, 1] = 0.0  # heights come from the physics step (contact + flight)
    out = {
        "global_orient": (RG * go_w).as_rotvec().astype(np.float32),
        key: pose.reshape(n, 3 * nj).astype(np.float32),
        "transl": (tr0 + d_w @ G.T).astype(np.float32),
    }
    for k, v in params0.items():
        if k not in out:
            out[k] = np.asarray(v).copy()
    out["global_orient"][0] = np.asarray(params0["global_orient"], np.float32).reshape(3)
    out[key][0] = bp0.reshape(3 * nj)
    out["transl"][0] = tr0
    if kind == "smplx" and base_action(action) in ("walk", "run") and n > 2 and first_step is None:
        ahead = np.array([np.sin(heading[-1]), np.cos(heading[-1])])  # ground (x, z) the walk goes
        t_end = max(cfg.ramp_s, 0.75 * t_turn) + cfg.ramp_s  # the legs have blended in, and a step more

        def make(phase: float, step: tuple[int, float, float]) -> tuple[dict[str, np.ndarray], np.ndarray]:
            return propose_person(params0, action, num_frames, fps, strength, cfg, kind, frame=frame,
                                  time_scale=time_scale, elbow_bend=elbow_bend, lift=lift, stand=stand,
                                  amount=amount, hands_up=hands_up, gait_phase=phase, first_step=step)  # fmt: skip

        out, airborne = _first_step(out, airborne, make, action, G, cfg, ahead, t, t_end)
    return out, airborne


FIRST_STEP_LIFTS = (0.0, 0.3, 0.5, 0.7)  # rad of hip flexion (knee twice that) tried for the stepping leg


def _start_back(params: dict[str, np.ndarray], airborne: np.ndarray, G: np.ndarray, cfg: ProposeConfig,
                ahead: np.ndarray, upto: int, walk: bool) -> float:  # fmt: skip
    """Metres the pelvis moves against ``ahead`` (ground x, z) over frames 0..``upto`` as the rest of the
    pipeline will move it: a walk re-timed (:func:`revision.pppm.physics.even_pace`, if ``cfg.even_pace``),
    then the foot lock (:func:`apply_physics` in the ground frame ``G``, no keep-in-frame); the sum of its
    backward frame steps."""
    if walk and cfg.even_pace:
        params, airborne, _ = even_pace(params, airborne, None, cfg.physics, G, cfg.even_pace_iterations)
    locked, _ = apply_physics(params, None, airborne=airborne, config=cfg.physics, frame=G)
    pel = (body_points(locked)[0][: upto + 1, 0] @ G)[:, [0, 2]]
    return float(-np.clip(np.diff(pel, axis=0) @ ahead, None, 0.0).sum())


def _first_step(out: dict[str, np.ndarray], airborne: np.ndarray, make, action: str, G: np.ndarray,
                cfg: ProposeConfig, ahead: np.ndarray, t: np.ndarray, t_end: float,
                tol: float = 0.005) -> tuple[dict[str, np.ndarray], np.ndarray]:  # fmt: skip
    """A gait's start that does not drag the body backwards. While the legs blend from the photo's stance
    into the gait (``cfg.ramp_s``) the foot lock keeps the foot on the ground planted and moves the root by
    whatever that foot does relative to the pelvis: a back foot blending forward along the ground (or the only
    foot down when the photo caught the other mid-swing) pushes the body back. If the locked pelvis moves
    against ``ahead`` by more than ``tol`` m before ``t_end`` s (:func:`_start_back`), the foot that comes
    forward most relative to the pelvis (then the other) steps instead: the gait starts at the phase whose
    first swing is that foot's (the library's phase 0 swings the left foot first, pi the right), its leg
    blends later (by 0, ramp/2 or ramp: the other foot lands first) and is lifted while it moves (hip flexion
    θ, knee 2θ, sin² over its blend, :data:`FIRST_STEP_LIFTS`); the first such start with no backward travel
    is kept, else the one with the least (the proposal as it was if none is better).
    ``make(phase, (foot, delay, lift))`` → (params, airborne)."""
    n = len(t)
    upto = int(min(n - 1, np.ceil(t_end / max(t[1] - t[0], 1e-9)) + 1))
    walk = base_action(action) == "walk"
    base = _start_back(out, airborne, G, cfg, ahead, upto, walk)
    if base <= tol:
        return out, airborne
    jw = body_points(out)[0] @ G
    rel = foot_positions(jw)[:, :, [0, 2]] - jw[:, None, 0, [0, 2]]  # (F, 2, 2) feet about the pelvis
    first = int(np.argmax((rel[upto] - rel[0]) @ ahead))  # the foot that comes forward most, then the other
    best, best_back = (out, airborne), base
    ramp = max(cfg.ramp_s, 1e-3)
    for side in (first, 1 - first):
        for delay in (0.0, 0.5 * ramp, ramp):
            for theta in FIRST_STEP_LIFTS:
                if side == 0 and delay == 0.0 and theta == 0.0:
                    continue  # the proposal as it is
                cand = make(0.0 if side == 0 else np.pi, (side, delay, theta))
                back = _start_back(cand[0], cand[1], G, cfg, ahead, upto, walk)
                if back < best_back - 1e-6:
                    best, best_back = cand, back
                if back <= tol:
                    return cand
    return best


LEAVE_CUES = ("leave", "leaving", "out of the frame", "out of frame", "out of the picture", "out of view",
              "off screen", "offscreen", "exit")  # fmt: skip  # a walk may leave the picture only when asked


def _image_fraction(points: np.ndarray, camera) -> tuple[np.ndarray, np.ndarray]:
    """Camera-space points (..., 3) → their (u, v) image positions as fractions of the width and height
    (depth clamped at 1 mm: a point at or behind the camera lands far outside)."""
    z = np.maximum(points[..., 2], 1e-3)
    u = (camera.fx * points[..., 0] / z + camera.cx) / camera.width
    v = (camera.fy * points[..., 1] / z + camera.cy) / camera.height
    return u, v


def _walk_inside(params: dict[str, np.ndarray], camera, margin: float, min_depth: float) -> bool:
    """Whether every joint stays ``margin`` (a fraction of the width) inside the image horizontally (or no
    further out than at frame 0) and the pelvis no nearer than ``min_depth`` metres."""
    j = body_points(params)[0]
    u = _image_fraction(j, camera)[0]  # (F, 22)
    lo, hi = min(margin, u[0].min()), max(1 - margin, u[0].max())
    return bool((u >= lo).all() and (u <= hi).all() and (j[:, 0, 2] >= min(min_depth, j[0, 0, 2])).all())


def propose_walk_in_frame(params0: dict[str, np.ndarray], action: str, num_frames: int, fps: float,
                          strength: float, cfg: ProposeConfig, camera, *, frame: np.ndarray | None = None,
                          iterations: int = 8) -> tuple[dict[str, np.ndarray], np.ndarray, float]:  # fmt: skip
    """:func:`propose_person` for a walk, slowed (``time_scale`` found by bisection, ≥ 0.2) so the walker's
    joints stay half ``cfg.physics.frame_margin`` inside the picture, the pelvis no nearer than half its start depth
    (the person walks as far as the picture allows, then the clip ends). → (params, airborne, scale)."""
    params, air = propose_person(params0, action, num_frames, fps, strength, cfg, frame=frame)
    z0 = float(np.asarray(params0["transl"], float).reshape(3)[2])

    def inside(
        p: dict[str, np.ndarray],
    ) -> bool:  # judged after the physics step (the foot lock moves the root)
        moved, _ = apply_physics(p, camera, allow_leave_frame=True, config=cfg.physics, frame=frame)
        return _walk_inside(moved, camera, 0.5 * cfg.physics.frame_margin, 0.5 * z0)

    if inside(params):
        return params, air, 1.0
    lo, hi, best = 0.2, 1.0, None
    for _ in range(iterations):
        k = 0.5 * (lo + hi)
        p, a = propose_person(params0, action, num_frames, fps, strength, cfg, frame=frame, time_scale=k)
        if inside(p):
            lo, best = k, (p, a, k)
        else:
            hi = k
    if best is None:
        p, a = propose_person(params0, action, num_frames, fps, strength, cfg, frame=frame, time_scale=lo)
        best = (p, a, lo)
    return best


HAND_MARKERS = (15, 16, 17, 18, 19, 20, 21, 22)  # MediaPipe wrists, pinkies, index fingers, thumbs


def _hands_outside(params: dict[str, np.ndarray], camera, margin: float) -> float:
    """How far (a fraction of the image side) the hand markers get outside the image shrunk by ``margin``
    on any frame, beyond where they are on frame 0 (0: inside)."""
    mk = body_points(params)[1][:, list(HAND_MARKERS)]
    out = 0.0
    for c in _image_fraction(mk, camera):
        lo, hi = np.minimum(margin, c[0]), np.maximum(1 - margin, c[0])
        out = max(out, float(np.max(lo - c)), float(np.max(c - hi)))
    return max(out, 0.0)


def _wrists_above_nose(params: dict[str, np.ndarray], camera) -> float:
    """How far the lower wrist ends above the nose in the picture (a fraction of its height; < 0: below)."""
    v = _image_fraction(body_points(params)[1][-1], camera)[1]
    return float(v[0] - max(v[15], v[16]))


HANDS_UP = tuple((np.deg2rad(e), lean) for e in (70.0, 55.0, 40.0, 25.0) for lean in (0.8, 1.1, 1.4, 1.7))
# each arm on its own when no pose keeps both hands in: the elbow up to near the vertical too
HANDS_UP_PER_ARM = tuple(
    (np.deg2rad(e), lean) for e in (85.0, 70.0, 55.0, 40.0, 25.0) for lean in (0.8, 1.1, 1.4, 1.7)
)
HANDS_UP_MIDDLE = (np.deg2rad(55.0), 1.1)  # the per-arm grid's middle pose: what an arm with room takes
# a body seen side-on (its shoulder line turned more than SIDE_ON out of the image plane) raises its arms in its
# sagittal plane, swung back (behind the head, not across the face), forearms straight on: these elevations
SIDE_ON = np.deg2rad(45.0)
SAGITTAL_UP = tuple(np.deg2rad(e) for e in (85.0, 70.0, 55.0, 40.0, 25.0))
ARM_MARKERS = {"left": (11, 13, 15), "right": (12, 14, 16)}  # MediaPipe shoulder, elbow, wrist


def _arm_in_picture(params: dict[str, np.ndarray], camera, side: str) -> tuple[float, float]:
    """One arm at the last frame → (the fraction of its shoulder–elbow–wrist line inside the picture (each
    segment counts half), how far its wrist is above the nose (a fraction of the height; < 0: below))."""
    last = {k: np.asarray(params[k])[-1:] for k in MOTION_KEYS["smplx"]}
    mk = body_points({**last, "betas": params.get("betas", np.zeros(10))})[1][0]
    u, v = _image_fraction(mk, camera)
    sh, el, wr = ARM_MARKERS[side]
    t = np.linspace(0.0, 1.0, 51)[:, None]
    inside = 0.0
    for a, b in ((sh, el), (el, wr)):
        pu, pv = u[a] + (u[b] - u[a]) * t, v[a] + (v[b] - v[a]) * t
        inside += 0.5 * float(((pu >= 0) & (pu <= 1) & (pv >= 0) & (pv <= 1)).mean())
    return inside, float(v[0] - v[wr])


def shoulder_turn(params0: dict[str, np.ndarray]) -> float:
    """How far (rad) the photo's shoulder line is turned out of the image plane (0: facing the camera or
    away from it, pi/2: seen side-on), measured against the view ray through the neck."""
    one = {k: np.asarray(params0[k], float).reshape(1, -1) for k in ("global_orient", "body_pose", "transl")}
    j = body_points({**one, "betas": params0.get("betas", np.zeros(10))})[0][0]
    line, ray = j[17] - j[16], j[12] / max(np.linalg.norm(j[12]), 1e-9)  # right − left shoulder; the neck
    return float(np.arcsin(min(1.0, abs(line @ ray) / max(np.linalg.norm(line), 1e-9))))


def propose_raise_in_frame(params0: dict[str, np.ndarray], action: str, num_frames: int, fps: float,
                           strength: float, cfg: ProposeConfig, camera, *, frame: np.ndarray | None = None,
                           bends: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75),
                           hands_up: tuple[tuple[float, float], ...] = HANDS_UP, margin: float = 0.03,
                           above: float = 0.03, per_arm: tuple[tuple[float, float], ...] = HANDS_UP_PER_ARM,
                           arm_above: float = 0.15, arm_tolerance: float = 0.05,
                           ) -> tuple[dict[str, np.ndarray], np.ndarray, str]:  # fmt: skip
    """:func:`propose_person` for a raise in a tight picture. In order, the first that keeps the hand markers
    ``margin`` inside the picture on every frame (or no further out than on frame 0): the arms straight up,
    the elbows bent by one of ``bends`` (rad); then, for a "raise both arms" of a body seen side-on (its
    shoulder line turned more than ``SIDE_ON`` out of the image plane, :func:`shoulder_turn`), the arms
    raised in the body's sagittal plane, swung back, forearms straight on (``SAGITTAL_UP`` elevations), the
    one with both wrists ``above`` the nose that keeps the hands furthest inside (out to the sides, the
    "hands up" arms would point at the camera and the near one would cross the face: the cameraman); then,
    for a "raise both arms" only, the "hands up" pose
    (:func:`hands_up_arms`, ``hands_up`` = (elevation, lean) pairs, the highest elbows first) whose wrists end
    ``above`` (a fraction of the height) over the nose. When none does (a portrait framed tighter than the
    arms' reach, or a person near the picture's side), each arm takes its own hands-up pose (``per_arm``
    pairs, :func:`_arm_in_picture` at the last frame): of the poses whose wrist ends ``arm_above`` (a fraction
    of the height: clearly, in a portrait) over the nose, those that keep within ``arm_tolerance`` of the most
    of that arm's shoulder–elbow–wrist line in the picture, and of these the one nearest the grid's middle
    pose (``HANDS_UP_MIDDLE``, 55° / 1.1 rad: an arm with room takes it; an arm near the picture's side lifts
    its elbow towards the vertical, the forearm coming back in at the top) — taken when the two arms keep more
    of themselves in the picture than the straight raise does. Else the arms go straight up and the hands
    leave the top of the picture, as in a filmed portrait. (Also tried on 2026-12-02: one hands-up pose for
    both arms that only ends with the hands inside — on the astronaut, her right shoulder near the picture's
    left side, the forearms curled over her head and MediaPipe read her wrists at the elbows; the straight
    raise, whose hands leave, was read raised on one fit and not on the next (a 0.0002 rad change of the sway
    flipped a wrist from 93 to 171 px, nose 135); bending the forearms over the head until the hands fit, up
    to 2 rad, folded them flat over her head; lifting the arms forward: in a close portrait perspective throws
    hands reaching towards the camera further out.) → (params, airborne, what was changed ("" when
    nothing))."""
    straight = None
    for b in bends:
        p, a = propose_person(params0, action, num_frames, fps, strength, cfg, frame=frame, elbow_bend=b)
        out = _hands_outside(p, camera, margin)
        if b == 0.0:
            straight = (p, a, out)
        if out <= 0:
            return p, a, "" if b == 0.0 else f"elbows bent by {b:.2f} rad (hands kept in the picture)"
    p, a, out = straight if straight is not None else (p, a, out)
    if action == "raise_both" and shoulder_turn(params0) > SIDE_ON:
        # side-on: the hands-up grid's arms (out to the sides) would point at the camera and the near one
        # would cross the face; raised in the sagittal plane, swung back, they rise beside and behind the head
        best = None
        for e in SAGITTAL_UP:
            q, qa = propose_person(
                params0, action, num_frames, fps, strength, cfg, frame=frame, hands_up=(e, 0.0, -np.pi / 2)
            )
            if _wrists_above_nose(q, camera) >= above:
                q_out = _hands_outside(q, camera, margin)
                if best is None or q_out < best[0]:
                    best = (q_out, q, qa, e)
        if best is not None:
            q_out, q, qa, e = best
            how = f"hands up in the body's sagittal plane (seen side-on; upper arms {np.rad2deg(e):.0f}° up, back)"
            kept = "hands kept in the picture" if q_out <= 0 else f"hands up to {q_out:.0%} of the picture outside"
            return q, qa, f"{how}: {kept}"
    if action == "raise_both":
        tried: dict[tuple[float, float], dict[str, np.ndarray]] = {}  # (elevation, lean) → params
        for e, lean in hands_up:
            q, qa = propose_person(
                params0, action, num_frames, fps, strength, cfg, frame=frame, hands_up=(e, lean)
            )
            tried[(e, lean)] = q
            if _wrists_above_nose(q, camera) >= above and _hands_outside(q, camera, margin) <= 0:
                how = f"hands up (upper arms {np.rad2deg(e):.0f}° up, forearms {lean:.1f} rad past the vertical)"
                return q, qa, f"{how}: hands kept in the picture"
        # no pose keeps both hands in: each arm takes its own hands-up pose, of those that keep the most of
        # that arm in the picture (within `arm_tolerance`) with the wrist clearly above the nose the one
        # nearest the grid's middle pose (an arm with room takes that pose itself)
        scored = {side: [] for side in ARM_MARKERS}
        for e, lean in per_arm:
            q = tried.get((e, lean))
            if q is None:  # not among the shared poses above
                q, _ = propose_person(
                    params0, action, num_frames, fps, strength, cfg, frame=frame, hands_up=(e, lean)
                )
            for side in ARM_MARKERS:
                inside, up = _arm_in_picture(q, camera, side)
                if up >= arm_above:
                    far = abs(e - HANDS_UP_MIDDLE[0]) + abs(lean - HANDS_UP_MIDDLE[1])  # rad
                    scored[side].append((inside, -far, (e, lean)))
        if all(scored.values()):
            sides, kept = {}, {}
            for side, cands in scored.items():
                best = max(c[0] for c in cands)
                near_best = [c for c in cands if c[0] >= best - arm_tolerance]
                kept[side], _, sides[side] = max(near_best, key=lambda c: c[1])
            straight_in = [_arm_in_picture(p, camera, side)[0] for side in ARM_MARKERS]
            if sum(kept.values()) > sum(straight_in):
                q, qa = propose_person(
                    params0, action, num_frames, fps, strength, cfg, frame=frame, hands_up=sides
                )
                how = ", ".join(
                    f"{side} upper arm {np.rad2deg(e):.0f}° up, forearm {lean:.1f} rad past the vertical"
                    for side, (e, lean) in sides.items()
                )
                why = "the portrait is too tight for the raise"
                return q, qa, f"hands up, each arm kept in the picture as far as it goes ({how}): {why}"
    return (
        p,
        a,
        f"hands leave the picture (up to {out:.0%} of it outside): the portrait is too tight for the raise",
    )


def _wrists_inside(params: dict[str, np.ndarray], camera, wrists: list[int], margin: float,
                   start: int) -> bool:  # fmt: skip
    """Whether the ``wrists`` markers (MediaPipe 15 left, 16 right) are ``margin`` (a fraction of the side)
    inside the picture on every frame from ``start`` on."""
    u, v = _image_fraction(body_points(params)[1][start:, wrists], camera)
    return bool(((u >= margin) & (u <= 1 - margin) & (v >= margin) & (v <= 1 - margin)).all())


WAVE_ARMS = {side: tuple(M.SMPLX_BODY_JOINTS.index(f"{side}_{j}") + 1 for j in ("shoulder", "elbow", "wrist", "collar"))
             for side in ("left", "right")}  # fmt: skip  # SMPL-X joint ids (body_pose index + 1)
SPINE3 = M.SMPLX_BODY_JOINTS.index("spine3") + 1
# low-wave poses tried in order: (the upper arm's swing forward from hanging down, the arm's lean towards the
# body's middle), rad; and the scales of the library's forearm swing tried, widest first
LOW_WAVES = tuple((np.deg2rad(f), np.deg2rad(i)) for i in (5.0, 10.0, 0.0, 15.0, 20.0) for f in (35.0, 50.0, 65.0))
LOW_WAVE_SCALES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2)
# the palm's turns away from facing the camera tried, least first (rad): a turned hand is narrower in the picture
LOW_WAVE_TURNS = tuple(np.deg2rad(a) for a in (0.0, 30.0, 60.0))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def wave_swing(t: np.ndarray, strength: float) -> np.ndarray:
    """The library wave's forearm swing (:func:`revision.synthetic.motions.wave_right`: ``0.7 amp`` rad at
    ``1.3 tempo`` Hz, rising with the arm over ``0.7 / tempo`` s; ``amp = 0.35 + 0.9 s``, ``tempo = 0.6 + 0.8 s``)
    at times ``t`` (F,) s → (F,) rad."""
    amp, tempo = 0.35 + 0.9 * float(strength), 0.6 + 0.8 * float(strength)
    return 0.7 * amp * np.sin(2 * np.pi * 1.3 * tempo * t) * M.ease(t * tempo / 0.7)


def _chain(params: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SMPL-X params (F frames) → global rotations (F, S, 3, 3) and positions (F, S, 3) of the stand-in
    skeleton's joints (the first 22 are the body joints by id) and its rest joints (55, 3), camera space."""
    from revision.pppm.physics import _skeleton

    t = {
        k: torch.as_tensor(np.asarray(params[k], np.float32))
        for k in ("global_orient", "body_pose", "transl")
    }
    b = torch.as_tensor(np.asarray(params.get("betas", np.zeros(10)), np.float32)).reshape(-1)[:10]
    b = torch.nn.functional.pad(b, (0, 10 - b.shape[0]))
    with torch.no_grad():
        R, P, J = _skeleton().transforms(t["global_orient"], t["body_pose"].reshape(-1, 63), b, t["transl"])
    return R.numpy().astype(np.float64), P.numpy().astype(np.float64), J[0].numpy().astype(np.float64)


def low_wave_arms(params: dict[str, np.ndarray], bp0: np.ndarray, sides: tuple[str, ...], swing: np.ndarray,
                  weight: np.ndarray, forward: float, inward: float,
                  chain: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None, turn: float = 0.0,
                  ) -> dict[str, np.ndarray]:  # fmt: skip
    """A proposal ``params`` (F frames; the parents' motion is kept) with the ``sides`` arms waving low in front
    of the body, solved from camera-space directions through the kinematic chain, frame by frame:

    - the body's axes come from its chest (``spine3``'s global rotation): up, and "forward" = the direction
      from the shoulder to the camera made horizontal (the chest's forward when the chest faces away): the
      arm comes towards the camera, so a turned body's far hand clears its chest too (half-way between the
      chest's and the camera's forward left that hand partly behind the chest);
    - the upper arm hangs down and swings ``forward`` (rad) from hanging towards that forward, leaning
      ``inward`` (rad) towards the body's middle: the elbow sits below the shoulder, in front of the chest;
    - the forearm points up, leaning ``inward`` as well, then turns by ``swing`` (F,) rad about the camera ray
      through the elbow (mirrored for the left arm): the hand waves side to side in the image plane;
    - the shoulder's rotation takes the rest upper arm onto that direction with the elbow's hinge (the rest
      arm's flexion axis, rest bone × forward) across the arm's bend, so the elbow bends as a hinge
      (the upper arm turns about itself to swing the forearm); the elbow's takes the rest forearm onto its
      direction; the forearm and the wrist share the twist (half each) that turns the palm (rest: down)
      to face the camera, or turned ``turn`` (rad) from it (the thumb's side towards the camera: a narrower
      hand in the picture).

    Each arm's shoulder, elbow and wrist blend from the photo's pose ``bp0`` (21, 3) by ``weight`` (F,);
    frame 0 is the photo's; ``chain`` = :func:`_chain` of ``params`` when the caller has it. → new params."""
    R, P, J = _chain(params) if chain is None else chain
    n = len(R)
    pose = np.asarray(params["body_pose"], np.float64).reshape(n, 21, 3).copy()
    chest = R[:, SPINE3]
    up, front, left = (chest @ np.eye(3)[k] for k in (1, 2, 0))

    def flat(v: np.ndarray) -> np.ndarray:
        return _unit(v - (v * up).sum(-1, keepdims=True) * up)

    for side in sides:
        sh, el, wr, co = WAVE_ARMS[side]
        cam = _unit(-P[:, sh])
        facing = (front * cam).sum(-1, keepdims=True) > 0
        fwd = np.where(facing, flat(cam), flat(front))
        mid = left if side == "right" else -left
        mid = _unit(flat(mid) - (mid * fwd).sum(-1, keepdims=True) * fwd)
        upper = _unit(-np.cos(forward) * up + np.sin(forward) * fwd + np.tan(inward) * mid)
        fore0 = _unit(up + np.tan(inward) * mid)
        elbow = P[:, sh] + np.linalg.norm(J[el] - J[sh]) * upper
        sign = 1.0 if side == "right" else -1.0
        fore = Rotation.from_rotvec(_unit(elbow) * (sign * np.asarray(swing, float))[:, None]).apply(fore0)
        d_up, d_fore = _unit(J[el] - J[sh]), _unit(J[wr] - J[el])
        hinge = _unit(np.cross(d_up, [0.0, 0.0, 1.0]))  # rest flexion axis: turns the forearm forward
        axis = _unit(np.cross(upper, fore))
        g_sh = (
            np.stack([upper, axis, np.cross(upper, axis)], -1)
            @ np.stack([d_up, hinge, np.cross(d_up, hinge)], -1).T
        )  # (F, 3, 3): rest upper arm → upper, rest hinge → axis
        want = np.einsum("fji,fj->fi", g_sh, fore)  # the forearm's direction in the shoulder's frame
        bend = np.cross(d_fore, want)
        r_el = Rotation.from_rotvec(
            _unit(bend) * np.arctan2(np.linalg.norm(bend, axis=-1), want @ d_fore)[:, None]
        )
        # the palm (rest: -y) turned about the forearm to face the camera from the wrist
        g_el = g_sh @ r_el.as_matrix()
        to_cam = np.einsum("fji,fj->fi", g_el, _unit(-(elbow + np.linalg.norm(J[wr] - J[el]) * fore)))
        to_cam = to_cam - (to_cam @ d_fore)[:, None] * d_fore
        palm = np.array([0.0, -1.0, 0.0]) - (-d_fore[1]) * d_fore
        phi = np.unwrap(np.arctan2(np.cross(palm, to_cam) @ d_fore, to_cam @ palm)) - sign * turn
        twist = Rotation.from_rotvec(d_fore[None] * (0.5 * phi)[:, None])
        r_sh = Rotation.from_matrix(np.transpose(R[:, co], (0, 2, 1)) @ g_sh)
        for j, rot in ((sh, r_sh), (el, r_el * twist), (wr, twist)):
            pose[:, j - 1] = _blend(Rotation.from_rotvec(bp0[j - 1]), rot, weight).as_rotvec()
    pose[0] = bp0
    return {**params, "body_pose": pose.reshape(n, 63).astype(np.float32)}


def _low_wave_fits(params: dict[str, np.ndarray], camera, sides: tuple[str, ...], start: int, margin: float,
                   own_side: float, clear: float, hand: float = 0.09) -> bool:  # fmt: skip
    """Whether a low wave shows its hands, on every frame from ``start`` on, each:

    - inside the picture: its wrist and a point ``hand`` metres on along the forearm (the palm's middle)
      ``margin`` (a fraction of the side) inside;
    - in front of the body: the wrist at least ``clear`` metres in front of the shoulders' middle along the
      chest's forward (``spine3``; the chest's surface lies ~0.1 m in front of the shoulders' joints);
    - on its own side: the wrist's horizontal offset in the picture from the neck, towards its shoulder, at
      least ``own_side`` times the shoulder's (a hand waving across the chin or the face would hide it)."""
    R, P, _ = _chain(params)
    P = P[start:]
    front = R[start:, SPINE3] @ np.array([0.0, 0.0, 1.0])
    mid = 0.5 * (P[:, WAVE_ARMS["left"][0]] + P[:, WAVE_ARMS["right"][0]])
    u_all = _image_fraction(P, camera)[0]  # (F, S)
    neck = u_all[:, M.SMPLX_BODY_JOINTS.index("neck") + 1]
    for side in sides:
        sh, el, wr, _ = WAVE_ARMS[side]
        pts = np.stack([P[:, wr], P[:, wr] + hand * _unit(P[:, wr] - P[:, el])], 1)
        u, v = _image_fraction(pts, camera)
        if not ((u >= margin) & (u <= 1 - margin) & (v >= margin) & (v <= 1 - margin)).all():
            return False
        if not (((P[:, wr] - mid) * front).sum(-1) >= clear).all():
            return False
        out = np.sign(u_all[:, sh] - neck)
        if ((u_all[:, wr] - neck) * out < own_side * np.abs(u_all[:, sh] - neck)).any():
            return False
    return True


def _hands_over_face(params: dict[str, np.ndarray], camera, sides: tuple[str, ...], margin: float = 0.05,
                     facing: float = 0.5) -> float:  # fmt: skip
    """How much of the face the ``sides`` hands cover in the picture, the most over frames 1 on (the rise
    included): the fraction of the face's vertices (the posed body mesh's head part, neck included — the chin
    —, whose normal turns less than ``acos(facing)`` from the camera: forehead, eyes, cheeks, mouth, chin, not
    the hair at the head's sides) that lie within ``margin`` times the head's height in the picture of a vertex
    of one of those hands (palm, fingers and thumb). In a close portrait a hand raised beside the face is
    about the face's size (grace_hopper: the hand 235 px long, her face 200 px; nearer the camera), so its
    fingers and thumb reach over the cheek and the chin while the wrist is well clear of them."""
    from scipy.spatial import cKDTree

    from revision.body.parts import smplx_vertex_parts
    from revision.body.posed import default_smplx, smplx_vertices, vertex_normals
    from revision.palette import PART_BY_NAME

    model = default_smplx()
    part = smplx_vertex_parts(model)
    n = len(np.asarray(params["global_orient"]))
    if n < 2:
        return 0.0
    pose = {k: torch.as_tensor(np.asarray(params[k], np.float32)).reshape(n, -1)[1:]
            for k in ("global_orient", "body_pose", "transl")}  # fmt: skip
    betas = np.asarray(params.get("betas", np.zeros(10)), np.float32).reshape(-1)[:10]
    V = smplx_vertices(model, pose["global_orient"], pose["body_pose"], betas, pose["transl"],
                       params.get("girth"))[0].numpy().astype(np.float64)  # fmt: skip
    normal = vertex_normals(V, np.asarray(model.faces, np.int64))
    to_cam = -V / np.linalg.norm(V, axis=-1, keepdims=True)
    cos = (normal * to_cam).sum(-1)
    z = np.maximum(V[..., 2], 1e-3)
    uv = np.stack([camera.fx * V[..., 0] / z + camera.cx, camera.fy * V[..., 1] / z + camera.cy], -1)
    head = part == PART_BY_NAME["head"].id
    hand = np.isin(part, [PART_BY_NAME[f"{s}_hand"].id for s in sides])
    worst = 0.0
    for f in range(len(V)):
        face = uv[f, head & (cos[f] > facing)]
        if len(face) == 0:
            continue
        reach = margin * np.ptp(uv[f, head, 1])
        d, _ = cKDTree(uv[f, hand]).query(face, distance_upper_bound=reach)
        worst = max(worst, float(np.isfinite(d).mean()))
    return worst


def propose_wave_in_frame(params0: dict[str, np.ndarray], action: str, num_frames: int, fps: float,
                          strength: float, cfg: ProposeConfig, camera, *, frame: np.ndarray | None = None,
                          low: tuple[tuple[float, float], ...] = LOW_WAVES,
                          scales: tuple[float, ...] = LOW_WAVE_SCALES, margin: float = 0.08,
                          hand_margin: float = 0.06, own_side: float = 0.25, clear: float = 0.12,
                          turns: tuple[float, ...] = LOW_WAVE_TURNS, face: float = 0.05,
                          ) -> tuple[dict[str, np.ndarray], np.ndarray, str]:  # fmt: skip
    """:func:`propose_person` for a wave in a tight picture: when the waving wrist is not ``margin`` inside the
    picture on every frame of the clip's second half (a portrait that ends at the chest: the sideways lift
    takes the hand out of the edge, nothing visible moves), the arm waves low in front of the body instead
    (:func:`low_wave_arms`: the upper arm down and forward, the forearm up in front of the shoulder, nearer
    the camera than the body, swinging side to side in the image plane with the library wave's swing,
    :func:`wave_swing`): the widest of the swing's ``scales`` for which one of the ``low`` poses ((forward,
    inward) rad, tried in order) fits (:func:`_low_wave_fits`: the hand ``hand_margin`` inside the picture,
    the wrist ``clear`` m in front of the shoulders, on its own side of the neck in the picture by
    ``own_side``) and, with the palm turned by the least of ``turns`` (rad) that does, keeps the hand off the
    face on every frame (:func:`_hands_over_face` 0 at ``face``: no face vertex within that fraction of the
    head's height of the hand in the picture); when none keeps it off, the candidate that covers the least of
    it (the notes say how much). When no pose fits, the wave as it is (a low wave across the body would hide
    the face). The waving arms rise at the wave's own pace (``cfg.ramp_s``, no faster than the library's arm).
    In a portrait the picture, not the strength, then sets the swing's width (grace_hopper: 0.2x of the
    library's at 0.7, the palm turned 60°); its tempo still follows the strength. (Until 2026-12-02 the low
    wave was the "hands up" pose (:func:`hands_up_arms`) with the upper arm below the horizontal, swung forward
    about the vertical: that swing carried the forearm backwards, the wrist 4-13 cm behind the shoulders,
    hidden in grace_hopper's jacket.)
    → (params, airborne, what was changed ("" when nothing))."""
    p, a = propose_person(params0, action, num_frames, fps, strength, cfg, frame=frame)
    side = action.rsplit("_", 1)[-1]
    wrists = {"left": [15], "right": [16]}.get(side, [15, 16])
    start = num_frames // 2
    if _wrists_inside(p, camera, wrists, margin, start):
        return p, a, ""
    t = np.arange(num_frames) / fps
    tempo = 0.6 + 0.8 * float(strength)
    weight = np.minimum(M.ease(t / max(cfg.ramp_s, 1e-3)), M.ease(t * tempo / 0.7))
    sides = ("left", "right") if side == "both" else (side,)
    bp0 = np.asarray(params0["body_pose"], np.float64).reshape(21, 3)
    swing = wave_swing(t, strength)
    chain = _chain(p)  # the parents' motion, the same for every candidate
    # a hand that cannot wave on its own side would cross the face (basketball1's left player, both hands:
    # MediaPipe lost his face, accel 0.06 -> 0.56 sw/frame²): then the wave as it is, partly out of the picture
    # the hand beside a close portrait's face is about the face's size: the wrist's rule above leaves the
    # fingers and the thumb over the cheek and the chin (grace_hopper: MediaPipe lost her on 2 of 16 frames)
    best: tuple[float, dict[str, np.ndarray], str] | None = None  # (face covered, params, how)
    for k in scales:
        for fw, inward in low:
            q = low_wave_arms(p, bp0, sides, k * swing, weight, fw, inward, chain)
            if not _low_wave_fits(q, camera, sides, start, hand_margin, own_side, clear):
                continue
            for turn in turns:
                if turn:
                    q = low_wave_arms(p, bp0, sides, k * swing, weight, fw, inward, chain, turn)
                covered = _hands_over_face(q, camera, sides, face)
                how = (f"upper arm {np.rad2deg(fw):.0f}° forward from hanging, {np.rad2deg(inward):.0f}° inward, "
                       "forearm up in front of the chest" + ("" if k == 1.0 else f", swing narrowed to {k:.1f}x")
                       + (f", palm turned {np.rad2deg(turn):.0f}° from the camera" if turn else ""))  # fmt: skip
                if covered <= 0.0:
                    return q, a, f"low wave ({how}): the hand kept in the picture, off the face"
                if best is None or covered < best[0]:
                    best = (covered, q, how)
    if best is not None:
        covered, q, how = best
        return q, a, f"low wave ({how}): the hand kept in the picture, over {covered:.0%} of the face at most"
    return p, a, ""


HEAD_MARKERS = tuple(range(13))  # MediaPipe nose, eyes, ears, mouth, shoulders


def _head_outside(params: dict[str, np.ndarray], camera, margin: float) -> float:
    """How far (a fraction of the image height) the head and shoulder markers get above or below the image
    shrunk by ``margin`` on any frame, beyond where they are on frame 0 (0: inside)."""
    v = _image_fraction(body_points(params)[1][:, list(HEAD_MARKERS)], camera)[1]
    lo, hi = np.minimum(margin, v[0]), np.maximum(1 - margin, v[0])
    return max(0.0, float(np.max(lo - v)), float(np.max(v - hi)))


def _head_out_after_physics(p: dict[str, np.ndarray], airborne: np.ndarray, cfg: ProposeConfig, camera,
                            frame: np.ndarray | None) -> float:  # fmt: skip
    """:func:`_head_outside` (margin half ``cfg.physics.frame_margin``) of a proposal after the physics step."""
    moved, _ = apply_physics(p, camera, airborne=airborne, config=cfg.physics, frame=frame)
    return _head_outside(moved, camera, 0.5 * cfg.physics.frame_margin)


def _largest_inside(make, lo: float, iterations: int) -> tuple[dict[str, np.ndarray], np.ndarray, float, float]:
    """Bisection for the largest k in [``lo``, 1] whose ``make(k)`` = (params, airborne, outside) has nothing
    outside → (params, airborne, k, outside); when none does, ``make(lo)``'s."""
    hi, best = 1.0, None
    for _ in range(iterations):
        k = 0.5 * (lo + hi)
        p, a, out = make(k)
        if out <= 0:
            lo, best = k, (p, a, k, out)
        else:
            hi = k
    if best is None:
        p, a, out = make(lo)
        best = (p, a, lo, out)
    return best


def propose_kept_in_frame(params0: dict[str, np.ndarray], action: str, num_frames: int, fps: float,
                          strength: float, cfg: ProposeConfig, camera, *, frame: np.ndarray | None = None,
                          iterations: int = 6, min_amount: float = 0.2
                          ) -> tuple[dict[str, np.ndarray], np.ndarray, str]:  # fmt: skip
    """:func:`propose_person` for any other action (bow, squat, sit, dance, ...) whose head and shoulders
    must stay half ``cfg.physics.frame_margin`` inside the picture vertically (or no further out than on
    frame 0), judged after the physics step: when they do not, the body goes only part of the way into the
    action (``amount`` found by bisection, ≥ ``min_amount``). In a portrait cut at the chest a full bow took
    grace_hopper's head and torso out of the bottom of the picture: the video showed the inpainted plate.
    → (params, airborne, what was changed ("" when nothing))."""

    def make(k: float) -> tuple[dict[str, np.ndarray], np.ndarray, float]:
        p, a = propose_person(params0, action, num_frames, fps, strength, cfg, frame=frame, amount=k)
        return p, a, _head_out_after_physics(p, a, cfg, camera, frame)

    p, a, out = make(1.0)
    if out <= 0:
        return p, a, ""
    p, a, k, out = _largest_inside(make, min_amount, iterations)
    if out > 0:
        return p, a, f"{action} only {k:.2f} of the way (head still {out:.0%} of the picture outside)"
    return p, a, f"{action} only {k:.2f} of the way to keep the head in the picture"


def propose_jump_in_frame(params0: dict[str, np.ndarray], action: str, num_frames: int, fps: float,
                          strength: float, cfg: ProposeConfig, camera, *, frame: np.ndarray | None = None,
                          iterations: int = 8) -> tuple[dict[str, np.ndarray], np.ndarray, str]:  # fmt: skip
    """:func:`propose_person` for a jump whose head and shoulders stay half ``cfg.physics.frame_margin`` inside
    the picture vertically (or no further out than on frame 0), judged after the physics step: the flight
    height is scaled down (``lift``, bisection); if standing up from the photo's pose (a crouch, a lunge)
    already leaves the picture, the legs straighten only part of the way as well (``stand`` = ``lift``,
    bisection), so the body still rises and falls with a (lower) flight. → (params, airborne, what was
    changed ("" when nothing))."""
    def make(lift: float, stand: float) -> tuple[dict[str, np.ndarray], np.ndarray, float]:
        p, a = propose_person(
            params0, action, num_frames, fps, strength, cfg, frame=frame, lift=lift, stand=stand
        )
        return p, a, _head_out_after_physics(p, a, cfg, camera, frame)

    p, a, out = make(1.0, 1.0)
    if out <= 0:
        return p, a, ""
    both = make(0.0, 1.0)[2] > 0  # standing up alone leaves the picture: scale the legs too
    # even the photo's pose with a tiny jump may leave: then the smallest tried
    p, a, k, _ = _largest_inside(lambda k: make(k, k if both else 1.0), 0.0, iterations)
    how = f"jump height scaled to {k:.2f}x" + (f" and legs straightened {k:.2f} of the way" if both else "")
    return p, a, how


def propose_object(points0: np.ndarray, action: str, num_frames: int, fps: float, strength: float,
                   ground_y: float | None, heading: float) -> np.ndarray:  # fmt: skip
    """(21, 3) camera-space object points + an object action → (F, 21, 3)."""
    pw = np.asarray(points0, float) @ R_WC  # world, y up (origin at the camera)
    c0 = pw.mean(0)
    radius = max(0.02, 0.5 * float(pw[:, 1].max() - pw[:, 1].min()))
    g = ground_y if ground_y is not None else float(pw[:, 1].min()) - (1.0 if action == "fall" else 0.0)
    p0 = np.array([0.0, c0[1] - g, 0.0])
    centres, rotvecs = M.object_path(action, num_frames, fps=fps, strength=strength, p0=p0, radius=radius,
                                     heading=heading)  # fmt: skip
    rot = Rotation.from_rotvec(rotvecs)
    local = pw - c0
    pts = np.stack([r.apply(local) for r in rot]) + (c0 + centres - centres[:1])[:, None]
    pts[0] = pw
    return (pts @ R_WC).astype(np.float32)


def _reach_target(
    params: dict[str, np.ndarray], tgt: dict[str, np.ndarray], start: int
) -> dict[str, np.ndarray]:
    """Blend the pinned parts of ``tgt`` in over [start, last] (smoothstep), exact on the last frame."""
    out = {k: np.asarray(v).copy() for k, v in params.items()}
    n = len(out["transl"])
    u = np.clip((np.arange(n) - start) / max(1, n - 1 - start), 0, 1)
    w = u * u * (3 - 2 * u)
    mask = np.asarray(tgt.get("joint_mask", np.ones(21, bool)), bool).reshape(21)
    if "body_pose" in tgt:
        bp = out["body_pose"].reshape(n, 21, 3)
        tb = np.asarray(tgt["body_pose"], float).reshape(21, 3)
        for j in np.nonzero(mask)[0]:
            cur = Rotation.from_rotvec(bp[:, j])
            rel = (cur[-1].inv() * Rotation.from_rotvec(tb[j])).as_rotvec()
            bp[:, j] = (cur * Rotation.from_rotvec(rel[None] * w[:, None])).as_rotvec()
        out["body_pose"] = bp.reshape(n, 63).astype(np.float32)
    if "global_orient" in tgt:
        cur = Rotation.from_rotvec(out["global_orient"])
        rel = (
            cur[-1].inv() * Rotation.from_rotvec(np.asarray(tgt["global_orient"], float).reshape(3))
        ).as_rotvec()
        out["global_orient"] = (
            (cur * Rotation.from_rotvec(rel[None] * w[:, None])).as_rotvec().astype(np.float32)
        )
    if "transl" in tgt:
        d = np.asarray(tgt["transl"], float).reshape(3) - out["transl"][-1]
        out["transl"] = (out["transl"] + w[:, None] * d).astype(np.float32)
    return out


def _check(motion0: MotionSequence, strength: float, num_frames: int, target) -> None:
    if not motion0.tracks:
        raise ValueError("propose_motion needs at least one track (the photo's fitted bodies / objects)")
    if not 0.0 <= float(strength) <= 1.0:
        raise ValueError(f"motion strength must be in [0, 1], got {strength}")
    if num_frames < 2:
        raise ValueError(f"num_frames must be >= 2, got {num_frames}")
    ids = {t.track_id for t in motion0.tracks}
    unknown = set(target or {}) - ids
    if unknown:
        raise ValueError(f"target names unknown track ids {sorted(unknown)}; tracks are {sorted(ids)}")
    for tid, tg in (target or {}).items():
        tr = next(t for t in motion0.tracks if t.track_id == tid)
        if tr.kind != "smplx":
            raise ValueError(f"a sketch target is supported for SMPL-X tracks; track {tid} is {tr.kind!r}")
        if not {"global_orient", "body_pose", "transl"} & set(tg):
            raise ValueError(
                f"target for track {tid} pins nothing (give body_pose, global_orient and/or transl)"
            )


def propose_motion(motion0: MotionSequence, prompt: str, motion_strength: float, num_frames: int, *,
                   target: dict[int, dict[str, np.ndarray]] | None = None, text_encoder=None, pppm=None,
                   fps: float | None = None, config: ProposeConfig | None = None) -> tuple[MotionSequence, list[str]]:  # fmt: skip
    """The prompt's motion from the photo's first-frame tracks (see module doc) → (sequence, notes).

    ``motion0``: tracks whose frame 0 is the photo's fit (SMPL-X people, 21-point objects; camera space)
    and the camera. ``target``: track id → last-frame pose to reach (SMPL-X keys ``global_orient`` (3,),
    ``body_pose`` (63,), ``transl`` (3,), any subset, plus an optional ``joint_mask`` (21,) bool of the
    body_pose joints the sketch pins; default all). ``text_encoder``: the matcher's encoder (default: the
    shipped MiniLM). ``pppm``: a loaded PPPM to refine the proposal (None: not refined, said in the notes).
    Returns ``num_frames`` frames at ``fps`` (default ``motion0.fps``), confidence 1, ``motion_strength``
    set; frame 0 equals ``motion0``'s frame 0.
    """
    cfg = config or ProposeConfig()
    _check(motion0, motion_strength, num_frames, target)
    fps = float(fps or motion0.fps)
    s = float(motion_strength)
    notes: list[str] = []
    kinds = {t.kind for t in motion0.tracks}
    # 1. match the prompt
    person = match_action(prompt, text_encoder, kinds=("person",)) if kinds & {"smplx", "smal"} else None
    obj = match_action(prompt, text_encoder, kinds=("object",)) if "object" in kinds else None
    if person is not None:
        if person.similarity < cfg.min_similarity or (
            obj is not None and obj.similarity > person.similarity + 0.1
        ):
            notes.append(f"people: no person action recognised in {prompt!r} (best {person.action!r}, "
                         f"similarity {person.similarity:.2f}); they stand still")  # fmt: skip
            person = ActionMatch("stand_still", person.similarity, person.paraphrase)
        else:
            cue = f"; cues: {', '.join(person.cues)}" if person.cues else ""
            notes.append(f"people: action {person.action!r} (nearest paraphrase {person.paraphrase!r}, "
                         f"similarity {person.similarity:.2f}{cue})")  # fmt: skip
    obj_action = None
    if obj is not None:
        if obj.similarity >= cfg.min_similarity and (
            person is None or obj.similarity >= person.similarity - 0.1
        ):
            obj_action = obj.action
            notes.append(f"objects: action {obj.action!r} (nearest paraphrase {obj.paraphrase!r}, "
                         f"similarity {obj.similarity:.2f})")  # fmt: skip
        else:
            notes.append("objects: no object action in the prompt; they stay where they are")
    # 2. generate from the photo's pose
    leave = person is not None and base_action(person.action) == "run"  # runs may leave the picture;
    if person is not None and base_action(person.action) == "walk":  # walks only when the prompt says so
        leave = any(_has(prompt.lower(), c) for c in LEAVE_CUES)
    tracks, airborne, grounds, frames = [], {}, [], {}
    for tr in motion0.tracks:
        # per-frame params at frame 0; per-track constants (betas, girth) whole
        p0 = {k: (np.asarray(v)[0] if k in MOTION_KEYS[tr.kind] else np.asarray(v))
              for k, v in tr.params.items()}  # fmt: skip
        if tr.kind == "smplx":
            frames[tr.track_id] = ground_frame(p0["global_orient"])
            if base_action(person.action) == "walk" and not leave and cfg.physics.keep_in_frame:
                params, air, k = propose_walk_in_frame(p0, person.action, num_frames, fps, s, cfg, motion0.camera,
                                                       frame=frames[tr.track_id])  # fmt: skip
                if k < 1.0:
                    notes.append(f"track {tr.track_id}: walk slowed to {k:.2f}x to stay in the picture")
            elif base_action(person.action) == "raise" and cfg.physics.keep_in_frame:
                params, air, how = propose_raise_in_frame(p0, person.action, num_frames, fps, s, cfg, motion0.camera,
                                                          frame=frames[tr.track_id])  # fmt: skip
                if how:
                    notes.append(f"track {tr.track_id}: {how}")
            elif base_action(person.action) == "wave" and cfg.physics.keep_in_frame:
                params, air, how = propose_wave_in_frame(p0, person.action, num_frames, fps, s, cfg, motion0.camera,
                                                         frame=frames[tr.track_id])  # fmt: skip
                if how:
                    notes.append(f"track {tr.track_id}: {how}")
            elif person.action == "jump" and cfg.physics.keep_in_frame:
                params, air, how = propose_jump_in_frame(p0, person.action, num_frames, fps, s, cfg, motion0.camera,
                                                         frame=frames[tr.track_id])  # fmt: skip
                if how:
                    notes.append(f"track {tr.track_id}: {how} to keep the head in the picture")
            elif (
                cfg.physics.keep_in_frame and not leave and base_action(person.action) not in ("walk", "run")
            ):
                params, air, how = propose_kept_in_frame(p0, person.action, num_frames, fps, s, cfg, motion0.camera,
                                                         frame=frames[tr.track_id])  # fmt: skip
                if how:
                    notes.append(f"track {tr.track_id}: {how}")
            else:
                params, air = propose_person(
                    p0, person.action, num_frames, fps, s, cfg, frame=frames[tr.track_id]
                )
            if base_action(person.action) == "walk" and cfg.even_pace:
                # before the sketch target and PPPM, so a sketch changes the arms, not the legs' timing
                params, air, shift = even_pace(params, air, motion0.camera, cfg.physics, frames[tr.track_id],
                                               cfg.even_pace_iterations)  # fmt: skip
                if shift > 0.05:
                    notes.append(f"track {tr.track_id}: walk re-timed to an even pace (frames moved by ≤ {shift:.2f})")
            airborne[tr.track_id] = air
            first = {k: np.asarray(v)[None] if k in MOTION_KEYS["smplx"] else v for k, v in p0.items()}
            grounds.append(float(foot_heights(body_points(first)[0] @ R_WC)[0].min()))
        elif tr.kind == "smal":
            params, _ = propose_person(p0, person.action, num_frames, fps, s, cfg, kind="smal")
            notes.append(f"track {tr.track_id} (animal): the library's animal motion nearest to {person.action!r} "
                         "(no physics step for animals)")  # fmt: skip
        else:
            params = {"points": np.repeat(np.asarray(p0["points"])[None], num_frames, 0).astype(np.float32)}
        tracks.append(Track(tr.track_id, tr.kind, params, np.ones(num_frames, np.float32), tr.label))
    if obj_action is not None:
        g = min(grounds) if grounds else None
        dirn = direction_cue(prompt)
        heading = {"left": -np.pi / 2, "right": np.pi / 2, "towards": 0.0, "away": np.pi}.get(
            dirn or "", cfg.object_default_heading
        )
        for tr in tracks:
            if tr.kind == "object":
                tr.params["points"] = propose_object(
                    tr.params["points"][0], obj_action, num_frames, fps, s, g, heading
                )
    # 3. sketch target
    start = int(round(cfg.target_blend_from * (num_frames - 1)))
    for tr in tracks:
        if target and tr.track_id in target:
            tr.params = _reach_target(tr.params, target[tr.track_id], start)
    seq = MotionSequence(tracks, motion0.camera, num_frames, fps, s)
    # 4. PPPM refinement (frame 0 pinned; the sketch target pinned last)
    if pppm is not None:
        from revision.pppm.refine import refine

        pins = {tr.track_id: {k: tr.params[k][-1] for k in ("global_orient", "body_pose", "transl")}
                for tr in tracks if target and tr.track_id in target}  # fmt: skip
        seq = refine(
            pppm, seq, prompt, s, pinned_last=pins or None, text_encoder=text_encoder, reference_strength=None
        )
        for tr in seq.tracks:
            tr.confidence = np.ones(num_frames, np.float32)
        notes.append(f"PPPM refined the proposal ({pppm.config.text_encoder}, strength {s:.2f})")
    else:
        notes.append("PPPM not given: the proposal is not refined")
    # 5. physics, then the sketch target's root pins again
    for tr in seq.tracks:
        if tr.kind != "smplx":
            continue
        tr.params, rep = apply_physics(tr.params, seq.camera, airborne=airborne.get(tr.track_id),
                                       allow_leave_frame=leave, config=cfg.physics,
                                       frame=frames.get(tr.track_id))  # fmt: skip
        notes += [f"track {tr.track_id}: {n}" for n in rep.notes]
        if target and tr.track_id in target:
            tr.params = _reach_target(tr.params, target[tr.track_id], start)
    return seq, notes
