"""The small benchmark project the plugin's end-to-end tests run pytest in."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

QUIZ_TEST = "def test_quiz(llm_result):\n    llm_result.assert_correct()\n"


def quiz_project(pytester: pytest.Pytester, questions: Sequence[Mapping[str, Any]]) -> pytest.Pytester:
    """``questions.jsonl`` with ``questions``, one benchmark test asserting each answer, and its own ini."""
    pytester.makefile(".jsonl", questions="\n".join(json.dumps(q) for q in questions))
    pytester.makepyfile(test_quiz=QUIZ_TEST)
    pytester.makeini("[pytest]\n")
    return pytester
