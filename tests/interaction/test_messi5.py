"""Issue 23 on a real photo: the default pipeline on messi5 (opencv-doc) with "he kicks the ball" (slow: ~1 min)."""

from pathlib import Path

import numpy as np
import pytest

PHOTO = Path(__file__).resolve().parents[2] / "demo" / "photos" / "messi5.jpg"


@pytest.mark.slow
def test_messi5_kick_moves_the_ball_and_waving_does_not():
    from PIL import Image

    from benchmarks.interaction_bench import _project, check_kick, track_patch
    from revision.pipeline import ReVisionPipeline

    pipe = ReVisionPipeline.from_pretrained()
    image = Image.open(PHOTO).convert("RGB")
    photo = np.asarray(image)
    res = pipe(image, prompt="he kicks the ball")
    ball = next(o for o in res.objects if o["label"] == "ball")
    x0, y0, x1, y1 = ball["box"]
    assert abs((x0 + x1) / 2 - 362) < 12 and abs((y0 + y1) / 2 - 314) < 12  # the yellow ball by his feet
    it = res.interaction
    assert it is not None and it["verb"] == "kick" and it["part"].endswith("foot")
    frames = res.final.frames
    tr = next(t for t in res.refined_motion.tracks if t.kind == "object")
    ball_px = _project(res.refined_motion.camera, tr.params["points"][:, 20].astype(np.float64))
    ball_px = ball_px * photo.shape[1] / frames.shape[2]
    m = check_kick(frames, photo, ball["box"], it["contact_frame"], ball_px)
    assert m["travel_track_frac"] >= 0.10, m
    assert m["move_start"] is not None and abs(m["move_start"] - (it["contact_frame"] + 1)) <= 2, m
    assert m["patch_corr_in_view"] > 0.7, m  # the ball keeps its look while fully in view
    assert m["corr_after_contact"][0] > 0.7, (
        m
    )  # ... and right after the kick (rolled and nearer, not smeared)
    assert m["person_frac"] >= 0.9, m
    assert m["psnr0"] >= 30, m
    # no interaction in the prompt: the ball stays where it is (marked by a box, so it is an object track)
    still = pipe(image, prompt="he waves", objects=[ball["box"]])
    assert still.interaction is None
    c, _ = track_patch(still.final.frames, tuple(int(round(v)) for v in ball["box"]))
    assert np.nanmax(np.linalg.norm(c - c[0], axis=1)) <= 2.0
