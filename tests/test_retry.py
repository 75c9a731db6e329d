from __future__ import annotations

import random
import time

from pytest_llmbench.engine.retry import GiveUp, RetryPolicy
from pytest_llmbench.errors import BadRequestError, RateLimitError, ServerError


def _policy(retries: int = 2, deadline: float = 100.0) -> RetryPolicy:
    return RetryPolicy(retries=retries, deadline=deadline, backoff_base=0.5, backoff_max=30.0, rng=random.Random(1))


def test_a_retryable_failure_waits_an_equal_jitter_backoff() -> None:
    policy = _policy()
    far = time.monotonic() + 1000
    first = policy.after(1, ServerError("503"), far)
    second = policy.after(2, ServerError("503"), far)
    assert isinstance(first, float) and 0.25 <= first <= 0.5
    assert isinstance(second, float) and 0.5 <= second <= 1.0


def test_a_final_failure_is_not_retried() -> None:
    assert _policy().after(1, BadRequestError("400 bad"), time.monotonic() + 1000) == GiveUp("400 bad")


def test_the_attempts_are_capped() -> None:
    verdict = _policy(retries=2).after(3, ServerError("503"), time.monotonic() + 1000)
    assert verdict == GiveUp("503 (gave up after 3 attempts)")


def test_the_deadline_is_kept() -> None:
    verdict = _policy(deadline=5.0).after(1, ServerError("503"), time.monotonic() + 0.1)
    assert verdict == GiveUp("503 (gave up after 1 attempts at the 5 s deadline)")


def test_retry_after_is_honoured_up_to_the_maximal_backoff() -> None:
    policy = _policy()
    wait = policy.backoff(1, RateLimitError("429", retry_after=7.0))
    assert 7.0 <= wait <= 7.5
    assert policy.backoff(1, RateLimitError("429", retry_after=600.0)) <= 30.5
