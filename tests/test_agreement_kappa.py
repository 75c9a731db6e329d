"""Cohen's and Fleiss' kappa against hand-computed values and, where installed, statsmodels."""

from __future__ import annotations

import random

import pytest

from pytest_llmbench.stats.agreement import cohen_kappa, fleiss_kappa, fleiss_kappa_counts, kappa, percent_agreement

# Fleiss (1971) as worked on Wikipedia's "Fleiss' kappa" page: 10 items, 14 raters, 5 categories, kappa 0.210.
FLEISS_TABLE = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]


def test_cohen_kappa_by_hand() -> None:
    # 50 items: both yes 20, A yes B no 5, A no B yes 10, both no 15. p_o = 0.7; p_e = .5 x .6 + .5 x .4 = 0.5.
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert percent_agreement(a, b) == pytest.approx(0.7)
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(a, a) == pytest.approx(1.0)
    assert cohen_kappa(["y", "n"], ["n", "y"]) == pytest.approx(-1.0)


def test_kappa_is_undefined_when_every_rating_is_the_same_category() -> None:
    assert cohen_kappa(["y"] * 4, ["y"] * 4) is None
    assert fleiss_kappa([["y", "y", "y"]] * 4) is None
    assert cohen_kappa([], []) is None


def test_fleiss_kappa_by_hand() -> None:
    assert fleiss_kappa_counts(FLEISS_TABLE) == pytest.approx(0.20993, abs=1e-4)
    # Three raters, binary: (T,T,T), (T,T,F), (F,T,F): P-bar = (1 + 1/3 + 1/3) / 3 = 5/9, chance = (1/3)^2 + (2/3)^2.
    assert fleiss_kappa([[True, True, True], [True, True, False], [False, True, False]]) == pytest.approx(0.0)
    assert kappa([["a", "b"], ["a", "a"]])[0] == "Cohen"
    assert kappa([["a", "b", "a"], ["a", "a", "a"]])[0] == "Fleiss"


def test_fleiss_needs_the_same_number_of_raters_per_item() -> None:
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa_counts([[1, 2], [1, 1]])


def test_against_statsmodels_on_random_ratings() -> None:
    irr = pytest.importorskip("statsmodels.stats.inter_rater")
    rng = random.Random(7)
    for _ in range(20):
        raters, items = rng.randint(2, 6), rng.randint(5, 40)
        ratings = [[rng.choice("abc") for _ in range(raters)] for _ in range(items)]
        table, _ = irr.aggregate_raters([["abc".index(x) for x in row] for row in ratings], n_cat=3)
        expected = irr.fleiss_kappa(table, method="fleiss")
        got = fleiss_kappa(ratings)
        assert got == pytest.approx(expected, abs=1e-9)
        a, b = [r[0] for r in ratings], [r[1] for r in ratings]
        confusion = [[sum(1 for x, y in zip(a, b, strict=True) if x == p and y == q) for q in "abc"] for p in "abc"]
        assert cohen_kappa(a, b) == pytest.approx(irr.cohens_kappa(confusion).kappa, abs=1e-9)
