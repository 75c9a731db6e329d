"""Paired comparison and the exact McNemar test, checked against scipy's binomial test."""

from __future__ import annotations

import pytest
from scipy.stats import binomtest

from pytest_llmbench.report.paired import compare, mcnemar_exact, pairwise
from pytest_llmbench.types import Outcome, ResultRecord


@pytest.mark.parametrize(("b", "c"), [(0, 0), (1, 0), (12, 3), (29, 4), (50, 50), (7, 19), (300, 260)])
def test_mcnemar_exact_matches_the_binomial_test(b: int, c: int) -> None:
    expected = 1.0 if b + c == 0 else binomtest(b, b + c, 0.5).pvalue
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-9)


def test_mcnemar_large_counts_do_not_overflow() -> None:
    assert 0.0 <= mcnemar_exact(5000, 4000) < 1e-20


def _r(model: str, key: str, correct: bool | None, repeat: int = 0) -> ResultRecord:
    outcome = Outcome.ERROR if correct is None else (Outcome.PASSED if correct else Outcome.FAILED)
    return ResultRecord(model=model, question_key=key, outcome=outcome, correct=correct, repeat=repeat)


def test_pairs_only_items_both_answered() -> None:
    records = [
        _r("a", "q1", True),
        _r("b", "q1", True),  # both
        _r("a", "q2", True),
        _r("b", "q2", False),  # only a
        _r("a", "q3", False),
        _r("b", "q3", True),  # only b
        _r("a", "q4", False),
        _r("b", "q4", False),  # neither
        _r("a", "q5", True),
        _r("b", "q5", None),  # b errored: not paired
        _r("a", "q6", True),  # b never asked
        _r("a", "q1", False, repeat=1),
        _r("b", "q1", True, repeat=1),  # a repeat pairs with its own repeat
    ]
    c = compare(records, "a", records, "b")
    assert (c.pairs, c.both, c.a_only, c.b_only, c.neither) == (5, 1, 1, 2, 1)
    assert c.difference == pytest.approx((1 - 2) / 5)
    assert c.accuracy_a == pytest.approx(2 / 5) and c.accuracy_b == pytest.approx(3 / 5)
    assert not c.significant and c.verdict() == "no significant difference"


def test_significant_difference_names_the_better_model() -> None:
    records = [_r("a", f"q{i}", True) for i in range(30)] + [_r("b", f"q{i}", i < 10) for i in range(30)]
    (c,) = pairwise(records, ["a", "b"])
    assert c.a_only == 20 and c.b_only == 0
    assert c.significant and c.verdict() == "a better"
    assert c.to_dict()["p_value"] == pytest.approx(2 * 0.5**20)
