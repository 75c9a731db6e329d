from __future__ import annotations

import datetime as dt

import pytest

from pytest_llmbench.data import clean


def test_clue_strips_quotes_html_and_keeps_link_text() -> None:
    raw = "'The <a href=\"http://x/y.html\">Appian</a> Way &amp; <i>Via Sacra</i><br />were roads'"
    assert clean.clean_clue(raw).text == "The Appian Way & Via Sacra were roads"


def test_clue_unescapes_backslashes_and_double_encoded_unicode() -> None:
    assert clean.clean_answer("Mrs. O\\'Leary\\'s cow") == "Mrs. O'Leary's cow"
    assert clean.clean_answer("A\\u00e9ropostale") == "Aéropostale"
    assert clean.clean_answer('"I don\\\'t know"') == '"I don\'t know"'


@pytest.mark.parametrize(
    ("raw", "media"),
    [
        ("'This dog breed seen here is loyal'", "image"),
        ('\'Say <a href="http://m/x.jpg" target="_blank">this</a> state admitted in 1859\'', "image"),
        ("'[audio clue] Name this composer'", "audio"),
        ("'This punk rock hitmaker heard here had many hits'", "audio"),
        ("'[video clue] The Clue Crew is at the Louvre'", "video"),
    ],
)
def test_media_clues_are_flagged(raw: str, media: str) -> None:
    assert clean.clean_clue(raw).media == media


def test_transcript_links_and_descriptive_links_are_not_media() -> None:
    audio = "'<a href=\"http://m/x.mp3\">Ripped from today\\'s headlines, he was a turtle king</a>'"
    result = clean.clean_clue(audio)
    assert result.media is None
    assert result.media_urls == ("http://m/x.mp3",)
    assert result.text == "Ripped from today's headlines, he was a turtle king"
    flag = '\'The <a href="http://m/f.jpg" target="_blank">flag</a> of this possession resembles Cuba\\\'s\''
    assert clean.clean_clue(flag).media is None


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("$200", 200),
        ("$2,000", 2000),
        (" $1,200 ", 1200),
        ("None", None),
        (None, None),
        ("", None),
        (400, 400),
    ],
)
def test_parse_value(raw: object, value: int | None) -> None:
    assert clean.parse_value(raw) == value


@pytest.mark.parametrize("raw", ["$12a", "lots", True, 2.5])
def test_parse_value_rejects_non_amounts(raw: object) -> None:
    with pytest.raises(ValueError):
        clean.parse_value(raw)


def test_parse_date() -> None:
    assert clean.parse_date("2004-12-31") == dt.date(2004, 12, 31)
    assert clean.parse_date("2004-12-31T00:00:00") == dt.date(2004, 12, 31)
    assert clean.parse_date(None) is None
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        clean.parse_date("31/12/2004")


@pytest.mark.parametrize(
    ("raw", "canon"),
    [
        ("Jeopardy!", "Jeopardy!"),
        ("double jeopardy", "Double Jeopardy!"),
        ("DJ", "Double Jeopardy!"),
        ("Final Jeopardy!", "Final Jeopardy!"),
        ("fj", "Final Jeopardy!"),
        ("Tiebreaker", "Tiebreaker"),
        ("Lightning round", "Lightning round"),
        (None, None),
    ],
)
def test_canonical_round(raw: str | None, canon: str | None) -> None:
    assert clean.canonical_round(raw) == canon


def test_board_values_double_on_2001_11_26() -> None:
    before, after = dt.date(2001, 11, 23), dt.date(2001, 11, 26)
    assert clean.board_values("Jeopardy!", before) == (100, 200, 300, 400, 500)
    assert clean.board_values("Double Jeopardy!", before) == (200, 400, 600, 800, 1000)
    assert clean.board_values("Jeopardy!", after) == (200, 400, 600, 800, 1000)
    assert clean.board_values("Double Jeopardy!", after) == (400, 800, 1200, 1600, 2000)
    assert clean.board_values("Final Jeopardy!", after) == ()


@pytest.mark.parametrize(
    ("raw", "round_name", "day", "expected"),
    [
        ("$600", "Jeopardy!", dt.date(1995, 1, 1), True),  # off the old J! board
        ("$600", "Jeopardy!", dt.date(2005, 1, 1), False),
        ("$2,000", "Double Jeopardy!", dt.date(2005, 1, 1), True),  # on the board, but written as a wager
        ("$2000", "Double Jeopardy!", dt.date(2005, 1, 1), False),
        ("$3,200", "Double Jeopardy!", dt.date(2005, 1, 1), True),
        (None, "Final Jeopardy!", dt.date(2005, 1, 1), False),
        ("$300", "Jeopardy!", None, False),  # unknown era: either board counts
    ],
)
def test_daily_double(raw: str | None, round_name: str, day: dt.date | None, expected: bool) -> None:
    value = clean.parse_value(raw)
    assert clean.is_daily_double(raw, value, round_name, day) is expected


def test_difficulty_is_the_board_row_in_its_era() -> None:
    old, new = dt.date(1995, 1, 1), dt.date(2005, 1, 1)
    assert clean.difficulty(100, "Jeopardy!", old, False) == 1
    assert clean.difficulty(500, "Jeopardy!", old, False) == 5
    assert clean.difficulty(1000, "Jeopardy!", new, False) == 5
    assert clean.difficulty(1200, "Double Jeopardy!", new, False) == 3
    assert clean.difficulty(None, "Final Jeopardy!", new, False) == 5
    assert clean.difficulty(3200, "Double Jeopardy!", new, True) is None


def test_decade() -> None:
    assert clean.decade(dt.date(1999, 12, 31)) == 1990
    assert clean.decade(None) is None
