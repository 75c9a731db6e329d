"""Turn OpenRouter error responses into the exceptions of ``pytest_llmbench.errors``.

OpenRouter reports errors as ``{"error": {"code", "message", "metadata"}}``: with the HTTP status before a
response starts, inside a 200 body, or as a stream chunk after tokens were sent (see SOURCES.md in the shared
data). ``code`` is usually the numeric status but the documentation shows strings (``"server_error"``).
``metadata.provider_name`` / ``metadata.raw`` name the upstream provider and its own error (a JSON string or
an object). Every message is one sentence without the API key.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping
from typing import Any

from pytest_llmbench.errors import (
    AuthenticationError,
    BadRequestError,
    OutOfCreditsError,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    ServerError,
    redact,
)

_MAX_DETAIL = 300

#: String codes seen in OpenAI-compatible error objects, mapped to the HTTP status they stand for.
_STRING_CODES: dict[str, int] = {
    "bad_request": 400,
    "invalid_request_error": 400,
    "invalid_request": 400,
    "unauthorized": 401,
    "authentication_error": 401,
    "invalid_api_key": 401,
    "payment_required": 402,
    "insufficient_credits": 402,
    "insufficient_quota": 402,
    "forbidden": 403,
    "not_found": 404,
    "model_not_found": 404,
    "timeout": 408,
    "request_timeout": 408,
    "rate_limit": 429,
    "rate_limit_exceeded": 429,
    "too_many_requests": 429,
    "server_error": 500,
    "internal_server_error": 500,
    "bad_gateway": 502,
    "service_unavailable": 503,
    "overloaded": 503,
}


def status_for_code(code: object) -> int | None:
    """The HTTP status an error ``code`` stands for (``429``, ``"429"``, ``"rate_limit_exceeded"``)."""
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code if 100 <= code <= 599 else None
    if isinstance(code, str):
        text = code.strip()
        if text.isdigit():
            return status_for_code(int(text))
        return _STRING_CODES.get(text.lower())
    return None


def sentence(text: str) -> str:
    """``text`` with a capital first letter (service names like "the API at host" start sentences)."""
    return text[:1].upper() + text[1:]


def _shorten(text: str, limit: int = _MAX_DETAIL) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _raw_message(raw: object) -> str | None:
    """The provider's own message from ``metadata.raw``, which may be a JSON string, an object or text."""
    if isinstance(raw, str):
        try:
            parsed: object = json.loads(raw)
        except ValueError:
            return raw
        if not isinstance(parsed, dict):
            return raw
        raw = parsed
    if isinstance(raw, Mapping):
        inner = raw.get("error", raw)
        if isinstance(inner, Mapping) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
        return json.dumps(raw, sort_keys=True)
    return None if raw is None else str(raw)


def describe_error(error: Mapping[str, Any]) -> str:
    """``"Provider returned error (Google): <raw>"`` from an error object; short and on one line."""
    message = error.get("message")
    text = message.strip() if isinstance(message, str) and message.strip() else "no message"
    metadata = error.get("metadata")
    if isinstance(metadata, Mapping):
        provider = metadata.get("provider_name")
        if isinstance(provider, str) and provider:
            text = f"{text} ({provider})"
        raw = _raw_message(metadata.get("raw"))
        if raw and raw not in text:
            text = f"{text}: {raw}"
        reasons = metadata.get("reasons")
        if isinstance(reasons, list) and reasons:
            text = f"{text}: flagged for {', '.join(str(r) for r in reasons)}"
    text = _shorten(text)
    # It goes inside the parentheses of our own sentence, which supplies the full stop.
    return text[:-1] if text.endswith(".") and not text.endswith("..") else text


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def parse_reset(value: object, *, now: float | None = None) -> float | None:
    """Seconds until ``X-RateLimit-Reset``: epoch milliseconds (OpenRouter), epoch seconds or a delta."""
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    current = time.time() if now is None else now
    if number > 1e11:  # epoch milliseconds
        return max(0.0, number / 1000.0 - current)
    if number > 1e9:  # epoch seconds
        return max(0.0, number - current)
    return max(0.0, number)


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value)
    return None


def retry_after_from(headers: Mapping[str, str], error: Mapping[str, Any] | None) -> float | None:
    """The wait the server asked for: ``Retry-After``, else ``X-RateLimit-Reset`` in headers or metadata."""
    wait = parse_retry_after(_header(headers, "retry-after"))
    if wait is not None:
        return wait
    reset = _header(headers, "x-ratelimit-reset")
    if reset is None and error is not None:
        metadata = error.get("metadata")
        inner = metadata.get("headers") if isinstance(metadata, Mapping) else None
        if isinstance(inner, Mapping):
            reset = _header(inner, "x-ratelimit-reset")
    return parse_reset(reset) if reset is not None else None


def error_for(
    status: int | None,
    error: Mapping[str, Any] | None,
    *,
    service: str,
    model: str | None = None,
    headers: Mapping[str, str] | None = None,
    detail: str | None = None,
    midstream: bool = False,
    api_key: str | None = None,
) -> ProviderError:
    """The exception for an error response.

    ``status`` is the HTTP status (``None`` for an error inside a 200 body or stream, where the error's own
    ``code`` decides). ``detail`` replaces the error object's description (for non-JSON bodies).
    """
    code = error.get("code") if error is not None else None
    effective = status if status is not None and status != 200 else status_for_code(code)
    text = detail if detail is not None else (describe_error(error) if error is not None else "no details")
    shown = effective if effective is not None else code
    where = f"{shown}: {text}" if shown is not None else text
    for_model = f" for {model}" if model else ""
    exc: ProviderError
    if effective in (401, 403) and not _is_moderation(error):
        advice = "Check OPENROUTER_API_KEY." if api_key else "Set OPENROUTER_API_KEY."
        what = "rejected the API key" if api_key else "requires an API key, and none was given"
        exc = AuthenticationError(f"{service} {what} ({where}). {advice}", status=effective, code=code)
    elif effective == 402:
        exc = OutOfCreditsError(
            f"{service} refused the request{for_model} for lack of credits ({where}).", status=402, code=code
        )
    elif effective == 408:
        exc = ProviderTimeout(f"{service} timed out the request{for_model} ({where}).", status=408, code=code)
    elif effective == 429:
        wait = retry_after_from(headers or {}, error)
        hint = f"; retry after {wait:.3g} s" if wait is not None else ""
        exc = RateLimitError(
            f"{service} rate-limited the request{for_model} ({where}){hint}.",
            status=429,
            code=code,
            retry_after=wait,
        )
    elif effective is not None and 400 <= effective < 500 and not midstream:
        exc = BadRequestError(
            f"{service} rejected the request{for_model} ({where}).", status=effective, code=code
        )
    elif midstream:
        # The request was accepted and tokens were flowing: whatever the code, the upstream failed.
        exc = ServerError(f"{service} stream failed{for_model} ({where}).", status=status, code=code)
    else:
        exc = ServerError(f"{service} returned an error{for_model} ({where}).", status=effective, code=code)
    exc.args = (sentence(redact(str(exc), api_key)),)
    return exc


def _is_moderation(error: Mapping[str, Any] | None) -> bool:
    """403 is also OpenRouter's answer to flagged input; that is the request's fault, not the key's."""
    metadata = error.get("metadata") if error is not None else None
    return isinstance(metadata, Mapping) and "reasons" in metadata


def error_from_body(
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    *,
    service: str,
    model: str | None = None,
    api_key: str | None = None,
) -> ProviderError:
    """The exception for a non-2xx response whose body may or may not be OpenRouter's JSON error."""
    error: Mapping[str, Any] | None = None
    detail: str | None = None
    try:
        parsed: object = json.loads(body) if body else None
    except ValueError:
        parsed = None
    if isinstance(parsed, Mapping) and isinstance(parsed.get("error"), Mapping):
        error = parsed["error"]
    elif isinstance(parsed, Mapping) and isinstance(parsed.get("error"), str):
        detail = _shorten(str(parsed["error"]))
    else:
        snippet = _shorten(body.decode("utf-8", "replace"), 120)
        detail = f"non-JSON body {snippet!r}" if snippet else "empty body"
    exc = error_for(
        status, error, service=service, model=model, headers=headers, detail=detail, api_key=api_key
    )
    if error is None and detail is not None and exc.code is None:
        exc.code = status
    return exc
