"""The ReVision benchmark systems (revision = S3 conditioned, revision-guided, revision-animation) on the tiny
model: registered, generating at their documented sizes (the animation at the photo's aspect), exported
without distortion, and the manifest → user study hand-over (validate, init, serve, vote) with them."""

import json
from dataclasses import replace

import numpy as np
import PIL.Image
import pytest

from eval.benchmark.__main__ import build_parser
from eval.benchmark.models import (
    FRAMING_CROP,
    FRAMING_WHOLE,
    MODEL_KINDS,
    REVISION_S3,
    fit_input,
    tiny_model,
)
from eval.benchmark.runner import BenchmarkConfig, contain_size, export_frames, run_benchmark
from eval.video_io import read_video

SYSTEMS = ["revision", "revision-guided", "revision-animation", "svd"]
SHAPES = {"a person dances": (120, 160), "a dog runs": (144, 96)}  # (H, W): landscape 4:3 and portrait 2:3


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    d = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for name, (h, w) in SHAPES.items():
        PIL.Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(d / f"{name}.png")
    return d


@pytest.fixture(scope="module")
def models():
    return {k: tiny_model(k) for k in SYSTEMS}


def test_systems_registered_with_their_s3_mode(models):
    assert set(REVISION_S3) | {"svd", "hunyuan-i2v"} == set(MODEL_KINDS)
    assert REVISION_S3 == {"revision": "conditioned", "revision-guided": "guided", "revision-animation": "animation"}
    assert build_parser().parse_args(["--images", "x", "--out", "y"]).models.split(",") == list(MODEL_KINDS)
    for kind, s3 in REVISION_S3.items():
        d = models[kind].describe()
        assert models[kind].name == kind and d["s3"] == s3 and f"s3={s3!r}" in d["implementation"]
    anim, cond = models["revision-animation"].describe(), models["revision"].describe()
    assert anim["input_framing"] == FRAMING_WHOLE and "height" not in anim and anim["max_side"] >= 16
    assert cond["input_framing"] == FRAMING_CROP and (cond["height"], cond["width"]) == (64, 64)
    assert models["svd"].describe()["input_framing"] == FRAMING_CROP


@pytest.mark.parametrize("hw", [(120, 160), (144, 96)])
def test_tiny_systems_generate_at_their_sizes(models, hw):
    image = PIL.Image.fromarray(np.random.default_rng(1).integers(0, 255, (*hw, 3), dtype=np.uint8))
    gens = {k: models[k].generate(image, "a person dances", seed=3) for k in REVISION_S3}
    for kind, s3 in REVISION_S3.items():
        assert gens[kind].info["s3_mode"] == s3 and gens[kind].info["s3_reason"] == "chosen by the user"
        assert gens[kind].frames.dtype == np.uint8 and gens[kind].frames.ndim == 4
    anim = gens["revision-animation"]
    assert anim.frames.shape == (16, *hw, 3) and anim.fps == 8.0  # the photo's size and aspect (tiny config)
    # S2 is off in the tiny model: the animation is the photo standing still
    assert np.abs(anim.frames.astype(int) - np.asarray(image)[None]).max() <= 1
    for kind in ("revision", "revision-guided"):
        assert gens[kind].frames.shape == (4, 64, 64, 3) and gens[kind].fps == 7.0  # the model's size
        assert "centre-cropped" in " ".join(gens[kind].info["notes"])


def test_baselines_get_the_same_centre_crop_as_revision():
    image = PIL.Image.fromarray(np.random.default_rng(2).integers(0, 255, (120, 160, 3), dtype=np.uint8))
    fitted = np.asarray(fit_input(image, 64, 64))
    crop = np.asarray(image.crop((20, 0, 140, 120)).resize((64, 64), PIL.Image.Resampling.LANCZOS))
    assert fitted.shape == (64, 64, 3) and np.array_equal(fitted, crop)  # centre crop, not a stretch


def test_export_frames_cover_contain_native():
    frames = np.random.default_rng(3).integers(0, 255, (3, 144, 96, 3), dtype=np.uint8)
    assert export_frames(frames, None) is frames
    assert export_frames(frames, (576, 1024), "cover").shape == (3, 576, 1024, 3)
    assert export_frames(frames, (576, 1024), "contain").shape == (3, 576, 384, 3)  # 2:3 kept
    assert export_frames(frames, (144, 1024), "contain") is frames  # already fits exactly
    with pytest.raises(ValueError, match="export fit"):
        export_frames(frames, (32, 32), "stretch")
    for h, w, bh, bw in [(120, 160, 96, 128), (1080, 1920, 576, 1024), (7, 5, 32, 32), (1000, 3, 64, 64)]:
        H, W = contain_size(h, w, bh, bw)
        assert H % 2 == 0 and W % 2 == 0 and H <= bh and W <= bw and (H == bh // 2 * 2 or W == bw // 2 * 2)
        assert abs(H / W - h / w) <= 2 / min(H, W) * max(h / w, 1) or min(H, W) == 2


def _factory(models):
    def make(kind, device):
        return models[kind]

    return make


@pytest.fixture(scope="module")
def run(tmp_path_factory, images, models):
    """The four systems through the runner, each video kept at its own aspect inside a 96×128 box."""
    out = tmp_path_factory.mktemp("bench") / "run"
    cfg = BenchmarkConfig(SYSTEMS, images, "suite", out, export_size=(96, 128), export_fit="contain")
    return cfg, run_benchmark(cfg, factory=_factory(models), progress=False)


def test_runner_records_native_and_exported_sizes(run):
    cfg, manifest_path = run
    m = json.loads(manifest_path.read_text())
    assert m["systems"] == SYSTEMS and m["export"] == {"size": [96, 128], "fit": "contain"}
    for it in m["items"]:
        hw = SHAPES[it["prompt"]]
        assert set(it["videos"]) == set(SYSTEMS)
        assert it["native_sizes"] == {"revision": [64, 64], "revision-guided": [64, 64],
                                      "revision-animation": list(hw), "svd": [32, 32]}  # fmt: skip
        assert it["sizes"]["revision-animation"] == list(contain_size(*hw, 96, 128))
        assert it["sizes"]["revision"] == it["sizes"]["svd"] == [96, 96]
        for system, rel in it["videos"].items():
            frames, fps = read_video(cfg.out / rel)
            assert list(frames.shape[1:3]) == it["sizes"][system]
            side = json.loads((cfg.out / rel).with_suffix(".json").read_text())
            assert side["export_fit"] == "contain"
            if system in REVISION_S3:
                assert side["info"]["s3_mode"] == REVISION_S3[system]
    animation = [m["items"][i]["sizes"]["revision-animation"] for i in range(2)]
    assert sorted(animation) == [[96, 64], [96, 128]]  # portrait 2:3 and landscape 4:3, neither distorted
    rows = (cfg.out / "timings.csv").read_text().strip().splitlines()
    assert rows[0].endswith("export_h,export_w") and len(rows) == 1 + 2 * len(SYSTEMS)
    prov = json.loads((cfg.out / "provenance.json").read_text())
    assert prov["systems"]["revision-animation"]["s3"] == "animation"


def test_resume_refuses_another_export(run, models):
    cfg, manifest_path = run
    before = manifest_path.read_text()
    calls = []

    def factory(kind, device):
        calls.append(kind)
        return models[kind]

    for other in (replace(cfg, export_fit="cover"), replace(cfg, export_size=(64, 64)), replace(cfg, export_size=None)):
        with pytest.raises(ValueError, match="exported with"):
            run_benchmark(other, factory=factory, progress=False)
    assert run_benchmark(cfg, factory=factory, progress=False) == manifest_path  # same settings: nothing to do
    assert calls == [] and manifest_path.read_text() == before


def _video_hw(data: bytes, tmp) -> tuple[int, int]:
    path = tmp / "served.mp4"
    path.write_bytes(data)
    return tuple(read_video(path)[0].shape[1:3])


def test_manifest_feeds_the_user_study(run, tmp_path, capsys):
    """validate → init → serve (MTurk entry) → every pair's two videos served at their own size → votes."""
    from fastapi.testclient import TestClient

    from user_study.app import AppConfig, create_app
    from user_study.cli import main as study_main
    from user_study.store import Store
    from user_study.study import load_study

    cfg, manifest_path = run
    manifest = json.loads(manifest_path.read_text())
    assert study_main(["validate", str(manifest_path)]) == 0  # a bare manifest: every system pair
    summary = json.loads(capsys.readouterr().out)
    assert summary["systems"] == SYSTEMS and summary["pairs"] == 2 * 6 and summary["missing_videos"] == 0
    study_file = cfg.out / "study.yaml"
    study_file.write_text("name: tiny-bench\nmanifest: manifest.json\nreference: revision-animation\nbatch_size: 6\n")
    db = f"sqlite:///{tmp_path / 'study.db'}"
    assert study_main(["init", str(study_file), "--db", db]) == 0
    study = load_study(study_file)
    assert len(study.pairs) == 2 * 3 and all(p.a.system == "revision-animation" for p in study.pairs)
    assert {p.b.system for p in study.pairs} == {"revision", "revision-guided", "svd"}

    sizes = {(it["input_id"], s): tuple(hw) for it in manifest["items"] for s, hw in it["sizes"].items()}
    store = Store(db, study)
    app = create_app(study, store, AppConfig(admin_token="t", turk_submit_hosts=("https://workersandbox.mturk.com",)))
    served = set()
    with TestClient(app) as client:
        page = client.get("/", params={"workerId": "W1", "assignmentId": "A1", "hitId": "H1",
                                       "turkSubmitTo": "https://workersandbox.mturk.com"})  # fmt: skip
        assert page.status_code == 200
        cfg_json = page.text.split('<script id="cfg" type="application/json">')[1].split("</script>")[0]
        token = json.loads(cfg_json)["token"]
        assignments = client.get(f"/api/session/{token}").json()["assignments"]
        views = {v.id: v for v in store.session_view(token).assignments}  # the server-side pair of each item
        assert len(assignments) == 6 + 1  # every pair once + one side-swapped repeat (repeats_per_batch 1)
        for a in assignments:
            view = views[a["id"]]
            pair = study.pair(view.pair_id)
            left, right = (pair.a, pair.b) if view.left == "a" else (pair.b, pair.a)
            for side, shown in (("left", left), ("right", right)):
                r = client.get(f"/media/{token}/{a['id']}/{side}")
                assert r.status_code == 200 and r.headers["content-type"] == "video/mp4"
                hw = _video_hw(r.content, tmp_path)
                assert hw == sizes[(pair.input_id, shown.system)]  # the manifest's size for that system
                served.add(hw)
            body = {"token": token, "assignment_id": a["id"], "watch_left_ms": 600, "watch_right_ms": 640,
                    "answers": {"motion_consistency": "left", "amount_of_motion": "right", "motion_realism": "tie",
                                "interaction": "none"}}  # fmt: skip
            assert client.post("/api/vote", json=body).status_code == 201
        assert client.post("/api/complete", json={"token": token}).status_code == 200
    assert {(96, 64), (96, 128), (96, 96)} <= served  # each video at its own aspect
    assert len(store.vote_rows()) == 7 * 4  # 4 questions per item
    store.dispose()


@pytest.mark.browser
def test_study_page_shows_each_video_at_its_own_aspect(run, tmp_path):
    """Headless Chromium on the served study: the two videos of a pair (the photo animation at the photo's
    aspect against a square model video) are laid out at their own aspect, neither stretched nor cropped."""
    import shutil
    import threading
    import time

    import uvicorn

    from user_study.app import AppConfig, create_app
    from user_study.loadtest import free_port
    from user_study.store import Store
    from user_study.study import study_from_dict

    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (test-only dependency)")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not shutil.which(chromium):
        pytest.skip("Chromium not found (apt-get install chromium)")
    cfg, _ = run
    study = study_from_dict({"name": "aspect", "manifest": "manifest.json", "reference": "revision-animation",
                             "repeats_per_batch": 0}, cfg.out)  # fmt: skip
    store = Store(f"sqlite:///{tmp_path / 'b.db'}", study)
    store.init()
    app = create_app(study, store, AppConfig(admin_token="t", turk_submit_hosts=("http://127.0.0.1:9",)))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--headless", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{server.config.port}/?workerId=W1&assignmentId=A1&hitId=H1"
                      "&turkSubmitTo=http://127.0.0.1:9")  # fmt: skip
            # poll from Python: wait_for_function's polling evals a string, which the page's CSP forbids
            probe = ("() => ['video-left', 'video-right'].map(id => { const v = document.getElementById(id); "
                     "return [v.readyState, v.videoHeight, v.videoWidth, v.clientHeight, v.clientWidth]; })")  # fmt: skip
            until = time.time() + 60
            while (state := page.evaluate(probe)) and min(v[0] for v in state) < 1 and time.time() < until:
                time.sleep(0.2)
            shown = [v[1:] for v in state]
            browser.close()
    finally:
        server.should_exit = True
        thread.join(10)
    assert all(v[0] >= 1 for v in state), f"video metadata not loaded: {state}"
    (h0, w0, _, _), (h1, w1, _, _) = shown
    assert h0 * w1 != h1 * w0  # the two sides differ in aspect (animation vs the square model video)
    for vh, vw, ch, cw in shown:
        assert cw > 100 and abs(ch / cw - vh / vw) < 0.02  # laid out at the video's own aspect
