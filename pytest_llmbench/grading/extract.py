"""Find the answer inside a model's reply.

Models wrap answers in question form ("What is Paris?"), markdown, quotes, explanations and chains of
thought. ``extract`` returns the answer span and a few longer or shorter forms of it (``variants``), whether
the reply hedged between several answers (``candidates``), refused, used the question form, or stated a
confidence. It never looks at the answer key: deciding is the matcher's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pytest_llmbench.grading.lexicon import PLACES
from pytest_llmbench.grading.normalize import clean_text


@dataclass(frozen=True, slots=True)
class Extraction:
    raw: str
    answer: str  # the best single answer span, for display and for strict comparison
    variants: tuple[str, ...] = ()  # answer first, then the same span cut less (or qualified less)
    candidates: tuple[str, ...] = ()  # when the reply names several different answers (a hedge)
    question_form: bool = False
    not_attempted: bool = False
    confidence: float | None = None

    @property
    def hedged(self) -> bool:
        return len(self.candidates) > 1


_THINK = re.compile(r"<think(?:ing)?>.*?</think(?:ing)?>", re.S | re.I)
_CONFIDENCE = re.compile(
    r"[(\[]?\s*\bconfidence(?:\s+(?:level|score))?\s*(?:[:=-]|is|of)?\s*(\d{1,3}(?:\.\d+)?)\s*(%|percent|/\s*100)?"
    r"\s*[)\]]?",
    re.I,
)
_MARKER = re.compile(
    r"\b(?:final\s+answer|final\s+response|answer|response)\s*(?:is)?\s*[:：]\s*(.*)$"
    r"|\b(?:the|my|final|correct)\s+(?:answer|response)\s+(?:is|would\s+be|must\s+be|should\s+be)\s*:?\s*(.*)$",
    re.I | re.M,
)
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_FILLER = re.compile(
    r"^(?:let(?:'s| me| us)\b|ok(?:ay)?\b|hmm+\b|well\b|alright\b|so\b|first\b|step\b|thinking\b|sure\b|"
    r"the clue\b|this clue\b|reasoning\b)",
    re.I,
)
_REFUSAL = re.compile(
    r"^\W*(?:sorry\W+)?(?:i\s+(?:really\s+)?(?:do\s*n[o']?t|don't)\s+know|i\s+have\s+no\s+idea|no\s+idea|"
    r"i'?m\s+not\s+(?:sure|certain)|i\s+am\s+not\s+(?:sure|certain)|not\s+sure|"
    r"(?:unsure|unknown|pass|n/a|no\s+answer|no\s+clue)\W*$|i\s+(?:can'?t|can\s*not|cannot|am\s+unable\s+to|'m\s+unable\s+to|won'?t)\s+"
    r"(?:answer|say|determine|help|provide|identify|tell|be\s+sure)|"
    r"i'?m\s+sorry,?\s+(?:but\s+)?i\s+(?:can'?t|cannot|do\s*n[o']?t))(?!\w)",
    re.I,
)
_GUESS_CUE = re.compile(
    r"\b(?:but|guess|think|believe|might be|may be|could be|perhaps|possibly|probably|maybe)\b", re.I
)
_LEAD_IN = re.compile(
    r"^(?:i'?m\s+not\s+(?:sure|certain|100%\s+sure)\s*,?\s*(?:but\s+)?|not\s+sure\s*,?\s*(?:but\s+)?|"
    r"i\s+(?:think|believe|guess|suspect)\s+(?:that\s+)?(?:it'?s\s+|it\s+is\s+)?|i'?d\s+(?:say|guess)\s+|"
    r"my\s+(?:best\s+)?guess\s+(?:is|would\s+be)\s+|probably\s+|perhaps\s+|maybe\s+|likely\s+|"
    r"(?:it|that|this)(?:'s|\s+is|\s+was|\s+(?:would|might|may|could|must)\s+be)\s+|(?:the\s+)?answer\s+is\s+|"
    r"in\s+(?=\d)|(?:correct\s+)?response\s*:\s*|answer\s*:\s*|jeopardy!?\s*(?:response)?\s*:\s*|sure[,!.]\s*|okay[,!.]\s*)",
    re.I,
)
_QUESTION_FORM = re.compile(r"^(?:what|who|where|when|which|whom)(?:\s+|')(?:is|are|was|were|s|re)\b\s*", re.I)
_HEDGE_SPLIT = re.compile(
    r"\s*,?\s*\b(?:and/or|or\s+(?:maybe|possibly|perhaps|probably|else|alternatively|even|rather)|or|"
    r"(?:but|though|although)\s+(?:it\s+)?(?:could|might|may)\s+(?:also\s+)?be|possibly|maybe|perhaps)\b\s*",
    re.I,
)
_CLAUSE_CUT = re.compile(
    r"\s*(?:,\s+(?:because|since|as|which|who|whose|where|when|that|it|he|she|they|this|known|famous|also|"
    r"located|named|the|a|an|not|but|i|my|from|in|by|born|was|is|for|as|with|playing|who)\b|\s+(?:because|since)\b|\s+-+\s+|:\s+|;\s*)",
    re.I,
)
_ABBREV_BEFORE_DOT = re.compile(
    r"(?:\b(?i:St|Mt|Ft|Dr|Mr|Mrs|Ms|Jr|Sr|Gen|Rev|Prof|No|vs|v|Co|Inc|Ste|Fr|Sgt|Capt|Lt|Col|Gov|Sen|Rep)|\b[A-Z])$"
)


def _confidence(text: str) -> tuple[float | None, str]:
    matches = list(_CONFIDENCE.finditer(text))
    if not matches:
        return None, text
    m = matches[-1]
    value = float(m.group(1))
    if m.group(2) or value > 1:
        value /= 100
    return max(0.0, min(1.0, value)), text[: m.start()] + text[m.end() :]


def _strip_markdown(line: str) -> str:
    line = re.sub(r"^\s*(?:#{1,6}\s+|>\s*|[-*+•]\s+|\d+[.)]\s+)", "", line)
    return re.sub(r"\*\*|__|`+|(?<!\w)\*(?!\s)|(?<!\s)\*(?!\w)", "", line).strip()


def _first_sentence(text: str) -> str:
    for m in re.finditer(r"[.!?](?=\s+[\"'(A-Z0-9])|[.!?]$", text):
        if m.group(0) == "." and _ABBREV_BEFORE_DOT.search(text[: m.start()]):
            continue
        return text[: m.start() + 1] if m.group(0) != "." else text[: m.start()]
    return text


def _strip_wrappers(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = text.strip().strip(".!,;:").strip()
        if len(text) >= 2 and text[0] + text[-1] in ('""', "''", "()", "[]", "**", "``"):
            text = text[1:-1]
    return text


def _lead_ins_and_question_form(text: str) -> tuple[str, bool]:
    question_form = False
    previous = None
    while previous != text:
        previous = text
        text = _LEAD_IN.sub("", _strip_wrappers(text), count=1)
        stripped = _QUESTION_FORM.sub("", text, count=1)
        if stripped != text:
            question_form = True
            text = stripped
    return _strip_wrappers(text.rstrip("?").strip()), question_form


def _choose_span(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    plain = [_strip_markdown(ln) for ln in lines]
    marker = None
    for m in _MARKER.finditer("\n".join(plain)):
        marker = m
    if marker is not None:
        found = (marker.group(1) if marker.group(1) is not None else marker.group(2) or "").strip()
        if found:
            return found
        rest = "\n".join(plain)[marker.end() :].strip().splitlines()
        if rest:
            return rest[0]
    bold = [str(m.group(1) or m.group(2)).strip() for m in _BOLD.finditer(text)]
    bold = [b for b in bold if b and not b.endswith(":")]
    if len(plain) == 1:
        if bold and len(plain[0].split()) > 6 and not _QUESTION_FORM.match(plain[0]):
            return bold[0]
        return plain[0]
    first = plain[0]
    if not _QUESTION_FORM.match(first):
        # "Who wrote it?\n\nWhat is Friedrich Nietzsche?": the line in the form of a response is the answer.
        responses = [ln for ln in plain[1:] if _QUESTION_FORM.match(ln) and len(ln.split()) <= 12]
        if responses:
            return responses[0]
    if first and len(first.split()) <= 8 and not first.endswith(":") and not _FILLER.match(first):
        return first
    if bold:
        return bold[-1]
    return plain[-1]


def _hedge_parts(span: str) -> tuple[str, ...]:
    """The answers an "A or B" / "either A or B" span names (one or none when it names a single thing)."""
    body = re.sub(r"^either\s+", "", span, flags=re.I)
    body = body.replace("(", " ").replace(")", " ")
    parts = [p for p in _HEDGE_SPLIT.split(body) if p and p.strip(" ,.?!")]
    if len(parts) < 2:
        return ()
    cleaned = tuple(_lead_ins_and_question_form(p)[0] for p in parts)
    return tuple(c for c in cleaned if c)


def _hedge_candidates(parts: tuple[str, ...]) -> tuple[str, ...]:
    return parts if len({c.casefold() for c in parts}) > 1 else ()


_PAREN_PREFIX = re.compile(r"^(?:formerly|aka|a\.k\.a\.|also known as|also|or|i\.e\.|known as)\s+", re.I)


def _variants(span: str) -> tuple[str, ...]:
    """The span cut to its first clause, then less cut; each later form is tried only if earlier ones fail."""
    out: list[str] = []
    without_parens = " ".join(re.sub(r"\s*\([^)]*\)", " ", span).split())
    cut = _CLAUSE_CUT.split(without_parens, maxsplit=1)[0]
    for form in (cut, without_parens, span):
        form = _strip_wrappers(form)
        if "," in form:
            head, tail = form.rsplit(",", 1)
            if tail.strip() and all(w in PLACES for w in tail.casefold().replace(".", "").split()):
                out.append(_strip_wrappers(head))  # "Paris, France" -> also "Paris"
        out.append(form)
    # Less likely readings last: the head before any comma ("San Antonio, TX"), the text in parentheses
    # ("Theodor Geisel (Dr. Seuss)"), and a name without its "of <Place>" ("Helen of Troy").
    out.append(_strip_wrappers(without_parens.split(",", 1)[0]))
    out += [_PAREN_PREFIX.sub("", inner.strip()) for inner in re.findall(r"\(([^)]*)\)", span)]
    of_place = re.match(r"^(.+?)\s+of\s+[A-Z][\w'-]+$", _strip_wrappers(cut))
    if of_place:
        out.append(of_place.group(1))
    seen: dict[str, None] = {}
    for form in out:
        if form:
            seen.setdefault(form, None)
    return tuple(seen)


def extract(text: str) -> Extraction:
    """Parse one reply. Pure and deterministic."""
    raw = text
    text = clean_text(_THINK.sub(" ", text))
    if "</think>" in text.lower():
        text = text[text.lower().rindex("</think>") + len("</think>") :]
    confidence, text = _confidence(text)
    if not text.strip(" \n\t.?!*_`\"'"):
        return Extraction(raw=raw, answer="", not_attempted=True, confidence=confidence)
    span = _choose_span(text)
    first_line = _strip_markdown(next(ln for ln in text.splitlines() if ln.strip()))
    _, qf_first = _lead_ins_and_question_form(first_line)
    sentence = _first_sentence(span)
    answer_span, question_form = _lead_ins_and_question_form(sentence)
    question_form = question_form or qf_first
    plain_reply = " ".join(_strip_markdown(ln) for ln in text.splitlines())
    refusal = _REFUSAL.match(plain_reply)
    # "I'm not sure, but I think it's Paris" is an attempt: look for a guess after the refusal words.
    refused = refusal is not None and not _GUESS_CUE.search(plain_reply[refusal.end() :])
    parts = _hedge_parts(answer_span) if not refused else ()
    candidates = _hedge_candidates(parts)
    # A hedge is judged whole or answer by answer, never by its first clause ("Paris, but it could be Lyon").
    variants = (_strip_wrappers(answer_span),) if candidates else _variants(answer_span)
    if parts and not candidates:
        variants += (_strip_wrappers(parts[0]),)  # "Paris or Paris" names one answer, twice
    answer = variants[0] if variants else ""
    return Extraction(
        raw=raw,
        answer=answer,
        variants=variants,
        candidates=candidates,
        question_form=question_form,
        not_attempted=refused or not answer,
        confidence=confidence,
    )
