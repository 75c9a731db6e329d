"""The parallel cleaner must give exactly what the sequential reader gives, or step aside for it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_llmbench.data import _parallel, loader
from pytest_llmbench.data.cache import Parsed
from pytest_llmbench.data.records import Row
from pytest_llmbench.errors import DatasetError

from .conftest import kaggle_row


@pytest.fixture(autouse=True)
def _small_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tiny spans and two processes whatever the machine, so that test files take the parallel path.
    monkeypatch.setattr(_parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(_parallel, "RANGE_BYTES", 1500)
    monkeypatch.setattr(_parallel, "available_cpus", lambda: 2)


def _rows(count: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(count):
        row = kaggle_row(question=f"'Clue number {i}: caf\u00e9 & <i>more</i>'", answer=f"answer {i}")
        if i % 7 == 3:
            row["question"] = f"'The bird seen <a href=\"http://www.j-archive.com/media/x{i}.jpg\">here</a>'"
        if i % 11 == 5:
            row["value"] = "twelve dollars"  # malformed: dropped with its line
        if i % 13 == 6:
            row["answer"] = ""
        rows.append(row)
        if i % 17 == 8:
            rows.append(dict(row))  # a repeat
    return rows


def _sequential(path: Path, monkeypatch: pytest.MonkeyPatch) -> Parsed:
    with monkeypatch.context() as patch:
        patch.setattr(_parallel, "parse", lambda *a, **k: None)
        parsed, rows = loader._parse(path, False)
    assert rows is None
    return parsed


def _parallel_parse(path: Path) -> tuple[Parsed, list[Row] | None]:
    return loader._parse(path, False)


def _assert_same(left: Parsed, right: Parsed) -> None:
    assert left.questions == right.questions
    assert [q.metadata for q in left.questions] == [q.metadata for q in right.questions]
    assert (left.rows_read, left.dropped, left.examples, left.first_bad) == (
        right.rows_read,
        right.dropped,
        right.examples,
        right.first_bad,
    )


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("indent", [None, 4])
def test_parallel_equals_sequential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, indent: int | None, newline: str
) -> None:
    path = tmp_path / "dump.json"
    text = json.dumps(_rows(120), indent=indent, ensure_ascii=False)
    path.write_bytes(("\ufeff" + text.replace("\n", newline)).encode())
    parsed, rows = _parallel_parse(path)
    assert rows is not None, "the parallel path was not taken"
    planned = _parallel.plan(path, path.stat().st_size, 8)
    assert planned is not None and len(planned[0]) > 4
    # Same questions, drops, examples and first bad row (whose line is counted as the sequential reader does).
    _assert_same(parsed, _sequential(path, monkeypatch))
    assert parsed.dropped["malformed"] > 0 and parsed.dropped["duplicate"] > 0
    assert parsed.first_bad is not None and parsed.first_bad[1] is not None
    assert [tuple(r[:3]) for r in rows] == [(q.id, q.clue, q.answer) for q in parsed.questions]


def test_boundaries_inside_strings_are_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every clue holds the separator pattern, so most boundaries found by searching lie inside strings.
    rows = [kaggle_row(question="'" + "x}, {y " * 40 + f"{i}'", answer=f"a{i}") for i in range(60)]
    path = tmp_path / "tricky.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    _assert_same(_parallel_parse(path)[0], _sequential(path, monkeypatch))
    assert len(_parallel_parse(path)[0].questions) == 60


def test_a_failing_worker_falls_back_to_the_sequential_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(_rows(80)), encoding="utf-8")
    monkeypatch.setattr(_parallel, "_WORKER", "import sys; sys.exit(3)")
    parsed, rows = _parallel_parse(path)
    assert rows is None  # the sequential reader produced it
    _assert_same(parsed, _sequential(path, monkeypatch))


def _one_per_line(path: Path, element_61: str) -> Path:
    """80 records, one per line after the "[" line, the 61st (on line 62) replaced by ``element_61``."""
    items = [json.dumps(row) for row in _rows(80)]
    items[60] = element_61
    path.write_text("[\n" + ",\n".join(items) + "\n]\n", encoding="utf-8")
    return path


def test_invalid_json_in_a_later_span_is_reported_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _one_per_line(tmp_path / "dump.json", '{"question": "unclosed')
    with pytest.raises(DatasetError, match="invalid JSON") as parallel_error:
        loader.read_questions(path)
    assert parallel_error.value.line == 62
    with pytest.raises(DatasetError) as sequential_error:
        _sequential(path, monkeypatch)
    assert str(parallel_error.value) == str(sequential_error.value)


def test_an_element_that_is_not_an_object_is_dropped_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _one_per_line(tmp_path / "dump.json", '"a string, not an object"')
    parsed = _parallel_parse(path)[0]
    _assert_same(parsed, _sequential(path, monkeypatch))
    assert any("dump.json:62: a record must be an object" in example for example in parsed.examples)


def test_one_cpu_or_a_small_file_stays_sequential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(_rows(40)), encoding="utf-8")
    monkeypatch.setattr(_parallel, "available_cpus", lambda: 1)
    assert _parallel.parse(path, False) is None
    monkeypatch.setattr(_parallel, "available_cpus", lambda: 2)
    monkeypatch.setattr(_parallel, "MIN_BYTES", path.stat().st_size + 1)
    assert _parallel.parse(path, False) is None


def test_real_sample_parallel_equals_sequential(
    real_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The J-Archive file as published: pretty-printed with CRLF line ends.
    parsed, rows = _parallel_parse(real_sample)
    assert rows is not None
    _assert_same(parsed, _sequential(real_sample, monkeypatch))
