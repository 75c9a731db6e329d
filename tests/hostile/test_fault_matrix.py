"""The fault matrix: a real pytest run per fault against the fake OpenRouter server (real provider, real HTTP).

For every fault: each item ends with exactly one outcome, the database holds exactly one row per item, the
subprocess finishes (bounded by a timeout), the summary table's counts equal the database's, and an
infrastructure failure is never counted as a wrong answer.
"""

from __future__ import annotations

import sqlite3

import pytest
from _hostile import (
    EXPECTED_CORRECT,
    N_QUESTIONS,
    SCENARIOS,
    TEST_FILE,
    Scenario,
    SummaryRow,
    base_args,
    db_counts,
    policy,
    pytest_outcomes,
    questions_jsonl,
    summary_row,
)

from pytest_llmbench.testing import FakeOpenRouter

#: Far above any scenario's worst case (retries x timeout), far below "hangs".
SUBPROCESS_TIMEOUT = 90.0


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_every_item_ends_once_and_is_stored(pytester: pytest.Pytester, scenario: Scenario) -> None:
    pytester.makefile(".jsonl", questions=questions_jsonl())
    pytester.makepyfile(test_quiz=TEST_FILE)
    pytester.makeini("[pytest]\n")
    with FakeOpenRouter(latency=scenario.latency, policy=policy, faults=scenario.faults()) as server:
        result = pytester.runpytest_subprocess(
            *base_args(server.base_url), *scenario.options, timeout=SUBPROCESS_TIMEOUT
        )
        requests = len(server.chat_requests)
    out = result.stdout.str()
    assert "Traceback" not in out + result.stderr.str()

    # pytest: one outcome per item (an item reported twice, e.g. failed + teardown error, would add up to more)
    outcomes = pytest_outcomes(out)
    assert sum(outcomes.values()) == N_QUESTIONS, out
    # the database: exactly one row per item, the same outcomes as pytest, and the run closed
    db = db_counts(pytester.path / ".llmbench" / "results.db")
    # A fault that stops the run (401, 402) leaves it "stopped", not "completed" (issue 15: this used to say
    # completed for every scenario).
    stops = bool(scenario.kinds & {"auth", "credits"})
    assert db.runs == 1 and db.run_status == ("stopped" if stops else "completed")
    assert db.rows == db.distinct_items == N_QUESTIONS
    assert {k: v for k, v in db.outcomes.items() if v} == {k: v for k, v in outcomes.items() if v}
    # the summary table counts what the database holds
    assert summary_row(out) == SummaryRow(
        items=db.rows, correct=db.correct, errors=db.outcomes["error"], skipped=db.outcomes["skipped"]
    )

    if scenario.recovers:
        # the fault cost retries, not answers: every item got its real answer
        assert (outcomes["passed"], outcomes["failed"]) == (EXPECTED_CORRECT, N_QUESTIONS - EXPECTED_CORRECT)
        assert result.ret == pytest.ExitCode.TESTS_FAILED  # the 4 wrong answers, nothing else
    else:
        # never a wrong answer: infrastructure errors (with their reason) or skips
        assert outcomes["passed"] == outcomes["failed"] == 0
        with sqlite3.connect(pytester.path / ".llmbench" / "results.db") as conn:
            stored = conn.execute("select error_kind, error, correct from benchmark_results").fetchall()
        assert {kind for kind, _, _ in stored} <= scenario.kinds
        assert all(error and correct is None for _, error, correct in stored)
    retries = max([2] + [int(o.split("=")[1]) for o in scenario.options if o.startswith("--llm-retries=")])
    assert requests <= N_QUESTIONS * (retries + 1)  # retries are bounded
