"""Prompt templates: a question becomes chat messages.

Built-in templates are plain data (``Template``); a user's YAML file with the same keys works the same way::

    system: You are a quiz contestant.
    user: "Category: {category}\\nClue: {clue}"
    examples:                       # optional few-shot pairs, sent as user/assistant turns
      - {user: "...", assistant: "..."}
    params: {temperature: 0, max_tokens: 64}

Placeholders: ``{clue}``, ``{category}``, ``{value}``, ``{round}``, ``{air_date}`` and any metadata key.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pytest_llmbench.errors import UsageError
from pytest_llmbench.types import Message, Question


@dataclass(frozen=True)
class Template:
    name: str
    user: str
    system: str | None = None
    examples: tuple[tuple[str, str], ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    #: whether replies carry a "Confidence: N%" line for calibration
    asks_confidence: bool = False

    def render(self, question: Question) -> list[Message]:
        fields = _fields(question)
        messages: list[Message] = []
        if self.system:
            messages.append({"role": "system", "content": self.system})
        for user, assistant in self.examples:
            messages.append({"role": "user", "content": user})
            messages.append({"role": "assistant", "content": assistant})
        messages.append({"role": "user", "content": _format(self.user, fields, self.name)})
        return messages


def placeholders(template: Template) -> list[str]:
    """The field names ``{...}`` in the template's user text, in order, each once."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template.user) if name]
    except ValueError as exc:
        raise UsageError(f"Template {template.name!r} has a malformed placeholder: {exc}.") from None
    return list(dict.fromkeys(name.split(".", 1)[0].split("[", 1)[0] for name in names))


def check_fields(template: Template, questions: Sequence[Question]) -> None:
    """A placeholder that no question can fill is a typo (``{clu}``): said now, not sent as an empty prompt."""
    if not questions:
        return
    known: set[str] = set()
    for question in questions:
        known.update(_fields(question))
    unknown = [name for name in placeholders(template) if name not in known]
    if unknown:
        raise UsageError(
            f"Template {template.name!r} uses {{{unknown[0]}}}, which no question has: use one of "
            + ", ".join(f"{{{k}}}" for k in sorted(known)) + "."
        )


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _fields(question: Question) -> _Fields:
    out = _Fields({str(k): str(v) for k, v in question.metadata.items() if isinstance(v, str | int | float)})
    out.update(
        clue=question.clue,
        question=question.clue,
        category=question.category or "",
        value=f"${question.value}" if question.value is not None else "",
        round=question.round or "",
        air_date=question.air_date.isoformat() if question.air_date else "",
    )
    return out


def _format(text: str, fields: _Fields, template: str) -> str:
    # format_map, not format: the clue is data and must never be parsed as a format string itself.
    try:
        return string.Formatter().vformat(text, (), fields)
    except (ValueError, IndexError) as exc:
        raise UsageError(f"Template {template!r} has a malformed placeholder: {exc}.") from None


_ANSWER_ONLY = "Reply with the answer only, no explanation."

BUILTIN: dict[str, Template] = {
    "jeopardy": Template(
        name="jeopardy",
        system=(
            "You are a champion Jeopardy! contestant. You are given a category and a clue; respond in the form "
            "of a question, e.g. 'What is Paris?'. " + _ANSWER_ONLY
        ),
        user="Category: {category}\nClue: {clue}",
        params={"temperature": 0, "max_tokens": 64},
    ),
    "qa": Template(
        name="qa",
        system="Answer the question concisely. " + _ANSWER_ONLY,
        user="{clue}",
        params={"temperature": 0, "max_tokens": 64},
    ),
    "cot": Template(
        name="cot",
        system=(
            "You are an expert quiz player. Think step by step about the clue, then finish with one last line "
            "of the form 'Final answer: <answer>' followed by 'Confidence: <0-100>%'."
        ),
        user="Category: {category}\nClue: {clue}",
        params={"temperature": 0, "max_tokens": 512},
        asks_confidence=True,
    ),
    "few-shot": Template(
        name="few-shot",
        system="You are a champion quiz contestant. " + _ANSWER_ONLY,
        user="Category: {category}\nClue: {clue}",
        examples=(
            ("Category: WORLD CAPITALS\nClue: This city on the Danube is the capital of Hungary", "Budapest"),
            ("Category: SCIENCE\nClue: This element, symbol Fe, rusts when exposed to moisture", "Iron"),
            ("Category: AUTHORS\nClue: He wrote 'A Tale of Two Cities' and 'Great Expectations'",
             "Charles Dickens"),
        ),
        params={"temperature": 0, "max_tokens": 64},
    ),
}


def load_template(name_or_path: str, base_dir: Path | None = None) -> Template:
    """A built-in template by name, or a YAML template file."""
    if name_or_path in BUILTIN:
        return BUILTIN[name_or_path]
    path = Path(name_or_path)
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    if not path.is_file():
        raise UsageError(
            f"Unknown template {name_or_path!r}: use one of {', '.join(BUILTIN)} or a path to a YAML template."
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsageError(f"Template file {path} is not valid YAML: {exc}.") from None
    if not isinstance(data, dict) or not isinstance(data.get("user"), str):
        raise UsageError(f"Template file {path} must be a mapping with at least a 'user' text.")
    examples: list[tuple[str, str]] = []
    for example in data.get("examples") or []:
        if not (isinstance(example, dict) and isinstance(example.get("user"), str)
                and isinstance(example.get("assistant"), str)):
            raise UsageError(f"Template file {path}: each example needs 'user' and 'assistant' texts.")
        examples.append((example["user"], example["assistant"]))
    params = data.get("params") or {}
    if not isinstance(params, dict):
        raise UsageError(f"Template file {path}: 'params' must be a mapping.")
    system = data.get("system")
    return Template(
        name=path.stem,
        user=data["user"],
        system=str(system) if system is not None else None,
        examples=tuple(examples),
        params=params,
        asks_confidence=bool(data.get("asks_confidence", False)),
    )
