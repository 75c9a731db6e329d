"""Stash keys shared by the plugin's hooks and fixtures."""

from __future__ import annotations

import pytest

from pytest_llmbench.session import BenchSession, ItemState
from pytest_llmbench.summary import RunSummary

SESSION_KEY = pytest.StashKey[BenchSession]()
STATE_KEY = pytest.StashKey[ItemState]()
SUMMARY_KEY = pytest.StashKey[RunSummary]()
ESTIMATE_KEY = pytest.StashKey[str]()
