"""Cluster-robust accuracy against statsmodels (OLS on a constant, cov_type="cluster") and closed forms."""

from __future__ import annotations

import math
import random

import pytest

from pytest_llmbench.data.records import JEOPARDY_DATASET
from pytest_llmbench.stats.cluster import cluster_key, clustered_accuracy, clustered_mean, default_clustering
from pytest_llmbench.stats.core import Z95
from pytest_llmbench.types import Outcome, ResultRecord

np = pytest.importorskip("numpy")
sm = pytest.importorskip("statsmodels.api")


def _statsmodels(outcomes: list[bool], clusters: list[int]) -> tuple[float, float, float, float]:
    y = np.array(outcomes, dtype=float)
    x = np.ones_like(y)
    clustered = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": np.array(clusters)})
    iid = sm.OLS(y, x).fit()
    low, high = clustered.conf_int()[0]
    return float(clustered.bse[0]), float(iid.bse[0]), float(low), float(high)


@pytest.mark.parametrize("seed", range(6))
def test_clustered_mean_matches_statsmodels(seed: int) -> None:
    rng = random.Random(seed)
    # Correlated within clusters of unequal size, as categories with some clues dropped (media, no answer).
    clusters, outcomes = [], []
    for g in range(rng.randint(8, 60)):
        knows = rng.random()
        for _ in range(rng.randint(1, 5)):
            clusters.append(g)
            outcomes.append(rng.random() < knows)
    est = clustered_mean(outcomes, clusters)
    se, iid_se, low, high = _statsmodels(outcomes, clusters)
    assert est.n == len(outcomes)
    assert est.clusters == len(set(clusters))
    assert est.accuracy == pytest.approx(sum(outcomes) / len(outcomes), rel=1e-12)
    assert est.stderr == pytest.approx(se, rel=1e-9)
    assert est.iid_stderr == pytest.approx(iid_se, rel=1e-9)
    assert est.design_effect == pytest.approx((se / iid_se) ** 2, rel=1e-9)
    # statsmodels' cluster interval is normal (use_t is False), unclipped.
    assert est.ci_low == pytest.approx(max(0.0, low), rel=1e-9)
    assert est.ci_high == pytest.approx(min(1.0, high), rel=1e-9)


def test_hand_computed_clusters() -> None:
    # Two clusters of two around p = 0.5: residual sums +1 and -1; V = 2/1 * (1 + 1) / 4**2 = 1/4.
    est = clustered_mean([True, True, False, False], ["a", "a", "b", "b"])
    assert est.stderr == pytest.approx(0.5)
    # iid: s^2 = 1/3, V = s^2 / 4 = 1/12; the design effect is 3.
    assert est.iid_stderr == pytest.approx(math.sqrt(1 / 12))
    assert est.design_effect == pytest.approx(3.0)
    assert (est.ci_low, est.ci_high) == (0.0, 1.0)
    # Split differently, each cluster balanced: no between-cluster variation at all.
    balanced = clustered_mean([True, False, True, False], ["a", "a", "b", "b"])
    assert balanced.stderr == pytest.approx(0.0, abs=1e-12)
    assert balanced.ci_low == pytest.approx(0.5 - Z95 * 0.0)


def test_singleton_clusters_have_design_effect_one() -> None:
    rng = random.Random(3)
    outcomes = [rng.random() < 0.7 for _ in range(200)]
    est = clustered_mean(outcomes, list(range(200)))
    assert est.design_effect == pytest.approx(1.0, rel=1e-12)
    assert est.stderr == pytest.approx(est.iid_stderr, rel=1e-12)


def test_perfectly_correlated_clusters_inflate_the_variance() -> None:
    # Five identical outcomes per cluster: the design effect approaches the cluster size.
    outcomes = [g % 2 == 0 for g in range(100) for _ in range(5)]
    est = clustered_mean(outcomes, [g for g in range(100) for _ in range(5)])
    assert est.design_effect is not None
    assert 4.5 < est.design_effect < 5.5


def test_degenerate_inputs() -> None:
    empty = clustered_mean([], [])
    assert empty.accuracy is None and empty.stderr is None and empty.ci_low is None
    one_cluster = clustered_mean([True, False, True], ["x", "x", "x"])
    assert one_cluster.stderr is None and one_cluster.design_effect is None
    assert one_cluster.iid_stderr is not None
    alike = clustered_mean([True] * 6, [1, 1, 2, 2, 3, 3])
    assert alike.stderr == 0.0 and alike.design_effect is None
    assert (alike.ci_low, alike.ci_high) == (1.0, 1.0)
    with pytest.raises(ValueError, match="cluster labels"):
        clustered_mean([True], [])


def _rec(model: str, key: str, correct: bool, show: int | None, category: str | None, repeat: int = 0) -> ResultRecord:
    outcome = Outcome.PASSED if correct else Outcome.FAILED
    return ResultRecord(
        model=model, question_key=key, outcome=outcome, correct=correct, show_number=show, category=category,
        repeat=repeat,
    )


def test_cluster_keys_group_categories_within_shows() -> None:
    records = [
        _rec("m", "q1", True, 1, "POTENT POTABLES"),
        _rec("m", "q2", True, 2, "POTENT POTABLES"),  # same name, another show: another cluster
        _rec("m", "q3", False, 1, "POTENT POTABLES"),
        _rec("m", "q4", False, None, None),
        _rec("m", "q4", True, None, None, repeat=1),  # repeats of one question stay together
    ]
    by_category = {cluster_key("category")(r) for r in records}
    assert len(by_category) == 3
    assert len({cluster_key("show")(r) for r in records}) == 3
    assert len({cluster_key("none")(r) for r in records}) == 4
    with pytest.raises(ValueError, match="Unknown clustering 'board'"):
        cluster_key("board")


def test_clustered_accuracy_per_model_skips_unanswered() -> None:
    records = [_rec("a", f"q{i}", i % 3 == 0, i // 5, "C") for i in range(30)]
    records += [_rec("b", f"q{i}", i % 2 == 0, i // 5, "C") for i in range(30)]
    records.append(ResultRecord(model="a", question_key="err", outcome=Outcome.ERROR, show_number=99, category="C"))
    out = clustered_accuracy(records, "category")
    assert list(out) == ["a", "b"]
    assert out["a"].n == 30 and out["a"].clusters == 6
    expected = clustered_mean([i % 3 == 0 for i in range(30)], [i // 5 for i in range(30)])
    assert out["a"] == expected


def test_default_clustering_follows_the_dataset() -> None:
    assert default_clustering([JEOPARDY_DATASET]) == "category"
    assert default_clustering(["quiz", JEOPARDY_DATASET]) == "category"
    assert default_clustering(["quiz"]) == default_clustering([]) == "none"
