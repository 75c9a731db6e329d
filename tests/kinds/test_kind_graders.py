"""The json and tool_call graders."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from pytest_llmbench._run.record import reply_text
from pytest_llmbench.grading import available_graders, get_grader
from pytest_llmbench.grading.structured import CompletionGrader, JsonGrader, ToolCallGrader, kind_grader
from pytest_llmbench.types import Completion, Question, Verdict

SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "birth_city": {"type": "string"}, "birth_year": {"type": "integer"}},
    "required": ["name", "birth_city", "birth_year"],
    "additionalProperties": False,
}
EXPECTED = {"name": "Marie Curie", "birth_city": "Warsaw", "birth_year": 1867}
PERSON = Question(
    id="p", clue="Extract", answer=json.dumps(EXPECTED), metadata={"schema": SCHEMA, "expected": EXPECTED}
)
WEATHER = Question(
    id="w",
    clue="Weather in Paris?",
    answer="",
    metadata={
        "tools": [{"type": "function", "function": {"name": "get_weather"}}],
        "expected_call": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}},
    },
)


def _call(name: str, arguments: object) -> dict[str, object]:
    return {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}


def test_both_graders_are_registered_and_need_the_completion() -> None:
    assert {"json", "tool_call"} <= set(available_graders())
    assert isinstance(get_grader("json"), JsonGrader) and isinstance(get_grader("tool_call"), ToolCallGrader)
    assert isinstance(get_grader("tool_call"), CompletionGrader)
    assert not isinstance(get_grader("lenient"), CompletionGrader)


def test_json_all_keys_match_in_a_fenced_reply() -> None:
    reply = 'Here it is:\n```json\n{"name": "marie curie", "birth_city": "Warsaw", "birth_year": 1867}\n```'
    grade = JsonGrader().grade(PERSON, reply)
    assert grade.correct and grade.score == 1.0 and grade.method == "json:match"
    assert grade.explanation == "All 3 expected keys match."
    assert json.loads(grade.extracted or "") == {"birth_city": "Warsaw", "birth_year": 1867, "name": "marie curie"}


def test_json_partial_match_scores_the_fraction_and_names_the_failed_keys() -> None:
    grade = JsonGrader().grade(PERSON, '{"name": "Marie Curie", "birth_city": "Paris", "birth_year": 1868}')
    assert not grade.correct and grade.score == pytest.approx(1 / 3) and grade.method == "json:mismatch"
    assert grade.explanation == (
        '1 of 3 expected keys match; failed: birth_city: expected "Warsaw", got "Paris"; '
        "birth_year: expected 1867, got 1868."
    )


def test_json_right_values_but_against_the_schema_is_not_correct() -> None:
    grade = JsonGrader().grade(PERSON, '{"name": "Marie Curie", "birth_city": "Warsaw", "birth_year": "1867"}')
    assert not grade.correct and grade.method == "json:schema" and grade.score == 1.0
    assert "does not follow the schema: birth_year: '1867' is not of type 'integer'" in grade.explanation


def test_json_unparseable_or_empty_replies() -> None:
    grade = JsonGrader().grade(PERSON, "Marie Curie was born in Warsaw.")
    assert not grade.correct and grade.score == 0.0 and grade.method == "json:unparseable"
    empty = JsonGrader().grade(PERSON, "  ")
    assert empty.verdict is Verdict.NOT_ATTEMPTED


def test_json_without_expected_metadata_uses_the_answer_as_json() -> None:
    question = Question(id="q", clue="c", answer='{"x": 2}')
    assert JsonGrader().grade(question, '{"x": 2, "y": 3}').correct
    assert JsonGrader().grade(Question(id="q", clue="c", answer="plain words"), "{}").method == "json:no-key"


def test_tool_call_passes_on_the_expected_call_with_extra_arguments() -> None:
    completion = Completion(
        model="m", tool_calls=(_call("get_weather", '{"city": "paris", "unit": "celsius", "days": 1}'),)
    )
    grade = ToolCallGrader().grade_completion(WEATHER, completion)
    assert grade.correct and grade.score == 1.0 and grade.method == "tool_call:match"
    assert (
        grade.explanation
        == 'The model called get_weather with the expected arguments {"city": "Paris", "unit": "celsius"}.'
    )


def test_tool_call_wrong_argument_scores_partially_and_says_which() -> None:
    completion = Completion(model="m", tool_calls=(_call("get_weather", '{"city": "Lyon", "unit": "celsius"}'),))
    grade = ToolCallGrader().grade_completion(WEATHER, completion)
    assert not grade.correct and grade.score == pytest.approx(2 / 3)
    assert (
        grade.explanation
        == 'The model called get_weather, but the arguments differ: city: expected "Paris", got "Lyon".'
    )


def test_tool_call_wrong_function_missing_call_and_bad_arguments() -> None:
    wrong = ToolCallGrader().grade_completion(WEATHER, Completion(model="m", tool_calls=(_call("get_time", "{}"),)))
    assert (
        not wrong.correct and wrong.score == 0.0 and wrong.explanation == "The model called get_time, not get_weather."
    )
    none = ToolCallGrader().grade_completion(WEATHER, Completion(model="m", text="It is sunny in Paris."))
    assert none.method == "tool_call:none" and "called no tool" in none.explanation
    assert ToolCallGrader().grade_completion(WEATHER, Completion(model="m")).verdict is Verdict.NOT_ATTEMPTED
    bad = ToolCallGrader().grade_completion(WEATHER, Completion(model="m", tool_calls=(_call("get_weather", "{oops"),)))
    assert bad.method == "tool_call:bad-arguments" and "not valid JSON" in bad.explanation


def test_tool_call_best_of_several_calls_and_calls_written_as_text() -> None:
    calls = (_call("get_time", "{}"), _call("get_weather", {"city": "Paris", "unit": "celsius"}))
    grade = ToolCallGrader().grade_completion(WEATHER, Completion(model="m", tool_calls=calls))
    assert grade.correct and grade.explanation.endswith("(calls made: get_time, get_weather).")
    text = '{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}'
    assert ToolCallGrader().grade(WEATHER, text).correct  # the llm_grader fixture's (question, text) form


def test_kind_grader_picks_the_kind_only_over_text_graders() -> None:
    assert kind_grader(WEATHER, "lenient") == "tool_call"
    assert kind_grader(PERSON, "jeopardy") == "json"
    assert kind_grader(PERSON, "judge") == "judge"  # a judge or custom grader is the user's choice
    assert kind_grader(Question(id="t", clue="c", answer="a"), "strict") == "strict"


def test_reply_text_keeps_tool_calls_for_storage() -> None:
    completion = Completion(model="m", tool_calls=(_call("get_weather", '{"city": "Paris"}'),))
    assert reply_text(completion) == '[tool call] get_weather({"city": "Paris"})'
    assert reply_text(Completion(model="m", text="hi")) == "hi"


def test_a_real_openrouter_tool_call_reply_is_graded(tmp_path: Path) -> None:
    """The captured Mistral reply (arguments as a JSON string), through the real provider's parser."""
    from pytest_llmbench.providers.openrouter import OpenRouterProvider
    from pytest_llmbench.types import ChatRequest

    data = None
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "data" / "openrouter" / "chat-completion-mistral-small-tool-calls-no-cost.json"
        if candidate.is_file():
            data = candidate.read_bytes()
            break
    if data is None:
        pytest.skip("shared OpenRouter captures not found (../shared/data/openrouter)")
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=data))
    provider = OpenRouterProvider("key", transport=transport)
    request = ChatRequest(
        model="mistralai/mistral-small", messages=({"role": "user", "content": "123 / 456?"},), stream=False
    )
    import asyncio

    completion = asyncio.run(provider.complete(request, timeout=5))
    question = Question(
        id="d",
        clue="What is 123 / 456?",
        answer="",
        metadata={"expected_call": {"name": "divide", "arguments": {"numerator": 123, "denominator": 456}}},
    )
    grade = ToolCallGrader().grade_completion(question, completion)
    assert grade.correct, grade.explanation
    wrong = dict(question.metadata, expected_call={"name": "divide", "arguments": {"numerator": 456}})
    assert (
        not ToolCallGrader().grade_completion(Question(id="d", clue="c", answer="", metadata=wrong), completion).correct
    )


def test_a_failed_tool_item_shows_the_call_it_got() -> None:
    from pytest_llmbench._run.result import ItemResult

    completion = Completion(model="m", tool_calls=(_call("get_weather", '{"city": "Lyon"}'),))
    grade = ToolCallGrader().grade_completion(WEATHER, completion)
    message = ItemResult(WEATHER, "m", completion, grade).explain()
    assert '  got:      [tool call] get_weather({"city": "Lyon"})' in message.splitlines()
