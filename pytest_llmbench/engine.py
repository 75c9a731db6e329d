"""The request engine: every model call goes through here, on one background event loop.

Pytest runs tests one after another; the engine lets the plugin hand over all selected items' requests at once
(``submit``) and have a test only wait for its own (``result``). It owns everything that is the same for every
provider: concurrency limits, requests per minute, retries with backoff and a deadline, the cost budget, the
response cache, and stopping. It imports nothing from pytest.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from pytest_llmbench.errors import (
    AuthenticationError,
    OutOfCreditsError,
    ProviderError,
    RateLimitError,
    UsageError,
)
from pytest_llmbench.providers.base import Provider
from pytest_llmbench.types import ChatRequest, Completion, ErrorKind

#: (prompt, completion) USD per token for a model, or None when unknown.
PriceLookup = Callable[[str], tuple[float, float] | None]


class ResponseCache(Protocol):
    """Where the engine keeps answers between runs (the database's ``response_cache`` table)."""

    def get_many(self, keys: Sequence[str]) -> dict[str, Completion]: ...

    def put(self, key: str, request: ChatRequest, completion: Completion) -> None: ...


def cache_key(request: ChatRequest) -> str:
    """Model + full request body (messages, parameters, provider routing) + repeat index.

    The model is inside the body, so one model's answer can never be served for another.
    """
    payload = {"body": request.body(), "stream": request.stream, "repeat": request.repeat}
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class EngineSettings:
    concurrency: int = 16
    per_model_concurrency: int | None = None  # None: the global limit only
    rpm: int = 0
    timeout: float = 60.0
    retries: int = 4
    deadline: float | None = None  # total seconds for one item, all attempts and waits included
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_cost: float | None = None
    cache_mode: str = "on"  # on, off, refresh, read-only
    completion_allowance: int = 256  # tokens reserved when a request sets no max_tokens


@dataclass(frozen=True, slots=True)
class Job:
    key: str  # unique per item (the pytest node id)
    request: ChatRequest


class Budget:
    """Reserve before sending, settle with what was billed; never start what could exceed the limit."""

    def __init__(self, limit: float | None) -> None:
        self.limit = limit
        self.spent = 0.0
        self.reserved = 0.0
        self.by_model: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, amount: float) -> bool:
        with self._lock:
            if self.limit is not None and self.spent + self.reserved + amount > self.limit + 1e-12:
                return False
            self.reserved += amount
            return True

    def settle(self, model: str, reserved: float, actual: float) -> None:
        with self._lock:
            self.reserved = max(0.0, self.reserved - reserved)
            self.spent += actual
            self.by_model[model] = self.by_model.get(model, 0.0) + actual

    @property
    def remaining(self) -> float | None:
        return None if self.limit is None else max(0.0, self.limit - self.spent)


class _RateLimiter:
    """At most ``rpm`` starts per rolling minute, spaced evenly (no bursts that invite 429s)."""

    def __init__(self, rpm: int) -> None:
        self.interval = 60.0 / rpm
        self.next_slot = 0.0
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self.lock:
            now = time.monotonic()
            slot = max(now, self.next_slot)
            self.next_slot = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class Engine:
    """Runs requests concurrently on a private event loop in a daemon thread."""

    def __init__(
        self,
        providers: Sequence[Provider],
        settings: EngineSettings = EngineSettings(),
        *,
        cache: ResponseCache | None = None,
        prices: PriceLookup | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.providers = list(providers)
        self.cache = cache if settings.cache_mode != "off" else None
        self.prices = prices or (lambda model: None)
        self.budget = Budget(settings.max_cost)
        self.stop_reason: str | None = None
        self._rng = rng or random.Random()
        self._futures: dict[str, concurrent.futures.Future[Completion]] = {}
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="llmbench-engine", daemon=True)
        self._thread.start()
        self._global = asyncio.Semaphore(settings.concurrency)
        self._per_model: dict[str, asyncio.Semaphore] = {}
        self._limiters: dict[str, _RateLimiter] = {}
        self._closed = False

    # --- public, called from the pytest thread ------------------------------------------------------

    def submit(self, jobs: Iterable[Job]) -> None:
        """Start these jobs (in order) unless already started. Returns at once."""
        fresh: list[Job] = []
        with self._lock:
            for job in jobs:
                if job.key not in self._futures:
                    self._futures[job.key] = concurrent.futures.Future()
                    fresh.append(job)
        if not fresh:
            return
        hits = self._cache_lookup([j.request for j in fresh])
        for job in fresh:
            future = self._futures[job.key]
            hit = hits.get(cache_key(job.request))
            if hit is not None:
                future.set_result(hit)
            else:
                asyncio.run_coroutine_threadsafe(self._run(job, future), self._loop)

    def result(self, job: Job) -> Completion:
        """The completion for ``job``, starting it now if it was not prefetched."""
        self.submit([job])
        return self._futures[job.key].result()

    def call(self, request: ChatRequest) -> Completion:
        """One ad-hoc call (not prefetched, still limited, retried, budgeted and cached)."""
        key = f"adhoc:{cache_key(request)}:{time.monotonic_ns()}"
        return self.result(Job(key, request))

    def stop(self, reason: str) -> None:
        """No new request starts after this; requests already sent finish."""
        if self.stop_reason is None:
            self.stop_reason = reason

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.stop(self.stop_reason or "the session ended")

        async def shutdown() -> None:
            for provider in self.providers:
                await provider.aclose()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=10)
        except (concurrent.futures.TimeoutError, RuntimeError):
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    # --- on the loop -----------------------------------------------------------------------------------

    def _cache_lookup(self, requests: Sequence[ChatRequest]) -> dict[str, Completion]:
        if self.cache is None or self.settings.cache_mode == "refresh":
            return {}
        found = self.cache.get_many([cache_key(r) for r in requests])
        return {k: replace(c, cached=True, cost_usd=0.0, cost_estimated=False) for k, c in found.items()}

    def _provider(self, model: str) -> Provider:
        for provider in self.providers:
            if provider.handles(model):
                return provider
        raise UsageError(f"No provider answers for model {model!r}.")

    def _reservation(self, request: ChatRequest) -> float:
        if self.budget.limit is None:
            return 0.0
        prices = self.prices(request.model)
        if prices is None:
            # Without a price the budget cannot be guaranteed: reserve the whole remainder, so this
            # request runs alone and is settled with its billed cost before anything else starts.
            return self.budget.remaining or 0.0
        prompt_chars = sum(len(json.dumps(m.get("content", ""))) for m in request.messages)
        # Pessimistic on purpose, so the billed cost stays under the reservation: tokenizers give ~4 chars a
        # token (we assume 3), and chat templates add a few tokens per message and per request.
        prompt_tokens = prompt_chars / 3.0 + 10 * len(request.messages) + 20
        max_tokens = request.params.get("max_tokens") or self.settings.completion_allowance
        return prices[0] * prompt_tokens + prices[1] * float(max_tokens)

    def _estimate_cost(self, completion: Completion) -> Completion:
        if completion.cost_usd is not None:
            return completion
        prices = self.prices(completion.model)
        if prices is None or completion.prompt_tokens is None:
            return completion
        cost = prices[0] * completion.prompt_tokens + prices[1] * (completion.completion_tokens or 0)
        return replace(completion, cost_usd=cost, cost_estimated=True)

    async def _run(self, job: Job, future: concurrent.futures.Future[Completion]) -> None:
        try:
            completion = await self._run_job(job.request)
        except Exception as exc:  # a bug here must reach the test, not hang it
            future.set_exception(exc)
            return
        future.set_result(completion)

    def _semaphore(self, model: str) -> asyncio.Semaphore | None:
        limit = self.settings.per_model_concurrency
        if limit is None:
            return None
        if model not in self._per_model:
            self._per_model[model] = asyncio.Semaphore(limit)
        return self._per_model[model]

    async def _run_job(self, request: ChatRequest) -> Completion:
        model = request.model
        if self.stop_reason:
            return _failed(model, ErrorKind.STOPPED, f"Not sent: {self.stop_reason}.")
        if self.settings.cache_mode == "read-only" and self.cache is not None:
            return _failed(model, ErrorKind.STOPPED, "Not sent: the cache is read-only and has no answer for it.")
        provider = self._provider(model)
        per_model = self._semaphore(model)
        async with self._global:
            if per_model is not None:
                await per_model.acquire()
            try:
                return await self._attempts(provider, request)
            finally:
                if per_model is not None:
                    per_model.release()

    async def _attempts(self, provider: Provider, request: ChatRequest) -> Completion:
        model = request.model
        s = self.settings
        started = time.monotonic()
        attempt = 0
        while True:
            if self.stop_reason:
                return _failed(model, ErrorKind.STOPPED, f"Not sent: {self.stop_reason}.", attempt)
            reserved = self._reservation(request)
            if not self.budget.reserve(reserved):
                return _failed(
                    model, ErrorKind.BUDGET,
                    f"Budget exhausted: ${self.budget.spent:.4f} of ${s.max_cost:.4f} spent, and this request "
                    f"could cost up to ${reserved:.4f}.", attempt,
                )
            if s.rpm:
                await self._limiters.setdefault(model, _RateLimiter(s.rpm)).wait()
            attempt += 1
            t0 = time.perf_counter()
            try:
                completion = await provider.complete(request, timeout=s.timeout)
            except ProviderError as exc:
                self.budget.settle(model, reserved, 0.0)
                if isinstance(exc, OutOfCreditsError):
                    self.stop(f"the OpenRouter account is out of credits (402): {exc}")
                    return _failed(model, exc.kind, str(exc), attempt)
                if isinstance(exc, AuthenticationError):
                    self.stop(f"the API key was rejected: {exc}")
                    return _failed(model, exc.kind, str(exc), attempt)
                delay = self._backoff(attempt, exc)
                elapsed = time.monotonic() - started
                out_of_time = s.deadline is not None and elapsed + delay > s.deadline
                if not exc.retryable or attempt > s.retries or out_of_time:
                    why = "" if not exc.retryable else (
                        f" (gave up after {attempt} attempts" + (" at the deadline)" if out_of_time else ")")
                    )
                    return _failed(model, exc.kind, f"{exc}{why}", attempt)
                await asyncio.sleep(delay)
                continue
            latency_ms = (time.perf_counter() - t0) * 1000
            completion = self._estimate_cost(replace(completion, latency_ms=latency_ms, attempts=attempt))
            self.budget.settle(model, reserved, completion.cost_usd or 0.0)
            if self.cache is not None and s.cache_mode in ("on", "refresh"):
                self.cache.put(cache_key(request), request, completion)
            return completion

    def _backoff(self, attempt: int, exc: ProviderError) -> float:
        s = self.settings
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            return min(max(exc.retry_after, 0.0), s.backoff_max) + self._rng.uniform(0, s.backoff_base)
        ceiling = min(s.backoff_max, s.backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(ceiling / 2, ceiling)  # "equal jitter": never ~0, never in lockstep


def _failed(model: str, kind: ErrorKind, message: str, attempts: int = 0) -> Completion:
    return Completion(model=model, error=message, error_kind=kind, attempts=attempts)
