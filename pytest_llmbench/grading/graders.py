"""The built-in graders and the registry that chooses one by name.

All graders share one flow: extract the answer from the reply, parse the key into its accepted forms, and
compare. They differ only in the comparison:

- ``strict``: exact after light normalisation (case, whitespace, punctuation, articles), against any written
  form of the key. No typos, no surnames, no number words.
- ``lenient``: full normalisation, key alternatives, surname rule, plurals and safe typo tolerance
  (see ``match.py``); never accepts a near-miss.
- ``jeopardy``: ``lenient``, and the explanation says whether the reply used the question form. A missing
  question form is not a failure: models are benchmarked on knowledge, and the prompt template, not the
  grader, decides whether to ask for the form (the reply's form is still recorded for reports).
- ``adaptive``: ``lenient`` with thresholds by answer type: numbers, dates and short answers exact; names as
  ``lenient``; long phrases (three or more content words) also accepted by word similarity >= 0.90. Every
  grade says whether the rules were sure (``Grade.confident``); with a judge configured, adaptive asks it
  about exactly the unsure ones (an added word of uncertain meaning, a middle name, a hedge with one right
  answer, a reply close to the key that no rule accepted, a long reply) and decides the confident ones
  itself. Without a judge it decides the unsure ones by its rule (phrases at similarity 0.85). A substitution
  veto (North for South, 1493 for 1492) is confident and never goes to the judge.
- ``judge``: an LLM decides (see ``judge.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Protocol, runtime_checkable

from pytest_llmbench.errors import UsageError
from pytest_llmbench.grading.answer_key import AnswerKey, KeyForm, parse_key
from pytest_llmbench.grading.extract import Extraction, extract
from pytest_llmbench.grading.judge import JudgeFn, ask_judge, describe
from pytest_llmbench.grading.match import MatchResult, match_answer, strict_match
from pytest_llmbench.grading.normalize import clean_text, is_number, normalize, normalize_light
from pytest_llmbench.types import Grade, Question, Verdict

Matcher = Callable[[str, KeyForm], MatchResult]


@runtime_checkable
class Grader(Protocol):
    name: str

    def grade(self, question: Question, text: str) -> Grade: ...


def _strict_matcher(response: str, form: KeyForm) -> MatchResult:
    if strict_match(response, form):
        return MatchResult(True, 1.0, "exact", f"'{response}' matches '{form.text}' exactly", form.text)
    return MatchResult(False, 0.0, "none", f"'{response}' is not exactly '{form.text}'", form.text)


def best_match(responses: Iterable[str], key: AnswerKey, matcher: Matcher) -> MatchResult | None:
    """The first accepting comparison, else the most telling rejection (a veto beats a low score)."""
    best: MatchResult | None = None
    for response in responses:
        for form in key.forms:
            result = matcher(response, form)
            if result.accepted:
                return result
            if best is None or (result.vetoed, result.score) > (best.vetoed, best.score):
                best = result
    return best


def _make(
    ext: Extraction,
    correct: bool,
    score: float,
    method: str,
    explanation: str,
    matched: str | None = None,
    verdict: Verdict | None = None,
    cost_usd: float = 0.0,
    confident: bool = True,
) -> Grade:
    explanation = explanation[:1].upper() + explanation[1:]
    if not explanation.endswith("."):
        explanation += "."
    return Grade(
        correct=correct,
        score=max(0.0, min(1.0, score)),
        method=method,
        explanation=explanation,
        matched=matched,
        verdict=verdict,
        extracted=ext.answer,
        confidence=ext.confidence,
        cost_usd=cost_usd,
        confident=confident,
    )


_WHOLE_RULES = frozenset({"exact", "spacing", "equivalent", "conjuncts"})
_GLOSS = re.compile(r"\(\s*or\s+[^()]+\)", re.I)
_QUESTION_PREFIX = re.compile(r"^\W*(?:what|who|where|when|which)(?:\s+(?:is|are|was|were)\b|'s|'re)\s*", re.I)


def _verbatim(ext: Extraction, key: AnswerKey, loose: bool) -> MatchResult | None:
    """The whole reply, or the reply after one "What is", written as a form of the key: extraction's cuts
    (a sentence end at "Fr.", a question form in the key itself: "Who's Afraid of Virginia Woolf?") must
    never lose a reply that repeats the key. Compared as the grader compares (``loose``: fully normalised)."""
    text = ext.raw.strip()
    if not text or "\n" in text or len(text) > 200:
        return None
    compare = normalize if loose else normalize_light
    bare = _QUESTION_PREFIX.sub("", text, count=1)
    replies = {compare(r) for r in (text, bare)} - {""}
    for form in (*key.forms, KeyForm(clean_text(key.raw))):  # the key as written: "Tree/timber line"
        if compare(form.text) in replies:
            return MatchResult(True, 1.0, "exact", f"'{ext.answer or text}' repeats '{form.text}'", form.text)
    return None


_REPLY_LIST = re.compile(r"\s*(?:,\s*(?:&|and)?|&|\band\b)\s*")


def _accepts(response: str, key: AnswerKey, matcher: Matcher) -> bool:
    result = best_match([response], key, matcher)
    return result is not None and result.accepted


def _some_of_items(ext: Extraction, key: AnswerKey, matcher: Matcher) -> MatchResult | None:
    """ "Germany and France" for `(2 of) France, Germany, Italy, & the UK`: at least the number the key asks
    for, each a different item of its list, and nothing that is not on the list."""
    # Extraction may cut a list at its first comma; the whole reply after "What are" is the list.
    bare = _QUESTION_PREFIX.sub("", ext.raw.strip(), count=1).rstrip("?.! ")
    for text in dict.fromkeys((*ext.variants, bare)):
        parts = [p for p in _REPLY_LIST.split(text) if p.strip()]
        if not key.choose <= len(parts) <= len(key.items):
            continue
        left = list(key.items)
        for part in parts:
            found = next((item for item in left if _accepts(part, parse_key(item), matcher)), None)
            if found is None:
                break
            left.remove(found)
        else:
            reason = f"'{text}' names {len(parts)} of the things '{key.raw}' lists"
            return MatchResult(True, 0.95, "some-of", reason, key.canonical)
    return None


def _verdict_grade(
    method: str, ext: Extraction, key: AnswerKey, matcher: Matcher
) -> tuple[Grade | None, MatchResult | None]:
    """Shared decision: a match, a hedge, a refusal, or (None, best rejection) for the caller to refine."""
    whole = best_match(ext.variants, key, matcher)
    if ext.hedged and whole is not None and whole.accepted and whole.rule not in _WHOLE_RULES:
        whole = None  # "Paris, but it could be Lyon" names Paris with words added: a hedge, judged below
    if (whole is None or not whole.accepted) and key.choose:
        whole = _some_of_items(ext, key, matcher) or whole
    if whole is None or not whole.accepted:
        whole = _verbatim(ext, key, loose=matcher is not _strict_matcher) or whole
    if whole is not None and whole.accepted:
        grade = _make(
            ext, True, whole.score, f"{method}:{whole.rule}", whole.reason, whole.form, confident=whole.confident
        )
        return grade, whole
    if ext.hedged:
        results = [best_match([c], key, matcher) for c in ext.candidates]
        named = ", ".join(f"'{c}'" for c in ext.candidates)
        accepted = [r for r in results if r is not None and r.accepted]
        if len(accepted) == len(results):
            first = accepted[0]
            reason = f"every answer the reply names ({named}) is a form of '{first.form}'"
            return _make(ext, True, first.score, f"{method}:all-alternatives", reason, first.form), first
        if accepted and _GLOSS.search(ext.raw):
            # "ripples (or waves) in space": the reply's own gloss in parentheses, not a second guess.
            first = accepted[0]
            reason = f"the reply names '{first.form}' and glosses it in parentheses"
            return _make(ext, True, first.score, f"{method}:gloss", reason, first.form, confident=False), first
        reason = f"the reply hedges between several different answers ({named})"
        # One of the answers is right: a judge may read the others as harmless.
        return _make(ext, False, 0.0, f"{method}:hedge", reason, confident=not accepted), whole
    if ext.not_attempted:
        shown = " ".join(ext.raw.split())[:60]
        reason = f"the reply does not attempt an answer ({shown!r})" if shown else "the reply is empty"
        return _make(ext, False, 0.0, f"{method}:not-attempted", reason, verdict=Verdict.NOT_ATTEMPTED), whole
    return None, whole


def _rejection(method: str, ext: Extraction, result: MatchResult | None, confident: bool | None = None) -> Grade:
    if result is None:
        return _make(ext, False, 0.0, f"{method}:none", "the reply has no answer")
    sure = result.confident if confident is None else confident
    return _make(ext, False, result.score, f"{method}:{result.rule}", result.reason, confident=sure)


class _Base:
    name = "base"

    def __call__(self, question: Question, text: str) -> Grade:
        return self.grade(question, text)

    def grade(self, question: Question, text: str) -> Grade:
        raise NotImplementedError


class _KeyGrader(_Base):
    """Extract the answer, then compare it with every accepted form of the key through ``matcher``."""

    matcher: Callable[[str, KeyForm], MatchResult]

    def grade(self, question: Question, text: str) -> Grade:
        ext, key = extract(text), parse_key(question.answer, question.clue, question.category or "")
        grade, best = _verdict_grade(self.name, ext, key, self.matcher)
        return grade or _rejection(self.name, ext, best)


class StrictGrader(_KeyGrader):
    name = "strict"
    matcher = staticmethod(_strict_matcher)


class LenientGrader(_KeyGrader):
    name = "lenient"
    matcher = staticmethod(match_answer)


class JeopardyGrader(LenientGrader):
    name = "jeopardy"

    def grade(self, question: Question, text: str) -> Grade:
        grade = super().grade(question, text)
        form = "in question form" if extract(text).question_form else "not in question form (not required)"
        return replace(grade, explanation=f"{grade.explanation} The reply was {form}.")


def answer_type(key: AnswerKey) -> str:
    """``number``, ``short``, ``name`` or ``phrase``: how strictly ``adaptive`` compares."""
    words = normalize(key.canonical).split()
    content = [w for w in words if w not in ("the", "a", "an", "of", "and")]
    if content and all(is_number(w) for w in content):
        return "number"
    if len("".join(words)) <= 4:
        return "short"
    if any(f.person for f in key.forms) or len(content) < 3:
        return "name"
    return "phrase"


class AdaptiveGrader(_Base):
    name = "adaptive"
    ACCEPT = 0.90
    UNCERTAIN = 0.75
    FALLBACK = 0.85
    LONG_REPLY_WORDS = 25

    def __init__(self, judge: JudgeFn | None = None, judge_model: str | None = None) -> None:
        self.judge = judge
        self.judge_model = judge_model

    def grade(self, question: Question, text: str) -> Grade:
        ext, key = extract(text), parse_key(question.answer, question.clue, question.category or "")
        grade, best = _verdict_grade(self.name, ext, key, match_answer)
        if grade is None:
            grade = self._by_rule(ext, key, best, text)
        if grade.confident or self.judge is None or not self.judge_model:
            return grade
        said = ask_judge(self.judge, self.judge_model, question, key, text)
        correct = said.verdict is Verdict.CORRECT
        return _make(
            ext,
            correct,
            1.0 if correct else grade.score,
            f"{self.name}:judge",
            describe(said, key, ext.answer),
            key.canonical if correct else None,
            said.verdict,
            said.cost_usd,
        )

    def _by_rule(self, ext: Extraction, key: AnswerKey, best: MatchResult | None, text: str) -> Grade:
        """The rules' decision on a reply no rule accepted, and whether they are sure of it."""
        kind = answer_type(key)
        vetoed = best is not None and best.vetoed
        similarity = best.similarity if best is not None else 0.0
        closest = best.form if best is not None else key.canonical
        if not vetoed and kind == "phrase" and similarity >= self.ACCEPT:
            reason = f"'{ext.answer}' has the words of '{closest}' ({similarity:.2f})"
            return _make(ext, True, similarity, f"{self.name}:phrase", reason, closest, confident=False)
        uncertain = best is not None and not best.confident
        if not vetoed and kind == "phrase" and similarity >= self.UNCERTAIN:
            uncertain = True
        if not vetoed and kind != "number" and len(text.split()) > self.LONG_REPLY_WORDS:
            uncertain = True
        if uncertain and kind == "phrase" and similarity >= self.FALLBACK:
            reason = f"'{ext.answer}' is close to '{closest}' ({similarity:.2f}, decided without a judge)"
            return _make(ext, True, similarity, f"{self.name}:threshold", reason, closest, confident=False)
        return _rejection(self.name, ext, best, confident=not uncertain)


class JudgeGrader(_Base):
    name = "judge"

    def __init__(self, judge: JudgeFn, judge_model: str) -> None:
        self.judge = judge
        self.judge_model = judge_model

    def grade(self, question: Question, text: str) -> Grade:
        ext, key = extract(text), parse_key(question.answer, question.clue, question.category or "")
        if not text.strip():
            return _make(ext, False, 0.0, f"{self.name}:empty", "the reply is empty", verdict=Verdict.NOT_ATTEMPTED)
        said = ask_judge(self.judge, self.judge_model, question, key, text)
        correct = said.verdict is Verdict.CORRECT
        return _make(
            ext,
            correct,
            1.0 if correct else 0.0,
            f"{self.name}:{said.model}",
            describe(said, key, ext.answer),
            key.canonical if correct else None,
            said.verdict,
            said.cost_usd,
        )


# --- registry ---------------------------------------------------------------------------------------------

GraderFactory = Callable[[JudgeFn | None, str | None], Grader]
GRADER_NAMES: tuple[str, ...] = ("strict", "lenient", "jeopardy", "adaptive", "judge")


def _judge_factory(judge: JudgeFn | None, judge_model: str | None) -> Grader:
    if judge is None or not judge_model:
        raise UsageError("The judge grader needs a judge model: pass --llm-judge-model=MODEL.")
    return JudgeGrader(judge, judge_model)


_REGISTRY: dict[str, GraderFactory] = {
    "strict": lambda judge, model: StrictGrader(),
    "lenient": lambda judge, model: LenientGrader(),
    "jeopardy": lambda judge, model: JeopardyGrader(),
    "adaptive": lambda judge, model: AdaptiveGrader(judge, model),
    "judge": _judge_factory,
}


def register_grader(name: str, factory: GraderFactory, *, replace: bool = False) -> None:
    """Make ``factory`` available as ``--llm-grader=name`` (e.g. the ``json`` and ``tool_call`` graders)."""
    key = name.strip().lower()
    if not key:
        raise UsageError("A grader needs a non-empty name.")
    if key in _REGISTRY and not replace:
        raise UsageError(f"A grader named '{key}' is already registered.")
    _REGISTRY[key] = factory


def available_graders() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def get_grader(name: str, *, judge: JudgeFn | None = None, judge_model: str | None = None) -> Grader:
    """The grader registered as ``name``; raises ``UsageError`` for an unknown name."""
    factory = _REGISTRY.get(name.strip().lower())
    if factory is None:
        choices = ", ".join(_REGISTRY)
        raise UsageError(f"Unknown grader '{name}': choose one of {choices}.")
    return factory(judge, judge_model)
