"""Statistics over result records (imports neither pytest nor rich)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pytest_llmbench.types import Outcome, ResultRecord

Z95 = 1.959963984540054


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass
class ModelSummary:
    model: str
    simulated: bool
    items: int
    answered: int
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
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    cost_estimated: bool
    cost_per_correct: float | None


def summarize_models(records: Sequence[ResultRecord]) -> list[ModelSummary]:
    by_model: dict[str, list[ResultRecord]] = {}
    for r in records:
        by_model.setdefault(r.model, []).append(r)
    return [_summarize(model, rows) for model, rows in by_model.items()]


def _summarize(model: str, rows: list[ResultRecord]) -> ModelSummary:
    answered = [r for r in rows if r.correct is not None]
    correct = sum(1 for r in answered if r.correct)
    live = [r for r in answered if not r.cached and r.latency_ms is not None]
    latencies = [r.latency_ms for r in live if r.latency_ms is not None]
    ttfts = [r.ttft_ms for r in live if r.ttft_ms is not None]
    out_tokens = sum(r.completion_tokens or 0 for r in live)
    seconds = sum(latencies) / 1000
    cost = sum((r.cost_usd or 0.0) + r.grade_cost_usd for r in rows)
    low, high = wilson_interval(correct, len(answered)) if answered else (None, None)
    return ModelSummary(
        model=model,
        simulated=any(r.simulated for r in rows),
        items=len(rows),
        answered=len(answered),
        correct=correct,
        errors=sum(1 for r in rows if r.outcome is Outcome.ERROR),
        skipped=sum(1 for r in rows if r.outcome is Outcome.SKIPPED),
        cached=sum(1 for r in rows if r.cached),
        accuracy=correct / len(answered) if answered else None,
        ci_low=low,
        ci_high=high,
        latency_mean_ms=sum(latencies) / len(latencies) if latencies else None,
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        ttft_p50_ms=percentile(ttfts, 50),
        tokens_per_second=out_tokens / seconds if seconds > 0 else None,
        prompt_tokens=sum(r.prompt_tokens or 0 for r in rows if not r.cached),
        completion_tokens=sum(r.completion_tokens or 0 for r in rows if not r.cached),
        cost_usd=cost,
        cost_estimated=any(r.cost_estimated for r in rows),
        cost_per_correct=cost / correct if correct else None,
    )
