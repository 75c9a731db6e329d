"""Paired comparisons as reports use them: every pair of models of a run (the statistics live in ``stats``)."""

from __future__ import annotations

from collections.abc import Sequence

from pytest_llmbench.stats import PairedComparison, compare_runs, mcnemar_exact
from pytest_llmbench.types import ResultRecord

compare = compare_runs

__all__ = ["PairedComparison", "compare", "mcnemar_exact", "pairwise"]


def pairwise(records: Sequence[ResultRecord], models: Sequence[str]) -> list[PairedComparison]:
    """Every pair of models of one run, in the given model order."""
    return [compare_runs(records, a, records, b) for i, a in enumerate(models) for b in models[i + 1 :]]
