"""Other written forms of one name, for ``grading.match``: familiar given names, given names spelt another way,
surname particles, transliterations, epithets.

A judge takes "Teddy Roosevelt" for `Theodore Roosevelt`, "Steven Spielberg" for `Stephen Spielberg`, "Madame
de Pompadour" for `Madame du Pompadour` and "the Quran" for `The Koran`: the same name, written another way. What
must stay apart is another person or place whose name only looks alike (James Brown is not Jim Brown, Lenin is not
Lennon), so every rule here is narrow, none crosses a number or a word like North, and each says it is unsure, so
that ``adaptive`` asks its judge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from pytest_llmbench.grading.lexicon import DISTINGUISHING_WORDS, FAMILIAR_FORMS, KNOWN_NAMES
from pytest_llmbench.grading.names import PARTICLES_IN_SURNAMES
from pytest_llmbench.grading.normalize import is_number
from pytest_llmbench.grading.words import spelled

_VOWELS = re.compile(r"[aeiouy]+")
#: Epithets that follow a name after "the" ("Hans Holbein the Younger", "Alexander the Great") or stand before
#: it ("the Great Sphinx"): they say which of a name's bearers, not another name.
EPITHETS = frozenset({"great", "elder", "younger", "little"})


@dataclass(frozen=True, slots=True)
class Variant:
    """How the reply's words write the key's name another way, and whether that names the same thing."""

    accepted: bool
    rule: str  # familiar-name, formal-name, given-spelling, particle, transliteration
    reason: str


def familiar_form(said: str, key: str) -> bool:
    """ "Teddy" for Theodore, "Bill" for William: ``said`` is a familiar form of the given name ``key``."""
    return said in FAMILIAR_FORMS.get(key, frozenset())


def _loose(word: str) -> str:
    """``spelled`` for short given names too: Allen/Alan, Stephen/Steven are one name."""
    word = word.replace("ph", "f").replace("v", "f")
    return re.sub(r"(.)\1+", r"\1", word)


def given_spelling(said: str, key: str) -> bool:
    """A given name spelt another way (Karen/Karin, Allen/Alan, Steven/Stephen): the same first letter and
    consonants, one vowel slip once doubled letters and ph/v are set aside, and neither a known name nor the
    other with an ending (Julia is not Julian, Mary not Mark, Eric not Erin)."""
    if said[:1] != key[:1] or min(len(said), len(key)) < 4 or not (said + key).isalpha():
        return False
    if said in KNOWN_NAMES or key in KNOWN_NAMES or said.startswith(key) or key.startswith(said):
        return False
    a, b = _loose(said), _loose(key)
    return a[0] + _VOWELS.sub("", a[1:]) == b[0] + _VOWELS.sub("", b[1:]) and OSA.distance(a, b) <= 1


def _skeleton(word: str) -> str:
    """The consonants in order, first letter kept; Wade-Giles "tz" as pinyin "z" (Lao-tzu, Laozi)."""
    word = spelled(word).replace("ts", "s")  # spelled writes z as s
    return word[:1] + _VOWELS.sub("", word[1:])


def transliterated(said: str, key: str) -> bool:
    """The same name in another transliteration or spelling, where only vowels differ once ``spelled`` has had
    its say (Koran/Quran, Heracles/Hercules, Krakatau/Krakatoa): five letters or more, the same first letter and
    consonants in the same order, at most two vowel edits, and neither a known name."""
    if min(len(said), len(key)) < 5 or abs(len(said) - len(key)) > 2 or not (said + key).isalpha():
        return False
    if said in KNOWN_NAMES or key in KNOWN_NAMES:
        return False
    return _skeleton(said) == _skeleton(key) and OSA.distance(spelled(said), spelled(key)) <= 2


def name_variant(said: list[str], key: list[str], person: bool, proper: bool) -> Variant | None:
    """Whether the reply's content words write the key's name another way, word by word (``None``: they do not,
    or they name something else the other rules must judge). ``proper``: the key is a capitalised name, where
    vowels may differ by transliteration; in common words a vowel makes another word (manor/minor)."""
    if any(is_number(w) or w in DISTINGUISHING_WORDS for w in set(said) ^ set(key)):
        return None
    bare_said = [w for w in said if w not in PARTICLES_IN_SURNAMES]
    bare_key = [w for w in key if w not in PARTICLES_IN_SURNAMES]
    if not bare_key:
        return None
    if len(bare_said) != len(bare_key):
        # "Ulaanbaatar" for `Ulan Bator`: a place written as one word. Never a person: "Richard E. Byrd" run
        # together differs from "Richard Byrd" only by a vowel, yet a middle initial may make another person.
        one_word = min(len(bare_said), len(bare_key)) == 1 and min(map(len, bare_said + bare_key)) >= 3
        if not (proper and one_word and not person):
            return None
        bare_said, bare_key = ["".join(bare_said)], ["".join(bare_key)]
    rules: list[str] = []
    for i, (a, b) in enumerate(zip(bare_said, bare_key, strict=True)):
        if spelled(a) == spelled(b):
            continue
        given = person and i < len(bare_key) - 1
        if given and familiar_form(b, a):
            # `Jim Brown` names the man known as Jim; a James Brown may be another man.
            return Variant(False, "formal-name", f"'{a}' is the formal name for '{b}': it may be another person")
        if given and familiar_form(a, b):
            rules.append("familiar-name")
        elif given and given_spelling(a, b):
            rules.append("given-spelling")
        elif proper and transliterated(a, b):
            rules.append("transliteration")
        elif proper and not person and len(bare_key) > 1 and max(a, b, key=len) == min(a, b, key=len) + "s":
            rules.append("plural")  # "the Sierra Nevada" for `Sierra Nevadas`: the range by either name
        else:
            return None
    if not rules and proper and len(said) == len(key) and bare_said == bare_key and said != key:
        rules.append("particle")  # "Madame de Pompadour" for `Madame du Pompadour`
    if not rules:
        return None
    how = {
        "familiar-name": "with a familiar form of the given name",
        "given-spelling": "with the given name spelt another way",
        "particle": "with another particle",
        "transliteration": "in another spelling",
        "plural": "in the singular or plural",
    }[rules[0]]
    return Variant(True, rules[0], how)


def epithet_added(said: list[str], key: list[str], said_norm: str) -> bool:
    """ "Hans Holbein the Younger" for `Hans Holbein`, "the Great Sphinx" for `the Sphinx`: the key's words, in
    order, with one epithet before them or after "the"."""
    extra = [w for w in said if w not in key]
    if len(extra) != 1 or extra[0] not in EPITHETS or [w for w in said if w in key] != key:
        return False
    word = extra[0]
    return said[0] == word or (f" the {word}" in f" {said_norm}" and said[-1] == word)
