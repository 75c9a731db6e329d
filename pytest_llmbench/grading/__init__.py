"""Grading: from a model's reply and a question's answer key to a ``Grade``.

``get_grader(name)`` is the one entry point; other modules add graders with ``register_grader``.
Nothing here imports pytest or rich.
"""

from __future__ import annotations

from pytest_llmbench.grading.answer_key import AnswerKey, KeyForm, parse_key
from pytest_llmbench.grading.extract import Extraction, extract
from pytest_llmbench.grading.graders import (
    GRADER_NAMES,
    AdaptiveGrader,
    Grader,
    GraderFactory,
    JeopardyGrader,
    JudgeGrader,
    LenientGrader,
    StrictGrader,
    available_graders,
    get_grader,
    register_grader,
)
from pytest_llmbench.grading.judge import JudgeFailed, JudgeFn, parse_verdict
from pytest_llmbench.grading.match import MatchResult, match_answer
from pytest_llmbench.grading.normalize import normalize, normalize_light

__all__ = [
    "GRADER_NAMES",
    "AdaptiveGrader",
    "AnswerKey",
    "Extraction",
    "Grader",
    "GraderFactory",
    "JeopardyGrader",
    "JudgeFailed",
    "JudgeFn",
    "JudgeGrader",
    "KeyForm",
    "LenientGrader",
    "MatchResult",
    "StrictGrader",
    "available_graders",
    "extract",
    "get_grader",
    "match_answer",
    "normalize",
    "normalize_light",
    "parse_key",
    "parse_verdict",
    "register_grader",
]

# Importing the json and tool_call graders registers them.
from pytest_llmbench.grading import structured as structured
