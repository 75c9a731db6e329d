"""From a templated text request to the request a question of another kind needs.

``RequestKinds.prepare`` adds, to the request the template built:

- attachments, as content parts of the last user message: the template's text first, then each file in
  the order the question lists them (images as ``image_url`` data URLs; PDFs as a text part, or a ``file``
  part with ``--llm-pdf=native``). When every part is text, the content stays one string;
- ``response_format`` (a strict ``json_schema``) for a question with a ``schema``;
- ``tools`` (and ``tool_choice`` when the question sets one) for a question with ``tools``.

Before any file is read it checks the model's capabilities (``UnsupportedError``: skipped, never sent).
A plain text question comes back unchanged, so its cache key is what it always was.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from pytest_llmbench._run.capabilities import InfoLookup, Need, catalog_info, check, unchecked_note
from pytest_llmbench._run.media import IMAGE_TYPES, PDF_TYPE, AttachmentCache, MediaLimits
from pytest_llmbench.types import ChatRequest, Completion, ErrorKind, Message, Question


def is_plain(question: Question) -> bool:
    """No attachments, no schema, no tools: a text question."""
    return question.is_plain


def schema_name(question: Question) -> str:
    """The ``json_schema.name`` OpenAI requires (``[A-Za-z0-9_-]{1,64}``): ``schema_name``, the title, or "answer"."""
    schema = question.schema
    raw = question.metadata.get("schema_name") or (schema.get("title") if isinstance(schema, Mapping) else None)
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", str(raw or "")).strip("_")[:64]
    return name or "answer"


def response_format(question: Question) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {
            "name": schema_name(question),
            # OpenAI's strict mode needs every property required and no additional ones; a question whose
            # schema is looser says ``schema_strict: false``.
            "strict": bool(question.metadata.get("schema_strict", True)),
            "schema": question.schema,
        },
    }


def attach(messages: Sequence[Message], parts: Sequence[Mapping[str, Any]]) -> list[Message]:
    """``messages`` with ``parts`` added to the last user message (a new one when there is none)."""
    out = [dict(m) for m in messages]
    if not parts:
        return out
    index = next((i for i in range(len(out) - 1, -1, -1) if out[i].get("role") == "user"), None)
    if index is None:
        out.append({"role": "user", "content": ""})
        index = len(out) - 1
    content = out[index].get("content")
    if isinstance(content, list):
        current = [dict(p) for p in content]
    else:
        current = [{"type": "text", "text": str(content or "")}] if content else []
    current += [dict(p) for p in parts]
    if all(p.get("type") == "text" for p in current):
        out[index]["content"] = "\n\n".join(str(p.get("text", "")) for p in current)
    else:
        out[index]["content"] = current
    return out


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def prompt_key(messages: Sequence[Message]) -> str:
    """What identifies a request's question: the last message's text, and a digest of each attachment.

    Two questions with the same words and different images must not share a key (the simulated models
    find their question by it).
    """
    if not messages:
        return ""
    content = messages[-1].get("content", "")
    if not isinstance(content, list):
        return str(content)
    pieces = []
    for part in content:
        if not isinstance(part, Mapping):
            continue
        kind = part.get("type")
        if kind == "text":
            pieces.append(str(part.get("text", "")))
        elif kind == "image_url":
            pieces.append("image:" + _digest(str(part.get("image_url", {}).get("url", ""))))
        elif kind == "file":
            pieces.append("file:" + _digest(str(part.get("file", {}).get("file_data", ""))))
        else:
            pieces.append(f"{kind}:" + _digest(repr(sorted(part.items()))))
    return "\x1f".join(pieces)


class RequestKinds:
    """Turns requests for questions of any kind into what the API needs; one per session (it caches files)."""

    def __init__(
        self,
        limits: MediaLimits | None = None,
        info: InfoLookup = catalog_info,
        cache: AttachmentCache | None = None,
    ) -> None:
        limits = limits or MediaLimits()
        self.limits = limits
        self.info = info
        self.cache = cache or AttachmentCache(limits)

    def needs(self, question: Question) -> tuple[Need, ...]:
        """The capabilities ``question`` needs; reads each attachment's first bytes (``InputError`` if bad)."""
        needs: list[Need] = []
        for path in question.attachments:
            media_type = self.cache.media_type(path)
            if media_type in IMAGE_TYPES:
                needs.append(Need.IMAGE)
            elif media_type == PDF_TYPE and self.limits.pdf_mode == "native":
                needs.append(Need.FILE)
        if question.schema is not None:
            needs.append(Need.STRUCTURED)
        if question.tools:
            needs.append(Need.TOOLS)
        return tuple(dict.fromkeys(needs))

    def prepare(self, question: Question, request: ChatRequest) -> ChatRequest:
        """The request for ``question``; raises ``UnsupportedError`` or ``InputError`` when it cannot be sent."""
        if question.is_plain:
            return request
        check(self.info(request.model), self.needs(question))
        parts = [self.cache.load(path).part for path in question.attachments]
        params = dict(request.params)
        md = question.metadata
        if question.schema is not None:
            params["response_format"] = response_format(question)
        if question.tools:
            params["tools"] = [dict(tool) for tool in question.tools]
            if "tool_choice" in md:
                params["tool_choice"] = md["tool_choice"]
        return replace(request, messages=tuple(attach(request.messages, parts)), params=params)

    def annotate(self, question: Question, completion: Completion) -> Completion:
        """A request the API refused, for a model the catalog does not know: say the needs were not checked."""
        if completion.ok or completion.error_kind is not ErrorKind.BAD_REQUEST or question.is_plain:
            return completion
        if self.info(completion.model) is not None:
            return completion
        needs = self.needs(question)
        if not needs:
            return completion
        return replace(completion, error=f"{completion.error} {unchecked_note(completion.model, needs)}")
