from __future__ import annotations

import datetime as dt

import pytest

from pytest_llmbench.data.filters import QuestionFilter, canonical_rounds, category_matcher, filter_questions
from pytest_llmbench.errors import UsageError
from pytest_llmbench.types import Question


def _q(
    category: str, round_name: str = "Jeopardy!", value: int | None = 200, day: str = "2005-01-01"
) -> Question:
    return Question(
        id=category,
        clue="c",
        answer="a",
        category=category,
        round=round_name,
        value=value,
        air_date=dt.date.fromisoformat(day),
    )


@pytest.mark.parametrize(
    ("pattern", "name", "hit"),
    [
        ("science", "SCIENCE CLASS", True),  # substring
        ("sci*", "SCIENCE", True),  # glob over the whole name
        ("*class", "SCIENCE CLASS", True),
        ("sci*", "RAP SCIENCE", False),
        ("^science$", "SCIENCE", True),  # regex
        ("^science$", "SCIENCE CLASS", False),
        ("history|geography", "WORLD GEOGRAPHY", True),
        ("re:u\\.s\\.", "U.S. STATES", True),
        ("re:u\\.s\\.", "US STATES", False),
    ],
)
def test_category_patterns(pattern: str, name: str, hit: bool) -> None:
    assert category_matcher(pattern)(name) is hit


def test_bad_regex_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="not a valid regular expression"):
        category_matcher("(unclosed")


def test_round_spellings() -> None:
    assert canonical_rounds(["j", "DJ", "Final Jeopardy!", "tiebreaker"]) == {
        "Jeopardy!",
        "Double Jeopardy!",
        "Final Jeopardy!",
        "Tiebreaker",
    }
    with pytest.raises(UsageError, match="Unknown round 'lightning'"):
        canonical_rounds(["lightning"])


def test_combined_filter() -> None:
    questions = [
        _q("SCIENCE"),
        _q("SCIENCE", round_name="Double Jeopardy!", value=1200),
        _q("SCIENCE", round_name="Final Jeopardy!", value=None),
        _q("SCIENCE", value=400, day="1995-05-05"),
        _q("HISTORY", value=400),
    ]
    spec = QuestionFilter(
        category="science",
        rounds=("J", "DJ"),
        min_value=300,
        max_value=1200,
        date_from=dt.date(2000, 1, 1),
        date_to=dt.date(2010, 1, 1),
    )
    assert [(q.round, q.value) for q in filter_questions(questions, spec)] == [("Double Jeopardy!", 1200)]
    assert filter_questions(questions, QuestionFilter()) == questions
    # A value range leaves out clues without a value.
    assert len(filter_questions(questions, QuestionFilter(min_value=0))) == 4


def test_inverted_ranges_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="minimum value"):
        QuestionFilter(min_value=500, max_value=100)
    with pytest.raises(UsageError, match="start date"):
        QuestionFilter(date_from=dt.date(2010, 1, 1), date_to=dt.date(2000, 1, 1))


def test_describe() -> None:
    spec = QuestionFilter(category="sci*", rounds=("DJ",), min_value=400)
    assert spec.describe() == "category 'sci*'; rounds DJ; value $400.."
