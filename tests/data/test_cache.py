from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_llmbench.data import DataOptions, cache, load_dataset, loader
from pytest_llmbench.errors import DatasetError

from .conftest import kaggle_row, write_json


@pytest.fixture(autouse=True)
def _cache_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "MIN_BYTES", 0)


def _dump(tmp_path: Path) -> Path:
    rows = [
        kaggle_row(),
        kaggle_row(question="'In 1534 he founded the Jesuits'", answer="Loyola", value="$3,200"),
        kaggle_row(question="'This man seen here'", answer="x"),
        kaggle_row(),
        kaggle_row(question="'Say it'", answer="", round="Double Jeopardy!"),
    ]
    return write_json(tmp_path / "dump.json", rows)


def _entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "llmbench-cache" / "questions").glob("*.rows"))


def test_second_load_comes_from_the_cache_and_is_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _dump(tmp_path)
    first = load_dataset(str(path))
    assert len(_entries(tmp_path)) == 1
    loader.clear_cache()
    monkeypatch.setattr(loader, "_parse", lambda *a, **k: pytest.fail("must come from the cache"))
    second = load_dataset(str(path))
    assert second.questions == first.questions
    assert [q.metadata for q in second.questions] == [q.metadata for q in first.questions]
    assert second.report == first.report
    assert second.report.dropped == {"media clue": 1, "duplicate": 1, "missing answer": 1}
    # Filters apply after the cache: a filtered load reuses the same entry.
    filtered = load_dataset(str(path), options=DataOptions(min_value=1000))
    assert [q.value for q in filtered.questions] == [3200] and filtered.report.filtered == 1


def test_changed_file_or_options_miss_the_cache(tmp_path: Path) -> None:
    path = _dump(tmp_path)
    load_dataset(str(path))
    load_dataset(str(path), options=DataOptions(include_media=True))
    assert len(_entries(tmp_path)) == 2
    write_json(path, [kaggle_row(answer="Via Appia")])
    os.utime(path, ns=(1, 1))
    loader.clear_cache()
    assert [q.answer for q in load_dataset(str(path)).questions] == ["Via Appia"]
    assert len(_entries(tmp_path)) == 3


def test_damaged_entry_is_ignored_and_replaced(tmp_path: Path) -> None:
    path = _dump(tmp_path)
    expected = load_dataset(str(path)).questions
    (entry,) = _entries(tmp_path)
    entry.write_bytes(b"not a cache entry")
    loader.clear_cache()
    assert load_dataset(str(path)).questions == expected
    assert entry.read_bytes() != b"not a cache entry"


def test_unwritable_cache_costs_nothing_but_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    monkeypatch.setenv("LLMBENCH_CACHE_DIR", str(blocker))
    assert len(load_dataset(str(_dump(tmp_path))).questions) == 2


def test_mostly_bad_file_still_stops_when_cached(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"question": "a"}\n{"question": "b"}\n{"question": "c", "answer": "d"}\n', encoding="utf-8"
    )
    for _ in range(2):
        loader.clear_cache()
        with pytest.raises(
            DatasetError, match=r"q\.jsonl:1: 2 of 3 rows cannot be used \(missing answer 2\)"
        ):
            load_dataset(str(path))
    assert len(_entries(tmp_path)) == 1


def test_old_entries_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "KEEP", 2)
    for n in range(4):
        path = write_json(tmp_path / f"d{n}.json", [kaggle_row(answer=f"a{n}")])
        load_dataset(str(path))
    assert len(_entries(tmp_path)) == 2


def test_small_files_are_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "MIN_BYTES", 10_000)
    load_dataset(str(_dump(tmp_path)))
    assert _entries(tmp_path) == []


def test_a_value_marshal_cannot_store_skips_the_cache_not_the_questions(tmp_path: Path) -> None:
    # YAML turns an unquoted date into a datetime.date, which marshal cannot write: no entry, same questions.
    path = tmp_path / "q.yaml"
    path.write_text("- question: 'Red planet?'\n  answer: Mars\n  reviewed: 2024-05-01\n", encoding="utf-8")
    first = load_dataset(str(path)).questions
    assert _entries(tmp_path) == [] and not list((tmp_path / "llmbench-cache" / "questions").glob("*.tmp"))
    loader.clear_cache()
    second = load_dataset(str(path)).questions
    assert second == first and str(second[0].metadata["reviewed"]) == "2024-05-01"


def test_the_kind_of_a_question_survives_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A cache row keeps the kind in its metadata (the shape entries written before had); reading lifts it back.
    path = tmp_path / "kinds.jsonl"
    path.write_text('{"question": "Give JSON", "schema": {"type": "object"}, "expected": {"a": 1}}\n'
                    '{"question": "Call it", "tools": [{"type": "function", "function": {"name": "f"}}], '
                    '"expected_call": {"name": "f", "arguments": {}}}\n', encoding="utf-8")
    first = load_dataset(str(path)).questions
    assert len(_entries(tmp_path)) == 1
    loader.clear_cache()
    monkeypatch.setattr(loader, "_parse", lambda *a, **k: pytest.fail("must come from the cache"))
    second = load_dataset(str(path)).questions
    assert [(q.schema, q.expected, q.tools, q.expected_call, q.metadata) for q in second] == [
        (q.schema, q.expected, q.tools, q.expected_call, q.metadata) for q in first]
    assert second[0].schema == {"type": "object"} and second[1].expected_call == {"name": "f", "arguments": {}}
