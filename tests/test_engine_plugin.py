"""The engine through the whole plugin (pytester subprocess) against the fake OpenRouter server."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

import pytest
from _quiz import quiz_project

from pytest_llmbench.providers.catalog import estimate_cost, load_snapshot
from pytest_llmbench.testing import FakeOpenRouter, Fault, Reply, RequestContext, first, first_ask_fails

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
    # The first answer comes at once; every other one would take a minute. So at the first failure exactly four
    # requests have been sent (one done, three in flight) plus the one that took the freed slot, however slow the
    # machine is: a bound that does not depend on timing. More than five means requests went on after the stop.
    def latency(request: RequestContext) -> float:
        return 0.0 if request.number == 1 else 60.0

    with FakeOpenRouter(latency=latency, policy="What is Venus?") as server:  # every answer is wrong
        result = run(project, server, "--llm-models=openai/gpt-4o-mini", "--llm-concurrency=4", "-x")
        sent = len(server.chat_requests)
    result.assert_outcomes(failed=1)
    assert sent <= 5, sent


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


def test_the_summary_counts_retries_429s_and_waiting_per_model(project: pytest.Pytester) -> None:
    faults = first_ask_fails(Fault.rate_limited(retry_after=1), Fault.http(503), Fault.error_in_body(502))
    with FakeOpenRouter(policy="What is Mars?", faults=faults) as server:
        result = run(project, server, "--llm-models=openai/gpt-4o-mini", "--llm-concurrency=8")
    result.assert_outcomes(passed=N)
    [line] = [line for line in result.outlines if line.startswith("traffic: openai/gpt-4o-mini:")]
    assert f"{2 * N} requests, {N} retries, {-(-N // 3)} rate-limited (429), 0 resets" in line
    waited = float(line.split(" s waiting")[0].rsplit(", ", 1)[1])
    assert waited >= -(-N // 3) * 1.0  # every 429's retry waited its Retry-After


def test_a_server_reporting_no_usage_shows_unknowns_not_zeros(project: pytest.Pytester) -> None:
    # A self-hosted server: no usage object, no cost, and a model no catalog prices.
    with FakeOpenRouter(policy="What is Mars?", report_usage=False, models=[]) as server:
        result = run(project, server, "--llm-models=local/llama", "--llm-report=json:run.json", "--llm-max-cost=5")
    result.assert_outcomes(passed=N)
    [row] = [line for line in result.outlines if line.startswith("│ local/llama")]
    assert "- / -" in row and "$0" not in row  # tokens and cost unknown, not zero
    result.stdout.fnmatch_lines([f"*cost: at least $0.0000, {N} items unpriced*",
                                 "*budget: --llm-max-cost cannot price local/llama*did not limit it*"])
    [model] = json.loads((project.path / "run.json").read_text())["summary"]["models"]
    assert (model["cost_usd"], model["prompt_tokens"], model["unpriced"]) == (None, None, N)
    # ... and in the database too (schema 4): NULL, which 'runs list' and the viewer show as unknown.
    perf = stored(project, "select prompt_tokens, completion_tokens, cost_usd from model_performance")
    assert perf == [(None, None, None)]


def test_each_result_keeps_its_provenance_and_the_summary_flags_cut_replies_and_mixed_providers(
    pytester: pytest.Pytester,
) -> None:
    project = quiz_project(pytester, QUESTIONS[3:5])
    def policy(body: Mapping[str, Any]) -> Reply:
        return Reply("What is Mars?", finish_reason="length" if "Clue 3:" in str(body["messages"]) else None)

    upstreams = lambda context: "Azure" if context.number % 2 else "OpenAI"  # noqa: E731
    faults = first(1, Fault.http(503))
    with FakeOpenRouter(policy=policy, upstream=upstreams, faults=faults) as server:
        result = run(project, server, "--llm-models=openai/gpt-4o-mini",
                     "--llm-provider=order=azure,openai;allow_fallbacks=false")
        bodies = [r.body for r in server.chat_requests]
    result.assert_outcomes(passed=2)
    assert all(b["provider"] == {"order": ["azure", "openai"], "allow_fallbacks": False} for b in bodies)
    rows = stored(project, "select q.clue, r.messages_json, r.finish_reason, r.served_model, r.provider, "
                           "r.generation_id, r.attempts from benchmark_results r "
                           "join questions q on q.id = r.question_id order by q.clue")
    by_clue = {row[0]: row[1:] for row in rows}
    messages, finish, served, _provider, generation, _attempts = by_clue["Clue 3: the Red Planet"]
    sent = json.loads(messages)
    assert sent[-1]["role"] == "user" and "Clue 3: the Red Planet" in sent[-1]["content"]
    assert sent == bodies[-1]["messages"] or sent == bodies[-2]["messages"]  # exactly what was sent
    assert finish == "length" and served == "openai/gpt-4o-mini" and generation.startswith("gen-")
    assert {by_clue[c][3] for c in by_clue} == {"Azure", "OpenAI"} and sorted(r[-1] for r in rows) == [1, 2]
    [(config,)] = stored(project, "select config from benchmark_runs")
    assert json.loads(config)["provider"] == {"order": ["azure", "openai"], "allow_fallbacks": False}
    result.stdout.fnmatch_lines([
        "*truncated: openai/gpt-4o-mini: 1 replies stopped at the token limit*",
        "*providers: openai/gpt-4o-mini was served by 2 upstream providers*",
    ])


def test_a_bad_provider_spec_is_a_usage_error(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("--llm-dataset=questions.jsonl", "--llm-provider=order=azure;fallbacks=no")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--llm-provider*unknown field 'fallbacks'*"])


NEW_MODEL = {  # newer than the bundled snapshot; its live entry says it has no structured outputs
    "id": "acme/brand-new", "name": "Brand new", "context_length": 8192,
    "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
    "pricing": {"prompt": "0.000001", "completion": "0.000002"},
    "supported_parameters": ["max_tokens", "temperature"],
}


def test_a_model_missing_from_the_snapshot_is_checked_against_the_live_catalog(pytester: pytest.Pytester) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    project = quiz_project(pytester, [{"id": "olympics", "question": "Where were the first modern Olympics?",
                                       "schema": schema, "expected": {"city": "Athens"}}, *QUESTIONS[:2]])
    assert "acme/brand-new" not in load_snapshot()
    with FakeOpenRouter(policy="What is Mars?", models=[NEW_MODEL]) as server:
        result = run(project, server, "--llm-models=acme/brand-new", "-rs")
        asked = [r.body for r in server.chat_requests]
        catalog_requests = [r for r in server.requests if r.path.endswith("/models")]
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(["*catalog: 1 models from the network*"])
    result.stdout.fnmatch_lines(["*SKIPPED*does not support structured outputs*"])
    assert len(catalog_requests) == 1 and len(asked) == 2
    assert all("response_format" not in body for body in asked)
    [(cost, estimated)] = stored(project, "select sum(cost_usd), max(cost_estimated) from benchmark_results")
    assert cost is not None and cost > 0 and not estimated  # billed, and its live price known


def test_a_mistyped_model_id_warns_once_with_the_closest_ids_or_is_a_usage_error_when_strict(
    project: pytest.Pytester,
) -> None:
    with FakeOpenRouter(policy="What is Mars?") as server:
        warned = run(project, server, "--llm-models=openai/gpt-4o-mni", "-k", "Clue 1:")
        strict = run(project, server, "--llm-models=openai/gpt-4o-mni", "--llm-strict-models")
        chats = len(server.chat_requests)
    output = warned.stdout.str()
    assert output.count("LlmBenchWarning: The model id 'openai/gpt-4o-mni' is in no model catalog") == 1, output
    warned.stdout.fnmatch_lines(["*the closest known ids: openai/gpt-4o-mini*"])
    assert strict.ret == pytest.ExitCode.USAGE_ERROR
    strict.stderr.fnmatch_lines(["*--llm-strict-models*"])
    assert chats <= N  # the warned run asked; the strict one asked nothing


def test_simulated_runs_ask_no_catalog(project: pytest.Pytester) -> None:
    with FakeOpenRouter() as server:
        result = run(project, server, "--llm-models=sim/strong")
        sent = list(server.requests)
    assert result.ret in (0, 1) and sent == []
