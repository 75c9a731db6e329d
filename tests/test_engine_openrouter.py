"""The engine with the real OpenRouter provider against the fake server: real HTTP, real faults."""

from __future__ import annotations

import threading
import time

import pytest

from pytest_llmbench.engine.core import Engine, EngineSettings, Job
from pytest_llmbench.providers.openrouter import OpenRouterProvider
from pytest_llmbench.testing import FakeOpenRouter, Fault, RequestContext, first, first_ask_fails, over_in_flight
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
    arrivals: dict[str, list[tuple[int, float]]] = {}  # prompt -> (request number, time) of each attempt
    lock = threading.Lock()

    def latency(context: RequestContext) -> float:
        with lock:
            now = time.monotonic()
            seen.append((context.number, server.in_flight, now))
            arrivals.setdefault(context.prompt, []).append((context.number, now))
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
    assert limit.decreases == 1 and limit.lowest == 6  # eight 429s of one burst cut the limit once, to 3/4
    # Retry-After was honoured: each refused request came back no sooner than the 0.2 s it was asked to wait.
    # (New requests may start meanwhile: the model is paused only once it refuses everything, see limits.py.)
    retried = [times for times in arrivals.values() if times[0][0] <= 8]
    assert len(retried) == 8 and all(len(times) == 2 for times in retried)
    assert min(times[1][1] - times[0][1] for times in retried) >= 0.2
    assert max(n for _, n, _ in after[:6]) <= 7  # right after: at most the lowered limit (+1 once recovering)
    assert limit.limit == 8 and max(n for _, n, _ in after[20:]) > 5  # and then it recovers to the cap


def test_deadline_bounds_the_attempt_timeout_and_the_retries() -> None:
    with FakeOpenRouter(faults=first(100, Fault.hang())) as server:
        engine = engine_for(server, timeout=60, retries=100, deadline=0.6)
        t0 = time.monotonic()
        [result] = run_all(engine, jobs(1))
        took = time.monotonic() - t0
    assert result.error_kind is ErrorKind.TIMEOUT and "deadline" in (result.error or "")
    assert took < 30  # not the 60 s attempt timeout: the deadline cut it short


def test_streams_reset_over_k_in_flight_lower_the_limit_and_every_item_finishes() -> None:
    # A server with 4 slots that breaks every stream beyond them, as llama.cpp's does with its defaults.
    server = FakeOpenRouter(latency=0.05, faults=over_in_flight(4))
    with server:
        engine = engine_for(server, concurrency=12, retries=8)
        results = run_all(engine, jobs(200))
    assert all(r.ok for r in results)
    traffic = engine.traffic()["openai/gpt-4o-mini"]
    assert traffic.resets > 0 and traffic.rate_limited == 0
    assert traffic.decreases >= 1 and traffic.lowest_limit <= 6  # the resets were read as congestion
    assert traffic.retries == traffic.attempts - 200 == traffic.resets


def test_transient_first_attempt_faults_do_not_collapse_the_limit() -> None:
    # Every question fails once: a third 429 with Retry-After 1, a third 503, a third an error in a 200 body.
    faults = first_ask_fails(Fault.rate_limited(retry_after=1), Fault.http(503), Fault.error_in_body(502))
    with FakeOpenRouter(latency=0.02, faults=faults) as server:
        engine = engine_for(server, concurrency=8, backoff_max=2.0)  # so that Retry-After: 1 is waited whole
        results = run_all(engine, jobs(48))
        assert len(server.chat_requests) == 96
    assert all(r.ok and r.attempts == 2 for r in results)
    traffic = engine.traffic()["openai/gpt-4o-mini"]
    assert (traffic.attempts, traffic.retries, traffic.rate_limited, traffic.resets) == (96, 48, 16, 0)
    assert traffic.lowest_limit >= 6 and traffic.model_limit == 8  # at most one gentle cut, then back to the cap
    assert traffic.waited_s >= 16 * 1.0  # each 429's retry waited its Retry-After


def test_one_models_pause_never_holds_another_models_requests() -> None:
    order: list[str] = []

    def latency(context: RequestContext) -> float:
        order.append(context.model)
        return 0.01

    faults = first(4, Fault.rate_limited(retry_after=1), model="slow/model")
    with FakeOpenRouter(latency=latency, faults=faults) as server:
        engine = engine_for(server, concurrency=4)
        slow = jobs(4, model="slow/model")
        calm = [Job(f"c{j.key}", ChatRequest("calm/model", j.request.messages)) for j in jobs(20)]
        engine.submit(slow)
        engine.submit(calm)
        results = [engine.result(j) for j in slow + calm]
        engine.close()
    assert all(r.ok for r in results)
    assert engine.model_limits["slow/model"].pause_until > 0  # it refused everything: its requests paused
    retries_at = [i for i, m in enumerate(order) if m == "slow/model"][4]
    assert order[:retries_at].count("calm/model") == 20  # all of the other model's went while it was paused
