"""Seeded, deterministic sampling of questions.

Every xdist worker and CI shard must pick the same questions, so nothing here depends on input order,
process or machine: each question gets a priority ``sha256(seed, key)`` and a stratum takes its lowest
priorities. That also makes samples nested (the 50 of ``--llm-sample=50`` are among the 100 of
``--llm-sample=100``, so cached answers stay useful) and stable when a dataset grows.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import heapq
import math
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from operator import attrgetter
from typing import Any

from pytest_llmbench.config import parse_sample
from pytest_llmbench.data import _gc
from pytest_llmbench.data.keys import natural_key
from pytest_llmbench.errors import UsageError
from pytest_llmbench.types import Question

METHODS = ("random", "stratified", "balanced", "temporal")
DEFAULT_STRATIFY = ("round", "value")
_ATTRIBUTES = ("dataset", "category", "value", "round", "air_date", "show_number")
_DERIVED = {
    "year": lambda q: q.air_date.year if q.air_date is not None else None,
    "decade": lambda q: q.metadata.get("decade", q.air_date.year // 10 * 10 if q.air_date else None),
}


def priority(seed: int, key: str) -> int:
    """The sampling order of one question for one seed."""
    return int.from_bytes(hashlib.sha256(f"{seed}\x00{key}".encode()).digest()[:8], "big")


def order_key(question: Question) -> tuple[str, tuple[tuple[int, int | str], ...]]:
    """The stable output order: dataset, then the id with numbers compared as numbers."""
    return (question.dataset, natural_key(question.id))


def resolve_size(size: int | float | None, available: int) -> int:
    """A count or a fraction -> how many to take (never more than ``available``)."""
    if size is None:
        return available
    if isinstance(size, bool):
        raise UsageError("The sample size must be a count or a fraction, not a boolean.")
    if isinstance(size, float):
        if not 0 < size <= 1:
            raise UsageError(f"A sample fraction must be in (0, 1], not {size}.")
        return min(available, max(1, math.floor(size * available + 0.5))) if available else 0
    if size < 0:
        raise UsageError(f"The sample size must not be negative, not {size}.")
    return min(size, available)


def column_getter(name: str, questions: Sequence[Question]) -> Callable[[Question], Hashable]:
    """A stratify column: a ``Question`` attribute, ``year``/``decade``, or a metadata key."""
    column = name.strip().lower()
    if column in _ATTRIBUTES:
        return lambda q: getattr(q, column)
    if column in _DERIVED:
        return _DERIVED[column]
    if any(column in q.metadata for q in questions):
        return lambda q: _hashable(q.metadata.get(column))
    known = ", ".join((*_ATTRIBUTES, *_DERIVED, "difficulty", "daily_double"))
    raise UsageError(f"Unknown stratify column {name!r}: use one of {known}, or a metadata field of the data.")


def _hashable(value: Any) -> Hashable:
    return value if isinstance(value, Hashable) else repr(value)


def _stratum_sort(key: tuple[Hashable, ...]) -> tuple[tuple[int, str, str], ...]:
    # None and mixed types must sort the same way everywhere; numbers compare as zero-padded text.
    out = []
    for part in key:
        if part is None:
            out.append((1, "", ""))
        elif isinstance(part, int | float) and not isinstance(part, bool):
            out.append((0, "0", f"{part:030.6f}"))
        elif isinstance(part, _dt.date):
            out.append((0, "1", part.isoformat()))
        else:
            out.append((0, type(part).__name__, str(part)))
    return tuple(out)


def _stratum_of(columns: Sequence[str], questions: Sequence[Question]) -> Callable[[Question], tuple[Hashable, ...]]:
    names = [c.strip().lower() for c in columns]
    if names and all(n in _ATTRIBUTES for n in names):
        # attrgetter runs in C: this is the common case (round, value) over 200,000 questions.
        get = attrgetter(*names)
        return (lambda q: (get(q),)) if len(names) == 1 else get
    getters = [column_getter(c, questions) for c in columns]
    return lambda q: tuple(g(q) for g in getters)


def _ranks(questions: Sequence[Question], seed: int) -> list[bytes]:
    """Sort keys in sampling order: the 8 bytes of ``priority`` then the key itself (unique, so no ties)."""
    prefix = f"{seed}\x00".encode()
    sha256 = hashlib.sha256
    encoded = [f"{q.dataset}:{q.id}".encode() for q in questions]  # q.key, without a property call each
    return [sha256(prefix + kb).digest()[:8] + kb for kb in encoded]


def proportional(sizes: Sequence[int], n: int) -> list[int]:
    """Largest-remainder (Hamilton) allocation of ``n`` over strata of ``sizes``; ties go to the first."""
    total = sum(sizes)
    if total == 0 or n <= 0:
        return [0] * len(sizes)
    quotas = [n * size / total for size in sizes]
    alloc = [math.floor(q) for q in quotas]
    order = sorted(range(len(sizes)), key=lambda i: (-(quotas[i] - alloc[i]), i))
    for i in order[: n - sum(alloc)]:
        alloc[i] += 1
    return alloc


def equal(sizes: Sequence[int], n: int, tiebreak: Sequence[int]) -> list[int]:
    """As equal as the strata allow: small strata give all they have, the rest share what is left.

    Leftover units go to the strata with the lowest ``tiebreak`` (a seeded priority), not always the first.
    """
    alloc = [0] * len(sizes)
    remaining = n
    open_ = sorted(range(len(sizes)), key=lambda i: (sizes[i], i))
    while open_ and remaining > 0:
        share = remaining // len(open_)
        if share == 0:
            for i in sorted(open_, key=lambda i: (tiebreak[i], i))[:remaining]:
                alloc[i] += 1
            break
        full = [i for i in open_ if sizes[i] - alloc[i] <= share]
        if not full:
            for i in open_:
                alloc[i] += share
            remaining -= share * len(open_)
            continue
        for i in full:
            remaining -= sizes[i] - alloc[i]
            alloc[i] = sizes[i]
        open_ = [i for i in open_ if i not in full]
    return alloc


def sample(
    questions: Sequence[Question],
    size: int | float | None,
    *,
    seed: int,
    method: str = "stratified",
    stratify: Sequence[str] = DEFAULT_STRATIFY,
) -> list[Question]:
    """Pick ``size`` questions (count, fraction or ``None`` for all), in a stable order."""
    if method not in METHODS:
        raise UsageError(f"Unknown sampling method {method!r}: use {', '.join(METHODS)}.")
    n = resolve_size(size, len(questions))
    if method == "random":
        columns: Sequence[str] = ()
    elif method == "temporal":
        columns = ("decade",)
    else:
        columns = [c for c in stratify if c.strip()] or list(DEFAULT_STRATIFY)
    for column in columns:  # a misspelt column is a mistake even when every question is taken
        column_getter(column, questions)
    if n >= len(questions):
        return sorted(questions, key=order_key)
    with _gc.paused():
        return _take(questions, n, seed, method, columns)


def _take(
    questions: Sequence[Question], n: int, seed: int, method: str, columns: Sequence[str]
) -> list[Question]:
    stratum_of = _stratum_of(columns, questions)
    strata = list(map(stratum_of, questions))
    counts = Counter(strata)
    ordered = sorted(counts, key=_stratum_sort)
    sizes = [counts[s] for s in ordered]
    if method in ("balanced", "temporal"):
        tiebreak = [priority(seed, repr(_stratum_sort(s))) for s in ordered]
        alloc = equal(sizes, n, tiebreak)
    else:
        alloc = proportional(sizes, n)
    quota = dict(zip(ordered, alloc, strict=True))
    # Each stratum takes its ``quota`` lowest ranks: the same as walking all questions in rank order, without
    # sorting 200,000 of them to pick 1,000.
    ranks = _ranks(questions, seed)
    members: dict[tuple[Hashable, ...], list[int]] = {}
    for index, stratum in enumerate(strata):
        if quota[stratum]:
            members.setdefault(stratum, []).append(index)
    chosen: list[Question] = []
    for stratum, indices in members.items():
        picked = heapq.nsmallest(quota[stratum], indices, key=ranks.__getitem__)
        chosen.extend(questions[index] for index in picked)
    return sorted(chosen, key=order_key)


def parse_size(text: str) -> int | float:
    """``"50"`` -> 50, ``"0.1"`` -> 0.1, ``"10%"`` -> 0.1, ``"all"`` -> 1.0: the options' parser, in data's terms."""
    try:
        size = parse_sample(text)
    except ValueError as exc:
        raise UsageError(f"Sample size {exc}.") from None
    return 1.0 if size is None else size
