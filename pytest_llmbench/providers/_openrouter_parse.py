"""Read OpenRouter's chat completion bodies and stream chunks into a ``Completion``.

``StreamState`` adds up the chunks of one streamed reply; the small ``as_*`` readers take a JSON value that
may be missing or of another type and give ``None`` (or an empty mapping) instead of failing, since
OpenRouter and its upstream providers do not all fill every field. ``openrouter.OpenRouterProvider`` does
the HTTP and uses these for both streamed and non-streamed replies.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from pytest_llmbench.types import ChatRequest, Completion


class StreamState:
    """What the chunks of one stream add up to.

    ``ttft_ms`` is the time to the first *answer* token: a non-empty ``content`` delta or a tool-call
    delta. Reasoning deltas come earlier for thinking models; their first arrival is kept separately as
    ``extra["reasoning_ttft_ms"]`` so that ttft compares like with like across models.
    """

    def __init__(self, start: float) -> None:
        self.start = start
        self.parts: list[str] = []
        self.tool_calls: dict[int, dict[str, Any]] = {}
        self.finish_reason: str | None = None
        self.ttft_ms: float | None = None
        self.reasoning_ttft_ms: float | None = None
        self.usage: Mapping[str, Any] = {}
        self.last: Mapping[str, Any] = {}
        self.native_finish_reason: str | None = None

    def add(self, chunk: Mapping[str, Any]) -> None:
        self.last = chunk
        usage = chunk.get("usage")
        if isinstance(usage, Mapping):
            self.usage = usage
        choices = chunk.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
            return
        choice = choices[0]
        if choice.get("finish_reason"):
            self.finish_reason = str(choice["finish_reason"])
            self.native_finish_reason = as_str(choice.get("native_finish_reason"))
        delta = choice.get("delta")
        if not isinstance(delta, Mapping):
            return
        content = content_text(delta.get("content"))
        calls = delta.get("tool_calls")
        if (content or calls) and self.ttft_ms is None:
            self.ttft_ms = self._elapsed()
        if delta.get("reasoning") and self.reasoning_ttft_ms is None:
            self.reasoning_ttft_ms = self._elapsed()
        if content:
            self.parts.append(content)
        if isinstance(calls, list):
            for call in calls:
                if isinstance(call, Mapping):
                    self._merge_call(call)

    def _merge_call(self, call: Mapping[str, Any]) -> None:
        # Tool calls arrive in pieces keyed by index: id/type/name once, arguments as string fragments.
        index = call.get("index", len(self.tool_calls))
        merged = self.tool_calls.setdefault(int(index), {"type": "function", "function": {"arguments": ""}})
        for key in ("id", "type"):
            if call.get(key):
                merged[key] = call[key]
        function = call.get("function")
        if isinstance(function, Mapping):
            if function.get("name"):
                merged["function"]["name"] = function["name"]
            if function.get("arguments"):
                merged["function"]["arguments"] += str(function["arguments"])

    def _elapsed(self) -> float:
        return (time.perf_counter() - self.start) * 1000.0

    def completion(self, request: ChatRequest, start: float) -> Completion:
        extra = extra_fields(self.last, {"native_finish_reason": self.native_finish_reason}, self.usage)
        if self.reasoning_ttft_ms is not None:
            extra["reasoning_ttft_ms"] = self.reasoning_ttft_ms
        return Completion(
            model=request.model,
            text="".join(self.parts),
            latency_ms=(time.perf_counter() - start) * 1000.0,
            ttft_ms=self.ttft_ms,
            prompt_tokens=as_int(self.usage.get("prompt_tokens")),
            completion_tokens=as_int(self.usage.get("completion_tokens")),
            cost_usd=as_float(self.usage.get("cost")),
            served_model=as_str(self.last.get("model")),
            generation_id=as_str(self.last.get("id")),
            finish_reason=self.finish_reason,
            tool_calls=tuple(self.tool_calls[i] for i in sorted(self.tool_calls)),
            extra=extra,
        )


def content_text(content: object) -> str:
    """Message content as text: ``None`` -> "", a list of parts -> their text joined."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(p.get("text", "")) for p in content if isinstance(p, Mapping) and p.get("type") == "text"
        )
    return str(content)


def as_mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_int(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def as_float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def as_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def extra_fields(payload: Mapping[str, Any], choice: Mapping[str, Any], usage: Mapping[str, Any]) -> dict[str, Any]:
    """OpenRouter details worth keeping: upstream provider, native finish reason, reasoning tokens."""
    out: dict[str, Any] = {}
    if as_str(payload.get("provider")):
        out["provider"] = payload["provider"]
    if as_str(choice.get("native_finish_reason")):
        out["native_finish_reason"] = choice["native_finish_reason"]
    details = usage.get("completion_tokens_details")
    if isinstance(details, Mapping) and as_int(details.get("reasoning_tokens")) is not None:
        out["reasoning_tokens"] = int(details["reasoning_tokens"])
    return out
