"""``SharedBudget``: several processes' engines reserve and settle one budget row atomically."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pytest_llmbench.storage import Repository
from pytest_llmbench.storage.budget import SharedBudget


def test_reservations_from_many_holders_never_pass_the_limit(tmp_path: Path) -> None:
    repo = Repository(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        holders = [SharedBudget(repo.engine, "run:1:x", 1.0) for _ in range(4)]  # four workers, one row
        granted: list[float] = []
        lock = threading.Lock()

        def worker(budget: SharedBudget) -> None:
            for _ in range(30):
                if budget.reserve(0.1):
                    with lock:
                        granted.append(0.1)

        threads = [threading.Thread(target=worker, args=(b,)) for b in holders]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(granted) == pytest.approx(1.0)  # exactly ten reservations of 0.1 fit, whoever asked
        holders[0].settle("m", 0.1, 0.02)  # billed less than reserved: room for more
        assert holders[1].spent == pytest.approx(0.02) and holders[2].reserve(0.08)
        assert not holders[3].reserve(0.01)
        assert holders[3].could_ever_fit(0.5) and not holders[3].could_ever_fit(0.99)
        assert SharedBudget(repo.engine, "run:2:y", 5.0).remaining == 5.0  # another run: its own row
    finally:
        repo.close()


def test_shards_join_one_generation_of_their_benchmark_and_a_rerun_starts_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_llmbench.storage import budget

    repo = Repository(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        bench = budget.shard_benchmark(2, "d", 42, 50, "lenient", ["m"], 1.0)
        assert bench != budget.shard_benchmark(2, "d", 42, 50, "lenient", ["m"], 2.0)  # another budget
        first = budget.join_shard_pool(repo.engine, bench, 1, "session-a")
        assert budget.join_shard_pool(repo.engine, bench, 1, "session-a") == first  # its other xdist workers
        assert budget.join_shard_pool(repo.engine, bench, 2, "session-b") == first  # the other shard
        rerun = budget.join_shard_pool(repo.engine, bench, 1, "session-c")  # shard 1 again: the benchmark reruns
        assert rerun != first and budget.join_shard_pool(repo.engine, bench, 2, "session-d") == rerun
        monkeypatch.setattr(budget, "SHARD_GENERATION_HOURS", 0.0)  # that generation began too long ago
        assert budget.join_shard_pool(repo.engine, bench, 2, "session-e") not in (first, rerun)
    finally:
        repo.close()
