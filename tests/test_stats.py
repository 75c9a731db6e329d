"""Statistics against closed forms, scipy and hand-computed values (scipy is used only here)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmbench.stats import (
    BREAKDOWNS,
    breakdown,
    difficulty,
    expected_calibration_error,
    mcnemar_exact,
    paired_comparison,
    pass_at_k,
    percentile,
    repeat_stats,
    summarize_models,
    wilson_interval,
)
from pytest_llmbench.types import Outcome, ResultRecord

scipy_stats = pytest.importorskip("scipy.stats")


def rec(model: str = "m", key: str = "q1", outcome: Outcome = Outcome.PASSED, **kw: object) -> ResultRecord:
    # As the plugin stores them: the grade (``correct``) follows the outcome unless a test says otherwise.
    kw.setdefault("correct", {Outcome.PASSED: True, Outcome.FAILED: False}.get(outcome))
    return ResultRecord(model=model, question_key=key, outcome=outcome, **kw)  # type: ignore[arg-type]


# --- intervals and percentiles ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [(8, 10, 0.4902, 0.9433), (0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0)],
)
def test_wilson_published_values(k: int, n: int, low: float, high: float) -> None:
    got = wilson_interval(k, n)
    assert got == pytest.approx((low, high), abs=1e-4)


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 3), (37, 50), (480, 1000), (999, 1000)])
def test_wilson_matches_scipy(k: int, n: int) -> None:
    ci = scipy_stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson_interval(k, n) == pytest.approx((ci.low, ci.high), abs=1e-9)


@given(st.integers(min_value=1, max_value=5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_brackets_the_estimate(kn: tuple[int, int]) -> None:
    k, n = kn
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0


def test_wilson_edges() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1, 2, 3, 4], 50, 2.5),
        ([1, 2, 3, 4], 25, 1.75),
        ([1, 2, 3, 4], 95, 3.85),
        ([15, 20, 35, 40, 50], 40, 29.0),
        ([3, 1, 2], 0, 1),
        ([3, 1, 2], 100, 3),
        ([7], 95, 7),
    ],
)
def test_percentile_linear_interpolation(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected)


def test_percentile_empty_and_range() -> None:
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1.0], 101)


# --- exact tests and pass@k ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("b", "c"), [(0, 0), (0, 5), (3, 9), (10, 10), (1, 30), (45, 60), (400, 470)])
def test_mcnemar_matches_scipy_binomtest(b: int, c: int) -> None:
    expected = 1.0 if b + c == 0 else scipy_stats.binomtest(b, b + c, 0.5).pvalue
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-9)


def _pass_at_k_product(n: int, c: int, k: int) -> float:
    """Chen et al.'s numerically stable form, written independently of the implementation."""
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


@pytest.mark.parametrize(
    ("n", "c", "k"), [(10, 0, 1), (10, 3, 1), (10, 3, 5), (20, 1, 10), (5, 5, 2), (7, 2, 7)]
)
def test_pass_at_k_matches_the_product_form(n: int, c: int, k: int) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(_pass_at_k_product(n, c, k))
    if k == 1:
        assert pass_at_k(n, c, 1) == pytest.approx(c / n)


# --- summaries --------------------------------------------------------------------------------------------


def test_accuracy_follows_the_grade_not_the_test_outcome() -> None:
    # A test body may fail for its own reasons after a right answer; accuracy is about the answer.
    records = [rec("a", "q1", Outcome.FAILED, correct=True), rec("a", "q2", Outcome.PASSED, correct=False)]
    (a,) = summarize_models(records)
    assert (a.answered, a.correct) == (2, 1)


def test_summary_counts_latency_and_cost() -> None:
    records = [
        rec(
            "a",
            "q1",
            Outcome.PASSED,
            latency_ms=100,
            ttft_ms=10,
            completion_tokens=50,
            prompt_tokens=20,
            cost_usd=0.01,
            simulated=True,
        ),
        rec(
            "a",
            "q2",
            Outcome.FAILED,
            latency_ms=300,
            ttft_ms=30,
            completion_tokens=50,
            prompt_tokens=20,
            cost_usd=0.01,
            cost_estimated=True,
            grade_cost_usd=0.002,
        ),
        rec("a", "q3", Outcome.PASSED, latency_ms=5, cached=True, cost_usd=0.0, completion_tokens=50),
        rec("a", "q4", Outcome.ERROR, error="timeout"),
        rec("a", "q5", Outcome.SKIPPED),
        rec("b", "q1", Outcome.FAILED, latency_ms=50),
    ]
    a, b = summarize_models(records)
    assert (a.model, b.model) == ("a", "b")
    assert (a.items, a.answered, a.correct, a.errors, a.skipped, a.cached) == (5, 3, 2, 1, 1, 1)
    assert a.accuracy == pytest.approx(2 / 3)
    assert (a.ci_low, a.ci_high) == pytest.approx(wilson_interval(2, 3))
    # The cached item keeps the original call's 5 ms and 50 tokens: counted, and the statistics say so.
    assert a.latency_mean_ms == pytest.approx(135) and a.latency_items == 3
    assert a.latency_p50_ms == pytest.approx(100)
    assert a.latency_p95_ms == pytest.approx(280)
    assert a.ttft_p50_ms == pytest.approx(20)
    assert a.tokens_per_second == pytest.approx(150 / 0.405)
    assert (a.prompt_tokens, a.completion_tokens) == (40, 150)
    assert a.cost_usd == pytest.approx(0.022)  # billed: the hit cost nothing in this run
    assert a.cost_estimated and a.simulated
    assert a.cost_per_correct == pytest.approx(0.011)
    assert b.accuracy == 0 and b.cost_per_correct is None and not b.simulated


def test_unknown_tokens_and_costs_stay_unknown() -> None:
    records = [
        rec("a", "q1", Outcome.PASSED, latency_ms=10),  # a server that reported neither usage nor cost
        rec("a", "q2", Outcome.FAILED, latency_ms=10),
        rec("b", "q1", Outcome.PASSED, latency_ms=10, prompt_tokens=5, completion_tokens=2, cost_usd=0.5),
        rec("b", "q2", Outcome.PASSED, latency_ms=10, prompt_tokens=5, completion_tokens=2),  # cost not known
    ]
    a, b = summarize_models(records)
    assert (a.prompt_tokens, a.completion_tokens, a.cost_usd, a.unpriced, a.tokens_unknown) == (None, None, None, 2, 2)
    assert a.cost_per_correct is None
    assert (b.cost_usd, b.unpriced, b.cost_per_correct) == (0.5, 1, None)  # at least $0.5: no per-correct figure


def test_cache_hits_are_billed_nothing_and_count_as_saved() -> None:
    records = [
        rec("a", "q1", Outcome.PASSED, latency_ms=40, prompt_tokens=5, completion_tokens=2, cost_usd=0.25,
            cached=True),
        rec("a", "q2", Outcome.PASSED, latency_ms=60, prompt_tokens=5, completion_tokens=2, cost_usd=0.5),
    ]
    (a,) = summarize_models(records)
    assert (a.cost_usd, a.cost_saved_usd, a.unpriced) == (0.5, 0.25, 0)
    assert (a.latency_mean_ms, a.latency_items, a.prompt_tokens) == (50, 2, 10)


def test_summary_without_answers() -> None:
    (s,) = summarize_models([rec(outcome=Outcome.ERROR)])
    assert (
        s.accuracy is None and s.ci_low is None and s.latency_p50_ms is None and s.tokens_per_second is None
    )


# --- breakdowns -------------------------------------------------------------------------------------------


def test_breakdown_by_round_orders_the_board() -> None:
    records = [
        rec(key="1", round="Final Jeopardy!", outcome=Outcome.FAILED),
        rec(key="2", round="Double Jeopardy!"),
        rec(key="3", round="Jeopardy!"),
        rec(key="4", round="Jeopardy!", outcome=Outcome.FAILED),
        rec(key="5", round="Jeopardy!", outcome=Outcome.ERROR),
    ]
    groups = breakdown(records, "round")["m"]
    assert [g.group for g in groups] == ["Jeopardy!", "Double Jeopardy!", "Final Jeopardy!"]
    first = groups[0]
    assert (first.n, first.correct, first.accuracy) == (2, 1, 0.5)
    assert first.ci == pytest.approx(wilson_interval(1, 2))


def test_breakdown_by_value_sorts_numerically_and_by_decade() -> None:
    records = [
        rec(key=str(v), value=v, air_date=d)
        for v, d in [(1000, "2004-12-31"), (200, "1997-03-01"), (None, None)]
    ]
    assert [g.group for g in breakdown(records, "value")["m"]] == ["200", "1000", "none"]
    assert [g.group for g in breakdown(records, "decade")["m"]] == ["1990s", "2000s", "unknown"]


@pytest.mark.parametrize(
    ("round_", "value", "air_date", "level"),
    [
        ("Jeopardy!", 200, "2010-07-06", "easy"),
        ("Jeopardy!", 600, "2010-07-06", "medium"),
        ("Jeopardy!", 300, "1997-01-01", "medium"),
        ("Double Jeopardy!", 2000, "2010-07-06", "hard"),
        ("Double Jeopardy!", 1000, "2000-07-19", "hard"),
        ("Jeopardy!", 5000, "2010-07-06", "unknown"),  # a Daily Double wager has no row
        ("Final Jeopardy!", None, "2010-07-06", "final"),
    ],
)
def test_difficulty_is_the_row_on_the_board(
    round_: str, value: int | None, air_date: str, level: str
) -> None:
    assert difficulty(rec(round=round_, value=value, air_date=air_date)) == level


def test_breakdown_rejects_unknown_dimension() -> None:
    assert set(BREAKDOWNS) == {"category", "round", "value", "difficulty", "decade"}
    with pytest.raises(ValueError, match="Unknown breakdown"):
        breakdown([], "colour")


# --- paired comparison, calibration, repeats ----------------------------------------------------------


def test_paired_comparison_counts_and_test() -> None:
    records: list[ResultRecord] = []
    outcomes = [(True, True)] * 5 + [(True, False)] * 9 + [(False, True)] * 1 + [(False, False)] * 3
    for i, (a, b) in enumerate(outcomes):
        records.append(rec("a", f"q{i}", Outcome.PASSED if a else Outcome.FAILED))
        records.append(rec("b", f"q{i}", Outcome.PASSED if b else Outcome.FAILED))
    records.append(rec("a", "only-a", Outcome.PASSED))  # unpaired: ignored
    records.append(rec("b", "q0", Outcome.ERROR, repeat=1))  # not answered: ignored
    cmp = paired_comparison(records, "a", "b")
    assert (cmp.pairs, cmp.both, cmp.a_only, cmp.b_only, cmp.neither) == (18, 5, 9, 1, 3)
    assert cmp.difference == pytest.approx(14 / 18 - 6 / 18)
    assert cmp.p_value == pytest.approx(scipy_stats.binomtest(1, 10, 0.5).pvalue)
    assert cmp.significant


def test_paired_comparison_without_overlap() -> None:
    cmp = paired_comparison([rec("a", "q1"), rec("b", "q2")], "a", "b")
    assert cmp.pairs == 0 and cmp.difference is None and cmp.p_value == 1.0 and not cmp.significant


def test_expected_calibration_error_by_hand() -> None:
    records = [
        rec(key="1", confidence=0.95, outcome=Outcome.PASSED),
        rec(key="2", confidence=0.95, outcome=Outcome.FAILED),
        rec(key="3", confidence=0.25, outcome=Outcome.FAILED),
        rec(key="4", confidence=25, outcome=Outcome.PASSED),  # a percent
        rec(key="5", confidence=None, outcome=Outcome.PASSED),
    ]
    # bin 9: accuracy 0.5, confidence 0.95 -> 0.45; bin 2: accuracy 0.5, confidence 0.25 -> 0.25.
    assert expected_calibration_error(records) == pytest.approx(0.5 * 0.45 + 0.5 * 0.25)
    assert expected_calibration_error([rec()]) is None


def test_repeat_stats() -> None:
    pattern = {
        "q1": [True, True, True],
        "q2": [True, False, False],
        "q3": [False, False, False],
        "q4": [True, True, False],
    }
    records = [
        rec("m", q, Outcome.PASSED if ok else Outcome.FAILED, repeat=i)
        for q, oks in pattern.items()
        for i, ok in enumerate(oks)
    ]
    (s,) = repeat_stats(records)
    assert (s.questions, s.repeats) == (4, 3)
    assert s.pass_at_k[1] == pytest.approx((1 + 1 / 3 + 0 + 2 / 3) / 4)
    assert s.pass_at_k[3] == pytest.approx(3 / 4)
    assert s.pass_at_k[2] == pytest.approx((1 + (1 - math.comb(2, 2) / math.comb(3, 2)) + 0 + 1) / 4)
    assert s.majority_accuracy == pytest.approx(2 / 4)
    assert s.consistency == pytest.approx(2 / 4)
