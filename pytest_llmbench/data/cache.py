"""A disk cache of parsed question files, so the 200,000-clue dump is cleaned once, not every session.

Parsing and cleaning the full Kaggle dump takes seconds; every pytest session and every xdist worker would
pay that again. Files of ``MIN_BYTES`` or more are stored after their first parse as plain tuples (fast to
pickle and unpickle, unlike dataclasses) under ``<llmbench cache>/questions/``. The cache key covers the
file (resolved path, size, modification time), the options that change parsing (``include_media``), the
Python version and the source code of the modules that clean and key questions: editing the cleaner or
the file invalidates the entry. A damaged or unreadable entry is ignored; an unwritable cache is skipped.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import os
import pickle
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_llmbench.data import kaggle
from pytest_llmbench.data.validate import BAD_REASONS
from pytest_llmbench.types import Question

#: Smaller files parse faster than a cache round trip pays off.
MIN_BYTES = 4_000_000
#: Entries kept (each is about 40 MB for the full dump).
KEEP = 3
_FORMAT = 1
_CODE = ("clean.py", "keys.py", "readers.py", "records.py", "cache.py")


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
    return kaggle.llmbench_cache_dir(cache_dir) / "questions" / f"{name}.pickle"


def save(target: Path, parsed: Parsed) -> None:
    """Store ``parsed``; metadata dicts shared between questions stay shared (see ``records``)."""
    tables: dict[int, int] = {}
    metadata: list[Mapping[str, Any]] = []
    rows = []
    for q in parsed.questions:
        index = tables.get(id(q.metadata))
        if index is None:
            index = tables[id(q.metadata)] = len(metadata)
            metadata.append(q.metadata)
        day = q.air_date.toordinal() if q.air_date is not None else None
        rows.append(
            (
                q.id,
                q.clue,
                q.answer,
                q.dataset,
                q.category,
                q.value,
                q.round,
                day,
                q.show_number,
                q.attachments,
                index,
            )
        )
    header = (parsed.dataset, parsed.rows_read, dict(parsed.dropped), parsed.examples, parsed.first_bad)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as handle:
            pickle.dump((_FORMAT, header, metadata, rows), handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(target)  # atomic: concurrent xdist workers never read half a file
        _prune(target.parent)
    except (OSError, pickle.PicklingError, TypeError):
        pass  # a read-only or full disk costs speed, never correctness


def _prune(folder: Path) -> None:
    """Keep the newest ``KEEP`` entries: each upgrade or new dump version leaves an old one behind."""
    entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)


def load(target: Path) -> Parsed | None:
    """The cached parse, or ``None`` when there is none or it cannot be used."""
    try:
        with target.open("rb") as handle:
            fmt, header, metadata, rows = pickle.load(handle)
        if fmt != _FORMAT:
            return None
        dataset, rows_read, dropped, examples, first_bad = header
        dates: dict[int, _dt.date] = {}
        questions = []
        for qid, clue, answer, name, category, value, round_name, day, show, attachments, index in rows:
            air_date = None
            if day is not None:
                air_date = dates.get(day) or dates.setdefault(day, _dt.date.fromordinal(day))
            questions.append(
                Question(
                    id=qid,
                    clue=clue,
                    answer=answer,
                    dataset=name,
                    category=category,
                    value=value,
                    round=round_name,
                    air_date=air_date,
                    show_number=show,
                    attachments=attachments,
                    metadata=metadata[index],
                )
            )
    except Exception:  # a damaged, truncated or foreign file is simply not a cache hit
        return None
    return Parsed(dataset, questions, rows_read, dropped, tuple(examples), first_bad)
