"""Stable, content-derived question keys.

A key must be the same on every machine, process and xdist worker, and for the same clue read from the
JSON or the CSV, so it is a SHA-1 of the normalized text, never Python's salted ``hash()``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata


def normalize_for_key(text: str | None) -> str:
    """Case-, width- and whitespace-insensitive form of a field."""
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split()).casefold()


def _casefold_squashed(text: str | None) -> str:
    # Text the cleaner already squashed: only ASCII needs no NFKC (which may add spaces), so skip the rest.
    if not text:
        return ""
    return text.casefold() if text.isascii() else normalize_for_key(text)


def content_hash(category: str | None, clue: str, answer: str, *, squashed: bool = False) -> str:
    """SHA-1 of the normalized ``category|clue|answer``.

    ``squashed`` says whitespace is already collapsed (the Jeopardy! cleaner does it), which makes
    hashing 200,000 clues noticeably cheaper; the digest is the same either way.
    """
    norm = _casefold_squashed if squashed else normalize_for_key
    joined = f"{norm(category)}|{norm(clue)}|{norm(answer)}"
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()


def question_id(
    show_number: int | None, category: str | None, clue: str, answer: str, *, squashed: bool = False
) -> str:
    """``"4680-3fa9c1"`` (show number and 6 hex digits), or 10 hex digits when there is no show."""
    digest = content_hash(category, clue, answer, squashed=squashed)
    if show_number is None:
        return digest[:10]
    return f"{show_number}-{digest[:6]}"


_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort ``q2`` before ``q10``: digit runs compare as numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(text) if part)
