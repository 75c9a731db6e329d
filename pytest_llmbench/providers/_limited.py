"""Reading a reply body with a size limit that holds after decompression, while it streams.

``response.content``/``aread()`` inflate the whole body before anyone can look at its size: a 1 MB gzip bomb
became 1 GiB (3.5 GB of memory) before it was refused. Here the decoded bytes are counted as they arrive
and the read stops as soon as they pass the limit, so memory stays near the limit (plus one inflated chunk).
"""

from __future__ import annotations

import codecs
import zlib
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
    """The decoded body in chunks; raises ``ReplyTooLarge`` once more than ``limit`` bytes were decoded.

    gzip and deflate are inflated here, never more than the limit allows per step (``max_length``): httpx
    inflates each network read whole, and one 64 kB read of a bomb is 64 MB. Other encodings (the client
    asks only for gzip and deflate) are left to httpx, counted after each read.
    """
    total = 0
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if response.is_stream_consumed:  # a response built with its content (a mock transport): already in memory
        encoding = "decoded"
    if encoding in ("gzip", "x-gzip", "deflate"):
        async for data in _inflate(response, encoding, limit):
            total += len(data)
            if total > limit:
                raise ReplyTooLarge(limit)
            yield data
        return
    chunks = response.aiter_raw() if encoding in ("", "identity") else response.aiter_bytes()
    async for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise ReplyTooLarge(limit)
        yield chunk


async def _inflate(response: httpx.Response, encoding: str, limit: int) -> AsyncIterator[bytes]:
    wbits = zlib.MAX_WBITS | (16 if "gzip" in encoding else 0)
    inflater = zlib.decompressobj(wbits)
    first = True
    try:
        async for raw in response.aiter_raw():
            if first and wbits == zlib.MAX_WBITS and raw and (raw[0] & 0x0F) != 8:
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # "deflate" sent raw, without the zlib header
            first = False
            pending = raw
            while pending:
                # At most one byte past the limit per step: enough to know it was passed.
                data = inflater.decompress(pending, limit + 1)
                pending = inflater.unconsumed_tail
                if data:
                    yield data
                elif pending:
                    break
        tail = inflater.flush()
        if tail:
            yield tail
    except zlib.error as exc:
        raise httpx.DecodingError(f"the {encoding} body does not inflate ({exc})") from None


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
