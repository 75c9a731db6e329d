"""Run A against run B, model by model: the paired test, the cost delta and the questions that flipped.

``llmbench runs compare`` and the viewer's comparison page both show this; the statistics are
``stats.compare_runs`` (exact McNemar) and ``stats.flipped`` (its discordant pairs, listed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pytest_llmbench.errors import UsageError
from pytest_llmbench.report.model import ReportData
from pytest_llmbench.stats import Flip, PairedComparison, compare_runs, flipped


@dataclass(frozen=True, slots=True)
class ModelDelta:
    model_a: str
    model_b: str
    paired: PairedComparison
    cost_a: float | None  # the model's whole cost in its run
    cost_b: float | None
    flips: list[Flip]

    @property
    def cost_delta(self) -> float | None:
        return None if self.cost_a is None or self.cost_b is None else self.cost_b - self.cost_a

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.paired.to_dict(), "label_a": self.paired.model_a, "label_b": self.paired.model_b,
            "model_a": self.model_a, "model_b": self.model_b,
            "cost_a_usd": self.cost_a, "cost_b_usd": self.cost_b, "cost_delta_usd": self.cost_delta,
            "flipped": [{"question": f.question_key, "repeat": f.repeat, "a_correct": f.a_correct,
                         "b_correct": not f.a_correct} for f in self.flips],
        }


@dataclass(frozen=True, slots=True)
class RunComparison:
    a: ReportData
    b: ReportData
    deltas: list[ModelDelta]

    def to_dict(self) -> dict[str, Any]:
        def side(data: ReportData) -> dict[str, Any]:
            return {"id": data.run.id if data.run else None, "name": data.run.name if data.run else None}

        return {"a": side(self.a), "b": side(self.b), "models": [d.to_dict() for d in self.deltas]}


def model_pairs(
    a: ReportData, b: ReportData, model_a: str | None = None, model_b: str | None = None
) -> list[tuple[str, str]]:
    """The (A model, B model) pairs to compare: the one asked for, or every model both runs have."""
    a_name, b_name = (d.run.id if d.run else "?" for d in (a, b))
    if model_a or model_b:
        first, second = model_a or model_b, model_b or model_a
        assert first is not None and second is not None
        for model, models, which in ((first, a.models, a_name), (second, b.models, b_name)):
            if model not in models:
                raise UsageError(f"Run {which} has no results for {model}; it has {', '.join(models) or 'none'}.")
        return [(first, second)]
    common = [m for m in a.models if m in b.models]
    if not common:
        raise UsageError(f"Runs {a_name} and {b_name} share no model; choose one of each with --model-a and --model-b.")
    return [(m, m) for m in common]


def _cost(data: ReportData, model: str) -> float | None:
    return next((m.cost_usd for m in data.summary.models if m.model == model), None)


def compare_reports(a: ReportData, b: ReportData, pairs: Sequence[tuple[str, str]]) -> RunComparison:
    a_id, b_id = (d.run.id if d.run else "?" for d in (a, b))
    deltas = [
        ModelDelta(
            model_a, model_b,
            compare_runs(a.records, model_a, b.records, model_b, a_label=f"{model_a} @{a_id}",
                         b_label=f"{model_b} @{b_id}"),
            _cost(a, model_a), _cost(b, model_b), flipped(a.records, model_a, b.records, model_b),
        )
        for model_a, model_b in pairs
    ]
    return RunComparison(a, b, deltas)
