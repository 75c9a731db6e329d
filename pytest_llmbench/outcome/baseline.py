"""Comparison with a stored run (``--llm-baseline``): a paired test per model on the questions both runs asked.

The gate fails only on a drop that is real: larger than ``--llm-max-regression`` *and* significant by McNemar's
exact test on the discordant pairs. A drop within noise, or on questions the baseline never asked, does not fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pytest_llmbench.outcome.gates import GateResult
from pytest_llmbench.stats import SIGNIFICANCE, PairedComparison, compare_runs, fmt
from pytest_llmbench.types import ResultRecord


@dataclass(frozen=True, slots=True)
class BaselineComparison:
    model: str
    baseline_run: int
    paired: PairedComparison  # model_a = this run, model_b = the baseline

    @property
    def drop(self) -> float | None:
        d = self.paired.difference
        return None if d is None else -d


def compare(current: Sequence[ResultRecord], baseline: Sequence[ResultRecord], baseline_run: int
            ) -> list[BaselineComparison]:
    models = list(dict.fromkeys(r.model for r in current))
    return [
        BaselineComparison(m, baseline_run, compare_runs(current, m, baseline, m, b_label=f"{m} (run {baseline_run})"))
        for m in models
    ]


def gates(comparisons: Sequence[BaselineComparison], max_regression: float) -> list[GateResult]:
    out: list[GateResult] = []
    for c in comparisons:
        p = c.paired
        label = f"{c.model} vs baseline run {c.baseline_run}"
        if p.pairs == 0 or c.drop is None:
            out.append(GateResult(label, False, "no question in common with the baseline run"))
            continue
        real = c.drop > max_regression + 1e-12 and p.p_value < SIGNIFICANCE
        verdict = "a real drop" if real else ("within noise" if c.drop > max_regression else "no regression")
        out.append(GateResult(
            label, not real,
            f"{fmt.pct(p.accuracy_b)} -> {fmt.pct(p.accuracy_a)} on {p.pairs} paired items ({fmt.signed_pct(-c.drop)}; "
            f"{p.b_only} lost, {p.a_only} gained; McNemar p {fmt.p_value(p.p_value)}; tolerated drop "
            f"{max_regression * 100:.1f} pp): "
            f"{verdict}",
        ))
    return out
