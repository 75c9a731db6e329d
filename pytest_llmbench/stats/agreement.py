"""Agreement between raters beyond chance: Cohen's kappa (two raters) and Fleiss' kappa (three or more).

Both are (observed agreement - chance agreement) / (1 - chance agreement). Cohen's chance agreement uses each
rater's own category shares; Fleiss' uses the shares pooled over all raters (Fleiss 1971). When chance
agreement is 1 (every rating in one category) kappa is 0/0: these return None, and a report says "n/a"
rather than inventing a number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence


def percent_agreement(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    if len(a) != len(b):
        raise ValueError("both raters must rate the same items")
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a) if a else None


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two raters' labels of the same items (None when undefined or there are no items)."""
    observed = percent_agreement(a, b)
    if observed is None:
        return None
    n = len(a)
    count_a, count_b = Counter(a), Counter(b)
    chance = sum(count_a[k] * count_b[k] for k in count_a) / (n * n)
    if chance >= 1.0:
        return None
    return (observed - chance) / (1.0 - chance)


def fleiss_kappa_counts(table: Sequence[Sequence[int]]) -> float | None:
    """Fleiss' kappa from a table: one row per item, one column per category, each cell the raters choosing it.

    Every row must sum to the same number of raters (at least two).
    """
    if not table:
        return None
    raters = sum(table[0])
    if raters < 2 or any(sum(row) != raters for row in table):
        raise ValueError("every item needs the same number of ratings, at least two")
    items = len(table)
    per_item = [(sum(c * c for c in row) - raters) / (raters * (raters - 1)) for row in table]
    observed = sum(per_item) / items
    shares = [sum(row[j] for row in table) / (items * raters) for j in range(len(table[0]))]
    chance = sum(p * p for p in shares)
    if chance >= 1.0:
        return None
    return (observed - chance) / (1.0 - chance)


def fleiss_kappa(ratings: Sequence[Sequence[Hashable]]) -> float | None:
    """Fleiss' kappa of ratings given as one sequence of labels per item (same rater count for every item)."""
    categories = sorted({label for row in ratings for label in row}, key=repr)
    table = [[Counter(row)[c] for c in categories] for row in ratings]
    return fleiss_kappa_counts(table)


def kappa(ratings: Sequence[Sequence[Hashable]]) -> tuple[str, float | None]:
    """The fitting kappa for per-item ratings: ("Cohen", k) for two raters, ("Fleiss", k) for more."""
    if ratings and len(ratings[0]) == 2:
        return "Cohen", cohen_kappa([r[0] for r in ratings], [r[1] for r in ratings])
    return "Fleiss", fleiss_kappa(ratings)
