"""Reading JSON out of replies and tool calls, and comparing it with an expected value like an answer.

Models wrap JSON in prose and fenced blocks, send tool arguments as JSON strings (sometimes encoded twice,
sometimes as a Python dict repr), and write "Paris" where "paris, France" was expected. ``parse_reply`` and
``parse_arguments`` accept all of that; ``compare`` scores the expected value leaf by leaf: strings through
the answer matcher (``grading.match_answer``), numbers by value, booleans and null exactly, objects
recursively (keys the expected value does not name are ignored), lists in order, or in any order when
they hold only scalars.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_llmbench.grading.answer_key import parse_key
from pytest_llmbench.grading.graders import best_match
from pytest_llmbench.grading.match import match_answer

_FENCE = re.compile(r"```[ \t]*(?:json|JSON|javascript|js)?[ \t]*\r?\n?(.*?)```", re.DOTALL)
_MAX_STARTS = 50  # bracket positions tried when JSON is buried in prose


def parse_reply(text: str) -> tuple[bool, Any]:
    """``(found, value)``: the JSON value in a reply (whole text, a fenced block, or embedded in prose)."""
    stripped = text.strip()
    if not stripped:
        return False, None
    try:
        return True, json.loads(stripped)
    except ValueError:
        pass
    for block in _FENCE.findall(stripped):
        try:
            return True, json.loads(block.strip())
        except ValueError:
            continue
    found, value = _embedded(stripped)
    return found, value


def _embedded(text: str) -> tuple[bool, Any]:
    decoder = json.JSONDecoder()
    starts = [m.start() for m in re.finditer(r"[\[{]", text)][:_MAX_STARTS]
    for start in starts:
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            continue
        if isinstance(value, dict | list):
            return True, value
    return False, None


def parse_arguments(raw: object) -> tuple[dict[str, Any] | None, str]:
    """A tool call's arguments as a dict, or ``(None, why)``; tolerates fences, double encoding, reprs."""
    if isinstance(raw, Mapping):
        return dict(raw), ""
    if raw is None:
        return {}, ""
    if not isinstance(raw, str):
        return None, f"the arguments are a {type(raw).__name__}, not a JSON object"
    text = raw.strip()
    if not text:
        return {}, ""
    value: Any = None
    found, value = parse_reply(text)
    if found and isinstance(value, str):  # encoded twice: a JSON string holding the JSON object
        found, value = parse_reply(value)
    if not found:
        try:
            value = ast.literal_eval(text)  # a Python dict repr: {'city': 'Paris'}
            found = True
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            found = False
    if not found:
        return None, f"the arguments are not valid JSON ({_clip(text)})"
    if not isinstance(value, dict):
        return None, f"the arguments are not a JSON object ({_clip(text)})"
    return value, ""


def _clip(text: str, size: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 3] + "..."


def shown(value: Any) -> str:
    """A value as it appears in explanations: JSON, clipped."""
    return _clip(json.dumps(value, ensure_ascii=False, default=str))


@dataclass
class Comparison:
    """How many leaves of the expected value the actual value matches, and which did not."""

    matched: int = 0
    total: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def fraction(self) -> float:
        return self.matched / self.total if self.total else 1.0

    @property
    def ok(self) -> bool:
        return self.matched == self.total

    def add(self, other: Comparison) -> None:
        self.matched += other.matched
        self.total += other.total
        self.failures += other.failures


def _leaf_count(value: Any) -> int:
    if isinstance(value, Mapping) and value:
        return sum(_leaf_count(v) for v in value.values())
    if isinstance(value, list) and value:
        return sum(_leaf_count(v) for v in value)
    return 1


def _fail(expected: Any, path: str, why: str) -> Comparison:
    count = _leaf_count(expected)
    return Comparison(0, count, [f"{path or 'the value'}: {why}"])


def _join(path: str, key: object) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else str(key))


def compare(expected: Any, actual: Any, path: str = "") -> Comparison:
    """Score ``actual`` against ``expected``; one point per leaf of ``expected``."""
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return _fail(expected, path, f"expected an object, got {shown(actual)}")
        if not expected:
            return Comparison(1, 1)
        result = Comparison()
        for key, value in expected.items():
            where = _join(path, key)
            if key not in actual:
                result.add(_fail(value, where, "missing"))
            else:
                result.add(compare(value, actual[key], where))
        return result
    if isinstance(expected, list):
        return _compare_list(expected, actual, path)
    if leaf_matches(expected, actual):
        return Comparison(1, 1)
    return _fail(expected, path, f"expected {shown(expected)}, got {shown(actual)}")


def _compare_list(expected: list[Any], actual: Any, path: str) -> Comparison:
    if not isinstance(actual, list):
        return _fail(expected, path, f"expected a list, got {shown(actual)}")
    if not expected:
        return Comparison(1, 1) if not actual else _fail(expected, path, f"expected [], got {shown(actual)}")
    if all(not isinstance(v, Mapping | list) for v in expected):
        # A list of scalars is usually a set (tags, names): match each expected item to an unused one.
        unused = list(actual)
        result = Comparison(total=len(expected))
        missing = []
        for item in expected:
            hit = next((i for i, got in enumerate(unused) if leaf_matches(item, got)), None)
            if hit is None:
                missing.append(shown(item))
            else:
                result.matched += 1
                unused.pop(hit)
        if missing:
            result.failures.append(f"{path or 'the list'}: missing {', '.join(missing)} (got {shown(actual)})")
        return result
    result = Comparison()
    for index, item in enumerate(expected):
        where = _join(path, index)
        if index >= len(actual):
            result.add(_fail(item, where, "missing"))
        else:
            result.add(compare(item, actual[index], where))
    return result


def leaf_matches(expected: Any, actual: Any) -> bool:
    """One scalar compared like an answer: strings by the matcher, numbers by value, the rest exactly."""
    if expected is None or isinstance(expected, bool):
        return actual is expected
    if isinstance(expected, int | float):
        if isinstance(actual, bool):
            return False
        if isinstance(actual, int | float):
            return bool(actual == expected)
        if isinstance(actual, str):
            try:
                return float(actual.strip().replace(",", "")) == expected
            except ValueError:
                return False
        return False
    if isinstance(expected, str):
        if isinstance(actual, bool) or actual is None or isinstance(actual, Mapping | list):
            return False
        got = str(actual).strip()
        if not expected.strip():
            return not got
        if got.casefold() == expected.strip().casefold():
            return True
        result = best_match([got], parse_key(expected), match_answer)
        return result is not None and result.accepted
    return bool(expected == actual)
