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


def test_congestion_cuts_to_three_quarters_once_per_burst_and_recovers_to_the_cap() -> None:
    limit = AdaptiveLimit(16, cooldown=0.0)
    epoch = limit.epoch
    for _ in range(10):  # ten 429s from requests that all started under the same limit
        limit.on_congestion(epoch, None)
    assert limit.limit == 12 and limit.decreases == 1
    for _ in range(4):  # requests started after the decrease, refused again: lower again
        limit.on_congestion(limit.epoch, None)
    assert limit.limit == 9 and limit.decreases == 2
    successes = 0
    while limit.limit < 16:
        limit.on_success()
        successes += 1
    assert successes == sum(n // 2 for n in range(9, 16))  # +1 per half a limit of successes
    for _ in range(100):
        limit.on_success()
    assert limit.limit == 16 and limit.lowest == 9
    assert limit.traffic.rate_limited == 14


def test_at_most_one_decrease_per_cooldown_window() -> None:
    limit = AdaptiveLimit(16, cooldown=60.0)  # a long round trip, say
    for _ in range(3):
        for _ in range(8):
            limit.on_congestion(limit.epoch, None)
    assert limit.decreases == 1 and limit.limit == 12


def test_a_steady_trickle_of_faults_does_not_lower_the_limit() -> None:
    # One answer in six a 429 whatever the load: a flaky provider, not a full one.
    limit = AdaptiveLimit(16, cooldown=0.0)
    for _ in range(50):
        for _ in range(5):
            limit.on_success()
        limit.on_congestion(limit.epoch, None)
    assert limit.decreases == 0 and limit.limit == 16


def test_resets_count_as_congestion() -> None:
    limit = AdaptiveLimit(8, cooldown=0.0)
    for _ in range(4):
        limit.on_congestion(limit.epoch, None, rate_limited=False)
    assert limit.limit == 6 and limit.traffic.resets == 4 and limit.traffic.rate_limited == 0


def test_limit_never_goes_below_one() -> None:
    limit = AdaptiveLimit(2, cooldown=0.0)
    for _ in range(5):
        limit.on_congestion(limit.epoch, None)
    assert limit.limit == 1


def test_retry_after_pauses_new_starts_for_a_model_that_refuses_everything() -> None:
    async def scenario() -> float:
        limit = AdaptiveLimit(4)
        limit.on_congestion(limit.epoch, 0.2)
        limit.on_congestion(limit.epoch, 0.2)  # two refusals, no success between
        t0 = time.monotonic()
        await limit.acquire_started(0)
        return time.monotonic() - t0

    assert asyncio.run(scenario()) >= 0.19  # a lower bound: sleeping never ends early


def test_a_single_429_among_successes_pauses_nothing() -> None:
    limit = AdaptiveLimit(4)
    limit.on_success()
    limit.on_congestion(limit.epoch, 5.0)
    assert limit.pause_until == 0.0


def test_rate_limiter_spaces_starts() -> None:
    async def scenario() -> float:
        limiter = RateLimiter(rpm=600)  # one start per 0.1 s
        t0 = time.monotonic()
        for _ in range(4):
            await limiter.wait()
        return time.monotonic() - t0

    assert asyncio.run(scenario()) >= 0.29
