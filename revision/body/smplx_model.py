"""SMPL-X through the ``smplx`` package: the licensed files by path, or the procedural default.

Resolution order of :func:`load_smplx`: the ``model_dir`` argument → env ``REVISION_BODY_MODEL_DIR``
→ the procedural SMPL-X-format body (:func:`procedural_smplx_dir`, generated once and cached).
A given folder may hold ``SMPLX_<GENDER>.npz`` directly or in a ``smplx/`` sub-folder (the layout
``smplx.create`` expects); a file path to the ``.npz``/``.pkl`` works too.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
from pathlib import Path

ENV_VAR = "REVISION_BODY_MODEL_DIR"
PROCEDURAL_VERSION = "v2"  # bump when the generator changes (the cache key)
GET_SMPLX = (
    "Download SMPL-X (license required) from https://smpl-x.is.tue.mpg.de (\"SMPL-X v1.1 (NPZ+PKL)\"), "
    "unpack it and pass the folder holding SMPLX_NEUTRAL.npz (or its parent with a smplx/ sub-folder) "
    f"with --body-model-dir PATH or the environment variable {ENV_VAR}=PATH. Leave both unset to use the "
    "embedded procedural body."
)
log = logging.getLogger(__name__)


def _cache_root(cache_dir: str | os.PathLike | None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    base = os.environ.get("REVISION_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "revision"
    )
    return Path(base) / "body" / f"procedural_smplx_{PROCEDURAL_VERSION}"


def procedural_smplx_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """Folder with the procedural ``SMPLX_NEUTRAL.npz`` (generated once, deterministic, cached).

    The file sits both at ``<dir>/SMPLX_NEUTRAL.npz`` (for ``smplx.SMPLX(dir)``) and at
    ``<dir>/smplx/SMPLX_NEUTRAL.npz`` (for ``smplx.create(dir, model_type="smplx")``). Default cache:
    ``$REVISION_CACHE_DIR`` or ``~/.cache/revision`` + ``/body/procedural_smplx_<version>``. Writes are atomic,
    so concurrent processes never see a half-written file.
    """
    root = _cache_root(cache_dir)
    top, sub = root / "SMPLX_NEUTRAL.npz", root / "smplx" / "SMPLX_NEUTRAL.npz"
    if top.is_file() and sub.is_file():
        return root
    import numpy as np

    from revision.body.procedural_smplx import build_smplx_arrays

    (root / "smplx").mkdir(parents=True, exist_ok=True)
    if not top.is_file():
        arrays = build_smplx_arrays()
        with tempfile.NamedTemporaryFile(dir=root, suffix=".npz", delete=False) as tmp:
            np.savez_compressed(tmp, **arrays)
        os.replace(tmp.name, top)
    if not sub.is_file():
        tmp_link = sub.with_suffix(f".tmp{os.getpid()}")
        try:
            os.link(top, tmp_link)
        except OSError:
            import shutil

            shutil.copyfile(top, tmp_link)
        os.replace(tmp_link, sub)
    return root


def resolve_smplx_file(model_dir: str | os.PathLike, gender: str = "neutral") -> Path:
    """The SMPL-X model file for ``gender`` inside ``model_dir`` (or ``model_dir`` itself if it is a file)."""
    p = Path(model_dir).expanduser()
    if p.is_file():
        return p
    names = [f"SMPLX_{gender.upper()}.npz", f"SMPLX_{gender.upper()}.pkl"]
    for folder in (p, p / "smplx"):
        for name in names:
            if (folder / name).is_file():
                return folder / name
    where = "does not exist" if not p.exists() else f"has no {names[0]} (nor {names[1]}, nor smplx/{names[0]})"
    raise FileNotFoundError(f"SMPL-X body model folder {p} {where}. {GET_SMPLX}")


def load_smplx(model_dir: str | os.PathLike | None = None, gender: str = "neutral", batch_size: int = 1, **kwargs):
    """An ``smplx.SMPLX`` body model. ``kwargs`` go to ``smplx.SMPLX`` (e.g. ``use_pca=False``).

    ``model_dir`` None → env ``REVISION_BODY_MODEL_DIR`` → the procedural body (gender-neutral only).
    A folder without the model file raises ``FileNotFoundError`` saying where to get SMPL-X.
    """
    try:
        import smplx
    except ImportError as e:  # pragma: no cover - smplx is a runtime requirement
        raise ImportError("SMPL-X needs the smplx package: pip install smplx") from e
    procedural = False
    if model_dir is None:
        model_dir = os.environ.get(ENV_VAR) or None
    if model_dir is None:
        if gender != "neutral":
            raise ValueError(f"the embedded procedural body is gender-neutral; got gender={gender!r}. {GET_SMPLX}")
        model_dir, procedural = procedural_smplx_dir(), True
    path = resolve_smplx_file(model_dir, gender)
    ext = path.suffix.lstrip(".")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):  # smplx prints shape-space warnings for 20-dim files
        try:
            model = smplx.SMPLX(str(path), gender=gender, ext=ext, batch_size=batch_size, **kwargs)
        except ModuleNotFoundError as e:
            if "chumpy" in str(e):
                raise RuntimeError(f"{path} is a chumpy pickle, which cannot be read on Python 3.11; use the .npz "
                                   f"release of SMPL-X instead. {GET_SMPLX}") from e  # fmt: skip
            raise
    if buf.getvalue().strip():
        log.debug("smplx: %s", buf.getvalue().strip())
    model.revision_source = "procedural" if procedural else str(path)
    return model
