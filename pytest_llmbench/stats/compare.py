"""Comparing models on the same questions, calibration, and repeated asks (--llm-repeat)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pytest_llmbench.stats.core import mcnemar_exact, pass_at_k
from pytest_llmbench.stats.summary import group_by_model, is_answered
from pytest_llmbench.types import ResultRecord

SIGNIFICANCE = 0.05


@dataclass(frozen=True, slots=True)
class PairedComparison:
    """Two models on the items (question and repeat) both answered; McNemar exact test on discordant pairs."""

    model_a: str
    model_b: str
    pairs: int
    both: int  # both correct
    a_only: int
    b_only: int
    neither: int
    accuracy_a: float | None
    accuracy_b: float | None
    difference: float | None  # accuracy_a - accuracy_b on the paired items
    p_value: float
    significant: bool

    def verdict(self) -> str:
        if not self.pairs:
            return "no paired items"
        if not self.significant:
            return "no significant difference"
        return f"{self.model_a if self.a_only > self.b_only else self.model_b} better"

    def to_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _answered_by_item(records: Sequence[ResultRecord], model: str) -> dict[tuple[str, int], bool]:
    # A later record of the same item (a resumed or re-run item) replaces an earlier one.
    return {
        (r.question_key, r.repeat): r.correct is True
        for r in records
        if r.model == model and is_answered(r)
    }


def paired_comparison(records: Sequence[ResultRecord], model_a: str, model_b: str) -> PairedComparison:
    """Two models of one run, paired on (question, repeat)."""
    return compare_runs(records, model_a, records, model_b)


def compare_runs(
    a_records: Sequence[ResultRecord],
    model_a: str,
    b_records: Sequence[ResultRecord],
    model_b: str,
    *,
    a_label: str | None = None,
    b_label: str | None = None,
) -> PairedComparison:
    """``model_a`` in ``a_records`` against ``model_b`` in ``b_records`` (one model in two runs, say), paired on
    (question, repeat); errors and skips drop out. Labels name the sides in reports (default: the models)."""
    a, b = _answered_by_item(a_records, model_a), _answered_by_item(b_records, model_b)
    shared = [item for item in a if item in b]
    both = sum(a[i] and b[i] for i in shared)
    a_only = sum(a[i] and not b[i] for i in shared)
    b_only = sum(b[i] and not a[i] for i in shared)
    neither = len(shared) - both - a_only - b_only
    n = len(shared)
    acc_a = (both + a_only) / n if n else None
    acc_b = (both + b_only) / n if n else None
    p = mcnemar_exact(a_only, b_only)
    return PairedComparison(
        model_a=a_label or model_a,
        model_b=b_label or model_b,
        pairs=n,
        both=both,
        a_only=a_only,
        b_only=b_only,
        neither=neither,
        accuracy_a=acc_a,
        accuracy_b=acc_b,
        difference=(acc_a - acc_b) if acc_a is not None and acc_b is not None else None,
        p_value=p,
        significant=n > 0 and p < SIGNIFICANCE,
    )


@dataclass(frozen=True, slots=True)
class Flip:
    """An item (question and repeat) graded right in one side and wrong in the other: a discordant pair."""

    question_key: str
    repeat: int
    a_correct: bool

    @property
    def direction(self) -> str:
        return "only A right" if self.a_correct else "only B right"


def flipped(
    a_records: Sequence[ResultRecord], model_a: str, b_records: Sequence[ResultRecord], model_b: str
) -> list[Flip]:
    """The discordant pairs ``compare_runs`` counts (``a_only + b_only`` of them), in A's order."""
    a, b = _answered_by_item(a_records, model_a), _answered_by_item(b_records, model_b)
    return [Flip(key, repeat, right) for (key, repeat), right in a.items() if b.get((key, repeat), right) != right]


def expected_calibration_error(records: Sequence[ResultRecord], bins: int = 10) -> float | None:
    """ECE over answered records that state a confidence (in [0, 1]; values above 1 are read as percent).

    Equal-width bins; the weighted mean gap between accuracy and mean confidence. None without confidences.
    """
    if bins < 1:
        raise ValueError("bins must be at least 1")
    points: list[tuple[float, bool]] = []
    for r in records:
        if is_answered(r) and r.confidence is not None:
            confidence = r.confidence / 100 if r.confidence > 1 else r.confidence
            points.append((min(1.0, max(0.0, confidence)), r.correct is True))
    if not points:
        return None
    buckets: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for confidence, correct in points:
        buckets[min(int(confidence * bins), bins - 1)].append((confidence, correct))
    total = len(points)
    ece = 0.0
    for bucket in buckets:
        if bucket:
            accuracy = sum(c for _, c in bucket) / len(bucket)
            confidence = sum(p for p, _ in bucket) / len(bucket)
            ece += len(bucket) / total * abs(accuracy - confidence)
    return ece


@dataclass(frozen=True, slots=True)
class RepeatStats:
    """How a model fares when each question is asked K times.

    ``pass_at_k[k]`` is the unbiased estimate over questions with at least k answered asks;
    ``majority_accuracy`` counts a question correct when more than half of its asks are (a tie is wrong);
    ``consistency`` is the share of questions whose asks were all correct or all wrong.
    """

    model: str
    questions: int
    repeats: int  # the most asks of any question
    pass_at_k: dict[int, float] = field(default_factory=dict)
    majority_accuracy: float | None = None
    consistency: float | None = None


def repeat_stats(records: Sequence[ResultRecord]) -> list[RepeatStats]:
    out: list[RepeatStats] = []
    for model, rows in group_by_model(records).items():
        asks: dict[str, dict[int, bool]] = {}
        for r in rows:
            if is_answered(r):
                asks.setdefault(r.question_key, {})[r.repeat] = r.correct is True
        if not asks:
            out.append(RepeatStats(model, 0, 0))
            continue
        counts = [(len(v), sum(v.values())) for v in asks.values()]
        most = max(n for n, _ in counts)
        estimates: dict[int, float] = {}
        for k in range(1, most + 1):
            eligible = [pass_at_k(n, c, k) for n, c in counts if n >= k]
            estimates[k] = sum(eligible) / len(eligible)
        majority = sum(c * 2 > n for n, c in counts) / len(counts)
        consistent = sum(c in (0, n) for n, c in counts) / len(counts)
        out.append(RepeatStats(model, len(asks), most, estimates, majority, consistent))
    return out
