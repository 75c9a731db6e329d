"""Every real J-Archive key in the shared sample parses, and accepts its own forms in question form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_llmbench.grading import get_grader, parse_key
from pytest_llmbench.types import Question

DATA = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "jeopardy" / "JEOPARDY_QUESTIONS1_subset351.json"
)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    if not DATA.exists():
        pytest.skip(f"shared J-Archive sample not found at {DATA}")
    rows: list[dict[str, str]] = json.loads(DATA.read_text(encoding="utf-8"))
    return rows


def test_every_key_accepts_each_of_its_forms(rows: list[dict[str, str]]) -> None:
    lenient = get_grader("lenient")
    failures = []
    for row in rows:
        q = Question(id=row["show_number"], clue=row["question"].strip("'"), answer=row["answer"])
        for form in parse_key(q.answer, q.clue).alternatives:
            if not lenient.grade(q, f"What is {form}?").correct:
                failures.append((q.answer, form))
    assert failures == []


def test_no_key_accepts_an_unrelated_answer(rows: list[dict[str, str]]) -> None:
    lenient = get_grader("lenient")
    answers = [r["answer"] for r in rows]
    accepted = [
        (a, b)
        for a, b in zip(answers, answers[1:] + answers[:1], strict=True)
        if a.casefold() != b.casefold() and lenient.grade(Question(id="x", clue="", answer=a), b).correct
    ]
    assert accepted == []
