"""Prompt → motion benchmark: does :func:`revision.pppm.propose.propose_motion` do what the words say?

    python -m benchmarks.motion_text_bench                  # with the embedded PPPM refining the proposals
    python -m benchmarks.motion_text_bench --pppm none      # the proposal + physics alone
    python -m benchmarks.motion_text_bench --pppm DIR --frames 28 --fps 7

Cases: every action's HELD-OUT paraphrases (:data:`revision.synthetic.captions.HELDOUT_PARAPHRASES`,
never seen by the matcher or the training) × 3 start scenes (different body shapes, headings, start
poses, positions; the third holds two people, both checked). People are checked by the independent
kinematic signatures of :mod:`benchmarks.motion_signatures`; object prompts put a ball/box beside a
person. Also printed: limb travel at strength 0.9 vs 0.2 (wrists + ankles, 3D path length), foot skate
(cm/frame while planted) and ground penetration (cm) of the proposals vs the library's own motions (the
"ground truth" generator output for the same actions), and the sketch reach error on the last frame
(2D distance of the sketched joints from the drawn pose, as a fraction of the image diagonal).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

ARM_JOINTS = (13, 14, 16, 17, 18, 19, 20, 21)  # collars, shoulders, elbows, wrists (SMPL-X ids)


def start_scenes():
    """Three photo-like start scenes: lists of (betas, world start pose dict, x offset, heading)."""
    from revision.synthetic import motions as M

    def person(betas, heading, x, edits):
        p = M.action_motion("stand_still", 1, strength=0.0, jitter=False, betas=np.asarray(betas, float))
        bp = p["body_pose"].reshape(21, 3)
        for joint, rv in edits.items():
            bp[M.SMPLX_BODY_JOINTS.index(joint)] = M.euler(*rv)
        p["body_pose"] = bp.reshape(1, 63)
        from scipy.spatial.transform import Rotation

        p["global_orient"] = (Rotation.from_euler("y", heading) * Rotation.from_rotvec(p["global_orient"][0])).as_rotvec()[None]
        p["transl"] = np.array([[x, 0.0, 0.0]], np.float32)
        return p

    b = np.zeros(10)
    return [
        [person(b, 0.0, 0.0, {})],
        [person(np.r_[1.5, 1.0, 0.5, np.zeros(7)], 0.5, -0.4,
                {"left_shoulder": (-0.3, 0, -1.0), "right_shoulder": (-0.2, 0, 1.3), "left_elbow": (0, -0.6, 0),
                 "right_elbow": (0, 0.4, 0), "spine2": (0.1, 0, 0)})],
        [person(np.r_[-1.5, -1.0, -0.5, np.zeros(7)], -0.4, 0.6,
                {"right_shoulder": (0, 0, 0.7), "right_elbow": (0, 1.4, 0), "left_knee": (0.3, 0, 0),
                 "right_knee": (0.2, 0, 0), "head": (0.1, 0.2, 0)}),
         person(np.r_[0.5, -0.5, 1.0, np.zeros(7)], 0.2, -0.8, {"left_shoulder": (0, 0, -0.9)})],
    ]  # fmt: skip


def scene_motion(people, objects=(), image_size: int = 512, fps: float = 7.0):
    """World-frame start params → a 1-frame camera-space MotionSequence (default camera 4 m away)."""
    from revision.pppm.physics import rest_pelvis
    from revision.synthetic import motions as M
    from revision.types import Camera, MotionSequence, Track

    R, t = M.default_extrinsics()
    tracks = [Track(i, "smplx", M.to_camera("smplx", p, R, t, pelvis=rest_pelvis(p["betas"])), np.ones(1, np.float32))
              for i, p in enumerate(people)]  # fmt: skip
    for k, pts in enumerate(objects):
        tracks.append(Track(len(people) + k, "object", M.to_camera("object", {"points": pts[None]}, R, t), np.ones(1, np.float32)))
    return MotionSequence(tracks, Camera.from_image_size(image_size, image_size), 1, fps)


def object_start(action: str, variant: int) -> np.ndarray:
    from revision.synthetic import motions as M

    size = (0.1, 0.2, 0.15)[variant]
    x = (0.8, -0.9, 1.0)[variant]
    y = size if action in ("roll", "slide") else (1.0, 0.8, 0.6)[variant]
    return M.object_points(np.array([[x, y, 0.3]]), np.zeros((1, 3)), (size, size))[0]


def _project(cam, x: np.ndarray) -> np.ndarray:
    return np.stack([cam.fx * x[:, 0] / x[:, 2] + cam.cx, cam.fy * x[:, 1] / x[:, 2] + cam.cy], -1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pppm", default="embedded", help="'embedded' (default weights), 'none', or a checkpoint folder")
    p.add_argument("--frames", type=int, default=28)
    p.add_argument("--fps", type=float, default=7.0)
    p.add_argument("--strength", type=float, default=0.5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--verbose", action="store_true", help="print every failed case with the signature's reason")
    args = p.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    from benchmarks.motion_signatures import check, check_object, foot_metrics, limb_travel
    from revision.pppm.physics import body_points, rest_pelvis
    from revision.pppm.propose import propose_motion
    from revision.synthetic import captions as C
    from revision.synthetic import motions as M

    pppm = None
    if args.pppm != "none":
        from revision.pppm.checkpoint import load_pppm

        pppm = load_pppm(None if args.pppm == "embedded" else args.pppm)
    print(f"PPPM: {args.pppm}; {args.frames} frames at {args.fps} fps, strength {args.strength}")
    scenes = start_scenes()
    F, fps = args.frames, args.fps
    t0 = time.perf_counter()

    # 1. held-out paraphrases × start scenes → signatures
    per_action: dict[str, list[bool]] = {}
    skates, pens, fails = [], [], []
    for action, prompts in C.HELDOUT_PARAPHRASES.items():
        for prompt in prompts:
            for si, people in enumerate(scenes):
                if action in C.OBJECT_ACTIONS:
                    m0 = scene_motion(people[:1], [object_start(action, si)], fps=fps)
                else:
                    m0 = scene_motion(people, fps=fps)
                seq, notes = propose_motion(m0, prompt, args.strength, F, pppm=pppm)
                oks = []
                for tr in seq.tracks:
                    if tr.kind == "smplx":
                        j, mk = body_points(tr.params)
                        s, pe = foot_metrics(j, fps)
                        skates.append(s)
                        pens.append(pe)
                        if action not in C.OBJECT_ACTIONS:
                            oks.append(check(action, j, mk, fps))
                    elif action in C.OBJECT_ACTIONS:
                        oks.append(check_object(action, tr.params["points"], fps))
                ok = all(o for o, _ in oks)
                per_action.setdefault(action, []).append(ok)
                if not ok:
                    fails.append((action, prompt, si, "; ".join(r for _, r in oks), notes[0]))
    n_ok = sum(sum(v) for v in per_action.values())
    n_all = sum(len(v) for v in per_action.values())
    print(f"\nrecognised by the kinematic signature: {n_ok}/{n_all} = {n_ok / n_all:.1%} "
          f"({len(C.HELDOUT_PARAPHRASES)} actions × held-out paraphrases × 3 start scenes)")  # fmt: skip
    print("| action | passed |\n|---|---|")
    for a, v in per_action.items():
        print(f"| {a} | {sum(v)}/{len(v)} |")
    if args.verbose or len(fails) <= 12:
        for a, prompt, si, why, note in fails:
            print(f"  FAIL {a} scene {si}: {prompt!r}: {why} [{note}]")

    # 2. strength: limb travel at 0.9 vs 0.2 (first held-out paraphrase, scene 0)
    rows = []
    for action, prompts in C.HELDOUT_PARAPHRASES.items():
        if action in C.OBJECT_ACTIONS:
            continue
        m0 = scene_motion(scenes[0], fps=fps)
        tr = {s: limb_travel(*body_points(propose_motion(m0, prompts[0], s, F, pppm=pppm)[0].tracks[0].params))
              for s in (0.2, 0.9)}  # fmt: skip
        rows.append((action, tr[0.2], tr[0.9]))
    ratios = [b / max(a, 1e-9) for _, a, b in rows]
    tot = sum(b for *_, b in rows) / max(sum(a for _, a, _ in rows), 1e-9)
    print(f"\nlimb travel (wrists + ankles + nose, 3D path, m) at strength 0.9 vs 0.2: total ratio ×{tot:.2f}, "
          f"median per action ×{statistics.median(ratios):.2f}, ≥ ×2 in {sum(r >= 2 for r in ratios)}/{len(ratios)} actions")  # fmt: skip
    print("| action | travel @0.2 | travel @0.9 | ratio |\n|---|---|---|---|")
    for (a, x, y), r in zip(rows, ratios):
        print(f"| {a} | {x:.2f} | {y:.2f} | {r:.2f} |")

    # 3. foot skate / penetration vs the library's own motions (same actions, scene-0 body, same strength)
    R, t = M.default_extrinsics()
    gs, gp = [], []
    for action in C.HELDOUT_PARAPHRASES:
        if action in C.OBJECT_ACTIONS:
            continue
        for seed in range(3):
            gt = M.action_motion(action, F, fps=fps, strength=args.strength, rng=np.random.default_rng(seed))
            j, _ = body_points(M.to_camera("smplx", gt, R, t, pelvis=rest_pelvis(gt["betas"])))
            s, pe = foot_metrics(j, fps)
            gs.append(s)
            gp.append(pe)
    print("\n| foot contact | skate (cm/frame, planted) | max penetration (cm) mean / worst |\n|---|---|---|")
    print(f"| proposals ({len(skates)} person tracks) | {np.mean(skates):.2f} | {np.mean(pens):.2f} / {np.max(pens):.2f} |")
    print(f"| library motions ({len(gs)}) | {np.mean(gs):.2f} | {np.mean(gp):.2f} / {np.max(gp):.2f} |")

    # 4. sketch reach: last-frame 2D error of the sketched joints / image diagonal
    errs = []
    sketches = [("the woman waves", "arms up", ARM_JOINTS), ("a man jumps", "right arm forward", (14, 17, 19, 21)),
                ("the girl nods", "whole body", tuple(range(22)))]  # fmt: skip
    for prompt, what, joints in sketches:
        for people in scenes:
            m0 = scene_motion(people[:1], fps=fps)
            p0 = {k: np.asarray(v)[0] if k != "betas" else np.asarray(v) for k, v in m0.tracks[0].params.items()}
            tb = p0["body_pose"].reshape(21, 3).copy()
            if what == "arms up":
                up = M.action_motion("raise_both", 12, strength=0.9, jitter=False)["body_pose"][-1].reshape(21, 3)
                for j in (12, 13, 15, 16, 17, 18):  # collars, shoulders, elbows (body_pose rows = joint id - 1)
                    tb[j] = up[j]
                mask = np.zeros(21, bool)
                mask[[12, 13, 15, 16, 17, 18, 19, 20]] = True
            elif what == "right arm forward":
                pt = M.action_motion("point_right", 12, strength=0.9, jitter=False)["body_pose"][-1].reshape(21, 3)
                tb[[13, 16, 18, 20]] = pt[[13, 16, 18, 20]]
                mask = np.zeros(21, bool)
                mask[[13, 16, 18, 20]] = True
            else:
                bw = M.action_motion("bow", 12, strength=0.9, jitter=False)["body_pose"][6].reshape(21, 3)
                tb[[2, 5, 8]] = bw[[2, 5, 8]]
                mask = np.ones(21, bool)
            target = {"body_pose": tb.reshape(63), "global_orient": p0["global_orient"], "transl": p0["transl"], "joint_mask": mask}
            seq, _ = propose_motion(m0, prompt, args.strength, F, pppm=pppm, target={0: target})
            cam = seq.camera
            want = body_points({**target, "global_orient": target["global_orient"][None], "body_pose": tb.reshape(1, 63),
                                "transl": target["transl"][None], "betas": p0["betas"]})[0][0]  # fmt: skip
            got = body_points(seq.tracks[0].params)[0][-1]

            e = np.linalg.norm(_project(cam, got[list(joints)]) - _project(cam, want[list(joints)]), axis=-1).mean()
            errs.append((what, e / np.hypot(cam.width, cam.height)))
    print("\n| sketch | last-frame reach error (fraction of the image diagonal) mean / worst |\n|---|---|")
    for what in dict.fromkeys(w for w, _ in errs):
        v = [e for w, e in errs if w == what]
        print(f"| {what} | {np.mean(v):.4f} / {np.max(v):.4f} |")
    print(f"\n({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
