"""An anytime-valid confidence sequence for an accuracy, so that a run may stop asking a model as soon as the
interval is narrow enough (``--llm-target-ci=W``) without invalidating the interval.

The sequence is the predictable plug-in empirical-Bernstein confidence sequence (PrPl-EB) of Waudby-Smith &
Ramdas, "Estimating means of bounded random variables by betting", *JRSS-B* 86(1), 2024 (arXiv:2010.09686),
Theorem 2 (the PrPl-EB sequence of its Section 3), for outcomes in [0, 1] with mean ``m``:

    C_t = sum(l_i x_i) / sum(l_i)  +-  (log(2/alpha) + sum(v_i psi(l_i))) / sum(l_i)
    v_i = 4 (x_i - mu_{i-1})**2,   psi(l) = (-log(1 - l) - l) / 4
    l_i = min(c, sqrt(2 log(2/alpha) / (s2_{i-1} i log(1 + i))))
    mu_t = (1/2 + sum x) / (t + 1),   s2_t = (1/4 + sum (x_i - mu_i)**2) / (t + 1)

with ``c = 1/2``. Theorem 2 holds for any *predictable* bets ``l_i`` in (0, 1), so ``horizon=h`` may replace
``i log(1 + i)`` by a fixed ``h`` (as the paper tunes its fixed-sample-size intervals): the sequence is then
tightest around ``h`` outcomes and stays valid at every n. ``target_horizon`` picks ``h`` for a target
half-width, which about halves the outcomes needed to reach it at accuracy 0.5
(``benchmarks/target_ci_coverage.py`` measures it).

With probability at least ``1 - alpha`` *every* ``C_t`` contains ``m`` at once, so the interval at a
data-dependent stopping time is valid; the running intersection (kept here) is too. It adapts to the
variance, so a model near 0 or 1 stops much sooner than one near 0.5, and it costs O(1) per outcome; the
betting ("hedged capital") sequence of the same paper is somewhat tighter but needs a grid search per step.

Validity needs each outcome's mean given the earlier ones to be ``m``: feed the outcomes in the run's question
order (a seeded shuffle), not in the order answers arrive, which may depend on correctness.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

ALPHA = 0.05
_CAP = 0.5  # ``c``: the largest bet


class ConfidenceSequence:
    """The PrPl-EB confidence sequence, fed one outcome (``True``/``False`` or a score in [0, 1]) at a time."""

    def __init__(self, alpha: float = ALPHA, *, horizon: int | None = None) -> None:
        if not 0.0 < alpha < 1.0:
            raise ValueError(f"alpha must be within 0 and 1, got {alpha}")
        if horizon is not None and horizon < 1:
            raise ValueError(f"the horizon must be a positive number of outcomes, got {horizon}")
        self.alpha = alpha
        self.horizon = horizon
        self._log_term = math.log(2 / alpha)
        self.n = 0
        self._sum = 0.0  # sum of x
        self._squares = 0.0  # sum of (x_i - mu_i)**2
        self._weights = 0.0  # sum of l_i
        self._weighted = 0.0  # sum of l_i x_i
        self._penalty = 0.0  # sum of v_i psi(l_i)
        self.low = 0.0
        self.high = 1.0

    def update(self, outcome: bool | float) -> None:
        x = float(outcome)
        if not 0.0 <= x <= 1.0:
            raise ValueError(f"outcomes must be within 0 and 1, got {outcome}")
        t = self.n + 1
        mu_prev = (0.5 + self._sum) / t
        var_prev = (0.25 + self._squares) / t
        spread = t * math.log(1 + t) if self.horizon is None else self.horizon
        bet = min(_CAP, math.sqrt(2 * self._log_term / (var_prev * spread)))
        self._weights += bet
        self._weighted += bet * x
        self._penalty += (x - mu_prev) ** 2 * (-math.log1p(-bet) - bet)  # v_i psi(l_i): the 4s cancel
        self._sum += x
        self._squares += (x - (0.5 + self._sum) / (t + 1)) ** 2
        self.n = t
        centre = self._weighted / self._weights
        margin = (self._log_term + self._penalty) / self._weights
        self.low = max(self.low, centre - margin)
        self.high = min(self.high, centre + margin)
        if self.low > self.high:  # an empty intersection can only be a miss (probability <= alpha)
            self.low = self.high = (self.low + self.high) / 2

    def extend(self, outcomes: Iterable[bool | float]) -> None:
        for outcome in outcomes:
            self.update(outcome)

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    @property
    def mean(self) -> float | None:
        """The plain sample mean of the outcomes so far (the accuracy the summary reports)."""
        return self._sum / self.n if self.n else None


@dataclass(frozen=True, slots=True)
class StopPoint:
    """Where a model may stop: after ``n`` outcomes, the sequence's interval ``[low, high]`` has a half-width at
    most the target. ``accuracy`` is the sample mean of those ``n``."""

    n: int
    accuracy: float
    low: float
    high: float


def target_horizon(half_width: float, alpha: float = ALPHA) -> int:
    """The ``horizon`` to tune the sequence for a target half-width: twice the outcomes a fixed-n normal interval
    needs at accuracy 0.5, ``2 * z**2 / (4 W**2)`` (769 for W = 0.05). Fixed before any outcome is seen, so
    the sequence stays valid; twice, because the anytime-valid interval is wider than a fixed-n one."""
    if not 0.0 < half_width <= 0.5:
        raise ValueError(f"the target half-width must be within 0 and 0.5, got {half_width}")
    z = NormalDist().inv_cdf(1 - alpha / 2)
    return math.ceil(2 * z * z / (4 * half_width * half_width))


def confidence_sequence(
    outcomes: Iterable[bool | float], alpha: float = ALPHA, *, horizon: int | None = None
) -> list[tuple[float, float]]:
    """The interval after each outcome."""
    cs = ConfidenceSequence(alpha, horizon=horizon)
    out = []
    for outcome in outcomes:
        cs.update(outcome)
        out.append((cs.low, cs.high))
    return out


def stopping_point(
    outcomes: Iterable[bool | float], half_width: float, alpha: float = ALPHA, *, horizon: int | None = None
) -> StopPoint | None:
    """The first n at which the half-width is at most ``half_width``; None if the outcomes run out first.

    ``--llm-target-ci=W`` should use ``horizon=target_horizon(W, alpha)``."""
    if not 0.0 < half_width:
        raise ValueError(f"the target half-width must be positive, got {half_width}")
    cs = ConfidenceSequence(alpha, horizon=horizon)
    for outcome in outcomes:
        cs.update(outcome)
        if cs.half_width <= half_width:
            assert cs.mean is not None
            return StopPoint(cs.n, cs.mean, cs.low, cs.high)
    return None


@dataclass(frozen=True, slots=True)
class TargetReport:
    """Where one model stopped under ``--llm-target-ci``: of ``planned`` items, ``fed`` graded outcomes reached
    the sequence (in plan order), and the half-width first reached the target after ``stop.n`` of them (None:
    never). ``low``/``high`` is the interval over all ``fed`` outcomes, valid like every interval of the
    sequence; ``saved`` is the share of planned items never asked."""

    planned: int
    asked: int
    fed: int
    stop: StopPoint | None
    accuracy: float | None
    low: float
    high: float

    @property
    def saved(self) -> float:
        return 1 - self.asked / self.planned if self.planned else 0.0


class TargetTracker:
    """One model's ``--llm-target-ci=W`` bookkeeping: answers arrive in any order (concurrent requests), but
    reach the confidence sequence in the order the items were planned, so the order cannot depend on the
    answers (fast answers may well be right more often). An item without a grade (an error or a skip) is
    passed over: the sequence then assumes such items miss at random.
    """

    def __init__(
        self, order: Sequence[Hashable], half_width: float, alpha: float = ALPHA, *, horizon: int | None = None
    ) -> None:
        if not 0.0 < half_width:
            raise ValueError(f"the target half-width must be positive, got {half_width}")
        self._position = {item: i for i, item in enumerate(order)}
        if len(self._position) != len(order):
            raise ValueError("the planned items must be distinct")
        self.half_width = half_width
        self._sequence = ConfidenceSequence(
            alpha, horizon=target_horizon(half_width, alpha) if horizon is None else horizon
        )
        self._pending: dict[int, bool | None] = {}
        self._next = 0  # position of the next item the sequence waits for
        self.asked = 0
        self.stop: StopPoint | None = None

    @property
    def stopped(self) -> bool:
        """Whether the target was reached: ask this model nothing more (items in flight may still finish)."""
        return self.stop is not None

    def record(self, item: Hashable, correct: bool | None) -> bool:
        """An answered (or failed) planned item; returns ``stopped``."""
        position = self._position.get(item)
        if position is None:
            raise ValueError(f"{item!r} is not a planned item")
        if position < self._next or position in self._pending:
            raise ValueError(f"{item!r} was recorded already")
        self.asked += 1
        self._pending[position] = correct
        cs = self._sequence
        while self._next in self._pending:
            outcome = self._pending.pop(self._next)
            self._next += 1
            if outcome is None:
                continue
            cs.update(outcome)
            if self.stop is None and cs.half_width <= self.half_width:
                assert cs.mean is not None
                self.stop = StopPoint(cs.n, cs.mean, cs.low, cs.high)
        return self.stopped

    def report(self) -> TargetReport:
        cs = self._sequence
        return TargetReport(len(self._position), self.asked, cs.n, self.stop, cs.mean, cs.low, cs.high)
