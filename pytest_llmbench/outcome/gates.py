"""Exit gates: every model at or above its accuracy threshold, and no more infrastructure errors than allowed.

A gate is judged on the items that were answered; infrastructure errors are never wrong answers and are
counted by their own gate (``--llm-max-errors``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_llmbench.config import Settings
from pytest_llmbench.stats import ModelSummary

if TYPE_CHECKING:
    from pytest_llmbench.outcome.statistics import RunStatistics


@dataclass(frozen=True, slots=True)
class GateResult:
    name: str
    passed: bool
    detail: str
    #: False for a gate that names a model this run did not benchmark: it neither passes nor fails the run.
    applicable: bool = True

    @property
    def verdict(self) -> str:
        if not self.applicable:
            return "N/A"
        return "PASS" if self.passed else "FAIL"

    def line(self) -> str:
        return f"{self.verdict} {self.name}: {self.detail}"


def evaluate_gates(
    settings: Settings, models: Sequence[ModelSummary], extra: Sequence[GateResult] = (),
    *, statistics: RunStatistics | None = None,
) -> list[GateResult]:
    """Accuracy gates, then ``extra`` gates (the baseline's), then the infrastructure-error gate.

    With ``--llm-gate-bound=lower`` and clustering on (``statistics.clustering``), the gate uses the clustered
    lower bound, which is honest about related clues; the gate's name says which bound it used."""
    if not settings.gating:
        return []
    results: list[GateResult] = []
    by_name = {m.model: m for m in models}
    lower = settings.gate_bound == "lower"
    clustered = lower and statistics is not None and statistics.clustering
    basis = statistics.basis if clustered and statistics is not None else (
        "Wilson 95% lower bound" if lower else "accuracy")
    named = {g.model for g in settings.min_accuracy if g.model}
    # A per-model threshold kept in a shared config (pyproject's [tool.llmbench]) applies only to runs that
    # benchmark that model; a run of other models must not fail on it.
    for name in sorted(named - set(by_name)):
        threshold = settings.threshold_for(name)
        detail = f"not applicable: this run has no items for this model (threshold {threshold:.3f} not applied)"
        results.append(GateResult(f"{name} {basis}", True, detail, applicable=False))
    for summary in models:
        threshold = settings.threshold_for(summary.model)
        if threshold is None:
            continue
        value = summary.ci_low if lower else summary.accuracy
        fallback = ""
        if clustered and statistics is not None:
            clustered_low = statistics.clustered_low(summary.model)
            if clustered_low is not None:
                value = clustered_low
            elif value is not None:  # fewer than two clusters: no clustered variance to gate on
                fallback = "; Wilson bound: fewer than two clusters"
        label = f"{summary.model} {basis}"
        if value is None:
            results.append(GateResult(label, False, f"no answered items (needs {threshold:.3f})"))
            continue
        margin = value - threshold
        sign = ">=" if margin >= 0 else "<"
        results.append(GateResult(
            label, margin >= -1e-12,
            f"{value:.3f} {sign} {threshold:.3f} ({margin:+.3f}; {summary.correct}/{summary.answered} correct"
            f"{fallback})",
        ))
    results.extend(extra)
    errors = sum(m.errors for m in models)
    results.append(GateResult(
        "infrastructure errors", errors <= settings.max_errors,
        f"{errors} {'<=' if errors <= settings.max_errors else '>'} {settings.max_errors} allowed",
    ))
    return results
