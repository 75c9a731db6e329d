"""The outcome of comparing one reply with one accepted form of the key (``grading.match``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MatchResult:
    accepted: bool
    score: float  # similarity in [0, 1]
    rule: str  # which rule decided: exact, spacing, equivalent, surname, veto-*, short, plural, typo, none
    reason: str  # a sentence fragment saying why
    form: str = ""
    vetoed: bool = False
    similarity: float = 0.0  # word-order-insensitive similarity of the content words (for adaptive)
    #: False where the rules are not sure of the decision either way (an added word of uncertain meaning, a
    #: middle name): ``adaptive`` sends those to its judge.
    confident: bool = True
