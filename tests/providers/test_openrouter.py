"""OpenRouterProvider against the real captured OpenRouter payloads, served through respx."""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from pytest_llmbench.errors import (
    AuthenticationError,
    BadRequestError,
    BadResponse,
    ConnectionFailed,
    OutOfCreditsError,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    ServerError,
)
from pytest_llmbench.providers.base import Provider
from pytest_llmbench.providers.openrouter import OpenRouterProvider, clients_for
from pytest_llmbench.types import ChatRequest, Completion

BASE = "https://openrouter.ai/api/v1"
KEY = "sk-or-v1-0123456789abcdef-secret"
SSE = {"content-type": "text/event-stream"}


def ask(
    body: bytes | AsyncIterator[bytes],
    *,
    status: int = 200,
    stream: bool = False,
    headers: dict[str, str] | None = None,
    request: ChatRequest | None = None,
    key: str | None = KEY,
) -> tuple[Completion, httpx.Request]:
    """Send one request to a mocked OpenRouter answering ``body``; return the completion and what was sent."""
    request = request or ChatRequest("openai/gpt-4o", ({"role": "user", "content": "hi"},), stream=stream)
    response_headers = dict(headers or (SSE if stream else {"content-type": "application/json"}))

    async def main() -> Completion:
        provider = OpenRouterProvider(key)
        try:
            return await provider.complete(request, timeout=10)
        finally:
            await provider.aclose()

    with respx.mock(base_url=BASE) as router:
        route = router.post("/chat/completions").mock(
            return_value=httpx.Response(status, content=body, headers=response_headers)
        )
        try:
            completion = asyncio.run(main())
        finally:
            sent = route.calls.last.request if route.calls else None
    assert sent is not None
    return completion, sent


def fail(body: bytes, status: int, **kwargs: Any) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        ask(body, status=status, **kwargs)
    assert KEY not in str(info.value)
    return info.value


# -- successful completions ------------------------------------------------------------------------

CHAT = {
    # file: (text starts with, prompt tokens, completion tokens, cost, served model, finish reason)
    "chat-completion-z-ai-glm-4.6-atlascloud-cost.json": ("\nok", 16, 2, 1.4e-05, "z-ai/glm-4.6", "stop"),
    "chat-completion-anthropic-claude-sonnet-4.5-bedrock-cost.json": (
        "Hello! How can I help you today?",
        550,
        12,
        0.00183,
        "anthropic/claude-4.5-sonnet-20250929",
        "stop",
    ),
    "chat-completion-openai-gpt-5-mini-usage-include-cost.json": (
        "Here’s a concise but thorough overview of Mars",
        17,
        2177,
        0.00435825,
        "openai/gpt-5-mini",
        "stop",
    ),
    "chat-completion-openai-gpt-5-mini-no-usage-flag.json": (
        None,
        17,
        1515,
        None,
        "openai/gpt-5-mini",
        "stop",
    ),
    "chat-completion-mistral-small-tool-calls-no-cost.json": (
        "",
        134,
        43,
        None,
        "mistralai/mistral-small",
        "tool_calls",
    ),
}


@pytest.mark.parametrize("name", sorted(CHAT))
def test_chat_completion_captures(captures: Path, name: str) -> None:
    raw = (captures / name).read_bytes()
    start, prompt, completion_tokens, cost, served, finish = CHAT[name]
    completion, _ = ask(raw)
    payload = json.loads(raw)
    assert completion.text == (payload["choices"][0]["message"]["content"] or "")
    if start is not None:
        assert completion.text.startswith(start)
    assert completion.prompt_tokens == prompt
    assert completion.completion_tokens == completion_tokens
    assert completion.cost_usd == cost
    assert completion.served_model == served
    assert completion.model == "openai/gpt-4o"  # what was asked for, whatever was served
    assert completion.generation_id == payload["id"]
    assert completion.generation_id is not None and completion.generation_id.startswith("gen-")
    assert completion.finish_reason == finish
    assert completion.ttft_ms is None
    assert completion.latency_ms is not None and completion.latency_ms > 0
    assert completion.extra["provider"] == payload["provider"]


def test_tool_calls_are_kept(captures: Path) -> None:
    completion, _ = ask((captures / "chat-completion-mistral-small-tool-calls-no-cost.json").read_bytes())
    assert len(completion.tool_calls) == 1
    call = completion.tool_calls[0]
    assert call["function"]["name"] == "divide"
    assert json.loads(call["function"]["arguments"]) == {
        "numerator": 123,
        "denominator": 456,
        "on_inf": "infinity",
    }


STREAMS = {
    # file: (text, prompt tokens, completion tokens, cost, served model)
    "stream-2025-04-23-openai-gpt-4o-usage-cost.sse": (
        "Beaker or Zephyr.",
        17,
        7,
        0.0001125,
        "openai/gpt-4o",
    ),
    "stream-2025-08-06-openai-gpt-4o-usage-cost.sse": (
        "Pebbles and Skipper.",
        17,
        6,
        0.0001025,
        "openai/gpt-4o",
    ),
    "stream-2025-12-08-anthropic-claude-sonnet-4.5-reasoning-usage-cost.sse": (
        "2 + 2 = 4",
        43,
        36,
        0.000669,
        "anthropic/claude-sonnet-4.5",
    ),
}


async def _pieces(raw: bytes, seed: int) -> AsyncIterator[bytes]:
    # Network reads split anywhere, including inside "\r\n" and inside multi-byte characters.
    rng = random.Random(seed)
    i = 0
    while i < len(raw):
        step = rng.randint(1, 40)
        yield raw[i : i + step]
        i += step


@pytest.mark.parametrize("name", sorted(STREAMS))
@pytest.mark.parametrize("framing", ["lf", "crlf", "split"])
def test_stream_captures(captures: Path, name: str, framing: str) -> None:
    raw = (captures / name).read_bytes()
    text, prompt, completion_tokens, cost, served = STREAMS[name]
    body: bytes | AsyncIterator[bytes] = raw
    if framing == "crlf":
        body = raw.replace(b"\n", b"\r\n")
    elif framing == "split":
        body = _pieces(raw, seed=len(name))
    completion, _ = ask(body, stream=True)
    assert completion.text == text
    assert (completion.prompt_tokens, completion.completion_tokens) == (prompt, completion_tokens)
    assert completion.cost_usd == cost  # billed cost from the final usage chunk
    assert completion.served_model == served
    assert completion.finish_reason == "stop"
    assert completion.ttft_ms is not None and completion.latency_ms is not None
    assert 0 < completion.ttft_ms <= completion.latency_ms


def test_reasoning_stream_times_reasoning_separately(captures: Path) -> None:
    raw = (captures / "stream-2025-12-08-anthropic-claude-sonnet-4.5-reasoning-usage-cost.sse").read_bytes()
    completion, _ = ask(raw, stream=True)
    assert completion.extra["provider"] == "Google"
    assert completion.extra["reasoning_tokens"] == 13
    assert completion.ttft_ms is not None
    assert completion.extra["reasoning_ttft_ms"] <= completion.ttft_ms
    assert "arithmetic" not in completion.text  # reasoning is not part of the answer


def test_stream_without_done_but_finished_is_accepted(captures: Path) -> None:
    raw = (captures / "stream-2025-08-06-openai-gpt-4o-usage-cost.sse").read_bytes()
    completion, _ = ask(raw.replace(b"data: [DONE]", b""), stream=True)
    assert completion.text == "Pebbles and Skipper."


def test_stream_cut_before_finishing_is_a_bad_response(captures: Path) -> None:
    raw = (captures / "stream-2025-08-06-openai-gpt-4o-usage-cost.sse").read_bytes()
    cut = raw[: raw.index(b'"finish_reason":"stop"')].rsplit(b"\n\n", 1)[0] + b"\n\n"
    with pytest.raises(BadResponse, match="before it was complete"):
        ask(cut, stream=True)


def test_a_json_answer_to_a_stream_request_is_accepted(captures: Path) -> None:
    completion, _ = ask(
        (captures / "chat-completion-z-ai-glm-4.6-atlascloud-cost.json").read_bytes(),
        stream=True,
        headers={"content-type": "application/json"},
    )
    assert completion.text == "\nok" and completion.cost_usd == 1.4e-05


# -- what is sent ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "chat-completion-openai-gpt-5-mini-usage-include-cost.request.json",
        "chat-completion-z-ai-glm-4.6-atlascloud-cost.request.json",
        "stream-2025-12-08-anthropic-claude-sonnet-4.5-reasoning-usage-cost.request.json",
    ],
)
def test_request_body_matches_what_openrouter_received(captures: Path, name: str) -> None:
    recorded = json.loads((captures / name).read_text())
    params = {
        k: v
        for k, v in recorded.items()
        if k not in ("model", "messages", "stream", "stream_options", "usage")
    }
    request = ChatRequest(recorded["model"], tuple(recorded["messages"]), params, stream=recorded["stream"])
    provider = OpenRouterProvider(KEY)
    expected = dict(recorded, usage={"include": True})
    assert provider.request_body(request) == expected


def test_exact_request_body_and_headers(captures: Path) -> None:
    request = ChatRequest(
        "openai/gpt-4o",
        ({"role": "user", "content": "Two names for a pet pelican"},),
        {"temperature": 0},
        stream=True,
    )
    raw = (captures / "stream-2025-08-06-openai-gpt-4o-usage-cost.sse").read_bytes()
    _, sent = ask(raw, stream=True, request=request)
    assert str(sent.url) == f"{BASE}/chat/completions"
    assert json.loads(sent.content) == {
        "model": "openai/gpt-4o",
        "messages": [{"role": "user", "content": "Two names for a pet pelican"}],
        "temperature": 0,
        "usage": {"include": True},
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["http-referer"] == "https://github.com/pytest-llmbench/pytest-llmbench"
    assert sent.headers["x-title"] == "pytest-llmbench"
    assert sent.headers["content-type"] == "application/json"
    others = [v for k, v in sent.headers.items() if k != "authorization"]
    assert not any(KEY in v for v in others)
    assert KEY.encode() not in sent.content


def test_no_key_sends_no_authorization_header(captures: Path) -> None:
    _, sent = ask((captures / "chat-completion-z-ai-glm-4.6-atlascloud-cost.json").read_bytes(), key=None)
    assert "authorization" not in sent.headers


# -- errors ----------------------------------------------------------------------------------------

ERRORS = {
    # file: (status, exception class, fragments of the message)
    "error-401-user-not-found.json": (
        401,
        AuthenticationError,
        ["rejected the API key (401: User not found)"],
    ),
    "error-401-no-auth-credentials-found.json": (401, AuthenticationError, ["No auth credentials found"]),
    "error-401-no-cookie-auth-credentials-found.json": (
        401,
        AuthenticationError,
        ["No cookie auth credentials"],
    ),
    "error-402-requires-more-credits-max-tokens.json": (402, OutOfCreditsError, ["can only afford 10114"]),
    "error-400-invalid-model-id.json": (400, BadRequestError, ["minimax-m2.5:free is not a valid model ID"]),
    "error-400-provider-returned-error-openai-raw.json": (
        400,
        BadRequestError,
        ["Provider returned error (OpenAI): Response input messages must contain the word 'json'"],
    ),
    "error-404-no-allowed-providers.json": (404, BadRequestError, ["No allowed providers are available"]),
    "error-429-provider-returned-error-google-upstream-ratelimit.json": (
        429,
        RateLimitError,
        ["Provider returned error (Google): google/gemini-2.0-flash-exp:free is temporarily rate-limited"],
    ),
    "error-429-provider-returned-error-baseten-limit-source.json": (429, RateLimitError, ["(BaseTen)"]),
    "docs-shape-error-prestream-400.json": (400, BadRequestError, ["Invalid model specified"]),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_bodies(captures: Path, name: str) -> None:
    status, cls, fragments = ERRORS[name]
    error = fail((captures / name).read_bytes(), status)
    assert type(error) is cls
    assert error.status == status
    message = str(error)
    for fragment in fragments:
        assert fragment in message
    assert message.startswith(("OpenRouter ", "The API")) and message.endswith(".")
    assert "\n" not in message and len(message) < 500


def test_the_401_sentence(captures: Path) -> None:
    error = fail((captures / "error-401-user-not-found.json").read_bytes(), 401)
    assert str(error) == "OpenRouter rejected the API key (401: User not found). Check OPENROUTER_API_KEY."
    assert not error.retryable


def test_401_without_a_key_says_to_set_one(captures: Path) -> None:
    error = fail((captures / "error-401-no-auth-credentials-found.json").read_bytes(), 401, key=None)
    assert "none was given" in str(error) and "Set OPENROUTER_API_KEY" in str(error)


def test_a_key_echoed_by_the_server_is_redacted() -> None:
    body = json.dumps({"error": {"code": 401, "message": f"Key {KEY} is disabled"}}).encode()
    error = fail(body, 401)
    assert "[redacted]" in str(error)


def test_403_moderation_is_a_bad_request_and_plain_403_an_auth_error() -> None:
    flagged = {"error": {"code": 403, "message": "Input flagged", "metadata": {"reasons": ["violence"]}}}
    assert type(fail(json.dumps(flagged).encode(), 403)) is BadRequestError
    assert type(fail(b'{"error": {"code": 403, "message": "Forbidden"}}', 403)) is AuthenticationError


@pytest.mark.parametrize(
    ("status", "cls"), [(408, ProviderTimeout), (500, ServerError), (502, ServerError), (503, ServerError)]
)
def test_status_classes(status: int, cls: type[ProviderError]) -> None:
    error = fail(json.dumps({"error": {"code": status, "message": "upstream trouble"}}).encode(), status)
    assert type(error) is cls and error.retryable and "upstream trouble" in str(error)


def test_non_json_error_body() -> None:
    error = fail(b"<html><body>502 Bad Gateway</body></html>", 502, headers={"content-type": "text/html"})
    assert type(error) is ServerError and "502 Bad Gateway" in str(error)


def test_retry_after_seconds(captures: Path) -> None:
    raw = (captures / "error-429-provider-returned-error-google-upstream-ratelimit.json").read_bytes()
    error = fail(raw, 429, headers={"Retry-After": "7"})
    assert isinstance(error, RateLimitError) and error.retry_after == 7.0
    assert "retry after 7 s" in str(error)


def test_retry_after_http_date(captures: Path) -> None:
    raw = (captures / "error-429-provider-returned-error-google-upstream-ratelimit.json").read_bytes()
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    error = fail(raw, 429, headers={"Retry-After": when})
    assert isinstance(error, RateLimitError) and error.retry_after is not None
    assert 20 < error.retry_after <= 31


def test_retry_after_from_ratelimit_reset_metadata(captures: Path) -> None:
    inner = json.loads((captures / "error-429-free-models-per-day.inner-error-object.json").read_text())
    future_ms = int((time.time() + 60) * 1000)
    inner["metadata"]["headers"]["X-RateLimit-Reset"] = str(future_ms)
    error = fail(json.dumps({"error": inner}).encode(), 429)
    assert isinstance(error, RateLimitError) and error.retry_after is not None
    assert 50 < error.retry_after <= 61
    assert "free-models-per-day" in str(error)


def test_429_without_any_hint_has_no_retry_after() -> None:
    error = fail(b'{"error": {"code": 429, "message": "slow down"}}', 429)
    assert isinstance(error, RateLimitError) and error.retry_after is None


@pytest.mark.parametrize(
    ("code", "cls"),
    [(502, ServerError), ("server_error", ServerError), (429, RateLimitError), (402, OutOfCreditsError)],
)
def test_error_object_inside_a_200_body(code: object, cls: type[ProviderError]) -> None:
    error = fail(json.dumps({"error": {"code": code, "message": "inside a 200"}}).encode(), 200)
    assert type(error) is cls and "inside a 200" in str(error)


MIDSTREAM = [
    "error-502-midstream-network-connection-lost.inner-error-object.json",
    "error-502-midstream-upstream-atlascloud.inner-error-object.json",
]


@pytest.mark.parametrize("name", MIDSTREAM)
def test_midstream_error_chunks(captures: Path, name: str) -> None:
    inner = json.loads((captures / name).read_text())
    stream = (captures / "stream-2025-08-06-openai-gpt-4o-usage-cost.sse").read_bytes()
    head = stream[: stream.index(b'"finish_reason":"stop"')].rsplit(b"\n\n", 1)[0]
    chunk = {
        "id": "gen-x",
        "object": "chat.completion.chunk",
        "error": inner,
        "choices": [{"finish_reason": "error"}],
    }
    body = head + b"\n\n: OPENROUTER PROCESSING\n\ndata: " + json.dumps(chunk).encode() + b"\n\n"
    error = fail(body, 200, stream=True)
    assert type(error) is ServerError and error.retryable
    assert inner["message"].rstrip(".") in str(error)


def test_documented_midstream_chunk_with_string_code(captures: Path) -> None:
    chunk = (captures / "docs-shape-midstream-error-chunk.json").read_bytes().strip()
    error = fail(b": OPENROUTER PROCESSING\n\ndata: " + chunk + b"\n\n", 200, stream=True)
    assert type(error) is ServerError and "Provider disconnected unexpectedly" in str(error)


@pytest.mark.parametrize(
    "body", [b'{"id": "gen-1", "choices": [{"mess', b"", b"[1, 2]", b'{"id": "gen-1", "choices": []}']
)
def test_bad_bodies(body: bytes) -> None:
    assert type(fail(body, 200)) is BadResponse


def test_malformed_stream_chunk() -> None:
    assert type(fail(b'data: {"choices": [\n\n', 200, stream=True)) is BadResponse


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (httpx.ReadTimeout("read timed out"), ProviderTimeout),
        (httpx.ConnectTimeout("connect timed out"), ProviderTimeout),
        (httpx.ConnectError("connection refused"), ConnectionFailed),
        (httpx.RemoteProtocolError("peer closed connection"), ConnectionFailed),
        (httpx.ReadError("connection reset"), ConnectionFailed),
    ],
)
def test_transport_errors(exc: Exception, cls: type[ProviderError]) -> None:
    async def main() -> None:
        provider = OpenRouterProvider(KEY)
        try:
            await provider.complete(ChatRequest("m/x", ({"role": "user", "content": "hi"},)), timeout=5)
        finally:
            await provider.aclose()

    with respx.mock(base_url=BASE) as router:
        router.post("/chat/completions").mock(side_effect=exc)
        with pytest.raises(cls) as info:
            asyncio.run(main())
    assert info.value.retryable and KEY not in str(info.value)


def test_whole_attempt_timeout() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json={})

    async def main() -> None:
        provider = OpenRouterProvider(KEY, transport=httpx.MockTransport(slow))
        try:
            await provider.complete(ChatRequest("m/x", ({"role": "user", "content": "hi"},)), timeout=0.05)
        finally:
            await provider.aclose()

    with pytest.raises(ProviderTimeout, match=r"within 0\.05 s"):
        asyncio.run(main())


# -- protocol and clients --------------------------------------------------------------------------


def test_protocol_and_handles() -> None:
    provider = OpenRouterProvider(KEY)
    assert isinstance(provider, Provider)
    assert provider.handles("openai/gpt-4o") and provider.handles("openrouter/auto")
    assert not provider.handles("sim/perfect")
    assert KEY not in repr(provider)


@pytest.mark.parametrize(
    ("concurrency", "expected"), [(1, (1, 1)), (16, (1, 16)), (17, (2, 16)), (64, (4, 16)), (200, (13, 16))]
)
def test_clients_for(concurrency: int, expected: tuple[int, int]) -> None:
    assert clients_for(concurrency) == expected


def test_for_concurrency_builds_the_pool() -> None:
    provider = OpenRouterProvider.for_concurrency(KEY, 64)
    assert provider.requests_per_client == [0, 0, 0, 0]


def test_sequential_requests_rotate_over_clients_and_aclose_closes_all() -> None:
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"choices": [{"message": {"content": "ok"}}]})

    async def main() -> list[httpx.AsyncClient]:
        provider = OpenRouterProvider(KEY, transport=httpx.MockTransport(handler), clients=3)
        assert provider._pool._clients == []  # created lazily, on the loop that uses them
        for _ in range(9):
            completion = await provider.complete(
                ChatRequest("m/x", ({"role": "user", "content": "hi"},)), timeout=5
            )
            seen.append(len(completion.text))
        clients = list(provider._pool._clients)
        assert provider.requests_per_client == [3, 3, 3]
        await provider.aclose()
        return clients

    clients = asyncio.run(main())
    assert len(clients) == 3 and all(client.is_closed for client in clients)
    assert seen == [2] * 9
