"""A disk cache of parsed question files, so the 200,000-clue dump is cleaned once, not every session.

Parsing and cleaning the full Kaggle dump takes seconds; every pytest session and every xdist worker would
pay that again. Files of ``MIN_BYTES`` or more are stored after their first parse as plain tuples (fast to
marshal and load, unlike dataclasses) under ``<llmbench cache>/questions/``. The cache key covers the
file (resolved path, size, modification time), the options that change parsing (``include_media``), the
Python version and the source code of the modules that clean and key questions: editing the cleaner or
the file invalidates the entry. A damaged or unreadable entry is ignored; an unwritable cache is skipped.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import marshal
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pytest_llmbench.data import kaggle
from pytest_llmbench.data.records import Row, question_from_row
from pytest_llmbench.data.validate import BAD_REASONS
from pytest_llmbench.types import Question

#: Smaller files parse faster than a cache round trip pays off.
MIN_BYTES = 4_000_000
#: Entries kept (each is about 40 MB for the full dump).
KEEP = 3
_FORMAT = 2
#: Rows per marshal frame of an entry.
BLOCK_ROWS = 20_000
_CODE = ("clean.py", "keys.py", "readers.py", "records.py", "cache.py", "_parallel.py")


@dataclass(frozen=True)
class Parsed:
    """One file, read and cleaned, before filters: what the cache stores."""

    dataset: str
    questions: list[Question]
    rows_read: int
    dropped: Mapping[str, int]
    examples: tuple[str, ...]
    first_bad: tuple[str, int | None] | None  # message and line of the first unusable row

    @property
    def bad_rows(self) -> int:
        return sum(n for reason, n in self.dropped.items() if reason in BAD_REASONS)


@functools.cache
def _code_fingerprint() -> str:
    """Changes whenever the cleaning code does, so no entry outlives the code that wrote it."""
    digest = hashlib.sha1()
    here = Path(__file__).parent
    try:
        for name in _CODE:
            digest.update((here / name).read_bytes())
    except OSError:  # installed without sources (zip, .pyc only): fall back to the release
        from pytest_llmbench._version import __version__

        return f"version-{__version__}"
    return digest.hexdigest()


def cache_file(path: Path, include_media: bool, cache_dir: Path | None = None) -> Path | None:
    """Where the parse of ``path`` is (or would be) cached; ``None`` for small or unreadable files."""
    try:
        resolved = path.resolve()
        stat = resolved.stat()
    except OSError:
        return None
    if stat.st_size < MIN_BYTES:
        return None
    key = json.dumps(
        [
            _FORMAT,
            _code_fingerprint(),
            sys.version_info[:2],
            str(resolved),
            stat.st_size,
            stat.st_mtime_ns,
            include_media,
        ]
    )
    name = hashlib.sha1(key.encode()).hexdigest()[:24]
    return kaggle.llmbench_cache_dir(cache_dir) / "questions" / f"{name}.rows"


def rows_of(questions: Iterable[Question]) -> list[Row]:
    """The ``Row`` of each question (the parallel parser has them already and skips this)."""
    return [
        (
            q.id,
            q.clue,
            q.answer,
            q.dataset,
            q.category,
            q.value,
            q.round,
            None if q.air_date is None else q.air_date.toordinal(),
            q.show_number,
            q.attachments,
            {**q.metadata, **kinds} if (kinds := q.kind_fields()) else q.metadata,  # the row keeps its older shape
        )
        for q in questions
    ]


def save(target: Path, parsed: Parsed, rows: list[Row] | None = None) -> None:
    """Store ``parsed`` (``rows``: its questions as rows, when the caller has them).

    ``marshal``, not ``pickle``: it writes the 200,000 rows several times faster and still writes an object
    referenced twice (a shared metadata dict) once. Rows go in blocks, each its own marshal frame, so that
    neither writing nor reading ever holds a second copy of the whole file. marshal's format may change
    between Python versions, which the cache key includes.
    """
    if rows is None:
        rows = rows_of(parsed.questions)
    header = (parsed.dataset, parsed.rows_read, dict(parsed.dropped), parsed.examples, parsed.first_bad)
    blocks = range(0, len(rows), BLOCK_ROWS)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as handle:
            write_frame(handle, (_FORMAT, header, len(blocks)))
            for start in blocks:
                write_frame(handle, rows[start : start + BLOCK_ROWS])
        tmp.replace(target)  # atomic: concurrent xdist workers never read half a file
        _prune(target.parent)
    except (OSError, ValueError):  # ValueError: a value marshal cannot write (a hand-made metadata object)
        with contextlib.suppress(OSError):
            tmp.unlink()
        # a read-only or full disk costs speed, never correctness


def write_frame(handle: BinaryIO, value: Any) -> None:
    """One value as its length and its marshal bytes (``read_frames`` reads them back)."""
    blob = marshal.dumps(value)
    handle.write(len(blob).to_bytes(8, "little"))
    handle.write(blob)


def read_frames(data: bytes | memoryview) -> Iterator[Any]:
    """The values of ``write_frame``; ``marshal.loads`` of a slice, several times faster than
    ``marshal.load`` of a stream, which reads each string through a Python method call."""
    view, pos = memoryview(data), 0
    while pos < len(view):
        size = int.from_bytes(view[pos : pos + 8], "little")
        yield marshal.loads(view[pos + 8 : pos + 8 + size])
        pos += 8 + size


def _prune(folder: Path) -> None:
    """Keep the newest ``KEEP`` entries: each upgrade or new dump version leaves an old one behind."""
    for old in folder.glob("*.pickle"):  # entries of the earlier pickle format
        old.unlink(missing_ok=True)
    entries = sorted(folder.glob("*.rows"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)


def load(target: Path) -> Parsed | None:
    """The cached parse, or ``None`` when there is none or it cannot be used."""
    try:
        frames = read_frames(target.read_bytes())
        fmt, header, count = next(frames)
        if fmt != _FORMAT:
            return None
        dataset, rows_read, dropped, examples, first_bad = header
        dates: dict[int, Any] = {}
        questions: list[Question] = []
        for _ in range(count):
            questions.extend([question_from_row(row, dates) for row in next(frames)])
    except Exception:  # a damaged, truncated or foreign file is simply not a cache hit
        return None
    return Parsed(dataset, questions, rows_read, dropped, tuple(examples), first_bad)
