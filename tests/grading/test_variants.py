"""The rules for a name written another way (``grading.variants`` and their use in ``match_answer``).

Keys are made up or general knowledge; each rule has cases it must accept (unsure, so ``adaptive`` asks its
judge) and cases of another entity it must never accept.
"""

from __future__ import annotations

import pytest

from pytest_llmbench.grading.answer_key import parse_key
from pytest_llmbench.grading.match import match_answer
from pytest_llmbench.grading.variants import familiar_form, given_spelling, transliterated

PERSON = "This author wrote it"


def _result(response: str, key: str, clue: str = "", category: str = "") -> tuple[bool, bool, str]:
    """(accepted, confident, rule) of the best comparison with any form of the key."""
    results = [match_answer(response, f) for f in parse_key(key, clue, category).forms]
    best = next((r for r in results if r.accepted), results[0])
    return best.accepted, best.confident, best.rule


@pytest.mark.parametrize(
    ("response", "key", "clue", "rule"),
    [
        ("Teddy Pemberton", "Theodore Pemberton", PERSON, "familiar-name"),
        ("Bill Hartwell", "William Hartwell", PERSON, "familiar-name"),
        ("Peggy Osgood", "Margaret Osgood", PERSON, "familiar-name"),
        ("Karen Lindqvist", "Karin Lindqvist", PERSON, "given-spelling"),
        ("Steven Marlowe", "Stephen Marlowe", PERSON, "given-spelling"),
        ("Allen Fairbrother", "Alan Fairbrother", PERSON, "given-spelling"),
        ("Pierre du Montclair", "Pierre de Montclair", PERSON, "particle"),
        ("Mohammed", "Muhammad", "This prophet", "transliteration"),
        ("Tchadorra", "Tchadarra", "This town", "transliteration"),
        ("Ulaanbaatar", "Ulan Bator", "This capital", "transliteration"),
        ("Wenzi", "Wen-tzu", "This sage", "transliteration"),  # Wade-Giles tz, pinyin z
        ("the Tolliver Hill", "the Tolliver Hills", "This range", "plural"),
        ("Pliny the Younger", "Pliny", "This Roman writer", "epithet"),
        ("the Great Obelisk", "the Obelisk", "This monument", "epithet"),
        ("Ayatollah Hamidi", "Reza Hamidi", "He led the revolution", "surname"),
        ("Herbert Wells", "H.G. Wells", PERSON, "initials"),
        ("Two roads", '"Two roads diverged in a yellow wood"', "This line opens a poem", "opening"),
        ("Lyon, France", "France", "This country", "place-in"),
    ],
)
def test_the_same_name_written_another_way_is_accepted_unsure(response: str, key: str, clue: str, rule: str) -> None:
    accepted, confident, decided = _result(response, key, clue)
    assert (accepted, decided) == (True, rule)
    assert not confident or rule == "surname", "a fuzzy rule must leave the decision to a judge"


@pytest.mark.parametrize(
    ("response", "key", "clue"),
    [
        # A formal name for a familiar key may be another person (James Brown is not Jim Brown).
        ("James Hartwell", "Jimmy Hartwell", PERSON),
        ("Theodore Pemberton", "Teddy Pemberton", PERSON),
        # Another given name, or another surname, is another person.
        ("Thomas Pemberton", "Theodore Pemberton", PERSON),
        ("Teddy Hartwell", "Theodore Pemberton", PERSON),
        ("Julian Marlowe", "Julia Marlowe", PERSON),
        ("Paula Marlowe", "Paul Marlowe", PERSON),
        ("Maria Delgado", "Mario Delgado", PERSON),
        ("Pat Osgood", "Peter Osgood", PERSON),
        ("Mark Fairbrother", "Mary Fairbrother", PERSON),
        ("Erin Lindqvist", "Eric Lindqvist", PERSON),
        # Names that differ by a vowel but are other names; a common word with a vowel changed is another word.
        ("Lennon", "Lenin", "This revolutionary"),
        ("Lenin", "Lennon", "This Beatle"),
        ("pupal", "Pupil", "Part of the eye"),
        ("Colombia", "Columbia", "This river"),
        # A middle initial run into the name is not a transliteration.
        ("Richard E. Bancroft", "Richard Bancroft", PERSON),
        # Epithets, numbers and words like North still tell things apart.
        ("Pliny the Elder", "Pliny the Younger", "This Roman writer"),
        ("Henry VII", "Henry VIII", "This king"),
        ("Harry VIII", "Henry VII", "This king"),
        ("North Dakota", "South Dakota", "This state"),
        ("New Mexico", "Mexico", "This country"),
        ("1493", "1492", "This year"),
        ("Pliny 1492", "Pliny", "This Roman writer"),
        ("George W. Bush", "George H.W. Bush", "This president"),
        ("George H.W. Bush", "George W. Bush", "This president"),
        ("Herbert Wells", "H.G. Wellesley", PERSON),
        # A quotation's opening must be its opening; a place must be in the key's country.
        ("Three roads", '"Two roads diverged in a yellow wood"', "This line opens a poem"),
        ("Lyon, France", "Germany", "This country"),
        ("Pierre du Montclair and du", "Pierre de Montclair", PERSON),
        ('"Rocky Returns"', '"Rocky Returns II"', "This film"),  # a title's number is part of its name
    ],
)
def test_another_entity_is_never_accepted(response: str, key: str, clue: str) -> None:
    assert not _result(response, key, clue)[0]


def test_a_formal_name_for_a_familiar_key_is_rejected_unsure() -> None:
    assert _result("James Hartwell", "Jimmy Hartwell", PERSON)[:2] == (False, False)


def test_the_word_lists() -> None:
    assert familiar_form("jimmy", "james") and not familiar_form("james", "jimmy")
    assert not familiar_form("harry", "henry")  # also a name of its own
    assert given_spelling("karen", "karin") and not given_spelling("karen", "sharon")
    assert transliterated("krakatoa", "krakatau") and not transliterated("lenin", "lennon")


def test_a_nickname_in_quotes_in_the_reply() -> None:
    assert _result('Thomas "Boss" Pendergast', "Boss Pendergast", PERSON)[0]
    assert not _result('Thomas "Boss" Pendergast', "Tom Pendleton", PERSON)[0]


@pytest.mark.parametrize(
    ("key", "category", "reply", "accepted"),
    [
        ("P-L-U-T-O", "SPELL IT", "What is Pluto?", True),
        ("O-T-U-L-P", "SPELLED BACKWARDS", "What is Pluto?", True),
        ("P-L-U-T-O", "SPELL IT", "What is Mars?", False),
        ("O-T-U-L-P", "SPELL IT", "What is Pluto?", False),
    ],
)
def test_a_key_spelt_letter_by_letter(key: str, category: str, reply: str, accepted: bool) -> None:
    assert _result(reply.removeprefix("What is ").rstrip("?"), key, "This planet", category)[0] is accepted


@pytest.mark.parametrize(
    ("response", "key", "accepted"),
    [
        ("7:00 p.m.", "7 pm", True),
        ("8:00 p.m.", "7 pm", False),
        ("7:30 p.m.", "7 pm", False),
        ("uprooting", "to uproot", True),
        ("upending", "to uproot", False),
        ("the Smithson Library and Museum", "Smithson", True),
        ("Lake Erie and Lake Huron", "Lake Erie", False),
    ],
)
def test_times_infinitives_and_compound_names(response: str, key: str, accepted: bool) -> None:
    assert _result(response, key)[0] is accepted


def test_every_alternative_of_a_slash_key_even_a_short_sum() -> None:
    assert "$2" in parse_key("4 pesos/$2").alternatives
    assert parse_key("1/4").alternatives == ("1/4",)  # a fraction, not two answers
    assert parse_key("A/B").alternatives == ("A/B",)


def test_a_misspelt_word_of_the_key_keeps_its_meaning() -> None:
    clue = "She sailed to these mountains"  # a person cue: "Sotuhern Alps" must still not read as a name
    assert _result("the Southern Alps", "Sotuhern Alps", clue)[0]
    assert not _result("the Alps", "Sotuhern Alps", clue)[0]
    assert not _result("the Northern Alps", "Sotuhern Alps", clue)[0]


def test_a_key_naming_a_place_and_its_northern_part() -> None:
    # The lone first word is the last part's own name, not a given name the parts share (Lynn & Vanessa Redgrave).
    key = "Macedonia & North Macedonia"
    assert _result("North Macedonia and the Republic of Macedonia", key, "These 2 countries")[0]
    assert not _result("North Macedonia and South Macedonia", key, "These 2 countries")[0]


@pytest.mark.parametrize(
    ("response", "key", "accepted"),
    [
        ("pickling the cucumbers", "to pickle", True),
        ("the fungal spores", "a fungus", True),
        ("pickling the cucumbers", "to pucker", False),
        ("the Society of Jesus", "Jesuits", False),  # a name's "form" is another name
        ("tree planting", "planted trees", True),  # the key's words in other forms and order
        ("tree planting", "planted flowers", False),
    ],
)
def test_another_form_of_the_key_with_words_added(response: str, key: str, accepted: bool) -> None:
    result = _result(response, key)
    assert result[0] is accepted
    assert not (result[0] and result[1]), "unsure"
