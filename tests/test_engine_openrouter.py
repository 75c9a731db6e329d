"""The engine with the real OpenRouter provider against the fake server: real HTTP, real faults."""

from __future__ import annotations

import threading
import time

import pytest

from pytest_llmbench.engine.core import Engine, EngineSettings, Job
from pytest_llmbench.providers.openrouter import OpenRouterProvider
from pytest_llmbench.testing import FakeOpenRouter, Fault, RequestContext, first
from pytest_llmbench.types import ChatRequest, ErrorKind

FAST = dict(backoff_base=0.01, backoff_max=0.05)


def engine_for(server: FakeOpenRouter, **settings: object) -> Engine:
    concurrency = int(settings.get("concurrency", 4))  # type: ignore[call-overload]
    provider = OpenRouterProvider.for_concurrency("sk-or-test", concurrency, server.base_url)
    return Engine([provider], EngineSettings(**{**FAST, **settings}))  # type: ignore[arg-type]


def jobs(n: int, *, stream: bool = True, model: str = "openai/gpt-4o-mini") -> list[Job]:
    return [
        Job(str(i), ChatRequest(model, ({"role": "user", "content": f"question {i}"},), stream=stream))
        for i in range(n)
    ]


def run_all(engine: Engine, batch: list[Job]) -> list:  # type: ignore[type-arg]
    engine.submit(batch)
    try:
        return [engine.result(j) for j in batch]
    finally:
        engine.close()


# A mid-stream error exists only in a stream; an error object in a 200 body is tried both ways.
@pytest.mark.parametrize(
    ("fault", "stream"),
    [(Fault.midstream_error(502), True), (Fault.error_in_body(502), True), (Fault.error_in_body(502), False)],
    ids=["midstream", "in-body-stream", "in-body-json"],
)
def test_errors_inside_a_200_are_retried_and_the_item_then_answers(fault: Fault, stream: bool) -> None:
    with FakeOpenRouter(policy="What is Mars?", faults=first(1, fault)) as server:
        [result] = run_all(engine_for(server), jobs(1, stream=stream))
        assert len(server.chat_requests) == 2
    assert result.ok and result.text == "What is Mars?" and result.attempts == 2


def test_time_to_first_token_is_recorded_when_streaming() -> None:
    with FakeOpenRouter(policy="What is Mars? " * 20, latency=0.02, chunk_delay=0.005) as server:
        streamed = run_all(engine_for(server), jobs(3, stream=True))
    with FakeOpenRouter(policy="What is Mars?") as server:
        plain = run_all(engine_for(server), jobs(1, stream=False))
    for c in streamed:
        assert c.ok and c.ttft_ms is not None and c.latency_ms is not None
        assert 0 < c.ttft_ms <= c.latency_ms  # the first token came before the end
    assert plain[0].ttft_ms is None  # no stream, no first token


@pytest.mark.parametrize("status", [400, 401, 403])
def test_400_401_403_are_never_retried(status: int) -> None:
    with FakeOpenRouter(faults=first(10, Fault.http(status))) as server:
        results = run_all(engine_for(server, concurrency=1), jobs(1))
        assert len(server.chat_requests) == 1
    assert not results[0].ok and results[0].attempts == 1


def test_429_lowers_the_models_in_flight_limit_honours_retry_after_and_recovers() -> None:
    seen: list[tuple[int, int, float]] = []  # (request number, in flight when it arrived, time)
    lock = threading.Lock()

    def latency(context: RequestContext) -> float:
        with lock:
            seen.append((context.number, server.in_flight, time.monotonic()))
        return 0.1  # long enough that a slow client still keeps its whole limit in flight

    server = FakeOpenRouter(latency=latency, faults=first(8, Fault.rate_limited(retry_after=0.2)))
    with server:
        engine = engine_for(server, concurrency=8)
        results = run_all(engine, jobs(80))
    assert all(r.ok for r in results)
    limit = engine.model_limits["openai/gpt-4o-mini"]
    burst = [s for s in seen if s[0] <= 8]
    after = sorted(s for s in seen if s[0] > 8)
    assert max(n for _, n, _ in burst) == 8  # the cap was reached before the 429s
    assert limit.decreases == 1 and limit.lowest == 4  # eight 429s of one burst halve the limit once
    assert min(t for *_, t in after) - max(t for *_, t in burst) >= 0.2  # Retry-After was honoured
    assert max(n for _, n, _ in after[:8]) <= 5  # right after: at most the halved limit (+1 once recovering)
    assert limit.limit == 8 and max(n for _, n, _ in after[20:]) > 5  # and then it recovers to the cap


def test_deadline_bounds_the_attempt_timeout_and_the_retries() -> None:
    with FakeOpenRouter(faults=first(100, Fault.hang())) as server:
        engine = engine_for(server, timeout=60, retries=100, deadline=0.6)
        t0 = time.monotonic()
        [result] = run_all(engine, jobs(1))
        took = time.monotonic() - t0
    assert result.error_kind is ErrorKind.TIMEOUT and "deadline" in (result.error or "")
    assert took < 30  # not the 60 s attempt timeout: the deadline cut it short
