"""How the simulated models answer questions beyond text: JSON for a schema, a tool call for tools.

A right answer is the question's ``expected`` value (as JSON, sometimes in a fenced block after a sentence,
the way chat models often reply) or its ``expected_call``; a wrong one changes a single value, so the
graders have a partial match to score. Whether the answer is right is decided by the caller, from the
same deterministic seed as text answers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pytest_llmbench.types import ChatRequest, Question

_WRONG_WORDS = ("unknown", "Springfield", "blue", "Tuesday", "n/a")


def _pick(seed: str, count: int) -> int:
    return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:4], "big") % count


def needs_tools(request: ChatRequest, question: Question | None) -> bool:
    return bool(request.params.get("tools")) and question is not None and question.expected_call is not None


def wants_json(request: ChatRequest, question: Question | None) -> bool:
    return question is not None and question.expected is not None


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, Mapping) and value:
        return [leaf for k, v in value.items() for leaf in _leaves(v, (*path, k))]
    if isinstance(value, list) and value:
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, (*path, i))]
    return [path]


def _wrong(value: Any, seed: str, schema: object = None) -> Any:
    enum = schema.get("enum") if isinstance(schema, Mapping) else None
    if isinstance(enum, list) and len(enum) > 1:  # a strict schema keeps even a wrong answer in its enum
        others = [v for v in enum if v != value]
        return others[_pick(seed, len(others))]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        words = [w for w in _WRONG_WORDS if w.lower() != value.lower()]
        return words[_pick(seed, len(words))]
    return "unknown"


def _sub_schema(schema: object, path: tuple[Any, ...]) -> object:
    for step in path:
        if not isinstance(schema, Mapping):
            return None
        if isinstance(step, int):
            schema = schema.get("items")
        else:
            properties = schema.get("properties")
            schema = properties.get(step) if isinstance(properties, Mapping) else None
    return schema


def spoil(value: Any, seed: str, schema: object = None) -> Any:
    """A deep copy of ``value`` with exactly one leaf changed (chosen by ``seed``; within its ``enum``, if any)."""
    copy = json.loads(json.dumps(value))
    leaves = _leaves(copy)
    path = leaves[_pick(seed, len(leaves))]
    if not path:
        return _wrong(copy, seed, schema)
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = _wrong(parent[path[-1]], seed, _sub_schema(schema, path))
    return copy


def fill_required(value: Any, schema: object) -> Any:
    """``value`` with every property the schema requires and ``expected`` leaves out given a plain value.

    ``expected`` may name only the keys that matter; a model under a strict schema still sends them all.
    """
    if not isinstance(schema, Mapping):
        return value
    if isinstance(value, dict):
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        out = {k: fill_required(v, properties.get(k)) for k, v in value.items()}
        for key in schema.get("required") or ():
            if key not in out:
                out[key] = _placeholder(properties.get(key))
        return out
    if isinstance(value, list):
        return [fill_required(v, schema.get("items")) for v in value]
    return value


def _placeholder(schema: object) -> Any:
    if not isinstance(schema, Mapping):
        return None
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    defaults: dict[str, Any] = {"string": "n/a", "integer": 0, "number": 0, "boolean": False, "array": []}
    if kind == "object":
        return fill_required({}, schema)
    return defaults.get(str(kind))


def json_reply(question: Question, correct: bool, seed: str, verbose: bool) -> str:
    value, schema = question.expected, question.schema
    value = fill_required(value if correct else spoil(value, seed, schema), schema)
    body = json.dumps(value, ensure_ascii=False)
    if verbose and _pick("fence" + seed, 3) == 0:
        return f"Here is the requested data:\n```json\n{body}\n```"
    return body


def tool_call(question: Question, correct: bool, seed: str) -> dict[str, Any]:
    """One OpenAI-style tool call (arguments as a JSON string, as the API sends them)."""
    expected = question.expected_call
    assert expected is not None  # only asked for when needs_tools()
    arguments = dict(expected.get("arguments") or {})
    if not correct:
        arguments = spoil(arguments, seed) if arguments else {"unexpected": True}
    call_id = "call_sim_" + hashlib.sha256(seed.encode()).hexdigest()[:12]
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": str(expected["name"]), "arguments": json.dumps(arguments, ensure_ascii=False)},
    }


def content_text(content: object) -> str:
    """The text of a message's content, whether a string or a list of parts (attachments count as a mark)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, Mapping):
                texts.append(str(part.get("text", "")) if part.get("type") == "text" else "[attachment]")
        return "\n".join(texts)
    return str(content or "")


def part_types(request: ChatRequest) -> set[str]:
    """The content part types in a request (``image_url``, ``file``, ...)."""
    found: set[str] = set()
    for message in request.messages:
        content = message.get("content")
        if isinstance(content, list):
            found.update(str(p.get("type")) for p in content if isinstance(p, Mapping))
    return found
