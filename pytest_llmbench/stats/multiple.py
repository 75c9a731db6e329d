"""Many models on the same questions: every pair's exact McNemar test with Holm-adjusted p-values, and a paired
bootstrap interval of each pair's accuracy difference (item or cluster bootstrap, seeded)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from pytest_llmbench.stats.cluster import cluster_key
from pytest_llmbench.stats.compare import SIGNIFICANCE, PairedComparison, compare_runs
from pytest_llmbench.stats.core import percentile
from pytest_llmbench.stats.summary import group_by_model, is_answered
from pytest_llmbench.types import ResultRecord

RESAMPLES = 2000


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given (as ``multipletests(method="holm")``).

    The i-th smallest p-value is multiplied by ``m - i + 1``, capped at 1, and made monotone so that an
    adjusted p-value is never below that of a smaller raw one. It controls the family-wise error rate under any
    dependence between the tests, which pairs of models sharing one model certainly have.
    """
    for p in p_values:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p-values must be within 0 and 1, got {p}")
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


@dataclass(frozen=True, slots=True)
class BootstrapInterval:
    """Percentile bootstrap interval of ``mean(a) - mean(b)`` over paired items."""

    difference: float
    low: float
    high: float
    confidence: float
    resamples: int
    clusters: int  # resampling units: items, or clusters for a cluster bootstrap


def paired_bootstrap(
    a: Sequence[bool],
    b: Sequence[bool],
    clusters: Sequence[Hashable] | None = None,
    *,
    resamples: int = RESAMPLES,
    confidence: float = 0.95,
    seed: int | str = 0,
) -> BootstrapInterval:
    """Bootstrap the accuracy difference of two models graded on the same items (``a[i]``, ``b[i]``: item i).

    Without ``clusters`` items are resampled with replacement; with them whole clusters are (the difference of
    a resample is then its summed differences over its summed items), which keeps the within-cluster
    correlation that an item bootstrap would break. Deterministic for a given ``seed``.
    """
    if len(a) != len(b) or (clusters is not None and len(clusters) != len(a)):
        raise ValueError("a, b and clusters must have one entry per paired item")
    if not a:
        raise ValueError("no paired items to bootstrap")
    if resamples < 1 or not 0.0 < confidence < 1.0:
        raise ValueError("need resamples >= 1 and 0 < confidence < 1")
    # Per resampling unit: (summed difference, items); an item bootstrap has units of one item.
    units: dict[Hashable, list[int]] = {}
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        unit = units.setdefault(clusters[i] if clusters is not None else i, [0, 0])
        unit[0] += int(bool(x)) - int(bool(y))
        unit[1] += 1
    sums = [s for s, _ in units.values()]
    sizes = [n for _, n in units.values()]
    g = len(sums)
    rng = random.Random(seed)
    estimates: list[float] = []
    if clusters is None:
        for _ in range(resamples):
            estimates.append(sum(rng.choices(sums, k=g)) / g)
    else:
        for _ in range(resamples):
            picks = [rng.randrange(g) for _ in range(g)]
            estimates.append(sum(sums[j] for j in picks) / sum(sizes[j] for j in picks))
    tail = (1 - confidence) / 2 * 100
    low, high = percentile(estimates, tail), percentile(estimates, 100 - tail)
    assert low is not None and high is not None
    return BootstrapInterval(sum(sums) / len(a), low, high, confidence, resamples, g)


@dataclass(frozen=True, slots=True)
class ModelComparison:
    """One pair of a many-model run: the exact McNemar comparison, its Holm-adjusted p-value over all pairs,
    and the paired bootstrap interval of the difference (None without paired items)."""

    comparison: PairedComparison
    p_adjusted: float
    significant: bool  # p_adjusted < alpha
    bootstrap: BootstrapInterval | None

    def to_dict(self) -> dict[str, object]:
        out = self.comparison.to_dict()
        out["p_adjusted"] = self.p_adjusted
        out["significant"] = self.significant
        boot = self.bootstrap
        out["bootstrap"] = None if boot is None else {n: getattr(boot, n) for n in boot.__dataclass_fields__}
        return out


def _paired_items(
    records: Sequence[ResultRecord], model_a: str, model_b: str, key: Callable[[ResultRecord], Hashable]
) -> tuple[list[bool], list[bool], list[Hashable]]:
    # The same pairing as ``compare_runs``: by (question, repeat), a later record replacing an earlier one.
    a = {(r.question_key, r.repeat): r for r in records if r.model == model_a and is_answered(r)}
    b = {(r.question_key, r.repeat): r.correct is True for r in records if r.model == model_b and is_answered(r)}
    shared = [item for item in a if item in b]
    return [a[i].correct is True for i in shared], [b[i] for i in shared], [key(a[i]) for i in shared]


def compare_models(
    records: Sequence[ResultRecord],
    models: Sequence[str] | None = None,
    *,
    cluster: str = "none",
    alpha: float = SIGNIFICANCE,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> list[ModelComparison]:
    """Every pair of ``models`` (default: all, in order of first appearance), ``(m[i], m[j])`` for i < j.

    The McNemar p-values are Holm-adjusted over the pairs; with two models that changes nothing. ``cluster``
    (``category``, ``show`` or ``none``, see ``cluster_key``) chooses a cluster or an item bootstrap. Each pair's
    bootstrap is seeded from ``seed`` and the two model names, so adding a model leaves other pairs' intervals
    unchanged.
    """
    names = list(models) if models is not None else list(group_by_model(records))
    key = cluster_key(cluster)
    pairs = list(itertools.combinations(names, 2))
    comparisons = [compare_runs(records, a, records, b) for a, b in pairs]
    adjusted = holm([c.p_value for c in comparisons])
    out: list[ModelComparison] = []
    for (a, b), comparison, p in zip(pairs, comparisons, adjusted, strict=True):
        xs, ys, labels = _paired_items(records, a, b, key)
        boot = (
            paired_bootstrap(
                xs,
                ys,
                labels if cluster != "none" else None,
                resamples=resamples,
                seed=f"{seed}:{a}:{b}",
            )
            if xs
            else None
        )
        out.append(ModelComparison(comparison, p, comparison.pairs > 0 and p < alpha, boot))
    return out
