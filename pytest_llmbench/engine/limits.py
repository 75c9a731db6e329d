"""The engine's flow control, on its event loop: ordered slots, the per-model adaptive limit, requests per minute.

Waiters are served in job order (the order pytest will ask for results), not in arrival order: results then
arrive roughly when pytest needs them, and a retried job, having an early position, goes ahead of the
thousands submitted after it instead of queueing behind them.

The per-model limit is AIMD, as TCP does with its window. Congestion is a 429, a connection reset or a stream
broken mid-way (servers such as llama.cpp's interrupt streams when too many are open). It cuts the model's
in-flight limit to 3/4, at most once per cooldown window (a round trip, or the Retry-After) and once per burst
(signals from requests sent before the last cut do not count again), and only when congestion is at least 40%
of the answers since the last cut: a provider that fails a steady third of requests at any load is retried,
not slowed to a crawl. Half a limit of successes adds one, up to the cap, so a cut is undone within a few
round trips. A model whose every recent answer is a 429 also holds its new requests for ``Retry-After``. Each
model's limit is its own: a paused or throttled model never holds another model's requests.

Under xdist the workers' limits of one model are shares of one (``LimitShare``, ``storage.shared_limits``):
a cut, a recovery step or a pause decided by one worker applies to all, so a 429 storm seen by one slows
every worker, and the run's in flight stays within the one limit.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SharedState:
    """One model's limit over every process of the run."""

    total: int  # in-flight requests allowed, summed over the processes
    epoch: int  # bumped by every cut, whoever made it
    pause_until: float  # ``time.time()`` before which no process starts a request of the model
    cap: int = 0  # the most ``total`` may grow to


class LimitShare(Protocol):
    """One model's limit as shared by the processes of a run. ``None`` states: the share could not be read
    (the process keeps its own limit meanwhile)."""

    def local(self, total: int) -> int: ...

    def read(self) -> SharedState | None: ...

    def cut(self, seen_epoch: int, factor: float) -> tuple[SharedState | None, bool]: ...

    def grow(self) -> SharedState | None: ...

    def pause(self, seconds: float) -> None: ...


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
    """A model's in-flight limit: cut to 3/4 on congestion (at most once per cooldown window: a round trip, or
    the Retry-After), +1 per half a limit of successes, at most ``cap``; it keeps the model's ``Traffic``."""

    CUT = 0.75
    #: Congestion signals must be at least this share of the answers since the last cut to cut again: a
    #: provider failing a steady fraction of requests whatever the load (flaky, not full; a third in the issue's
    #: reproduction) is retried, not slowed down. A full one refuses most of what exceeds its capacity.
    SHARE = 0.4

    #: Seconds between two reads of a shared limit: what another process decided applies here within this.
    SYNC = 0.25

    def __init__(self, cap: int, *, cooldown: float = 0.0, shared: LimitShare | None = None) -> None:
        super().__init__(cap)
        self.shared = shared
        self._shared_epoch = 0  # the shared epoch this process has followed
        self._shared_room = True  # the shared total is below its cap (this process's share may be at its own)
        self._synced_at = float("-inf")  # time.monotonic() of the last read
        self.cap = self.limit
        self.cooldown = cooldown  # the shortest window; it is at least a round trip (``rtt``) and the Retry-After
        self.rtt = 0.0  # smoothed seconds per attempt, answered or failed
        self.epoch = 0  # bumped by every decrease; a request remembers the epoch it started in
        self.pause_until = 0.0  # time.monotonic() before which no new request for this model starts
        self.decreases = 0
        self.lowest = self.limit
        self.traffic = Traffic()
        self._successes = 0
        self._calm_until = 0.0  # no decrease before this time
        self._answered = 0  # answers (of any kind) since the last decrease
        self._congested = 0  # of them, congestion signals
        self._refused_in_a_row = 0  # congestion signals since the last success

    async def acquire_started(self, order: int) -> int:
        """Wait out a Retry-After pause, take a slot, and return the epoch to pass to ``on_congestion``."""
        while True:
            if self.shared is not None and time.monotonic() >= self._synced_at + self.SYNC:
                self._follow(self.shared.read())
            delay = self.pause_until - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
                continue
            await self.acquire(order)
            if self.pause_until <= time.monotonic():
                return self.epoch
            self.release()  # a 429 paused the model while we waited for the slot

    def observe(self, seconds: float) -> None:
        """An attempt took ``seconds``: the cooldown window follows the round trip, as TCP's does."""
        self.rtt = seconds if not self.rtt else 0.8 * self.rtt + 0.2 * seconds

    def on_success(self) -> None:
        self._answered += 1
        self._refused_in_a_row = 0
        self._successes += 1
        # +1 per half a limit of successes: about two per round trip, so a cut is undone within seconds.
        below_cap = self._shared_room if self.shared is not None else self.limit < self.cap
        if below_cap and self._successes >= max(1, self.limit // 2):
            self._successes = 0
            if self.shared is not None:
                self._follow(self.shared.grow())  # one more for the run; this process's share may not change
                return
            self.limit += 1
            self._wake()

    def on_failure(self) -> None:
        """An answer that is a failure but no sign of load (a 5xx, an error in the body): counts as an answer."""
        self._answered += 1
        self._refused_in_a_row = 0

    def on_congestion(self, started_epoch: int, retry_after: float | None, *, rate_limited: bool = True) -> bool:
        """A 429, or a reset or broken stream: maybe lower the limit (returns whether it did)."""
        now = time.monotonic()
        if rate_limited:
            self.traffic.rate_limited += 1
        else:
            self.traffic.resets += 1
        self._answered += 1
        self._congested += 1
        self._refused_in_a_row += 1
        self._successes = 0
        # Retry-After holds the model's new requests only when it refuses everything (half a limit of refusals
        # and no success in between); a refused request always waits its own Retry-After before its retry.
        if retry_after is not None and retry_after > 0 and self._refused_in_a_row >= max(2, self.limit // 2):
            until = now + retry_after
            if until > self.pause_until:
                self._hold(until, now)
                if self.shared is not None:
                    self.shared.pause(retry_after)
        if started_epoch != self.epoch or now < self._calm_until:
            return False  # sent under the old, higher limit, or within the cooldown: that signal was answered
        if self._answered < max(2, min(8, self.limit // 2)) or self._congested < self.SHARE * self._answered:
            return False  # too few answers to judge, or a steady trickle of faults rather than a full provider
        if self.shared is not None:
            state, cut = self.shared.cut(self._shared_epoch, self.CUT)
            if state is not None:
                self.decreases += cut  # not cut: another process cut first, and this one follows it
                self._follow(state, calm=max(self.cooldown, self.rtt, retry_after or 0.0))
                return cut
        self.epoch += 1
        self.decreases += 1
        self.limit = max(1, int(self.limit * self.CUT))
        self.lowest = min(self.lowest, self.limit)
        self._calm_until = now + max(self.cooldown, self.rtt, retry_after or 0.0)
        self._answered = self._congested = 0
        return True

    def _hold(self, until: float, now: float) -> None:
        self.traffic.paused_s += until - max(now, self.pause_until)
        self.pause_until = until

    def _follow(self, state: SharedState | None, calm: float = 0.0) -> None:
        """Apply the run's shared limit: this process's share of the total, a cut made anywhere (requests
        sent before it do not count again, and no new cut within the cooldown), and a pause."""
        now = time.monotonic()
        self._synced_at = now
        if state is None or self.shared is None:
            return
        if state.epoch != self._shared_epoch:
            self._shared_epoch = state.epoch
            self.epoch += 1
            self._calm_until = max(self._calm_until, now + max(calm, self.cooldown, self.rtt))
            self._answered = self._congested = 0
        self._shared_room = state.total < state.cap
        pause = now + (state.pause_until - time.time())
        if pause > self.pause_until:
            self._hold(pause, now)
        self.limit = max(1, min(self.cap, self.shared.local(state.total)))
        self.lowest = min(self.lowest, self.limit)
        self._wake()


@dataclass
class Traffic:
    """What the engine did for one model beyond asking once per item: what the summary and progress show."""

    attempts: int = 0  # requests sent
    retries: int = 0  # attempts after an item's first
    rate_limited: int = 0  # 429s
    resets: int = 0  # connections reset, streams broken or malformed mid-way (counted as congestion too)
    waited_s: float = 0.0  # seconds items spent waiting to be retried (backoff and Retry-After)
    paused_s: float = 0.0  # seconds new requests were held by a Retry-After pause of the whole model


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
