from __future__ import annotations

import pytest

from pytest_llmbench.outcome.baseline import compare, gates
from pytest_llmbench.types import Outcome, ResultRecord


def rec(model: str, i: int, correct: bool) -> ResultRecord:
    return ResultRecord(model=model, question_key=f"q{i}", outcome=Outcome.PASSED if correct else Outcome.FAILED,
                        correct=correct)


def run(model: str, pattern: list[bool]) -> list[ResultRecord]:
    return [rec(model, i, c) for i, c in enumerate(pattern)]


def test_real_drop_fails_noise_passes() -> None:
    base = run("m", [True] * 40)
    worse = run("m", [True] * 28 + [False] * 12)  # 12 lost, 0 gained: p = 2 * 0.5**12
    (c,) = compare(worse, base, baseline_run=7)
    assert c.paired.pairs == 40 and c.paired.b_only == 12 and c.paired.a_only == 0
    assert c.drop == pytest.approx(0.3)
    (gate,) = gates([c], max_regression=0.05)
    assert not gate.passed and "a real drop" in gate.detail and "run 7" in gate.name

    noisy = run("m", [True] * 38 + [False] * 2)  # 2 lost: not significant
    (gate,) = gates(compare(noisy, base, baseline_run=7), max_regression=0.0)
    assert gate.passed and "within noise" in gate.detail


def test_drop_within_tolerance_passes_even_if_significant() -> None:
    base = run("m", [True] * 100)
    worse = run("m", [True] * 92 + [False] * 8)
    (gate,) = gates(compare(worse, base, baseline_run=1), max_regression=0.10)
    assert gate.passed


def test_only_common_questions_are_paired() -> None:
    base = run("m", [True] * 5)
    current = [rec("m", i, False) for i in range(100, 110)]
    (gate,) = gates(compare(current, base, baseline_run=1), max_regression=0.0)
    assert not gate.passed and "no question in common" in gate.detail
