"""One place that decides where each component's weights come from (DESIGN.md §3).

Order: explicit path or HF id → the component's environment variable → (for components that ask for it)
the component's own HF id in the local cache → embedded default shipped in ``revision/embedded/`` →
:class:`WeightsNotFoundError` naming the component, its real weights and the exact command that fetches
them. HF ids are looked up in the ``huggingface_hub`` cache; they are downloaded only when downloads are
allowed (``download=True``, or by default when ``HF_HUB_OFFLINE`` is not set; our CPU machines cannot download).

:data:`COMPONENTS` lists the pipeline's components; other packages (``eval/``) declare their own
:class:`Component` values and pass them to :func:`resolve` and :func:`missing_error`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

EMBEDDED_DIR = Path(__file__).resolve().parent / "embedded"
Source = Literal["path", "hf-cache", "hf-hub", "embedded", "random"]

# Special value of --weights: a randomly initialised tiny model (UI / plumbing checks; output is noise).
TINY_RANDOM = "tiny-random"


@dataclass(frozen=True)
class Component:
    name: str
    description: str
    hf_id: str | None  # the real weights on the Hugging Face hub
    env: str  # environment variable that points at local weights
    embedded: str | None  # folder under revision/embedded/ shipping the offline default
    download: str  # the command a user runs to fetch the real weights
    source: str | None = None  # where the real weights come from when that is not an HF repo (a file, a package)
    hub: bool = True  # values may be HF ids (looked up in the HF cache); False: local files/folders only
    hf_default: bool = False  # when nothing is given, use hf_id from the local HF cache (before the embedded default)
    tiny_random: bool = True  # accepts "tiny-random" (a randomly initialised model built in code)


COMPONENTS: dict[str, Component] = {
    c.name: c
    for c in (
        Component(
            "video_model", "motion-conditioned SVD (S1/S3)", "stabilityai/stable-video-diffusion-img2vid-xt-1-1",
            "REVISION_VIDEO_WEIGHTS", "revision_mini",
            "huggingface-cli download stabilityai/stable-video-diffusion-img2vid-xt-1-1 "
            "(gated: accept the licence on its HF page and `huggingface-cli login` first), then fine-tune it with "
            "`python -m revision.training.finetune_svd --config svd-xt` and pass the output folder",
        ),
        Component(
            "pppm", "PPPM motion refiner (S2c)", None, "REVISION_PPPM_WEIGHTS", "pppm_mini",
            "python -m revision.training.train_pppm --help (train on your annotation shards)",
        ),
        Component(
            "depth", "Depth-Anything-V2 depth (S2a)", "depth-anything/Depth-Anything-V2-Small-hf",
            "REVISION_DEPTH_WEIGHTS", None, "huggingface-cli download depth-anything/Depth-Anything-V2-Small-hf",
        ),
        Component(
            "clip_text", "CLIP text encoder (PPPM conditions)", "openai/clip-vit-large-patch14",
            "REVISION_CLIP_TEXT_WEIGHTS", None, "huggingface-cli download openai/clip-vit-large-patch14",
        ),
    )
}  # fmt: skip


class WeightsNotFoundError(FileNotFoundError):
    """Raised when no weights can be found for a component; the message says how to get them."""


@dataclass(frozen=True)
class ResolvedWeights:
    component: str
    source: Source
    location: str  # a local folder (or the HF id for a hub download)

    def describe(self) -> str:
        c = COMPONENTS.get(self.component)
        return f"{c.description if c else self.component}: {self.source} ({self.location})"


def missing_error(c: Component, tried: list[str] | str | None = None) -> WeightsNotFoundError:
    """The error for a component without weights: what it is, what was tried, the real weights, the command."""
    tried = [tried] if isinstance(tried, str) else list(tried or [])
    lines = [f"No weights found for the {c.description} [{c.name}]."]
    if tried:
        lines.append("Tried: " + "; ".join(tried) + ".")
    if c.source or c.hf_id:
        lines.append(f"Real weights: {c.source or c.hf_id}.")
    lines.append(f"Get them with: {c.download}; then pass the path (or set {c.env}).")
    return WeightsNotFoundError(" ".join(lines))


def _hf_cached(hf_id: str) -> str | None:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return snapshot_download(hf_id, local_files_only=True)
    except (LocalEntryNotFoundError, FileNotFoundError, OSError, ValueError):
        return None


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes")


def looks_like_hf_id(value: str) -> bool:
    return value.count("/") == 1 and not value.startswith((".", "/", "~")) and not Path(value).exists()


def resolve(
    component: str | Component, explicit: str | os.PathLike | None = None, *, download: bool | None = None
) -> ResolvedWeights:
    """Where ``component``'s weights come from; raises :class:`WeightsNotFoundError` if nowhere.

    ``component``: a name in :data:`COMPONENTS` or a :class:`Component`. ``download``: may an HF id missing
    from the local cache be returned for download (``source="hf-hub"``)? ``None``: unless ``HF_HUB_OFFLINE``.
    """
    c = component if isinstance(component, Component) else COMPONENTS[component]
    may_download = (not _offline()) if download is None else download
    not_cached = "not in the HF cache" + (", HF_HUB_OFFLINE=1" if _offline() else "")
    tried: list[str] = []
    candidates = [("explicit", str(explicit))] if explicit else []
    if os.environ.get(c.env):
        candidates.append((c.env, os.environ[c.env]))
    for origin, value in candidates:
        if value == TINY_RANDOM and c.tiny_random:
            return ResolvedWeights(c.name, "random", TINY_RANDOM)
        path = Path(value).expanduser()
        if path.exists():
            return ResolvedWeights(c.name, "path", str(path))
        if c.hub and looks_like_hf_id(value):
            cached = _hf_cached(value)
            if cached:
                return ResolvedWeights(c.name, "hf-cache", cached)
            if may_download:
                return ResolvedWeights(c.name, "hf-hub", value)
            tried.append(f"{origin}={value} ({not_cached})")
        else:
            tried.append(f"{origin}={value} (no such file or folder)")
        raise missing_error(c, tried)  # an explicit choice never silently falls back
    if c.hf_default and c.hf_id:
        cached = _hf_cached(c.hf_id)
        if cached:
            return ResolvedWeights(c.name, "hf-cache", cached)
        if may_download:
            return ResolvedWeights(c.name, "hf-hub", c.hf_id)
        tried.append(f"no path given, ${c.env} unset, {c.hf_id} {not_cached}")
    if c.embedded:
        emb = EMBEDDED_DIR / c.embedded
        if emb.exists():
            return ResolvedWeights(c.name, "embedded", str(emb))
        tried.append(f"embedded default {emb} (not built: see docs/training.md)")
    elif not c.hf_default:
        tried.append(f"no path given and ${c.env} unset; no embedded default exists for this component")
    raise missing_error(c, tried)
