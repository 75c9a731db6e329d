"""Per-model summaries and breakdowns by category, round, value, difficulty and decade."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from pytest_llmbench.stats.core import mean, percentile, wilson_interval
from pytest_llmbench.types import Outcome, ResultRecord

ANSWERED = (Outcome.PASSED, Outcome.FAILED)


def is_answered(record: ResultRecord) -> bool:
    """Graded, right or wrong. The grade decides, not the test's outcome: a test body may assert more."""
    return record.correct is not None


@dataclass(frozen=True, slots=True)
class ModelSummary:
    """What a report shows for one model.

    Cached items keep the original call's latency, tokens and cost: they count for latency and tokens (a
    cached rerun shows the numbers of the answers it reports; ``latency_items`` says how many items the
    latency statistics cover), while ``cost_usd`` is what this run was billed (0 for a hit) and
    ``cost_saved_usd`` what the hits would have cost. Nothing unknown is shown as zero: tokens nobody reported
    are None (``tokens_unknown`` counts the answers without them), and ``cost_usd`` is None when no answer
    has a price; otherwise it is at least that, with ``unpriced`` answers on top of it.
    """

    model: str
    simulated: bool
    items: int
    answered: int  # passed + failed
    correct: int
    errors: int
    skipped: int
    cached: int
    accuracy: float | None
    ci_low: float | None
    ci_high: float | None
    latency_mean_ms: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    ttft_p50_ms: float | None
    tokens_per_second: float | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cost_usd: float | None
    cost_estimated: bool
    cost_per_correct: float | None
    latency_items: int = 0  # answered items the latency statistics cover
    tokens_unknown: int = 0  # answered items whose tokens nobody reported
    unpriced: int = 0  # answered items (not from the cache) with no billed cost and no price to estimate one
    cost_saved_usd: float = 0.0  # what the cache hits cost when first asked


def _known_sum(values: Sequence[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def group_by_model(records: Sequence[ResultRecord]) -> dict[str, list[ResultRecord]]:
    """Records per model, models in order of first appearance."""
    out: dict[str, list[ResultRecord]] = {}
    for record in records:
        out.setdefault(record.model, []).append(record)
    return out


def summarize(model: str, records: Sequence[ResultRecord]) -> ModelSummary:
    answered = [r for r in records if is_answered(r)]
    correct = sum(r.correct is True for r in answered)
    fresh = [r for r in records if not r.cached]  # what this run asked (and was billed for)
    timed = [r for r in answered if r.latency_ms is not None]  # cached ones keep the original call's
    latencies = [r.latency_ms for r in timed if r.latency_ms is not None]
    ttfts = [r.ttft_ms for r in timed if r.ttft_ms is not None]
    throughput = [r for r in timed if r.completion_tokens]
    seconds = sum((r.latency_ms or 0.0) for r in throughput) / 1000
    tokens = sum(r.completion_tokens or 0 for r in throughput)
    billed = [r.cost_usd for r in fresh if r.cost_usd is not None]
    grading = sum(r.grade_cost_usd for r in records)
    unpriced = sum(r.cost_usd is None and not r.cached and not r.simulated for r in answered)
    cost = sum(billed) + grading if billed or grading or not unpriced else None
    accuracy = correct / len(answered) if answered else None
    low, high = wilson_interval(correct, len(answered)) if answered else (None, None)
    return ModelSummary(
        model=model,
        simulated=any(r.simulated for r in records),
        items=len(records),
        answered=len(answered),
        correct=correct,
        errors=sum(r.outcome is Outcome.ERROR for r in records),
        skipped=sum(r.outcome is Outcome.SKIPPED for r in records),
        cached=sum(r.cached for r in records),
        accuracy=accuracy,
        ci_low=low,
        ci_high=high,
        latency_mean_ms=mean(latencies),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        ttft_p50_ms=percentile(ttfts, 50),
        tokens_per_second=tokens / seconds if seconds > 0 else None,
        prompt_tokens=_known_sum([r.prompt_tokens for r in records]),
        completion_tokens=_known_sum([r.completion_tokens for r in records]),
        cost_usd=cost,
        cost_estimated=any(r.cost_estimated for r in fresh if r.cost_usd),
        cost_per_correct=cost / correct if correct and cost is not None and not unpriced else None,
        latency_items=len(latencies),
        tokens_unknown=sum(r.prompt_tokens is None and r.completion_tokens is None for r in answered),
        unpriced=unpriced,
        cost_saved_usd=sum(r.cost_usd or 0.0 for r in records if r.cached),
    )


def summarize_models(records: Sequence[ResultRecord]) -> list[ModelSummary]:
    """One summary per model, in order of first appearance."""
    return [summarize(model, rows) for model, rows in group_by_model(records).items()]


class GroupStat(NamedTuple):
    group: str
    n: int  # answered items in the group
    correct: int
    accuracy: float | None
    ci: tuple[float, float]


# Jeopardy! doubled its values on 2001-11-26; a clue's row on the board is its difficulty.
DOUBLING_DATE = dt.date(2001, 11, 26)
BOARD_ROWS = {
    ("jeopardy", False): (100, 200, 300, 400, 500),
    ("jeopardy", True): (200, 400, 600, 800, 1000),
    ("double", False): (200, 400, 600, 800, 1000),
    ("double", True): (400, 800, 1200, 1600, 2000),
}
_ROW_LEVEL = ("easy", "easy", "medium", "hard", "hard")
ROUND_ORDER = {"jeopardy!": 0, "double jeopardy!": 1, "final jeopardy!": 2, "tiebreaker": 3}


def aired_on(iso: str | None) -> dt.date | None:
    """The air date of a record's ISO text; None when it has none or it is not a date."""
    try:
        return dt.date.fromisoformat(iso[:10]) if iso else None
    except ValueError:
        return None


def difficulty(record: ResultRecord) -> str:
    """easy / medium / hard from the clue's row on the board, ``final``, or ``unknown`` (Daily Double
    wagers and non-Jeopardy questions have no row)."""
    round_name = (record.round or "").casefold()
    if "final" in round_name:
        return "final"
    if record.value is None or not round_name:
        return "unknown"
    kind = "double" if "double" in round_name else "jeopardy"
    aired = aired_on(record.air_date)
    modern = aired is None or aired >= DOUBLING_DATE
    rows = BOARD_ROWS[(kind, modern)]
    return _ROW_LEVEL[rows.index(record.value)] if record.value in rows else "unknown"


def decade(record: ResultRecord) -> str:
    aired = aired_on(record.air_date)
    return f"{aired.year // 10 * 10}s" if aired else "unknown"


_KEYS: dict[str, Callable[[ResultRecord], str]] = {
    "category": lambda r: r.category or "unknown",
    "round": lambda r: r.round or "unknown",
    "value": lambda r: str(r.value) if r.value is not None else "none",
    "difficulty": difficulty,
    "decade": decade,
}
_ORDER: dict[str, Callable[[str], tuple[int, float, str]]] = {
    "round": lambda g: (ROUND_ORDER.get(g.casefold(), 9), 0.0, g),
    "value": lambda g: (0, float(g), g) if g.isdigit() else (1, 0.0, g),
    "difficulty": lambda g: (["easy", "medium", "hard", "final", "unknown"].index(g), 0.0, g),
}
BREAKDOWNS: tuple[str, ...] = tuple(_KEYS)


def breakdown(records: Sequence[ResultRecord], by: str) -> dict[str, list[GroupStat]]:
    """Accuracy per group for each model; ``by`` is one of ``BREAKDOWNS``."""
    key = _KEYS.get(by)
    if key is None:
        raise ValueError(f"Unknown breakdown '{by}': choose one of {', '.join(BREAKDOWNS)}.")
    order = _ORDER.get(by, lambda g: (1 if g == "unknown" else 0, 0.0, g.casefold()))
    out: dict[str, list[GroupStat]] = {}
    for model, rows in group_by_model(records).items():
        groups: dict[str, list[ResultRecord]] = {}
        for record in rows:
            if is_answered(record):
                groups.setdefault(key(record), []).append(record)
        stats = []
        for group in sorted(groups, key=order):
            members = groups[group]
            n, correct = len(members), sum(r.correct is True for r in members)
            stats.append(GroupStat(group, n, correct, correct / n, wilson_interval(correct, n)))
        out[model] = stats
    return out
