"""Replies that differ from the key only by words the clue already gives, for ``grading.match``."""

from __future__ import annotations

from pytest_llmbench.grading.answer_key import KeyForm, given_root
from pytest_llmbench.grading.lexicon import DISTINGUISHING_WORDS, STOPWORDS
from pytest_llmbench.grading.normalize import is_number
from pytest_llmbench.grading.result import MatchResult
from pytest_llmbench.grading.words import is_typo

#: Words after which the key is not the thing named but a part of it or a list ("Pinky and the Brain").
LIST_WORDS = frozenset({"and", "or", "nor", "versus", "vs"})


def clue_words_only(
    response: str,
    form: KeyForm,
    said_norm: str,
    key_norm: str,
    said: list[str],
    key: list[str],
    similarity: float,
) -> MatchResult | None:
    """The reply and the key differ only by words the clue (or category) already says: "Bull's Blood" for
    `a bull` when the clue asks for this animal's "blood", "Manchester" for `the Manchester terrier` when it
    asks for this terrier. Such words add no information, so what is left must be the same on both sides,
    and must be something. Numbers and words like North still tell things apart, and "the Prime Minister of
    Jamaica" names a minister, not Jamaica."""
    if not form.given:
        return None
    given = form.given
    key_r = [given_root(w) for w in key]
    said_r = [part for w in said for part in _split_compound(given_root(w), key_r, given)]  # "Bull's Blood"
    # Every word counts here, descriptors too: "the Corinth Canal" is not only "Corinth".
    said_all = [given_root(w) for w in said_norm.split() if w not in STOPWORDS]
    if said_r != key_r and all(w in given for w in said_all) and not all(w in given for w in key_r):
        # "a terrier" for `the Manchester terrier` when the clue asks for this terrier: the reply says only
        # what the clue said. Sure when it shares no word, nor a word's start, with the key ("Hugo Chavez"
        # for `Venezuela`); "lumber" for `softwood lumber` or "lady beetles" for `ladybugs` may still be it.
        reason = f"'{response}' only repeats the clue's words, not '{form.text}'"
        sure = not any(a[:4] == b[:4] for a in said_all for b in key_r)
        return MatchResult(False, similarity, "clue-words", reason, form.text, similarity=similarity, confident=sure)
    extra = [w for w in said_r if w not in key_r]
    missing = [w for w in key_r if w not in said_r]
    extra_given, missing_given = [w for w in extra if w in given], [w for w in missing if w in given]
    if form.joined and missing:
        return None  # BEFORE & AFTER: every word of the key is half the answer
    if not (extra_given or missing_given) or (extra_given and missing_given):
        return None  # no clue word involved, or one in place of another: another answer whatever the clue says
    if any(is_number(w) or w in DISTINGUISHING_WORDS for w in extra + missing):
        return None
    said_core, key_core = [w for w in said_r if w not in given], [w for w in key_r if w not in given]
    if not key_core or not said_core:
        return None
    # What is left is the key's own words, written as the key writes them, run together ("the Battle of Little
    # Bighorn" for `the Little Big Horn`) or with a slip ("the Thyroid" for `the thryoid gland`).
    slip = len(said_core) == len(key_core) and all(is_typo(a, b) for a, b in zip(said_core, key_core, strict=True))
    if sorted(said_core) != sorted(key_core) and "".join(said_core) != "".join(key_core) and not slip:
        return None
    if f" of {key_norm}" in f" {said_norm}" and not said_norm.startswith("of "):
        return None
    # A list with the clue's own thing in it ("Lincoln and Douglas") usually names the answer, but not always.
    listed = any(w in said_norm.split() and w not in key_norm.split() for w in LIST_WORDS)
    how = "adds" if extra_given else "leaves off"
    reason = f"'{response}' {how} only words the clue itself gives to '{form.text}'"
    # Leaving off a word the clue gives is unsure: in wordplay the clue quotes the very word the answer must
    # complete ("Shelter" where you live out your fears: `a fallout shelter`).
    sure = not listed and not missing_given and sorted(said_core) == sorted(key_core)
    return MatchResult(True, 0.9, "clue-words", reason, form.text, similarity=similarity, confident=sure)


def _split_compound(word: str, key: list[str], given: frozenset[str]) -> list[str]:
    """ "redshift" as "red shift" when the key is `Shift` and the clue says "Red": a key word written as one
    word with a word of the clue ("Whitefish Bay" for `White`, "Cardinalfish" for `a cardinal`)."""
    if word in key:
        return [word]
    for k in key:
        if len(word) - len(k) >= 3 and len(k) >= 3:
            if word.startswith(k) and given_root(word[len(k) :]) in given:
                return [k, given_root(word[len(k) :])]
            if word.endswith(k) and word[: -len(k)] in given:
                return [word[: -len(k)], k]
    return [word]
