"""A small benchmark project for the end-to-end tests of what a user sees (issue 15)."""

from __future__ import annotations

import pytest
from _quiz import quiz_project

QUESTIONS = [
    {"id": f"q{i}", "question": f"Clue number {i}", "answer": answer, "category": "MIXED"}
    for i, answer in enumerate(["Mars", "Shakespeare", "the Pacific", "gold", "Washington", "Tokyo", "Paris",
                                "Einstein", "Jupiter", "Nile"])
]

BENCH = """
import pytest

@pytest.mark.llmbench(dataset="questions.jsonl", sample="all")
def test_quiz(llm_result):
    llm_result.assert_correct()
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    return quiz_project(pytester, QUESTIONS, BENCH)
