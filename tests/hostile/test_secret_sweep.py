"""The secret sweep (issue 16, item 3): credentials in the base URL, a proxy password, the API key and a key
prefix echoed by a server are in no artefact of a hostile run: not the database, the reports, JUnit XML,
the debug log, nor the terminal output.

Two runs plant the secrets: one whose base URL carries ``user:password@`` and whose proxy (with its own
password) is unreachable, so every item ends in a connection error that names the URL; one against the
fake server with userinfo in the base URL and a model whose 401 error echoes the key's first characters,
as OpenAI's and OpenRouter's messages do ("Incorrect API key provided: sk-or-v1-ab***xyz").
"""

from __future__ import annotations

import secrets
import socket
from pathlib import Path

import pytest
from _hostile import FAST, TEST_FILE, policy, questions_jsonl

from pytest_llmbench.config import REPORT_KINDS
from pytest_llmbench.redaction import redact, redact_url, secrets_in
from pytest_llmbench.testing import FakeOpenRouter, Fault, for_model

GOOD = "openai/gpt-4o-mini"
REJECTED = "evil/echoes-the-key-prefix"


def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again on leaving: nothing listens there


def _run(pytester: pytest.Pytester, base_url: str, models: str) -> str:
    pytester.makefile(".jsonl", questions=questions_jsonl())
    pytester.makepyfile(test_quiz=TEST_FILE)
    pytester.makeini("[pytest]\n")
    reports = [f"--llm-report={kind}:reports/out.{kind}" for kind in REPORT_KINDS]
    result = pytester.runpytest_subprocess(
        *FAST, "--llm-dataset=questions.jsonl", "--llm-sample=all", f"--llm-models={models}",
        f"--llm-base-url={base_url}", "--llm-cache=on", "--llm-retries=0", "--llm-timeout=5",
        "--junitxml=junit.xml", "-o", "junit_logging=all", "-o", "log_cli=true", "--log-level=DEBUG", "-rA",
        *reports, timeout=90,
    )
    return result.stdout.str() + result.stderr.str()


def _leaks(root: Path, output: str, planted: dict[str, str]) -> list[str]:
    found = [f"terminal: {name}" for name, secret in planted.items() if secret in output]
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(root)}: {n}" for n, s in planted.items() if s.encode() in data]
    return sorted(found)


@pytest.fixture
def planted(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    key = f"sk-or-v1-PLANTED-{secrets.token_hex(16)}"
    monkeypatch.setenv("OPENROUTER_API_KEY", key)
    return {
        "api key": key,
        "key prefix": key[:14],  # what a server echoes back of it
        "base URL password": f"URLPASS{secrets.token_hex(8)}",
        "base URL user": f"urluser{secrets.token_hex(4)}",
        "proxy password": f"PROXYPASS{secrets.token_hex(8)}",
    }


def test_credentials_of_an_unreachable_base_url_and_proxy_leak_nowhere(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, planted: dict[str, str]
) -> None:
    proxy = f"http://proxyuser:{planted['proxy password']}@127.0.0.1:{_dead_port()}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    base = f"http://{planted['base URL user']}:{planted['base URL password']}@127.0.0.1:{_dead_port()}/api/v1"
    output = _run(pytester, base, GOOD)
    assert "Connection to the API at 127.0.0.1" in output  # the failure was said (and the host named)...
    assert (pytester.path / ".llmbench" / "results.db").is_file() and (pytester.path / "junit.xml").is_file()
    assert _leaks(pytester.path, output, planted) == []  # ...without any secret


def test_userinfo_and_an_echoed_key_prefix_leak_nowhere(pytester: pytest.Pytester, planted: dict[str, str]) -> None:
    key = planted["api key"]
    echoed = f"Incorrect API key provided: {key[:14]}{'*' * 20}{key[-4:]}. You can find your API key at ..."
    with FakeOpenRouter(policy=policy, faults=for_model(REJECTED, Fault.http(401, echoed))) as server:
        base = server.base_url.replace("http://", f"http://{planted['base URL user']}:{planted['base URL password']}@")
        output = _run(pytester, base, f"{GOOD},{REJECTED}")
        answered = len(server.chat_requests)
    assert answered and "Incorrect API key provided" in output and "failed" in output
    assert _leaks(pytester.path, output, planted) == []
    assert {p.suffix for p in (pytester.path / "reports").iterdir()} == {f".{k}" for k in REPORT_KINDS}


def test_redact_masks_every_shape_of_secret() -> None:
    key = "sk-or-v1-0123456789abcdef0123456789abcdef"
    env = {"HTTPS_PROXY": "http://me:pr%40xy@proxy:3128"}
    found = secrets_in(key, ["http://bobby:hunter22@host/api"], env)
    assert set(found) >= {key, "bobby", "hunter22", "pr%40xy", "pr@xy"}
    text = (f"401 for {key}; echoed sk-or-v1-01234***cdef; url http://bobby:hunter22@host/api; "
            "proxy http://me:pr%40xy@proxy:3128 failed; Authorization: Bearer abcdefghijklmnop")
    clean = redact(text, *found)
    for secret in (key, "sk-or-v1-01234", "hunter22", "pr%40xy", "abcdefghijklmnop", "bobby"):
        assert secret not in clean, clean
    assert "host/api" in clean and "proxy:3128" in clean  # where it went stays readable
    assert redact_url("https://u:p@example.com:8443/v1") == "https://redacted@example.com:8443/v1"
