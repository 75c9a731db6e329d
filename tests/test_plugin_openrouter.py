"""The plugin against the project's fake OpenRouter server: real HTTP on 127.0.0.1, real provider."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

import pytest
from _quiz import quiz_project, run_against

from pytest_llmbench.testing import FakeOpenRouter, Fault, first

pytest_plugins = ["pytester"]

QUESTIONS = [
    {"question": "The Red Planet", "answer": "Mars", "category": "SPACE"},
    {"question": "Author of Hamlet", "answer": "(William) Shakespeare", "category": "AUTHORS"},
    {"question": "Largest ocean", "answer": "the Pacific", "category": "GEOGRAPHY"},
]
ANSWERS = {"Red Planet": "What is Mars?", "Hamlet": "Who is Shakespeare?", "Largest ocean": "What is the Atlantic?"}


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    return quiz_project(pytester, QUESTIONS)


def test_real_provider_answers_are_graded_costed_and_stored(project: pytest.Pytester) -> None:
    with FakeOpenRouter(latency=0.01, policy=_policy) as server:
        result = run_against(project, server)
    result.assert_outcomes(passed=2, failed=1)
    assert len(server.chat_requests) == 3
    body = server.chat_requests[0].body
    assert body["model"] == "openai/gpt-4o-mini" and body["stream"] is True
    with sqlite3.connect(project.path / ".llmbench" / "results.db") as db:
        rows = db.execute("select correct, cost_usd, cost_estimated, ttft_ms, prompt_tokens from benchmark_results"
                          ).fetchall()
    assert sorted(r[0] for r in rows) == [0, 1, 1]
    assert all(r[1] is not None and r[1] > 0 and r[2] == 0 for r in rows)  # billed by the server
    assert all(r[3] is not None for r in rows)  # streamed: time to first token recorded
    assert "(simulated)" not in result.stdout.str()


def test_rate_limit_is_retried_and_the_item_still_passes(project: pytest.Pytester) -> None:
    with FakeOpenRouter(latency=0.0, policy=_policy, faults=first(2, Fault.rate_limited(retry_after=0))) as server:
        result = run_against(project, server, "--llm-concurrency=1")
    result.assert_outcomes(passed=2, failed=1)
    assert len(server.chat_requests) == 5


def test_402_stops_the_run_with_one_sentence(project: pytest.Pytester) -> None:
    with FakeOpenRouter(latency=0.0, policy=_policy, faults=first(100, Fault.http(402))) as server:
        result = run_against(project, server, "--llm-concurrency=1")
    assert len(server.chat_requests) == 1
    outcomes = result.parseoutcomes()
    assert outcomes.get("errors", 0) + outcomes.get("error", 0) == 1 and outcomes.get("skipped") == 2
    result.stdout.fnmatch_lines(["*stopped: *out of credits*"])


def _policy(body: Mapping[str, Any]) -> str:
    prompt = json.dumps(body["messages"])
    return next((a for k, a in ANSWERS.items() if k in prompt), "I don't know")
