"""The end-of-session summary: per-model statistics, gates and notes, computed from the stored records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pytest_llmbench.gates import GateResult
from pytest_llmbench.stats import ModelSummary, summarize_models
from pytest_llmbench.types import ResultRecord


@dataclass
class RunSummary:
    models: list[ModelSummary]
    gates: list[GateResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    run_id: int | None = None
    run_name: str | None = None
    dataset: str | None = None
    dataset_origin: str | None = None
    budget: float | None = None
    spent: float = 0.0
    stop_reason: str | None = None

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
        return summary
