"""S2 on full-resolution real photos: people found, projected-body vs person-mask IoU, fit seconds.

    python -m benchmarks.photo_fit_bench [--photos astronaut basketball1 ...] [--no-silhouette-baseline] [--s2]

Per photo of :mod:`benchmarks.photo_set`: people expected / found (``MultiPersonPose``), for every
fitted person the IoU of its projected SMPL-X mesh (``revision.render``, that track alone) with its
person mask (for a person partly hidden behind something, ``Detection.hidden``, over the pixels the occluder
leaves, the plain IoU beside it; the fit's silhouette takes the mask, the hidden pixels as don't-care, as S2's does), with the silhouette term (``masks=``) and, side by side, without it (same detections,
same iterations otherwise); fit seconds per person; the wrists' distances (fitted marker to MediaPipe's
keypoint, px) and how many landmarks the fit's leash (``SMPLXFitConfig.w_leash``) held; the fitted per-segment
girth (``revision.body.girth``: relative radius change of torso, upper arm, forearm, hand, thigh, shin; the IoU
renders the body with it, as the animator does); for photos with
no person (the cat) the number of human bodies fitted (must be 0). Fit time is wall and CPU seconds (the CPU figure is what an unloaded
machine would take; the wall one includes other processes). ``--s2``: also the whole S2 on the photo,
``revision.lifting.extract_motion(Clip(photo[None]))`` (perceive → track → lift, every backend), with
the lifted track kinds and its wall and CPU seconds.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def person_iou(track, mask: np.ndarray, camera, hidden: np.ndarray | None = None) -> float:
    """IoU of one SMPL-X track's projected mesh (frame 0) with a (H, W) bool mask; ``hidden`` (H, W) bool, the
    pixels an occluder covers (``Detection.hidden``: a person behind a sign), are left out of both sets: the
    photo cannot say whether the body is there (occlusion-aware IoU; the plain IoU when ``hidden`` is None)."""
    from revision.perception import mask_iou
    from revision.render import render_condition
    from revision.types import MotionSequence

    H, W = mask.shape
    cond = render_condition(MotionSequence([track], camera, 1, 7.0), H, W)
    body = cond.part_ids[0] > 0
    if hidden is not None:
        body, mask = body & ~hidden, mask & ~hidden
    return mask_iou(body, mask)


def wrist_distances(markers: np.ndarray, keypoints2d: np.ndarray, camera) -> tuple[float, float]:
    """(33, 3) fitted markers (camera space), (33, 3) MediaPipe keypoints → (left, right) wrist distance, px."""
    from revision.render import project_points

    uv, _ = project_points(markers[[15, 16]], camera)
    d = np.linalg.norm(uv - keypoints2d[[15, 16], :2], axis=1)
    return float(d[0]), float(d[1])


def run(names: list[str] | None = None, baseline: bool = True, s2: bool = False) -> list[dict]:
    import torch

    from benchmarks.photo_set import PHOTOS
    from revision.lifting.extract import _default_skeleton
    from revision.lifting.smplx_fit import SMPLXFitConfig, fit_smplx
    from revision.perception.multi_person import MultiPersonPose
    from revision.types import Camera, Track

    torch.set_num_threads(1)
    skeleton, _ = _default_skeleton()
    det = MultiPersonPose()
    rows = []
    for p in PHOTOS:
        if names and p.name not in names:
            continue
        img = p.load()
        H, W = img.shape[:2]
        cam = Camera.from_image_size(W, H, 55.0)
        det.reset()
        t0 = time.perf_counter()
        people = det.detect(img)
        t_det = time.perf_counter() - t0
        row = {"photo": p.name, "size": f"{W}x{H}", "expected": p.people, "found": len(people),
               "detect_s": t_det, "iou": [], "iou_nomask": [], "fit_s": [], "fit_cpu_s": [], "wrists": [],
               "leashed": [], "girth": []}  # fmt: skip
        for d in people:
            k2, k3 = d.keypoints2d[None], None if d.keypoints3d is None else d.keypoints3d[None]
            t0, c0 = time.perf_counter(), time.process_time()
            hid = None if d.hidden is None else [d.hidden]  # as S2 fits it (extract.lift): hidden is don't-care
            fit = fit_smplx(skeleton, k2, k3, cam, SMPLXFitConfig(), scores=np.array([d.score]), masks=[d.mask],
                            hidden=hid)  # fmt: skip
            row["fit_s"].append(time.perf_counter() - t0)
            row["fit_cpu_s"].append(time.process_time() - c0)
            track = Track(0, "smplx", fit.params, fit.confidence)
            row["iou"].append(person_iou(track, d.mask, cam, d.hidden))
            if d.hidden is not None and d.hidden.any():  # partly hidden: the plain IoU too (the hidden body counts)
                row.setdefault("iou_plain", {})[len(row["iou"]) - 1] = person_iou(track, d.mask, cam)
            row["wrists"].append(wrist_distances(fit.markers[0], d.keypoints2d, cam))
            row["leashed"].append(int(fit.stats.get("leashed", 0)))
            row["girth"].append(fit.params.get("girth"))
            if baseline:
                fit0 = fit_smplx(skeleton, k2, k3, cam, SMPLXFitConfig(), scores=np.array([d.score]))
                row["iou_nomask"].append(
                    person_iou(Track(0, "smplx", fit0.params, fit0.confidence), d.mask, cam, d.hidden)
                )
        if s2:
            from revision.lifting import extract_motion
            from revision.types import Clip

            t0, c0 = time.perf_counter(), time.process_time()
            ex = extract_motion(Clip(img[None]))
            row["s2_s"], row["s2_cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
            row["s2_tracks"] = [t.kind for t in ex.motion.tracks]
        rows.append(row)
    det.close()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--photos", nargs="*", default=None)
    ap.add_argument("--no-silhouette-baseline", action="store_true", help="skip the fit without masks")
    ap.add_argument("--s2", action="store_true", help="also time extract_motion on the photo (whole S2)")
    a = ap.parse_args()
    rows = run(a.photos, baseline=not a.no_silhouette_baseline, s2=a.s2)
    print(f"{'photo':16s} {'size':9s} {'exp':>3s} {'found':>5s} {'detect s':>8s}  per person: IoU silhouette "
          f"(IoU without masks) fit s wall/CPU")  # fmt: skip
    for r in rows:
        per = "  ".join(
            f"{i:.3f} ({n:.3f}) {s:.1f}/{c:.1f}s" if r["iou_nomask"] else f"{i:.3f} {s:.1f}/{c:.1f}s"
            for i, n, s, c in zip(r["iou"], r["iou_nomask"] or r["iou"], r["fit_s"], r["fit_cpu_s"])
        )
        extra = f"  human bodies fitted: {r['found']} (must be 0)" if r["expected"] == 0 else ""
        if "s2_s" in r:
            extra += f"  | S2 {r['s2_s']:.1f}s wall / {r['s2_cpu_s']:.1f}s CPU, tracks {','.join(r['s2_tracks']) or '-'}"
        print(f"{r['photo']:16s} {r['size']:9s} {r['expected']:3d} {r['found']:5d} {r['detect_s']:8.2f}  {per}{extra}")
        if r["wrists"]:
            wr = "  ".join(f"{a:.0f}/{b:.0f}" + (f" (leashed {k})" if k else "") for (a, b), k in
                           zip(r["wrists"], r["leashed"]))  # fmt: skip
            print(f"{'':16s} wrists l/r, px from MediaPipe's: {wr}")
        for k, plain in r.get("iou_plain", {}).items():
            print(f"{'':16s} person {k} partly hidden (Detection.hidden): IoU {r['iou'][k]:.3f} over the pixels the "
                  f"occluder leaves, {plain:.3f} plain (his hidden body counted against the visible mask)")  # fmt: skip
        if any(g is not None for g in r["girth"]):
            gs = "  ".join("-" if g is None else "/".join(f"{x:+.2f}" for x in g) for g in r["girth"])
            print(f"{'':16s} girth (torso/upper arm/forearm/hand/thigh/shin): {gs}")
    ious = [i for r in rows for i in r["iou"]]
    if ious:
        print(f"people fitted: {len(ious)}; IoU min {min(ious):.3f} median {float(np.median(ious)):.3f}; "
              f"≥ 0.85: {sum(i >= 0.85 for i in ious)}/{len(ious)}")  # fmt: skip


if __name__ == "__main__":
    main()
