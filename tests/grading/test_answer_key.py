from __future__ import annotations

import pytest

from pytest_llmbench.grading.answer_key import parse_key


@pytest.mark.parametrize(
    ("key", "alternatives"),
    [
        ("(Lou) Gehrig", {"Gehrig", "Lou Gehrig"}),
        ("Ceylon (or Sri Lanka)", {"Ceylon", "Sri Lanka"}),
        ("Coolidge (or Chester Arthur)", {"Coolidge", "Chester Arthur"}),
        ("Great Britain (United Kingdom)", {"Great Britain", "United Kingdom"}),
        ("Great Britain/England", {"Great Britain", "England"}),
        ("Trams (smart)", {"Trams"}),
        ("Hattie McDaniel (for her role in Gone with the Wind)", {"Hattie McDaniel"}),
        ("Nairobi, Kenya", {"Nairobi, Kenya", "Nairobi"}),
        ('"Night Train"', {"Night Train"}),
        ("John (Fitzgerald) Kennedy", {"John Kennedy", "John Fitzgerald Kennedy"}),
        ("AC/DC", {"AC/DC"}),
        ("Campbell\\'s Soup cans", {"Campbell's Soup cans"}),
    ],
)
def test_alternatives(key: str, alternatives: set[str]) -> None:
    assert set(parse_key(key).alternatives) == alternatives


def test_quoted_list_with_or() -> None:
    key = parse_key('"The Last Frontier", "The Great Land", or "North to the Future"')
    assert {"The Last Frontier", "The Great Land", "North to the Future"} <= set(key.alternatives)


def test_person_needs_a_person_clue() -> None:
    person = parse_key("Michael Jordan", "He won 6 NBA titles").forms[0]
    assert person.person and person.surname == "jordan"
    assert not parse_key("Air France", "Its Concorde service began in 1976").forms[0].person
    assert not parse_key("Air France").forms[0].person  # "Air" is never part of a person's name
    assert not parse_key("Sri Lanka").forms[0].person
    assert parse_key("Vincent van Gogh", "This painter").forms[0].surname == "van gogh"


def test_bare_surname_is_marked_unless_the_key_names_the_given_name() -> None:
    assert parse_key("Mozart", "He composed The Magic Flute").forms[0].bare_surname
    forms = {f.text: f for f in parse_key("(Wilt) Chamberlain", "He scored 100 points").forms}
    assert not forms["Chamberlain"].bare_surname
    assert not parse_key("Mozart", "This city's airport").forms[0].bare_surname
