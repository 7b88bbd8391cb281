"""Widening the SVD UNet's input convolution for motion conditioning (paper Sec. 4.1).

Stock SVD's UNet takes 8 channels: 4 noisy video latents + 4 first-frame image latents.
ReVision concatenates 2 more per frame — part mask and confidence map — so ``conv_in`` goes
8 → 10. The new input channels are zero-initialised, so a widened model computes exactly the
same function as the stock one until fine-tuning moves them.
"""

from __future__ import annotations

import torch
from torch import nn

CONDITION_CHANNELS = 2  # part mask + confidence


def expand_conv_in(unet: nn.Module, extra: int = CONDITION_CHANNELS) -> nn.Module:
    """Append ``extra`` zero-initialised input channels to ``unet.conv_in`` (in place; returns ``unet``).

    The old weights are copied unchanged and ``unet.config.in_channels`` is updated, so
    ``save_pretrained`` / ``from_pretrained`` round-trip the widened model.
    """
    if extra <= 0:
        raise ValueError(f"extra must be positive, got {extra}")
    old: nn.Conv2d = unet.conv_in
    new = nn.Conv2d(
        old.in_channels + extra,
        old.out_channels,
        kernel_size=old.kernel_size,
        stride=old.stride,
        padding=old.padding,
        bias=old.bias is not None,
        device=old.weight.device,
        dtype=old.weight.dtype,
    )
    with torch.no_grad():
        new.weight.zero_()
        new.weight[:, : old.in_channels] = old.weight
        if old.bias is not None:
            new.bias.copy_(old.bias)
    unet.conv_in = new
    unet.register_to_config(in_channels=old.in_channels + extra)
    return unet


def latent_channels(unet: nn.Module) -> int:
    """Noise-latent channels of a (possibly widened) SVD UNet: its output channels."""
    return int(unet.config.out_channels)


def condition_channels(unet: nn.Module) -> int:
    """Extra (motion-condition) input channels beyond SVD's noisy + image latents."""
    return int(unet.config.in_channels) - 2 * latent_channels(unet)


def condition_channels_are_zero(unet: nn.Module) -> bool:
    """Whether the UNet's motion-condition input channels all have zero weights in ``conv_in``.

    True for stock SVD weights widened by :func:`expand_conv_in` (the condition cannot reach the model:
    S3 should run ``guided``), False once fine-tuning has moved them (``conditioned``). A UNet without
    condition channels (stock 8-channel) also counts as zero.
    """
    extra = condition_channels(unet)
    if extra <= 0:
        return True
    return not bool(torch.count_nonzero(unet.conv_in.weight[:, -extra:]))
