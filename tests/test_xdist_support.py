from __future__ import annotations

from pytest_llmbench._plugin.xdist import in_play, split_settings
from pytest_llmbench.config import resolve


def test_limits_are_split_evenly_and_never_sum_above_the_setting() -> None:
    settings = resolve({"concurrency": "16", "model-concurrency": "8", "rpm": "10", "max-cost": "2.0"}, environ={})
    share = split_settings(settings, 4)
    assert (share.concurrency, share.model_concurrency, share.rpm, share.max_cost) == (4, 2, 2, 0.5)
    assert split_settings(settings, 1) == settings
    odd = split_settings(resolve({"concurrency": "3", "rpm": "3"}, environ={}), 4)
    assert (odd.concurrency, odd.rpm, odd.max_cost) == (1, 1, None)  # at least one each
    unlimited = split_settings(resolve({}, environ={}), 4)
    assert (unlimited.rpm, unlimited.model_concurrency) == (0, 0)  # unlimited stays unlimited


def test_controller_opens_the_database_early_only_when_configured() -> None:
    assert not in_play(resolve({}, environ={}))
    assert in_play(resolve({"models": "sim/strong"}, environ={}))
    assert in_play(resolve({}, environ={"LLMBENCH_DB_URL": "sqlite:///x.db"}))
