"""Filters on loaded questions: category pattern, rounds, value range, air-date range."""

from __future__ import annotations

import datetime as _dt
import fnmatch
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pytest_llmbench.data.clean import ROUNDS, canonical_round
from pytest_llmbench.errors import UsageError
from pytest_llmbench.types import Question

_REGEX_CHARS = frozenset("^$()|+{}\\")
_GLOB_CHARS = frozenset("*?[")


def category_matcher(pattern: str) -> Callable[[str], bool]:
    """Case-insensitive category test.

    ``re:...`` or a pattern with regex syntax (``^ $ ( ) | + { } \\``) is a regex searched anywhere;
    a pattern with ``* ? [`` is a glob over the whole name; anything else matches as a substring.
    """
    text = pattern.strip()
    if text.startswith("re:") or _REGEX_CHARS & set(text):
        source = text[3:] if text.startswith("re:") else text
        try:
            regex = re.compile(source, re.IGNORECASE)
        except re.error as exc:
            raise UsageError(
                f"Category pattern {pattern!r} is not a valid regular expression: {exc}."
            ) from None
        return lambda name: regex.search(name) is not None
    if _GLOB_CHARS & set(text):
        glob = re.compile(fnmatch.translate(text.casefold()))
        return lambda name: glob.match(name.casefold()) is not None
    needle = text.casefold()
    return lambda name: needle in name.casefold()


def canonical_rounds(names: Sequence[str]) -> frozenset[str]:
    """User spellings (``j``, ``double``, ``FJ``, ``Final Jeopardy!``) -> canonical round names."""
    out: set[str] = set()
    for name in names:
        canon = canonical_round(name)
        if canon is None:
            continue
        if canon not in ROUNDS:
            raise UsageError(
                f"Unknown round {name!r}: use jeopardy, double, final or tiebreaker (or J, DJ, FJ, TB)."
            )
        out.add(canon)
    return frozenset(out)


@dataclass(frozen=True)
class QuestionFilter:
    """All conditions must hold; an unset condition holds for every question."""

    category: str | None = None
    rounds: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    date_from: _dt.date | None = None
    date_to: _dt.date | None = None

    def __post_init__(self) -> None:
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise UsageError(f"The minimum value ${self.min_value} is above the maximum ${self.max_value}.")
        if self.date_from is not None and self.date_to is not None and self.date_from > self.date_to:
            raise UsageError(f"The start date {self.date_from} is after the end date {self.date_to}.")

    @property
    def active(self) -> bool:
        return bool(
            self.category
            or self.rounds
            or self.min_value is not None
            or self.max_value is not None
            or self.date_from is not None
            or self.date_to is not None
        )

    def describe(self) -> str:
        parts: list[str] = []
        if self.category:
            parts.append(f"category {self.category!r}")
        if self.rounds:
            parts.append("rounds " + ", ".join(self.rounds))
        if self.min_value is not None or self.max_value is not None:
            low = "" if self.min_value is None else f"${self.min_value}"
            high = "" if self.max_value is None else f"${self.max_value}"
            parts.append(f"value {low}..{high}")
        if self.date_from is not None or self.date_to is not None:
            parts.append(f"air date {self.date_from or ''}..{self.date_to or ''}")
        return "; ".join(parts) or "no filter"

    def compile(self) -> Callable[[Question], bool]:
        """A predicate; patterns and round names are checked here, once."""
        tests: list[Callable[[Question], bool]] = []
        if self.category:
            match = category_matcher(self.category)
            tests.append(lambda q: q.category is not None and match(q.category))
        if self.rounds:
            wanted = canonical_rounds(self.rounds)
            tests.append(lambda q: q.round in wanted)
        low, high = self.min_value, self.max_value
        if low is not None or high is not None:
            # A clue without a value (Final Jeopardy!) is outside every value range.
            tests.append(
                lambda q: (
                    q.value is not None
                    and (low is None or q.value >= low)
                    and (high is None or q.value <= high)
                )
            )
        start, end = self.date_from, self.date_to
        if start is not None or end is not None:
            tests.append(
                lambda q: (
                    q.air_date is not None
                    and (start is None or q.air_date >= start)
                    and (end is None or q.air_date <= end)
                )
            )
        return lambda q: all(test(q) for test in tests)


def filter_questions(questions: Sequence[Question], spec: QuestionFilter) -> list[Question]:
    if not spec.active:
        return list(questions)
    keep = spec.compile()
    return [q for q in questions if keep(q)]
