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


def _result(response: str, key: str, clue: str = "") -> tuple[bool, bool]:
    """(accepted, confident) of the best comparison with any form of the key."""
    results = [match_answer(response, f) for f in parse_key(key, clue).forms]
    best = next((r for r in results if r.accepted), results[0])
    return best.accepted, best.confident


@pytest.mark.parametrize(
    ("response", "key"),
    [
        ("Richard Nixon", "Nixon"),  # a full name for a surname key, whatever the clue says
        ("Bellevue Hospital", "Bellevue"),
        ("Everglades National Park", "the Everglades"),
        ("Purple Rain by Prince", "Purple Rain"),
        ("Martin Van Buren", "Van Buren"),
        ("Connecticut's charter", "Connecticut"),
        ("Yale University", "Yale"),
        ("the Olympic Games", "the Olympics"),
    ],
)
def test_a_reply_adding_words_to_the_key_is_accepted(response: str, key: str) -> None:
    assert _result(response, key) == (True, True)


@pytest.mark.parametrize(
    ("response", "key", "why"),
    [
        ("North Korea", "Korea", "a distinguishing word"),
        ("Post-Impressionism", "Impressionism", "a prefix that makes another movement"),
        ("Windows 95", "Windows", "a number"),
        ("Pinky and the Brain", "the Brain", "a list of several things"),
        ("Neville Chamberlain", "(Wilt) Chamberlain", "the key names the given name"),
        ("a Saint Bernard", "the Saints", "a singular without a type word is another thing"),
        ("John Quincy Adams", "John Adams", "a name inside a name"),
    ],
)
def test_added_words_that_make_another_thing_are_rejected(response: str, key: str, why: str) -> None:
    assert not _result(response, key, "He")[0], why


def test_added_words_of_uncertain_meaning_are_unsure() -> None:
    assert _result("a kidney transplant", "a kidney") == (True, False)  # a common noun with a word added
    assert _result("the Imperial Seal of Japan", "Japan") == (True, False)  # the key only a complement
    assert _result("Harry S. Truman", "Harry Truman", "He") == (False, False)  # a middle initial: ask a judge


@pytest.mark.parametrize(
    ("response", "key", "confident"),
    [
        ("a razor", "a straight razor", True),
        ("the Pacers", "Indiana Pacers", True),
        ("Balmoral", "Balmoral Castle", True),
        ("Doublemint", "Doublemint gum", True),
        ("Lyndon Johnson", "Lyndon B. Johnson", False),
    ],
)
def test_a_reply_dropping_a_modifier_or_type_word_is_accepted(response: str, key: str, confident: bool) -> None:
    assert _result(response, key, "He" if "Johnson" in key else "") == (True, confident)


@pytest.mark.parametrize(
    ("response", "key"),
    [
        ("France", "Air France"),  # the part left is itself another known name
        ("Heart", "Heart of Darkness"),  # the words after "of" tell it apart
        ("Dakota", "South Dakota"),
        ("Martin Luther", "Martin Luther King, Jr."),
        ("Tibia", "the tibia & fibula"),  # one of several things the key names
        ("Lou", "(Lou) Gehrig"),
    ],
)
def test_dropping_what_tells_the_key_apart_is_rejected(response: str, key: str) -> None:
    assert not _result(response, key, "He")[0]


@pytest.mark.parametrize(
    ("response", "key"),
    [
        ("sulfur", "sulphur"),
        ("Cracow", "Krakow"),
        ("the Sheik", "The Shiek"),
        ("Hernan Cortes", "Cortez"),
        ("JFK", "John F. Kennedy"),
        ("John F. Kennedy", "JFK"),
        ("the Organization of Petroleum Exporting Countries", "OPEC"),
        ("Johann Sebastian Bach", "J.S. Bach"),
        ("Che Guevara", 'Ernesto "Che" Guevara'),
        ("fungi", "fungus"),
        ("lug nuts", "a lugnut"),
        ("Lake Ontario and Lake Erie", "Erie & Ontario"),
        ("Lynn Redgrave and Vanessa Redgrave", "Lynn & Vanessa Redgrave"),
        ("the 1910s", "nineteen-teens (the 1910s)"),
    ],
)
def test_other_written_forms_of_the_key_are_accepted(response: str, key: str) -> None:
    assert _result(response, key, "He")[0]


@pytest.mark.parametrize(
    ("response", "key"),
    [
        ("George H.W. Bush", "George W. Bush"),
        ("Colombia", "Columbia"),
        ("James Brown", "Jim Brown"),
        ("Michael B. Jordan", "Michael Jordan"),
        ("Este", "Estevez"),
    ],
)
def test_other_written_forms_never_reach_another_entity(response: str, key: str) -> None:
    assert not _result(response, key, "He")[0]


def test_substitutions_are_sure_and_similar_names_are_not() -> None:
    assert _result("North Dakota", "South Dakota") == (False, True)
    assert _result("1493", "1492") == (False, True)
    assert _result("James Stewart", "Jimmy Stewart", "He") == (False, False)
