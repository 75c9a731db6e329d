"""The engine's flow control, on its event loop: ordered slots, the per-model adaptive limit, requests per minute.

Waiters are served in job order (the order pytest will ask for results), not in arrival order: results then
arrive roughly when pytest needs them, and a retried job, having an early position, goes ahead of the
thousands submitted after it instead of queueing behind them.

The per-model limit is AIMD, as TCP does with its window: a 429 halves the model's in-flight limit (once per
burst: 429s from requests that started before the last decrease do not lower it again) and pauses new
starts for the model until ``Retry-After`` has passed; a run of successes as long as the current limit adds
one, up to the cap. A throttled model then settles just under what the provider accepts, and recovers.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time


class OrderedSlots:
    """At most ``limit`` holders at once; waiters get a slot lowest ``order`` first."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.in_use = 0
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._tie = itertools.count()

    @property
    def waiting(self) -> int:
        return sum(1 for *_, future in self._waiters if not future.done())

    async def acquire(self, order: int) -> None:
        if self.in_use < self.limit and not self._waiters:
            self.in_use += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (order, next(self._tie), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # the slot was handed over just as we were cancelled: give it back
            raise

    def release(self) -> None:
        self.in_use -= 1
        self._wake()

    def _wake(self) -> None:
        while self.in_use < self.limit and self._waiters:
            _, _, future = heapq.heappop(self._waiters)
            if future.done():  # cancelled while waiting
                continue
            self.in_use += 1
            future.set_result(None)


class AdaptiveLimit(OrderedSlots):
    """A model's in-flight limit: halved on a 429, +1 after ``limit`` successes in a row, at most ``cap``."""

    def __init__(self, cap: int) -> None:
        super().__init__(cap)
        self.cap = self.limit
        self.epoch = 0  # bumped by every decrease; a request remembers the epoch it started in
        self.pause_until = 0.0  # time.monotonic() before which no new request for this model starts
        self.decreases = 0
        self.lowest = self.limit
        self._successes = 0

    async def acquire_started(self, order: int) -> int:
        """Wait out a Retry-After pause, take a slot, and return the epoch to pass to ``on_rate_limited``."""
        while True:
            delay = self.pause_until - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
                continue
            await self.acquire(order)
            if self.pause_until <= time.monotonic():
                return self.epoch
            self.release()  # a 429 paused the model while we waited for the slot

    def on_success(self) -> None:
        self._successes += 1
        if self.limit < self.cap and self._successes >= self.limit:
            self.limit += 1
            self._successes = 0
            self._wake()

    def on_rate_limited(self, started_epoch: int, retry_after: float | None) -> None:
        if retry_after is not None and retry_after > 0:
            self.pause_until = max(self.pause_until, time.monotonic() + retry_after)
        self._successes = 0
        if started_epoch != self.epoch:
            return  # this request was sent under the old, higher limit: that burst was answered already
        self.epoch += 1
        self.decreases += 1
        self.limit = max(1, self.limit // 2)
        self.lowest = min(self.lowest, self.limit)


class RateLimiter:
    """At most ``rpm`` starts per rolling minute, spaced evenly (no bursts that invite 429s)."""

    def __init__(self, rpm: int) -> None:
        self.interval = 60.0 / rpm
        self.next_slot = 0.0

    async def wait(self) -> None:
        # The loop runs one coroutine at a time, so reading and advancing next_slot needs no lock.
        now = time.monotonic()
        slot = max(now, self.next_slot)
        self.next_slot = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)
