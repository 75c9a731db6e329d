"""Test helpers for pytest-llmbench users: a fake OpenRouter server and the ``fake_openrouter`` fixture.

::

    from pytest_llmbench.testing import Fault, FakeOpenRouter, first

    def test_retries(fake_openrouter):
        fake_openrouter.policy = {"capital of France": "Paris"}
        fake_openrouter.faults = first(2, Fault.rate_limited(retry_after=1), model="openai/gpt-4o")
        ...  # point the provider at fake_openrouter.base_url
"""

from __future__ import annotations

# The fixture is defined with the plugin's other fixtures, so the plugin can offer it to every test without
# importing this package (and the server behind it) in runs that never use it.
from pytest_llmbench._plugin.fixtures import fake_openrouter
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

__all__ = [
    "AnswerPolicy",
    "FakeOpenRouter",
    "Fault",
    "FaultKind",
    "FaultRule",
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
