"""The request engine: every model call goes through here, on one background event loop.

Pytest runs tests one after another; the engine lets the plugin hand over all selected items' requests at once
(``submit``) and have a test only wait for its own (``result``). It owns everything that is the same for every
provider: concurrency limits (global, and per model adapting to 429s, see ``limits``), requests per minute,
retries with backoff and a deadline, the cost budget, the response cache, and stopping. It imports nothing
from pytest.

Retries (``retry.RetryPolicy``): 408/429/5xx, connection errors, timeouts and errors inside a 200 body or a
stream (the provider raises a retryable ``ProviderError`` for each) are retried with "equal jitter" exponential
backoff, or after ``Retry-After`` for a 429, at most ``retries`` times and within the item's total ``deadline``;
the default deadline is ``timeout x (retries + 1) + backoff_max``: every attempt may use its whole timeout and the
waits between them together may take one maximal backoff. 400/401/403/402 are never retried; 401/403 (the
key) and 402 (credits) stop every new request of the session.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import importlib.util
import json
import random
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from pytest_llmbench.engine.costs import (
    UPPER_BOUND,
    Budget,
    BudgetLike,
    CostEstimator,
    UnpricedModels,
    count_prompt_tokens,
)
from pytest_llmbench.engine.limits import AdaptiveLimit, LimitShare, OrderedSlots, RateLimiter
from pytest_llmbench.engine.retry import GiveUp, RetryPolicy
from pytest_llmbench.engine.traffic import ModelTraffic
from pytest_llmbench.errors import (
    AuthenticationError,
    BadResponse,
    ConnectionFailed,
    OutOfCreditsError,
    ProviderError,
    RateLimitError,
    UsageError,
)
from pytest_llmbench.providers.base import Provider
from pytest_llmbench.types import ChatRequest, Completion, ErrorKind


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
    per_model_concurrency: int | None = None  # cap of each model's adaptive limit; None: ``concurrency``
    rpm: int = 0
    timeout: float = 60.0
    retries: int = 4
    deadline: float | None = None  # total seconds for one item's attempts and waits; None: see the docstring
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_cost: float | None = None
    cache_mode: str = "on"  # on, off, refresh, read-only
    completion_allowance: int = 256  # tokens reserved when a request sets no max_tokens

    @property
    def total_deadline(self) -> float:
        if self.deadline is not None:
            return self.deadline
        return self.timeout * (self.retries + 1) + self.backoff_max

    @property
    def model_cap(self) -> int:
        return max(1, self.per_model_concurrency or self.concurrency)


@dataclass(frozen=True, slots=True)
class Job:
    key: str  # unique per item (the pytest node id)
    request: ChatRequest


#: Failures that say the provider has too much of our traffic: they lower the model's in-flight limit. A reset
#: or a stream broken mid-way is how servers without 429s (llama.cpp's, some proxies) refuse more work.
CONGESTION = (RateLimitError, ConnectionFailed, BadResponse)


def spare_httpcore_the_sniffio_search() -> None:
    """httpcore runs ``import sniffio`` on every request; when sniffio is not installed, each of those
    searches all of ``sys.path`` (a fifth of the engine thread's CPU at concurrency 64). Recording the
    absence once (``None`` in ``sys.modules``, the documented "not importable" marker) makes it fail at once.
    """
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


class Engine:
    """Runs requests concurrently on a private event loop in a daemon thread."""

    def __init__(
        self,
        providers: Sequence[Provider],
        settings: EngineSettings = EngineSettings(),
        *,
        cache: ResponseCache | None = None,
        costs: CostEstimator | None = None,
        rng: random.Random | None = None,
        budget: BudgetLike | None = None,
        shared_limits: Callable[[str, int], LimitShare] | None = None,
    ) -> None:
        spare_httpcore_the_sniffio_search()
        self.settings = settings
        self.providers = list(providers)
        self.cache = cache if settings.cache_mode != "off" else None
        self.costs: CostEstimator = costs or (lambda model, prompt, completion: None)
        # ``budget``: one shared with other processes (xdist workers), else this process's own.
        self.budget: BudgetLike = budget if budget is not None else Budget(settings.max_cost)
        # ``shared_limits(model, cap)``: the model's limit shared with other processes (xdist workers), if any.
        self.shared_limits = shared_limits
        self.unpriced = UnpricedModels()
        self.stop_reason: str | None = None
        self.model_stops: dict[str, str] = {}  # model -> why none of its requests is sent any more
        self.retry = RetryPolicy(retries=settings.retries, deadline=settings.total_deadline,
                                 backoff_base=settings.backoff_base, backoff_max=settings.backoff_max, rng=rng)
        # A job is in exactly one: answered at submit (cache hits, no Future needed) or sent to the loop.
        self._done: dict[str, Completion] = {}
        self._futures: dict[str, concurrent.futures.Future[Completion]] = {}
        self._submitted = 0
        self._places: dict[str, int] = {}  # job key -> its place in line, for ``submit(beside=...)``
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="llmbench-engine", daemon=True)
        self._thread.start()
        self._global = OrderedSlots(settings.concurrency)
        self.model_limits: dict[str, AdaptiveLimit] = {}
        self._rate: dict[str, RateLimiter] = {}
        self._budget_changed = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    # --- public, called from the pytest thread ------------------------------------------------------

    def submit(self, jobs: Iterable[Job], *, beside: str | None = None) -> None:
        """Start these jobs (in order) unless already started. Returns at once.

        ``beside``: the key of a job submitted earlier whose place in line these take (a judge's requests go
        where their answer was, since pytest needs both at that item's turn), not a place after every job so far.
        """
        with self._lock:
            fresh: dict[str, Job] = {}
            for job in jobs:
                if job.key not in self._done and job.key not in self._futures:
                    fresh.setdefault(job.key, job)
            if not fresh:
                return
            keys = [cache_key(j.request) for j in fresh.values()]
            hits = self._cache_lookup(keys)
            to_run: list[tuple[Job, int, concurrent.futures.Future[Completion]]] = []
            place = self._places.get(beside) if beside is not None else None
            for job, key in zip(fresh.values(), keys, strict=True):
                order = self._places[job.key] = self._submitted if place is None else place
                self._submitted += 1  # the job's place in line (see _limits.OrderedSlots)
                hit = hits.get(key)
                if hit is not None:
                    self._done[job.key] = hit
                else:
                    future: concurrent.futures.Future[Completion] = concurrent.futures.Future()
                    self._futures[job.key] = future
                    to_run.append((job, order, future))
        if to_run:
            # One wake-up of the loop for the whole batch, not one per job.
            self._loop.call_soon_threadsafe(self._spawn, to_run)

    def result(self, job: Job) -> Completion:
        """The completion for ``job``, starting it now if it was not prefetched."""
        done = self._done.get(job.key)
        if done is not None:
            return done
        future = self._futures.get(job.key)
        if future is None:
            self.submit([job])
            return self.result(job)
        return future.result()

    def fetched(self) -> dict[str, Completion]:
        """Job key -> each answer the provider sent so far (not the cache's, not the failures): paid for, so
        the session keeps those no test used for a resume (``storage/spool.py``)."""
        with self._lock:
            futures = list(self._futures.items())
        return {key: answer for key, future in futures
                if future.done() and not future.cancelled() and future.exception() is None
                and (answer := future.result()).ok and not answer.cached}

    def when_done(self, job: Job, callback: Callable[[Completion], None]) -> None:
        """Call ``callback`` with ``job``'s completion as soon as it arrives (now, if it is there already).

        The callback runs on the engine's loop thread: it must only hand the completion on (the judge stage
        queues it), never block. The job is started if it was not submitted.
        """
        done = self._done.get(job.key)
        if done is not None:
            callback(done)
            return
        future = self._futures.get(job.key)
        if future is None:
            self.submit([job])
            self.when_done(job, callback)
            return
        future.add_done_callback(lambda f: None if f.exception() is not None else callback(f.result()))

    def call(self, request: ChatRequest) -> Completion:
        """One ad-hoc call (not prefetched, still limited, retried, budgeted and cached)."""
        key = f"adhoc:{cache_key(request)}:{time.monotonic_ns()}"
        return self.result(Job(key, request))

    def stop(self, reason: str) -> None:
        """No new request starts after this; requests already sent finish."""
        if self.stop_reason is None:
            self.stop_reason = reason
            if not self._closed:
                self._loop.call_soon_threadsafe(self._budget_changed.set)

    def stop_model(self, model: str, reason: str) -> None:
        """No new request of ``model`` starts after this (``--llm-target-ci``); requests already sent finish."""
        self.model_stops.setdefault(model, reason)

    def close(self) -> None:
        if self._closed:
            return
        self.stop(self.stop_reason or "the session ended")
        self._closed = True

        async def shutdown() -> None:
            # Jobs still queued see the stop and finish at once; give them a moment so their tests get
            # "stopped" rather than a future that never resolves.
            if self._tasks:
                await asyncio.wait(list(self._tasks), timeout=2)
            for provider in self.providers:
                await provider.aclose()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=10)
        except (concurrent.futures.TimeoutError, RuntimeError):
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    # --- on the loop -----------------------------------------------------------------------------------

    def _spawn(self, batch: list[tuple[Job, int, concurrent.futures.Future[Completion]]]) -> None:
        for job, order, future in batch:
            task = self._loop.create_task(self._run(job, order, future))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _cache_lookup(self, keys: Sequence[str]) -> dict[str, Completion]:
        if self.cache is None or self.settings.cache_mode == "refresh":
            return {}
        found = self.cache.get_many(keys)
        # A hit keeps the original call's latency, tokens and cost: ``cached`` says this run was billed nothing.
        return {k: replace(c, cached=True) for k, c in found.items()}

    def _provider(self, model: str) -> Provider:
        for provider in self.providers:
            if provider.handles(model):
                return provider
        raise UsageError(f"No provider answers for model {model!r}.")

    def _model_limit(self, model: str) -> AdaptiveLimit:
        limit = self.model_limits.get(model)
        if limit is None:
            cap = self.settings.model_cap
            shared = self.shared_limits(model, cap) if self.shared_limits is not None else None
            limit = self.model_limits[model] = AdaptiveLimit(cap, shared=shared)
        return limit

    def traffic(self) -> dict[str, ModelTraffic]:
        """Per model: attempts, retries, 429s, resets, seconds waited, and the adaptive limit now and lowest.

        Read from another thread (the progress display, the summary): a snapshot of plain numbers.
        """
        return {model: ModelTraffic.of(limit) for model, limit in list(self.model_limits.items())}

    def _reservation(self, request: ChatRequest) -> float | None:
        """The most this request can cost (USD), or None when no price is known."""
        prompt_tokens = count_prompt_tokens(request.messages, UPPER_BOUND)
        max_tokens = request.params.get("max_tokens") or request.params.get("max_completion_tokens")
        estimate = self.costs(request.model, prompt_tokens, int(max_tokens or self.settings.completion_allowance))
        return estimate if estimate is not None else self.unpriced.reservation(request.model)

    def _estimate_cost(self, completion: Completion) -> Completion:
        if completion.cost_usd is not None or completion.prompt_tokens is None:
            return completion
        cost = self.costs(completion.model, completion.prompt_tokens, completion.completion_tokens or 0)
        return completion if cost is None else replace(completion, cost_usd=cost, cost_estimated=True)

    async def _run(self, job: Job, order: int, future: concurrent.futures.Future[Completion]) -> None:
        try:
            completion = await self._attempts(job.request, order)
        except Exception as exc:  # a bug here must reach the test, not hang it
            future.set_exception(exc)
            return
        future.set_result(completion)

    async def _reserve(self, request: ChatRequest) -> float | str:
        """Reserve the request's cost: the amount, or the reason it can never fit the budget."""
        if self.budget.limit is None:
            return 0.0
        while True:
            # Nothing known about the model's cost yet (see UnpricedModels): reserve the whole remainder, so
            # this request runs alone and is settled with its billed cost before anything else starts. Asked
            # again after each wait: the first bill may have taught the model's cost meanwhile.
            estimate = self._reservation(request)
            amount = estimate if estimate is not None else (self.budget.remaining or 0.0)
            if self.stop_reason:
                return f"Not sent: {self.stop_reason}."
            if not self.budget.could_ever_fit(amount) or (estimate is None and amount <= 0):
                return (
                    f"Budget exhausted: ${self.budget.spent:.4f} of ${self.budget.limit:.4f} spent, and this "
                    f"request could cost up to ${amount:.4f}."
                )
            if self.budget.reserve(amount):
                return amount
            # Requests in flight hold reservations; once they settle (usually below what they reserved)
            # this one may fit.
            self._budget_changed.clear()
            poll = getattr(self.budget, "poll", None)  # a shared budget is settled by other processes too
            try:
                await asyncio.wait_for(self._budget_changed.wait(), timeout=poll)
            except TimeoutError:
                pass

    def _settle(self, model: str, reserved: float, actual: float) -> None:
        self.budget.settle(model, reserved, actual)
        self._budget_changed.set()

    async def _attempts(self, request: ChatRequest, order: int) -> Completion:
        """Attempts of one request until an answer, a final failure, or the retry policy gives up."""
        model = request.model
        if self.stop_reason:
            return _failed(model, ErrorKind.STOPPED, f"Not sent: {self.stop_reason}.", 0)
        if self.settings.cache_mode == "read-only" and self.cache is not None:
            return _failed(model, ErrorKind.STOPPED, "Not sent: the cache is read-only and has no answer for it.")
        provider = self._provider(model)
        limit = self._model_limit(model)
        deadline: float | None = None  # the clock starts with the first attempt
        attempt = 0
        while True:
            epoch = await limit.acquire_started(order)
            try:
                if deadline is None:
                    deadline = self.retry.deadline_from_now()
                answer = await self._attempt(request, order, provider, limit, attempt, deadline)
            finally:
                limit.release()
            if isinstance(answer, Completion):
                return answer
            failure, attempt = answer
            if (too_long := self.retry.beyond_deadline(failure, deadline)) is not None:
                return _failed(model, failure.kind, too_long.message, attempt)  # before it pauses the model
            # The slots are free again while we wait: a failing item does not hold back the others.
            if isinstance(failure, CONGESTION) and failure.retryable:
                retry_after = failure.retry_after if isinstance(failure, RateLimitError) else None
                limit.on_congestion(epoch, retry_after, rate_limited=isinstance(failure, RateLimitError))
            else:
                limit.on_failure()
            session_ending = isinstance(failure, OutOfCreditsError | AuthenticationError)
            if isinstance(failure, OutOfCreditsError):
                self.stop(f"the OpenRouter account is out of credits (402): {failure}")
            elif isinstance(failure, AuthenticationError):
                self.stop(f"the API key was rejected: {failure}")
            verdict = GiveUp(str(failure)) if session_ending else self.retry.after(attempt, failure, deadline)
            if isinstance(verdict, GiveUp):
                return _failed(model, failure.kind, verdict.message, attempt)
            limit.traffic.waited_s += verdict
            await asyncio.sleep(verdict)

    async def _attempt(
        self, request: ChatRequest, order: int, provider: Provider, limit: AdaptiveLimit, attempt: int, deadline: float
    ) -> Completion | tuple[ProviderError, int]:
        """One attempt in the global slots: the completion (or why it was not sent), or the failure and count."""
        model = request.model
        s = self.settings
        if s.rpm:
            await self._rate.setdefault(model, RateLimiter(s.rpm)).wait()
        await self._global.acquire(order)
        try:
            if self.stop_reason:
                return _failed(model, ErrorKind.STOPPED, f"Not sent: {self.stop_reason}.", attempt)
            if model in self.model_stops:
                return _failed(model, ErrorKind.STOPPED, self.model_stops[model], attempt)
            reserved = await self._reserve(request)
            if isinstance(reserved, str):
                kind = ErrorKind.STOPPED if reserved.startswith("Not sent") else ErrorKind.BUDGET
                return _failed(model, kind, reserved, attempt)
            now = time.monotonic()
            attempt += 1
            limit.traffic.attempts += 1
            limit.traffic.retries += attempt > 1
            t0 = time.perf_counter()
            try:
                completion = await provider.complete(request, timeout=min(s.timeout, deadline - now))
            except ProviderError as exc:
                limit.observe(time.perf_counter() - t0)
                self._settle(model, reserved, 0.0)
                return exc, attempt
            latency_ms = (time.perf_counter() - t0) * 1000
            limit.observe(latency_ms / 1000)
            if self.budget.limit is not None and self.unpriced.tracks(model):
                self.unpriced.observe(model, completion.cost_usd)
            completion = self._estimate_cost(replace(completion, latency_ms=latency_ms, attempts=attempt))
            self._settle(model, reserved, completion.cost_usd or 0.0)
            limit.on_success()
            if self.cache is not None and s.cache_mode in ("on", "refresh"):
                self.cache.put(cache_key(request), request, completion)
            return completion
        finally:
            self._global.release()


def _failed(model: str, kind: ErrorKind, message: str, attempts: int = 0) -> Completion:
    return Completion(model=model, error=message, error_kind=kind, attempts=attempts)
