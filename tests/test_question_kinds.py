"""A question's kind is typed fields of ``Question``; the older metadata shape is still read."""

from __future__ import annotations

from dataclasses import replace

from pytest_llmbench.types import Question

SCHEMA = {"type": "object"}
TOOLS = ({"type": "function", "function": {"name": "f"}},)


def test_the_older_metadata_shape_is_lifted_into_the_fields() -> None:
    q = Question(id="1", clue="c", answer="", metadata={"schema": SCHEMA, "expected": {"a": 1}, "source": "me",
                                                        "tools": list(TOOLS), "expected_call": {"name": "f"}})
    assert (q.schema, q.expected, q.tools, q.expected_call) == (SCHEMA, {"a": 1}, TOOLS, {"name": "f"})
    assert q.metadata == {"source": "me"} and not q.is_plain


def test_kind_fields_give_the_older_shape_back_and_a_text_question_has_none() -> None:
    q = Question(id="1", clue="c", answer="", schema=SCHEMA, expected={"a": 1})
    assert q.kind_fields() == {"schema": SCHEMA, "expected": {"a": 1}}
    assert Question(id="1", clue="c", answer="", metadata=q.kind_fields()).schema == SCHEMA
    plain = Question(id="2", clue="c", answer="a", metadata={"difficulty": 3})
    assert plain.is_plain and plain.kind_fields() == {} and plain.metadata == {"difficulty": 3}


def test_a_new_value_in_metadata_replaces_the_field() -> None:
    q = Question(id="1", clue="c", answer="", schema=SCHEMA, expected={"a": 1})
    assert q.with_metadata(expected={"a": 2}).expected == {"a": 2}
    assert replace(q, expected={"a": 3}).expected == {"a": 3} and replace(q, expected={"a": 3}).schema == SCHEMA
