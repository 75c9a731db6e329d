"""The API key never leaves memory: not in the database (and its -wal/-shm files), the response cache, logs,
JUnit XML, reports, terminal output, exception messages or the repr of any configuration object.

A distinctive key is planted through the environment or a ``.env`` file, a session runs against the fake
server (which must receive it, so the key was really in use) with debug logging, ``-rA``, JUnit XML, wrong
answers and a model whose 401 error message echoes the key (as OpenAI's does), and every file the session
left behind is searched for it.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from _hostile import FAST, QUESTIONS, TEST_FILE, policy, questions_jsonl

from pytest_llmbench.config import REPORT_KINDS, load_settings
from pytest_llmbench.errors import AuthenticationError
from pytest_llmbench.providers._openrouter_errors import error_from_body
from pytest_llmbench.providers.openrouter import OpenRouterProvider
from pytest_llmbench.testing import FakeOpenRouter, Fault, for_model

GOOD = "openai/gpt-4o-mini"
REJECTED = "evil/echoes-the-key"


def planted_key() -> str:
    return f"sk-or-v1-PLANTED-{secrets.token_hex(16)}"


def _artefacts(root: Path, *, skip: Path | None = None) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and p != skip}


@pytest.mark.parametrize("via", ["environment", "dotenv"])
def test_the_planted_key_is_in_no_artefact(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, via: str
) -> None:
    key = planted_key()
    pytester.makefile(".jsonl", questions=questions_jsonl())
    pytester.makepyfile(test_quiz=TEST_FILE)
    pytester.makeini("[pytest]\n")
    dotenv = pytester.path / ".env"
    if via == "environment":
        monkeypatch.setenv("OPENROUTER_API_KEY", key)
    else:
        dotenv.write_text(f'# local secrets\nOPENROUTER_API_KEY="{key}"\n', encoding="utf-8")
    reports = [f"--llm-report={kind}:reports/out.{kind}" for kind in REPORT_KINDS]
    # The rejected model's server echoes the key in its error message, as some real APIs do.
    faults = for_model(REJECTED, Fault.http(401, f"Incorrect API key provided: {key}."))
    with FakeOpenRouter(policy=policy, faults=faults) as server:
        result = pytester.runpytest_subprocess(
            *FAST,
            "--llm-dataset=questions.jsonl",
            "--llm-sample=all",
            f"--llm-models={GOOD},{REJECTED}",
            f"--llm-base-url={server.base_url}",
            "--llm-cache=on",
            "--llm-retries=0",
            "--llm-concurrency=4",
            "--junitxml=junit.xml",
            "-o",
            "junit_logging=all",
            "-o",
            "log_cli=true",
            "--log-level=DEBUG",
            "-rA",
            *reports,
            timeout=60,
        )
        sent = [r.headers.get("authorization") for r in server.chat_requests]

    # The key was really in use: every request carried it.
    assert sent and all(h == f"Bearer {key}" for h in sent)
    out = result.stdout.str() + result.stderr.str()
    assert "failed" in out and "DEBUG" in out  # wrong answers and debug logging did happen
    assert "Incorrect API key provided" in out  # the echoing error reached the output...
    assert key not in out  # ...redacted
    files = _artefacts(pytester.path, skip=dotenv)
    names = {p.name for p in files}
    assert "results.db" in names and "junit.xml" in names
    leaks = sorted(str(p.relative_to(pytester.path)) for p, data in files.items() if key.encode() in data)
    assert leaks == []
    assert {p.suffix for p in files if p.parent.name == "reports"} == {f".{k}" for k in REPORT_KINDS}


def test_repr_of_settings_and_provider_hide_the_key(tmp_path: Path) -> None:
    key = planted_key()
    (tmp_path / ".env").write_text(f"OPENROUTER_API_KEY={key}\n", encoding="utf-8")
    settings = load_settings(tmp_path, {"models": GOOD}, environ={})
    assert settings.api_key == key  # read from .env...
    for text in (repr(settings), str(settings), str(settings.snapshot()), repr(settings.sources)):
        assert key not in text  # ...and shown nowhere
    provider = OpenRouterProvider(key, "http://127.0.0.1:9/api/v1")
    assert key not in repr(provider) and key not in str(provider)


def test_an_error_message_echoing_the_key_is_redacted() -> None:
    key = planted_key()
    body = f'{{"error": {{"code": 401, "message": "Incorrect API key provided: {key}"}}}}'.encode()
    exc = error_from_body(401, body, {}, service="OpenRouter", model=GOOD, api_key=key)
    assert isinstance(exc, AuthenticationError)
    assert key not in str(exc) and key not in repr(exc) and "[redacted]" in str(exc)


def test_questions_are_unchanged_by_the_planting() -> None:
    # guards the shared fixture: the secrets test relies on some wrong answers
    assert any("nothing" in policy({"messages": [{"role": "user", "content": q["question"]}]}) for q in QUESTIONS)
