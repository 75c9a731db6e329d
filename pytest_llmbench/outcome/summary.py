"""The end-of-session summary: per-model statistics, gates and notes, computed from the stored records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from pytest_llmbench.engine.traffic import ModelTraffic
from pytest_llmbench.outcome.baseline import BaselineComparison
from pytest_llmbench.outcome.gates import Gates
from pytest_llmbench.outcome.judging import JudgingSummary
from pytest_llmbench.outcome.provenance import provenance_notes
from pytest_llmbench.outcome.statistics import RunStatistics
from pytest_llmbench.report import fmt
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
    gates: Gates = field(default_factory=Gates)
    notes: list[str] = field(default_factory=list)
    #: Sentences of the reports that could not be written: the session then ends with exit status 4.
    report_failures: list[str] = field(default_factory=list)
    run_id: int | None = None
    run_name: str | None = None
    dataset: str | None = None
    dataset_origin: str | None = None
    budget: float | None = None
    spent: float = 0.0
    stop_reason: str | None = None
    traffic: dict[str, ModelTraffic] = field(default_factory=dict)  # the engine's per-model counters, when it ran
    judging: JudgingSummary | None = None  # when a judge was asked: its agreement and cost
    #: per benchmark test (node id without parameters) -> its models' summaries; only when there are several
    by_test: dict[str, list[ModelSummary]] = field(default_factory=dict)
    #: models the run stopped before finishing: model -> (items graded, items planned); their accuracy is partial
    partial: dict[str, tuple[int, int]] = field(default_factory=dict)
    statistics: RunStatistics | None = None  # clustered intervals, Holm, Coryat, --llm-target-ci (statistics.py)

    @property
    def gates_passed(self) -> bool:
        return self.gates.passed

    def partial_label(self, model: str) -> str | None:
        """What every report shows instead of the accuracy of a model the run stopped before finishing."""
        if model not in self.partial:
            return None
        graded, planned = self.partial[model]
        return f"partial: {graded} of {planned} graded"

    def partial_notes(self) -> list[str]:
        """One sentence per partial model: where it stopped, and what its accuracy covers."""
        out = []
        for model, (graded, planned) in self.partial.items():
            m = next((x for x in self.models if x.model == model), None)
            result = "no result"
            if graded and m is not None:
                ci = "" if m.ci_low is None or m.ci_high is None else f" [{m.ci_low * 100:.0f}-{m.ci_high * 100:.0f}]"
                result = f"on those, {fmt.pct(m.accuracy)}{ci} (not a result for the whole benchmark)"
            out.append(f"partial: {model} was stopped after {graded} of {planned} items; {result}")
        return out

    @property
    def unpriced(self) -> int:
        return sum(m.unpriced for m in self.models)

    @property
    def cost_saved(self) -> float:
        return sum(m.cost_saved_usd for m in self.models)

    def cost_lines(self) -> list[str]:
        """Budget, unpriced answers and the cache, as the summary says them."""
        return cost_lines(self)

    @property
    def simulated(self) -> list[str]:
        return [m.model for m in self.models if m.simulated]

    @classmethod
    def from_records(cls, records: Sequence[ResultRecord], **kwargs: object) -> RunSummary:
        summary = cls(models=summarize_models(records), **kwargs)  # type: ignore[arg-type]
        summary.notes = [*summary.notes, *provenance_notes(records)]
        summary.spent = sum(m.cost_usd or 0.0 for m in summary.models)
        names = [m.model for m in summary.models]
        summary.paired = [paired_comparison(records, a, b) for a, b in combinations(names, 2)]
        tests: dict[str, list[ResultRecord]] = {}
        for record in records:
            tests.setdefault(test_of(record.nodeid), []).append(record)
        if len(tests) > 1:
            summary.by_test = {test: summarize_models(rows) for test, rows in tests.items()}
        if any(r.repeat > 0 for r in records):
            summary.repeats = repeat_stats(records)
        for name in names:
            ece = expected_calibration_error([r for r in records if r.model == name])
            if ece is not None:
                summary.calibration[name] = ece
        summary.judging = JudgingSummary.from_records(records)
        return summary


def test_of(nodeid: str) -> str:
    """The benchmark test an item belongs to: its node id without the parameters."""
    return nodeid.split("[", 1)[0]


#: Why an item was not answered when the run stopped before it: the stop itself, the budget, credits, the key.
STOP_KINDS = frozenset({"stopped", "budget", "credits", "auth"})


def mark_partial(summary: RunSummary, records: Sequence[ResultRecord], planned: Mapping[str, int]) -> None:
    """Flag the models a stop left unfinished (items not asked, or never reached), and name the stop."""
    if summary.stop_reason is None and any(r.error_kind == "budget" for r in records):
        summary.stop_reason = "the budget (--llm-max-cost) ran out"
    for m in summary.models:
        stopped = sum(1 for r in records if r.model == m.model and r.error_kind in STOP_KINDS)
        missing = stopped + max(0, planned.get(m.model, 0) - m.items)
        if missing and summary.stop_reason is not None:
            summary.partial[m.model] = (m.answered, m.items + max(0, planned.get(m.model, 0) - m.items))


def partial_from_totals(totals: Mapping[str, object] | None) -> dict[str, tuple[int, int]]:
    """The partial models a finished run stored (``totals["partial"]``, see ``totals``)."""
    raw = (totals or {}).get("partial")
    out: dict[str, tuple[int, int]] = {}
    if isinstance(raw, dict):
        for model, counts in raw.items():
            if isinstance(counts, dict):
                graded, planned = counts.get("graded"), counts.get("planned")
                if isinstance(graded, int) and isinstance(planned, int):
                    out[str(model)] = (graded, planned)
    return out


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
        "unpriced": summary.unpriced,
        "cached": sum(m.cached for m in summary.models),
        "cost_saved_usd": summary.cost_saved,
        "gates": summary.gates.to_dicts(),
        "gates_passed": summary.gates_passed if summary.gates else None,
        "gates_status": summary.gates.status,
        "stop_reason": summary.stop_reason,
        "partial": {model: {"graded": g, "planned": n} for model, (g, n) in summary.partial.items()},
        "simulated": summary.simulated,
    }


# What a summary says about money beyond the table: the budget, answers nobody priced, and the cache. An unknown
# is never a zero: when some answers have no price (a server that bills nothing and a model the catalog does not
# price), the totals are lower bounds and say how many answers they leave out. A cache hit was billed nothing in
# this run; what it cost when first asked is the cost saved.
def cost_lines(summary: RunSummary) -> list[str]:
    lines: list[str] = []
    unpriced = summary.unpriced
    if summary.budget is not None:
        spent = f"at least ${summary.spent:.4f}" if unpriced else f"${summary.spent:.4f}"
        lines.append(f"budget: {spent} spent of ${summary.budget:.4f}")
    if unpriced:
        lines.append(f"cost: at least ${summary.spent:.4f}, {unpriced} items unpriced (the provider reported no "
                     f"cost and the catalog has no price for the model)")
    cached = sum(m.cached for m in summary.models)
    if cached:
        lines.append(
            f"cache: {cached} answers served from the response cache: billed $0 in this run, saving "
            f"${summary.cost_saved:.4f}; their latency, tokens and cost are the original call's"
        )
    latency = [m for m in summary.models if m.answered and m.latency_items < m.answered]
    for m in latency:
        lines.append(f"latency: {m.model}: statistics cover {m.latency_items} of {m.answered} answered items")
    return lines
