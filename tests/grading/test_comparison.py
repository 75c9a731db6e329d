"""Reading JSON out of replies and tool arguments, and comparing values like answers."""

from __future__ import annotations

import pytest

from pytest_llmbench.grading.comparison import compare, leaf_matches, parse_arguments, parse_reply


@pytest.mark.parametrize(
    "reply",
    [
        '{"a": 1}',
        '  {"a": 1}\n',
        'Here you go:\n```json\n{"a": 1}\n```\nAnything else?',
        '```\n{"a": 1}\n```',
        'The answer is {"a": 1} as requested.',
        'Sure! {not json} but then {"a": 1}',
    ],
)
def test_parse_reply_finds_the_json_object(reply: str) -> None:
    assert parse_reply(reply) == (True, {"a": 1})


def test_parse_reply_without_json() -> None:
    assert parse_reply("") == (False, None)
    assert parse_reply("I cannot help with that.") == (False, None)
    assert parse_reply("42") == (True, 42)  # a whole-reply scalar is JSON too
    assert parse_reply("see [1, 2]") == (True, [1, 2])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"city": "Paris"}', {"city": "Paris"}),
        ({"city": "Paris"}, {"city": "Paris"}),
        ('"{\\"city\\": \\"Paris\\"}"', {"city": "Paris"}),  # encoded twice
        ('```json\n{"city": "Paris"}\n```', {"city": "Paris"}),
        ("{'city': 'Paris'}", {"city": "Paris"}),  # a Python repr
        ('{"city": "Paris"} trailing words', {"city": "Paris"}),
        ("", {}),
        (None, {}),
    ],
)
def test_parse_arguments_is_robust(raw: object, expected: dict[str, object]) -> None:
    assert parse_arguments(raw) == (expected, "")


def test_parse_arguments_says_why_it_fails() -> None:
    args, why = parse_arguments('{"city": "Par')
    assert args is None and "not valid JSON" in why
    args, why = parse_arguments("[1, 2]")
    assert args is None and "not a JSON object" in why
    args, why = parse_arguments(12)
    assert args is None and "int" in why


def test_leaves_compare_like_answers() -> None:
    assert leaf_matches("Marie Curie", "marie curie")
    assert leaf_matches("(William) Shakespeare", "Shakespeare")
    assert leaf_matches("the Pacific", "Pacific Ocean")
    assert not leaf_matches("Austria", "Australia")  # a near miss is not a typo
    assert leaf_matches(1867, 1867.0) and leaf_matches(1867, "1867") and leaf_matches(42000, "42,000")
    assert not leaf_matches(1867, 1868) and not leaf_matches(1, True)
    assert leaf_matches(True, True) and not leaf_matches(True, 1) and not leaf_matches(True, "true")
    assert leaf_matches(None, None) and not leaf_matches(None, "")
    assert not leaf_matches("Paris", None) and not leaf_matches("Paris", ["Paris"])


def test_compare_scores_each_expected_leaf_and_ignores_extra_keys() -> None:
    expected = {"name": "Marie Curie", "birth": {"city": "Warsaw", "year": 1867}}
    result = compare(expected, {"name": "Marie Curie", "birth": {"city": "Krakow", "year": 1867}, "extra": 1})
    assert (result.matched, result.total) == (2, 3)
    assert result.failures == ['birth.city: expected "Warsaw", got "Krakow"']
    missing = compare(expected, {"name": "Marie Curie"})
    assert (missing.matched, missing.total, missing.failures) == (1, 3, ["birth: missing"])
    wrong_type = compare(expected, ["Marie Curie"])
    assert (wrong_type.matched, wrong_type.total) == (0, 3) and "expected an object" in wrong_type.failures[0]


def test_compare_lists_of_scalars_in_any_order_and_lists_of_objects_in_order() -> None:
    assert compare(["Rome", "Madrid", "Lisbon"], ["lisbon", "Rome", "Madrid"]).ok
    partial = compare(["Rome", "Madrid", "Lisbon"], ["Rome", "Porto"])
    assert (partial.matched, partial.total) == (1, 3) and "missing" in partial.failures[0]
    rows = [{"product": "tea", "quantity": 3}, {"product": "honey", "quantity": 2}]
    assert compare(rows, rows).ok
    swapped = compare(rows, list(reversed(rows)))
    assert (swapped.matched, swapped.total) == (0, 4)
    short = compare(rows, rows[:1])
    assert (short.matched, short.total, short.failures) == (2, 4, ["[1]: missing"])
    assert compare([], []).ok and not compare([], [1]).ok and compare({}, {"a": 1}).ok
