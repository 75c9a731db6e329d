"""The ``json`` and ``tool_call`` graders, registered with ``grading.register_grader`` when imported.

- ``json``: parses the reply (a fenced block or prose around it is fine), validates it against the
  question's ``schema`` when there is one, and compares the keys ``expected`` names. Score: the fraction of
  expected leaves matched; correct when all match and the reply follows the schema.
- ``tool_call``: passes when the model calls ``expected_call.name`` with arguments that contain every
  expected argument with a matching value (extra arguments are fine). Score: the name and each expected
  argument count one point each, for the best call the model made.

Both read tool calls from the ``Completion`` (``grade_completion``); given only text (``grade``), the
``tool_call`` grader looks for a ``{"name": ..., "arguments": ...}`` object in it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from pytest_llmbench.grading.comparison import Comparison, compare, parse_arguments, parse_reply, shown
from pytest_llmbench.grading.graders import available_graders, register_grader
from pytest_llmbench.grading.judge import JudgeFn
from pytest_llmbench.types import Completion, Grade, Question, Verdict

#: Graders that compare text; a question of another kind is graded by its own grader instead.
TEXT_GRADERS = frozenset({"strict", "lenient", "jeopardy", "adaptive"})


@runtime_checkable
class CompletionGrader(Protocol):
    """A grader that needs the whole completion (tool calls), not just its text."""

    name: str

    def grade(self, question: Question, text: str) -> Grade: ...

    def grade_completion(self, question: Question, completion: Completion) -> Grade: ...


def kind_grader(question: Question, configured: str) -> str:
    """The grader for ``question``: its kind's (``tool_call``, ``json``) when a text grader was configured."""
    if configured.strip().lower() not in TEXT_GRADERS:
        return configured
    if question.expected_call is not None:
        return "tool_call"
    if question.schema is not None or question.expected is not None:
        return "json"
    return configured


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def _grade(correct: bool, score: float, method: str, why: str, **extra: Any) -> Grade:
    return Grade(correct=correct, score=max(0.0, min(1.0, score)), method=method, explanation=_sentence(why), **extra)


def _schema_errors(schema: Mapping[str, Any], value: Any, limit: int = 3) -> list[str]:
    import jsonschema  # imported here: only runs with schema questions pay for it

    validator_class = jsonschema.validators.validator_for(schema)
    errors = sorted(validator_class(schema).iter_errors(value), key=lambda e: list(e.absolute_path))
    out = []
    for error in errors[:limit]:
        where = "/".join(str(p) for p in error.absolute_path)
        out.append(f"{where}: {error.message}" if where else error.message)
    return out


def _failures(comparison: Comparison, limit: int = 4) -> str:
    shown_failures = comparison.failures[:limit]
    more = len(comparison.failures) - len(shown_failures)
    return "; ".join(shown_failures) + (f"; and {more} more" if more > 0 else "")


class JsonGrader:
    name = "json"

    def __call__(self, question: Question, text: str) -> Grade:
        return self.grade(question, text)

    def grade_completion(self, question: Question, completion: Completion) -> Grade:
        return self.grade(question, completion.text)

    def grade(self, question: Question, text: str) -> Grade:
        if question.expected is not None:
            expected = question.expected
        else:
            has_key, expected = parse_reply(question.answer)
            if not has_key:
                return _grade(False, 0.0, "json:no-key", "the question has no 'expected' JSON value to compare")
        if not text.strip():
            return _grade(False, 0.0, "json:empty", "the reply is empty", verdict=Verdict.NOT_ATTEMPTED)
        found, value = parse_reply(text)
        if not found:
            return _grade(False, 0.0, "json:unparseable", f"the reply holds no JSON value ({text.strip()[:60]!r})")
        extracted = json.dumps(value, ensure_ascii=False, sort_keys=True)
        comparison = compare(expected, value)
        schema = question.schema
        problems = _schema_errors(schema, value) if isinstance(schema, Mapping) else []
        unit = "expected key" if isinstance(expected, Mapping) else "expected value"
        count = f"{comparison.matched} of {comparison.total} {unit}{'s' if comparison.total != 1 else ''} match"
        parts = [
            f"all {comparison.total} {unit}{'s' if comparison.total != 1 else ''} match"
            if comparison.ok
            else f"{count}; failed: {_failures(comparison)}"
        ]
        if problems:
            parts.append("the reply does not follow the schema: " + "; ".join(problems))
        correct = comparison.ok and not problems
        method = "json:match" if correct else ("json:mismatch" if not comparison.ok else "json:schema")
        return _grade(correct, comparison.fraction, method, "; ".join(parts), extracted=extracted)


def tool_calls_of(completion: Completion) -> list[tuple[str, object]]:
    """``(name, raw arguments)`` of each call, in the OpenAI shape or the flat one some providers send."""
    calls: list[tuple[str, object]] = []
    for call in completion.tool_calls:
        function = call.get("function")
        source = function if isinstance(function, Mapping) else call
        name = source.get("name")
        if isinstance(name, str):
            calls.append((name, source.get("arguments", source.get("parameters"))))
    return calls


def _calls_in_text(text: str) -> list[tuple[str, object]]:
    found, value = parse_reply(text)
    items = value if isinstance(value, list) else [value]
    calls: list[tuple[str, object]] = []
    for item in items if found else []:
        if isinstance(item, Mapping):
            function = item.get("function")
            source: Mapping[str, Any] = function if isinstance(function, Mapping) else item
            name = source.get("name")
            if isinstance(name, str):
                calls.append((name, source.get("arguments", source.get("parameters"))))
    return calls


def _call_text(name: str, raw: object) -> str:
    args = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=str)
    return f"{name}({args})"


_CALL_LINE = "[tool call] "


def describe_calls(completion: Completion) -> str:
    """The calls as text, for stored results and reports: ``get_weather({"city": "Paris"})``."""
    return "\n".join(f"{_CALL_LINE}{_call_text(n, a)}" for n, a in tool_calls_of(completion))


def split_calls(stored: str) -> tuple[str, tuple[dict[str, Any], ...]]:
    """A stored reply (its text, then ``describe_calls``' lines) back into the text and OpenAI-shaped calls."""
    lines = stored.split("\n")
    end = len(lines)
    while end and lines[end - 1].startswith(_CALL_LINE):
        end -= 1
    calls = []
    for line in lines[end:]:
        name, _, rest = line[len(_CALL_LINE):].partition("(")
        calls.append({"type": "function", "function": {"name": name, "arguments": rest.removesuffix(")")}})
    return "\n".join(lines[:end]), tuple(calls)


class ToolCallGrader:
    name = "tool_call"

    def __call__(self, question: Question, text: str) -> Grade:
        return self.grade(question, text)

    def grade(self, question: Question, text: str) -> Grade:
        return self._grade(question, _calls_in_text(text), text)

    def grade_completion(self, question: Question, completion: Completion) -> Grade:
        calls = tool_calls_of(completion) or _calls_in_text(completion.text)
        return self._grade(question, calls, completion.text)

    def _grade(self, question: Question, calls: Sequence[tuple[str, object]], text: str) -> Grade:
        expected = question.expected_call
        if not isinstance(expected, Mapping) or not isinstance(expected.get("name"), str):
            return _grade(False, 0.0, "tool_call:no-key", "the question has no 'expected_call' to compare")
        want_name = expected["name"]
        want_args = dict(expected.get("arguments") or {})
        if not calls:
            said = text.strip()
            why = f"the model called no tool (it replied {said[:60]!r})" if said else "the model called no tool"
            return _grade(
                False, 0.0, "tool_call:none", why, verdict=Verdict.NOT_ATTEMPTED if not said else Verdict.INCORRECT
            )
        best: Grade | None = None
        for name, raw in calls:
            grade = self._one(want_name, want_args, name, raw)
            if best is None or grade.score > best.score:
                best = grade
            if grade.correct:
                break
        assert best is not None
        if len(calls) > 1:
            names = ", ".join(n for n, _ in calls)
            return _grade(
                best.correct,
                best.score,
                best.method,
                f"{best.explanation} (calls made: {names})",
                extracted=best.extracted,
            )
        return best

    @staticmethod
    def _one(want_name: str, want_args: dict[str, Any], name: str, raw: object) -> Grade:
        points = 1 + len(want_args)  # the name, and each expected argument
        extracted = _call_text(name, raw)
        if name != want_name:
            return _grade(
                False, 0.0, "tool_call:wrong-function", f"the model called {name}, not {want_name}", extracted=extracted
            )
        args, why = parse_arguments(raw)
        if args is None:
            return _grade(
                False, 1 / points, "tool_call:bad-arguments", f"the model called {name}, but {why}", extracted=extracted
            )
        if not want_args:
            return _grade(True, 1.0, "tool_call:match", f"the model called {name} as expected", extracted=extracted)
        comparison = compare(want_args, args)
        score = (1 + comparison.fraction * (points - 1)) / points
        if comparison.ok:
            why = f"the model called {name} with the expected arguments {shown(want_args)}"
            return _grade(True, 1.0, "tool_call:match", why, extracted=extracted)
        why = f"the model called {name}, but the arguments differ: {_failures(comparison)}"
        return _grade(False, score, "tool_call:arguments", why, extracted=extracted)


def _json_factory(judge: JudgeFn | None, judge_model: str | None) -> JsonGrader:
    return JsonGrader()


def _tool_call_factory(judge: JudgeFn | None, judge_model: str | None) -> ToolCallGrader:
    return ToolCallGrader()


for _name, _factory in (("json", _json_factory), ("tool_call", _tool_call_factory)):
    if _name not in available_graders():
        register_grader(_name, _factory)
