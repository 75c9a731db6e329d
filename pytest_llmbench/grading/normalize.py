"""Text normalisation shared by answer keys and replies.

Two levels: ``normalize_light`` (case, whitespace, punctuation, leading article; what the ``strict`` grader
compares) and ``normalize`` (also accents, ``&``, abbreviations, number words, ordinals, Roman numerals
in names, decades). Both sides of a comparison always go through the same function, so a rewrite that is
occasionally odd ("Second City" -> "2 city") still compares equal with itself.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from pytest_llmbench.grading.lexicon import PLACES

_TAG = re.compile(r"<[^>]{1,200}>")
_BACKSLASH_U = re.compile(r"\\u([0-9a-fA-F]{4})")
_QUOTE_MAP = str.maketrans({"‘": "'", "’": "'", "ʼ": "'", "“": '"', "”": '"', "\u00a0": " ", "–": "-", "—": "-"})


def clean_text(text: str) -> str:
    """Undo the escaping J-Archive dumps carry (``\\'``, ``\\u00e9``, HTML entities and tags)."""
    text = _BACKSLASH_U.sub(lambda m: chr(int(m.group(1), 16)), text)
    text = text.replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\")
    text = html.unescape(_TAG.sub(" ", text))
    text = re.sub(r"[ \t]+", " ", text.translate(_QUOTE_MAP))  # keep newlines: extraction reads lines
    return unicodedata.normalize("NFC", text).strip()


def fold_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Every leading article ("the a team" -> "team"), so that normalising twice changes nothing more.
_ARTICLE = re.compile(r"^(?:(?:the|a|an)\s+)+")
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)|'(?=s\b)|(?<=s)'(?=\s|$)")


def normalize_light(text: str) -> str:
    """Case, whitespace, punctuation and a leading article: nothing that could change meaning."""
    text = clean_text(text).casefold().replace("&", " and ")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    text = re.sub(r"(?<![\w.])-(?=\d)", " minus ", text)  # "-1" must not become "1"
    text = _APOSTROPHE.sub("", text)
    text = re.sub(r"[^\w\s]|_", " ", text)
    text = " ".join(text.split())
    return _ARTICLE.sub("", text)


# --- full normalisation -------------------------------------------------------------------------------

_INITIALISM = re.compile(r"\b(?:[A-Za-z]\.\s?)+[A-Za-z]\b\.?")
_ACRONYMS = {
    "US": "United States",
    "USA": "United States",
    "UK": "United Kingdom",
    "UN": "United Nations",
    "USSR": "Soviet Union",
    "UAE": "United Arab Emirates",
    "NYC": "New York City",
}
_ACRONYM = re.compile(r"\b(" + "|".join(_ACRONYMS) + r")\b")
# Abbreviation -> (expansion before a capitalised name, expansion elsewhere).
_ABBREVIATIONS: dict[str, tuple[str, str]] = {
    "St": ("Saint", "Street"),
    "Ste": ("Sainte", "Sainte"),
    "Mt": ("Mount", "Mount"),
    "Ft": ("Fort", "Fort"),
    "Dr": ("Doctor", "Drive"),
    "Gen": ("General", "General"),
    "Pres": ("President", "President"),
    "Gov": ("Governor", "Governor"),
    "Sen": ("Senator", "Senator"),
    "Capt": ("Captain", "Captain"),
    "Rev": ("Reverend", "Reverend"),
    "Prof": ("Professor", "Professor"),
    "Lt": ("Lieutenant", "Lieutenant"),
    "Col": ("Colonel", "Colonel"),
    "Sgt": ("Sergeant", "Sergeant"),
    "Ave": ("Avenue", "Avenue"),
    "Blvd": ("Boulevard", "Boulevard"),
    "Bros": ("Brothers", "Brothers"),
    "Jr": ("Jr", "Jr"),
    "Sr": ("Sr", "Sr"),
    "vs": ("versus", "versus"),
}
_ABBREV = re.compile(r"\b(" + "|".join(_ABBREVIATIONS) + r")\b\.?(\s+[A-Z])?")
# "MT. EVEREST", "ft. worth": other cases count as abbreviations only with their period ("gen" is a word).
_ABBREV_ANY_CASE = re.compile(r"\b(?i:(" + "|".join(_ABBREVIATIONS) + r"))\.(\s+[A-Za-z])?")

_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORDINAL_UNITS = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
).split()
_ORDINAL_TENS = "twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth".split()
_CARDINALS: dict[str, int] = {w: i for i, w in enumerate(_UNITS)}
_CARDINALS.update({w: 10 * (i + 2) for i, w in enumerate(_TENS)})
_ORDINALS: dict[str, int] = {w: i for i, w in enumerate(_ORDINAL_UNITS)}
_ORDINALS.update({w: 10 * (i + 2) for i, w in enumerate(_ORDINAL_TENS)})
_ORDINALS.update({"hundredth": 100, "thousandth": 1000})
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_DECADE_WORDS = {w[:-1] + "ies": f"19{10 * (i + 2)}s" for i, w in enumerate(_TENS)}  # "nineties" -> 1990s

_ROMAN = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_ROMAN_ACRONYMS = frozenset({"MD", "CD", "DC", "CV", "MC", "CC", "MM", "DM", "CL", "MI", "DL", "LL", "CM", "MIX"})


def roman_value(token: str) -> int | None:
    """The value of a well-formed Roman numeral, else None."""
    upper = token.upper()
    if not upper or not _ROMAN.match(upper):
        return None
    total = 0
    for i, ch in enumerate(upper):
        value = _ROMAN_VALUES[ch]
        nxt = _ROMAN_VALUES[upper[i + 1]] if i + 1 < len(upper) else 0
        total += -value if value < nxt else value
    return total


def _convert_roman_numerals(text: str) -> str:
    """Henry VIII -> Henry 8: only after a capitalised word, so "I" the pronoun and "Vitamin C" survive."""
    words = text.split(" ")
    all_lower = text == text.lower()
    for i in range(1, len(words)):
        core = words[i].strip(",.;:!?)(")
        prev = words[i - 1].strip(",.;:!?)(\"'")
        if not core or not prev or not prev[0].isalpha():
            continue
        value = roman_value(core)
        if value is None or value > 89 or core.upper() in _ROMAN_ACRONYMS:
            continue
        if core.isupper() and prev[0].isupper() and prev.lower() not in ("the", "of", "and"):
            if core == "I" and i + 1 < len(words) and words[i + 1][:1].isalpha():
                nxt = words[i + 1].lower().strip(",.")
                if nxt not in ("of", "and", "or"):
                    continue  # "... I think": the pronoun, not a regnal number
            words[i] = words[i].replace(core, str(value))
        elif all_lower and core.islower() and len(core) >= 2 and value <= 39:
            words[i] = words[i].replace(core, str(value))
    return " ".join(words)


_COMPASS = re.compile(r"\b([NSEW])\.\s*(?=([A-Z][a-z]+))")
_COMPASS_WORDS = {"N": "North", "S": "South", "E": "East", "W": "West"}


def _expand_abbreviations(text: str) -> str:
    # "N. Carolina" -> "North Carolina", only before a place name so that initials ("E. Coli") survive.
    text = _COMPASS.sub(
        lambda m: _COMPASS_WORDS[m.group(1)] + " " if m.group(2).casefold() in PLACES else m.group(0), text
    )
    text = _INITIALISM.sub(lambda m: m.group(0).replace(".", "").replace(" ", "") + " ", text)
    text = _ACRONYM.sub(lambda m: _ACRONYMS[m.group(1)], text)

    def expand(m: re.Match[str]) -> str:
        before_name, elsewhere = _ABBREVIATIONS[m.group(1)]
        following = m.group(2)
        return (before_name + following) if following else elsewhere

    def expand_any_case(m: re.Match[str]) -> str:
        before_name, elsewhere = _ABBREVIATIONS[m.group(1).capitalize()]
        following = m.group(2)
        return (before_name + following) if following else elsewhere + " "

    return _ABBREV_ANY_CASE.sub(expand_any_case, _ABBREV.sub(expand, text))


def _numbers_from_words(tokens: list[str]) -> list[tuple[str, bool]]:
    """Each output word, and whether it is a number that was spelled out."""
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok not in _CARDINALS and tok not in _ORDINALS and tok not in _SCALES:
            out.append((tok, False))
            i += 1
            continue
        total, current, last_kind = 0, 0, ""
        j = i
        while j < len(tokens):
            word = tokens[j]
            if word == "and" and last_kind and j + 1 < len(tokens) and tokens[j + 1] in _CARDINALS:
                j += 1
                continue
            value = _CARDINALS.get(word, _ORDINALS.get(word))
            if value is not None:
                kind = "unit" if value < 10 else ("teen" if value < 20 else "tens")
                # "one two" or "twenty thirty" is a list, not one number: stop the run there.
                if last_kind in ("unit", "teen") or (last_kind == "tens" and kind != "unit"):
                    break
                current += value
                last_kind = kind
                j += 1
                if word in _ORDINALS:
                    break
                continue
            if word in _SCALES:
                scale = _SCALES[word]
                if scale == 100:
                    current = max(current, 1) * 100
                else:
                    total += max(current, 1) * scale
                    current = 0
                last_kind = "scale"
                j += 1
                continue
            break
        out.append((str(total + current), True))
        i = max(j, i + 1)
    return out


def _years_from_words(words: list[tuple[str, bool]]) -> list[str]:
    """ "nineteen sixty" -> 1960, "fourteen ninety two" -> 1492: two spoken halves of a year."""
    out: list[str] = []
    i = 0
    while i < len(words):
        word, spoken = words[i]
        if spoken and i + 1 < len(words) and words[i + 1][1]:
            nxt = words[i + 1][0]
            if 10 <= int(word) <= 99 and 10 <= int(nxt) <= 99:
                out.append(str(int(word) * 100 + int(nxt)))
                i += 2
                continue
        out.append(word)
        i += 1
    return out


def _rewrite_token(tok: str) -> list[str]:
    if tok in _DECADE_WORDS:
        return [_DECADE_WORDS[tok]]
    m = re.fullmatch(r"(\d+)(?:st|nd|rd|th)", tok)
    if m:
        return [m.group(1)]
    if re.fullmatch(r"\d{4}s", tok):
        return [tok]
    if re.fullmatch(r"\d0s", tok):
        return ["19" + tok]
    if re.fullmatch(r"\d+(?:\.\d+)?", tok):
        return [tok]
    return re.findall(r"\d+(?:\.\d+)?|[^\d]+", tok)


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Full normalisation: what the lenient graders compare."""
    text = fold_accents(clean_text(text))
    text = _convert_roman_numerals(text)
    text = _expand_abbreviations(text)
    text = re.sub(r"'n'|\bn'\s", " and ", text)
    text = text.casefold().replace("&", " and ").replace("+", " and ")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    text = re.sub(r"\b(\d{1,2}):00(?=\s*[ap]\.?m\b)", r"\1", text)  # "7:00 p.m." is 7 pm
    text = re.sub(r"(?<![\w.])-(?=\d)", " minus ", text)
    text = re.sub(r"\bnegative\s+(?=\d|[a-z])", "minus ", text)
    text = re.sub(r"'(?=\d0s\b)", "", text)
    text = _APOSTROPHE.sub("", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)
    text = re.sub(r"[^\w\s.]|_", " ", text)
    words: list[str] = []
    for tok in text.split():
        words.extend(part for piece in _rewrite_token(tok) for part in piece.split())
    words = _years_from_words(_numbers_from_words(words))
    # "henry the 8" -> "henry 8"
    words = [w for i, w in enumerate(words) if not (w == "the" and 0 < i < len(words) - 1 and words[i + 1].isdigit())]
    joined = " ".join(words)
    return _ARTICLE.sub("", joined)


def tokens(text: str) -> list[str]:
    return normalize(text).split()


def is_number(token: str) -> bool:
    return bool(re.fullmatch(r"\d+(?:\.\d+)?s?", token))
