"""Word-level comparisons for ``grading.match``: spelling variants, plurals, word forms and typos.

These are the rules that compare one word with another, or a reply's words with the key's words as plain
lists (content words, words added to the key, an unbroken run of the key's words), without deciding a whole
match: ``match.match_answer`` combines them into its ordered rules.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz.distance import OSA

from pytest_llmbench.grading.lexicon import (
    DISTINGUISHING_WORDS,
    GENERIC_DESCRIPTORS,
    KNOWN_NAMES,
    LEADING_DESCRIPTORS,
    PROPER_NAMES,
    STOPWORDS,
    TITLES,
)
from pytest_llmbench.grading.normalize import is_number, normalize

_SUFFIX_TOKENS = frozenset({"jr", "sr", "junior", "senior"})


def content_words(words: list[str], person: bool) -> tuple[list[str], set[str]]:
    suffixes = {w for w in words if w in _SUFFIX_TOKENS}
    # "to uproot": the infinitive's "to" says no more than an article does.
    out = [w for i, w in enumerate(words) if w not in STOPWORDS and w not in _SUFFIX_TOKENS and (i or w != "to")]
    while len(out) > 1 and out[0] in TITLES and (person or out[0] != "saint"):
        out = out[1:]
    if not person and len(out) > 1:
        if out[-1] in GENERIC_DESCRIPTORS and _substantial(out[:-1]):
            out = out[:-1]
        if len(out) > 1 and out[0] in GENERIC_DESCRIPTORS | LEADING_DESCRIPTORS and _substantial(out[1:]):
            out = out[1:]
    return (out or [w for w in words if w not in STOPWORDS] or words), suffixes


def _substantial(words: list[str]) -> bool:
    """What is left after dropping "Sea" from "Red Sea" must still name something on its own."""
    return any(len(w) >= 5 or w in KNOWN_NAMES or w.isdigit() for w in words)


_DOUBLED = re.compile(r"(.)\1+")
_SPELLING_RULES = (("ph", "f"), ("ou", "o"), ("ie", "i"), ("ei", "i"), ("ae", "e"))
_SPELLING_LETTERS = str.maketrans({"q": "k", "c": "k", "z": "s", "y": "i"})


@lru_cache(maxsize=65536)
def spelled(word: str) -> str:
    """One spelling for the variants of a word (sulphur/sulfur, Cracow/Krakow, Cortez/Cortes, Sheik/Shiek,
    Sheeba/Sheba): only for words of five letters or more, where such a rewrite rarely meets another word."""
    if len(word) < 5 or not word.isalpha():
        return word
    word = word.translate(_SPELLING_LETTERS)
    for old, new in _SPELLING_RULES:
        word = word.replace(old, new)
    return _DOUBLED.sub(r"\1", word)


_WORD_ENDINGS = (
    "isms", "ism", "ists", "ist", "ings", "ing", "ations", "ation", "ions", "ion", "ians", "ian", "ia", "ic",
    "al", "ers", "er", "ed", "es", "s", "e", "y",
)  # fmt: skip


def _stem(word: str) -> str:
    for ending in _WORD_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def word_form_of(a: str, b: str) -> bool:
    """Two forms of one word: the same stem once a common ending is cut (reproduce/reproduction)."""
    if a == b:
        return True
    if a in KNOWN_NAMES or b in KNOWN_NAMES or is_number(a) or is_number(b):
        return False
    if min(len(a), len(b)) < 5:
        return False  # "Este" is not a form of "Estevez"
    short, long_ = sorted((_stem(a), _stem(b)), key=len)
    return len(short) >= 4 and long_.startswith(short) and len(long_) - len(short) <= 2


def forms_in_any_order(said: list[str], key: list[str]) -> bool:
    """ "shot blocking" for `blocked shots`: each of the key's words once, in another form or number and in any
    order (words in another order already compare equal as they are)."""
    if len(said) != len(key) or len(key) < 2:
        return False
    left = list(key)
    for word in said:
        found = next((k for k in left if word_form_of(word, k) or plural_of(word, k)), None)
        if found is None:
            return False
        left.remove(found)
    return True


_LATIN_PLURALS = (("us", "i"), ("um", "a"), ("is", "es"), ("a", "ae"), ("on", "a"), ("ex", "ices"), ("ix", "ices"))


def plural_of(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < 3 or a in PROPER_NAMES or b in PROPER_NAMES:
        return False
    if any(
        (a.endswith(x) and b.endswith(y) and a[: -len(x)] == b[: -len(y)] and len(a) > len(x) + 2)
        for x, y in _LATIN_PLURALS + tuple((y, x) for x, y in _LATIN_PLURALS)
    ):
        return True  # fungus/fungi, larva/larvae, phenomenon/phenomena
    short, long_ = sorted((a, b), key=len)
    return long_ in (
        short + "s",
        short + "es",
        short[:-1] + "ies" if short.endswith("y") else "",
        short[:-1] + "ves" if short.endswith("f") else "",
        short[:-2] + "ves" if short.endswith("fe") else "",
    )


def is_typo(said: str, key: str) -> bool:
    """Whether ``said`` is a plausible misspelling of ``key`` rather than another word."""
    if said == key:
        return True
    if any(c.isdigit() for c in said + key) or said[:1] != key[:1]:
        return False
    if said in KNOWN_NAMES:
        return False  # a real name one letter from the key is another entity, not a typo
    shortest = min(len(said), len(key))
    allowed = 2 if shortest >= 9 else 1 if shortest >= 6 else 0
    if OSA.distance(said, key) > allowed:  # a swapped pair of letters is one slip
        return False
    short, long_ = sorted((said, key), key=len)
    if long_.startswith(short) and long_[len(short) :] != "e":
        return False  # Helen/Helena, Victoria/Victorian: a different word, not a typo
    return True


def distinguishing(word: str) -> bool:
    """A word like North or New that makes another entity, or a slip for one ("Nothern" in a misspelt key)."""
    if word in DISTINGUISHING_WORDS:
        return True
    return len(word) >= 6 and any(len(d) >= 6 and is_typo(word, d) for d in DISTINGUISHING_WORDS)


def same_words_in_another_case(response: str, key: str) -> bool:
    """Case matters to ``normalize`` only where it tells words apart ("US" the country, "us" the pronoun);
    the key's own words in another case ("aa uae" for "AA UAE") still name the same thing."""
    folded = response.casefold(), key.casefold()
    return folded != (response, key) and normalize(folded[0]) == normalize(folded[1])


def added_words(said: list[str], said_c: list[str], key_c: list[str]) -> list[str] | None:
    """The reply's words that are not the key's, when the reply names every word of the key in order
    (compared as ``spelled``)."""
    i, extra = 0, []
    for word, canon in zip(said, said_c, strict=True):
        # "Connecticut's Charter": a possessive loses its apostrophe in normalising, not its meaning.
        if i < len(key_c) and (canon == key_c[i] or canon == key_c[i] + "s"):
            i += 1
        else:
            extra.append(word)
    return extra if i == len(key_c) else None


def kept_run(said_c: list[str], key_c: list[str], key: list[str]) -> tuple[list[str], list[str]] | None:
    """The key's words before and after the reply, when the reply is an unbroken run of the key's words."""
    n = len(said_c)
    for start in range(len(key_c) - n + 1):
        if key_c[start : start + n] == said_c:
            return key[:start], key[start + n :]
    return None


def word_matches(said: str, key: str, index: int, length: int, person: bool) -> bool:
    # A middle initial stands for the middle name ("John Q. Adams" = "John Quincy Adams"), whether or not the
    # clue said the answer is a person: a single letter between two words is an initial.
    middle = 0 < index < length - 1
    if middle and min(len(said), len(key)) == 1 and said[0] == key[0]:
        return True
    if person:
        return is_typo(said, key)
    return plural_of(said, key) or is_typo(said, key)


def number_with_words(said: list[str], number: str) -> bool:
    """ "13 colonies", "360 degrees", "1492 AD": the key's number and at most two plain words."""
    numbers = [w for w in said if is_number(w)]
    others = [w for w in said if not is_number(w)]
    return (
        numbers == [number] and len(others) <= 2 and not any(w in DISTINGUISHING_WORDS or w == "minus" for w in others)
    )
