"""The end-of-session summary: per-model statistics, gates and notes, computed from the stored records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from pytest_llmbench.outcome.baseline import BaselineComparison
from pytest_llmbench.outcome.gates import GateResult
from pytest_llmbench.outcome.judging import JudgingSummary
from pytest_llmbench.outcome.statistics import RunStatistics
from pytest_llmbench.stats import (
    ModelSummary,
    PairedComparison,
    RepeatStats,
    expected_calibration_error,
    paired_comparison,
    repeat_stats,
    summarize_models,
)
from pytest_llmbench.types import ResultRecord


@dataclass
class RunSummary:
    models: list[ModelSummary]
    paired: list[PairedComparison] = field(default_factory=list)
    repeats: list[RepeatStats] = field(default_factory=list)
    calibration: dict[str, float] = field(default_factory=dict)  # expected calibration error per model
    baseline: list[BaselineComparison] = field(default_factory=list)
    gates: list[GateResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    run_id: int | None = None
    run_name: str | None = None
    dataset: str | None = None
    dataset_origin: str | None = None
    budget: float | None = None
    spent: float = 0.0
    stop_reason: str | None = None
    judging: JudgingSummary | None = None  # when a judge was asked: its agreement and cost
    statistics: RunStatistics | None = None  # clustered intervals, Holm, Coryat, --llm-target-ci (statistics.py)

    @property
    def gates_passed(self) -> bool:
        return all(g.passed for g in self.gates)

    @property
    def simulated(self) -> list[str]:
        return [m.model for m in self.models if m.simulated]

    @classmethod
    def from_records(cls, records: Sequence[ResultRecord], **kwargs: object) -> RunSummary:
        summary = cls(models=summarize_models(records), **kwargs)  # type: ignore[arg-type]
        summary.spent = sum(m.cost_usd for m in summary.models)
        names = [m.model for m in summary.models]
        summary.paired = [paired_comparison(records, a, b) for a, b in combinations(names, 2)]
        if any(r.repeat > 0 for r in records):
            summary.repeats = repeat_stats(records)
        for name in names:
            ece = expected_calibration_error([r for r in records if r.model == name])
            if ece is not None:
                summary.calibration[name] = ece
        summary.judging = JudgingSummary.from_records(records)
        return summary


def performance_row(m: ModelSummary) -> dict[str, Any]:
    return {
        "model": m.model, "simulated": m.simulated, "items": m.items, "answered": m.answered, "correct": m.correct,
        "errors": m.errors, "skipped": m.skipped, "accuracy": m.accuracy, "ci_low": m.ci_low, "ci_high": m.ci_high,
        "latency_p50_ms": m.latency_p50_ms, "latency_p95_ms": m.latency_p95_ms, "prompt_tokens": m.prompt_tokens,
        "completion_tokens": m.completion_tokens, "cost_usd": m.cost_usd, "cost_per_correct": m.cost_per_correct,
    }


def totals(summary: RunSummary) -> dict[str, Any]:
    return {
        "items": sum(m.items for m in summary.models),
        "correct": sum(m.correct for m in summary.models),
        "errors": sum(m.errors for m in summary.models),
        "skipped": sum(m.skipped for m in summary.models),
        "cost_usd": summary.spent,
        "gates": [{"name": g.name, "passed": g.passed, "detail": g.detail} for g in summary.gates],
        "gates_passed": summary.gates_passed if summary.gates else None,
        "simulated": summary.simulated,
    }

