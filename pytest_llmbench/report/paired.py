"""Paired comparison of two models (or one model in two runs) on the questions both answered.

Two models asked the same questions are compared on the *discordant* pairs only: questions one got right and
the other wrong. The exact McNemar test asks whether those discordant counts could be a fair coin's; it is far
more sensitive than comparing two independent accuracies, because it cancels the questions' difficulty.

Adapter note: ``stats.mcnemar_exact`` is being added to the stats module in parallel; until it is merged the
exact test lives here. Once it is, ``mcnemar_exact`` below should become an import of it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pytest_llmbench.types import ResultRecord

#: Significance level used for the "significant" flag in reports.
ALPHA = 0.05


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value: the binomial test of ``b`` of ``b + c`` discordant pairs at p = 1/2."""
    if b < 0 or c < 0:
        raise ValueError("discordant counts cannot be negative")
    n = b + c
    if n == 0:
        return 1.0
    tail: int = sum(math.comb(n, i) for i in range(min(b, c) + 1))
    # Integers all the way (a Fraction-free exact ratio): large n neither overflows nor underflows.
    return min(1.0, float(2 * tail / 2**n))


@dataclass(frozen=True, slots=True)
class PairedComparison:
    """``a`` vs ``b`` on ``n`` paired items: ``both`` right, ``only_a`` right, ``only_b`` right, ``neither``."""

    a: str
    b: str
    n: int
    both: int
    only_a: int
    only_b: int
    neither: int
    p_value: float

    @property
    def accuracy_a(self) -> float | None:
        return (self.both + self.only_a) / self.n if self.n else None

    @property
    def accuracy_b(self) -> float | None:
        return (self.both + self.only_b) / self.n if self.n else None

    @property
    def difference(self) -> float | None:
        """Paired accuracy of ``a`` minus that of ``b`` (in [-1, 1])."""
        return (self.only_a - self.only_b) / self.n if self.n else None

    @property
    def significant(self) -> bool:
        return self.n > 0 and self.p_value < ALPHA

    def verdict(self) -> str:
        if not self.n:
            return "no paired items"
        if not self.significant:
            return "no significant difference"
        better = self.a if self.only_a > self.only_b else self.b
        return f"{better} better"

    def to_dict(self) -> dict[str, object]:
        return {
            "a": self.a,
            "b": self.b,
            "n": self.n,
            "both": self.both,
            "only_a": self.only_a,
            "only_b": self.only_b,
            "neither": self.neither,
            "accuracy_a": self.accuracy_a,
            "accuracy_b": self.accuracy_b,
            "difference": self.difference,
            "p_value": self.p_value,
            "significant": self.significant,
        }


def _graded(records: Iterable[ResultRecord], model: str) -> dict[tuple[str, int], bool]:
    return {(r.question_key, r.repeat): bool(r.correct) for r in records if r.model == model and r.correct is not None}


def compare(
    a_records: Sequence[ResultRecord],
    a_model: str,
    b_records: Sequence[ResultRecord],
    b_model: str,
    *,
    a_label: str | None = None,
    b_label: str | None = None,
) -> PairedComparison:
    """Pair ``a_model``'s graded items with ``b_model``'s on (question, repeat); errors and skips drop out."""
    left, right = _graded(a_records, a_model), _graded(b_records, b_model)
    keys = left.keys() & right.keys()
    both = sum(1 for k in keys if left[k] and right[k])
    only_a = sum(1 for k in keys if left[k] and not right[k])
    only_b = sum(1 for k in keys if right[k] and not left[k])
    neither = len(keys) - both - only_a - only_b
    return PairedComparison(
        a_label or a_model,
        b_label or b_model,
        len(keys),
        both,
        only_a,
        only_b,
        neither,
        mcnemar_exact(only_a, only_b),
    )


def pairwise(records: Sequence[ResultRecord], models: Sequence[str]) -> list[PairedComparison]:
    """Every pair of models of one run, in the given model order."""
    return [compare(records, a, records, b) for i, a in enumerate(models) for b in models[i + 1 :]]
