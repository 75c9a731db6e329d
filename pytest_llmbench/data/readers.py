"""Readers that turn a question file into raw records, one at a time.

Every reader yields ``RawRecord`` (a mapping of field names and the line it started on) or, for a row it
could not read, a ``DatasetError`` naming file and line, so the loader can drop a few bad rows and still
stop on a file that is mostly bad. JSON lists, JSONL and CSV stream with bounded memory; YAML is small by
nature and parsed whole (but still reports the line of each record).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from pytest_llmbench.data._yaml import LimitedSafeLoader
from pytest_llmbench.errors import DatasetError

#: The fields of the J-Archive scrape, in the Kaggle JSON and (with other spelling) the CSV.
JEOPARDY_FIELDS = frozenset({"category", "air_date", "question", "value", "answer", "round", "show_number"})
SUFFIXES = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".yaml": "yaml",
    ".yml": "yaml",
}
_CHUNK = 1 << 20
_WS = re.compile(r"[ \t\r\n]*")
#: How far before the end of the buffer a JSON error must be to be a real error, not a cut-off element.
_ERROR_MARGIN = 1 << 16
_COMMA = re.compile(r"[ \t\r\n]*,[ \t\r\n]*")

csv.field_size_limit(1 << 24)


def _skip_ws(buf: str, pos: int) -> int:
    match = _WS.match(buf, pos)
    return match.end() if match else pos


class RawRecord(NamedTuple):
    """One record as read: field names normalized to ``snake_case`` for CSV headers, values untouched.

    A named tuple rather than a frozen dataclass: it is built once per row of a 200,000-row file.
    """

    fields: Mapping[str, Any]
    line: int


RecordItem = RawRecord | DatasetError


@dataclass
class RecordStream:
    """The records of one file, and whether they are the J-Archive scrape (``flavor == "jeopardy"``)."""

    path: Path
    kind: str
    flavor: str
    records: Iterator[RecordItem]


def file_kind(path: Path) -> str | None:
    return SUFFIXES.get(path.suffix.lower())


def open_records(path: Path) -> RecordStream:
    """Open ``path`` by its suffix; raises ``DatasetError`` when it cannot be read at all."""
    kind = file_kind(path)
    if kind is None:
        raise DatasetError(
            f"unsupported file type '{path.suffix}': use .csv, .json, .jsonl or .yaml", path=str(path)
        )
    if not path.is_file():
        raise DatasetError("no such file", path=str(path))
    if kind == "csv":
        return _csv_stream(path)
    reader = {"json": iter_json, "jsonl": iter_jsonl}.get(kind, iter_yaml)
    records = _guarded(path, reader(path))
    # The flavor is decided by the first readable record: the scrape has exactly its seven fields.
    head: list[RecordItem] = []
    flavor = "custom"
    for item in records:
        head.append(item)
        if isinstance(item, RawRecord):
            flavor = "jeopardy" if set(item.fields) == JEOPARDY_FIELDS else "custom"
            break
    return RecordStream(path, kind, flavor, itertools.chain(head, records))


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> DatasetError:
    return DatasetError(
        f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8", path=str(path)
    )


def _guarded(path: Path, records: Iterator[RecordItem]) -> Iterator[RecordItem]:
    """Turn encoding and I/O failures in the middle of a file into one clear ``DatasetError``."""
    try:
        yield from records
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from None
    except OSError as exc:
        raise DatasetError(f"cannot read the file: {exc.strerror or exc}", path=str(path)) from None
    except RecursionError:  # a JSON value nested thousands of levels deep
        raise DatasetError("a value is nested too deeply to read", path=str(path)) from None


def _not_a_record(path: Path, line: int, value: object) -> DatasetError:
    return DatasetError(
        f"a record must be an object with 'question' and 'answer' fields, not {type(value).__name__}",
        path=str(path),
        line=line,
    )


def iter_json(path: Path) -> Iterator[RecordItem]:
    """Stream the objects of a top-level JSON list with ``raw_decode`` over a sliding buffer.

    The stdlib has no streaming parser; decoding one element at a time keeps memory at one chunk plus the
    records already yielded, which matters for the 200,000-clue Kaggle file.
    """
    # scan_once is the C scanner behind raw_decode, minus a Python frame per element.
    scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
    comma = _COMMA.match
    with path.open(encoding="utf-8-sig") as handle:
        buf = handle.read(_CHUNK)
        eof = len(buf) < _CHUNK
        pos = _skip_ws(buf, 0)
        line = 1 + buf.count("\n", 0, pos)
        if pos < len(buf) and buf[pos] == "{":
            yield from _json_object(path, buf + handle.read())
            return
        if pos >= len(buf) or buf[pos] != "[":
            raise DatasetError("a JSON question file must be a list of objects", path=str(path), line=line)
        pos += 1
        first = True
        ready = False  # True when the fast path below already stepped over the comma to the next element
        while True:
            if not ready:
                buf, pos, eof, line = _refill_ws(handle, buf, pos, eof, line)
                if pos >= len(buf):
                    raise DatasetError(
                        "the JSON list is not closed (file truncated?)", path=str(path), line=line
                    )
                if buf[pos] == "]":
                    if (buf[pos + 1 :] + handle.read()).strip():
                        raise DatasetError("unexpected text after the JSON list", path=str(path), line=line)
                    return
                if not first:
                    if buf[pos] != ",":
                        raise DatasetError("expected ',' between list items", path=str(path), line=line)
                    buf, pos, eof, line = _refill_ws(handle, buf, pos + 1, eof, line)
            first = ready = False
            read = _CHUNK
            while True:
                try:
                    value, end = scan(buf, pos)
                except (json.JSONDecodeError, StopIteration) as exc:
                    # A mistake well before the end of the buffer is not a cut-off element: report it
                    # now instead of reading (and holding) the rest of a big file first.
                    early = (
                        isinstance(exc, json.JSONDecodeError)
                        and not exc.msg.startswith("Unterminated string")
                        and exc.pos + _ERROR_MARGIN < len(buf)
                    )
                    if eof or early:
                        msg, at = (
                            (exc.msg, exc.pos)
                            if isinstance(exc, json.JSONDecodeError)
                            else ("Expecting value", pos)
                        )
                        where = line + buf.count("\n", pos, at)
                        raise DatasetError(f"invalid JSON: {msg}", path=str(path), line=where) from None
                else:
                    if end < len(buf) or eof:
                        break
                # The element may continue past the buffer: read more and decode it again.
                read *= 2
                more = handle.read(read)
                eof = len(more) < read
                buf, pos = buf[pos:] + more, 0
            yield RawRecord(value, line) if isinstance(value, dict) else _not_a_record(path, line, value)
            line += buf.count("\n", pos, end)
            # Fast path: ", " and the next element already in the buffer.
            match = comma(buf, end)
            if match is not None and match.end() < len(buf):
                line += buf.count("\n", end, match.end())
                pos, ready = match.end(), True
            else:
                pos = end


def _refill_ws(handle: io.TextIOBase, buf: str, pos: int, eof: bool, line: int) -> tuple[str, int, bool, int]:
    """Skip whitespace, reading more when the buffer ends there."""
    while True:
        end_ws = _skip_ws(buf, pos)
        line += buf.count("\n", pos, end_ws)
        if end_ws < len(buf) or eof:
            return buf, end_ws, eof, line
        buf, pos = handle.read(_CHUNK), 0
        eof = len(buf) < _CHUNK


def _json_object(path: Path, text: str) -> Iterator[RecordItem]:
    """A JSON object holding a ``questions`` list (small files only)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"invalid JSON: {exc.msg}", path=str(path), line=exc.lineno) from None
    items = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise DatasetError(
            "a JSON question file must be a list of objects, or have a 'questions' list", path=str(path)
        )
    for index, value in enumerate(items, start=1):
        yield RawRecord(value, index) if isinstance(value, dict) else _not_a_record(path, index, value)


def iter_jsonl(path: Path) -> Iterator[RecordItem]:
    """One JSON object per line; blank lines and ``#`` comments are skipped."""
    with path.open(encoding="utf-8-sig") as handle:
        for number, text in enumerate(handle, start=1):
            stripped = text.strip()
            if not stripped or stripped.startswith("#"):
                continue
            try:
                value = json.loads(stripped)
            except json.JSONDecodeError as exc:
                yield DatasetError(f"invalid JSON: {exc.msg}", path=str(path), line=number)
                continue
            yield RawRecord(value, number) if isinstance(value, dict) else _not_a_record(path, number, value)


def iter_yaml(path: Path) -> Iterator[RecordItem]:
    """A YAML list of mappings (or a mapping with a ``questions`` list), with the line of each record."""
    with path.open(encoding="utf-8-sig") as handle:
        try:
            loader = LimitedSafeLoader(handle)
        except yaml.YAMLError as exc:  # the reader checks the first characters at once (a NUL byte, ...)
            raise DatasetError(f"invalid YAML: {_one_line(exc)}", path=str(path)) from None
        try:
            root = loader.get_single_node()
            if root is None:
                return
            if isinstance(root, yaml.MappingNode):
                for key_node, value_node in root.value:
                    if getattr(key_node, "value", None) == "questions":
                        root = value_node
                        break
            if not isinstance(root, yaml.SequenceNode):
                raise DatasetError(
                    "a YAML question file must be a list of mappings, or have a 'questions' list",
                    path=str(path),
                    line=root.start_mark.line + 1,
                )
            for node in root.value:
                line = node.start_mark.line + 1
                try:
                    value = loader.construct_object(node, deep=True)
                except yaml.YAMLError as exc:
                    yield DatasetError(f"invalid YAML: {_one_line(exc)}", path=str(path), line=line)
                    continue
                yield RawRecord(value, line) if isinstance(value, dict) else _not_a_record(path, line, value)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            raise DatasetError(
                f"invalid YAML: {exc.problem}", path=str(path), line=mark.line + 1 if mark else None
            ) from None
        except yaml.YAMLError as exc:
            raise DatasetError(f"invalid YAML: {_one_line(exc)}", path=str(path)) from None
        finally:
            loader.dispose()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def normalize_header(name: str) -> str:
    """``" Show Number"`` -> ``"show_number"``: the J-Archive CSV header has leading spaces."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _csv_dialect(path: Path, first_line: str) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    if "," not in first_line:
        return ";" if ";" in first_line else ("\t" if "\t" in first_line else ",")
    return ","


def _csv_stream(path: Path) -> RecordStream:
    """Read the header now (it decides the flavor); the rows are read by a generator that owns the file."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first_line = handle.readline()
            handle.seek(0)
            delimiter = _csv_dialect(path, first_line)
            header_row = next(csv.reader(handle, delimiter=delimiter), None)
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from None
    except (OSError, csv.Error) as exc:
        raise DatasetError(f"cannot read CSV: {exc}", path=str(path)) from None
    if header_row is None:
        return RecordStream(path, "csv", "custom", iter(()))
    header = [normalize_header(name) for name in header_row]
    flavor = "jeopardy" if set(header) == JEOPARDY_FIELDS else "custom"
    return RecordStream(path, "csv", flavor, _iter_csv_rows(path, delimiter, header))


def _iter_csv_rows(path: Path, delimiter: str, header: list[str]) -> Iterator[RecordItem]:
    # Opened here, not in _csv_stream, so a stream that is never read leaks no file handle.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        next(reader, None)  # the header, already read
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                # The text stream cannot resume after a decoding error, so this ends the file.
                raise _not_utf8(path, exc) from None
            except csv.Error as exc:
                yield DatasetError(f"cannot read CSV row: {exc}", path=str(path), line=start)
                start = reader.line_num + 1
                continue
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                yield DatasetError(
                    f"row has {len(row)} fields but the header has {len(header)}", path=str(path), line=line
                )
                continue
            yield RawRecord(dict(zip(header, row, strict=True)), line)
