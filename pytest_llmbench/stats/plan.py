"""Planning a run before paying for it (``--llm-plan``): how many questions tell a difference apart or reach an
interval width, and what they cost.

All sample sizes are normal approximations, rounded up:

- paired (both models on the same questions, McNemar's test), Connor (1987), *Biometrics* 43:207-211:
  ``n = (z_a * sqrt(psi) + z_b * sqrt(psi - delta**2))**2 / delta**2`` with ``psi`` the discordant-pair rate
  (share of questions exactly one model gets right) and ``delta`` the accuracy difference;
- unpaired (two independent samples, two-proportion z test with pooled null variance), Fleiss, Levin & Paik,
  *Statistical Methods for Rates and Proportions* (3rd ed., 2003), eq. 4.14 without continuity correction:
  ``n = (z_a * sqrt(2 * pbar * qbar) + z_b * sqrt(p1*q1 + p2*q2))**2 / delta**2`` per model;
- interval width: the Wilson interval by default (what the summary shows), the Wald (normal) one on request;

with ``z_a`` the two-sided ``1 - alpha/2`` quantile and ``z_b`` the ``power`` quantile.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

from pytest_llmbench.stats.core import Z95

ALPHA = 0.05
POWER = 0.8
WIDTH_METHODS = ("wilson", "normal")

_NORMAL = NormalDist()


def _quantiles(alpha: float, power: float) -> tuple[float, float]:
    if not 0.0 < alpha < 1.0 or not 0.0 < power < 1.0:
        raise ValueError(f"alpha and power must be within 0 and 1, got alpha={alpha}, power={power}")
    return _NORMAL.inv_cdf(1 - alpha / 2), _NORMAL.inv_cdf(power)


def _check_delta(delta: float) -> float:
    if not 0.0 < abs(delta) <= 1.0:
        raise ValueError(f"the difference to detect must be within 0 and 1 (not 0), got {delta}")
    return abs(delta)


def _check_accuracies(*accuracies: float) -> None:
    for p in accuracies:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"accuracies must be within 0 and 1, got {p}")


def _questions(n: float) -> int:
    """A sample size rounded up (at least one question); a hair below an integer is that integer (rounding)."""
    return max(1, math.ceil(n - 1e-9))


def independent_discordant_rate(accuracy_a: float, accuracy_b: float) -> float:
    """The discordant-pair rate of two models whose errors are independent: ``pa*(1-pb) + pb*(1-pa)``.

    The default assumption of the paired plan when no earlier run of the two models is at hand. It is
    conservative: models tend to miss the same hard questions, which lowers the rate and the questions
    needed, so a measured rate (``(a_only + b_only) / pairs`` of a ``PairedComparison``) is better.
    """
    _check_accuracies(accuracy_a, accuracy_b)
    return accuracy_a * (1 - accuracy_b) + accuracy_b * (1 - accuracy_a)


def paired_questions(delta: float, discordant_rate: float, *, alpha: float = ALPHA, power: float = POWER) -> int:
    """Questions both models must answer for McNemar's test to tell an accuracy difference ``delta`` apart
    (Connor 1987). ``discordant_rate`` must be at least ``|delta|`` (a difference needs disagreements)."""
    d = _check_delta(delta)
    if not d - 1e-12 <= discordant_rate <= 1.0:  # rounding: 0.1 * 1 + 0 * 0.9 may come out below 0.1
        raise ValueError(f"the discordant-pair rate must be within |delta|={d} and 1, got {discordant_rate}")
    za, zb = _quantiles(alpha, power)
    n = (za * math.sqrt(discordant_rate) + zb * math.sqrt(max(0.0, discordant_rate - d * d))) ** 2 / (d * d)
    return _questions(n)


def unpaired_questions(accuracy_a: float, accuracy_b: float, *, alpha: float = ALPHA, power: float = POWER) -> int:
    """Questions per model for a two-proportion z test (independent samples, e.g. different question sets) to
    tell ``accuracy_a`` from ``accuracy_b`` apart (Fleiss, no continuity correction)."""
    _check_accuracies(accuracy_a, accuracy_b)
    d = _check_delta(accuracy_a - accuracy_b)
    za, zb = _quantiles(alpha, power)
    pbar = (accuracy_a + accuracy_b) / 2
    spread = accuracy_a * (1 - accuracy_a) + accuracy_b * (1 - accuracy_b)
    n = (za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(spread)) ** 2 / (d * d)
    return _questions(n)


@dataclass(frozen=True, slots=True)
class DifferencePlan:
    """Questions needed to tell ``delta`` apart around ``accuracy``: paired (the design of a run, where every
    model answers the same questions) and unpaired (the fallback when the samples differ)."""

    delta: float
    accuracy: float  # the lower model's assumed accuracy; the other is accuracy + delta
    discordant_rate: float
    discordant_assumed: bool  # True: ``independent_discordant_rate``; False: given (measured)
    alpha: float
    power: float
    paired: int
    unpaired: int  # per model


def plan_difference(
    delta: float,
    *,
    accuracy: float = 0.5,
    discordant_rate: float | None = None,
    alpha: float = ALPHA,
    power: float = POWER,
) -> DifferencePlan:
    """Both sample sizes for models of accuracies ``accuracy`` and ``accuracy + delta``.

    Without a measured ``discordant_rate`` the models' errors are taken as independent. ``accuracy`` defaults
    to 0.5, where a proportion varies most, so the default plan is an upper bound for any accuracy.
    """
    d = _check_delta(delta)
    low, high = accuracy, accuracy + d
    if not 0.0 <= low or high > 1.0:
        raise ValueError(f"accuracy {accuracy} + delta {d} must stay within 0 and 1")
    assumed = discordant_rate is None
    psi = independent_discordant_rate(low, high) if discordant_rate is None else discordant_rate
    return DifferencePlan(
        delta=d,
        accuracy=accuracy,
        discordant_rate=psi,
        discordant_assumed=assumed,
        alpha=alpha,
        power=power,
        paired=paired_questions(d, psi, alpha=alpha, power=power),
        unpaired=unpaired_questions(low, high, alpha=alpha, power=power),
    )


def wilson_half_width(accuracy: float, n: int, z: float = Z95) -> float:
    """Half the width of the Wilson interval at an observed accuracy of ``accuracy`` over ``n`` questions."""
    z2 = z * z
    return z * math.sqrt(accuracy * (1 - accuracy) / n + z2 / (4 * n * n)) / (1 + z2 / n)


def questions_for_half_width(
    half_width: float, accuracy: float = 0.5, *, method: str = "wilson", z: float = Z95
) -> int:
    """The fewest questions whose interval half-width at ``accuracy`` is at most ``half_width``.

    ``normal``: the Wald interval, ``z**2 * p*(1-p) / W**2`` (statsmodels' ``samplesize_confint_proportion``);
    ``wilson``: the Wilson interval, whose half-width falls monotonically with n, found by bisection. Wilson
    needs a few questions fewer near 0.5 and never collapses to zero width at accuracy 0 or 1 as Wald does.
    """
    if not 0.0 < half_width < 0.5 + 1e-12:
        raise ValueError(f"the half-width must be within 0 and 0.5, got {half_width}")
    if not 0.0 <= accuracy <= 1.0:
        raise ValueError(f"the accuracy must be within 0 and 1, got {accuracy}")
    if method == "normal":
        return _questions(z * z * accuracy * (1 - accuracy) / (half_width * half_width))
    if method != "wilson":
        raise ValueError(f"Unknown interval '{method}': choose one of {', '.join(WIDTH_METHODS)}.")
    low, high = 0, 1
    while wilson_half_width(accuracy, high, z) > half_width:
        low, high = high, high * 2
    while high - low > 1:  # invariant: width(low) > W >= width(high), width(0) taken as infinite
        mid = (low + high) // 2
        if wilson_half_width(accuracy, mid, z) > half_width:
            low = mid
        else:
            high = mid
    return high


@dataclass(frozen=True, slots=True)
class Prices:
    """A model's catalog prices in USD: per prompt token, per completion token, per request."""

    prompt: float
    completion: float
    request: float = 0.0


def plan_cost(questions: int, tokens: Sequence[tuple[int, int]], prices: Prices, *, repeats: int = 1) -> float:
    """USD to ask ``questions`` questions ``repeats`` times, at the mean per-item cost of ``tokens``
    (``(prompt_tokens, completion_tokens)`` estimates of the candidate items, e.g. from ``estimate``)."""
    if questions < 0 or repeats < 1:
        raise ValueError("need questions >= 0 and repeats >= 1")
    if not tokens:
        raise ValueError("no token estimates to price")
    per_item = sum(p * prices.prompt + c * prices.completion + prices.request for p, c in tokens) / len(tokens)
    return per_item * questions * repeats
