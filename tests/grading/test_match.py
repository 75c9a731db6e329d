from __future__ import annotations

import pytest

from pytest_llmbench.grading.answer_key import KeyForm, parse_key
from pytest_llmbench.grading.match import is_typo, match_answer


def accepted(response: str, key: str, clue: str = "") -> bool:
    return any(match_answer(response, f).accepted for f in parse_key(key, clue).forms)


@pytest.mark.parametrize(
    ("response", "key", "clue"),
    [
        ("North Dakota", "South Dakota", ""),
        ("Austria", "Australia", ""),
        ("Australia", "Austria", ""),
        ("Henry VII", "Henry VIII", "He"),
        ("1493", "1492", ""),
        ("Io", "Ion", ""),
        ("Ion", "Io", ""),
        ("John Adams", "John Quincy Adams", "He"),
        ("John Quincy Adams", "John Adams", "He"),
        ("Elizabeth II", "Elizabeth I", "She"),
        ("Colombia", "Columbia", ""),
        ("Helena", "Helen", "this beauty"),
        ("Michael B. Jordan", "Michael Jordan", "He"),
        ("New Mexico", "Mexico", ""),
        ("Virginia", "West Virginia", ""),
        ("Immanent", "Imminent", ""),
        ("Austen", "Austin", ""),
        ("Slovakia", "Slovenia", ""),
        ("France", "Air France", "this airline"),
        ("Red", "Red Sea", ""),
        ("Cal Ripken Sr.", "Cal Ripken Jr.", "He"),
    ],
)
def test_near_misses_are_never_accepted(response: str, key: str, clue: str) -> None:
    assert not accepted(response, key, clue)


@pytest.mark.parametrize(
    ("response", "key", "clue"),
    [
        ("Mississipi", "Mississippi", ""),
        ("Shakespear", "William Shakespeare", "This playwright"),
        ("Lou Gherig", "(Lou) Gehrig", "He"),
        ("Gehrig", "(Lou) Gehrig", "He"),
        ("the Mississippi River", "the Mississippi", ""),
        ("polar bear", "Polar bears", ""),
        ("thirteen", "13", ""),
        ("13 colonies", "thirteen", ""),
        ("Victoria", "Queen Victoria", ""),
        ("fibula and tibia", "the tibia & fibula", ""),
        ("Martin Luther King", "Martin Luther King, Jr.", "He"),
        ("John Q. Adams", "John Quincy Adams", "He"),
        ("Cleopatra VII", "Cleopatra", "She ruled Egypt"),
        ("Wolfgang Amadeus Mozart", "Mozart", "He composed"),
        ("Sea World", "SeaWorld", ""),
        ("the Republic of Slovenia", "Slovenia", ""),
        # The key's words in another case: acronym expansion depends on case, the verdict must not.
        ("aa uae", "AA UAE", ""),
        ("us", "US", ""),
        ("the uk", "the UK", ""),
    ],
)
def test_equivalent_answers_are_accepted(response: str, key: str, clue: str) -> None:
    assert accepted(response, key, clue)


def test_vetoes_are_marked_so_no_judge_overturns_them() -> None:
    result = match_answer("North Dakota", KeyForm("South Dakota"))
    assert result.vetoed and not result.accepted
    assert "north" in result.reason


def test_surname_rule_only_for_people() -> None:
    assert accepted("Jordan", "Michael Jordan", "He won 6 NBA titles")
    assert not accepted("York", "New York", "This city")


@pytest.mark.parametrize(
    ("said", "key", "typo"),
    [
        ("mississipi", "mississippi", True),
        ("shakespear", "shakespeare", True),
        ("gherig", "gehrig", True),
        ("megan", "meghan", False),  # too short to tell a typo from another name
        ("victorian", "victoria", False),  # a word ending, not a slip
        ("zambia", "gambia", False),
        ("austria", "australia", False),
    ],
)
def test_is_typo(said: str, key: str, typo: bool) -> None:
    assert is_typo(said, key) is typo
