"""Pairwise video preference studies: study files, storage, rater web app, MTurk export, analysis.

The core imports neither torch nor gradio; heavy optional parts (plotly, uvicorn) load lazily.
"""

from .study import PAPER_QUESTIONS, Pair, Question, Side, Study, StudyError, load_manifest, load_study

__all__ = ["PAPER_QUESTIONS", "Pair", "Question", "Side", "Study", "StudyError", "load_manifest", "load_study"]
