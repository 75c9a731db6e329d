"""Stash keys shared by the plugin's hooks and fixtures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    # Types only: this module is imported by every pytest run that has the plugin installed, and the session
    # and summary modules are loaded when a run uses the plugin, not before.
    from pytest_llmbench._run.items import ItemState
    from pytest_llmbench._run.session import BenchSession
    from pytest_llmbench.outcome.summary import RunSummary

SESSION_KEY: pytest.StashKey[BenchSession] = pytest.StashKey()
STATE_KEY: pytest.StashKey[ItemState] = pytest.StashKey()
SUMMARY_KEY: pytest.StashKey[RunSummary] = pytest.StashKey()
ESTIMATE_KEY: pytest.StashKey[str] = pytest.StashKey()
PLAN_KEY: pytest.StashKey[str] = pytest.StashKey()
