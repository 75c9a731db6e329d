"""The simulated models on questions of other kinds: JSON, tool calls, and refusals like OpenRouter's."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from pytest_llmbench._run.request import RequestKinds
from pytest_llmbench.errors import BadRequestError, DatasetError
from pytest_llmbench.grading.structured import JsonGrader, ToolCallGrader
from pytest_llmbench.providers._sim_kinds import fill_required, spoil
from pytest_llmbench.providers.simulated import IMAGE_TOKENS, SimulatedProvider
from pytest_llmbench.testing.samples import png_bytes
from pytest_llmbench.types import ChatRequest, Completion, Question

SCHEMA = {
    "type": "object",
    "properties": {
        "label": {"type": "string", "enum": ["positive", "negative"]},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "score": {"type": "integer"},
    },
    "required": ["label", "reasons", "score"],
    "additionalProperties": False,
}
TOOLS = [{"type": "function", "function": {"name": "get_weather"}}]


def _questions(n: int) -> list[Question]:
    out = []
    for i in range(n):
        out.append(
            Question(
                id=f"j{i}",
                clue=f"json {i}",
                answer="",
                dataset="t",
                metadata={"schema": SCHEMA, "expected": {"label": "negative"}},
            )
        )
        out.append(
            Question(
                id=f"t{i}",
                clue=f"tool {i}",
                answer="",
                dataset="t",
                metadata={"tools": TOOLS, "expected_call": {"name": "get_weather", "arguments": {"city": f"City {i}"}}},
            )
        )
    return out  # fmt: skip


def _ask(model: str, question: Question) -> Completion:
    request = RequestKinds().prepare(
        question, ChatRequest(model=model, messages=({"role": "user", "content": question.clue},))
    )
    provider = SimulatedProvider(lambda r: question, time_scale=0.0)
    return asyncio.run(provider.complete(request, timeout=5))


def test_strong_answers_json_and_tool_calls_mostly_right_and_deterministically() -> None:
    questions = _questions(40)
    correct = 0
    for question in questions:
        completion = _ask("sim/strong", question)
        assert completion == _ask("sim/strong", question)
        if question.tools:
            assert completion.finish_reason == "tool_calls" and len(completion.tool_calls) == 1
            json.loads(completion.tool_calls[0]["function"]["arguments"])  # arguments are a JSON string
            grade = ToolCallGrader().grade_completion(question, completion)
        else:
            grade = JsonGrader().grade(question, completion.text)
            # Right or wrong, the reply follows the schema: required keys the key leaves out are filled in.
            assert "does not follow the schema" not in grade.explanation, completion.text
        correct += grade.correct
        if not grade.correct:
            assert grade.score > 0 or not question.tools  # one value spoiled, not all
    assert 0.8 * len(questions) <= correct < len(questions)


def test_weak_is_refused_tools_and_images_like_openrouter_refuses(tmp_path: Path) -> None:
    provider = SimulatedProvider(lambda r: None, time_scale=0.0)
    tools = ChatRequest(model="sim/weak", messages=({"role": "user", "content": "x"},), params={"tools": TOOLS})
    with pytest.raises(BadRequestError, match="No endpoints found that support tool use for sim/weak"):
        asyncio.run(provider.complete(tools, timeout=5))
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 40_000}}
    content = [{"type": "text", "text": "colour?"}, image]
    request = ChatRequest(model="sim/weak", messages=({"role": "user", "content": content},))
    with pytest.raises(BadRequestError, match="image input"):
        asyncio.run(provider.complete(request, timeout=5))
    strong = asyncio.run(provider.complete(ChatRequest(model="sim/strong", messages=request.messages), timeout=5))
    assert strong.prompt_tokens is not None
    assert IMAGE_TOKENS < strong.prompt_tokens < IMAGE_TOKENS + 10  # the data URL is not counted as text


def test_spoil_changes_exactly_one_leaf_and_fill_required_completes_the_object() -> None:
    value: dict[str, Any] = {"a": "Paris", "b": [1, 2], "c": {"d": True}}
    changed = spoil(value, "seed")
    assert value == {"a": "Paris", "b": [1, 2], "c": {"d": True}}  # the original is untouched
    before, after = [value["a"], *value["b"], value["c"]["d"]], [changed["a"], *changed["b"], changed["c"]["d"]]
    assert sum(x != y for x, y in zip(before, after, strict=True)) == 1
    enum_schema = {"type": "object", "properties": {"label": {"enum": ["positive", "negative", "neutral"]}}}
    assert spoil({"label": "negative"}, "seed", enum_schema)["label"] in ("positive", "neutral")
    assert fill_required({"label": "negative"}, SCHEMA) == {"label": "negative", "reasons": [], "score": 0}


def test_a_question_file_with_a_broken_schema_is_refused_when_read(tmp_path: Path) -> None:
    from pytest_llmbench.data import load_dataset

    (tmp_path / "q.jsonl").write_text(
        json.dumps({"question": "x", "schema": {"type": "objekt"}, "expected": {}}) + "\n"
        + json.dumps({"question": "y", "answer": "z"}) + "\n"
    )  # fmt: skip
    loaded = load_dataset(str(tmp_path / "q.jsonl"))
    assert [q.clue for q in loaded.questions] == ["y"]  # the bad record is dropped, with the reason
    assert any("field 'schema' is not a valid JSON Schema: 'objekt' is not valid" in e for e in loaded.report.examples)
    (tmp_path / "bad.jsonl").write_text(json.dumps({"question": "x", "schema": {"type": 3}, "expected": {}}) + "\n")
    with pytest.raises(DatasetError, match="not a valid JSON Schema"):
        load_dataset(str(tmp_path / "bad.jsonl"))


def test_images_reach_the_simulated_model_and_it_finds_its_question(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(png_bytes(1, 1, (255, 0, 0)))
    question = Question(id="i", clue="Colour?", answer="red", attachments=(str(tmp_path / "a.png"),))
    completion = _ask("sim/strong", question)
    assert completion.ok and completion.prompt_tokens is not None and completion.prompt_tokens < IMAGE_TOKENS + 10
