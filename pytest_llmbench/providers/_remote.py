"""OpenRouter calls made by a child process, so that httpx's CPU does not compete with pytest for one GIL.

At high concurrency httpx costs about 2 ms of CPU per streamed request, on the engine's thread, while pytest
runs items on the main thread of the same process: each delays the other, and responses are read late.
``RemoteProvider`` sends each request as one JSON line to a child process that runs the real
``OpenRouterProvider`` on its own event loop, and reads back one line per completion or error. The engine
(limits, retries, budget, cache, stopping) stays in this process, unchanged: only the HTTP moves.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import sys
from typing import Any

from pytest_llmbench import errors
from pytest_llmbench.engine.workers import child_env
from pytest_llmbench.types import ChatRequest, Completion, completion_from_json, completion_to_json

#: Concurrency from which the session moves HTTP to a child (below, one process keeps up easily).
REMOTE_FROM = 32
#: Seconds this process waits beyond an attempt's timeout before it gives the answer up as lost.
_GRACE = 5.0


def line_limit(max_reply_bytes: int) -> int:
    """Longest line between the processes: a reply at the limit, JSON-escaped (\\u0000 is 6 bytes for 1),
    plus the rest of the completion. The worker never writes a longer one (see ``serve``)."""
    return 7 * max_reply_bytes + (1 << 20)

_CHILD = "import sys; from pytest_llmbench.providers._remote import serve; sys.exit(serve(sys.argv[1:]))"
_ERRORS = {
    cls.__name__: cls
    for cls in (
        errors.ProviderError,
        errors.AuthenticationError,
        errors.OutOfCreditsError,
        errors.BadRequestError,
        errors.RateLimitError,
        errors.ServerError,
        errors.ProviderTimeout,
        errors.ConnectionFailed,
        errors.BadResponse,
    )
}


def request_to_json(request: ChatRequest) -> dict[str, Any]:
    return {
        "model": request.model,
        "messages": [dict(m) for m in request.messages],
        "params": dict(request.params),
        "stream": request.stream,
        "repeat": request.repeat,
    }


def request_from_json(data: dict[str, Any]) -> ChatRequest:
    return ChatRequest(data["model"], tuple(data["messages"]), data["params"], data["stream"], data["repeat"])


def error_to_json(exc: errors.ProviderError) -> dict[str, Any]:
    code = exc.code if isinstance(exc.code, str | int | float | None) else str(exc.code)
    return {
        "type": type(exc).__name__ if type(exc).__name__ in _ERRORS else "ProviderError",
        "message": str(exc),
        "status": exc.status,
        "code": code,
        "retry_after": getattr(exc, "retry_after", None),
        "retryable": exc.retryable,
    }


def error_from_json(data: dict[str, Any]) -> errors.ProviderError:
    cls = _ERRORS.get(data["type"], errors.ProviderError)
    if cls is errors.RateLimitError:
        return errors.RateLimitError(
            data["message"], status=data["status"], code=data["code"], retry_after=data["retry_after"]
        )
    exc = cls(data["message"], status=data["status"], code=data["code"])
    exc.retryable = bool(data["retryable"])  # e.g. a BadResponse from a 200 body: per instance, not per class
    return exc


class RemoteProvider:
    """An ``OpenRouterProvider`` for ``concurrency`` requests in flight, run in a child process."""

    name = "openrouter"
    simulated = False

    def __init__(
        self, api_key: str | None, base_url: str, concurrency: int, max_reply_bytes: int = 8 << 20
    ) -> None:
        self._api_key = api_key
        self._base_url = base_url
        self._concurrency = concurrency
        self._max_reply_bytes = max_reply_bytes
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count()
        self._starting: asyncio.Lock | None = None

    def handles(self, model: str) -> bool:
        return not model.startswith("sim/")

    async def _child(self) -> asyncio.subprocess.Process:
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self._proc is None:
                # The key travels in the environment, never on a command line other users can read.
                env = child_env(OPENROUTER_API_KEY=self._api_key or "")
                self._proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-c", _CHILD, self._base_url, str(self._concurrency),
                    str(self._max_reply_bytes),
                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
                    limit=line_limit(self._max_reply_bytes),
                )
                self._reader = asyncio.get_running_loop().create_task(self._read(self._proc))
            return self._proc

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        try:
            while line := await proc.stdout.readline():
                try:
                    message = json.loads(line)
                    number = message["id"]
                except (ValueError, TypeError, KeyError):
                    continue  # not ours: something in the child's environment printed to stdout
                future = self._pending.pop(number, None)
                if future is not None and not future.done():
                    future.set_result(message)
        except (OSError, ValueError):  # a broken pipe, or a line longer than the stream's limit
            proc.kill()
        # The child is gone: whatever was still asked fails as a connection error (retryable), and the next
        # request starts a new worker. No await between a request's registration and its write, so none is
        # registered with a worker that has already ended.
        if self._proc is proc:
            self._proc = None
        gone = {"type": "ConnectionFailed", "message": "the HTTP worker process ended", "status": None,
                "code": None, "retry_after": None, "retryable": True}
        for future in self._pending.values():
            if not future.done():
                future.set_result({"error": gone})
        self._pending.clear()
        await proc.wait()

    async def complete(self, request: ChatRequest, *, timeout: float) -> Completion:
        proc = await self._child()
        assert proc.stdin is not None
        number = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[number] = future
        line = json.dumps({"id": number, "timeout": timeout, "request": request_to_json(request)})
        proc.stdin.write(line.encode() + b"\n")
        try:
            # The worker enforces ``timeout``; this bound only keeps a lost answer from waiting forever.
            message = await asyncio.wait_for(future, timeout + _GRACE)
        except TimeoutError:
            raise errors.ProviderTimeout(
                f"No answer from the HTTP worker process within {timeout + _GRACE:g} s for {request.model}."
            ) from None
        finally:
            self._pending.pop(number, None)
        if "error" in message:
            raise error_from_json(message["error"])
        return completion_from_json(message["completion"])

    async def aclose(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()  # the child finishes what it has and exits
        try:
            await asyncio.wait_for(proc.wait(), timeout=5)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await self._reader


def serve(argv: list[str]) -> int:
    """The child: ``BASE_URL CONCURRENCY MAX_REPLY_BYTES``; JSON lines in (requests), JSON lines out (results)."""
    from pytest_llmbench.engine.core import spare_httpcore_the_sniffio_search
    from pytest_llmbench.providers.openrouter import OpenRouterProvider

    spare_httpcore_the_sniffio_search()

    base_url, concurrency = argv[0], int(argv[1])
    max_reply = int(argv[2]) if len(argv) > 2 else 8 << 20
    limit = line_limit(max_reply)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        provider = OpenRouterProvider.for_concurrency(os.environ.get("OPENROUTER_API_KEY") or None,
                                                      concurrency, base_url, max_reply_bytes=max_reply)
        reader = asyncio.StreamReader(limit=1 << 24)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        out = sys.stdout.buffer
        tasks: set[asyncio.Task[None]] = set()

        async def one(message: dict[str, Any]) -> None:
            result: dict[str, Any] = {"id": message["id"]}
            try:
                completion = await provider.complete(request_from_json(message["request"]),
                                                     timeout=message["timeout"])
                result["completion"] = completion_to_json(completion)
            except errors.ProviderError as exc:
                result["error"] = error_to_json(exc)
            except Exception as exc:  # a bug must reach the item as an error, not hang it
                result["error"] = error_to_json(errors.BadResponse(f"HTTP worker: {type(exc).__name__}: {exc}"))
            line = json.dumps(result).encode()
            if len(line) >= limit:  # the parent could not read it: say so instead of ending the worker
                too_long = errors.BadResponse(
                    f"HTTP worker: the answer for {message['request'].get('model')} is {len(line) / (1 << 20):.0f} MB "
                    f"as JSON, more than can be passed on (raise --llm-max-reply-mb)."
                )
                too_long.retryable = False
                line = json.dumps({"id": message["id"], "error": error_to_json(too_long)}).encode()
            out.write(line + b"\n")
            out.flush()

        while line := await reader.readline():
            task = loop.create_task(one(json.loads(line)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(list(tasks))
        await provider.aclose()

    asyncio.run(main())
    return 0
