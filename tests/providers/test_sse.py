from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from pytest_llmbench.providers._sse import SSEDecoder, iter_sse_data


def decode(lines: list[str]) -> list[str]:
    decoder = SSEDecoder()
    out = [data for line in lines if (data := decoder.feed(line)) is not None]
    tail = decoder.flush()
    return [*out, tail] if tail is not None else out


async def _aiter(lines: list[str]) -> AsyncIterator[str]:
    for line in lines:
        yield line


def collect(lines: list[str], decoder: SSEDecoder | None = None) -> list[str]:
    async def main() -> list[str]:
        return [data async for data in iter_sse_data(_aiter(lines), decoder)]

    return asyncio.run(main())


def test_comments_are_skipped_wherever_they_appear() -> None:
    lines = [
        ": OPENROUTER PROCESSING",
        "",
        'data: {"a": 1}',
        "",
        ": OPENROUTER PROCESSING",
        "",
        'data: {"b": 2}',
        "",
    ]
    assert decode(lines) == ['{"a": 1}', '{"b": 2}']


def test_a_comment_inside_an_event_does_not_end_it() -> None:
    assert decode(["data: first", ": keep-alive", "data: second", ""]) == ["first\nsecond"]


def test_multi_line_data_is_joined_with_newlines() -> None:
    assert decode(["data: {", 'data: "x": 1', "data: }", ""]) == ['{\n"x": 1\n}']


def test_carriage_returns_left_by_crlf_framing_are_removed() -> None:
    assert decode(["data: one\r", "\r", "data: two\r", "\r"]) == ["one", "two"]


def test_data_without_a_space_and_other_fields() -> None:
    assert decode(["event: message", "id: 7", "retry: 100", "data:x", ""]) == ["x"]


def test_done_ends_the_stream_and_later_events_are_ignored() -> None:
    decoder = SSEDecoder()
    assert collect(["data: a", "", "data: [DONE]", "", "data: late", ""], decoder) == ["a"]
    assert decoder.done


def test_a_last_event_without_a_blank_line_is_flushed() -> None:
    decoder = SSEDecoder()
    assert collect(["data: a", "", "data: tail"], decoder) == ["a", "tail"]
    assert not decoder.done


def test_real_openrouter_stream(captures: Path) -> None:
    text = (captures / "stream-2025-12-08-anthropic-claude-sonnet-4.5-reasoning-usage-cost.sse").read_text()
    decoder = SSEDecoder()
    events = collect(text.split("\n"), decoder)
    assert decoder.done
    assert len(events) == text.count("\ndata: {") + text.startswith("data: {")
    assert all(event.startswith("{") and not event.startswith(":") for event in events)
    crlf = collect(text.replace("\n", "\r\n").split("\n"))
    assert crlf == events
