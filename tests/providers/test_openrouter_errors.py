"""Unit rules of the error mapping: codes, Retry-After, X-RateLimit-Reset, provider details."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_llmbench.errors import BadRequestError, RateLimitError, ServerError
from pytest_llmbench.providers._openrouter_errors import (
    describe_error,
    error_for,
    parse_reset,
    parse_retry_after,
    status_for_code,
)

NOW = 1_760_000_000.0


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (429, 429),
        ("429", 429),
        ("server_error", 500),
        ("rate_limit_exceeded", 429),
        ("weird", None),
        (True, None),
    ],
)
def test_status_for_code(code: object, status: int | None) -> None:
    assert status_for_code(code) == status


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        ("1.5", 1.5),
        ("-4", 0.0),
        ("", None),
        (None, None),
        ("soon", None),
        ("Thu, 09 Oct 2025 08:54:20 GMT", 1_760_000_060.0 - NOW),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(str(int((NOW + 90) * 1000)), 90.0), (NOW + 30, 30.0), ("12", 12.0), ("1000", 1000.0), ("x", None)],
)
def test_parse_reset(value: object, seconds: float | None) -> None:
    assert (
        parse_reset(value, now=NOW) == pytest.approx(seconds)
        if seconds is not None
        else parse_reset(value) is None
    )


def test_real_reset_in_the_past_means_no_wait(captures: Path) -> None:
    inner = json.loads((captures / "error-429-free-models-per-day.inner-error-object.json").read_text())
    reset = inner["metadata"]["headers"]["X-RateLimit-Reset"]
    assert parse_reset(reset, now=1760140800.0 - 5) == pytest.approx(5.0)  # epoch milliseconds
    error = error_for(None, inner, service="OpenRouter")
    assert isinstance(error, RateLimitError) and error.retry_after == 0.0


def test_raw_as_object_and_as_json_string(captures: Path) -> None:
    as_object = json.loads(
        (captures / "error-502-midstream-upstream-atlascloud.inner-error-object.json").read_text()
    )
    assert describe_error(as_object) == (
        "Upstream error from AtlasCloud: Unexpected token 173781 while expecting start token 200006"
        " (AtlasCloud)"
    )
    as_string = json.loads((captures / "error-400-provider-returned-error-openai-raw.json").read_text())[
        "error"
    ]
    assert describe_error(as_string).startswith("Provider returned error (OpenAI): Response input messages")


def test_long_details_are_shortened() -> None:
    text = describe_error({"message": "x" * 2000})
    assert len(text) <= 300 and text.endswith("...")


def test_midstream_client_errors_are_server_errors() -> None:
    assert isinstance(error_for(None, {"code": 400, "message": "bad"}, service="S"), BadRequestError)
    midstream = error_for(None, {"code": 400, "message": "bad"}, service="S", midstream=True)
    assert isinstance(midstream, ServerError) and midstream.retryable
