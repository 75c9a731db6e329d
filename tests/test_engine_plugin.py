"""The engine through the whole plugin (pytester subprocess) against the fake OpenRouter server."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from _quiz import quiz_project

from pytest_llmbench.providers.catalog import estimate_cost, load_snapshot
from pytest_llmbench.testing import FakeOpenRouter, Fault, first

pytest_plugins = ["pytester"]

N = 40
QUESTIONS = [{"question": f"Clue {i}: the Red Planet", "answer": "Mars", "category": "SPACE"} for i in range(N)]


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    return quiz_project(pytester, QUESTIONS)


def run(project: pytest.Pytester, server: FakeOpenRouter, *extra: str) -> pytest.RunResult:
    return project.runpytest_subprocess(
        "--llm-dataset=questions.jsonl",
        "--llm-sample=all",
        f"--llm-base-url={server.base_url}",
        "-p",
        "no:cacheprovider",
        *extra,
    )


def stored(project: pytest.Pytester, query: str) -> list[tuple[Any, ...]]:
    # sqlite3 rows are untyped: each test reads its own columns.
    with sqlite3.connect(project.path / ".llmbench" / "results.db") as db:
        rows: list[tuple[Any, ...]] = db.execute(query).fetchall()
        return rows


def test_x_stops_new_requests(project: pytest.Pytester) -> None:
    with FakeOpenRouter(latency=0.3, policy="What is Venus?") as server:  # every answer is wrong
        result = run(project, server, "--llm-models=openai/gpt-4o-mini", "--llm-concurrency=4", "-x")
        sent = len(server.chat_requests)
    result.assert_outcomes(failed=1)
    # Prefetch had started at most a few waves of 4 when the first failure stopped the session.
    assert sent <= 12, sent


def test_a_midstream_error_is_retried_and_the_item_passes(project: pytest.Pytester) -> None:
    with FakeOpenRouter(policy="What is Mars?", faults=first(3, Fault.midstream_error(502))) as server:
        result = run(project, server, "--llm-models=openai/gpt-4o-mini")
        sent = len(server.chat_requests)
    result.assert_outcomes(passed=N)
    assert sent == N + 3
    assert sorted(a for (a,) in stored(project, "select attempts from benchmark_results"))[-3:] == [2, 2, 2]


def test_deselected_items_make_no_request(project: pytest.Pytester) -> None:
    with FakeOpenRouter(policy="What is Mars?") as server:
        result = run(project, server, "--llm-models=openai/gpt-4o-mini,anthropic/claude-3.5-haiku", "-k", "haiku")
        models = [r.model for r in server.chat_requests]
    result.assert_outcomes(passed=N, deselected=N)
    assert set(models) == {"anthropic/claude-3.5-haiku"} and len(models) == N


def test_budget_skips_the_rest_with_a_reason_and_the_summary_shows_spent_vs_budget(
    project: pytest.Pytester,
) -> None:
    # A model missing from the bundled snapshot: its price comes from the (fake) live catalog, and equals
    # what the fake server bills, so the reservation (pessimistic token count) covers the billed cost.
    entry = {"id": "test/priced", "name": "Priced", "pricing": {"prompt": "0.000001", "completion": "0.000002"}}
    with FakeOpenRouter(policy="What is Mars?", models=[entry]) as server:
        result = run(project, server, "--llm-models=test/priced", "--llm-max-cost=0.001", "--llm-concurrency=4", "-rs")
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] >= 1 and outcomes["skipped"] >= 1
    assert outcomes["passed"] + outcomes["skipped"] == N
    # The summary now comes after pytest's short test summary (issue 15): the order of the two lines changed.
    result.stdout.fnmatch_lines(["*SKIPPED*Budget exhausted*", "*budget: $0.0* spent of $0.0010*"])
    [(spent,)] = stored(project, "select sum(cost_usd) from benchmark_results")
    assert isinstance(spent, float) and 0 < spent <= 0.001


def test_unbilled_answers_are_costed_from_catalog_prices_and_marked_estimated(project: pytest.Pytester) -> None:
    with FakeOpenRouter(policy="What is Mars?", report_cost=False) as server:
        result = run(project, server, "--llm-models=openai/gpt-4o-mini")
    result.assert_outcomes(passed=N)
    info = load_snapshot()["openai/gpt-4o-mini"]
    rows = stored(project, "select cost_usd, cost_estimated, prompt_tokens, completion_tokens from benchmark_results")
    for cost, estimated, prompt, completion in rows:
        assert estimated == 1  # not billed: the snapshot's prices x the reported tokens
        assert cost == pytest.approx(estimate_cost(info, prompt, completion))
    result.stdout.fnmatch_lines(["*cost estimated from catalog prices*"])


def test_model_concurrency_caps_each_model_below_the_total(project: pytest.Pytester) -> None:
    with FakeOpenRouter(latency=0.2, policy="What is Mars?") as server:
        result = run(project, server, "--llm-models=openai/gpt-4o-mini", "--llm-concurrency=8",
                     "--llm-model-concurrency=3")
        capped = server.max_in_flight
    result.assert_outcomes(passed=N)
    assert capped == 3
    with FakeOpenRouter(latency=0.2, policy="What is Mars?") as server:
        result = run(project, server, "--llm-models=openai/gpt-4o-mini,anthropic/claude-3.5-haiku",
                     "--llm-concurrency=8", "--llm-model-concurrency=3", "--llm-cache=off")
        both = server.max_in_flight
    result.assert_outcomes(passed=2 * N)
    assert 3 < both <= 6  # each model up to 3, together above one model's cap and below the total of 8


def test_high_concurrency_runs_http_in_a_worker_process_with_the_same_results(project: pytest.Pytester) -> None:
    # From --llm-concurrency=32 (on a machine with a second CPU) the HTTP runs in a child process.
    with FakeOpenRouter(latency=0.05, policy="What is Mars?", faults=first(2, Fault.midstream_error(502))) as server:
        result = run(project, server, "--llm-models=openai/gpt-4o-mini", "--llm-concurrency=32")
        sent = len(server.chat_requests)
    result.assert_outcomes(passed=N)
    assert sent == N + 2
    rows = stored(project, "select attempts, ttft_ms, prompt_tokens, cost_usd from benchmark_results")
    assert sorted(a for a, *_ in rows)[-2:] == [2, 2]
    assert all(ttft is not None and tokens and cost is not None for _, ttft, tokens, cost in rows)
