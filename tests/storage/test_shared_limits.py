"""``SharedLimits``: the xdist workers' adaptive limits of one model are shares of one row in the database."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from pytest_llmbench.engine.limits import AdaptiveLimit
from pytest_llmbench.storage import Repository
from pytest_llmbench.storage.shared_limits import SharedLimits, share_of, this_worker


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    return Repository(f"sqlite:///{tmp_path / 'r.db'}")


def _workers(repo: Repository, count: int, cap: int) -> list[AdaptiveLimit]:
    """``count`` workers' limits of model m, each capped at ``cap`` (the user's concurrency / count)."""
    return [AdaptiveLimit(cap, shared=SharedLimits(repo.engine, "run:1:x", i, count).for_model("m", cap))
            for i in range(count)]


def _start(limit: AdaptiveLimit) -> int:
    epoch = asyncio.run(limit.acquire_started(0))
    limit.release()
    return epoch


def test_a_cut_one_worker_makes_holds_the_other_workers_and_recovery_is_shared(
    repo: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AdaptiveLimit, "SYNC", 0.0)  # read the row at every start (it is 0.25 s)
    try:
        one, two = _workers(repo, 2, 8)
        epochs = [_start(one), _start(two)]
        assert one.limit + two.limit == 16
        for _ in range(8):  # a 429 storm that only the first worker sees
            one.on_congestion(epochs[0], None)
        assert one.decreases == 1 and one.limit == 6  # its share of the run's 12 (16 x 3/4)
        assert two.limit == 8  # not yet read
        _start(two)
        assert two.limit == 6 and one.limit + two.limit == 12  # the run's in flight stays within the one limit
        # The second worker's own 429s, from requests it sent before it followed the cut, do not cut again.
        for _ in range(8):
            two.on_congestion(epochs[1], None)
        assert two.decreases == 0 and two.limit == 6
        # Recovery is shared too: successes anywhere raise the run's total, both shares follow.
        for _ in range(100):
            one.on_success()
        _start(two)
        assert (one.limit, two.limit) == (8, 8)
    finally:
        repo.close()


def test_a_retry_after_pause_holds_every_worker(repo: Repository, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AdaptiveLimit, "SYNC", 0.0)
    try:
        one, two = _workers(repo, 2, 4)
        _start(one), _start(two)
        for _ in range(4):  # every answer a 429 with Retry-After: 30
            one.on_congestion(one.epoch, 30.0)
        assert one.pause_until > time.monotonic() + 25
        held = asyncio.run(_times_out(two))
        assert held and two.pause_until > time.monotonic() + 25
    finally:
        repo.close()


async def _times_out(limit: AdaptiveLimit) -> bool:
    try:
        await asyncio.wait_for(limit.acquire_started(0), timeout=0.3)
    except TimeoutError:
        return True
    limit.release()
    return False


def test_the_shares_add_up_to_the_total_and_each_worker_keeps_one() -> None:
    for total in range(1, 40):
        for workers in (2, 3, 4):
            shares = [share_of(total, i, workers) for i in range(workers)]
            assert sum(shares) == total if total >= workers else shares == [1] * workers


def test_this_worker_reads_what_xdist_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw3")
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "4")
    assert this_worker() == (3, 4)
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert this_worker() is None


@pytest.mark.parametrize("make", ["limits", "budget"])
def test_a_worker_that_loses_the_race_to_create_the_table_still_joins(repo: Repository, make: str) -> None:
    # The race of two workers opening one database, made certain: just before this process's CREATE TABLE,
    # "another worker" (a second connection) creates the table, so the CREATE fails with "already exists".
    from sqlalchemy import Table, event

    from pytest_llmbench.storage import budget, shared_limits

    table: Table = shared_limits.LIMITS_TABLE if make == "limits" else budget.BUDGET_TABLE
    raced: list[bool] = []

    def other_worker_first(target: Table, connection: object, **_: object) -> None:
        if not raced:
            raced.append(True)
            with repo.engine.connect() as other, other.begin():
                target.create(other)

    event.listen(table, "before_create", other_worker_first)
    try:
        if make == "limits":
            SharedLimits(repo.engine, "run:1:x", 0, 2)
        else:
            budget.SharedBudget(repo.engine, "run:1:x", 1.0)
    finally:
        event.remove(table, "before_create", other_worker_first)
    assert raced
