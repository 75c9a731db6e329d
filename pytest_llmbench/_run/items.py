"""From questions and models to test items: what each parametrized item is and what it asks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_llmbench.types import ChatRequest, Completion, Grade, Message, Question


@dataclass(frozen=True)
class ItemSpec:
    """One parametrized item: a question asked of a model (the ``repeat``-th time)."""

    question: Question
    model: str
    grader: str
    template: str
    repeat: int = 0

    @property
    def id(self) -> str:
        """Readable and stable: ``openai/gpt-4o-mini-jeopardy:4680-3fa9c1`` (``#2`` for repeats)."""
        suffix = f"#{self.repeat + 1}" if self.repeat else ""
        return f"{self.model}-{self.question.key}{suffix}"


@dataclass
class ItemState:
    """What one item went through, kept on the item until its report is made."""

    spec: ItemSpec
    completion: Completion | None = None
    grade: Grade | None = None
    recorded: bool = False
    judges: list[dict[str, Any]] | None = None  # the jurors' votes and the rules' verdict, when a judge was asked


def make_request(
    spec: ItemSpec, messages: Sequence[Message], params: Mapping[str, Any], *, stream: bool
) -> ChatRequest:
    return ChatRequest(model=spec.model, messages=tuple(messages), params=dict(params), stream=stream,
                       repeat=spec.repeat)
