"""Clean a big J-Archive JSON dump on several CPUs: byte ranges of the list, cleaned in worker processes.

The Kaggle dump (200,000 clues, about 60 MB) is one JSON list, and cleaning it is pure Python: seconds on
one core. ``parse`` cuts the list into ranges that each start at an element, cleans the first ranges in this
process and the others in worker processes (``main``), which send back ``Row``
tuples with ``marshal`` (fast, and it keeps shared objects shared).

A boundary is found by searching for ``}, {`` near an offset, so it could lie inside a string. It is proven
real because the range before it, parsed from a real boundary, ends exactly there; the first range starts
at the list's first element, so by induction every boundary is real. Anything unexpected (an element that
is not an object, invalid JSON, an unconfirmed boundary, a worker that fails) makes ``parse`` return
``None``, and the caller parses the file sequentially, which reports any problem with its line.
"""

from __future__ import annotations

import itertools
import json
import marshal
import math
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from pytest_llmbench.data.cache import write_frame
from pytest_llmbench.data.records import Dropped, Row, jeopardy_row
from pytest_llmbench.data.validate import MALFORMED
from pytest_llmbench.engine.workers import available_cpus, child_env
from pytest_llmbench.errors import DatasetError

#: Smaller files take less time to clean than a worker takes to start.
MIN_BYTES = 8_000_000
#: Size of one range; several per process keep each decoded range (and so memory) small.
RANGE_BYTES = 4_000_000
#: This process's share of the spans relative to one worker's (see ``_shares``); measured with
#: benchmarks/perf/perf_data_pipeline.py on 2 CPUs.
OWN_WEIGHT = 1.6
#: Processes at most, this one included: the work is CPU-bound and the merge happens here.
MAX_PROCESSES = 4

_HEAD = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*\[[ \t\r\n]*")
_BOUNDARY = re.compile(rb"\}[ \t\r\n]*,[ \t\r\n]*\{")
_SEPARATOR = re.compile(r"[ \t\r\n]*,[ \t\r\n]*")
_TAIL = re.compile(r"[ \t\r\n]*\][ \t\r\n]*\Z")
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


class Span(NamedTuple):
    """Bytes ``start:end`` of the file: whole elements and the separators after them."""

    start: int
    end: int
    last: bool  # runs to the end of the file, so it ends with the list's "]"


class Cleaned(NamedTuple):
    """One span, cleaned: per element its line (counted from the span's first line) and its row or drop."""

    lines: list[int]
    items: list[Row | tuple[str, str]]  # a row, or the (reason, detail) of a dropped record
    newlines: int


def plan(path: Path, size: int, pieces: int) -> tuple[list[Span], int] | None:
    """Spans of roughly equal size, and the line of the list's first element; ``None`` if not a list."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
        match = _HEAD.match(head)
        if match is None or head[match.end() : match.end() + 1] != b"{":
            return None
        bounds = [match.end()]
        first_line = 1 + head.count(b"\n", 0, match.end())
        for piece in range(1, pieces):
            target = max(bounds[-1] + 1, size * piece // pieces)
            handle.seek(target)
            found = _BOUNDARY.search(handle.read(1 << 20))
            if found is not None and target + found.end() - 1 < size:
                bounds.append(target + found.end() - 1)
    spans = [Span(a, b, False) for a, b in itertools.pairwise(bounds)]
    spans.append(Span(bounds[-1], size, True))
    return spans, first_line


def clean_span(path: Path, span: Span, include_media: bool) -> Cleaned | None:
    """Parse and clean the elements of ``span``; ``None`` unless they end exactly at its end."""
    with path.open("rb") as handle:
        handle.seek(span.start)
        data = handle.read(span.end - span.start)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    del data
    lines: list[int] = []
    items: list[Row | tuple[str, str]] = []
    separator = _SEPARATOR.match
    pos, line, size = 0, 0, len(text)
    while True:
        try:
            value, end = _SCAN(text, pos)
        except (ValueError, StopIteration):
            return None
        if type(value) is not dict:
            return None
        lines.append(line)
        try:
            item = jeopardy_row(value, include_media=include_media)
        except DatasetError as exc:
            item = Dropped(MALFORMED, str(exc))
        items.append((item.reason, item.detail) if isinstance(item, Dropped) else item)
        found = separator(text, end)
        if found is None:
            if span.last and _TAIL.match(text, end):
                return Cleaned(lines, items, line + text.count("\n", pos))
            return None
        line += text.count("\n", pos, found.end())
        pos = found.end()
        if pos == size:
            return None if span.last else Cleaned(lines, items, line)


class Unconfirmed(Exception):
    """A span could not be cleaned as expected: parse the file sequentially instead."""


def parse(
    path: Path, include_media: bool, *, processes: int | None = None
) -> Iterator[tuple[int, Row | Dropped]] | None:
    """Every element of the JSON list ``path`` as ``(line, row or drop)``, in file order, or ``None``.

    ``None`` means "parse it sequentially": the file is small, or there is one CPU. The iterator is lazy, so
    the caller merges this process's share while the workers still clean theirs; it raises ``Unconfirmed``
    when something was not as expected, and the caller then parses sequentially after all.
    ``processes`` (default: the CPUs available, at most ``MAX_PROCESSES``) includes this one.
    """
    size = path.stat().st_size
    processes = processes or min(available_cpus(), MAX_PROCESSES)
    if size < MIN_BYTES or processes < 2:
        return None
    planned = plan(path, size, max(processes, math.ceil(size / RANGE_BYTES)))
    if planned is None or len(planned[0]) < 2:
        return None
    spans, first_line = planned
    return _run(path, include_media, _shares(spans, processes), first_line)


def _run(
    path: Path, include_media: bool, shares: list[list[Span]], first_line: int
) -> Iterator[tuple[int, Row | Dropped]]:
    workers = [_Worker(path, share, include_media) for share in shares[1:]]
    try:
        start = first_line
        own = (clean_span(path, span, include_media) for span in shares[0])
        for cleaned in itertools.chain(own, *(worker.results() for worker in workers)):
            if cleaned is None:
                raise Unconfirmed
            for line, item in zip(cleaned.lines, cleaned.items, strict=True):
                yield start + line, (Dropped(item[0], item[1]) if len(item) == 2 else item)
            start += cleaned.newlines
    finally:
        for worker in workers:
            worker.stop()


def _shares(spans: list[Span], processes: int, own_weight: float | None = None) -> list[list[Span]]:
    """Contiguous runs of spans, one per process, this one first with ``own_weight`` times a worker's share.

    This process starts at once while a worker first starts an interpreter, and it merges the workers'
    spans as they arrive, which takes far less than cleaning them: so it takes a bigger share.
    """
    weight = OWN_WEIGHT if own_weight is None else own_weight
    total = weight + processes - 1
    cuts = [0] + [round(len(spans) * (weight + k) / total) for k in range(processes)]
    return [spans[a:b] for a, b in itertools.pairwise(cuts) if b > a]


# Not ``-m pytest_llmbench.data._parallel``: the package imports this module first, and runpy warns.
_WORKER = "import sys; from pytest_llmbench.data._parallel import main; sys.exit(main(sys.argv[1:]))"


class _Worker:
    """A worker process for some spans (``main``); a thread drains its output meanwhile."""

    def __init__(self, path: Path, spans: list[Span], include_media: bool) -> None:
        self.count = len(spans)
        args = [f"{s.start}:{s.end}:{int(s.last)}" for s in spans]
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(path), str(int(include_media)), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=child_env(),
        )
        # Each span's frame is handed over as soon as it arrives, so this process merges the worker's first
        # spans while the worker still cleans its last ones. Reading also keeps the pipe (64 KB) from filling.
        self._frames: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._reader = threading.Thread(target=self._drain, name="llmbench-parse-reader", daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        try:
            for _ in range(self.count):
                head = stream.read(8)
                size = int.from_bytes(head, "little")
                blob = stream.read(size) if len(head) == 8 else b""
                if len(head) < 8 or len(blob) < size:
                    break
                self._frames.put(blob)
        finally:
            self._frames.put(None)  # the end, early or not

    def results(self) -> Iterator[Cleaned | None]:
        for _ in range(self.count):
            blob = self._frames.get()
            try:
                raw = None if blob is None else marshal.loads(blob)
            except (EOFError, ValueError, TypeError):
                raw = None
            if raw is None:
                yield None  # the worker failed, or could not confirm a span
                return
            yield Cleaned(*raw)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def main(argv: list[str]) -> int:
    """A worker: ``PATH INCLUDE_MEDIA START:END:LAST...``; writes one marshalled ``Cleaned`` per span."""
    path, include_media = Path(argv[0]), argv[1] == "1"
    out = sys.stdout.buffer
    for spec in argv[2:]:
        start, end, last = (int(part) for part in spec.split(":"))
        cleaned = clean_span(path, Span(start, end, bool(last)), include_media)
        write_frame(out, None if cleaned is None else tuple(cleaned))
        out.flush()
        if cleaned is None:
            break
    return 0
