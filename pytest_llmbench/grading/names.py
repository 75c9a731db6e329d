"""Person-name and name-form rules for ``grading.match``: surnames, full names, middle initials, regnal
numbers, initials and acronyms, and names that only look alike.

Each helper answers one question about two lists of normalised words (or the raw reply, where capitals and
full stops matter for initials); ``match.match_answer`` decides in which order they apply.
"""

from __future__ import annotations

import re
from collections import Counter

from pytest_llmbench.grading.lexicon import DISTINGUISHING_WORDS, KNOWN_NAMES
from pytest_llmbench.grading.normalize import is_number
from pytest_llmbench.grading.words import is_typo


def middle_initials_only(said: list[str], key: list[str]) -> bool:
    """ "Lyndon Johnson" for `Lyndon B. Johnson`: the reply only leaves off middle initials of the key."""
    if len(said) < 2 or said[0] != key[0] or said[-1] != key[-1]:
        return False
    middle = [w for w in key[1:-1] if w not in said[1:-1]]
    return bool(middle) and all(len(w) == 1 for w in middle) and all(w in key for w in said)


def similar_names(said: list[str], key: list[str]) -> bool:
    """Names that differ only by a word beginning alike (James/Jimmy, Stephen/Steven): another form of the
    name or another person; only a judge knows. Numbers and words like North are never similar."""
    extra, missing = list(Counter(said) - Counter(key)), list(Counter(key) - Counter(said))
    if any(is_number(w) or w in DISTINGUISHING_WORDS for w in extra + missing):
        return False
    return len(extra) == len(missing) == 1 and extra[0][:1] == missing[0][:1]


def another_known_name(said: list[str], key: list[str]) -> bool:
    """A known name that only looks like the key's word once spelled alike (Colombia and Columbia)."""
    return any(w in KNOWN_NAMES for w in set(said) ^ set(key))


_ACRONYM = re.compile(r"(?:[A-Z]\.?){2,6}")
_INITIALS = re.compile(r"\b((?:[A-Z]\.\s?){2,3})")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)


def acronym_of(text: str, words: list[str]) -> bool:
    """ "FDR" for `Franklin D. Roosevelt`, "OPEC" for the Organization of Petroleum Exporting Countries: a
    reply (or key) written in capitals whose letters are the initials of the other side's words."""
    written = _LEADING_ARTICLE.sub("", text.strip().strip("\"'"))
    if len(words) < 2 or not _ACRONYM.fullmatch(written):
        return False
    return written.replace(".", "").casefold() == "".join(w[0] for w in words)


def initials_agree(response: str, said: list[str], key_text: str, key: list[str]) -> bool:
    """ "J.S. Bach" and "Johann Sebastian Bach": the same surname, and given names that are the initials of
    the other side's given names."""
    if len(said) < 2 or len(key) < 2 or said[-1] != key[-1] or len(said) == len(key):
        return False
    initials = {m.replace(".", "").replace(" ", "").casefold() for m in _INITIALS.findall(response + " " + key_text)}

    def letters(words: list[str]) -> list[str]:
        return [c for w in words for c in (w if w in initials else w[0])]

    short, long_ = sorted((said[:-1], key[:-1]), key=len)
    return any(w in initials for w in short) and letters(short) == [w[0] for w in long_]


def names_for_initials(said: list[str], key: list[str], key_text: str) -> bool:
    """ "Vladimir Lenin" for `V.I. Lenin`: the same surname, the reply's given names spelling out the key's
    initials in order, and only initials of the key left over at the end (George W. Bush is not George H.W.)."""
    if len(said) < 2 or len(key) < 2 or said[-1] != key[-1]:
        return False
    written = {m.replace(".", "").replace(" ", "").casefold() for m in _INITIALS.findall(key_text)}
    given, initials = said[:-1], [c for w in key[:-1] for c in (w if w in written else [w])]
    if len(given) >= len(initials) or any(len(w) != 1 for w in initials):
        return False
    return all(len(a) > 1 and a[0] == b for a, b in zip(given, initials, strict=False))


PARTICLES_IN_SURNAMES = frozenset({"de", "van", "von", "da", "del", "du", "le", "la", "di", "der", "den", "al"})


def is_surname(said: list[str], surname: str) -> bool:
    joined = " ".join(said)
    return joined == surname or (len(said) == 1 and " " not in surname and is_typo(joined, surname))


_ROMAN_TOKEN = re.compile(r"\b(?:[IVX]{1,6}|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\b")


def regnal_number_added(response: str, said: list[str], key: list[str]) -> bool:
    """ "Cleopatra VII" for "Cleopatra": the reply adds a regnal number the key does not name."""
    if any(is_number(w) for w in key):
        return False
    numbers = [w for w in said if is_number(w)]
    rest = [w for w in said if not is_number(w)]
    if len(numbers) != 1 or not _ROMAN_TOKEN.search(response):
        return False
    if len(rest) > len(key) and len(rest) - len(key) == 1 and rest[:-1] == key:
        rest = rest[:-1]  # "Isabella I of Castile": the realm after "of" is dropped with "of"
    return rest == key


def full_name_of(said: list[str], key: list[str]) -> bool:
    """ "Wolfgang Amadeus Mozart" for a key that is the bare surname "Mozart"."""
    return (
        2 <= len(said) <= 4 and said[-1] == key[-1] and all(w.isalpha() and w not in DISTINGUISHING_WORDS for w in said)
    )
