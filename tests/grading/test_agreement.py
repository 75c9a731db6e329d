"""The graders against the labelled set: the numbers the README promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmbench.errors import DatasetError
from pytest_llmbench.grading import get_grader
from pytest_llmbench.grading.agreement import AgreementCase, load_cases, measure, tag_counts

CASES_PATH = Path(__file__).with_name("agreement_cases.yaml")


@pytest.fixture(scope="module")
def cases() -> list[AgreementCase]:
    return load_cases(CASES_PATH)


def test_the_set_is_large_and_covers_every_rule(cases: list[AgreementCase]) -> None:
    assert len(cases) >= 300
    tags = tag_counts(cases)
    for rule in (
        "question_form",
        "markdown",
        "quotes",
        "explanation",
        "cot",
        "hedge",
        "refusal",
        "confidence",
        "accents",
        "ampersand",
        "abbreviation",
        "number_words",
        "roman",
        "ordinal",
        "parenthetical",
        "alternative",
        "surname",
        "typo",
        "plural",
        "title",
        "direction",
        "given_name",
        "short",
    ):
        assert tags.get(rule, 0) >= 2, rule
    assert tags["near_miss"] >= 50
    assert {c.human for c in cases} == {"correct", "incorrect", "not_attempted"}


def test_lenient_agrees_with_the_human_judge(cases: list[AgreementCase]) -> None:
    report = measure(get_grader("lenient"), cases)
    assert report.agreement >= 0.95, [(d.case.key, d.case.response) for d in report.disagreements]


@pytest.mark.parametrize("name", ["strict", "lenient", "jeopardy", "adaptive"])
def test_no_grader_accepts_a_near_miss(cases: list[AgreementCase], name: str) -> None:
    report = measure(get_grader(name), cases)
    assert report.near_misses_accepted == 0, [
        (d.case.key, d.case.response) for d in report.disagreements if d.case.near_miss
    ]


def test_strict_never_accepts_a_wrong_answer(cases: list[AgreementCase]) -> None:
    report = measure(get_grader("strict"), cases)
    assert report.false_positives == 0, [(d.case.key, d.case.response) for d in report.disagreements if d.grade.correct]


def test_refusals_are_graded_not_attempted(cases: list[AgreementCase]) -> None:
    lenient = get_grader("lenient")
    for case in (c for c in cases if c.human == "not_attempted"):
        grade = lenient.grade(case.question(), case.response)
        assert grade.verdict is not None and grade.verdict.value == "not_attempted", case.response


def test_malformed_set_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- key: Paris\n  responses:\n    - [maybe, Paris]\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"bad\.yaml"):
        load_cases(bad)
