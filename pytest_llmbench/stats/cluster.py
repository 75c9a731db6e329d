"""Cluster-robust standard errors for an accuracy (the mean of 0/1 outcomes).

Jeopardy! clues come in categories of five related clues, so a model that knows a category tends to get all
five right: the outcomes are not independent and the iid standard error is too small. The cluster-robust
("sandwich") variance of a mean, as Inspect AI's ``stderr(cluster=...)`` and statsmodels' OLS on a constant
with ``cov_type="cluster"`` compute it, is

    V = G / (G - 1) * sum_g (sum_{i in g} (y_i - p))**2 / n**2

with ``G`` clusters and ``n`` items: the CR1 small-sample factor ``G/(G-1) * (n-1)/(n-k)``, which for a mean
(k = 1 regressor) is exactly ``G/(G-1)``. The iid variance it is compared with is the usual ``s**2 / n``
(sample variance with ``n - 1``), so singleton clusters give a design effect of exactly 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass

from pytest_llmbench.stats.core import Z95
from pytest_llmbench.stats.summary import group_by_model, is_answered
from pytest_llmbench.types import ResultRecord

#: ``--llm-cluster`` choices and what each groups by.
CLUSTERINGS: tuple[str, ...] = ("category", "show", "none")
JEOPARDY_DATASET = "jeopardy"  # ``data.records.JEOPARDY_DATASET``; importing ``data`` would load its readers


@dataclass(frozen=True, slots=True)
class ClusteredEstimate:
    """An accuracy with its iid and cluster-robust standard errors and the normal (z) interval of the latter.

    ``stderr`` is None with fewer than two clusters (the variance has no degrees of freedom), ``iid_stderr``
    with fewer than two items; ``design_effect`` (clustered / iid variance) is None when either is, or when
    the iid variance is zero (all outcomes alike).
    """

    n: int
    clusters: int
    accuracy: float | None
    stderr: float | None
    iid_stderr: float | None
    design_effect: float | None
    ci_low: float | None
    ci_high: float | None

    def to_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def clustered_mean(outcomes: Sequence[bool | float], clusters: Sequence[Hashable], z: float = Z95) -> ClusteredEstimate:
    """The mean of ``outcomes`` with a CR1 cluster-robust standard error; ``clusters[i]`` labels item ``i``.

    The interval is ``mean +- z * stderr`` clipped to [0, 1] (normal, not t with G-1 degrees of freedom: with
    the hundreds of categories of a Jeopardy! run the two agree to the third decimal).
    """
    if len(outcomes) != len(clusters):
        raise ValueError(f"{len(outcomes)} outcomes but {len(clusters)} cluster labels")
    n = len(outcomes)
    if n == 0:
        return ClusteredEstimate(0, 0, None, None, None, None, None, None)
    values = [float(y) for y in outcomes]
    p = sum(values) / n
    residual_sums: dict[Hashable, float] = {}
    for y, label in zip(values, clusters, strict=True):
        residual_sums[label] = residual_sums.get(label, 0.0) + (y - p)
    g = len(residual_sums)
    variance = g / (g - 1) * sum(s * s for s in residual_sums.values()) / (n * n) if g > 1 else None
    iid_variance = sum((y - p) ** 2 for y in values) / (n * (n - 1)) if n > 1 else None
    stderr = math.sqrt(variance) if variance is not None else None
    deff = variance / iid_variance if variance is not None and iid_variance else None
    low = max(0.0, p - z * stderr) if stderr is not None else None
    high = min(1.0, p + z * stderr) if stderr is not None else None
    return ClusteredEstimate(
        n=n,
        clusters=g,
        accuracy=p,
        stderr=stderr,
        iid_stderr=math.sqrt(iid_variance) if iid_variance is not None else None,
        design_effect=deff,
        ci_low=low,
        ci_high=high,
    )


def default_clustering(datasets: Iterable[str]) -> str:
    """``--llm-cluster``'s default (DESIGN.md): ``category`` when any of the run's datasets is Jeopardy!, whose
    clues come five to a category, else ``none``: a question file's categories are whatever its author chose."""
    return "category" if JEOPARDY_DATASET in set(datasets) else "none"


def cluster_key(by: str) -> Callable[[ResultRecord], Hashable]:
    """The cluster label of a record for ``--llm-cluster=by``.

    ``category`` is the category *within its show* (the five clues of one board column: the same category
    name in another show is another set of clues); ``show`` is the show number; ``none`` makes every item its
    own cluster. Records without a show or category fall back to their own question, i.e. stay unclustered.
    A question asked K times (``--llm-repeat``) keeps its asks in one cluster whatever ``by`` is.
    """
    if by == "category":
        return lambda r: (r.show_number, r.category) if r.category is not None else ("item", r.question_key)
    if by == "show":
        return lambda r: r.show_number if r.show_number is not None else ("item", r.question_key)
    if by == "none":
        return lambda r: ("item", r.question_key)
    raise ValueError(f"Unknown clustering '{by}': choose one of {', '.join(CLUSTERINGS)}.")


def clustered_accuracy(
    records: Sequence[ResultRecord], by: str = "category", z: float = Z95
) -> dict[str, ClusteredEstimate]:
    """Per model (in order of first appearance), the accuracy over answered records clustered ``by``."""
    key = cluster_key(by)
    out: dict[str, ClusteredEstimate] = {}
    for model, rows in group_by_model(records).items():
        answered = [r for r in rows if is_answered(r)]
        out[model] = clustered_mean([r.correct is True for r in answered], [key(r) for r in answered], z)
    return out
