"""Evaluation suite: VBench++ (adapter + native I2V dimensions), TikTok-dance metrics, FVD,
benchmark runner and paper-style reports. See docs/eval.md.

The core imports neither torchvision nor vbench: those live in extras (LPIPS backbones) or in
their own virtual environment (vbench, driven through :mod:`eval.vbench.adapter`).
"""
