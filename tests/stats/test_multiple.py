"""Many-model comparisons: Holm against statsmodels, the paired bootstrap against scipy and closed forms."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_llmbench.stats.cluster import clustered_mean
from pytest_llmbench.stats.compare import compare_runs
from pytest_llmbench.stats.core import Z95
from pytest_llmbench.stats.multiple import compare_models, holm, paired_bootstrap
from pytest_llmbench.types import Outcome, ResultRecord

np = pytest.importorskip("numpy")
scipy_stats = pytest.importorskip("scipy.stats")
multitest = pytest.importorskip("statsmodels.stats.multitest")


@settings(max_examples=40, deadline=None)  # each statsmodels call is slow on the shared machine
@given(st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=12))
def test_holm_matches_statsmodels(p_values: list[float]) -> None:
    expected = multitest.multipletests(p_values, method="holm")[1]
    assert holm(p_values) == pytest.approx(list(expected), abs=1e-12)


def test_holm_by_hand() -> None:
    # Sorted 0.01, 0.03, 0.04, 0.5 -> 4*0.01, max(0.04, 3*0.03), max(0.09, 2*0.04), 0.5.
    assert holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert holm([]) == []
    with pytest.raises(ValueError, match="within 0 and 1"):
        holm([1.5])


def _pair(n: int, pa: float, pb: float, seed: int) -> tuple[list[bool], list[bool]]:
    rng = random.Random(seed)
    # Correlated as models are: both see the same question difficulty.
    a, b = [], []
    for _ in range(n):
        ease = rng.random()
        a.append(rng.random() < pa * 2 * ease if pa < 0.5 else rng.random() < ease + pa - 0.5)
        b.append(rng.random() < pb * 2 * ease if pb < 0.5 else rng.random() < ease + pb - 0.5)
    return a, b


def test_item_bootstrap_agrees_with_scipy_and_the_normal_interval() -> None:
    a, b = _pair(600, 0.7, 0.6, seed=1)
    ours = paired_bootstrap(a, b, resamples=4000, seed=7)
    d = np.array(a, dtype=float) - np.array(b, dtype=float)
    ref = scipy_stats.bootstrap(
        (d,), np.mean, n_resamples=4000, method="percentile", confidence_level=0.95, random_state=0
    ).confidence_interval
    assert ours.difference == pytest.approx(float(d.mean()))
    # Different random draws: the bounds agree within Monte Carlo error (a few thousandths here).
    assert ours.low == pytest.approx(ref.low, abs=0.01)
    assert ours.high == pytest.approx(ref.high, abs=0.01)
    se = float(d.std(ddof=1)) / math.sqrt(len(d))
    assert ours.low == pytest.approx(ours.difference - Z95 * se, abs=0.01)
    assert ours.high == pytest.approx(ours.difference + Z95 * se, abs=0.01)
    assert ours.clusters == 600 and ours.resamples == 4000


def test_cluster_bootstrap_widens_with_correlated_clusters() -> None:
    rng = random.Random(5)
    a, b, labels = [], [], []
    for g in range(150):
        # Whole categories go one way: the differences are correlated within a cluster.
        a_knows, b_knows = rng.random() < 0.7, rng.random() < 0.55
        for _ in range(5):
            a.append(a_knows if rng.random() < 0.9 else not a_knows)
            b.append(b_knows if rng.random() < 0.9 else not b_knows)
            labels.append(g)
    items = paired_bootstrap(a, b, resamples=3000, seed=1)
    clustered = paired_bootstrap(a, b, labels, resamples=3000, seed=1)
    assert clustered.clusters == 150
    assert clustered.high - clustered.low > 1.5 * (items.high - items.low)
    # Its width matches the cluster-robust standard error of the per-item differences.
    se = clustered_mean([float(x) - float(y) for x, y in zip(a, b, strict=True)], labels).stderr
    assert se is not None
    assert clustered.high - clustered.low == pytest.approx(2 * Z95 * se, rel=0.12)


def test_bootstrap_is_deterministic_and_seeded() -> None:
    a, b = _pair(200, 0.6, 0.5, seed=2)
    assert paired_bootstrap(a, b, seed=3) == paired_bootstrap(a, b, seed=3)
    assert paired_bootstrap(a, b, seed=3) != paired_bootstrap(a, b, seed=4)
    same = paired_bootstrap(a, a, seed=3)
    assert (same.difference, same.low, same.high) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="no paired items"):
        paired_bootstrap([], [])
    with pytest.raises(ValueError, match="one entry per paired item"):
        paired_bootstrap([True], [True, False])


def _records(model: str, outcomes: list[bool], repeat: int = 0) -> list[ResultRecord]:
    return [
        ResultRecord(
            model=model, question_key=f"q{i}", outcome=Outcome.PASSED if ok else Outcome.FAILED, correct=ok,
            show_number=i // 10, category=f"C{i // 5 % 2}", repeat=repeat,
        )
        for i, ok in enumerate(outcomes)
    ]


def test_compare_models_adjusts_every_pair() -> None:
    a, b = _pair(300, 0.8, 0.5, seed=3)
    c, _ = _pair(300, 0.78, 0.5, seed=4)
    records = _records("a", a) + _records("b", b) + _records("c", c)
    records.append(ResultRecord(model="c", question_key="q-err", outcome=Outcome.ERROR))
    out = compare_models(records, cluster="category", resamples=500, seed=11)
    assert [(m.comparison.model_a, m.comparison.model_b) for m in out] == [("a", "b"), ("a", "c"), ("b", "c")]
    raw = [m.comparison.p_value for m in out]
    assert [m.p_adjusted for m in out] == pytest.approx(list(multitest.multipletests(raw, method="holm")[1]))
    for m in out:
        assert m.comparison == compare_runs(records, m.comparison.model_a, records, m.comparison.model_b)
        assert m.significant == (m.p_adjusted < 0.05)
        assert m.bootstrap is not None
        assert m.bootstrap.difference == pytest.approx(m.comparison.difference)
        assert m.bootstrap.low <= m.bootstrap.difference <= m.bootstrap.high
        # Cluster bootstrap over (show, category): 30 shows x 2 categories.
        assert m.bootstrap.clusters == 60
    assert out[0].significant  # 0.8 vs 0.5 on 300 questions
    # Another model leaves the other pairs' intervals as they were (seeded by the pair).
    two = compare_models([r for r in records if r.model != "c"], cluster="category", resamples=500, seed=11)
    assert two[0].bootstrap == out[0].bootstrap
    assert two[0].p_adjusted == two[0].comparison.p_value
    assert "p_adjusted" in out[0].to_dict() and out[0].to_dict()["bootstrap"] is not None


def test_compare_models_without_overlap() -> None:
    other = ResultRecord(model="b", question_key="other", outcome=Outcome.PASSED, correct=True)
    records = [*_records("a", [True, False]), other]
    (only,) = compare_models(records)
    assert only.bootstrap is None and not only.significant and only.p_adjusted == 1.0
