"""The OpenRouter provider: one ``ChatRequest`` -> one ``POST /chat/completions`` -> one ``Completion``.

Works with any OpenAI-compatible server (``base_url``); OpenRouter extras (``usage.cost``, attribution
headers, ``: OPENROUTER PROCESSING`` comments, error metadata) are used when present. The engine retries,
limits and budgets; this module only makes one attempt and says precisely what went wrong.

One ``httpx.AsyncClient`` slows down sharply beyond about 32 pooled connections (measured: 4.8x the ideal
time at 64 connections, 1.10x with four clients of 16), so the provider spreads requests over ``clients``
clients, each with its own pool, choosing the least busy one.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from pytest_llmbench._version import __version__
from pytest_llmbench.config import DEFAULT_BASE_URL
from pytest_llmbench.errors import (
    BadRequestError,
    BadResponse,
    ConnectionFailed,
    ProviderError,
    ProviderTimeout,
    UsageError,
    redact,
)
from pytest_llmbench.providers._limited import (
    DEFAULT_MAX_REPLY_MB,
    MB,
    ReplyTooLarge,
    limited_lines,
    read_limited,
)
from pytest_llmbench.providers._openrouter_errors import error_for, error_from_body, sentence
from pytest_llmbench.providers._openrouter_parse import (
    StreamState,
    as_float,
    as_int,
    as_mapping,
    as_str,
    content_text,
    extra_fields,
)
from pytest_llmbench.providers._sse import SSEDecoder, iter_sse_data
from pytest_llmbench.redaction import redact_url, secrets_in
from pytest_llmbench.types import ChatRequest, Completion

DEFAULT_APP_URL = "https://github.com/pytest-llmbench/pytest-llmbench"
DEFAULT_APP_TITLE = "pytest-llmbench"
#: Connections per client when the pool is split (``clients_for``); measured to stay near the ideal time.
CONNECTIONS_PER_CLIENT = 16


def clients_for(concurrency: int, per_client: int = CONNECTIONS_PER_CLIENT) -> tuple[int, int]:
    """``(clients, max_connections)`` for ``concurrency`` requests in flight: ceil(C/16) clients of 16."""
    concurrency = max(1, concurrency)
    if concurrency <= per_client:
        return 1, concurrency
    return math.ceil(concurrency / per_client), per_client


def service_name(base_url: str) -> str:
    """How messages name the server: "OpenRouter", or "the API at host:port" for other servers."""
    host = urlsplit(base_url).netloc.rpartition("@")[2] or redact_url(base_url)  # never the userinfo
    return (
        "OpenRouter" if host == "openrouter.ai" or host.endswith(".openrouter.ai") else f"the API at {host}"
    )


class _ClientPool:
    """``count`` AsyncClients created lazily on the running loop; requests go to the least busy one."""

    def __init__(
        self,
        count: int,
        max_connections: int,
        headers: Mapping[str, str],
        transport: httpx.AsyncBaseTransport | None,
        auth: httpx.BasicAuth | None = None,
    ) -> None:
        self._count = count
        self._auth = auth
        self._limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self._headers = dict(headers)
        self._transport = transport
        self._clients: list[httpx.AsyncClient] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next = 0
        #: Requests in flight per client, and requests sent per client (for diagnostics and tests).
        self.busy = [0] * count
        self.sent = [0] * count

    def acquire(self) -> tuple[int, httpx.AsyncClient]:
        loop = asyncio.get_running_loop()
        if not self._clients:
            # httpx clients belong to the loop they first run on, so they are made here, not in __init__.
            self._clients = [
                httpx.AsyncClient(
                    headers=self._headers, limits=self._limits, transport=self._transport, auth=self._auth
                )
                for _ in range(self._count)
            ]
            self._loop = loop
        elif loop is not self._loop:
            raise RuntimeError("OpenRouterProvider was used from two event loops; use one provider per loop.")
        n = self._count
        start = self._next
        # Least busy, ties broken round-robin so that sequential requests also spread.
        offset = min(range(n), key=lambda k: self.busy[(start + k) % n])
        index = (start + offset) % n
        self._next = (index + 1) % n
        self.busy[index] += 1
        self.sent[index] += 1
        return index, self._clients[index]

    def release(self, index: int) -> None:
        self.busy[index] -= 1

    async def aclose(self) -> None:
        clients, self._clients = self._clients, []
        self._loop = None
        for client in clients:
            await client.aclose()


class OpenRouterProvider:
    """Chat completions through OpenRouter (or any OpenAI-compatible ``base_url``)."""

    name = "openrouter"
    simulated = False

    def __init__(
        self,
        api_key: str | None,
        base_url: str = DEFAULT_BASE_URL,
        *,
        app_url: str = DEFAULT_APP_URL,
        app_title: str = DEFAULT_APP_TITLE,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 32,
        clients: int = 1,
        max_reply_bytes: int = int(DEFAULT_MAX_REPLY_MB * MB),
    ) -> None:
        if clients < 1 or max_connections < 1:
            raise UsageError(
                f"clients and max_connections must be at least 1, got {clients} and {max_connections}."
            )
        # Credentials in the URL go to httpx as auth, never as part of a URL that it logs and puts in errors.
        given, (base_url, auth) = base_url, split_userinfo(base_url)
        self.base_url = base_url.rstrip("/")
        self.service = service_name(self.base_url)
        self._Service = sentence(self.service)  # at the start of a message
        self._api_key = api_key or None
        self._secrets = secrets_in(self._api_key, [given])
        self.max_reply_bytes = max_reply_bytes
        headers = {
            "HTTP-Referer": app_url,
            "X-Title": app_title,
            "User-Agent": f"pytest-llmbench/{__version__}",
            # Encodings ``_limited`` inflates under the reply limit (httpx would also offer br and zstd).
            "Accept-Encoding": "gzip, deflate",
        }
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        self._pool = _ClientPool(clients, max_connections, headers, transport, auth)

    @classmethod
    def for_concurrency(
        cls, api_key: str | None, concurrency: int, base_url: str = DEFAULT_BASE_URL, **kwargs: Any
    ) -> OpenRouterProvider:
        """A provider whose clients and pools fit ``concurrency`` requests in flight (see ``clients_for``)."""
        count, connections = clients_for(concurrency)
        return cls(api_key, base_url, clients=count, max_connections=connections, **kwargs)

    def __repr__(self) -> str:  # never show the key
        return f"OpenRouterProvider(base_url={redact_url(self.base_url)!r}, clients={len(self._pool.busy)})"

    @property
    def requests_per_client(self) -> list[int]:
        """Requests sent through each client so far."""
        return list(self._pool.sent)

    def handles(self, model: str) -> bool:
        return not model.startswith("sim/")

    def request_body(self, request: ChatRequest) -> dict[str, Any]:
        """The JSON sent for ``request``: its body plus usage accounting and, when streaming, stream flags."""
        body = request.body()
        body["usage"] = {"include": True}
        body["stream"] = request.stream
        if request.stream:
            body["stream_options"] = {"include_usage": True}
        return body

    async def complete(self, request: ChatRequest, *, timeout: float) -> Completion:
        try:
            return await self._attempt(request, timeout)
        except ProviderError as exc:
            # Every message from here on is outside text (httpx, the server): redacted once, for all of them.
            exc.args = (redact(str(exc), *self._secrets),)
            raise

    async def _attempt(self, request: ChatRequest, timeout: float) -> Completion:
        body = self.request_body(request)
        index, client = self._pool.acquire()
        url = f"{self.base_url}/chat/completions"
        start = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                if request.stream:
                    return await self._stream(client, url, body, request, start, timeout)
                return await self._post(client, url, body, request, start, timeout)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise ProviderTimeout(
                f"{self._Service} did not answer {request.model} within {timeout:g} s ({type(exc).__name__})."
            ) from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise BadRequestError(
                f"The base URL {redact_url(self.base_url)!r} cannot be used: {self._clean(exc)}."
            ) from None
        except httpx.TransportError as exc:
            raise ConnectionFailed(
                f"Connection to {self.service} failed for {request.model} "
                f"({type(exc).__name__}: {self._clean(exc) or 'closed or reset by the server'})."
            ) from None
        except httpx.DecodingError as exc:
            raise BadResponse(
                f"{self._Service} sent an undecodable body for {request.model}: {exc}."
            ) from None
        except ReplyTooLarge as exc:
            too_large = BadResponse(
                f"{self._Service} sent a reply over {exc.limit / MB:g} MB (after decompression) for "
                f"{request.model}; it was not read further (raise the limit with --llm-max-reply-mb)."
            )
            too_large.retryable = False  # the same question would bring the same reply
            raise too_large from None
        finally:
            self._pool.release(index)

    async def aclose(self) -> None:
        await self._pool.aclose()

    # -- one attempt ------------------------------------------------------------------------------------

    async def _post(
        self,
        client: httpx.AsyncClient,
        url: str,
        body: dict[str, Any],
        request: ChatRequest,
        start: float,
        timeout: float,
    ) -> Completion:
        async with client.stream("POST", url, json=body, timeout=timeout) as response:
            raw = await read_limited(response, self.max_reply_bytes)
        if response.status_code >= 300:
            raise self._http_error(response, request, raw)
        payload = self._json(raw, request)
        return self._from_body(payload, request, start)

    async def _stream(
        self,
        client: httpx.AsyncClient,
        url: str,
        body: dict[str, Any],
        request: ChatRequest,
        start: float,
        timeout: float,
    ) -> Completion:
        async with client.stream("POST", url, json=body, timeout=timeout) as response:
            if response.status_code >= 300:
                raise self._http_error(response, request, await read_limited(response, self.max_reply_bytes))
            content_type = response.headers.get("content-type", "")
            if "json" in content_type and "event-stream" not in content_type:
                # A server that ignores ``stream`` answers with one JSON body; accept it as such.
                raw = await read_limited(response, self.max_reply_bytes)
                return self._from_body(self._json(raw, request), request, start)
            if "html" in content_type:
                raise _html_page(self._Service, request.model, response)
            state = StreamState(start)
            decoder = SSEDecoder()
            async for data in iter_sse_data(limited_lines(response, self.max_reply_bytes), decoder):
                chunk = self._json(data.encode(), request)
                error = chunk.get("error")
                if isinstance(error, Mapping):
                    raise error_for(
                        None,
                        error,
                        service=self.service,
                        model=request.model,
                        midstream=True,
                        api_key=self._api_key,
                    )
                state.add(chunk)
        if not decoder.done and state.finish_reason is None:
            raise BadResponse(f"{self._Service} ended the stream for {request.model} before it was complete.")
        return state.completion(request, start)

    # -- parsing ------------------------------------------------------------------------------------------

    def _http_error(self, response: httpx.Response, request: ChatRequest, raw: bytes) -> ProviderError:
        return error_from_body(
            response.status_code,
            raw,
            response.headers,
            service=self.service,
            model=request.model,
            api_key=self._api_key,
        )

    def _json(self, raw: bytes, request: ChatRequest) -> dict[str, Any]:
        try:
            payload = json.loads(raw)
        except ValueError:
            snippet = " ".join(raw[:80].decode("utf-8", "replace").split())
            raise BadResponse(
                f"{self._Service} sent malformed JSON for {request.model} ({len(raw)} bytes: {snippet!r})."
            ) from None
        if not isinstance(payload, dict):
            raise BadResponse(
                f"{self._Service} sent a JSON {type(payload).__name__} for {request.model}, not an object."
            )
        return payload

    def _from_body(self, payload: dict[str, Any], request: ChatRequest, start: float) -> Completion:
        error = payload.get("error")
        if isinstance(error, Mapping):
            raise error_for(None, error, service=self.service, model=request.model, api_key=self._api_key)
        choices = payload.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
            raise BadResponse(f"{self._Service} answered {request.model} without any choices.")
        choice = choices[0]
        message = as_mapping(choice.get("message"))
        tool_calls = message.get("tool_calls") or ()
        usage = as_mapping(payload.get("usage"))
        return Completion(
            model=request.model,
            text=content_text(message.get("content")),
            latency_ms=(time.perf_counter() - start) * 1000.0,
            prompt_tokens=as_int(usage.get("prompt_tokens")),
            completion_tokens=as_int(usage.get("completion_tokens")),
            cost_usd=as_float(usage.get("cost")),
            served_model=as_str(payload.get("model")),
            generation_id=as_str(payload.get("id")),
            finish_reason=as_str(choice.get("finish_reason")),
            tool_calls=tuple(dict(call) for call in tool_calls if isinstance(call, Mapping)),
            extra=extra_fields(payload, choice, usage),
        )

    def _clean(self, exc: BaseException) -> str:
        return redact(str(exc), *self._secrets)


def split_userinfo(url: str) -> tuple[str, httpx.BasicAuth | None]:
    """``url`` without its ``user:password@``, and those as httpx auth (None when there are none)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    host = parts.netloc.rpartition("@")[2]
    auth = httpx.BasicAuth(unquote(parts.username or ""), unquote(parts.password or ""))
    return urlunsplit(parts._replace(netloc=host)), auth


def _html_page(service: str, model: str, response: httpx.Response) -> BadResponse:
    """A captive portal or a proxy's login page: say what came, not that a stream ended early."""
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    return BadResponse(
        f"{service} answered {model} with an HTML page, not an event stream "
        f"(HTTP {response.status_code}, {content_type}); check the base URL and any proxy in between."
    )
