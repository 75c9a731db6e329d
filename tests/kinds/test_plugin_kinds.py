"""Question kinds end to end: the plugin, the real provider and the fake OpenRouter server, which records the
exact bodies sent. Run through ``pytester`` in a subprocess (needs the plugin's entry point)."""

from __future__ import annotations

import base64
import io
import json
import sqlite3
from collections.abc import Mapping
from typing import Any

import pypdf
import pytest

from pytest_llmbench.testing import FakeOpenRouter, Fault, Reply, RequestContext
from pytest_llmbench.testing.samples import pdf_bytes, png_bytes

pytest_plugins = ["pytester"]

MINI, LLAMA, MYSTERY = "openai/gpt-4o-mini", "meta-llama/llama-3.3-70b-instruct", "acme/mystery-1"
SYSTEM = {"role": "system", "content": "Answer the question concisely. Reply with the answer only, no explanation."}
SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "year": {"type": "integer"}},
    "required": ["city", "year"],
    "additionalProperties": False,
}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]
QUESTIONS = [
    {"id": "colour", "question": "What colour is this image?", "answer": "red", "attachments": ["img/red.png"]},
    {"id": "memo", "question": "What is the code name?", "answer": "Pelican", "attachments": ["docs/memo.pdf"]},
    {"id": "locked", "question": "What does it say?", "answer": "x", "attachments": ["docs/locked.pdf"]},
    {"id": "olympics", "question": "Where and when were the first modern Olympics?", "schema": SCHEMA,
     "expected": {"city": "Athens", "year": 1896}},
    {"id": "weather", "question": "Weather in Paris?", "tools": TOOLS,
     "expected_call": {"name": "get_weather", "arguments": {"city": "Paris"}}},
]  # fmt: skip
TEST = "def test_kinds(llm_result):\n    llm_result.assert_correct()\n"


def _locked_pdf() -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_bytes(["secret"]))))
    writer.encrypt(user_password="pw", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    (pytester.path / "img").mkdir()
    (pytester.path / "docs").mkdir()
    (pytester.path / "img" / "red.png").write_bytes(png_bytes(2, 2, (255, 0, 0)))
    (pytester.path / "docs" / "memo.pdf").write_bytes(pdf_bytes(["The code name is PELICAN."]))
    (pytester.path / "docs" / "locked.pdf").write_bytes(_locked_pdf())
    pytester.makefile(".jsonl", questions="\n".join(json.dumps(q) for q in QUESTIONS))
    pytester.makepyfile(test_kinds=TEST)
    pytester.makeini("[pytest]\n")
    return pytester


def _policy(body: Mapping[str, Any]) -> str | Reply:
    if body.get("tools"):
        call = {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        }
        return Reply(tool_calls=(call,))
    if body.get("response_format"):
        return '```json\n{"city": "Athens", "year": 1896}\n```'
    prompt = json.dumps(body["messages"])
    return (
        "Pelican"
        if "PELICAN" in prompt or "application/pdf" in prompt
        else ("red" if "image_url" in prompt else "no idea")
    )


def _run(project: pytest.Pytester, server: FakeOpenRouter, models: str, *extra: str) -> pytest.RunResult:
    return project.runpytest_subprocess(
        "--llm-dataset=questions.jsonl", "--llm-sample=all", f"--llm-models={models}", "--llm-template=qa",
        f"--llm-base-url={server.base_url}", "--llm-retries=0", "-p", "no:cacheprovider", "-rsE", *extra,
    )  # fmt: skip


def _bodies(server: FakeOpenRouter, model: str) -> dict[str, dict[str, Any]]:
    """The request bodies the server received for ``model``, by question id (found from the prompt)."""
    words = {"colour": "What colour", "memo": "code name", "olympics": "Olympics", "weather": "Weather in"}
    out = {}
    for recorded in server.chat_requests:
        body = recorded.body
        if body["model"] == model:
            prompt = json.dumps(body["messages"])
            out[next(k for k, w in words.items() if w in prompt)] = body
    return out


def _common(model: str) -> dict[str, Any]:
    return {"model": model, "temperature": 0, "max_tokens": 64, "usage": {"include": True}, "stream": True,
            "stream_options": {"include_usage": True}}  # fmt: skip


def test_each_kind_sends_its_exact_body_and_is_graded(project: pytest.Pytester) -> None:
    with FakeOpenRouter(policy=_policy) as server:
        result = _run(project, server, f"{MINI},{LLAMA}")
    # llama is text only: its image item is skipped (never sent); the encrypted PDF errors for both models.
    result.assert_outcomes(passed=7, skipped=1, errors=2)
    result.stdout.fnmatch_lines([
        "*input error: openai/gpt-4o-mini: PDF locked.pdf is encrypted with a password*",
        "*SKIPPED*meta-llama/llama-3.3-70b-instruct: Not asked: the model does not take image input*",
    ])  # fmt: skip
    sent = _bodies(server, MINI)
    png = base64.b64encode((project.path / "img" / "red.png").read_bytes()).decode()
    assert sent["colour"] == {
        **_common(MINI),
        "messages": [
            SYSTEM,
            {"role": "user", "content": [
                {"type": "text", "text": "What colour is this image?"},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}},
            ]},
        ],
    }  # fmt: skip
    assert sent["memo"] == {
        **_common(MINI),
        "messages": [
            SYSTEM,
            {"role": "user", "content": "What is the code name?\n\nAttached document memo.pdf (1 page):\n\n"
                                        "The code name is PELICAN."},
        ],
    }  # fmt: skip
    assert sent["olympics"] == {
        **_common(MINI),
        "messages": [SYSTEM, {"role": "user", "content": "Where and when were the first modern Olympics?"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "strict": True, "schema": SCHEMA}},
    }
    assert sent["weather"] == {
        **_common(MINI),
        "messages": [SYSTEM, {"role": "user", "content": "Weather in Paris?"}],
        "tools": TOOLS,
    }
    assert set(_bodies(server, LLAMA)) == {"memo", "olympics", "weather"}  # no image request for llama
    assert len(server.chat_requests) == 7

    with sqlite3.connect(project.path / ".llmbench" / "results.db") as db:
        rows = db.execute(
            "select r.model, q.key, r.outcome, r.error_kind, r.grader, r.correct, r.response_text, r.error "
            "from benchmark_results r join questions q on q.id = r.question_id"
        ).fetchall()
    by = {(m, k.split(":")[-1]): tuple(row) for m, k, *row in rows}
    assert len(rows) == 10
    assert by[(MINI, "locked")][:2] == ("error", "input") and "encrypted" in by[(MINI, "locked")][5]
    assert by[(LLAMA, "colour")][:2] == ("skipped", "unsupported")
    assert by[(MINI, "weather")][2:5] == ("tool_call", 1, '[tool call] get_weather({"city": "Paris"})')
    assert by[(MINI, "olympics")][2:4] == ("json", 1)  # chosen by the question's kind, not --llm-grader


def test_native_pdf_file_part_and_a_model_the_catalog_does_not_know(project: pytest.Pytester) -> None:
    """One run for two things (a subprocess run costs seconds): ``--llm-pdf=native`` sends the file itself, and
    a model with no catalog entry is asked anyway, its refusal explained."""
    refusal = Fault.http(404, "No endpoints found that support image input")

    def no_vision(context: RequestContext) -> Fault | None:
        return refusal if context.model == MYSTERY and "image_url" in json.dumps(context.body) else None

    with FakeOpenRouter(policy=_policy, faults=no_vision) as server:
        result = _run(project, server, f"{MINI},{MYSTERY}", "--llm-pdf=native", "-k", "memo or colour")
    result.assert_outcomes(passed=3, errors=1)  # the mystery model reads the PDF, refuses the image
    pdf = base64.b64encode((project.path / "docs" / "memo.pdf").read_bytes()).decode()
    assert _bodies(server, MINI)["memo"]["messages"][1] == {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is the code name?"},
            {"type": "file", "file": {"filename": "memo.pdf", "file_data": f"data:application/pdf;base64,{pdf}"}},
        ],
    }
    assert set(_bodies(server, MYSTERY)) == {"memo", "colour"}  # unknown capabilities: tried, not skipped
    result.stdout.fnmatch_lines(["*No endpoints found that support image input*no catalog entry for acme/mystery-1*"])
