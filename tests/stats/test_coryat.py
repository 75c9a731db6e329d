"""The Coryat score by hand and on the bundled J-Archive sample, against the loader's Daily Double flags and the
boards of ``data.clean``."""

from __future__ import annotations

import random

import pytest

from pytest_llmbench.data import DataOptions, clean, load_dataset
from pytest_llmbench.stats.coryat import (
    CoryatScore,
    board_breakdown,
    coryat_scores,
    daily_double_value,
    is_daily_double,
)
from pytest_llmbench.types import Outcome, Question, ResultRecord


def _rec(
    key: str,
    round_name: str | None,
    value: int | None,
    correct: bool | None,
    *,
    air_date: str | None = "2010-05-04",
    difficulty: int | None = None,
    model: str = "m",
    dataset: str = "jeopardy",
) -> ResultRecord:
    outcome = {True: Outcome.PASSED, False: Outcome.FAILED, None: Outcome.ERROR}[correct]
    return ResultRecord(
        model=model, question_key=key, outcome=outcome, correct=correct, round=round_name, value=value,
        air_date=air_date, difficulty=difficulty, dataset=dataset,
    )


def test_coryat_by_hand() -> None:
    records = [
        _rec("j200", "Jeopardy!", 200, True, difficulty=1),  # +200
        _rec("dj2000", "Double Jeopardy!", 2000, False, difficulty=5),  # -2000
        _rec("dj800", "Double Jeopardy!", 800, True, difficulty=2),  # +800
        _rec("j-dd", "Jeopardy!", 3000, True),  # a wager off the board, right: the natural $600
        _rec("dj-dd", "Double Jeopardy!", 1000, False),  # a "$1,000" wager (no row), wrong: costs nothing
        _rec("fj", "Final Jeopardy!", None, False),  # not counted
        _rec("err", "Jeopardy!", 400, None, difficulty=2),  # unanswered: nothing
        _rec("old-dd", "Double Jeopardy!", 1200, True, air_date="1995-01-01"),  # old DJ! board tops at $1000
        _rec("old-j", "Jeopardy!", 300, False, air_date="1995-01-01", difficulty=3),  # -300
    ]
    (score,) = coryat_scores(records)
    assert score == CoryatScore(
        model="m", score=200 - 2000 + 800 + 600 + 0 + 600 - 300, clues=7, right=4, wrong=3, daily_doubles=3,
        daily_doubles_right=2, possible=200 + 2000 + 800 + 600 + 1200 + 600 + 300,
    )
    assert score.to_dict()["score"] == -100


def test_daily_double_natural_value_is_the_middle_row() -> None:
    assert daily_double_value(_rec("a", "Jeopardy!", 5000, True)) == 600
    assert daily_double_value(_rec("a", "Double Jeopardy!", 5000, True)) == 1200
    assert daily_double_value(_rec("a", "Jeopardy!", 5000, True, air_date="2001-11-23")) == 300
    assert daily_double_value(_rec("a", "Double Jeopardy!", 5000, True, air_date="1990-01-01")) == 600
    assert daily_double_value(_rec("a", "Double Jeopardy!", 5000, True, air_date=None)) == 1200
    assert daily_double_value(_rec("a", "Final Jeopardy!", 5000, True)) is None
    # It is the mean of the five squares: the expected value of a square whose row is unknown.
    for round_name in ("Jeopardy!", "Double Jeopardy!"):
        board = clean.board_values(round_name, None)
        assert daily_double_value(_rec("a", round_name, 1, True)) == sum(board) / 5


def test_daily_double_detection_from_records() -> None:
    assert is_daily_double(_rec("a", "Jeopardy!", 1234, True, difficulty=None))
    assert not is_daily_double(_rec("a", "Jeopardy!", 400, True, difficulty=2))
    assert is_daily_double(_rec("a", "Jeopardy!", 400, True, difficulty=None))  # a wager equal to a board value
    # Outside the Jeopardy! dataset only the board decides (a question file may have no difficulties).
    assert not is_daily_double(_rec("a", "Jeopardy!", 400, True, dataset="custom"))
    assert is_daily_double(_rec("a", "Jeopardy!", 450, True, dataset="custom"))
    # An unknown air date accepts either era's board: $300 is on the old one.
    assert not is_daily_double(_rec("a", "Jeopardy!", 300, True, air_date=None, difficulty=3))
    assert not is_daily_double(_rec("a", "Final Jeopardy!", 3000, True))
    assert not is_daily_double(_rec("a", None, 3000, True))


def test_explicit_daily_doubles_override_the_inference() -> None:
    records = [_rec("q1", "Jeopardy!", 1000, True, difficulty=5), _rec("q2", "Jeopardy!", 777, False)]
    (inferred,) = coryat_scores(records)
    assert (inferred.score, inferred.daily_doubles) == (1000, 1)
    (given,) = coryat_scores(records, daily_doubles={"jeopardy:q1-never-asked", "q1"})
    # q1 is the Daily Double now (+$600 natural), q2 a board clue missed (-$777).
    assert (given.score, given.daily_doubles) == (600 - 777, 1)
    assert given.possible == 600 + 777


def _as_record(q: Question, model: str, correct: bool) -> ResultRecord:
    # As ``session.record_for`` builds it.
    level = q.metadata.get("difficulty")
    return ResultRecord(
        model=model, question_key=q.key, outcome=Outcome.PASSED if correct else Outcome.FAILED, dataset=q.dataset,
        category=q.category, round=q.round, value=q.value, air_date=q.air_date.isoformat() if q.air_date else None,
        show_number=q.show_number, difficulty=int(level) if isinstance(level, int) else None, correct=correct,
    )


@pytest.fixture(scope="module")
def sample() -> list[Question]:
    return list(load_dataset("jeopardy", options=DataOptions(allow_download=False)).questions)


def test_on_the_bundled_sample(sample: list[Question]) -> None:
    rng = random.Random(18)
    records = [_as_record(q, model, rng.random() < p) for model, p in (("a", 0.8), ("b", 0.45)) for q in sample]
    flagged = {q.key for q in sample if q.metadata.get("daily_double")}
    assert flagged  # the sample has Daily Doubles to test with
    # The record-only rule finds exactly the loader's Daily Doubles.
    assert {r.question_key for r in records if is_daily_double(r)} == flagged
    assert coryat_scores(records) == coryat_scores(records, daily_doubles=flagged)
    # An independent count with the loader's boards and flags.
    for score in coryat_scores(records):
        expected = 0
        for r, q in zip([r for r in records if r.model == score.model], sample, strict=True):
            board = clean.board_values(q.round, q.air_date)
            if not board or q.value is None:
                continue
            if q.metadata.get("daily_double"):
                expected += board[2] if r.correct else 0
            else:
                expected += q.value if r.correct else -q.value
        assert score.score == expected
        assert score.daily_doubles == len(flagged)


def test_board_breakdown(sample: list[Question]) -> None:
    records = [_as_record(q, "a", i % 3 != 0) for i, q in enumerate(sample)]
    (stats,) = board_breakdown(records).values()
    names = [s.group for s in stats]
    assert sum(s.n for s in stats) == len(records)
    # Rounds in board order, values ascending, each round's Daily Doubles last, then Final Jeopardy!.
    j = [n for n in names if n.startswith("Jeopardy!")]
    assert j[-1] == "Jeopardy! Daily Double"
    values = [int(n.split("$")[1].replace(",", "")) for n in j[:-1]]
    assert values == sorted(values)
    assert names.index(j[-1]) < min(i for i, n in enumerate(names) if n.startswith("Double Jeopardy!"))
    # The sample has a tiebreaker too: after Final Jeopardy!, as in a show.
    assert names[-2:] == ["Final Jeopardy!", "Tiebreaker"]
    dd = next(s for s in stats if s.group == "Double Jeopardy! Daily Double")
    dd_records = [r for r in records if r.round == "Double Jeopardy!" and is_daily_double(r)]
    assert (dd.n, dd.correct) == (len(dd_records), sum(r.correct is True for r in dd_records))
    assert "Double Jeopardy! $1,200" in names
