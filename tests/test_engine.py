from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from pytest_llmbench.engine.core import Engine, EngineSettings, Job, cache_key
from pytest_llmbench.engine.costs import Budget, per_token_prices
from pytest_llmbench.errors import (
    AuthenticationError,
    BadRequestError,
    OutOfCreditsError,
    ProviderError,
    RateLimitError,
    ServerError,
)
from pytest_llmbench.types import ChatRequest, Completion, ErrorKind


class ScriptedProvider:
    """Answers through a script: a callable (request, attempt number) -> Completion or raises."""

    name = "scripted"
    simulated = False

    def __init__(self, script: Callable[[ChatRequest, int], Completion], delay: float = 0.0) -> None:
        self.script = script
        self.delay = delay
        self.calls: list[ChatRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.timeouts: list[float] = []
        self.by_model: dict[str, int] = {}
        self.max_by_model: dict[str, int] = {}
        self._lock = threading.Lock()

    def handles(self, model: str) -> bool:
        return True

    async def complete(self, request: ChatRequest, *, timeout: float) -> Completion:
        with self._lock:
            self.timeouts.append(timeout)
            self.by_model[request.model] = self.by_model.get(request.model, 0) + 1
            self.max_by_model[request.model] = max(self.max_by_model.get(request.model, 0),
                                                   self.by_model[request.model])
            self.calls.append(request)
            attempt = sum(1 for c in self.calls if c == request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return self.script(request, attempt)
        finally:
            with self._lock:
                self.in_flight -= 1
                self.by_model[request.model] -= 1

    async def aclose(self) -> None:
        return None


def req(i: int = 0, model: str = "m/a", **params: object) -> ChatRequest:
    return ChatRequest(model=model, messages=({"role": "user", "content": f"q{i}"},), params=params)


def ok(request: ChatRequest, attempt: int) -> Completion:
    return Completion(model=request.model, text="fine", prompt_tokens=10, completion_tokens=2, cost_usd=0.001)


FAST = dict(backoff_base=0.001, backoff_max=0.01)


def make(provider: ScriptedProvider, **settings: object) -> Engine:
    return Engine([provider], EngineSettings(**{**FAST, **settings}))  # type: ignore[arg-type]


def test_concurrency_limit_is_respected_and_all_finish() -> None:
    provider = ScriptedProvider(ok, delay=0.02)
    engine = make(provider, concurrency=4)
    jobs = [Job(str(i), req(i)) for i in range(20)]
    engine.submit(jobs)
    results = [engine.result(j) for j in jobs]
    engine.close()
    assert all(r.ok for r in results)
    assert provider.max_in_flight == 4
    assert len(provider.calls) == 20


def test_retries_stop_at_the_bound() -> None:
    def always_502(request: ChatRequest, attempt: int) -> Completion:
        raise ServerError("Provider returned error (502)", status=502)

    provider = ScriptedProvider(always_502)
    engine = make(provider, retries=2)
    result = engine.result(Job("a", req()))
    engine.close()
    assert result.error_kind is ErrorKind.SERVER
    assert result.attempts == 3 and len(provider.calls) == 3
    assert "gave up after 3 attempts" in (result.error or "")


def test_retries_stop_at_the_deadline() -> None:
    def always_503(request: ChatRequest, attempt: int) -> Completion:
        raise ServerError("busy", status=503)

    provider = ScriptedProvider(always_503)
    engine = Engine([provider], EngineSettings(retries=100, deadline=0.3, backoff_base=0.1, backoff_max=0.1))
    result = engine.result(Job("a", req()))
    engine.close()
    assert result.error_kind is ErrorKind.SERVER
    assert "deadline" in (result.error or "")
    assert 2 <= len(provider.calls) < 10


def test_transient_error_then_success_is_retried() -> None:
    def flaky(request: ChatRequest, attempt: int) -> Completion:
        if attempt < 3:
            raise RateLimitError("slow down", retry_after=0.01)
        return ok(request, attempt)

    provider = ScriptedProvider(flaky)
    engine = make(provider)
    result = engine.result(Job("a", req()))
    engine.close()
    assert result.ok and result.attempts == 3


@pytest.mark.parametrize("exc", [BadRequestError("no such model", status=400), ProviderError("odd")])
def test_non_retryable_errors_are_not_retried(exc: ProviderError) -> None:
    def fail(request: ChatRequest, attempt: int) -> Completion:
        raise exc

    provider = ScriptedProvider(fail)
    engine = make(provider)
    result = engine.result(Job("a", req()))
    engine.close()
    assert not result.ok and len(provider.calls) == 1


@pytest.mark.parametrize(
    ("exc", "kind"),
    [(OutOfCreditsError("out of credits", status=402), ErrorKind.CREDITS),
     (AuthenticationError("bad key", status=401), ErrorKind.AUTH)],
)
def test_402_and_401_stop_every_new_request(exc: ProviderError, kind: ErrorKind) -> None:
    def fail(request: ChatRequest, attempt: int) -> Completion:
        raise exc

    provider = ScriptedProvider(fail)
    engine = make(provider, concurrency=1)
    jobs = [Job(str(i), req(i)) for i in range(10)]
    engine.submit(jobs)
    results = [engine.result(j) for j in jobs]
    engine.close()
    assert results[0].error_kind is kind
    assert len(provider.calls) == 1
    assert all(r.error_kind is ErrorKind.STOPPED for r in results[1:])
    assert engine.stop_reason is not None


def test_budget_is_never_exceeded_under_concurrency() -> None:
    price = (1e-4, 1e-4)  # per token

    def billed(request: ChatRequest, attempt: int) -> Completion:
        return Completion(model=request.model, text="x", prompt_tokens=20, completion_tokens=10,
                          cost_usd=30 * 1e-4)

    provider = ScriptedProvider(billed, delay=0.01)
    engine = Engine([provider], EngineSettings(concurrency=16, max_cost=0.05, **FAST),  # type: ignore[arg-type]
                    costs=per_token_prices({"m/a": price}))
    jobs = [Job(str(i), req(i, max_tokens=10)) for i in range(100)]
    engine.submit(jobs)
    results = [engine.result(j) for j in jobs]
    engine.close()
    spent = sum(r.cost_usd or 0 for r in results if r.ok)
    assert spent <= 0.05
    assert engine.budget.spent == pytest.approx(spent)
    skipped = [r for r in results if r.error_kind is ErrorKind.BUDGET]
    assert skipped and "Budget exhausted" in (skipped[0].error or "")
    assert len([r for r in results if r.ok]) >= 10


def test_budget_reserve_and_settle() -> None:
    b = Budget(1.0)
    assert b.reserve(0.6) and not b.reserve(0.5)
    b.settle("m", 0.6, 0.2)
    assert b.reserve(0.5) and b.spent == pytest.approx(0.2) and b.by_model == {"m": 0.2}


def test_estimated_cost_when_not_billed() -> None:
    def unbilled(request: ChatRequest, attempt: int) -> Completion:
        return Completion(model=request.model, text="x", prompt_tokens=100, completion_tokens=50)

    engine = Engine([ScriptedProvider(unbilled)], EngineSettings(**FAST),  # type: ignore[arg-type]
                    costs=per_token_prices({"m/a": (1e-6, 2e-6)}))
    result = engine.result(Job("a", req()))
    engine.close()
    assert result.cost_usd == pytest.approx(100e-6 + 100e-6) and result.cost_estimated


def test_stop_prevents_new_requests() -> None:
    provider = ScriptedProvider(ok, delay=0.05)
    engine = make(provider, concurrency=1)
    jobs = [Job(str(i), req(i)) for i in range(10)]
    engine.submit(jobs)
    first = engine.result(jobs[0])
    engine.stop("the session is stopping")
    rest = [engine.result(j) for j in jobs[1:]]
    engine.close()
    assert first.ok
    assert len(provider.calls) <= 3
    assert sum(r.error_kind is ErrorKind.STOPPED for r in rest) >= 7


class MemoryCache:
    def __init__(self) -> None:
        self.data: dict[str, Completion] = {}

    def get_many(self, keys: list[str]) -> dict[str, Completion]:
        return {k: self.data[k] for k in keys if k in self.data}

    def put(self, key: str, request: ChatRequest, completion: Completion) -> None:
        self.data[key] = completion


def test_cache_hits_are_marked_and_keep_their_numbers() -> None:
    cache = MemoryCache()
    provider = ScriptedProvider(ok)
    engine = Engine([provider], EngineSettings(**FAST), cache=cache)  # type: ignore[arg-type]
    first = engine.result(Job("a", req()))
    engine.close()
    engine2 = Engine([provider], EngineSettings(**FAST), cache=cache)  # type: ignore[arg-type]
    second = engine2.result(Job("a", req()))
    engine2.close()
    assert not first.cached and second.cached
    # The original cost, tokens and latency are kept; ``cached`` says this run was billed nothing for it.
    assert second.cost_usd == first.cost_usd == 0.001 and second.text == first.text
    assert (second.prompt_tokens, second.completion_tokens) == (first.prompt_tokens, first.completion_tokens)
    assert second.latency_ms == first.latency_ms  # the original latency is kept
    assert len(provider.calls) == 1


def test_cache_key_separates_models_params_and_repeats() -> None:
    base = req()
    assert cache_key(base) == cache_key(req())
    assert cache_key(base) != cache_key(req(model="m/b"))
    assert cache_key(base) != cache_key(req(temperature=0.5))
    assert cache_key(base) != cache_key(ChatRequest(base.model, base.messages, base.params, repeat=1))
    assert cache_key(base) != cache_key(ChatRequest(base.model, base.messages, {"provider": {"order": ["X"]}}))


def test_default_deadline_covers_every_attempt_and_one_maximal_backoff() -> None:
    assert EngineSettings(timeout=10, retries=2, backoff_max=5).total_deadline == 35
    assert EngineSettings(deadline=3).total_deadline == 3


def test_each_attempt_timeout_is_cut_to_what_is_left_of_the_deadline() -> None:
    def always_503(request: ChatRequest, attempt: int) -> Completion:
        raise ServerError("busy", status=503)

    provider = ScriptedProvider(always_503, delay=0.05)
    engine = Engine([provider], EngineSettings(timeout=60, retries=10, deadline=0.5, backoff_base=0.05,
                                               backoff_max=0.05))
    engine.result(Job("a", req()))
    engine.close()
    assert all(t <= 0.5 for t in provider.timeouts)
    assert provider.timeouts == sorted(provider.timeouts, reverse=True)  # shrinking as the deadline nears


def test_per_model_limit_caps_each_model_under_the_global_one() -> None:
    provider = ScriptedProvider(ok, delay=0.02)
    engine = make(provider, concurrency=6, per_model_concurrency=2)
    jobs = [Job(str(i), req(i, model=f"m/{i % 3}")) for i in range(30)]
    engine.submit(jobs)
    assert all(engine.result(j).ok for j in jobs)
    engine.close()
    assert max(provider.max_by_model.values()) == 2 and provider.max_in_flight == 6


def test_a_429_lowers_only_that_models_limit() -> None:
    def throttled(request: ChatRequest, attempt: int) -> Completion:
        if request.model == "m/busy" and attempt == 1:
            raise RateLimitError("slow down", retry_after=0)
        return ok(request, attempt)

    engine = make(ScriptedProvider(throttled, delay=0.01), concurrency=8)
    jobs = [Job(str(i), req(i, model="m/busy" if i % 2 else "m/calm")) for i in range(16)]
    engine.submit(jobs)
    assert all(engine.result(j).ok for j in jobs)
    engine.close()
    assert engine.model_limits["m/busy"].decreases >= 1
    assert engine.model_limits["m/calm"].decreases == 0


def test_budget_waits_for_reservations_to_settle_instead_of_skipping() -> None:
    # Each request reserves 0.01 (1,000 completion tokens at 1e-5) but is billed 0.001: with a 0.025 budget
    # only two fit by reservation at once, yet after settling many more do.
    def cheap(request: ChatRequest, attempt: int) -> Completion:
        return Completion(model=request.model, text="x", prompt_tokens=1, completion_tokens=1, cost_usd=0.001)

    provider = ScriptedProvider(cheap, delay=0.01)
    engine = Engine([provider], EngineSettings(concurrency=8, max_cost=0.025, **FAST),  # type: ignore[arg-type]
                    costs=lambda model, p, c: 1e-5 * c)
    jobs = [Job(str(i), req(i, max_tokens=1000)) for i in range(30)]
    engine.submit(jobs)
    results = [engine.result(j) for j in jobs]
    engine.close()
    answered = [r for r in results if r.ok]
    # Until spent + one reservation would pass the budget: 0.015 + 0.01 still fits, 0.016 + 0.01 does not.
    assert len(answered) == 16
    assert engine.budget.spent == pytest.approx(0.016) and engine.budget.spent <= 0.025
    assert provider.max_in_flight <= 2
    assert all(r.error_kind is ErrorKind.BUDGET for r in results if not r.ok)


def test_without_a_price_the_first_request_runs_alone_and_its_bill_sets_the_reservations() -> None:
    provider = ScriptedProvider(ok, delay=0.01)
    engine = Engine([provider], EngineSettings(concurrency=8, max_cost=0.0035, **FAST))  # type: ignore[arg-type]
    jobs = [Job(str(i), req(i)) for i in range(10)]
    engine.submit(jobs)
    results = [engine.result(j) for j in jobs]
    engine.close()
    assert provider.max_in_flight == 1
    # 0.001 billed each, then 0.002 reserved each (twice the dearest bill): after the second, 0.002 + 0.002
    # would pass 0.0035. The budget is never passed (it used to be: four ran one at a time, to 0.004).
    assert sum(r.ok for r in results) == 2 and engine.budget.spent <= 0.0035
    assert all(r.error_kind is ErrorKind.BUDGET for r in results if not r.ok)


def test_time_to_first_token_from_the_provider_is_kept() -> None:
    def streamed(request: ChatRequest, attempt: int) -> Completion:
        return Completion(model=request.model, text="x", ttft_ms=12.5, latency_ms=99.0)

    engine = make(ScriptedProvider(streamed, delay=0.01))
    result = engine.result(Job("a", req()))
    engine.close()
    assert result.ttft_ms == 12.5
    assert result.latency_ms is not None and result.latency_ms >= 10  # measured by the engine


def test_a_budget_without_a_price_runs_the_first_request_alone_then_reserves_from_the_bills() -> None:
    provider = ScriptedProvider(ok, delay=0.02)  # bills $0.001 per answer; the estimator knows no price
    engine = make(provider, concurrency=8, max_cost=1.0)
    jobs = [Job(str(i), req(i)) for i in range(40)]
    engine.submit(jobs)
    assert all(engine.result(j).ok for j in jobs)
    engine.close()
    assert provider.max_in_flight > 1  # not one at a time for the whole run
    assert engine.budget.spent == pytest.approx(0.04)
    [note] = engine.unpriced.notes()
    assert "m/a" in note and "no catalog price" in note and "twice its dearest bill" in note


def test_a_budget_that_can_price_nothing_says_so_naming_the_model() -> None:
    def unbilled(request: ChatRequest, attempt: int) -> Completion:
        return Completion(model=request.model, text="fine")  # no usage, no cost: a self-hosted server

    provider = ScriptedProvider(unbilled, delay=0.02)
    engine = make(provider, concurrency=8, max_cost=1.0)
    jobs = [Job(str(i), req(i)) for i in range(40)]
    engine.submit(jobs)
    assert all(engine.result(j).ok for j in jobs)
    engine.close()
    assert provider.max_in_flight > 1
    [note] = engine.unpriced.notes()
    assert note.startswith("budget: --llm-max-cost cannot price m/a") and "did not limit it" in note
