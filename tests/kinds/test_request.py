"""``RequestKinds.prepare``: the exact request body each kind of question produces."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from pytest_llmbench._run.media import MediaLimits
from pytest_llmbench._run.request import RequestKinds, prompt_key
from pytest_llmbench.errors import InputError, UnsupportedError
from pytest_llmbench.prompts import load_template
from pytest_llmbench.providers.openrouter import OpenRouterProvider
from pytest_llmbench.testing.samples import pdf_bytes, png_bytes
from pytest_llmbench.types import ChatRequest, Completion, ErrorKind, Question

SYSTEM = {"role": "system", "content": "Answer the question concisely. Reply with the answer only, no explanation."}
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
SCHEMA = {"title": "Person record!", "type": "object", "properties": {"name": {"type": "string"}}}


def _request(question: Question, model: str = "openai/gpt-4o-mini") -> ChatRequest:
    template = load_template("qa")
    return ChatRequest(model=model, messages=tuple(template.render(question)), params=dict(template.params))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {"png": tmp_path / "red.png", "pdf": tmp_path / "memo.pdf", "other": tmp_path / "blue.png"}
    out["png"].write_bytes(png_bytes(2, 2, (255, 0, 0)))
    out["other"].write_bytes(png_bytes(2, 2, (0, 0, 255)))
    out["pdf"].write_bytes(pdf_bytes(["Code name: PELICAN"]))
    return out


def test_a_plain_question_is_returned_unchanged() -> None:
    request = _request(Question(id="q", clue="Capital of France?", answer="Paris"))
    assert RequestKinds().prepare(Question(id="q", clue="Capital of France?", answer="Paris"), request) is request


def test_image_question_body(files: dict[str, Path]) -> None:
    question = Question(id="q", clue="What colour is this?", answer="red", attachments=(str(files["png"]),))
    request = RequestKinds().prepare(question, _request(question))
    assert request.body() == {
        "model": "openai/gpt-4o-mini",
        "messages": [
            SYSTEM,
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What colour is this?"},
                    {
                        "type": "image_url",
                        "image_url": {"url": "data:image/png;base64," + _b64(files["png"].read_bytes())},
                    },
                ],
            },
        ],
        "temperature": 0,
        "max_tokens": 64,
    }


def test_pdf_question_body_as_text_and_as_a_file(files: dict[str, Path]) -> None:
    question = Question(id="q", clue="What is the code name?", answer="Pelican", attachments=(str(files["pdf"]),))
    as_text = RequestKinds().prepare(question, _request(question))
    assert as_text.body()["messages"][1] == {
        "role": "user",
        "content": "What is the code name?\n\nAttached document memo.pdf (1 page):\n\nCode name: PELICAN",
    }
    native = RequestKinds(MediaLimits(pdf_mode="native")).prepare(question, _request(question))
    assert native.body()["messages"][1] == {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is the code name?"},
            {
                "type": "file",
                "file": {
                    "filename": "memo.pdf",
                    "file_data": "data:application/pdf;base64," + _b64(files["pdf"].read_bytes()),
                },
            },
        ],
    }


def test_schema_question_body() -> None:
    question = Question(id="q", clue="Extract the person.", answer="", metadata={"schema": SCHEMA, "expected": {}})
    body = RequestKinds().prepare(question, _request(question)).body()
    assert body == {
        "model": "openai/gpt-4o-mini",
        "messages": [SYSTEM, {"role": "user", "content": "Extract the person."}],
        "temperature": 0,
        "max_tokens": 64,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "Person_record", "strict": True, "schema": SCHEMA},
        },
    }


def test_tools_question_body_as_the_provider_sends_it() -> None:
    question = Question(
        id="q",
        clue="Weather in Paris?",
        answer="",
        metadata={"tools": TOOLS, "expected_call": {"name": "get_weather"}, "tool_choice": "required"},
    )
    request = RequestKinds().prepare(question, _request(question))
    sent = OpenRouterProvider("key").request_body(request)
    assert sent == {
        "model": "openai/gpt-4o-mini",
        "messages": [SYSTEM, {"role": "user", "content": "Weather in Paris?"}],
        "temperature": 0,
        "max_tokens": 64,
        "tools": TOOLS,
        "tool_choice": "required",
        "usage": {"include": True},
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_a_model_without_the_capability_is_not_asked(files: dict[str, Path]) -> None:
    question = Question(id="q", clue="Colour?", answer="red", attachments=(str(files["png"]),))
    with pytest.raises(UnsupportedError, match="does not take image input"):
        RequestKinds().prepare(question, _request(question, "meta-llama/llama-3.3-70b-instruct"))
    with pytest.raises(UnsupportedError, match="does not take image input"):
        RequestKinds().prepare(question, _request(question, "sim/weak"))
    # Unknown to the catalog: sent, and a refusal says that nothing was checked.
    kinds = RequestKinds()
    request = kinds.prepare(question, _request(question, "someone/new-model"))
    assert request.body()["messages"][1]["content"][1]["type"] == "image_url"
    refused = Completion(model="someone/new-model", error="No endpoints found.", error_kind=ErrorKind.BAD_REQUEST)
    assert kinds.annotate(question, refused).error == (
        "No endpoints found. (no catalog entry for someone/new-model, so its support for image input was not "
        "checked before sending)"
    )
    known = Completion(model="openai/gpt-4o-mini", error="Bad.", error_kind=ErrorKind.BAD_REQUEST)
    assert kinds.annotate(question, known) is known


def test_capabilities_are_checked_before_any_file_is_read(files: dict[str, Path]) -> None:
    files["png"].write_bytes(png_bytes(2, 2, (1, 1, 1)) + b"\x00" * 2000)
    kinds = RequestKinds(MediaLimits(max_image_bytes=100))
    question = Question(id="q", clue="Colour?", answer="red", attachments=(str(files["png"]),))
    with pytest.raises(UnsupportedError):
        kinds.prepare(question, _request(question, "sim/weak"))
    assert kinds.cache.encodings == 0
    with pytest.raises(InputError, match="over the"):
        kinds.prepare(question, _request(question, "sim/strong"))


def test_prompt_keys_differ_for_the_same_words_with_different_images(files: dict[str, Path]) -> None:
    kinds = RequestKinds()
    red = Question(id="r", clue="Colour?", answer="red", attachments=(str(files["png"]),))
    blue = Question(id="b", clue="Colour?", answer="blue", attachments=(str(files["other"]),))
    keys = {prompt_key(kinds.prepare(q, _request(q)).messages) for q in (red, blue)}
    assert len(keys) == 2
    assert prompt_key(_request(Question(id="t", clue="Colour?", answer="x")).messages) == "Colour?"


def test_a_loose_schema_can_ask_for_non_strict_mode() -> None:
    metadata = {"schema": SCHEMA, "expected": {}, "schema_strict": False}
    question = Question(id="q", clue="Extract.", answer="", metadata=metadata)
    body = RequestKinds().prepare(question, _request(question)).body()
    assert body["response_format"]["json_schema"]["strict"] is False


def test_images_are_budgeted_by_a_fixed_size_not_by_their_data_url(files: dict[str, Path]) -> None:
    from pytest_llmbench.engine.costs import IMAGE_PART_CHARS, prompt_chars

    big = "data:image/png;base64," + "A" * 1_000_000
    content = [{"type": "text", "text": "Colour?"}, {"type": "image_url", "image_url": {"url": big}}]
    assert prompt_chars(content) == len('[{"type": "text", "text": "Colour?"}]') + IMAGE_PART_CHARS
    assert prompt_chars("Colour?") == len('"Colour?"')
