"""Reading a reply body with a size limit that holds after decompression, while it streams.

``response.content``/``aread()`` inflate the whole body before anyone can look at its size: a 1 MB gzip bomb
became 1 GiB (3.5 GB of memory) before it was refused. Here the decoded bytes are counted as they arrive
and the read stops as soon as they pass the limit, so memory stays near the limit (plus one inflated chunk).
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterator

import httpx

MB = 1 << 20
#: Default of ``--llm-max-reply-mb``: far above any chat answer, far below what hurts a machine.
DEFAULT_MAX_REPLY_MB = 8.0


class ReplyTooLarge(Exception):
    """Internal: the decoded body passed ``limit`` bytes (the provider turns it into a sentence)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


async def limited_bytes(response: httpx.Response, limit: int) -> AsyncIterator[bytes]:
    """The decoded body in chunks; raises ``ReplyTooLarge`` once more than ``limit`` bytes were decoded."""
    total = 0
    async for chunk in response.aiter_bytes():
        total += len(chunk)
        if total > limit:
            raise ReplyTooLarge(limit)
        yield chunk


async def read_limited(response: httpx.Response, limit: int) -> bytes:
    return b"".join([chunk async for chunk in limited_bytes(response, limit)])


async def limited_lines(response: httpx.Response, limit: int) -> AsyncIterator[str]:
    """The body's lines (UTF-8, ``\\n`` stripped, as ``aiter_lines``) with the limit of ``limited_bytes``."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pending: list[str] = []
    async for chunk in limited_bytes(response, limit):
        text = decoder.decode(chunk)
        if "\n" not in text:
            pending.append(text)
            continue
        lines = text.split("\n")
        pending.append(lines[0])
        yield "".join(pending)
        for line in lines[1:-1]:
            yield line
        pending = [lines[-1]]
    tail = "".join(pending) + decoder.decode(b"", final=True)
    if tail:
        yield tail
