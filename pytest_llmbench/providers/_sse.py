"""A minimal Server-Sent Events reader for OpenAI-style streams.

Only what chat-completion streams use: ``data:`` fields (joined with newlines when an event spans several
lines), comment lines (OpenRouter sends ``: OPENROUTER PROCESSING`` before and between chunks), blank lines
ending an event, and the ``[DONE]`` sentinel. ``event:``, ``id:`` and ``retry:`` fields are ignored.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator

DONE = "[DONE]"


class SSEDecoder:
    """Turns lines (without line endings) into event data strings, one event at a time.

    Kept synchronous and separate from I/O so the framing rules can be tested on plain lists of lines.
    """

    __slots__ = ("_data", "done")

    def __init__(self) -> None:
        self._data: list[str] = []
        #: Set once ``data: [DONE]`` has been seen; later lines are ignored.
        self.done = False

    def feed(self, line: str) -> str | None:
        """Take one line; return an event's data when ``line`` completes one, else ``None``."""
        if self.done:
            return None
        # httpx splits on \n and strips it; a \r left over from \r\n framing is removed here.
        if line.endswith("\r"):
            line = line[:-1]
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        field, _, value = line.partition(":")
        if field != "data":
            return None
        if value.startswith(" "):
            value = value[1:]
        self._data.append(value)
        return None

    def flush(self) -> str | None:
        """The last event when the stream ends without a blank line after it."""
        return None if self.done else self._dispatch()

    def _dispatch(self) -> str | None:
        if not self._data:
            return None
        data = "\n".join(self._data)
        self._data = []
        if data == DONE:
            self.done = True
            return None
        return data


async def iter_sse_data(lines: AsyncIterable[str], decoder: SSEDecoder | None = None) -> AsyncIterator[str]:
    """Yield each event's data from ``lines`` (e.g. ``response.aiter_lines()``) up to ``[DONE]``.

    Pass a ``decoder`` to learn afterwards (``decoder.done``) whether the stream really reached ``[DONE]``.
    """
    decoder = decoder if decoder is not None else SSEDecoder()
    async for line in lines:
        # After [DONE] the rest is still read (and ignored): an HTTP/1.1 connection goes back to the
        # pool only when its body was consumed to the end, otherwise every stream costs a new connection.
        data = decoder.feed(line)
        if data is not None:
            yield data
    tail = decoder.flush()
    if tail is not None:
        yield tail
