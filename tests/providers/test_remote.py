"""The HTTP worker process: the same completions and the same errors as the in-process provider."""

from __future__ import annotations

import asyncio

import pytest

from pytest_llmbench import errors
from pytest_llmbench.engine.core import Engine, EngineSettings, Job
from pytest_llmbench.providers import _remote
from pytest_llmbench.providers._remote import (
    RemoteProvider,
    error_from_json,
    error_to_json,
    request_from_json,
    request_to_json,
)
from pytest_llmbench.testing import FakeOpenRouter, Fault, first
from pytest_llmbench.types import ChatRequest, Completion, ErrorKind


def _request(i: int = 0, *, stream: bool = True, model: str = "openai/gpt-4o-mini") -> ChatRequest:
    return ChatRequest(model, ({"role": "user", "content": f"question {i}"},), {"temperature": 0.0}, stream, 2)


def test_a_request_crosses_unchanged() -> None:
    request = _request(3)
    assert request_from_json(request_to_json(request)) == request


@pytest.mark.parametrize(
    "exc",
    [
        errors.RateLimitError("slow down", retry_after=1.5),
        errors.OutOfCreditsError("no credits", status=402, code=402),
        errors.AuthenticationError("bad key", status=401),
        errors.ServerError("upstream", status=502),
        errors.ConnectionFailed("refused"),
    ],
)
def test_an_error_crosses_with_its_type_and_details(exc: errors.ProviderError) -> None:
    back = error_from_json(error_to_json(exc))
    assert type(back) is type(exc)
    assert (str(back), back.status, back.code, back.retryable, back.kind) == (
        str(exc), exc.status, exc.code, exc.retryable, exc.kind,
    )
    assert getattr(back, "retry_after", None) == getattr(exc, "retry_after", None)


def test_per_instance_retryable_survives() -> None:
    exc = errors.BadResponse("an error object in a 200 body")
    exc.retryable = False
    assert error_from_json(error_to_json(exc)).retryable is False


def _ask(server: FakeOpenRouter, count: int, concurrency: int = 8) -> tuple[list[Completion], int]:
    """``count`` requests through an engine whose provider is the worker: (completions, requests sent)."""
    provider = RemoteProvider("sk-or-test", server.base_url, concurrency)
    settings = EngineSettings(concurrency=concurrency, backoff_base=0.01, backoff_max=0.05, cache_mode="off")
    engine = Engine([provider], settings)
    batch = [Job(str(i), _request(i)) for i in range(count)]
    engine.submit(batch)
    try:
        return [engine.result(j) for j in batch], len(server.chat_requests)
    finally:
        engine.close()


def test_answers_tokens_cost_and_time_to_first_token_come_back() -> None:
    with FakeOpenRouter(latency=0.05, policy="What is Mars?") as server:
        results, asked = _ask(server, 20)
    assert asked == 20
    assert all(r.ok and r.text == "What is Mars?" for r in results)
    assert all(r.ttft_ms is not None and r.prompt_tokens and r.cost_usd is not None for r in results)


def test_a_midstream_error_is_retried_through_the_worker() -> None:
    with FakeOpenRouter(policy="What is Mars?", faults=first(2, Fault.midstream_error(502))) as server:
        results, asked = _ask(server, 4)
    assert all(r.ok for r in results) and asked == 6
    assert sorted(r.attempts for r in results) == [1, 1, 2, 2]


def test_a_402_from_the_worker_stops_the_run() -> None:
    with FakeOpenRouter(policy="What is Mars?", faults=first(1, Fault.http(402, "Insufficient credits"))) as server:
        results, asked = _ask(server, 5, concurrency=1)
    assert results[0].error_kind is ErrorKind.CREDITS and asked == 1
    assert all(r.error_kind is ErrorKind.STOPPED for r in results[1:])


def test_a_dead_worker_fails_its_open_requests_as_connection_errors_and_the_next_starts_a_new_one() -> None:
    async def scenario() -> tuple[BaseException | None, Completion]:
        with FakeOpenRouter(latency=0.5, policy="What is Mars?") as server:
            provider = RemoteProvider("sk-or-test", server.base_url, 4)
            asking = asyncio.ensure_future(provider.complete(_request(), timeout=30))
            while provider._proc is None or not server.chat_requests:
                await asyncio.sleep(0.05)
            provider._proc.kill()
            failure = (await asyncio.gather(asking, return_exceptions=True))[0]
            try:
                # Bounded: without a new worker this would wait forever on the dead one.
                again = await asyncio.wait_for(provider.complete(_request(1), timeout=30), 20)
            finally:
                await provider.aclose()
        return failure if isinstance(failure, BaseException) else None, again

    failure, again = asyncio.run(scenario())
    assert isinstance(failure, errors.ConnectionFailed) and failure.retryable
    assert again.ok and again.text == "What is Mars?"


def test_other_output_of_the_worker_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    # e.g. a sitecustomize that prints: such lines are not answers, and must not stop the reader.
    noisy = "print('hello from sitecustomize'); print('{\"not\": \"ours\"}'); " + _remote._CHILD
    monkeypatch.setattr(_remote, "_CHILD", noisy)
    with FakeOpenRouter(policy="What is Mars?") as server:
        results, asked = _ask(server, 3)
    assert asked == 3 and all(r.ok and r.text == "What is Mars?" for r in results)


def test_an_answer_that_never_comes_times_out_instead_of_hanging(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_remote, "_CHILD", "import sys; sys.stdin.read()")  # reads requests, answers none
    monkeypatch.setattr(_remote, "_GRACE", 0.2)

    async def scenario() -> BaseException | None:
        provider = RemoteProvider("sk-or-test", "http://127.0.0.1:9/api/v1", 4)
        try:
            await provider.complete(_request(), timeout=0.3)
        except errors.ProviderError as exc:
            return exc
        finally:
            await provider.aclose()
        return None

    failure = asyncio.run(scenario())
    assert isinstance(failure, errors.ProviderTimeout) and failure.retryable
