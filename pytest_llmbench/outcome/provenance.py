"""Provenance of each result: what was sent, who answered, and what the summary should flag about it.

The messages are stored as sent, except the bytes of attachments: an image or file given as a data URL is
kept as its media type, size and SHA-256 (a run of a thousand image questions would otherwise store every
image again per model), so what was sent can still be identified and compared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from pytest_llmbench.types import Message, ResultRecord

_INLINE_LIMIT = 2048  # characters of a data URL kept as is


def stored_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """``messages`` as the database keeps them: inline attachment data replaced by its digest."""
    return [_message(m) for m in messages]


def _message(message: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(message)
    content = out.get("content")
    if isinstance(content, list):
        out["content"] = [_part(p) if isinstance(p, Mapping) else p for p in content]
    return out


def _part(part: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(part)
    for key, field in (("image_url", "url"), ("file", "file_data")):
        inner = out.get(key)
        if isinstance(inner, Mapping):
            data = inner.get(field)
            if isinstance(data, str) and data.startswith("data:") and len(data) > _INLINE_LIMIT:
                media = data[5:].split(";", 1)[0]
                digest = hashlib.sha256(data.encode()).hexdigest()
                out[key] = {**inner, field: f"data:{media};sha256={digest};chars={len(data)}"}
    return out


def provenance_notes(records: Sequence[ResultRecord]) -> list[str]:
    """Summary lines: replies cut off at the token limit, and models served by more than one upstream provider."""
    notes: list[str] = []
    truncated: dict[str, int] = {}
    providers: dict[str, dict[str, int]] = {}
    for r in records:
        if r.finish_reason == "length":
            truncated[r.model] = truncated.get(r.model, 0) + 1
        if r.provider:
            counts = providers.setdefault(r.model, {})
            counts[r.provider] = counts.get(r.provider, 0) + 1
    for model, count in truncated.items():
        notes.append(f"truncated: {model}: {count} replies stopped at the token limit (finish_reason 'length'); "
                     f"their answers may be cut off")
    for model, counts in providers.items():
        if len(counts) > 1:
            served = ", ".join(f"{name} ({n})" for name, n in sorted(counts.items(), key=lambda kv: -kv[1]))
            notes.append(f"providers: {model} was served by {len(counts)} upstream providers: {served}; pin one "
                         f"with --llm-provider to compare like with like")
    return notes
