"""The small benchmark project the plugin's end-to-end tests run pytest in."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from pytest_llmbench.testing import FakeOpenRouter

QUIZ_TEST = "def test_quiz(llm_result):\n    llm_result.assert_correct()\n"


def quiz_project(pytester: pytest.Pytester, questions: Sequence[object], test: str = QUIZ_TEST
                 ) -> pytest.Pytester:
    """``questions.jsonl`` with ``questions``, one benchmark test (``test``, by default asserting each answer) in
    ``test_quiz.py``, and its own ini."""
    pytester.makefile(".jsonl", questions="\n".join(json.dumps(q) for q in questions))
    pytester.makepyfile(test_quiz=test)
    pytester.makeini("[pytest]\n")
    return pytester


def run_against(project: pytest.Pytester, server: FakeOpenRouter, *extra: str) -> pytest.RunResult:
    """The quiz, every question, asked of ``openai/gpt-4o-mini`` at the fake server, in its own process."""
    return project.runpytest_subprocess(
        "--llm-dataset=questions.jsonl", "--llm-sample=all", "--llm-models=openai/gpt-4o-mini",
        f"--llm-base-url={server.base_url}", "-p", "no:cacheprovider", *extra,
    )
