from __future__ import annotations

import asyncio
import time

from pytest_llmbench.engine.limits import AdaptiveLimit, OrderedSlots, RateLimiter


def test_waiters_are_served_lowest_order_first() -> None:
    async def scenario() -> list[int]:
        slots = OrderedSlots(1)
        await slots.acquire(0)
        served: list[int] = []

        async def waiter(order: int) -> None:
            await slots.acquire(order)
            served.append(order)
            slots.release()

        tasks = [asyncio.create_task(waiter(o)) for o in (5, 3, 9, 1)]
        await asyncio.sleep(0)  # all four are queued
        slots.release()
        await asyncio.gather(*tasks)
        return served

    assert asyncio.run(scenario()) == [1, 3, 5, 9]


def test_a_cancelled_waiter_does_not_leak_its_slot() -> None:
    async def scenario() -> int:
        slots = OrderedSlots(1)
        await slots.acquire(0)
        task = asyncio.create_task(slots.acquire(1))
        await asyncio.sleep(0)
        task.cancel()
        await asyncio.sleep(0)
        slots.release()
        await asyncio.wait_for(slots.acquire(2), 1)  # the slot went to the live waiter, not the cancelled one
        return slots.in_use

    assert asyncio.run(scenario()) == 1


def test_aimd_halves_once_per_burst_and_recovers_to_the_cap() -> None:
    limit = AdaptiveLimit(16)
    epoch = limit.epoch
    for _ in range(10):  # ten 429s from requests that all started under the same limit
        limit.on_rate_limited(epoch, None)
    assert limit.limit == 8 and limit.decreases == 1
    limit.on_rate_limited(limit.epoch, None)  # a request started after the decrease: lower again
    assert limit.limit == 4
    successes = 0
    while limit.limit < 16:
        limit.on_success()
        successes += 1
    assert successes == sum(range(4, 16))  # +1 per run of `limit` successes: additive increase
    for _ in range(100):
        limit.on_success()
    assert limit.limit == 16 and limit.lowest == 4


def test_limit_never_goes_below_one() -> None:
    limit = AdaptiveLimit(2)
    for _ in range(5):
        limit.on_rate_limited(limit.epoch, None)
    assert limit.limit == 1


def test_retry_after_pauses_new_starts_for_the_model() -> None:
    async def scenario() -> float:
        limit = AdaptiveLimit(4)
        limit.on_rate_limited(limit.epoch, 0.2)
        t0 = time.monotonic()
        await limit.acquire_started(0)
        return time.monotonic() - t0

    assert asyncio.run(scenario()) >= 0.19  # a lower bound: sleeping never ends early


def test_rate_limiter_spaces_starts() -> None:
    async def scenario() -> float:
        limiter = RateLimiter(rpm=600)  # one start per 0.1 s
        t0 = time.monotonic()
        for _ in range(4):
            await limiter.wait()
        return time.monotonic() - t0

    assert asyncio.run(scenario()) >= 0.29
