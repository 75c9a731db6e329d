"""Answer keys as J-Archive writes them, turned into the set of forms a judge would accept.

J-Archive conventions handled here:

- ``(Lou) Gehrig``: a parenthetical at the start (or in the middle) is optional -> "Gehrig", "Lou Gehrig".
- ``Sri Lanka (or Ceylon)``, ``Ceylon (accept Sri Lanka)``, ``A or B``, ``A/B``, ``"X", "Y", or "Z"``:
  alternatives.
- ``Great Britain (United Kingdom)``: a capitalised trailing parenthetical is another name for the same thing.
- ``Trams (smart)``: a lowercase single word that is an anagram of the answer is the wordplay hint, not an
  answer; ``Hattie McDaniel (for her role in ...)``: an explanatory parenthetical is dropped.
- ``Nairobi, Kenya``: a trailing ", <country or state>" qualifier is optional.
- A key shaped like a person's name (two or three capitalised words) whose clue speaks of a person ("he",
  "this author", ...) accepts the surname alone. With no clue text, the shape alone decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from pytest_llmbench.grading.lexicon import NON_PERSON_TOKENS, PERSON_CUES, PLACES
from pytest_llmbench.grading.normalize import clean_text, normalize, roman_value
from pytest_llmbench.grading.words import distinguishing


@dataclass(frozen=True, slots=True)
class KeyForm:
    """One accepted written form of the answer."""

    text: str
    person: bool = False
    surname: str | None = None  # normalised surname, when ``person``
    #: A lone surname for a person ("Mozart" when the clue says "he"): a full name ending in it is accepted,
    #: unless another form of the key names the given name ("(Wilt) Chamberlain").
    bare_surname: bool = False
    #: The form is another form of the key with words left off ("Chamberlain" of "(Wilt) Chamberlain"): the
    #: key says which words may be added to it, so no others are.
    shortened: bool = False
    #: The content words of the clue and its category, as ``match.given_root`` writes them: words a reply may
    #: add to the key, or leave off it, without saying more or less than the clue already does.
    given: frozenset[str] = frozenset()
    #: The category is BEFORE & AFTER: the key is two phrases run together on a shared word, and each alone
    #: is only half the answer.
    joined: bool = False
    #: The key is written in quotes: a quotation or title, whose opening words already name it.
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class AnswerKey:
    raw: str
    forms: tuple[KeyForm, ...]

    #: "(2 of) Lincoln, Nixon & McKinley": any ``choose`` of ``items`` answer the clue.
    choose: int = 0
    items: tuple[str, ...] = ()

    @property
    def alternatives(self) -> tuple[str, ...]:
        return tuple(f.text for f in self.forms)

    @property
    def canonical(self) -> str:
        return self.forms[0].text if self.forms else self.raw


_EXPLANATION_START = re.compile(
    r"^(?:for|in|from|as|turned|because|i\.e\.|e\.g\.|not|the one|meaning|which|who|after|before|during|"
    r"with|by|when|where|since|about|on|at|to|his|her|its|their)\b",
    re.I,
)
_ALTERNATIVE_START = re.compile(r"^(?:or|accept|also accept|also|aka|a\.k\.a\.)\s*:?\s+", re.I)
_PARTICLES = frozenset({"de", "van", "von", "da", "del", "du", "le", "la", "di", "bin", "ibn", "der", "den", "al"})
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def _strip_quotes(text: str) -> str:
    text = " ".join(text.split()).strip(" ,;")
    while len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" and text[0] not in text[1:-1]:
        text = text[1:-1].strip()
    return text


def _top_level_split(text: str, sep: re.Pattern[str]) -> list[str]:
    """Split on ``sep`` outside parentheses."""
    parts: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(text):
        ch = text[i]
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            m = sep.match(text, i)
            if m and m.end() > m.start():
                parts.append(text[start:i])
                start = i = m.end()
                continue
        i += 1
    parts.append(text[start:])
    return [p for p in (_strip_quotes(p) for p in parts) if p]


def _is_anagram(a: str, b: str) -> bool:
    letters_a = sorted(c for c in a.casefold() if c.isalpha())
    letters_b = sorted(c for c in b.casefold() if c.isalpha())
    return bool(letters_a) and letters_a == letters_b


def _expand_parentheticals(text: str, optional: bool = False) -> list[str]:
    m = re.search(r"\(([^()]*)\)", text)
    if m is None:
        return [text]
    # "(the) Jerusalem (Post)": once the key opens with an optional part, its other parentheticals are
    # optional parts too, not other names.
    optional = optional or (m.start() == 0 and text.count("(") > 1)
    inner = m.group(1).strip()
    before, after = text[: m.start()].strip(), text[m.end() :].strip()
    out: list[str] = []
    if _ALTERNATIVE_START.match(inner):
        alternative = _ALTERNATIVE_START.sub("", inner)
        out += [
            " ".join(f"{before} {after}".split()),
            *_top_level_split(alternative, re.compile(r"\s+or\s+")),
        ]
    elif not before:  # "(Lou) Gehrig"
        out += [after, f"{inner} {after}"]
    elif after:  # "John (Fitzgerald) Kennedy"
        out += [f"{before} {after}", f"{before} {inner} {after}"]
    elif _EXPLANATION_START.match(inner):  # "Hattie McDaniel (for her role in ...)"
        out.append(before)
    elif " " not in inner and inner.islower() and _is_anagram(inner, before):  # "Trams (smart)"
        out.append(before)
    elif optional:
        out += [before, f"{before} {inner}"]
    elif _ARTICLE_START.sub("", inner)[:1].isupper() or _ARTICLE_START.sub("", inner)[:1].isdigit():
        # "Great Britain (United Kingdom)", "nineteen-teens (the 1910s)": another name
        out += [before, inner]
    else:  # "Aaron's rod (turned ...)" was caught above; a lowercase qualifier is optional
        out += [before, f"{before} {inner}"]
    return [form for part in out for form in _expand_parentheticals(part, optional)]


_ARTICLE_START = re.compile(r"^(?:the|a|an)\s+")
_NICKNAME = re.compile(
    r"^(?P<given>[A-Z][\w.'-]*)\s+\"(?P<nick>[^\"]+)\"\s+(?P<surname>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?)$"
)


def nickname_forms(piece: str) -> list[str]:
    """'Ernesto "Che" Guevara', 'Stan "The Man" Musial': the name with or without the nickname, and the
    nickname with the surname when it is a given name ("Che Guevara")."""
    m = _NICKNAME.match(piece)
    if m is None:
        return [piece]
    given, nick, surname = m.group("given"), m.group("nick"), m.group("surname")
    out = [f"{given} {surname}", f"{given} {nick} {surname}"]
    if " " not in nick and nick[:1].isupper():
        out.append(f"{nick} {surname}")
    return out


def _shared_tail(parts: list[str]) -> list[str]:
    """ "Tree/timber line" -> "Tree line", "timber line": a lone first word shares the last part's tail."""
    head, last = parts[0].split(), parts[-1].split()
    if len(head) == 1 and len(last) > 1 and all(len(p.split()) == 1 for p in parts[:-1]):
        return [f"{p} {' '.join(last[1:])}" for p in parts[:-1]] + [parts[-1]]
    return parts


_SPELLED_OUT = re.compile(r"(?:[A-Za-z]-){2,}[A-Za-z]")


def _spelled_out(text: str, category: str) -> list[str]:
    """ "G-U-I-L-L-A-U-M-E": a key spelt letter by letter stands for the word it spells (read backwards when the
    category says the word is spelt so)."""
    if not _SPELLED_OUT.fullmatch(text):
        return []
    word = text.replace("-", "")
    backwards = re.search(r"\b(?:backwards?|reversed?)\b", category, re.I)
    return [(word[::-1] if backwards else word).capitalize()]


def _clue_mentions_person(clue: str) -> bool:
    words = set(re.findall(r"[a-z]+(?:-[a-z]+)?", clean_text(clue).casefold()))
    return bool(words & PERSON_CUES)


def _person(text: str, clue: str) -> tuple[bool, str | None]:
    words = [w.strip(",") for w in text.split()]
    while words and words[-1].casefold().strip(".") in _SUFFIXES:
        words.pop()
    if not 2 <= len(words) <= 4 or any(ch.isdigit() for ch in text) or "," in " ".join(words):
        return False, None
    has_clue = bool(clue.strip())
    if not has_clue and any(normalize(w) in PLACES for w in words):
        return False, None  # "Sri Lanka", "Puerto Rico": without a clue, a place name is not a person
    for w in words:
        bare = w.strip(".'").casefold()
        if bare in _PARTICLES:
            continue
        if not w[:1].isupper() or bare in NON_PERSON_TOKENS or distinguishing(bare):  # also "Nothern"
            return False, None
    last = words[-1].strip(".")
    if len(last) < 2 or not last.replace("'", "").replace("-", "").isalpha() or roman_value(last) is not None:
        return False, None
    if has_clue and not _clue_mentions_person(clue):
        return False, None
    surname_words = [words[-1]]
    for w in reversed(words[:-1]):
        if w.casefold() not in _PARTICLES:
            break
        surname_words.insert(0, w)
    return True, normalize(" ".join(surname_words))


def _place_qualified(form: str) -> list[str]:
    """ "Nairobi, Kenya" -> also "Nairobi"."""
    if "," not in form:
        return [form]
    head, tail = form.rsplit(",", 1)
    if tail.strip() and all(w in PLACES for w in normalize(tail).split()):
        return [form, head.strip()]
    return [form]


@lru_cache(maxsize=8192)
def parse_key(answer: str, clue: str = "", category: str = "") -> AnswerKey:
    """All forms of ``answer`` a human judge would accept (cached; keys repeat across models)."""
    # What the clue and the key's writing say about every form alike.
    context = KeyForm(
        "",
        given=clue_words(f"{clue} {category}"),
        quoted=clean_text(answer).lstrip()[:1] in ('"', "\u201c"),
        joined="before and after" in normalize(category),
    )
    text = _strip_quotes(clean_text(answer))
    pieces = _top_level_split(text, re.compile(r"\s*,?\s+or\s+"))
    if len(pieces) > 1:
        pieces = [p for piece in pieces for p in _top_level_split(piece, re.compile(r"\s*,\s*(?=[\"'])"))]
    expanded: list[str] = [text] if len(pieces) > 1 else []
    for piece in pieces:
        slash = _top_level_split(piece, re.compile(r"\s*/\s*"))
        # "Tree/timber line", "3.6 levs/$2"; never a fraction ("1/4") or single letters ("A/B").
        if len(slash) > 1 and all((len(s) >= 3 or any(c.isdigit() for c in s)) and not s.isdigit() for s in slash):
            expanded += _shared_tail(slash)
        else:
            expanded.append(piece)
    expanded = [form for piece in expanded for form in nickname_forms(piece)] + _spelled_out(text, category)
    forms: dict[str, KeyForm] = {}
    for piece in expanded:
        for candidate in _expand_parentheticals(piece):
            for form_text in _place_qualified(_strip_quotes(candidate)):
                if not form_text or form_text in forms:
                    continue
                person, surname = _person(form_text, clue)
                forms[form_text] = replace(context, text=form_text, person=person, surname=surname)
    if not forms:
        forms[text] = replace(context, text=text)
    choose, items = _some_of(text)
    marked = tuple(_mark_shortened(_mark_bare_surnames(list(forms.values()), clue)))
    return AnswerKey(raw=answer, forms=marked, choose=choose, items=items)


_SOME_OF = re.compile(r"^\(\s*(\d|two|three|four|five)\s+of\s*\)\s*(.+)$", re.I)
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5}
_LIST_SPLIT = re.compile(r"\s*(?:,\s*(?:&|and)?|&|\band\b)\s*")


def _some_of(text: str) -> tuple[int, tuple[str, ...]]:
    """ "(2 of) France, Germany, Italy, & the UK" -> 2 and the four countries; (0, ()) for any other key."""
    m = _SOME_OF.match(text)
    if m is None:
        return 0, ()
    count = m.group(1).lower()
    choose = int(count) if count.isdigit() else _NUMBER_WORDS[count]
    items = tuple(i for i in _LIST_SPLIT.split(m.group(2)) if i.strip())
    return (choose, items) if 1 < choose < len(items) else (0, ())


def given_root(word: str) -> str:
    """One form for a word and its plural or possessive ("bull's" and "bulls" are "bull")."""
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")) else word


def clue_words(text: str) -> frozenset[str]:
    """The words a clue (and its category) already says, for ``KeyForm.given``."""
    return frozenset(given_root(w) for w in normalize(clean_text(text)).split()) if text.strip() else frozenset()


def _mark_shortened(forms: list[KeyForm]) -> list[KeyForm]:
    words = [normalize(f.text).split() for f in forms]

    def within(short: list[str], long_: list[str]) -> bool:
        i = 0
        for w in long_:
            i += i < len(short) and w == short[i]
        return i == len(short) and len(long_) > len(short)

    return [
        replace(form, shortened=True)
        if words[i] and any(within(words[i], other) for j, other in enumerate(words) if j != i)
        else form
        for i, form in enumerate(forms)
    ]


def _mark_bare_surnames(forms: list[KeyForm], clue: str) -> list[KeyForm]:
    if not clue.strip() or not _clue_mentions_person(clue):
        return forms
    last_words = [normalize(f.text).split()[-1:] for f in forms if len(f.text.split()) > 1]
    out = []
    for form in forms:
        word = form.text.strip()
        bare = (
            " " not in word
            and word[:1].isupper()
            and word.isalpha()
            and roman_value(word) is None
            and normalize(word).split() not in last_words
        )
        out.append(replace(form, bare_surname=True) if bare else form)
    return out
