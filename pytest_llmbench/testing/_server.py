"""``FakeOpenRouter``: an OpenRouter-compatible HTTP server on 127.0.0.1 for tests and perf scripts.

It runs its own event loop in a background thread, so it serves sync tests, async tests and the engine's
background loop alike. Responses follow the shapes of real captures (``gen-...`` ids, ``provider``,
``: OPENROUTER PROCESSING`` comments, a final usage chunk with ``cost``, ``data: [DONE]``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from pytest_llmbench.testing._http import Connection, HttpRequest
from pytest_llmbench.testing._judge import JudgeVerdicts
from pytest_llmbench.testing._script import (
    Answer,
    Fault,
    FaultKind,
    Faults,
    Reply,
    RequestContext,
    as_policy,
    choose_fault,
)

Latency = float | Callable[[RequestContext], float]
_MAX_CHUNKS = 8


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """A request as the server received it. ``number`` is 0 for anything but chat completions."""

    number: int
    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    body: Any  # parsed JSON, or None
    raw: bytes

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None


class FakeOpenRouter:
    """Serve ``POST /api/v1/chat/completions`` and ``GET /api/v1/models``; inject faults; record requests.

    Every constructor argument is also a public attribute that a test may change while the server runs.
    ``policy`` answers (a callable ``(body) -> str | Reply``, a fixed string, or a dict answering by a
    substring of the prompt; default: echo the last user message). ``faults`` is a rule or list of rules
    ``(RequestContext) -> Fault | None`` (see ``first``, ``on_requests``, ``for_model``).
    ``usage.cost`` is ``prompt_tokens * prompt_price + completion_tokens * completion_price``, with tokens
    estimated as characters / 4; ``prices`` overrides the two prices per model. ``judge`` answers judge
    requests from a verdict file instead of ``policy`` (see ``_judge.JudgeVerdicts``), after its own latency.
    """

    def __init__(
        self,
        *,
        latency: Latency = 0.0,
        policy: Answer = None,
        faults: Faults = None,
        prompt_price: float = 1e-6,
        completion_price: float = 2e-6,
        prices: Mapping[str, tuple[float, float]] | None = None,
        report_cost: bool = True,
        report_usage: bool = True,
        upstream: str | Callable[[RequestContext], str] = "Fake",
        chunk_delay: float = 0.0,
        models: Sequence[Mapping[str, Any]] | None = None,
        record: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        judge: JudgeVerdicts | None = None,
    ) -> None:
        self.latency = latency
        self.policy = policy
        self.judge = judge
        self.faults = faults
        self.prompt_price = prompt_price
        self.completion_price = completion_price
        self.prices = dict(prices or {})
        self.report_cost = report_cost
        self.report_usage = report_usage  # False: no usage object at all (llama.cpp-style servers, some proxies)
        self.upstream = upstream  # the "provider" field: who OpenRouter routed the request to
        self.chunk_delay = chunk_delay
        self.models = models
        self.record = record
        self.host = host
        self.port = port
        self.requests: list[RecordedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.connections_opened = 0
        self.chat_count = 0
        self._per_model: Counter[str] = Counter()
        self._connections: set[Connection] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None

    # -- lifecycle ------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What to pass as the provider's ``base_url`` (``http://127.0.0.1:PORT/api/v1``)."""
        if self._thread is None:
            raise RuntimeError("FakeOpenRouter is not started; use it as a context manager or call start().")
        return f"http://{self.host}:{self.port}/api/v1"

    def start(self) -> FakeOpenRouter:
        if self._thread is not None:
            return self
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="FakeOpenRouter", daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread
        self.port = asyncio.run_coroutine_threadsafe(self._open(), loop).result(timeout=10)
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._close(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()
            self._loop = self._thread = None

    def __enter__(self) -> FakeOpenRouter:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget recorded requests and counters (request numbers start again at 1)."""
        self.requests.clear()
        self.chat_count = 0
        self._per_model.clear()
        self.max_in_flight = self.in_flight
        self.connections_opened = len(self._connections)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.number]

    async def _open(self) -> int:
        def factory() -> Connection:
            self.connections_opened += 1
            return Connection(self._handle, self._connections, self._tasks)

        self._server = await asyncio.get_running_loop().create_server(
            factory, self.host, self.port, backlog=4096, reuse_address=True
        )
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for connection in list(self._connections):
            connection.abort()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- routing --------------------------------------------------------------------------------------------

    async def _handle(self, connection: Connection, request: HttpRequest) -> None:
        path = request.path.split("?", 1)[0].rstrip("/")
        if request.method == "POST" and path.endswith("/chat/completions"):
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                await self._chat(connection, request)
            finally:
                self.in_flight -= 1
        elif request.method == "GET" and path.endswith("/models"):
            self._remember(0, request, None)
            connection.respond(200, self._models_body())
        else:
            self._remember(0, request, None)
            connection.respond(404, _error_body(404, f"No route for {request.method} {path}"))

    def _remember(self, number: int, request: HttpRequest, body: Any) -> None:
        if self.record:
            self.requests.append(
                RecordedRequest(number, request.method, request.path, request.headers, body, request.body)
            )

    def _models_body(self) -> bytes:
        models = self.models
        if models is None:
            from pytest_llmbench.providers.catalog import snapshot_payload

            models = snapshot_payload()["data"]
        return json.dumps({"data": list(models), "total_count": len(models)}).encode()

    async def _chat(self, connection: Connection, request: HttpRequest) -> None:
        try:
            body = json.loads(request.body)
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            self._remember(0, request, None)
            connection.respond(400, _error_body(400, "Request body is not a JSON object"))
            return
        model = str(body.get("model") or "")
        self.chat_count += 1
        self._per_model[model] += 1
        context = RequestContext(self.chat_count, self._per_model[model], model, body, request.headers,
                                 self.in_flight)
        self._remember(context.number, request, body)
        fault = choose_fault(self.faults, context)
        kind = fault.kind if fault is not None else None
        if kind is FaultKind.HANG:
            assert connection.closed is not None
            await connection.closed
            return
        if kind is FaultKind.RESET and not (fault is not None and fault.midstream and context.stream):
            connection.reset()
            return
        # An HTTP fault or a gzip bomb is one plain response, even to a streamed request.
        streaming = context.stream and kind not in (FaultKind.HTTP, FaultKind.GZIP_BOMB)
        if streaming:
            connection.start_chunked()
            connection.chunk(b": OPENROUTER PROCESSING\n\n")
        judging = self.judge is not None and self.judge.handles(body)
        latency = self.latency(context) if callable(self.latency) else self.latency
        if judging and self.judge is not None and self.judge.latency is not None:
            latency = self.judge.latency
        if latency > 0:
            await asyncio.sleep(latency)
        if kind is FaultKind.RESET:  # mid-stream: the client had the headers and a first event, then a reset
            connection.reset()
            return
        if fault is not None and kind is FaultKind.HTTP:
            payload = (
                fault.body
                if fault.body is not None
                else _error_body(fault.status, fault.message, fault.metadata)
            )
            connection.respond(fault.status, payload, fault.content_type, dict(fault.headers))
            return
        if fault is not None and kind is FaultKind.GZIP_BOMB:
            connection.respond(200, fault.body or b"", headers={"Content-Encoding": "gzip"})
            return
        if fault is not None and kind is FaultKind.ERROR_IN_BODY:
            error = _error_body(fault.code, fault.message, fault.metadata)
            if streaming:
                connection.chunk(b"data: " + error + b"\n\n")
                connection.end_chunked()
            else:
                connection.respond(200, error)
            return
        reply = self.judge.reply(body) if judging and self.judge is not None else as_policy(self.policy)(body)
        if isinstance(reply, str):
            reply = Reply(text=reply)
        if fault is not None and kind is FaultKind.DIRTY_TEXT:
            reply = dataclasses.replace(reply, text=reply.text + fault.message)
        if fault is not None and kind is FaultKind.OVERSIZED:
            reply = dataclasses.replace(reply, text=reply.text.ljust(fault.size))
        if streaming:
            await self._send_stream(connection, context, reply, fault)
        else:
            self._send_json(connection, context, reply, fault)

    # -- answers --------------------------------------------------------------------------------------------

    def _upstream(self, context: RequestContext) -> str:
        return self.upstream(context) if callable(self.upstream) else self.upstream

    def _usage(self, context: RequestContext, reply: Reply) -> dict[str, Any]:
        prompt_tokens = max(1, len(context.prompt) // 4)
        reasoning_tokens = len(reply.reasoning or "") // 4
        completion_tokens = max(1, len(reply.text) // 4) + reasoning_tokens
        usage: dict[str, Any] = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        if self.report_cost:
            prompt_price, completion_price = self.prices.get(
                context.model, (self.prompt_price, self.completion_price)
            )
            usage["cost"] = prompt_tokens * prompt_price + completion_tokens * completion_price
            usage["is_byok"] = False
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
        return usage

    def _send_json(
        self, connection: Connection, context: RequestContext, reply: Reply, fault: Fault | None
    ) -> None:
        message: dict[str, Any] = {"role": "assistant", "content": reply.text, "refusal": None}
        message["reasoning"] = reply.reasoning
        if reply.tool_calls:
            message["tool_calls"] = [dict(call, index=i) for i, call in enumerate(reply.tool_calls)]
        finish = _finish_reason(reply)
        payload = {
            "id": _generation_id(context),
            "provider": self._upstream(context),
            "model": context.model,
            "object": "chat.completion",
            "created": int(time.time()),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": finish,
                    "native_finish_reason": finish,
                    "logprobs": None,
                }
            ],
        }
        if self.report_usage:
            payload["usage"] = self._usage(context, reply)
        data = json.dumps(payload).encode()
        kind = fault.kind if fault is not None else None
        if kind is FaultKind.MALFORMED_JSON:
            connection.respond(200, data[: len(data) // 2])
        elif kind is FaultKind.TRUNCATED_BODY:
            head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
            connection.write(head.encode() + data[: len(data) // 2])
            connection.close()
        elif kind is FaultKind.MIDSTREAM_ERROR and fault is not None:
            connection.respond(200, _error_body(fault.code, fault.message, fault.metadata))
        else:
            connection.respond(200, data)

    async def _send_stream(
        self, connection: Connection, context: RequestContext, reply: Reply, fault: Fault | None
    ) -> None:
        kind = fault.kind if fault is not None else None
        generation_id = _generation_id(context)
        base = {
            "id": generation_id,
            "provider": self._upstream(context),
            "model": context.model,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
        }

        def event(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
            choice = {
                "index": 0,
                "delta": {"role": "assistant", "content": "", **delta},
                "finish_reason": finish,
            }
            return b"data: " + json.dumps({**base, "choices": [choice], **extra}).encode() + b"\n\n"

        events = [event({})]
        if reply.reasoning:
            events.append(event({"reasoning": reply.reasoning}))
        pieces = _split(reply.text)
        if kind is FaultKind.MIDSTREAM_ERROR and fault is not None:
            events += [event({"content": p}) for p in pieces[: fault.after_chunks]]
            error = {"code": fault.code, "message": fault.message}
            events.append(event({}, "error", error=error))
            await self._emit(connection, events, fault)
            connection.end_chunked()
            return
        if kind is FaultKind.MALFORMED_JSON:
            events.append(
                b'data: {"id": "' + generation_id.encode() + b'", "choices": [{"delta": {"content": "tru\n\n'
            )
        if kind is FaultKind.TRUNCATED_BODY:
            events += [event({"content": p}) for p in pieces[:1]]
            await self._emit(connection, events, fault)
            connection.close()  # no terminating chunk: the body is incomplete
            return
        events += [event({"content": p}) for p in pieces]
        if reply.tool_calls:
            calls = [dict(call, index=i) for i, call in enumerate(reply.tool_calls)]
            events.append(event({"tool_calls": calls}))
        events.append(event({}, _finish_reason(reply)))
        if self.report_usage:
            events.append(event({}, usage=self._usage(context, reply)))
        events.append(b"data: [DONE]\n\n")
        await self._emit(connection, events, fault)
        connection.end_chunked()

    async def _emit(self, connection: Connection, events: list[bytes], fault: Fault | None) -> None:
        delay = fault.delay if fault is not None and fault.kind is FaultKind.SLOW_STREAM else self.chunk_delay
        if delay <= 0:
            connection.chunk(b"".join(events))  # one write: the cheapest path for perf runs
            return
        for i, data in enumerate(events):
            if i:
                await asyncio.sleep(delay)
            connection.chunk(data)


def _error_body(code: int | str | None, message: str, metadata: Mapping[str, Any] | None = None) -> bytes:
    error: dict[str, Any] = {"message": message, "code": code}
    if metadata is not None:
        error["metadata"] = dict(metadata)
    return json.dumps({"error": error, "user_id": "user_fake"}).encode()


def _generation_id(context: RequestContext) -> str:
    return f"gen-{int(time.time())}-fake{context.number:016d}"


def _finish_reason(reply: Reply) -> str:
    return reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")


def _split(text: str) -> list[str]:
    """At most ``_MAX_CHUNKS`` pieces: enough to look like a stream, few enough to stay cheap."""
    if not text:
        return []
    count = min(_MAX_CHUNKS, max(1, len(text) // 4))
    size = math.ceil(len(text) / count)
    return [text[i : i + size] for i in range(0, len(text), size)]
