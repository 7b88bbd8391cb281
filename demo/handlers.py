"""Event handlers: one parameterised function per action, bound to a :class:`DemoContext` with ``partial``.

Handlers convert component values (:mod:`demo.convert`), call the pipeline with them (per-request
choices such as ``s2`` and ``s1_step_fraction`` are call arguments: the shared pipeline is never copied
or changed), write the run's files and raise ``gr.Error`` with a clear message for anything the user can
fix. They hold no state of their own: the pipeline and folders come in through the frozen context,
per-session values (the cancel token, the motion shown in the 3D view) through ``gr.State``.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import gradio as gr

from demo.convert import (
    UploadLimits,
    UserInputError,
    editor_to_sketch,
    load_image,
    motion_to_npz,
    notes_markdown,
    run_summary,
    side_by_side,
)
from demo.objects import found_note, parse_boxes, preview
from demo.plots import motion_figure
from demo.streaming import Cancelled, stream_call
from revision.inputs import InputError
from revision.s2 import S2_CHOICES
from revision.s3 import S3_CHOICES
from revision.sketch import SketchError
from revision.weights import WeightsNotFoundError

log = logging.getLogger(__name__)

__all__ = ["S2_CHOICES", "S3_CHOICES", "DemoContext", "generate"]
RUN_PREFIX = "run-"
USER_ERRORS = (UserInputError, InputError, SketchError, WeightsNotFoundError)  # shown as gr.Error, not logged


@dataclass(frozen=True)
class DemoContext:
    pipeline: Any | None  # a ReVisionPipeline (or a test fake with the same call); None when loading failed
    runs_dir: Path  # every generation writes its files into a fresh folder under here
    load_error: str | None = None  # shown as the error of every generate call when ``pipeline`` is None
    limits: UploadLimits = field(default_factory=UploadLimits)
    keep_runs: int = 20  # run folders kept under runs_dir (older ones are removed when a new run starts)


def new_session() -> dict[str, int]:
    """Per-session cancel token: ``run`` counts generations, runs ≤ ``cancelled`` stop at their next step."""
    return {"run": 0, "cancelled": 0}


def cancel(session: dict[str, int]) -> str:
    session["cancelled"] = session["run"]
    return "Cancelled: the running generation stops at its next denoising step."


def image_to_sketchpad(image_path: str | None) -> dict | None:
    """Put the uploaded first frame under the sketchpad (clears any strokes)."""
    if not image_path:
        return None
    return {"background": image_path, "layers": [], "composite": image_path}


def prune_runs(runs_dir: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` run folders under ``runs_dir``; returns the removed ones."""
    runs = sorted((p for p in runs_dir.glob(f"{RUN_PREFIX}*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    old = runs[: max(0, len(runs) - keep)]
    for p in old:
        shutil.rmtree(p, ignore_errors=True)
    return old


def generate(
    ctx: DemoContext,
    image_path: str | None,
    prompt: str,
    motion_strength: float,
    sketch_value: dict | None,
    seed: int,
    num_frames: int,
    steps: int,
    s1_step_fraction: float,
    fps: float,
    s2_backend: str,
    s3_mode: str = "auto",
    session: dict[str, int] | None = None,
    object_boxes: str = "",
    progress=gr.Progress(),
) -> Iterator[tuple]:
    """The Generate button and the ``/generate`` API: one run of the pipeline, shown stage by stage.

    Yields the output tuple (see :func:`_present`) several times: cleared outputs + notices at the start,
    each stage's outputs as the pipeline hands them over (S1's coarse clip, S2's condition video and 3D
    view, in the order they come: S3 "animation" runs S2 first and then makes S1's preview), and everything
    (final, comparison, timings, downloads, labels naming the S3 mode that ran and why) at the end — the
    last yield is what ``/generate`` returns. ``s3_mode``: one of ``revision.s3.S3_CHOICES``. ``object_boxes``:
    the user's boxes around the object the person interacts with (:func:`demo.objects.parse_boxes`; '' = let S2
    find it), passed as the pipeline's ``objects=``; what S2 found comes back in the last output (a list of
    dicts with "label", "box", "score", "how") and as a notes line.
    The pipeline runs in a worker thread (:func:`demo.streaming.stream_call`); this generator reports
    its progress through ``gr.Progress`` on the request's thread.
    """
    if ctx.pipeline is None:
        raise gr.Error(ctx.load_error or "No model is loaded.", duration=None, print_exception=False)
    session = session if session is not None else new_session()
    session["run"] += 1
    run_id = session["run"]
    with _as_gr_error():
        image, notes = load_image(image_path, ctx.limits)
        sketch, sketch_notes = editor_to_sketch(sketch_value, image.size)
        notes += sketch_notes
        boxes = parse_boxes(object_boxes, image.size)
    run_dir = ctx.runs_dir / f"{RUN_PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    run_dir.mkdir(parents=True)
    prune_runs(ctx.runs_dir, max(1, ctx.keep_runs))
    fps = float(fps) if fps else None
    clip_fps = fps or float(getattr(getattr(getattr(ctx.pipeline, "config", None), "svd", None), "fps", 7.0))
    yield _cleared(notes)
    events = stream_call(
        ctx.pipeline, image, prompt=prompt or "", motion_strength=float(motion_strength), sketch=sketch,
        num_frames=int(num_frames) if num_frames else None,
        num_inference_steps=int(steps) if steps else None, seed=int(seed or 0), s2=s2_backend, s3=s3_mode or "auto",
        s1_step_fraction=float(s1_step_fraction) if s1_step_fraction else None,
        should_stop=lambda: session["cancelled"] >= run_id, **({"objects": boxes} if boxes else {}),
    )  # fmt: skip
    out = None
    seen: list[str] = []  # stages handed over so far: an S1 clip that comes after S2 is a preview
    with _as_gr_error(), closing(events):
        for event in events:
            if event.kind == "progress":
                progress(event.args[0], desc=event.args[1])
            elif event.kind == "stage":
                update = _stage_update(run_dir, *event.args, fps=clip_fps, notes=notes, after=tuple(seen),
                                       image_size=image.size)  # fmt: skip
                seen.append(event.args[0])
                if update is not None:
                    yield update
            elif event.kind == "error":
                raise event.args[0]
            else:
                out = event.args[0]
    if fps:  # the coarse clip keeps its pace relative to the final one (S1's preview has every other frame)
        ratio = out.coarse.fps / out.final.fps if out.final.fps else 1.0
        out.final, out.coarse = replace(out.final, fps=fps), replace(out.coarse, fps=fps * ratio)
    found = _found(out)
    out.notes = notes + list(out.notes) + ([found_note(found)] if found is not None else [])
    progress(1.0, desc="writing videos")
    yield _present(_write_run(out, image, sketch, run_dir), found)


def _found(out: Any) -> list[dict] | None:
    """The objects S2 found on the photo (boxes in the input image's pixels), or None when S2 did not look for
    any (no object named in the prompt nor marked, or not the photo path: S3 "conditioned" perceives the coarse
    clip)."""
    if "objects" not in ((getattr(out, "settings", None) or {}).get("s2") or {}):
        return None
    return [dict(o) for o in (getattr(out, "objects", None) or [])]


def objects_view(ctx: DemoContext, image_path: str | None, found: list[dict] | None = None, box_text: str = ""
                 ):  # fmt: skip
    """'Objects on the photo': the photo as the pipeline gets it, with pixel rulers, S2's found objects and the
    user's boxes drawn on it (None without a photo; a box text that does not parse is not drawn — Generate
    says why)."""
    if not image_path:
        return None
    try:
        image, _ = load_image(image_path, ctx.limits)
    except UserInputError:
        return None
    try:
        boxes = parse_boxes(box_text, image.size)
    except UserInputError:
        boxes = []
    return preview(image, found, boxes)


def new_photo(ctx: DemoContext, image_path: str | None) -> tuple:
    """A new first frame: the preview shows it; the old photo's box and found objects are cleared."""
    return objects_view(ctx, image_path), "", None


@contextmanager
def _as_gr_error():
    """Turn what the user can fix (and cancellation) into ``gr.Error``; anything else propagates."""
    try:
        yield
    except Cancelled:
        raise gr.Error("Generation cancelled.", duration=5, print_exception=False) from None
    except USER_ERRORS as e:  # an expected rejection: shown to the user, logged as one line (no traceback)
        log.info("rejected: %s", e)
        raise gr.Error(str(e), duration=None, print_exception=False) from None


N_OUTPUTS = 11  # final, coarse, condition, comparison, plot, frame, info, files, notes, motion, found objects
FINAL_LABEL = "Final video (S3)"
COARSE_LABEL = "Coarse video (S1)"


def final_label(settings: dict, backends: dict) -> str:
    """The final video's label: the S3 mode that ran and why (from ``run.json``'s settings, else its backends)."""
    mode, reason = settings.get("s3_mode"), settings.get("s3_reason")
    if mode:
        return f"Final video (S3: {mode} — {reason})" if reason else f"Final video (S3: {mode})"
    return f"Final video (S3: {backends['s3']})" if backends.get("s3") else FINAL_LABEL


def coarse_label(backends: dict) -> str:
    """The coarse clip's label: what S1 shows (``backends["s1"]`` says when it is a preview, not the video model)."""
    return f"Coarse video (S1: {backends['s1']})" if backends.get("s1") else COARSE_LABEL


def stage_labels(info: dict | None) -> tuple[dict, dict]:
    """The final and coarse videos' labels for a finished run's JSON panel (``run_summary``): the S3 mode that ran
    and why, and what S1 shows. A separate, private step after Generate (``.then``), so the ``/generate`` API
    keeps returning plain file paths; with no run (``None``) the default labels."""
    info = info or {}
    settings, backends = info.get("settings") or {}, info.get("backends") or {}
    if not info:
        return gr.update(label=FINAL_LABEL), gr.update(label=COARSE_LABEL)
    return gr.update(label=final_label(settings, backends)), gr.update(label=coarse_label(backends))


def _cleared(notes: list[str]) -> tuple:
    """A new run starts: empty every output (no stale video from the previous run), show the notices so far."""
    frame = gr.Slider(minimum=0, maximum=1, value=0, step=1, interactive=False)
    return (None, None, None, None, None, frame, None, None, notes_markdown(notes), None, None)


def _stage_update(run_dir: Path, name: str, value: Any, *, fps: float, notes: list[str], after: tuple[str, ...] = (),
                  image_size: tuple[int, int] | None = None) -> tuple | None:  # fmt: skip
    """A finished stage → an output tuple with that stage's outputs and ``gr.skip()`` everywhere else.

    ``"s1"``: the coarse clip (written to ``run_dir/coarse.mp4``; at its own pace when it comes after S2,
    i.e. S1's preview of the photo animation); ``"s2"``: the part-mask condition video (at the size S2 drew it: the
    photo's in "animation") and the 3D view of extracted vs refined motion (a ``MotionResult``); ``"s3"``
    shows nothing yet — the final clip comes with the comparison, timings and downloads once the run is
    written. ``after``: the stages handed over before this one. On the photo path S2's found objects
    (``value.objects``, at the condition's size) come as a notes line and the last output, their boxes scaled
    to ``image_size`` (the input image's (W, H)).
    """
    from revision.io import write_video
    from revision.palette import colorize

    update: list[Any] = [gr.skip()] * N_OUTPUTS
    if name == "s1":
        update[1] = str(write_video(run_dir / "coarse.mp4", value, fps=value.fps if "s2" in after else fps))
    elif name == "s2":
        update[2] = str(write_video(run_dir / "condition.mp4", colorize(value.condition.part_ids), fps=fps))
        raw, refined = value.raw_motion, value.refined_motion
        frames = (refined or raw).num_frames if (refined or raw) else 1
        update[4] = motion_figure(raw, refined, frames - 1)
        update[5] = gr.Slider(
            minimum=0, maximum=max(frames - 1, 1), value=frames - 1, step=1, interactive=frames > 1
        )
        update[9] = (raw, refined)
        found = _stage_objects(value, image_size)
        found_notes = [found_note(found)] if found is not None else []
        update[8] = notes_markdown(notes + list(value.notes) + found_notes)
        update[10] = found
    else:
        return None
    return tuple(update)


def _stage_objects(value: Any, image_size: tuple[int, int] | None) -> list[dict] | None:
    """S2's found objects (``MotionResult.objects``: masks and boxes at the condition's size) as the last output's
    dicts, boxes in the input image's pixels; None when S2 did not look for objects on the photo."""
    objs = getattr(value, "objects", None)
    if objs is None or image_size is None or "objects" not in (getattr(value, "settings", None) or {}):
        return None
    h, w = value.condition.part_ids.shape[1:]
    sx, sy = image_size[0] / w, image_size[1] / h
    return [{"label": o.label, "box": [round(float(b) * s, 1) for b, s in zip(o.box, (sx, sy, sx, sy))],
             "score": round(float(o.score), 3), "how": o.how} for o in objs]  # fmt: skip


def _write_run(out: Any, image: Any, sketch: Any, run_dir: Path) -> dict:
    """Save every intermediate (``revision.io.save_run`` layout) + comparison video + motion npz."""
    from revision.io import load_run, save_run, write_video

    save_run(out, run_dir, image=image, sketch=sketch)
    write_video(run_dir / "comparison.mp4", side_by_side(out.coarse, out.condition, out.final))
    for name, motion in (("motion_raw", out.raw_motion), ("motion_refined", out.refined_motion)):
        if motion is not None:
            motion_to_npz(motion, run_dir / f"{name}.npz")
    return load_run(run_dir)


def _present(run: dict, found: list[dict] | None = None) -> tuple:
    """A loaded run (``revision.io.load_run`` dict) + the found objects → the output components' values."""
    d = Path(run["dir"])
    raw, refined = run.get("motion_raw"), run.get("motion_refined")
    frames = (refined or raw).num_frames if (refined or raw) else 1
    files = sorted(str(p) for p in d.iterdir() if p.is_file() and not p.name.startswith("."))
    comparison = d / "comparison.mp4"
    return (
        run.get("final"), run.get("coarse"), run.get("condition"),
        str(comparison) if comparison.is_file() else None,
        motion_figure(raw, refined, frames - 1),
        gr.Slider(minimum=0, maximum=max(frames - 1, 1), value=frames - 1, step=1, interactive=frames > 1),
        run_summary(run.get("timings", {}), run.get("backends", {}), run.get("notes", []), run.get("settings", {})),
        files, notes_markdown(run.get("notes", [])), (raw, refined), found,
    )  # fmt: skip


def show_frame(motion: tuple | None, frame: int):
    """The 3D view's frame slider: redraw extracted vs refined motion at ``frame``."""
    raw, refined = motion if motion else (None, None)
    return motion_figure(raw, refined, int(frame or 0))


def open_run(ctx: DemoContext, files: list[str] | str | None) -> tuple:
    """The saved-run tab: an uploaded ``--save-intermediates`` folder (or its files) → every output + the input."""
    from revision.io import load_run

    paths = [files] if isinstance(files, str) else list(files or [])
    if not paths:
        raise gr.Error(
            "Upload the folder written by `python -m revision generate --save-intermediates DIR`.",
            print_exception=False,
        )
    ctx.runs_dir.mkdir(parents=True, exist_ok=True)
    target = Path(tempfile.mkdtemp(prefix="opened-", dir=ctx.runs_dir))
    for p in paths:
        shutil.copy(p, target / Path(p).name)
    try:
        run = load_run(target)
    except (FileNotFoundError, ValueError, KeyError) as e:
        raise gr.Error(f"Not a saved ReVision run: {e}", print_exception=False) from None
    if (
        not (target / "comparison.mp4").is_file()
        and run.get("condition_maps") is not None
        and run.get("final")
    ):
        from revision.io import read_video, write_video

        coarse = read_video(run["coarse"]) if run.get("coarse") else read_video(run["final"])
        write_video(
            target / "comparison.mp4", side_by_side(coarse, run["condition_maps"], read_video(run["final"]))
        )
    return (run.get("input"), *_present(run)[:-1])  # a saved run has no found-objects output
