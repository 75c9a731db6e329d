"""The confidence sequence against a vectorised transcription of Waudby-Smith & Ramdas' formulas (numpy), and
its time-uniform coverage by simulation, with a fixed-n interval as the control that must fail it."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from pytest_llmbench.stats.core import wilson_interval
from pytest_llmbench.stats.sequential import (
    ConfidenceSequence,
    TargetTracker,
    confidence_sequence,
    stopping_point,
    target_horizon,
)

np = pytest.importorskip("numpy")


def _reference(x: list[float], alpha: float, horizon: int | None) -> tuple[Any, Any]:
    """PrPl-EB (WSR 2024, Theorem 2) written from the paper with cumulative sums, then the running intersection."""
    x_arr = np.asarray(x, dtype=float)
    t = np.arange(1, len(x_arr) + 1)
    mu = (0.5 + np.cumsum(x_arr)) / (t + 1)  # mu_t
    s2 = (0.25 + np.cumsum((x_arr - mu) ** 2)) / (t + 1)  # sigma^2_t
    mu_prev = np.concatenate(([0.5], mu[:-1]))
    s2_prev = np.concatenate(([0.25], s2[:-1]))
    spread = t * np.log(1 + t) if horizon is None else np.full(len(t), float(horizon))
    lam = np.minimum(0.5, np.sqrt(2 * math.log(2 / alpha) / (s2_prev * spread)))
    v = 4 * (x_arr - mu_prev) ** 2
    psi = (-np.log(1 - lam) - lam) / 4
    centre = np.cumsum(lam * x_arr) / np.cumsum(lam)
    margin = (math.log(2 / alpha) + np.cumsum(v * psi)) / np.cumsum(lam)
    low = np.maximum.accumulate(np.maximum(0.0, centre - margin))
    high = np.minimum.accumulate(np.minimum(1.0, centre + margin))
    return low, high


@pytest.mark.parametrize("horizon", [None, 300])
@pytest.mark.parametrize(("p", "alpha"), [(0.5, 0.05), (0.85, 0.05), (0.2, 0.1)])
def test_matches_the_formulas(p: float, alpha: float, horizon: int | None) -> None:
    rng = random.Random(int(p * 100))
    x = [float(rng.random() < p) for _ in range(800)]
    ours = confidence_sequence(x, alpha, horizon=horizon)
    low, high = _reference(x, alpha, horizon)
    assert [lo for lo, _ in ours] == pytest.approx(list(low), abs=1e-12)
    assert [hi for _, hi in ours] == pytest.approx(list(high), abs=1e-12)


def _ever_misses(p: float, steps: int, seed: int, horizon: int | None) -> bool:
    rng = random.Random(seed)
    cs = ConfidenceSequence(0.05, horizon=horizon)
    for _ in range(steps):
        cs.update(rng.random() < p)
        if not cs.low <= p <= cs.high:
            return True
    return False


def _wilson_ever_misses(p: float, steps: int, seed: int) -> bool:
    rng = random.Random(seed)
    k = 0
    for n in range(1, steps + 1):
        k += rng.random() < p
        low, high = wilson_interval(k, n)
        if n >= 20 and not low <= p <= high:
            return True
    return False


@pytest.mark.parametrize("horizon", [None, 769])
@pytest.mark.parametrize("p", [0.5, 0.9])
def test_time_uniform_coverage(p: float, horizon: int | None) -> None:
    # The guarantee: with probability >= 95% the truth is inside at *every* n, not just at a fixed one.
    runs = 200
    misses = sum(_ever_misses(p, 1000, seed, horizon) for seed in range(runs))
    assert misses / runs <= 0.05


def test_a_fixed_n_interval_fails_the_same_check() -> None:
    # The control: looking at the Wilson interval after every answer and stopping when it excludes the truth
    # misses far more often than 5%, which is why --llm-target-ci needs the sequence.
    runs = 200
    misses = sum(_wilson_ever_misses(0.5, 1000, seed) for seed in range(runs))
    assert misses / runs > 0.2


def test_horizon_tightens_the_sequence_around_it() -> None:
    rng = random.Random(0)
    x = [rng.random() < 0.5 for _ in range(1500)]
    default = confidence_sequence(x)
    tuned = confidence_sequence(x, horizon=target_horizon(0.05))

    def width(cs: list[tuple[float, float]], n: int) -> float:
        return cs[n - 1][1] - cs[n - 1][0]

    assert width(tuned, 769) < 0.8 * width(default, 769)
    assert target_horizon(0.05) == math.ceil(2 * 1.959963984540054**2 / (4 * 0.05**2))


def test_stopping_point_is_the_first_narrow_enough_interval() -> None:
    rng = random.Random(4)
    x = [rng.random() < 0.8 for _ in range(3000)]
    stop = stopping_point(x, 0.05, horizon=target_horizon(0.05))
    assert stop is not None
    intervals = confidence_sequence(x, horizon=target_horizon(0.05))
    widths = [(hi - lo) / 2 for lo, hi in intervals]
    assert widths[stop.n - 1] <= 0.05 < widths[stop.n - 2]
    assert (stop.low, stop.high) == intervals[stop.n - 1]
    assert stop.accuracy == pytest.approx(sum(x[: stop.n]) / stop.n)
    assert stopping_point(x[:50], 0.05) is None


def test_state_and_validation() -> None:
    cs = ConfidenceSequence()
    assert (cs.low, cs.high, cs.n, cs.mean) == (0.0, 1.0, 0, None)
    cs.extend([True] * 400)
    assert cs.mean == 1.0 and cs.high == 1.0 and cs.low > 0.95
    cs.update(0.5)  # scores in [0, 1] are fine, not only 0/1 outcomes
    assert cs.n == 401
    with pytest.raises(ValueError, match="within 0 and 1"):
        cs.update(2)
    with pytest.raises(ValueError, match="alpha"):
        ConfidenceSequence(alpha=0)
    with pytest.raises(ValueError, match="horizon"):
        ConfidenceSequence(horizon=0)
    with pytest.raises(ValueError, match="positive"):
        stopping_point([True], 0.0)


def test_tracker_feeds_the_plan_order_whatever_the_arrival_order() -> None:
    rng = random.Random(9)
    planned = [f"q{i}" for i in range(2000)]
    outcomes = {q: (None if rng.random() < 0.05 else rng.random() < 0.7) for q in planned}
    arrival = list(planned)
    # Concurrency: answers arrive shuffled within windows of 32 in-flight requests.
    for start in range(0, len(arrival), 32):
        window = arrival[start : start + 32]
        rng.shuffle(window)
        arrival[start : start + 32] = window
    tracker = TargetTracker(planned, 0.05)
    for q in arrival:
        if tracker.record(q, outcomes[q]):
            break
    graded = [o for o in (outcomes[q] for q in planned) if o is not None]
    expected = stopping_point(graded, 0.05, horizon=target_horizon(0.05))
    assert expected is not None and tracker.stop == expected
    report = tracker.report()
    assert report.planned == 2000 and report.asked == tracker.asked < 2000
    assert report.fed >= expected.n  # answers in order past the stop still narrow the interval, validly
    assert report.low <= report.high and report.saved == 1 - tracker.asked / 2000


def test_tracker_waits_for_gaps_and_rejects_strays() -> None:
    tracker = TargetTracker(["a", "b", "c"], 0.4, horizon=10)
    tracker.record("c", True)
    tracker.record("b", True)
    assert tracker.report().fed == 0  # "a" is still in flight
    tracker.record("a", False)
    assert tracker.report().fed == 3 and tracker.report().accuracy == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="recorded already"):
        tracker.record("b", True)
    with pytest.raises(ValueError, match="not a planned item"):
        tracker.record("z", True)
    with pytest.raises(ValueError, match="distinct"):
        TargetTracker(["a", "a"], 0.1)
