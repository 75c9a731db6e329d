"""A minimal HTTP/1.1 server protocol for the fake OpenRouter: keep-alive, Content-Length bodies, chunked
responses. Only what httpx sends (no pipelining beyond queueing, no chunked request bodies).

Written on ``asyncio.Protocol`` rather than streams because the fake serves thousands of requests at
concurrency 64-256 in perf scripts, where per-request CPU on the server side matters.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus

_MAX_HEAD = 64 * 1024


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def keep_alive(self) -> bool:
        return self.headers.get("connection", "").lower() != "close"


def status_line(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    return f"HTTP/1.1 {status} {phrase}\r\n"


class Connection(asyncio.Protocol):
    """One client connection; requests are handled one at a time, in order."""

    def __init__(
        self,
        handler: Callable[[Connection, HttpRequest], Awaitable[None]],
        registry: set[Connection],
        tasks: set[asyncio.Task[None]],
    ) -> None:
        self._handler = handler
        self._registry = registry
        self._tasks = tasks
        self._buffer = bytearray()
        self._head: tuple[str, str, dict[str, str], int] | None = None
        self._queue: deque[HttpRequest] = deque()
        self._busy = False
        self.transport: asyncio.Transport | None = None
        self.closed: asyncio.Future[None] | None = None

    # -- asyncio.Protocol ---------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.closed = asyncio.get_running_loop().create_future()
        self._registry.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._registry.discard(self)
        if self.closed is not None and not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._parse_one():
            pass

    # -- parsing --------------------------------------------------------------------------------------------

    def _parse_one(self) -> bool:
        if self._head is None:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > _MAX_HEAD:
                    self.abort()
                return False
            lines = self._buffer[:end].decode("latin-1").split("\r\n")
            del self._buffer[: end + 4]
            try:
                method, path, _ = lines[0].split(" ", 2)
            except ValueError:
                self.abort()
                return False
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            self._head = (method, path, headers, int(headers.get("content-length") or 0))
        method, path, headers, length = self._head
        if len(self._buffer) < length:
            return False
        body = bytes(self._buffer[:length])
        del self._buffer[:length]
        self._head = None
        self._queue.append(HttpRequest(method, path, headers, body))
        if not self._busy:
            self._next()
        return True

    def _next(self) -> None:
        if self._queue and self.transport is not None and not self.transport.is_closing():
            self._busy = True
            task = asyncio.get_running_loop().create_task(self._run(self._queue.popleft()))
            # The loop keeps only weak references to tasks; the server keeps them to cancel on stop.
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            self._busy = False

    async def _run(self, request: HttpRequest) -> None:
        try:
            await self._handler(self, request)
        except Exception as exc:  # a test's policy or rule failed: answer 500 naming it, keep serving
            message = json.dumps({"error": {"code": 500, "message": f"fake server handler failed: {exc!r}"}})
            self.respond(500, message.encode())
        finally:
            if not request.keep_alive:
                self.close()
            self._next()

    # -- writing --------------------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def write(self, data: bytes) -> None:
        if self.is_open:
            assert self.transport is not None
            self.transport.write(data)

    def respond(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        head = (
            f"{status_line(status)}Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
        )
        self.write(head.encode("latin-1") + body)

    def start_chunked(self, status: int = 200, content_type: str = "text/event-stream") -> None:
        self.write(
            f"{status_line(status)}Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n"
            "Cache-Control: no-cache\r\n\r\n".encode("latin-1")
        )

    def chunk(self, data: bytes) -> None:
        if data:
            self.write(b"%x\r\n%s\r\n" % (len(data), data))

    def end_chunked(self) -> None:
        self.write(b"0\r\n\r\n")

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def reset(self) -> None:
        """Close with a TCP RST (SO_LINGER 0), as a crashed upstream would."""
        if self.transport is None:
            return
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        self.transport.abort()
