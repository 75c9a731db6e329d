"""The value types that flow through pytest-llmbench.

Data flows one way: ``Question`` -> ``ChatRequest`` -> ``Completion`` -> ``Grade`` -> ``ItemResult``.
None of these types know about pytest, HTTP or the database; every layer can be tested with plain values.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

#: One OpenAI-style chat message (``{"role": ..., "content": ...}``).
Message = dict[str, Any]
#: JSON-compatible value.
JSON = Any


#: The fields of ``Question`` that make it a question of another kind than text (structured output, tool calls).
KIND_FIELDS = ("schema", "expected", "tools", "expected_call")


@dataclass(frozen=True, slots=True)
class Question:
    """One benchmark question.

    ``id`` is a stable, content-derived key unique within ``dataset`` (for Jeopardy: ``"4680-3fa9c1"``, the
    show number and a short content hash); ``key`` adds the dataset, and is what item ids and the
    ``questions`` table use.
    """

    id: str
    clue: str
    answer: str
    dataset: str = "custom"
    category: str | None = None
    value: int | None = None
    round: str | None = None
    air_date: _dt.date | None = None
    show_number: int | None = None
    attachments: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    # The question's kind (DESIGN.md section 3b); all unset for a text question. ``expected=None`` means no
    # expected value (a JSON ``null`` cannot be asked for).
    schema: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)  # the reply's JSON Schema
    expected: JSON = field(default=None, hash=False, compare=False)  # the JSON value the reply must hold
    tools: tuple[Mapping[str, Any], ...] = field(default=(), hash=False, compare=False)  # OpenAI tool definitions
    expected_call: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)  # {name, arguments}

    def __post_init__(self) -> None:
        # The older shape kept the kind in ``metadata`` (a dataset hook's questions, question-file caches written
        # before): lifted into the fields, so every reader looks in one place.
        if self.metadata and not self.metadata.keys().isdisjoint(KIND_FIELDS):  # C speed: 200,000 clues load
            metadata = dict(self.metadata)
            kinds = {name: metadata.pop(name) for name in KIND_FIELDS if name in metadata}
            if "tools" in kinds:
                kinds["tools"] = tuple(kinds["tools"] or ())
            for name, value in kinds.items():
                object.__setattr__(self, name, value)
            object.__setattr__(self, "metadata", metadata)

    @property
    def key(self) -> str:
        return f"{self.dataset}:{self.id}"

    @property
    def is_plain(self) -> bool:
        """No attachments, no schema, no tools: a text question."""
        return not self.attachments and self.schema is None and not self.tools

    def kind_fields(self) -> dict[str, Any]:
        """The kind fields that are set, under their names (the older ``metadata`` shape, for stored rows)."""
        return {name: getattr(self, name) for name in KIND_FIELDS if getattr(self, name) not in (None, ())}

    def with_metadata(self, **extra: Any) -> Question:
        merged = dict(self.metadata)
        merged.update(extra)
        return replace(self, metadata=merged)


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """What is sent to a model: an OpenAI-compatible chat completion request.

    ``params`` holds everything besides model and messages (temperature, max_tokens, response_format,
    tools, provider routing, ...). ``repeat`` distinguishes the K asks of ``--llm-repeat`` so that each has
    its own cache key although the body is the same.
    """

    model: str
    messages: tuple[Message, ...]
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    stream: bool = True
    repeat: int = 0

    def body(self) -> dict[str, Any]:
        """The JSON body for ``POST /chat/completions`` (without stream flags, which the provider adds)."""
        out: dict[str, Any] = {"model": self.model, "messages": [dict(m) for m in self.messages]}
        out.update(self.params)
        return out


class ErrorKind(StrEnum):
    """Why a completion has no usable answer. Never a wrong answer: these become pytest errors or skips."""

    AUTH = "auth"  # 401/403: the key is missing, wrong or revoked
    CREDITS = "credits"  # 402: out of credits; the run stops
    RATE_LIMIT = "rate_limit"  # 429 still failing after retries
    SERVER = "server"  # 5xx, or an error inside a 200 body / stream, after retries
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    BAD_REQUEST = "bad_request"  # 400/404: the request itself is wrong (unknown model, bad parameter)
    BAD_RESPONSE = "bad_response"  # malformed JSON or an unexpected shape
    BUDGET = "budget"  # --llm-max-cost would be exceeded: not sent
    STOPPED = "stopped"  # the session stopped before this request started
    UNSUPPORTED = "unsupported"  # the model lacks a needed capability: not sent
    LOST = "lost"  # the xdist worker running the item died; a resume asks it again
    INPUT = "input"  # the question itself could not be turned into a request (bad attachment, ...)
    STORAGE = "storage"  # the database refused to store the result: kept as this error for that item alone

    @property
    def skips(self) -> bool:
        """Kinds that are reported as skipped rather than errored: nothing went wrong, nothing was asked."""
        return self in (ErrorKind.BUDGET, ErrorKind.STOPPED, ErrorKind.UNSUPPORTED)


@dataclass(frozen=True, slots=True)
class Completion:
    """A model's answer, or the reason there is none (``error``), with what it cost.

    ``latency_ms`` is wall time of the successful attempt; ``ttft_ms`` time to the first content token
    (streaming only). A cache hit (``cached``) keeps the original call's latencies, tokens and cost: this
    run was billed nothing for it (summaries count its cost as saved, not spent).
    ``cost_estimated`` is true when the cost was computed from catalog prices, not billed by the provider.
    """

    model: str
    text: str = ""
    latency_ms: float | None = None
    ttft_ms: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    cost_estimated: bool = False
    cached: bool = False
    simulated: bool = False
    attempts: int = 1
    error: str | None = None
    error_kind: ErrorKind | None = None
    served_model: str | None = None
    generation_id: str | None = None
    finish_reason: str | None = None
    tool_calls: tuple[dict[str, Any], ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def total_tokens(self) -> int | None:
        if self.prompt_tokens is None and self.completion_tokens is None:
            return None
        return (self.prompt_tokens or 0) + (self.completion_tokens or 0)


class Verdict(StrEnum):
    CORRECT = "correct"
    INCORRECT = "incorrect"
    NOT_ATTEMPTED = "not_attempted"  # refusal, empty reply, "I don't know"


@dataclass(frozen=True, slots=True)
class Grade:
    """A grader's decision. ``score`` is in [0, 1]; ``matched`` is the accepted alternative of the key."""

    correct: bool
    score: float
    method: str
    explanation: str = ""
    matched: str | None = None
    verdict: Verdict | None = None
    extracted: str | None = None
    confidence: float | None = None
    cost_usd: float = 0.0
    #: False when the rules were not sure of the decision (a fuzzy match, an added word of uncertain
    #: meaning, a long reply nothing matched): ``adaptive`` asks its judge about exactly these.
    confident: bool = True

    def __post_init__(self) -> None:
        if self.verdict is None:
            object.__setattr__(self, "verdict", Verdict.CORRECT if self.correct else Verdict.INCORRECT)


class Outcome(StrEnum):
    PASSED = "passed"  # graded correct
    FAILED = "failed"  # graded wrong
    ERROR = "error"  # infrastructure failure after retries: never counted as a wrong answer
    SKIPPED = "skipped"  # not asked: budget exhausted, session stopped, capability missing


@dataclass(frozen=True, slots=True)
class ResultRecord:
    """The flat record of one finished item.

    It is what crosses from an xdist worker to the controller (``to_dict`` gives builtins only), what the
    storage layer writes, and what statistics and reports read. Every number in a report comes from these.
    """

    model: str
    question_key: str
    outcome: Outcome
    nodeid: str = ""
    dataset: str = ""
    clue: str = ""
    answer: str = ""
    category: str | None = None
    round: str | None = None
    value: int | None = None
    air_date: str | None = None  # ISO date
    show_number: int | None = None
    difficulty: int | None = None
    repeat: int = 0
    simulated: bool = False
    correct: bool | None = None  # None when there is no answer to grade
    score: float | None = None
    grader: str | None = None
    grade_method: str | None = None
    explanation: str | None = None
    matched: str | None = None
    verdict: str | None = None
    confidence: float | None = None
    response_text: str = ""
    latency_ms: float | None = None
    ttft_ms: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    cost_estimated: bool = False
    grade_cost_usd: float = 0.0
    cached: bool = False
    attempts: int = 1
    error: str | None = None
    error_kind: str | None = None
    # Provenance: None when not recorded (older runs, or a path that does not know it yet).
    messages: list[Message] | None = None  # the messages actually sent, system message included
    finish_reason: str | None = None
    served_model: str | None = None  # the model that answered, as the provider names it
    provider: str | None = None  # the upstream provider (OpenRouter routes to one)
    generation_id: str | None = None
    judges: list[dict[str, Any]] | None = None  # judge verdicts: model, verdict, reason, cost

    def to_dict(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["outcome"] = self.outcome.value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResultRecord:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["outcome"] = Outcome(known["outcome"])
        return cls(**known)


def completion_to_json(completion: Completion) -> dict[str, Any]:
    """A ``Completion`` as JSON-ready data (the response cache, the HTTP worker process)."""
    data = asdict(completion)
    data["error_kind"] = completion.error_kind.value if completion.error_kind else None
    data["tool_calls"] = list(completion.tool_calls)
    data["extra"] = dict(completion.extra)
    return data


def completion_from_json(data: dict[str, Any]) -> Completion:
    """The ``Completion`` of ``completion_to_json``; unknown keys (from another version) are ignored."""
    known = {k: v for k, v in data.items() if k in Completion.__dataclass_fields__}
    if known.get("error_kind"):
        known["error_kind"] = ErrorKind(known["error_kind"])
    known["tool_calls"] = tuple(known.get("tool_calls") or ())
    return Completion(**known)
