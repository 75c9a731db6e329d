"""Cleaning of raw Jeopardy! fields: clue text, values, dates, rounds, and the facts derived from them.

The J-Archive scrape (Kaggle JSON and the CSV) keeps the site's HTML (``<a href>``, ``<i>``, ``<br />``),
wraps every clue in single quotes, backslash-escapes quotes in answers (``Mrs. O\\'Leary\\'s cow``) and
sometimes leaves JSON escapes double-encoded (``A\\u00e9ropostale``). Everything here is a pure function so
that every reader cleans the same way and keys stay identical across formats.
"""

from __future__ import annotations

import datetime as _dt
import functools
import html
import re
from typing import NamedTuple

from pytest_llmbench.errors import DatasetError

JEOPARDY = "Jeopardy!"
DOUBLE = "Double Jeopardy!"
FINAL = "Final Jeopardy!"
TIEBREAKER = "Tiebreaker"
ROUNDS = (JEOPARDY, DOUBLE, FINAL, TIEBREAKER)

#: The first show with doubled board values (J! $200-$1000, DJ! $400-$2000).
DOUBLED_VALUES_FROM = _dt.date(2001, 11, 26)

_ROUND_ALIASES = {
    "jeopardy": JEOPARDY,
    "j": JEOPARDY,
    "single": JEOPARDY,
    "single jeopardy": JEOPARDY,
    "double jeopardy": DOUBLE,
    "double": DOUBLE,
    "dj": DOUBLE,
    "final jeopardy": FINAL,
    "final": FINAL,
    "fj": FINAL,
    "tiebreaker": TIEBREAKER,
    "tie breaker": TIEBREAKER,
    "tie-breaker": TIEBREAKER,
    "tb": TIEBREAKER,
}

_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_LINK = re.compile(r"<a\s[^>]*href\s*=\s*[\"']?([^\"'\s>]*)[^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_BACKSLASH_QUOTE = re.compile(r"\\+(['\"])")

_MEDIA_EXT = {
    "jpg": "image",
    "jpeg": "image",
    "png": "image",
    "gif": "image",
    "webp": "image",
    "bmp": "image",
    "mp3": "audio",
    "wav": "audio",
    "ogg": "audio",
    "m4a": "audio",
    "wmv": "video",
    "mp4": "video",
    "mov": "video",
    "avi": "video",
    "flv": "video",
}
# Phrases that only make sense next to a picture, sound or video the contestants saw or heard. Matched on
# the lower-cased text without IGNORECASE or a leading \b, which makes the search several times faster.
_MEDIA_PHRASE = re.compile(
    r"(?:seen|shown|pictured|heard|played|displayed|depicted|featured) here\b"
    r"|seen (?:above|below|in (?:the|this) (?:photo|picture|image|video|clip))\b"
    r"|in the (?:photo|picture|image|video|clip) (?:shown|seen|here)\b"
    r"|\[(?:audio|video|image|picture)"
)
# Link text that merely points at the media ("<a>this</a> state", "<a>these</a> trees").
_DEICTIC_LINK = re.compile(
    r"^(?:here|this|these|that|those|him|her|them|it|(?:this|these|that|those)(?: \S+){1,2})$"
)


class CleanText(NamedTuple):
    """A cleaned clue: the text, and what kind of media it needs (``None`` when it stands on its own)."""

    text: str
    media: str | None = None
    media_urls: tuple[str, ...] = ()


def unescape(text: str) -> str:
    """Undo HTML entities and the stray backslash escapes of the scrape."""
    if "\\" in text:
        text = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
        text = _BACKSLASH_QUOTE.sub(r"\1", text)
    if "&" in text and ";" in text:  # "&" alone is common ("Lewis & Clark") and html.unescape is slow
        text = html.unescape(text)
    return text


def strip_wrapping_quotes(text: str) -> str:
    """Remove the single quotes J-Archive puts around every clue (``'...'``)."""
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        return text[1:-1]
    return text


def squash(text: str) -> str:
    """Collapse runs of whitespace (``str.split`` is several times faster than a regex here)."""
    return " ".join(text.split())


def _strip_tags(text: str) -> str:
    # Removing a tag can leave "word ," behind; close such gaps.
    text = " ".join(_TAG.sub("", _BREAK.sub(" ", text)).split())
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text)


def clean_answer(raw: str) -> str:
    """A Jeopardy! response with HTML and escapes removed; parentheticals and alternatives are kept."""
    text = _strip_tags(raw) if "<" in raw else raw
    return squash(unescape(text))


def clean_clue(raw: str) -> CleanText:
    """Strip quotes, HTML (keeping a link's text) and escapes; detect clues that need a picture or sound."""
    text = strip_wrapping_quotes(raw.strip())
    kinds: list[str] = []
    urls: list[str] = []
    if "<" in text:
        for match in _LINK.finditer(text):
            url, label = match.group(1), _TAG.sub("", match.group(2))
            ext = url.rsplit(".", 1)[-1].lower() if "." in url else ""
            kind = _MEDIA_EXT.get(ext)
            if kind is None:
                continue
            urls.append(url)
            # Audio and video links usually wrap a transcript that stands on its own; a picture linked
            # from "this" or "here" does not.
            if kind == "image" and _DEICTIC_LINK.match(squash(label).lower()):
                kinds.append(kind)
        text = _strip_tags(_LINK.sub(lambda m: m.group(2), text))
    text = squash(unescape(text))
    lower = text.lower()
    # Every media phrase contains one of these; most clues contain none, so the regex rarely runs.
    if " here" in lower or "seen " in lower or "shown" in lower or "[" in lower:
        found = _MEDIA_PHRASE.search(lower)
        if found is not None:
            phrase = found.group(0)
            if phrase.startswith(("heard", "played", "[audio")):
                kinds.append("audio")
            elif phrase.startswith("[video"):
                kinds.append("video")
            else:
                kinds.append("image")
    return CleanText(text, kinds[0] if kinds else None, tuple(urls))


_VALUE_JUNK = re.compile(r"[\s,$]")


def parse_value(raw: object) -> int | None:
    """``"$2,000"`` -> 2000; ``None``, ``"None"``, ``""`` and ``"no value"`` -> ``None``."""
    if type(raw) is str:
        return _parse_value_text(raw)
    return _parse_value(raw)


@functools.lru_cache(maxsize=4096)
def _parse_value_text(raw: str) -> int | None:
    # A few hundred distinct strings cover a whole dump.
    return _parse_value(raw)


def _parse_value(raw: object) -> int | None:
    if raw is None or isinstance(raw, bool):
        if isinstance(raw, bool):
            raise ValueError(f"value {raw!r} is not an amount")
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw != int(raw):
            raise ValueError(f"value {raw!r} is not a whole dollar amount")
        return int(raw)
    text = _VALUE_JUNK.sub("", str(raw))
    if text.lower() in ("", "none", "null", "novalue", "n/a"):
        return None
    if not text.isdigit():
        raise ValueError(f"value {raw!r} is not a dollar amount")
    return int(text)


def parse_date(raw: object) -> _dt.date | None:
    """ISO ``YYYY-MM-DD`` (a trailing time is ignored); ``None`` or empty -> ``None``."""
    if type(raw) is str:
        return _parse_date_text(raw)
    return _parse_date(raw)


@functools.lru_cache(maxsize=16384)
def _parse_date_text(raw: str) -> _dt.date | None:
    # About 60 clues share each air date.
    return _parse_date(raw)


def _parse_date(raw: object) -> _dt.date | None:
    if raw is None:
        return None
    if isinstance(raw, _dt.datetime):
        return raw.date()
    if isinstance(raw, _dt.date):
        return raw
    text = str(raw).strip()
    if not text or text.lower() in ("none", "null"):
        return None
    try:
        return _dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"air_date {raw!r} is not a YYYY-MM-DD date") from None


def canonical_round(raw: object) -> str | None:
    """``"double jeopardy"``, ``"DJ"`` -> ``"Double Jeopardy!"``; an unknown name is returned as given."""
    if raw is None:
        return None
    return _canonical_round(raw if isinstance(raw, str) else str(raw))


@functools.lru_cache(maxsize=256)
def _canonical_round(raw: str) -> str | None:
    text = squash(raw)
    if not text or text.lower() in ("none", "null"):
        return None
    return _ROUND_ALIASES.get(text.lower().rstrip("!").strip(), text)


_BOARDS = {
    (JEOPARDY, False): (100, 200, 300, 400, 500),
    (JEOPARDY, True): (200, 400, 600, 800, 1000),
    (DOUBLE, False): (200, 400, 600, 800, 1000),
    (DOUBLE, True): (400, 800, 1200, 1600, 2000),
}


def board_values(round_name: str | None, air_date: _dt.date | None) -> tuple[int, ...]:
    """The five dollar values on the board of a round in the era of ``air_date`` (empty if no board)."""
    modern = air_date is None or air_date >= DOUBLED_VALUES_FROM
    return _BOARDS.get((round_name or "", modern), ())


def is_daily_double(
    raw_value: object, value: int | None, round_name: str | None, air_date: _dt.date | None
) -> bool:
    """A wager rather than a board value: off the board of its round and era, or written ``"$2,000"``.

    J-Archive writes board values without a comma (``$2000``) and wagers with one (``$2,000``), which
    catches the wagers that happen to equal a board value. A wager of, say, $800 on an $800 clue remains
    indistinguishable from the board.
    """
    board = board_values(round_name, air_date)
    if value is None or not board:
        return False
    if air_date is None and round_name in (JEOPARDY, DOUBLE):
        # Unknown era: a value of either era's board is a board value.
        board = board + board_values(round_name, DOUBLED_VALUES_FROM - _dt.timedelta(days=1))
    if isinstance(raw_value, str) and "," in raw_value:
        return True
    return value not in board


def difficulty(
    value: int | None, round_name: str | None, air_date: _dt.date | None, daily_double: bool
) -> int | None:
    """1-5: the row of the board the clue sat in (value and era); 5 for Final Jeopardy! and tiebreakers.

    A Daily Double's row is not in the data (only the wager is), so it has no difficulty.
    """
    if round_name in (FINAL, TIEBREAKER):
        return 5
    board = board_values(round_name, air_date)
    if value is None or daily_double or not board:
        return None
    # Without an air date ``board_values`` assumes today's board.
    return board.index(value) + 1 if value in board else None


def decade(air_date: _dt.date | None) -> int | None:
    return None if air_date is None else air_date.year // 10 * 10


def require_text(raw: object, field: str) -> str:
    """A field that must be a non-empty string (numbers are accepted and turned into text)."""
    if type(raw) is str:
        return raw.strip()
    if raw is None:
        return ""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise DatasetError(f"field '{field}' must be text, not {type(raw).__name__}")
    return str(raw).strip()
