"""The Jeopardy! Coryat score per model, and accuracy by round and board value.

The Coryat score is a contestant's score with wagering disregarded: a right answer adds the clue's value, a
wrong one subtracts it, an unanswered clue (here: an error or a skip) counts nothing; a Daily Double adds its
*natural* value when right and costs nothing when wrong; Final Jeopardy! (and a tiebreaker) is not counted.

A Daily Double's natural value is the value of its square on the board, but the J-Archive data gives only
the wager (``"$2,127"``) and not the square's row. We take the round's middle row, $600 in the Jeopardy!
round and $1,200 in Double Jeopardy! ($300 and $600 before the values doubled on 2001-11-26; today's board
when the air date is unknown): it is the mean of the round's five values, i.e. the expected natural value
of a square whose row is unknown, and it never lets the wager leak into the score.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from pytest_llmbench.stats.cluster import JEOPARDY_DATASET
from pytest_llmbench.stats.core import wilson_interval
from pytest_llmbench.stats.summary import (
    BOARD_ROWS,
    DOUBLING_DATE,
    ROUND_ORDER,
    GroupStat,
    aired_on,
    group_by_model,
    is_answered,
)
from pytest_llmbench.types import ResultRecord

# The boards are not imported from ``data`` (``clean.board_values``): that package loads the readers and YAML,
# and statistics stay light. ``summary`` holds them already.
DAILY_DOUBLE = "Daily Double"


def _board_kind(round_name: str | None) -> str | None:
    """``jeopardy`` or ``double`` for the two board rounds (spelt as the data spells them), else None."""
    name = (round_name or "").casefold().strip().rstrip("!")
    if name in ("jeopardy", "j", "single", "single jeopardy"):
        return "jeopardy"
    if name in ("double jeopardy", "double", "dj"):
        return "double"
    return None


def _boards(record: ResultRecord) -> tuple[tuple[int, ...], ...]:
    """The board values the record's clue may have had: its era's, or both eras' when the date is unknown."""
    kind = _board_kind(record.round)
    if kind is None:
        return ()
    aired = aired_on(record.air_date)
    if aired is None:
        return BOARD_ROWS[(kind, True)], BOARD_ROWS[(kind, False)]
    return (BOARD_ROWS[(kind, aired >= DOUBLING_DATE)],)


def daily_double_value(record: ResultRecord) -> int | None:
    """The natural value credited for a right Daily Double: the middle row of its round's board in its era
    (today's board when the air date is unknown; see the module docstring); None outside the board rounds."""
    boards = _boards(record)
    return boards[0][2] if boards else None


def is_daily_double(record: ResultRecord) -> bool:
    """Whether a record's clue was a Daily Double, from the record alone.

    A value off the board of its round and era is a wager. For the Jeopardy! dataset a board-round clue with
    a value but no ``difficulty`` is one too: the loader gives every board clue its row as difficulty and a
    Daily Double none, which also catches wagers equal to a board value that J-Archive wrote with a comma
    (``"$1,000"``). When the questions are at hand, their ``metadata["daily_double"]`` is the better source.
    """
    boards = _boards(record)
    if not boards or record.value is None:
        return False
    if all(record.value not in board for board in boards):
        return True
    return record.dataset == JEOPARDY_DATASET and record.difficulty is None


@dataclass(frozen=True, slots=True)
class CoryatScore:
    """One model's Coryat score over the board-round clues it answered (right or wrong)."""

    model: str
    score: int
    clues: int  # counted: answered Jeopardy! and Double Jeopardy! clues with a value
    right: int
    wrong: int
    daily_doubles: int
    daily_doubles_right: int
    possible: int  # the score had every counted clue been right

    def to_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _daily_double_test(daily_doubles: Collection[str] | None) -> Callable[[ResultRecord], bool]:
    if daily_doubles is None:
        return is_daily_double
    return lambda r: r.question_key in daily_doubles


def coryat_scores(
    records: Sequence[ResultRecord], *, daily_doubles: Collection[str] | None = None
) -> list[CoryatScore]:
    """Per model (in order of first appearance). ``daily_doubles`` are the question keys of the Daily Doubles
    (from ``Question.metadata["daily_double"]``); without it ``is_daily_double`` decides from each record.

    Every answered ask counts, so with ``--llm-repeat`` a clue counts once per ask; records outside the board
    rounds or without a value are left out (``clues`` says how many counted).
    """
    daily = _daily_double_test(daily_doubles)
    out: list[CoryatScore] = []
    for model, rows in group_by_model(records).items():
        score = clues = right = doubles = doubles_right = possible = 0
        for r in rows:
            if not is_answered(r) or r.value is None or _board_kind(r.round) is None:
                continue
            clues += 1
            correct = r.correct is True
            right += correct
            if daily(r):
                natural = daily_double_value(r) or 0
                doubles += 1
                doubles_right += correct
                score += natural if correct else 0
                possible += natural
            else:
                score += r.value if correct else -r.value
                possible += r.value
        out.append(CoryatScore(model, score, clues, right, clues - right, doubles, doubles_right, possible))
    return out


def _board_group(record: ResultRecord, daily: Callable[[ResultRecord], bool]) -> tuple[tuple[int, int, str], str]:
    round_name = record.round or "unknown"
    rank = ROUND_ORDER.get(round_name.casefold(), 9)
    if _board_kind(record.round) is not None and record.value is not None:
        if daily(record):
            return (rank, 1 << 30, ""), f"{round_name} {DAILY_DOUBLE}"
        return (rank, record.value, ""), f"{round_name} ${record.value:,}"
    return (rank, 0, round_name), round_name


def board_breakdown(
    records: Sequence[ResultRecord], *, daily_doubles: Collection[str] | None = None
) -> dict[str, list[GroupStat]]:
    """Accuracy per model by round and board value (``"Double Jeopardy! $1,200"``), with each round's Daily
    Doubles in a group of their own (their values are wagers, not rows), then Final Jeopardy! and other rounds.

    ``breakdown(records, "round")`` gives the accuracy by round alone.
    """
    daily = _daily_double_test(daily_doubles)
    out: dict[str, list[GroupStat]] = {}
    for model, rows in group_by_model(records).items():
        groups: dict[str, tuple[tuple[int, int, str], list[bool]]] = {}
        for r in rows:
            if is_answered(r):
                order, name = _board_group(r, daily)
                groups.setdefault(name, (order, []))[1].append(r.correct is True)
        stats = []
        for name, (_, outcomes) in sorted(groups.items(), key=lambda item: item[1][0]):
            n, k = len(outcomes), sum(outcomes)
            stats.append(GroupStat(name, n, k, k / n, wilson_interval(k, n)))
        out[model] = stats
    return out
