"""Sample sizes against statsmodels and exact power computed with scipy; cost by hand."""

from __future__ import annotations

import math

import pytest

from pytest_llmbench.stats import plan
from pytest_llmbench.stats.core import wilson_interval

np = pytest.importorskip("numpy")
scipy_stats = pytest.importorskip("scipy.stats")
proportion = pytest.importorskip("statsmodels.stats.proportion")


@pytest.mark.parametrize(
    ("pa", "pb", "alpha", "power"),
    [(0.5, 0.6, 0.05, 0.8), (0.7, 0.75, 0.05, 0.9), (0.2, 0.35, 0.01, 0.8), (0.9, 0.8, 0.1, 0.8)],
)
def test_unpaired_is_the_smallest_n_with_statsmodels_power(pa: float, pb: float, alpha: float, power: float) -> None:
    n = plan.unpaired_questions(pa, pb, alpha=alpha, power=power)

    def achieved(nobs: int) -> float:
        result = proportion.power_proportions_2indep(pa - pb, pb, nobs, alpha=alpha, return_results=True)
        return float(result.power)

    # statsmodels' power neglects the far rejection tail, as the closed form does: n is exactly the threshold.
    assert achieved(n) >= power - 1e-9
    assert achieved(n - 1) < power


def _exact_mcnemar_power(n: int, p10: float, p01: float, alpha: float) -> float:
    """Power of the exact (conditional binomial) McNemar test at n pairs, summed exactly over the
    number of discordant pairs."""
    psi = p10 + p01
    total = 0.0
    for m in range(1, n + 1):
        b = np.arange(m + 1)
        p_values = np.minimum(1.0, 2 * scipy_stats.binom.cdf(np.minimum(b, m - b), m, 0.5))
        reject = p_values < alpha
        total += scipy_stats.binom.pmf(m, n, psi) * scipy_stats.binom.pmf(b[reject], m, p10 / psi).sum()
    return float(total)


@pytest.mark.parametrize(("delta", "psi"), [(0.1, 0.3), (0.05, 0.2), (0.15, 0.5)])
def test_paired_size_reaches_the_power_of_the_exact_test(delta: float, psi: float) -> None:
    n = plan.paired_questions(delta, psi)
    # Connor's closed form, written out: the normal-approximation power at n is at least 0.8, at n - 1 below.
    za, zb = 1.959963984540054, 0.8416212335729143
    assert n == math.ceil((za * math.sqrt(psi) + zb * math.sqrt(psi - delta**2)) ** 2 / delta**2)
    # The exact McNemar test the summary runs attains about that power: it is conservative, so a little less.
    p10, p01 = (psi + delta) / 2, (psi - delta) / 2
    exact = _exact_mcnemar_power(n, p10, p01, 0.05)
    assert 0.74 < exact < 0.84


def test_pairing_pays_only_when_models_agree() -> None:
    independent = plan.plan_difference(0.1, accuracy=0.6)
    assert independent.discordant_assumed
    assert independent.discordant_rate == pytest.approx(plan.independent_discordant_rate(0.6, 0.7))
    # With independent errors a paired design saves nothing over two samples...
    assert independent.paired == pytest.approx(independent.unpaired, rel=0.05)
    # ...but measured agreement (fewer discordant pairs) does, a lot.
    measured = plan.plan_difference(0.1, accuracy=0.6, discordant_rate=0.15)
    assert not measured.discordant_assumed
    assert measured.paired < independent.paired / 2
    assert measured.unpaired == independent.unpaired
    # 0.5 is the worst case of the unpaired size for a given delta.
    worst = plan.plan_difference(0.1).unpaired
    assert worst >= max(plan.plan_difference(0.1, accuracy=a / 10).unpaired for a in range(10))


def test_plan_rejects_impossible_inputs() -> None:
    with pytest.raises(ValueError, match="discordant-pair rate"):
        plan.paired_questions(0.2, 0.1)
    with pytest.raises(ValueError, match="not 0"):
        plan.paired_questions(0.0, 0.5)
    with pytest.raises(ValueError, match="stay within 0 and 1"):
        plan.plan_difference(0.2, accuracy=0.9)
    with pytest.raises(ValueError, match="alpha and power"):
        plan.unpaired_questions(0.5, 0.6, power=1.0)


@pytest.mark.parametrize(("p", "w"), [(0.5, 0.05), (0.8, 0.03), (0.95, 0.02), (0.3, 0.1)])
def test_normal_half_width_matches_statsmodels(p: float, w: float) -> None:
    expected = proportion.samplesize_confint_proportion(p, w, alpha=0.05, method="normal")
    assert plan.questions_for_half_width(w, p, method="normal") == math.ceil(expected)


@pytest.mark.parametrize(("p", "w"), [(0.5, 0.05), (0.8, 0.03), (0.95, 0.02), (0.3, 0.1), (0.0, 0.05), (1.0, 0.1)])
def test_wilson_half_width_is_the_smallest_n(p: float, w: float) -> None:
    n = plan.questions_for_half_width(w, p)
    assert n > 1
    assert plan.wilson_half_width(p, n) <= w < plan.wilson_half_width(p, n - 1)
    # Near 0.5 Wilson and Wald agree within a few questions; at the edges Wald would claim zero width.
    if 0.2 <= p <= 0.8:
        assert abs(n - plan.questions_for_half_width(w, p, method="normal")) <= 5


def test_wilson_half_width_is_the_summary_interval() -> None:
    for k, n in [(50, 100), (30, 120), (7, 9)]:
        low, high = wilson_interval(k, n)
        assert plan.wilson_half_width(k / n, n) == pytest.approx((high - low) / 2, rel=1e-12)
    with pytest.raises(ValueError, match="Unknown interval 'exact'"):
        plan.questions_for_half_width(0.05, method="exact")


def test_plan_cost_by_hand() -> None:
    prices = plan.Prices(prompt=1e-6, completion=4e-6, request=0.001)
    tokens = [(100, 10), (300, 30)]  # mean per item: 200e-6 + 80e-6 + 0.001 = 0.00128
    assert plan.plan_cost(500, tokens, prices) == pytest.approx(500 * 0.00128)
    assert plan.plan_cost(500, tokens, prices, repeats=3) == pytest.approx(3 * 500 * 0.00128)
    assert plan.plan_cost(0, tokens, prices) == 0.0
    with pytest.raises(ValueError, match="no token estimates"):
        plan.plan_cost(10, [], prices)
