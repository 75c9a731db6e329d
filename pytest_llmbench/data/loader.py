"""``load_dataset``: a dataset name or file -> cleaned, filtered, de-duplicated questions and a report."""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pytest_llmbench.data import _gc, _parallel, cache, kaggle
from pytest_llmbench.data.cache import Parsed
from pytest_llmbench.data.filters import QuestionFilter
from pytest_llmbench.data.readers import SUFFIXES, open_records
from pytest_llmbench.data.records import (
    JEOPARDY_DATASET,
    Dropped,
    Row,
    file_question,
    jeopardy_question,
    question_from_row,
)
from pytest_llmbench.data.validate import (
    BAD_REASONS,
    DUPLICATE,
    MALFORMED,
    OUTSIDE,
    TOO_LONG,
    QualityReport,
    ReportBuilder,
)
from pytest_llmbench.errors import DatasetError, UsageError
from pytest_llmbench.types import Question

SAMPLE_NAMES = ("jeopardy-sample", "jeopardy_sample")


@dataclass(frozen=True)
class DataOptions:
    """How to read and filter a dataset. Frozen and hashable: loads are memoised on it."""

    include_media: bool = False
    allow_download: bool = True
    category: str | None = None
    rounds: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    date_from: _dt.date | None = None
    date_to: _dt.date | None = None
    cache_dir: Path | None = None
    #: Longest question text; a longer one is left out with its reason (``--llm-max-clue-chars``).
    max_clue_chars: int = 1_000_000
    #: Folder attachments must resolve inside; None: the question file's own folder (``--llm-attachment-root``).
    attachment_root: Path | None = None

    def __post_init__(self) -> None:
        # Callers pass lists and strings from config files; the memo key needs hashable, canonical values.
        if not isinstance(self.rounds, tuple):
            object.__setattr__(self, "rounds", tuple(self.rounds))
        if self.cache_dir is not None and not isinstance(self.cache_dir, Path):
            object.__setattr__(self, "cache_dir", Path(self.cache_dir))
        if self.attachment_root is not None and not Path(self.attachment_root).is_dir():
            raise UsageError(f"--llm-attachment-root: {self.attachment_root} is not a folder.")

    def question_filter(self) -> QuestionFilter:
        return QuestionFilter(
            self.category, tuple(self.rounds), self.min_value, self.max_value, self.date_from, self.date_to
        )


@dataclass(frozen=True)
class LoadedDataset:
    """The questions of one dataset, where they came from (``origin``, for humans) and the quality report."""

    name: str
    questions: list[Question] = field(hash=False)
    origin: str
    report: QualityReport = field(hash=False)


def read_questions(
    path: Path, options: DataOptions = DataOptions(), *, stop_when_mostly_bad: bool = True
) -> tuple[str, list[Question], QualityReport]:
    """Read one file: (dataset name, questions, report). Bad rows are dropped unless most rows are bad.

    Big files are parsed once and kept in the question cache (``cache.py``); filters apply afterwards.
    """
    cached_at = cache.cache_file(path, options.include_media, options.cache_dir)
    with _gc.paused():
        parsed = cache.load(cached_at) if cached_at is not None else None
        if parsed is None:
            parsed, rows = _parse(path, options.include_media)
            if cached_at is not None:
                cache.save(cached_at, parsed, rows)
            # Freed while the GC is paused: its first collection then has 200,000 containers less to walk.
            del rows
    if stop_when_mostly_bad and parsed.first_bad is not None and parsed.bad_rows * 2 > parsed.rows_read:
        counts = ", ".join(f"{r} {n}" for r, n in sorted(parsed.dropped.items()) if r in BAD_REASONS)
        message, line = parsed.first_bad
        raise DatasetError(
            f"{parsed.bad_rows} of {parsed.rows_read} rows cannot be used ({counts}); the first: {message}",
            path=str(path),
            line=line,
        )
    questions, refused = admitted(parsed.questions, path, options)
    filtered = 0
    spec = options.question_filter()
    if spec.active:
        keep = spec.compile()
        questions = [q for q in parsed.questions if keep(q)]
        filtered = len(parsed.questions) - len(questions)
    builder = ReportBuilder(str(path))
    builder.rows_read = parsed.rows_read
    builder.dropped.update(parsed.dropped)
    builder.examples.extend(parsed.examples)
    for reason, example in refused:
        builder.drop(reason, example)
    return parsed.dataset, questions, builder.build(questions, filtered=filtered)


def admitted(
    questions: list[Question], path: Path, options: DataOptions
) -> tuple[list[Question], list[tuple[str, str]]]:
    """The questions within the limits, and (reason, example) for each one left out.

    Checked after parsing (and the parse cache), so a limit or root given today applies to a file parsed
    yesterday. Attachments were resolved with symlinks followed: ``../``, an absolute path or a link out of
    the root all land outside it. The example names the question, never the file's content.
    """
    root = (options.attachment_root or path.parent).resolve()
    kept: list[Question] = []
    refused: list[tuple[str, str]] = []
    for question in questions:
        if len(question.clue) > options.max_clue_chars:
            refused.append((TOO_LONG, f"question {question.id!r}: {len(question.clue):,} characters, over the "
                                      f"{options.max_clue_chars:,} allowed (raise --llm-max-clue-chars)"))
        elif outside := [a for a in question.attachments if not Path(a).resolve().is_relative_to(root)]:
            refused.append((OUTSIDE, f"question {question.id!r}: attachment {Path(outside[0]).name!r} is outside "
                                     f"{root} (allow a folder with --llm-attachment-root)"))
        else:
            kept.append(question)
    return kept, refused


def parse_file(path: Path, *, include_media: bool = False) -> Parsed:
    """Read, clean, key and de-duplicate every record of one file (no filters, no "mostly bad" stop)."""
    parsed, _ = _parse(path, include_media)
    return parsed


#: What a reader and cleaner produce per record: its line, the question (or why not), and, when the
#: parallel parser made it, the question's cache ``Row``.
_Entry = tuple["int | None", "Question | Dropped | DatasetError", "Row | None"]


def _parse(path: Path, include_media: bool) -> tuple[Parsed, list[Row] | None]:
    """The parse of ``path`` and, when every question came from a ``Row``, those rows (for the cache)."""
    stream = open_records(path)
    if stream.flavor == "jeopardy" and stream.kind == "json":
        rows = _parallel.parse(path, include_media)
        if rows is not None:
            try:
                return _collect(path, JEOPARDY_DATASET, _from_rows(rows))
            except _parallel.Unconfirmed:
                pass  # the sequential reader below reads it again and names what is wrong, with its line
    jeopardy = stream.flavor == "jeopardy"
    dataset = JEOPARDY_DATASET if jeopardy else path.stem
    base = path.parent.resolve()
    convert: Callable[[Mapping[str, Any]], Question | Dropped]
    if jeopardy:
        convert = lambda fields: jeopardy_question(fields, include_media=include_media)  # noqa: E731
    else:
        convert = lambda fields: file_question(fields, dataset=dataset, base=base)  # noqa: E731

    def entries() -> Iterator[_Entry]:
        for item in stream.records:
            if isinstance(item, DatasetError):
                yield item.line, item, None
                continue
            try:
                result = convert(item.fields)
            except DatasetError as exc:
                result = Dropped(MALFORMED, str(exc))
            yield item.line, result, None

    return _collect(path, dataset, entries())


def _from_rows(rows: Iterator[tuple[int, Row | Dropped]]) -> Iterator[_Entry]:
    dates: dict[int, Any] = {}
    for line, row in rows:
        if isinstance(row, Dropped):
            yield line, row, None
        else:
            yield line, question_from_row(row, dates), row


def _collect(path: Path, dataset: str, entries: Iterator[_Entry]) -> tuple[Parsed, list[Row] | None]:
    """Count, drop and de-duplicate the records of one file into a ``Parsed``, with the kept questions' rows
    when every entry brought one (the parallel parser's do)."""
    jeopardy = dataset == JEOPARDY_DATASET
    builder = ReportBuilder(str(path))
    seen: dict[str, int | None] = {}
    questions: list[Question] = []
    rows: list[Row] = []
    first_bad: DatasetError | None = None
    read = 0
    for line, result, row in entries:
        read += 1
        if type(result) is Question:  # the common case first: 200,000 times for the full dump
            if result.id not in seen:
                seen[result.id] = line
                questions.append(result)
                if row is not None:
                    rows.append(row)
                continue
            # Repeats are common in scraped dumps; in a hand-written file a repeated id is a mistake.
            example = None if jeopardy else f"{path}:{line}: id {result.id!r} already used at line {seen[result.id]}"
            builder.drop(DUPLICATE, example)
        elif isinstance(result, DatasetError):
            first_bad = first_bad or result
            builder.drop(MALFORMED, str(result))
        elif isinstance(result, Dropped):
            if result.reason in BAD_REASONS:
                error = DatasetError(result.detail, path=str(path), line=line)
                first_bad = first_bad or error
                builder.drop(result.reason, str(error))
            else:
                builder.drop(result.reason)
    builder.rows_read = read
    if builder.rows_read == 0:
        raise DatasetError("contains no questions", path=str(path))
    first: tuple[str, int | None] | None = None
    if first_bad is not None:
        prefix = f"{path}:{first_bad.line}: " if first_bad.line is not None else f"{path}: "
        first = (str(first_bad).removeprefix(prefix), first_bad.line)
    parsed = Parsed(
        dataset=dataset,
        questions=questions,
        rows_read=builder.rows_read,
        dropped=dict(builder.dropped),
        examples=tuple(builder.examples),
        first_bad=first,
    )
    return parsed, (rows if rows and len(rows) == len(questions) else None)


def _check_not_empty(source: str, questions: list[Question], report: QualityReport, options: DataOptions) -> None:
    if questions:
        return
    if report.filtered:
        raise UsageError(
            f"No question of dataset '{source}' matches the filters ({options.question_filter().describe()})."
        )
    reasons = ", ".join(f"{r} {n}" for r, n in sorted(report.dropped.items())) or "none read"
    first = f"; the first: {report.examples[0]}" if report.examples else ""
    raise DatasetError(f"no usable questions ({reasons}){first}", path=report.source)


def _load_bundled(options: DataOptions, reason: str | None) -> LoadedDataset:
    name, questions, report = read_questions(kaggle.bundled_sample_path(), options)
    total = len(questions) + report.filtered
    origin = f"bundled sample ({total} clues"
    origin += f"; Kaggle dataset not available: {reason})" if reason else ")"
    return LoadedDataset(name, questions, origin, replace(report, source="bundled Jeopardy! sample"))


def _load_jeopardy(options: DataOptions) -> LoadedDataset:
    located = kaggle.locate(allow_download=options.allow_download, cache_dir=options.cache_dir)
    reason = located.reason
    if located.path is not None:
        try:
            _, questions, report = read_questions(located.path, options)
        except DatasetError as exc:
            reason = f"{located.path} could not be read ({exc})"
        else:
            how = "cached at" if located.tier == "cache" else "downloaded to"
            total = len(questions) + report.filtered
            origin = f"Kaggle dataset {kaggle.HANDLE} ({total:,} clues, {how} {located.path})"
            return LoadedDataset(JEOPARDY_DATASET, questions, origin, report)
    return _load_bundled(options, reason)


def _load_file(path: Path, options: DataOptions) -> LoadedDataset:
    name, questions, report = read_questions(path, options)
    return LoadedDataset(name, questions, f"file {path} ({len(questions) + report.filtered} questions)", report)


def resolve_path(source: str, base_dir: Path | None) -> Path:
    path = Path(source).expanduser()
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    if path.is_file():
        return path
    if path.is_dir():
        raise UsageError(f"Dataset '{source}' is a folder: give a .csv, .json, .jsonl or .yaml file.")
    if path.suffix.lower() in SUFFIXES or "/" in source or "\\" in source:
        raise UsageError(f"Dataset file '{source}' does not exist (looked for {path}).")
    raise UsageError(f"Unknown dataset '{source}': use 'jeopardy' or a path to a .csv/.json/.jsonl/.yaml file.")


_memo: dict[Hashable, LoadedDataset] = {}
_memo_lock = threading.Lock()


def clear_cache() -> None:
    """Forget memoised loads (tests, and long-lived processes that edit files)."""
    with _memo_lock:
        _memo.clear()


def load_dataset(source: str, *, base_dir: Path | None = None, options: DataOptions = DataOptions()) -> LoadedDataset:
    """``"jeopardy"`` (Kaggle, else the bundled sample), ``"jeopardy-sample"``, or a question file.

    Memoised per source and options in this process (a file also by its size and modification time),
    because the plugin asks once per benchmark function.
    """
    name = source.strip()
    if not name:
        raise UsageError("The dataset name is empty: use 'jeopardy' or a path to a question file.")
    loader: Callable[[], LoadedDataset]
    key: Hashable
    if name.lower() == JEOPARDY_DATASET:
        key = (JEOPARDY_DATASET, options)
        loader = lambda: _load_jeopardy(options)  # noqa: E731
    elif name.lower() in SAMPLE_NAMES:
        key = (SAMPLE_NAMES[0], options)
        loader = lambda: _load_bundled(options, None)  # noqa: E731
    else:
        path = resolve_path(name, base_dir).resolve()
        stat = path.stat()
        key = ("file", str(path), stat.st_mtime_ns, stat.st_size, options)
        loader = lambda: _load_file(path, options)  # noqa: E731
    with _memo_lock:
        loaded = _memo.get(key)
    if loaded is None:
        loaded = loader()
        _check_not_empty(name, loaded.questions, loaded.report, options)
        with _memo_lock:
            _memo[key] = loaded
    # A fresh list each time: callers may sort or filter theirs without touching the memo.
    return replace(loaded, questions=list(loaded.questions))
