"""Exit gates: every model at or above its accuracy threshold, and no more infrastructure errors than allowed.

A gate is judged on the items that were answered; infrastructure errors are never wrong answers and are
counted by their own gate (``--llm-max-errors``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pytest_llmbench.config import Settings
from pytest_llmbench.stats import ModelSummary


@dataclass(frozen=True, slots=True)
class GateResult:
    name: str
    passed: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'} {self.name}: {self.detail}"


def evaluate_gates(
    settings: Settings, models: Sequence[ModelSummary], extra: Sequence[GateResult] = ()
) -> list[GateResult]:
    """Accuracy gates, then ``extra`` gates (the baseline's), then the infrastructure-error gate."""
    if not settings.gating:
        return []
    results: list[GateResult] = []
    by_name = {m.model: m for m in models}
    lower = settings.gate_bound == "lower"
    basis = "Wilson 95% lower bound" if lower else "accuracy"
    named = {g.model for g in settings.min_accuracy if g.model}
    for name in sorted(named - set(by_name)):
        threshold = settings.threshold_for(name)
        results.append(GateResult(f"{name} {basis}", False, f"no results for this model (needs {threshold:.3f})"))
    for summary in models:
        threshold = settings.threshold_for(summary.model)
        if threshold is None:
            continue
        value = summary.ci_low if lower else summary.accuracy
        label = f"{summary.model} {basis}"
        if value is None:
            results.append(GateResult(label, False, f"no answered items (needs {threshold:.3f})"))
            continue
        margin = value - threshold
        sign = ">=" if margin >= 0 else "<"
        results.append(GateResult(
            label, margin >= -1e-12,
            f"{value:.3f} {sign} {threshold:.3f} ({margin:+.3f}; {summary.correct}/{summary.answered} correct)",
        ))
    results.extend(extra)
    errors = sum(m.errors for m in models)
    results.append(GateResult(
        "infrastructure errors", errors <= settings.max_errors,
        f"{errors} {'<=' if errors <= settings.max_errors else '>'} {settings.max_errors} allowed",
    ))
    return results
