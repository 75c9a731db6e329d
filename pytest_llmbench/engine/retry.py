"""The retry policy: what is retried, how often, for how long, and how long to wait in between.

In the manner of stamina's ``retry(on=..., attempts=..., timeout=...)``: a retryable ``ProviderError`` (408,
429, 5xx, connection errors, timeouts, errors inside a 200 body or a stream) is retried at most ``retries``
times and within a total ``deadline`` that starts with the first attempt, after "equal jitter" exponential
backoff, or after ``Retry-After`` for a 429. Anything else is final. The engine asks the policy once per failed
attempt (``after``) and either waits the returned delay or gives up with the returned message.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from pytest_llmbench.errors import ProviderError, RateLimitError


@dataclass(frozen=True, slots=True)
class GiveUp:
    """The policy's answer when the item must not be tried again: the message its completion carries."""

    message: str


class RetryPolicy:
    def __init__(
        self,
        *,
        retries: int,
        deadline: float,
        backoff_base: float,
        backoff_max: float,
        rng: random.Random | None = None,
    ) -> None:
        self.retries = retries
        self.deadline = deadline
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._rng = rng or random.Random()

    def deadline_from_now(self) -> float:
        """The monotonic time by which an item's attempts must be over, counted from its first attempt."""
        return time.monotonic() + self.deadline

    def after(self, attempt: int, failure: ProviderError, deadline_at: float) -> float | GiveUp:
        """After ``attempt`` attempts, the last failing with ``failure``: seconds to wait, or why to stop."""
        if not failure.retryable:
            return GiveUp(str(failure))
        if (too_long := self.beyond_deadline(failure, deadline_at)) is not None:
            return too_long
        delay = self.backoff(attempt, failure)
        if attempt > self.retries:
            return GiveUp(f"{failure} (gave up after {attempt} attempts)")
        if time.monotonic() + delay >= deadline_at:
            return GiveUp(f"{failure} (gave up after {attempt} attempts at the {self.deadline:g} s deadline)")
        return delay

    def beyond_deadline(self, failure: ProviderError, deadline_at: float) -> GiveUp | None:
        """A ``Retry-After`` the item's deadline cannot wait out: the item ends now, as an error.

        Asked before the model is paused for the 429, so a server asking for an hour pauses nobody: waiting
        would hold the run (and every result after it) past any deadline it could still meet.
        """
        wait = failure.retry_after if isinstance(failure, RateLimitError) else None
        if wait is None or not failure.retryable:
            return None
        left = deadline_at - time.monotonic()
        if wait < left:
            return None
        return GiveUp(
            f"{failure}: the server asked to wait {wait:g} s, beyond this item's deadline of {self.deadline:g} s "
            f"({max(left, 0.0):.0f} s left); raise --llm-timeout/--llm-retries or retry later"
        )

    def backoff(self, attempt: int, failure: ProviderError) -> float:
        if isinstance(failure, RateLimitError) and failure.retry_after is not None:
            return min(max(failure.retry_after, 0.0), self.backoff_max) + self._rng.uniform(0, self.backoff_base)
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(ceiling / 2, ceiling)  # "equal jitter": never ~0, never in lockstep
