"""Compare one extracted answer with one accepted form of the key, safely.

The rules run in order and the first that decides wins:

1. equal after full normalisation, or equal once spaces are ignored ("Sea World" = "SeaWorld"), give or take
   a plural or a slip when one word is written as two ("lug nuts" for `a lugnut`); a key of several things
   joined by "and" is matched part by part ("Lake Ontario and Lake Erie" for `Erie & Ontario`);
2. equal content words: stopwords (the, of, and, ...), leading titles ("Queen"), a leading or trailing
   descriptor ("Mount", "River") and a Jr./Sr. on one side only do not count; word order does not matter;
   spelling variants of a word compare equal (sulphur/sulfur, Cracow/Krakow: ``spelled``);
   the same name **written another way** (``variants``): a familiar given name for the formal one ("Teddy"
   for `Theodore`, never the other way round: James Brown is not `Jim Brown`), a given name spelt another way,
   another surname particle, a transliteration (Quran/Koran, Laozi/Lao-tzu), a range's name in the singular;
   a quoted nickname in the reply ('William "Boss" Tweed') is read as the key's nicknames are;
3. the surname alone, when the key is a person's name; a full name for a bare surname key;
4. **words added** to the key ("Richard Nixon" for `Nixon`, "Purple Rain by Prince"): accepted unless they
   are a number or a distinguishing word, make a list, or sit inside a person's name;
5. a name and its **initials** (JFK, J.S. Bach, OPEC, "Vladimir Lenin" for `V.I. Lenin`); an epithet added
   ("Hans Holbein the Younger", "the Great Sphinx"); the opening words of a quotation, whatever follows;
6. **vetoes**: a difference in a number, a direction or other distinguishing word (North/South, New, post-),
   a known name replaced by another known name (Austria/Australia), or given names of a person -> different
   entity;
7. a person's name without its middle initial; numbers with a unit word; plurals (Latin ones too); another
   form of the same word (checking/check);
8. **words dropped** from the key: a leading modifier ("a razor" for `a straight razor`) or a type word
   ("Balmoral" for `Balmoral Castle`), never the words after "of", one of several things, or a part that is
   itself another known name ("France" of `Air France`);
9. short answers (<= 4 characters) must have matched by now (Io is not Ion);
10. word by word, each pair equal, a plural of the other, or a real typo: same first letter, one edit from
    6 letters on, two from 9, not a word-ending change other than a dropped "e", and neither word a known
    name; last, a non-person key of 8+ characters written nine letters in ten the same.

Every result says whether the rules are sure of it (``confident``): added words of uncertain meaning,
middle names, word forms, close spellings, names written another way, epithets, one-sided vetoes and
rejections that overlap the key are not, and
``adaptive`` asks its judge about those.

Vetoed results carry ``vetoed=True`` so no fuzzier grader and no judge ever overturns them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from rapidfuzz import fuzz

from pytest_llmbench.grading.answer_key import KeyForm, nickname_forms
from pytest_llmbench.grading.clue_words import LIST_WORDS, clue_words_only
from pytest_llmbench.grading.lexicon import (
    DISTINGUISHING_WORDS,
    GENERIC_DESCRIPTORS,
    KNOWN_NAMES,
    PLACES,
    TYPE_WORDS,
)
from pytest_llmbench.grading.names import (
    PARTICLES_IN_SURNAMES,
    acronym_of,
    another_known_name,
    full_name_of,
    initials_agree,
    is_surname,
    middle_initials_only,
    names_for_initials,
    regnal_number_added,
    similar_names,
)
from pytest_llmbench.grading.normalize import is_number, normalize, normalize_light
from pytest_llmbench.grading.result import MatchResult as MatchResult
from pytest_llmbench.grading.variants import epithet_added, name_variant
from pytest_llmbench.grading.words import (
    added_words,
    content_words,
    distinguishing,
    forms_in_any_order,
    kept_run,
    number_with_words,
    plural_of,
    same_words_in_another_case,
    word_form_of,
    word_matches,
)
from pytest_llmbench.grading.words import is_typo as is_typo
from pytest_llmbench.grading.words import spelled as spelled

SHORT_LENGTH = 4
_QUOTATION = 4  # content words from which a quoted key is a quotation, not a title
UNSURE_OVERLAP = 0.4
CLOSE_SPELLING = 0.9


def _substitution(said: list[str], key: list[str]) -> bool:
    """Whether each side has a word the other lacks (a word in place of another, not only added or dropped)."""
    return bool(Counter(said) - Counter(key)) and bool(Counter(key) - Counter(said))


def _parts(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"\band\b", text) if p.strip()]
    last = parts[-1].split() if parts else []
    shared = len(parts) > 1 and len(last) > 1 and all(len(p.split()) == 1 and p != last[-1] for p in parts[:-1])
    if shared:  # "Lynn & Vanessa Redgrave"; but `Ireland & Northern Ireland` names Ireland itself
        parts = [f"{p} {last[-1]}" for p in parts[:-1]] + [parts[-1]]
    return parts


def _conjuncts(said_norm: str, key_norm: str, typos: bool) -> tuple[bool, bool] | None:
    """Whether a key of several things joined by "and" is named part by part ("Lake Ontario and Lake Erie"
    for `Erie & Ontario`), and whether in the key's order; in another order it is unsure, since order is
    sometimes the answer."""
    if " and " not in f" {key_norm} " or " and " not in f" {said_norm} ":
        return None
    said_parts, key_parts = _parts(said_norm), _parts(key_norm)
    if len(key_parts) < 2 or len(said_parts) != len(key_parts):
        return None
    order: list[int] = []
    for key_part in key_parts:
        form = KeyForm(key_part)
        found = [i for i, p in enumerate(said_parts) if i not in order and match_answer(p, form, typos=typos).accepted]
        if not found:
            return None
        order.append(found[0])
    in_order = order == sorted(order)
    return in_order, in_order


def _veto(said: list[str], key: list[str], person: bool, suffixes: tuple[set[str], set[str]]) -> str | None:
    extra = Counter(said) - Counter(key)
    missing = Counter(key) - Counter(said)
    # "Northern Ireland" for a key misspelt `Nothern Ireland`: a slip in a word is still that word.
    slips = {w for a in extra for b in missing if is_typo(a, b) for w in (a, b)}
    differing = [w for w in list(extra) + list(missing) if w not in slips]
    numbers = [w for w in differing if is_number(w)]
    if numbers:
        return f"the numbers differ ({', '.join(sorted(numbers))})"
    words = sorted(w for w in differing if w in DISTINGUISHING_WORDS)
    if words:
        return f"'{words[0]}' makes it a different entity"
    if suffixes[0] and suffixes[1] and suffixes[0] != suffixes[1]:
        return "Jr. and Sr. are different people"
    if len(said) == len(key):
        for a, b in zip(said, key, strict=True):
            if a != b and a in KNOWN_NAMES and not plural_of(a, b):
                return f"'{a}' is a different name than '{b}'"
    if person and len(said) != len(key) and not middle_initials_only(said, key):
        return "the given names differ"
    return None


def match_answer(response: str, form: KeyForm, *, typos: bool = True) -> MatchResult:
    """Decide whether ``response`` names the thing ``form`` names."""
    said_norm, key_norm = normalize(response), normalize(form.text)
    if not said_norm:
        return MatchResult(False, 0.0, "none", "the reply has no answer", form.text)
    for named in nickname_forms(response)[1:] if '"' in response else ():  # 'William "Boss" Tweed'
        result = match_answer(named, form, typos=typos)
        if result.accepted:
            return result
    ratio = fuzz.ratio(said_norm, key_norm) / 100
    if said_norm == key_norm or same_words_in_another_case(response, form.text):
        return MatchResult(True, 1.0, "exact", f"'{response}' matches '{form.text}'", form.text, similarity=1.0)
    has_digit = any(c.isdigit() for c in said_norm + key_norm)
    if not has_digit and said_norm.replace(" ", "") == key_norm.replace(" ", ""):
        return MatchResult(True, 1.0, "spacing", f"'{response}' matches '{form.text}'", form.text, similarity=1.0)
    joined = said_norm.replace(" ", ""), key_norm.replace(" ", "")
    respaced = said_norm.count(" ") != key_norm.count(" ") and not form.person
    single_letters = any(len(w) == 1 for w in f"{said_norm} {key_norm}".split())
    if (
        respaced
        and not has_digit
        and not single_letters
        and min(map(len, joined)) >= 6
        and (plural_of(*joined) or is_typo(*joined))
    ):
        # "lug nuts" for `a lugnut`, "a dandy lion" for `a dandelion`: one word written as two, give or take a
        # plural or a slip.
        reason = f"'{response}' is '{form.text}' written with other spacing"
        return MatchResult(True, 0.9, "spacing", reason, form.text, similarity=0.9, confident=False)
    both = _conjuncts(said_norm, key_norm, typos)
    if both is not None:
        in_order, sure = both
        reason = f"'{response}' names the same things as '{form.text}'" + ("" if in_order else " in another order")
        return MatchResult(True, 0.9, "conjuncts", reason, form.text, similarity=0.9, confident=sure)
    said, said_sfx = content_words(said_norm.split(), form.person)
    key, key_sfx = content_words(key_norm.split(), form.person)
    similarity = fuzz.token_sort_ratio(" ".join(said), " ".join(key)) / 100
    suffix_clash = bool(said_sfx and key_sfx and said_sfx != key_sfx)
    said_c, key_c = [spelled(w) for w in said], [spelled(w) for w in key]
    if sorted(said_c) == sorted(key_c) and not suffix_clash and not another_known_name(said, key):
        return MatchResult(
            True,
            0.98,
            "equivalent",
            f"'{response}' is the same name as '{form.text}'",
            form.text,
            similarity=1.0,
        )
    # Both written with capitals, as names are: J-Archive capitalises a key's first word ("Pupil"), models
    # write "pupal" for another word but "Hercules" for a name.
    proper = any(c.isupper() for c in form.text) and any(c.isupper() for c in response)
    variant = name_variant(said, key, form.person, proper) if not suffix_clash else None
    if variant is not None:
        reason = f"'{response}' is '{form.text}' {variant.reason}" if variant.accepted else variant.reason
        score = 0.9 if variant.accepted else ratio
        return MatchResult(
            variant.accepted, score, variant.rule, reason, form.text, similarity=similarity, confident=False
        )
    decided = clue_words_only(response, form, said_norm, key_norm, said, key, similarity)
    if decided is not None:
        return decided
    if form.person and form.surname and is_surname(said, form.surname):
        return MatchResult(
            True,
            0.9,
            "surname",
            f"'{response}' is the surname of '{form.text}'",
            form.text,
            similarity=similarity,
        )
    if form.bare_surname and full_name_of(said, key) and " of " not in f" {said_norm} ":
        # "the Prime Minister of Jamaica" names a minister, not the Jamaica a person-like clue asked for.
        reason = f"'{response}' is a full name for '{form.text}'"
        return MatchResult(True, 0.9, "full-name", reason, form.text, similarity=similarity)
    if (form.person or form.bare_surname) and regnal_number_added(response, said, key):
        reason = f"'{response}' is '{form.text}' with the regnal number"
        return MatchResult(True, 0.9, "regnal", reason, form.text, similarity=similarity)
    added = added_words(said, said_c, key_c) if len(said) > len(key) and not form.shortened else None
    if added is None and len(said) > len(key) and not form.shortened:
        # "the Olympic Games" for `the Olympics`, "the Cascade Range" for `the Cascades`: a type word carries
        # the plural. Without one, a singular is another thing ("a Saint Bernard" is not the Saints).
        singular = [w[:-1] if w.endswith("s") and len(w) > 4 else w for w in key_c]
        typed = added_words(said, said_c, singular)
        if typed and all(w in TYPE_WORDS or w in GENERIC_DESCRIPTORS for w in typed):
            added = typed
    reformed = added is None and len(said) > len(key) and not (form.shortened or form.person)
    reformed = reformed and not any(c.isupper() for c in response)
    if reformed:
        # "liquidating your assets" for `liquidate`, "the larval stage" for `larva`: another form of the key's
        # word, with words added. Unsure: a form may be another thing (organic/organism); and never for names,
        # where a form is another name (the Society of Jesus is not the Jesuits by its words).
        as_key = [
            next((kc for k, kc in zip(key, key_c, strict=True) if word_form_of(w, k)), c)
            for w, c in zip(said, said_c, strict=True)
        ]
        added = added_words(said, as_key, key_c)
    if added is not None and not suffix_clash:
        decided = _key_within_reply(response, form, said_norm, key_norm, said, key, added, similarity)
        if decided is not None:
            return replace(decided, rule="word-form", confident=False) if reformed and decided.accepted else decided
    if acronym_of(response, key) or acronym_of(form.text, said) or initials_agree(response, said, form.text, key):
        reason = f"'{response}' and '{form.text}' are the same name, one by its initials"
        return MatchResult(True, 0.9, "initials", reason, form.text, similarity=similarity)
    if (form.person or proper) and epithet_added(said, key, said_norm):
        reason = f"'{response}' is '{form.text}' with an epithet"
        return MatchResult(True, 0.85, "epithet", reason, form.text, similarity=similarity, confident=False)
    if form.person and names_for_initials(said, key, form.text):
        reason = f"'{response}' spells out the initials of '{form.text}'"
        return MatchResult(True, 0.85, "initials", reason, form.text, similarity=similarity, confident=False)
    # The opening words of a quotation name it, whatever numbers follow ("Four score" of the Gettysburg Address).
    # A title's number is part of its name ("Rocky" is not `"Rocky II"`): only a longer quotation.
    opening = form.quoted and 2 <= len(said) < len(key) and len(key) >= _QUOTATION and key_c[: len(said_c)] == said_c
    veto = None if opening else _veto(said, key, form.person, (said_sfx, key_sfx))
    if veto:
        reason = f"'{response}' is not '{form.text}': {veto}"
        # A word in place of another (North for South, 1493 for 1492) is another entity for sure; a word only
        # added or only left off ("the Great Sphinx", "Lyndon Johnson" for `Lyndon B. Johnson`) usually is,
        # but not always.
        sure = _substitution(said, key) and not similar_names(said, key)
        return MatchResult(False, ratio, "veto", reason, form.text, vetoed=True, similarity=similarity, confident=sure)
    if form.person and len(said) < len(key) and middle_initials_only(said, key):
        reason = f"'{response}' is '{form.text}' without the middle initial"
        return MatchResult(True, 0.85, "middle-initial", reason, form.text, similarity=similarity, confident=False)
    if len(key) == 1 and is_number(key[0]) and number_with_words(said, key[0]):
        reason = f"'{response}' states the number {key[0]}"
        return MatchResult(True, 0.95, "number", reason, form.text, similarity=similarity)
    same_length = len(said) == len(key)
    if same_length and not form.person and all(plural_of(a, b) for a, b in zip(said, key, strict=True)):
        reason = f"'{response}' is a singular or plural of '{form.text}'"
        return MatchResult(True, 0.95, "plural", reason, form.text, similarity=similarity)
    if (
        same_length
        and not form.person
        and (
            all(word_form_of(a, b) or word_form_of(c, d) for a, b, c, d in zip(said, key, said_c, key_c, strict=True))
            or forms_in_any_order(said, key)
        )
    ):
        # "checking" for `check`, "Shintoism" for `Shinto`: another form of the same word, usually the same
        # answer but not always (organic/organism), so unsure.
        reason = f"'{response}' is another form of the word(s) of '{form.text}'"
        return MatchResult(True, 0.85, "word-form", reason, form.text, similarity=similarity, confident=False)
    kept = kept_run(said_c, key_c, key) if len(said) < len(key) else None
    if kept is not None:
        decided = _reply_within_key(response, form, key_norm, said, key, kept, similarity)
        if decided is not None:
            return decided
    if len(said_norm.replace(" ", "")) <= SHORT_LENGTH or len(key_norm.replace(" ", "")) <= SHORT_LENGTH:
        reason = f"'{response}' is not '{form.text}', and short answers must match exactly"
        # "Yale" in "Yale Bowl", "law" for "lawyer": a shared word or stem may or may not be the answer.
        sure = not any(a[:3] == b[:3] for a in said for b in key)
        return MatchResult(False, ratio, "short", reason, form.text, vetoed=True, similarity=similarity, confident=sure)
    if (
        typos
        and same_length
        and all(word_matches(a, b, i, len(key), form.person) for i, (a, b) in enumerate(zip(said, key, strict=True)))
    ):
        reason = f"'{response}' is a misspelling of '{form.text}'"
        return MatchResult(True, max(ratio, 0.8), "typo", reason, form.text, similarity=similarity)
    reason = f"'{response}' does not match '{form.text}' (similarity {ratio:.2f})"
    # Replies that share much of the key's letters are often another way to write it ("dandy lion"); replies
    # that share little are another answer.
    overlap = fuzz.partial_ratio(said_norm, key_norm) / 100
    close_enough = ratio >= CLOSE_SPELLING and len(key_norm) >= 8 and len(said) == len(key)
    if close_enough and not form.person and not any(len(w) == 1 for w in said + key):
        # Nine letters in ten the same ("Madame de Pompadour", "Jeana Yeager"): the key written another way,
        # once every veto above has had its say; unsure all the same.
        reason = f"'{response}' is written almost as '{form.text}' (similarity {ratio:.2f})"
        return MatchResult(True, ratio, "close", reason, form.text, similarity=similarity, confident=False)
    confident = overlap < UNSURE_OVERLAP
    return MatchResult(False, ratio, "none", reason, form.text, similarity=similarity, confident=confident)


_MANY_ADDED = 3


def _key_within_reply(
    response: str,
    form: KeyForm,
    said_norm: str,
    key_norm: str,
    said: list[str],
    key: list[str],
    added: list[str],
    similarity: float,
) -> MatchResult | None:
    """The reply names the key with words added ("Richard Nixon" for `Nixon`, "Bellevue Hospital", "Purple Rain
    by Prince"). A judge accepts these unless the added words make it another thing: a number or a word like
    North (left to the vetoes), a list of several things, or, for a person, another given or middle name."""
    if any(is_number(w) or w in DISTINGUISHING_WORDS for w in added):
        return None
    if response.casefold().endswith(f", {form.text.casefold()}") and all(w in PLACES for w in key):
        # "Osaka, Japan" for `Japan`: a place and the country or state it is in, named as the key names it.
        reason = f"'{response}' names a place in '{form.text}'"
        return MatchResult(True, 0.85, "place-in", reason, form.text, similarity=similarity, confident=False)
    said_all, key_all = Counter(said_norm.split()), Counter(key_norm.split())
    # "the Franklin D. Roosevelt Presidential Library and Museum": an "and" before a type word joins two names
    # of one place, not the key and another thing.
    typed_tail = all(w in TYPE_WORDS for w in said_norm.rsplit(" and ", 1)[-1].split()) and " and " in said_norm
    listed = any(said_all[w] > key_all[w] for w in LIST_WORDS) and not typed_tail
    if listed or response.count(",") > form.text.count(","):
        reason = f"'{response}' names '{form.text}' among other things"
        return MatchResult(False, similarity, "list", reason, form.text, similarity=similarity, confident=False)
    if form.person and len(key) > 1:
        # "Martin Van Buren" for `Van Buren`, "Material Girl by Madonna": words before a surname with a
        # particle or after the whole name add nothing; words inside a name make another person
        # (John Quincy Adams is not John Adams), so they are left to a judge.
        before = key[0] in PARTICLES_IN_SURNAMES and said[: len(added)] == added
        after = said[len(said) - len(added) :] == added  # "Harold Pinter's Betrayal"
        if not (before or after):
            reason = f"'{response}' adds a given or middle name to '{form.text}'"
            return MatchResult(
                False, similarity, "middle-name", reason, form.text, similarity=similarity, confident=False
            )
    # "the Imperial Seal of Japan" names a seal, not Japan: after "of" the key may be only a complement.
    complement = f" of {key_norm}" in f" {said_norm}" and not said_norm.startswith("of ")
    # A word added to a common noun often makes another thing ("a kidney transplant"); a word added to a
    # name rarely does ("Richard Nixon", "Yale University").
    named = any(c.isupper() for c in form.text) or all(w in TYPE_WORDS or w in GENERIC_DESCRIPTORS for w in added)
    confident = len(added) <= _MANY_ADDED and len(added) <= 2 * len(key) and not complement and named
    reason = f"'{response}' names '{form.text}' with words added"
    return MatchResult(True, 0.85, "added-words", reason, form.text, similarity=similarity, confident=confident)


def _reply_within_key(
    response: str,
    form: KeyForm,
    key_norm: str,
    said: list[str],
    key: list[str],
    kept: tuple[list[str], list[str]],
    similarity: float,
) -> MatchResult | None:
    """The reply leaves words of the key off. Leading modifiers may go ("a razor" for `a straight razor`,
    "the Pacers" for `Indiana Pacers`) and so may a generic last word ("Balmoral" for `Balmoral Castle`);
    the head of a phrase may not ("Bronx" is not a Bronx cheer), nor one of several things the key names, nor a
    part that is itself another known name ("France" of `Air France`)."""
    before, after = kept
    dropped = before + after
    shown = f"'{response}' leaves words of '{form.text}' off"
    if form.joined:  # "Ivan the Terrible" is half of `Ivan the Terrible Twos`
        return MatchResult(False, similarity, "part", shown, form.text, similarity=similarity)
    if any(is_number(w) or distinguishing(w) for w in dropped) and not (
        form.quoted and not before and len(key) >= _QUOTATION
    ):
        return None  # the vetoes say why
    if form.quoted and not before and len(said) >= 2 and len(key) >= 3:
        # "But, soft!" for `"But, soft! What light through yonder window breaks?"`: the opening words of a
        # quotation name it; a judge usually takes them, not always.
        reason = f"'{response}' opens the quotation '{form.text}'"
        return MatchResult(True, 0.85, "opening", reason, form.text, similarity=similarity, confident=False)
    if form.quoted and before:  # "trades" is not `"A jack of all trades"`: a quotation has no modifiers
        return MatchResult(False, similarity, "part", shown, form.text, similarity=similarity, confident=False)
    if any(w in LIST_WORDS for w in key_norm.split()) or all(w in KNOWN_NAMES for w in said):
        return MatchResult(False, similarity, "part", shown, form.text, similarity=similarity)
    if form.person or len("".join(said)) < SHORT_LENGTH:
        return MatchResult(False, similarity, "part", shown, form.text, similarity=similarity, confident=False)
    generic_tail = bool(after) and all(w in GENERIC_DESCRIPTORS or w in TYPE_WORDS for w in after)
    # In "Heart of Darkness" the words after "of" tell it apart from every other heart: they never go.
    of_phrase = "of" in key_norm.split()
    if after and (of_phrase or (not generic_tail and (len(key) > 3 or len("".join(said)) < 5))):
        return MatchResult(False, similarity, "part", shown, form.text, similarity=similarity, confident=False)
    # A lost head word ("Doublemint" for `Doublemint gum`) is usually still the thing, but not always.
    confident = len(dropped) == 1 and len(key) <= 3 and (generic_tail or not after)
    reason = f"'{response}' names '{form.text}' without its {'descriptor' if generic_tail else 'modifier'}"
    return MatchResult(True, 0.85, "dropped-words", reason, form.text, similarity=similarity, confident=confident)


def strict_match(response: str, form: KeyForm) -> bool:
    """Exact after light normalisation only: the ``strict`` grader's rule."""
    said = normalize_light(response)
    return bool(said) and said == normalize_light(form.text)
