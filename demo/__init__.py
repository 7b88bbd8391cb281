"""The Gradio demo (UI only): ``build_demo(pipeline)``; see docs/demo.md."""

from demo.layout import build_demo

__all__ = ["build_demo"]
