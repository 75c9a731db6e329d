"""From questions and models to test items: what each parametrized item is and what it asks."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_llmbench.types import ChatRequest, Message, Question

#: Keyword arguments the ``llmbench`` marker accepts; each overrides the command-line setting for that test.
MARKER_KEYS = frozenset(
    {"dataset", "grader", "template", "models", "sample", "seed", "stratify", "sample_method", "category",
     "rounds", "repeat"}
)


@dataclass(frozen=True)
class ItemSpec:
    """One parametrized item: a question asked of a model (the ``repeat``-th time)."""

    question: Question
    model: str
    grader: str
    template: str
    repeat: int = 0
    options: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def id(self) -> str:
        """Readable and stable: ``openai/gpt-4o-mini-jeopardy:4680-3fa9c1`` (``#2`` for repeats)."""
        suffix = f"#{self.repeat + 1}" if self.repeat else ""
        return f"{self.model}-{self.question.key}{suffix}"


def build_specs(
    questions: Sequence[Question], models: Sequence[str], *, grader: str, template: str, repeat: int = 1
) -> list[ItemSpec]:
    # Question-major order: a model that is slow does not hold the first results of the others back.
    return [
        ItemSpec(question=q, model=m, grader=grader, template=template, repeat=r)
        for q in questions
        for m in models
        for r in range(repeat)
    ]


def in_shard(nodeid: str, index: int, total: int) -> bool:
    """Deterministic split of items over ``total`` shards (1-based ``index``), the same on every machine."""
    digest = hashlib.sha256(nodeid.encode()).digest()
    return int.from_bytes(digest[:8], "big") % total == index - 1


def make_request(
    spec: ItemSpec, messages: Sequence[Message], params: Mapping[str, Any], *, stream: bool
) -> ChatRequest:
    return ChatRequest(model=spec.model, messages=tuple(messages), params=dict(params), stream=stream,
                       repeat=spec.repeat)
