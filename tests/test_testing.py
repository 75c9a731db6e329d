"""The fake OpenRouter server, end to end with the real OpenRouterProvider."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from pytest_llmbench.errors import (
    AuthenticationError,
    BadResponse,
    ConnectionFailed,
    OutOfCreditsError,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    ServerError,
)
from pytest_llmbench.providers.openrouter import OpenRouterProvider
from pytest_llmbench.testing import (
    FakeOpenRouter,
    Fault,
    Reply,
    RequestContext,
    answer_from,
    every,
    first,
    fixed,
    for_model,
    on_requests,
)
from pytest_llmbench.types import ChatRequest, Completion

T = TypeVar("T")
KEY = "sk-or-v1-fake-key-for-tests"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def server() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as running:
        yield running


def req(
    text: str = "What is the capital of France?", *, model: str = "openai/gpt-4o", stream: bool = True
) -> ChatRequest:
    return ChatRequest(
        model, ({"role": "system", "content": "Be brief."}, {"role": "user", "content": text}), stream=stream
    )


def with_provider(server: FakeOpenRouter, body: Any, **kwargs: Any) -> Any:
    """Run ``body(provider)`` on a fresh loop with a provider pointed at ``server``."""

    async def main() -> Any:
        provider = OpenRouterProvider(KEY, server.base_url, **kwargs)
        try:
            return await body(provider)
        finally:
            await provider.aclose()

    return asyncio.run(main())


def complete(server: FakeOpenRouter, request: ChatRequest, timeout: float = 5.0) -> Completion:
    return with_provider(server, lambda p: p.complete(request, timeout=timeout))  # type: ignore[no-any-return]


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@pytest.mark.parametrize("stream", [False, True])
def test_answers_with_usage_and_cost(server: FakeOpenRouter, stream: bool) -> None:
    server.policy = {"capital of France": "Paris", "Germany": "Berlin"}
    server.prices = {"openai/gpt-4o": (1e-5, 3e-5)}
    completion = complete(server, req(stream=stream))
    assert completion.text == "Paris"
    assert completion.served_model == "openai/gpt-4o"
    assert completion.generation_id and completion.generation_id.startswith("gen-")
    assert completion.prompt_tokens and completion.completion_tokens
    assert completion.cost_usd == pytest.approx(
        completion.prompt_tokens * 1e-5 + completion.completion_tokens * 3e-5
    )
    assert (completion.ttft_ms is not None) == stream
    assert completion.finish_reason == "stop"


def test_builtin_policies(server: FakeOpenRouter) -> None:
    assert complete(server, req("echo me")).text == "echo me"  # default: echo
    server.policy = fixed("always this")
    assert complete(server, req("anything")).text == "always this"
    server.policy = answer_from({"France": "Paris"}, default="No idea")
    assert complete(server, req("Spain?")).text == "No idea"
    server.policy = lambda body: body["model"].upper()
    assert complete(server, req(model="a/b")).text == "A/B"


def test_streams_emit_processing_comments_usage_and_done(server: FakeOpenRouter) -> None:
    server.policy = "A long enough answer to be split into several chunks."
    body = {"model": "m/x", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    response = httpx.post(f"{server.base_url}/chat/completions", json=body)
    lines = response.text.split("\n")
    assert lines[0] == ": OPENROUTER PROCESSING"
    events = [json.loads(line[6:]) for line in lines if line.startswith("data: {")]
    assert len(events) > 4
    assert "".join(e["choices"][0]["delta"]["content"] for e in events) == server.policy
    assert "cost" in events[-1]["usage"]
    assert lines[-3] == "data: [DONE]"


@pytest.mark.parametrize("stream", [False, True])
def test_tool_calls_and_reasoning(server: FakeOpenRouter, stream: bool) -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "divide", "arguments": '{"a": 1, "b": 2}'},
    }
    server.policy = lambda body: Reply(tool_calls=(call,), reasoning="Let me think about it.")
    completion = complete(server, req(stream=stream))
    assert completion.finish_reason == "tool_calls"
    assert completion.text == ""
    assert [c["function"] for c in completion.tool_calls] == [call["function"]]
    if stream:
        assert completion.ttft_ms is not None
        assert completion.extra["reasoning_ttft_ms"] <= completion.ttft_ms


def test_report_cost_off_leaves_cost_unknown(server: FakeOpenRouter) -> None:
    server.report_cost = False
    assert complete(server, req()).cost_usd is None


FAULTS = [
    (Fault.http(401), AuthenticationError),
    (Fault.http(402), OutOfCreditsError),
    (Fault.rate_limited(retry_after=3), RateLimitError),
    (Fault.http(500), ServerError),
    (Fault.http(502), ServerError),
    (Fault.http(503), ServerError),
    (Fault.http(502, body=b"<html>502</html>", content_type="text/html"), ServerError),
    (Fault.error_in_body(502), ServerError),
    (Fault.error_in_body("rate_limit_exceeded"), RateLimitError),
    (Fault.midstream_error(), ServerError),
    (Fault.reset(), ConnectionFailed),
    (Fault.malformed_json(), BadResponse),
    (Fault.truncated_body(), ConnectionFailed),
]


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(
    ("fault", "cls"), FAULTS, ids=lambda v: getattr(v, "kind", None) or getattr(v, "__name__", "")
)
def test_each_fault_maps_to_its_error(
    server: FakeOpenRouter, fault: Fault, cls: type[ProviderError], stream: bool
) -> None:
    server.faults = lambda context: fault
    with pytest.raises(ProviderError) as info:
        complete(server, req(stream=stream))
    assert type(info.value) is cls
    assert KEY not in str(info.value)
    if fault.headers:
        assert isinstance(info.value, RateLimitError) and info.value.retry_after == 3.0


@pytest.mark.parametrize("stream", [False, True])
def test_hung_connection_times_out_and_the_server_still_stops(stream: bool) -> None:
    with FakeOpenRouter(faults=lambda context: Fault.hang()) as server:
        with pytest.raises(ProviderTimeout):
            complete(server, req(stream=stream), timeout=0.3)
        assert server.chat_count == 1
    # leaving the block stopped the server although the request never got an answer


def test_slow_stream_still_completes(server: FakeOpenRouter) -> None:
    server.policy = "one two three four five six seven eight"
    server.faults = lambda context: Fault.slow_stream(0.01)
    completion = complete(server, req())
    assert completion.text == "one two three four five six seven eight"
    assert completion.ttft_ms is not None and completion.latency_ms is not None
    assert completion.ttft_ms < completion.latency_ms


def test_first_n_requests_for_one_model_are_rate_limited(server: FakeOpenRouter) -> None:
    server.faults = first(2, Fault.rate_limited(retry_after=1), model="x/flaky")

    async def body(provider: OpenRouterProvider) -> list[str]:
        outcomes = []
        for model in ("x/flaky", "y/steady", "x/flaky", "x/flaky"):
            try:
                await provider.complete(req(model=model), timeout=5)
                outcomes.append(f"{model} ok")
            except RateLimitError as exc:
                outcomes.append(f"{model} 429 after {exc.retry_after}")
        return outcomes

    assert with_provider(server, body) == [
        "x/flaky 429 after 1.0",
        "y/steady ok",
        "x/flaky 429 after 1.0",
        "x/flaky ok",
    ]


def test_rules_by_request_number_model_and_period(server: FakeOpenRouter) -> None:
    server.faults = [
        on_requests({2: Fault.http(500)}),
        for_model("bad/model", Fault.http(400, "bad/model is not a valid model ID")),
        every(5, Fault.http(503)),
    ]

    async def body(provider: OpenRouterProvider) -> list[str]:
        out = []
        for model in ["a/b"] * 6 + ["bad/model"]:
            try:
                await provider.complete(req(model=model), timeout=5)
                out.append("ok")
            except ProviderError as exc:
                out.append(str(exc.status))
        return out

    assert with_provider(server, body) == ["ok", "500", "ok", "ok", "503", "ok", "400"]


def test_requests_are_recorded_with_headers_and_body(server: FakeOpenRouter) -> None:
    complete(server, req("hello", stream=False))
    (recorded,) = server.chat_requests
    assert recorded.number == 1 and recorded.model == "openai/gpt-4o"
    assert recorded.headers["authorization"] == f"Bearer {KEY}"
    assert recorded.headers["x-title"] == "pytest-llmbench"
    assert recorded.body["usage"] == {"include": True} and recorded.body["stream"] is False
    assert recorded.body["messages"][-1] == {"role": "user", "content": "hello"}
    server.reset()
    assert server.requests == [] and server.chat_count == 0


def test_keep_alive_connections_are_reused(server: FakeOpenRouter) -> None:
    async def body(provider: OpenRouterProvider) -> None:
        for i in range(10):
            await provider.complete(req(stream=i % 2 == 0), timeout=5)

    with_provider(server, body)
    assert server.chat_count == 10
    assert server.connections_opened == 1


def test_concurrent_requests_are_counted(server: FakeOpenRouter) -> None:
    server.latency = 0.5

    async def body(provider: OpenRouterProvider) -> list[Completion]:
        return await asyncio.gather(*(provider.complete(req(f"q{i}"), timeout=10) for i in range(20)))

    completions = with_provider(server, body, max_connections=20)
    assert sorted(c.text for c in completions) == sorted(f"q{i}" for i in range(20))
    assert server.max_in_flight == 20
    assert server.in_flight == 0
    assert server.connections_opened == 20


def test_latency_callable_sees_the_request(server: FakeOpenRouter) -> None:
    seen: list[tuple[int, str]] = []

    def latency(context: RequestContext) -> float:
        seen.append((context.number, context.model))
        return 0.0

    server.latency = latency
    complete(server, req(model="m/one"))
    assert seen == [(1, "m/one")]


def test_requests_spread_across_clients(server: FakeOpenRouter) -> None:
    server.latency = 0.2

    async def body(provider: OpenRouterProvider) -> list[int]:
        await asyncio.gather(*(provider.complete(req(f"q{i}"), timeout=10) for i in range(16)))
        return provider.requests_per_client

    per_client = with_provider(server, body, clients=4, max_connections=4)
    assert per_client == [4, 4, 4, 4]
    assert server.max_in_flight == 16  # four pools of four, all busy at once
    assert server.connections_opened == 16


def test_models_endpoint_serves_the_snapshot_or_a_given_catalog(server: FakeOpenRouter) -> None:
    from pytest_llmbench.providers.catalog import fetch_models, load_snapshot

    assert run(fetch_models(server.base_url, KEY)) == load_snapshot()
    server.models = [{"id": "fake/one", "name": "Fake One", "pricing": {"prompt": "0.000001"}}]
    models = run(fetch_models(server.base_url, KEY))
    assert list(models) == ["fake/one"] and models["fake/one"].prompt_price == 0.000001


def test_unknown_route_and_bad_json(server: FakeOpenRouter) -> None:
    assert httpx.get(f"{server.base_url}/nothing").status_code == 404
    response = httpx.post(f"{server.base_url}/chat/completions", content=b"{not json")
    assert response.status_code == 400 and "error" in response.json()


def test_a_failing_policy_becomes_a_500_naming_it(server: FakeOpenRouter) -> None:
    def broken(body: Any) -> str:
        raise KeyError("missing")

    server.policy = broken
    with pytest.raises(ServerError, match="KeyError"):
        complete(server, req(stream=False))
    server.policy = None
    assert complete(server, req("still serving")).text == "still serving"


def test_base_url_needs_a_started_server() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = FakeOpenRouter().base_url


def test_command_line_server() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_llmbench.testing", "--answer", "from a subprocess"],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        completion = run(_complete_at(base_url))
        assert completion.text == "from a subprocess"
    finally:
        _, err = process.communicate(input="", timeout=10)
    assert process.returncode == 0
    assert "served 1 chat requests" in err


async def _complete_at(base_url: str) -> Completion:
    provider = OpenRouterProvider(KEY, base_url)
    try:
        return await provider.complete(req(), timeout=5)
    finally:
        await provider.aclose()


def test_the_fake_openrouter_fixture_for_users(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["pytest_llmbench.testing"]')
    pytester.makepyfile(
        """
        import httpx

        def test_it(fake_openrouter):
            fake_openrouter.policy = "pong"
            body = {"model": "m/x", "messages": [{"role": "user", "content": "ping"}]}
            reply = httpx.post(fake_openrouter.base_url + "/chat/completions", json=body).json()
            assert reply["choices"][0]["message"]["content"] == "pong"
            assert fake_openrouter.chat_count == 1
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
