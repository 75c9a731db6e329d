"""Fixtures for report tests (the records themselves are built in _records.py)."""

from __future__ import annotations

import pytest
from _records import make_records

from pytest_llmbench.report.model import ReportData, build_report
from pytest_llmbench.types import ResultRecord


@pytest.fixture
def records() -> list[ResultRecord]:
    return make_records()


@pytest.fixture
def report(records: list[ResultRecord]) -> ReportData:
    return build_report(records)
