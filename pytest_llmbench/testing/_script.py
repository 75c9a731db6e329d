"""What the fake server answers: answer policies, faults, and rules choosing a fault per request.

A rule is any callable ``(RequestContext) -> Fault | None``. The helpers below cover the usual scripts::

    first(2, Fault.rate_limited(retry_after=1), model="openai/gpt-4o")  # two 429s for it, then answers
    on_requests({3: Fault.http(502)})  # the 3rd chat request fails
    for_model("bad/model", Fault.http(400, "bad/model is not a valid model ID"))
"""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeAlias


@dataclass(frozen=True, slots=True)
class RequestContext:
    """One chat-completion request as the fault rules and latency callables see it."""

    number: int  # 1-based over all chat requests since the server started (or was reset)
    model_number: int  # 1-based over the requests for this model
    model: str
    body: Mapping[str, Any]
    headers: Mapping[str, str]  # lower-case names
    in_flight: int = 1  # chat requests being answered when this one arrived, this one included

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def prompt(self) -> str:
        """All message text of the request, joined by newlines."""
        return "\n".join(_content_text(m.get("content")) for m in self.body.get("messages") or ())


@dataclass(frozen=True, slots=True)
class Reply:
    """A scripted answer richer than a string: tool calls, reasoning text, a finish reason."""

    text: str = ""
    tool_calls: tuple[Mapping[str, Any], ...] = ()
    reasoning: str | None = None
    finish_reason: str | None = None  # default: "tool_calls" when there are tool calls, else "stop"


class FaultKind(StrEnum):
    HTTP = "http"  # a non-200 status with an OpenRouter error body (or a raw body)
    ERROR_IN_BODY = "error_in_body"  # HTTP 200 whose body (or first SSE event) is an error object
    MIDSTREAM_ERROR = "midstream_error"  # some tokens, then an SSE chunk with a top-level error
    HANG = "hang"  # never answers until the client gives up or the server stops
    RESET = "reset"  # the connection is reset (TCP RST) instead of answering
    MALFORMED_JSON = "malformed_json"  # a complete response whose JSON is cut off
    TRUNCATED_BODY = "truncated_body"  # the connection closes before the announced body is complete
    SLOW_STREAM = "slow_stream"  # a normal answer with ``delay`` seconds between chunks
    DIRTY_TEXT = "dirty_text"  # a normal answer with ``message`` (NUL, ESC, ...) appended to its text
    OVERSIZED = "oversized"  # a normal answer whose text is padded to ``size`` characters
    GZIP_BOMB = "gzip_bomb"  # a JSON answer, gzip-encoded, that inflates to ``size`` bytes


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected failure; build it with the class methods."""

    kind: FaultKind
    status: int = 200
    code: int | str | None = None
    message: str = ""
    metadata: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None  # raw body for HTTP faults (e.g. an HTML 502 page)
    content_type: str = "application/json"
    after_chunks: int = 1
    delay: float = 0.0
    size: int = 0
    midstream: bool = False  # RESET: after the stream began (headers and a first event sent), not before

    @classmethod
    def http(
        cls,
        status: int,
        message: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        body: bytes | None = None,
        content_type: str = "application/json",
    ) -> Fault:
        return cls(
            FaultKind.HTTP,
            status=status,
            code=status,
            message=message or _DEFAULT_MESSAGES.get(status, "Fake error"),
            metadata=metadata,
            headers=dict(headers or {}),
            body=body,
            content_type=content_type,
        )

    @classmethod
    def rate_limited(cls, retry_after: float | str | None = 1, *, reset_ms: int | None = None) -> Fault:
        """429 with ``Retry-After`` (seconds or an HTTP date) and/or OpenRouter's ``X-RateLimit-Reset``."""
        headers = {} if retry_after is None else {"Retry-After": _seconds(retry_after)}
        metadata = None if reset_ms is None else {"headers": {"X-RateLimit-Reset": str(reset_ms)}}
        return cls.http(429, "Rate limit exceeded", headers=headers, metadata=metadata)

    @classmethod
    def error_in_body(cls, code: int | str = 502, message: str = "Provider returned error") -> Fault:
        return cls(FaultKind.ERROR_IN_BODY, code=code, message=message, metadata={"provider_name": "Fake"})

    @classmethod
    def midstream_error(
        cls, code: int | str = 502, message: str = "Network connection lost.", *, after_chunks: int = 1
    ) -> Fault:
        return cls(FaultKind.MIDSTREAM_ERROR, code=code, message=message, after_chunks=after_chunks)

    @classmethod
    def hang(cls) -> Fault:
        return cls(FaultKind.HANG)

    @classmethod
    def reset(cls, *, midstream: bool = False) -> Fault:
        """A TCP reset; ``midstream``: of a stream already begun (as llama.cpp's server interrupts one)."""
        return cls(FaultKind.RESET, midstream=midstream)

    @classmethod
    def malformed_json(cls) -> Fault:
        return cls(FaultKind.MALFORMED_JSON)

    @classmethod
    def truncated_body(cls) -> Fault:
        return cls(FaultKind.TRUNCATED_BODY)

    @classmethod
    def slow_stream(cls, delay: float) -> Fault:
        return cls(FaultKind.SLOW_STREAM, delay=delay)

    @classmethod
    def dirty_text(cls, suffix: str = "\n\x00\x1b[2J\x1b]0;pwned\x07") -> Fault:
        """The real answer followed by ``suffix``: by default a line holding a NUL byte and terminal escapes."""
        return cls(FaultKind.DIRTY_TEXT, message=suffix)

    @classmethod
    def oversized(cls, size: int) -> Fault:
        """The real answer padded with spaces to ``size`` characters (streamed or not)."""
        return cls(FaultKind.OVERSIZED, size=size)

    @classmethod
    def gzip_bomb(cls, size: int) -> Fault:
        """A JSON answer sent with ``Content-Encoding: gzip`` that inflates to ``size`` bytes (mostly
        whitespace, so a few hundred kB on the wire per GB)."""
        return cls(FaultKind.GZIP_BOMB, size=size, body=_gzip_bomb(size))

    @classmethod
    def html_page(cls, status: int = 200) -> Fault:
        """An HTML page (a captive portal, a proxy's login page) instead of JSON or an event stream."""
        page = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Please sign in.</body></html>"
        return cls.http(status, "HTML page", body=page, content_type="text/html; charset=utf-8")


_DEFAULT_MESSAGES = {
    400: "Invalid request",
    401: "User not found.",
    402: "Insufficient credits. Add more using https://openrouter.ai/credits",
    403: "Forbidden",
    404: "No endpoints found for this model.",
    408: "Request timed out",
    429: "Rate limit exceeded",
    500: "Internal Server Error",
    502: "Provider returned error",
    503: "No available provider",
}

FaultRule: TypeAlias = Callable[[RequestContext], Fault | None]
Faults: TypeAlias = FaultRule | Sequence[FaultRule] | None
AnswerPolicy: TypeAlias = Callable[[Mapping[str, Any]], "str | Reply"]
Answer: TypeAlias = AnswerPolicy | str | Mapping[str, str] | None


def choose_fault(faults: Faults, context: RequestContext) -> Fault | None:
    """The first fault any rule returns for ``context``."""
    if faults is None:
        return None
    rules = (faults,) if callable(faults) else faults
    for rule in rules:
        fault = rule(context)
        if fault is not None:
            return fault
    return None


def first(count: int, fault: Fault, *, model: str | None = None) -> FaultRule:
    """``fault`` for the first ``count`` requests (for ``model`` only, when given); then normal answers."""

    def rule(context: RequestContext) -> Fault | None:
        if model is None:
            return fault if context.number <= count else None
        return fault if context.model == model and context.model_number <= count else None

    return rule


def on_requests(faults: Mapping[int, Fault]) -> FaultRule:
    """A fault for chosen request numbers (1-based, over all chat requests)."""
    return lambda context: faults.get(context.number)


def for_model(model: str, fault: Fault) -> FaultRule:
    """``fault`` for every request naming ``model``."""
    return lambda context: fault if context.model == model else None


def over_in_flight(limit: int, fault: Fault | None = None) -> FaultRule:
    """``fault`` (default: a reset mid-stream) for a request arriving while more than ``limit`` are in flight
    (itself included): a server with ``limit`` slots that breaks what does not fit, as llama.cpp's does."""
    chosen = fault if fault is not None else Fault.reset(midstream=True)
    return lambda context: chosen if context.in_flight > limit else None


def first_ask_fails(*faults: Fault) -> FaultRule:
    """The first request of each question (model and prompt) fails, with ``faults`` in turn; its retry answers.

    ``first_ask_fails(Fault.rate_limited(1), Fault.http(503), Fault.error_in_body())`` is a provider with
    transient faults: every question fails once, a third each way.
    """
    seen: set[tuple[str, str]] = set()

    def rule(context: RequestContext) -> Fault | None:
        question = (context.model, context.prompt)
        if question in seen:
            return None
        seen.add(question)
        return faults[(len(seen) - 1) % len(faults)]

    return rule


def every(n: int, fault: Fault) -> FaultRule:
    """``fault`` for every ``n``-th request (``n``, ``2n``, ...)."""
    return lambda context: fault if context.number % n == 0 else None


# -- answer policies -------------------------------------------------------------------------------------


def echo() -> AnswerPolicy:
    """Answer with the last user message."""

    def policy(body: Mapping[str, Any]) -> str:
        for message in reversed(body.get("messages") or ()):
            if message.get("role") == "user":
                return _content_text(message.get("content"))
        return ""

    return policy


def fixed(text: str) -> AnswerPolicy:
    """Always the same answer."""
    return lambda body: text


def answer_from(answers: Mapping[str, str], default: str = "I don't know.") -> AnswerPolicy:
    """The answer whose key is a substring of the request's messages; ``default`` when none is."""

    def policy(body: Mapping[str, Any]) -> str:
        prompt = "\n".join(_content_text(m.get("content")) for m in body.get("messages") or ())
        for key, answer in answers.items():
            if key in prompt:
                return answer
        return default

    return policy


def as_policy(answer: Answer) -> AnswerPolicy:
    if answer is None:
        return echo()
    if isinstance(answer, str):
        return fixed(answer)
    if isinstance(answer, Mapping):
        return answer_from(answer)
    return answer


def _content_text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return "" if content is None else json.dumps(content)


@functools.lru_cache(maxsize=2)
def _gzip_bomb(size: int) -> bytes:
    """A gzip member holding ``{"pad": "<size spaces>"}``, compressed piece by piece (never whole in memory)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip header and trailer
    parts = [compressor.compress(b'{"pad": "')]
    block = b" " * (1 << 20)
    left = max(0, size)
    while left > 0:
        parts.append(compressor.compress(block[: min(left, len(block))]))
        left -= len(block)
    parts.append(compressor.compress(b'"}'))
    parts.append(compressor.flush())
    return b"".join(parts)


def _seconds(value: float | str) -> str:
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else str(value)
