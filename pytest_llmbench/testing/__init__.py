"""Test helpers for pytest-llmbench users: a fake OpenRouter server and the ``fake_openrouter`` fixture.

::

    from pytest_llmbench.testing import Fault, FakeOpenRouter, first

    def test_retries(fake_openrouter):
        fake_openrouter.policy = {"capital of France": "Paris"}
        fake_openrouter.faults = first(2, Fault.rate_limited(retry_after=1), model="openai/gpt-4o")
        ...  # point the provider at fake_openrouter.base_url
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pytest_llmbench.testing._judge import JudgeVerdicts
from pytest_llmbench.testing._script import (
    AnswerPolicy,
    Fault,
    FaultKind,
    FaultRule,
    Reply,
    RequestContext,
    answer_from,
    echo,
    every,
    first,
    first_ask_fails,
    fixed,
    for_model,
    on_requests,
    over_in_flight,
)
from pytest_llmbench.testing._server import FakeOpenRouter, RecordedRequest


# The plugin offers the same fixture to every test (``_plugin/fixtures.py``) without importing this package in
# runs that never use it; this one is for a conftest that imports it by name.
@pytest.fixture
def fake_openrouter() -> Iterator[FakeOpenRouter]:
    """A running ``FakeOpenRouter`` (no latency, echo answers, no faults); configure it through attributes."""
    with FakeOpenRouter() as server:
        yield server

__all__ = [
    "AnswerPolicy",
    "FakeOpenRouter",
    "Fault",
    "FaultKind",
    "FaultRule",
    "JudgeVerdicts",
    "RecordedRequest",
    "Reply",
    "RequestContext",
    "answer_from",
    "echo",
    "every",
    "fake_openrouter",
    "first",
    "first_ask_fails",
    "fixed",
    "for_model",
    "on_requests",
    "over_in_flight",
]
