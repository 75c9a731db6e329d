"""A reply that repeats the key, or any form the key allows, is correct: for every usable real clue.

Real keys are written in J-Archive's conventions (slash alternatives, optional parts in parentheses anywhere,
abbreviations with periods, quoted titles, titles that are themselves questions). Extraction and matching
must never lose a reply that simply names one of the forms, whatever form of question it is wrapped in.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_llmbench.data import kaggle
from pytest_llmbench.data.loader import parse_file
from pytest_llmbench.grading import get_grader, parse_key
from pytest_llmbench.types import Question

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "jeopardy" / "JEOPARDY_QUESTIONS1_subset351.json"
GRADERS = ("lenient", "jeopardy", "adaptive")
WRAPPERS = ("{}", "What is {}?", "Who is {}?", "What are {}?", "what is {}", "{}.", "**{}**", "Answer: {}")

# Keys the issue names, each failing before on a reply that repeated it word for word.
ISSUE_KEYS = (
    "Tree/timber line",
    "chalk talk/chalk and talk",
    "(the) Jerusalem (Post)",
    "Fr. Junipero Serra",
    "Plessy v. Ferguson",
    "Who's Afraid of Virginia Woolf?",
)


def _questions() -> list[Question]:
    questions = list(parse_file(kaggle.bundled_sample_path()).questions)
    if SHARED.exists():
        questions += parse_file(SHARED).questions
    return questions


QUESTIONS = _questions()


def _replies(question: Question) -> list[str]:
    forms = dict.fromkeys((question.answer, *parse_key(question.answer, question.clue).alternatives))
    return [wrapper.format(form) for form in forms for wrapper in WRAPPERS[:4]]


def _failures(question: Question, replies: list[str]) -> list[tuple[str, str, str]]:
    return [
        (name, question.answer, reply)
        for name in GRADERS
        for reply in replies
        if not get_grader(name).grade(question, reply).correct
    ]


def test_the_real_clues_are_there() -> None:
    assert len(QUESTIONS) >= 300  # the bundled sample alone has 303 usable clues


def test_every_usable_clue_accepts_every_form_of_its_key() -> None:
    if not SHARED.exists():
        pytest.skip(f"only the bundled sample: shared J-Archive sample not found at {SHARED}")
    failures = [f for q in QUESTIONS for f in _failures(q, _replies(q))]
    assert failures == []


@pytest.mark.parametrize("answer", ISSUE_KEYS)
def test_the_issues_keys_accept_themselves(answer: str) -> None:
    question = Question(id="issue-13", clue="", answer=answer)
    assert _failures(question, _replies(question)) == []


@settings(max_examples=300, deadline=None)
@given(
    question=st.sampled_from(QUESTIONS),
    choice=st.integers(min_value=0),
    wrapper=st.sampled_from(WRAPPERS),
    case=st.sampled_from((str, str.lower, str.upper)),
)
def test_a_reply_naming_any_form_of_the_key_is_correct(
    question: Question, choice: int, wrapper: str, case: object
) -> None:
    forms = (question.answer, *parse_key(question.answer, question.clue).alternatives)
    form = forms[choice % len(forms)]
    written = case(form) if callable(case) else form
    reply = wrapper.format(written)
    assert _failures(question, [reply]) == []
