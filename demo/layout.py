"""The Blocks layout and its event wiring: ``build_demo(pipeline) → gr.Blocks``.

Tabs (as the UI shows them): **Generate** (inputs left, stage outputs right) · **Open a saved run** (a
``--save-intermediates`` folder) · **API** (the ``/generate`` endpoint with a ``gradio_client`` example).
"""

from __future__ import annotations

import atexit
import html
import shutil
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr
import PIL.Image

from demo import handlers
from demo.convert import UploadLimits

API_EXAMPLE = """```python
from gradio_client import Client, handle_file

client = Client("http://127.0.0.1:7860/")
final, coarse, condition, comparison, plot, frame, info, files, notes = client.predict(
    handle_file("astronaut.png"),  # first frame
    "the astronaut raises her right arm",  # prompt
    0.5,  # motion strength 0..1
    None,  # target-pose sketch: None, or {"background": ..., "layers": [handle_file("strokes.png")], "composite": None}
    0,  # seed
    0,  # frames (0 = the model's default)
    0,  # denoising steps of S3 (0 = default)
    0,  # S1 step fraction (0 = default)
    0,  # output fps (0 = default)
    "full",  # S2 backend: full | without PPPM | off
    "auto",  # S3 mode: auto | animation | guided | conditioned
    "",  # object box(es) "x0,y0,x1,y1; ..." in the image's pixels ('' = S2 finds the object the prompt names)
    api_name="/generate",
)
print(final, info["timings_s"], info["settings"]["s3_mode"])  # final: local path of the downloaded mp4
```
Bad input raises `gradio_client.exceptions.AppError` whose message says what to fix; see docs/demo.md."""


def checked_upload(component, what: str):
    """``component`` (a ``gr.Image`` or ``gr.ImageEditor``) whose unreadable uploads (text files, corrupt or
    oversized images) raise a clear ``gr.Error`` naming ``what`` instead of gradio's generic message.

    Gradio opens every upload with PIL before the handler runs; this wraps that step on the instance
    (a subclass would make gradio write a ``.pyi`` stub next to this module). The rejection is expected:
    it is shown to the user and not logged as a traceback.
    """
    preprocess = component.preprocess

    def checked(payload):
        try:
            return preprocess(payload)
        except (
            PIL.UnidentifiedImageError,
            PIL.Image.DecompressionBombError,
            OSError,
            SyntaxError,
            ValueError,
        ) as e:
            name = _upload_name(payload) or "the upload"
            reason = (
                "too large to decode" if isinstance(e, PIL.Image.DecompressionBombError) else type(e).__name__
            )
            raise gr.Error(f"The uploaded {what} {name!r} is not a usable image ({reason}): upload a PNG, JPEG or "
                           "WebP picture.", duration=None, print_exception=False) from None  # fmt: skip

    component.preprocess = checked
    return component


def _upload_name(payload) -> str | None:
    """The original file name of an uploaded image (``FileData``) or of the first such file in an editor value."""
    name = getattr(payload, "orig_name", None)
    if name:
        return name
    for part in ("background", "composite", "layers"):
        value = getattr(payload, part, None)
        for item in value if isinstance(value, list) else [value]:
            if getattr(item, "orig_name", None):
                return item.orig_name
    return None


def first_frame_image(**kwargs) -> gr.Image:
    """The first-frame ``gr.Image``, with :func:`checked_upload`."""
    return checked_upload(gr.Image(**kwargs), "file")


def legend_html() -> str:
    """The brush palette legend: one swatch per body part (colours from revision.palette)."""
    from revision.palette import PARTS

    items = "".join(
        f'<span style="display:inline-flex;align-items:center;margin:2px 8px 2px 0">'
        f'<span style="width:14px;height:14px;border-radius:3px;background:{p.hex};display:inline-block;'
        f'margin-right:4px;border:1px solid #0003"></span>{html.escape(p.name.replace("_", " "))}</span>'
        for p in PARTS
    )
    return f'<div id="palette-legend" style="font-size:0.85em;line-height:1.6">{items}</div>'


def _banner(pipeline: Any | None, load_error: str | None, notices: list[str]) -> str:
    lines = []
    if load_error:
        lines.append(f"**Model not loaded:** {load_error}")
    for n in notices:
        lines.append(f"**Note:** {n}")
    if pipeline is not None:
        backends = getattr(pipeline, "backends", {}) or {}
        stage = getattr(getattr(pipeline, "motion_stage", None), "name", "unknown")
        lines.append("Weights: " + "; ".join(f"{k}: {v}" for k, v in backends.items()) + f" · S2: {stage}")
    return "\n\n".join(lines)


def build_demo(
    pipeline: Any | None,
    *,
    load_error: str | None = None,
    notices: list[str] | None = None,
    runs_dir: str | Path | None = None,
    examples_dir: str | Path | None = None,
    limits: UploadLimits = UploadLimits(),
    concurrency_limit: int = 1,
    keep_runs: int = 20,
    s2_default: str = "full",
    s3_default: str = "auto",
    gpu: Callable[[Callable], Callable] | None = None,
) -> gr.Blocks:
    """The demo around ``pipeline`` (a ``ReVisionPipeline`` or a fake with its call signature).

    With ``pipeline=None`` the page still serves and every Generate shows ``load_error``.
    Generated runs go to fresh folders under ``runs_dir`` (default: a temporary folder of this process,
    removed when the process exits); only the newest ``keep_runs`` run folders are kept.
    ``gpu``: a decorator for the handlers that run the models (the Generate handler), e.g. ZeroGPU's
    ``spaces.GPU(duration=...)`` on a Hugging Face Space (:func:`demo.space.gpu_decorator`); None: none.
    """
    base = Path(tempfile.gettempdir()) / "revision-demo"
    base.mkdir(parents=True, exist_ok=True)
    if runs_dir:
        runs = Path(runs_dir)
    else:
        runs = Path(tempfile.mkdtemp(prefix="runs-", dir=base))
        atexit.register(shutil.rmtree, runs, ignore_errors=True)  # this process's runs go with it
    ctx = handlers.DemoContext(pipeline, runs, load_error, limits, keep_runs)
    cfg = getattr(pipeline, "config", None)
    default_strength = getattr(cfg, "motion_strength", 0.5)
    from revision.palette import PARTS

    with gr.Blocks(title="ReVision: image → video with explicit 3D motion") as demo:
        gr.Markdown("# ReVision\nImage (+ target-pose sketch, prompt, motion strength) → video in three stages: "
                    "**S1** coarse video · **S2** 3D motion of the people in the photo (+ PPPM refinement) · "
                    "**S3** final video: the photo animated by that motion, or a video model guided / "
                    "conditioned by it (*Advanced → S3 mode*; the final video's label says which ran).")  # fmt: skip
        banner = _banner(pipeline, load_error, list(notices or []))
        gr.Markdown(banner, elem_id="banner", visible=bool(banner))
        session = gr.State(handlers.new_session)
        motion_state = gr.State(None)
        objects_state = gr.State(None)  # what S2 found on the photo (list of dicts), drawn on the preview
        with gr.Tab("Generate"):
            with gr.Row():
                with gr.Column(scale=1):
                    image = first_frame_image(label="First frame", type="filepath", image_mode=None,
                                      sources=["upload", "clipboard"], elem_id="first-frame", height=320)  # fmt: skip
                    prompt = gr.Textbox(
                        label="Prompt", placeholder="what should move, and how", elem_id="prompt"
                    )
                    strength = gr.Slider(0.0, 1.0, value=default_strength, step=0.05, label="Motion strength",
                                         info="0 = barely moving · 1 = very dynamic", elem_id="strength")  # fmt: skip
                    sketch = checked_upload(gr.ImageEditor(
                        label="Target pose (optional): paint body parts where they should end up", type="numpy",
                        image_mode="RGBA", sources=(), transforms=(), layers=False, format="png", elem_id="sketch",
                        brush=gr.Brush(colors=[p.hex for p in PARTS], default_color=PARTS[0].hex, color_mode="fixed"),
                        eraser=gr.Eraser(), height=360,
                    ), "target-pose sketch")  # fmt: skip
                    gr.HTML(legend_html())
                    # the object the person interacts with: what S2 found is drawn on the preview (with pixel
                    # rulers); a typed box marks the right one for the next run (the pipeline's ``objects=``)
                    object_view = gr.Image(label="Objects on the photo (found: yellow · your box: magenta)",
                                           type="pil", interactive=False, elem_id="object-view", height=260)  # fmt: skip
                    object_box = gr.Textbox("", label="Object box (optional)", elem_id="object-box",
                                            placeholder="x0,y0,x1,y1 in the preview's pixels, read off its rulers "
                                            "(several: separate with ;)", info="the object the person interacts "
                                            "with (the ball to kick, ...), when S2 misses it or picks the wrong "
                                            "one; empty = S2 finds it from the prompt")  # fmt: skip
                    with gr.Accordion("Advanced", open=False):
                        seed = gr.Number(0, label="Seed", precision=0, minimum=0)
                        num_frames = gr.Number(0, label="Frames of the final clip (0 = model default)", precision=0,
                                               minimum=0, maximum=128)  # fmt: skip
                        steps = gr.Number(0, label="S3 denoising steps (0 = model default)", precision=0, minimum=0,
                                          maximum=200)  # fmt: skip
                        s1_fraction = gr.Slider(0.0, 1.0, value=0.0, step=0.05, label="Efficient S1: fraction of "
                                                "S3's steps (0 = model default)")  # fmt: skip
                        fps = gr.Number(0, label="Output fps (0 = model default)", minimum=0, maximum=60)
                        s2 = gr.Radio(list(handlers.S2_CHOICES), value=s2_default, label="S2 backend")
                        s3 = gr.Radio(list(handlers.S3_CHOICES), value=s3_default, label="S3 mode", elem_id="s3",
                                      info="auto picks from the weights: animation (the 3D motion moves the photo's "
                                      "own pixels; embedded/tiny models) · guided (stock video weights steered "
                                      "by that animation) · conditioned (fine-tuned weights on the part masks)")  # fmt: skip
                    with gr.Row():
                        run_btn = gr.Button("Generate", variant="primary", elem_id="generate")
                        cancel_btn = gr.Button("Cancel", variant="stop", elem_id="cancel")
                    examples = _examples(examples_dir, base)
                    if examples:
                        gr.Examples(examples, inputs=[image, prompt, strength], label="Examples")
                with gr.Column(scale=1):
                    outputs = _output_panel("gen")
        with gr.Tab("Open a saved run"):
            gr.Markdown(
                "Upload the folder written by `python -m revision generate ... --save-intermediates DIR`."
            )
            run_files = gr.File(label="Saved run folder", file_count="directory", elem_id="run-files")
            open_btn = gr.Button("Open", elem_id="open-run")
            with gr.Row():
                run_input = gr.Image(label="Input", interactive=False)
                with gr.Column():
                    run_outputs = _output_panel("run")
        with gr.Tab("API"):
            gr.Markdown("The Generate button is the `/generate` endpoint; call it from Python with "
                        "`gradio_client`:\n\n" + API_EXAMPLE)  # fmt: skip

        image.change(handlers.image_to_sketchpad, inputs=image, outputs=sketch, api_visibility="private",
                     queue=False)  # fmt: skip
        image.change(partial(handlers.new_photo, ctx), inputs=image, outputs=[object_view, object_box, objects_state],
                     api_visibility="private", queue=False)  # fmt: skip
        for typed in (object_box.submit, object_box.blur):  # the typed box is drawn on the preview
            typed(partial(handlers.objects_view, ctx), inputs=[image, objects_state, object_box], outputs=object_view,
                  api_visibility="private", queue=False)  # fmt: skip
        gen_inputs = [image, prompt, strength, sketch, seed, num_frames, steps, s1_fraction, fps, s2, s3, session,
                      object_box]  # fmt: skip
        # The labels name the S3 mode that ran and why, and say when S1 is a preview: reset when a run starts,
        # set after it (private steps chained around Generate, so ``/generate`` keeps returning plain paths).
        reset = run_btn.click(partial(handlers.stage_labels, None), outputs=outputs[:2], queue=False,
                              api_visibility="private")  # fmt: skip
        # A generator: each stage's outputs appear as it finishes; the progress bar sits on the final video's
        # slot only, so finished stages stay visible while the rest runs.
        generate = partial(handlers.generate, ctx)
        if gpu is not None:
            generate = gpu(generate)
        gen = reset.then(generate, inputs=gen_inputs, outputs=[*outputs, motion_state, objects_state],
                         api_name="generate", concurrency_limit=concurrency_limit,
                         show_progress_on=outputs[0])  # fmt: skip
        gen.then(
            handlers.stage_labels,
            inputs=outputs[6],
            outputs=outputs[:2],
            queue=False,
            api_visibility="private",
        )
        gen.then(partial(handlers.objects_view, ctx), inputs=[image, objects_state, object_box], outputs=object_view,
                 queue=False, api_visibility="private")  # fmt: skip
        cancel_btn.click(handlers.cancel, inputs=session, outputs=outputs[8], cancels=[gen], queue=False,
                         api_name="cancel")  # fmt: skip
        for panel in (outputs, run_outputs):
            panel[5].release(handlers.show_frame, inputs=[motion_state, panel[5]], outputs=panel[4],
                             api_visibility="private")  # fmt: skip
        opened = open_btn.click(partial(handlers.open_run, ctx), inputs=run_files,
                                outputs=[run_input, *run_outputs, motion_state], api_name="open_run")  # fmt: skip
        opened.then(handlers.stage_labels, inputs=run_outputs[6], outputs=run_outputs[:2], queue=False,
                    api_visibility="private")  # fmt: skip
    return demo


def _output_panel(prefix: str) -> list:
    """final, coarse, condition, comparison, 3D plot, frame slider, info JSON, files, notes (in this order)."""
    notes = gr.Markdown(elem_id=f"{prefix}-notes")
    # the final clip at its own size (the photo's in S3 "animation", up to the column's width); a label
    # naming the S3 mode that ran and why is set with each run
    final = gr.Video(label=handlers.FINAL_LABEL, elem_id=f"{prefix}-final", autoplay=True, loop=True)
    with gr.Row():
        coarse = gr.Video(label=handlers.COARSE_LABEL, elem_id=f"{prefix}-coarse", height=240, loop=True)
        condition = gr.Video(label="Part-mask condition (S2 → S3)", elem_id=f"{prefix}-condition", height=240,
                             loop=True)  # fmt: skip
    comparison = gr.Video(
        label="Side by side: S1 | condition | S3", elem_id=f"{prefix}-comparison", loop=True
    )
    plot = gr.Plot(label="3D motion: extracted vs refined", elem_id=f"{prefix}-plot")
    frame = gr.Slider(
        0, 1, value=0, step=1, label="3D view frame", interactive=False, elem_id=f"{prefix}-frame"
    )
    info = gr.JSON(label="Timings (s), backends, notes, settings", elem_id=f"{prefix}-info")
    files = gr.File(label="Downloads (mp4, motion JSON/npz, condition npz, run.json)", file_count="multiple",
                    elem_id=f"{prefix}-files")  # fmt: skip
    return [final, coarse, condition, comparison, plot, frame, info, files, notes]


def _examples(examples_dir: str | Path | None, base: Path) -> list[list]:
    from demo.examples import write_examples

    try:
        return write_examples(examples_dir or base / "examples")
    except (ImportError, OSError) as e:  # examples are a convenience: never block the app
        import logging

        logging.getLogger(__name__).warning("examples unavailable: %s", e)
        return []
