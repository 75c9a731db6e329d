from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_llmbench.data import readers
from pytest_llmbench.data.readers import RawRecord, open_records
from pytest_llmbench.errors import DatasetError

from .conftest import kaggle_row, write_json

JARCHIVE_CSV = (
    "Show Number, Air Date, Round, Category, Value, Question, Answer\n"
    '4680,2004-12-31,Jeopardy!,"HISTORY",$200,"For the last 8 years of his life, Galileo was under house '
    "arrest for espousing this man's theory\",Copernicus\n"
    '4680,2004-12-31,Double Jeopardy!,THAT OLD-TIME RELIGION,"$3,200","In 1534 he & Francis Xavier founded '
    'the Society of Jesus",(St. Ignatius) Loyola\n'
    '4680,2004-12-31,Final Jeopardy!,"THE SOLAR SYSTEM",None,"A clue that spans\n'
    'two physical lines",the answer\n'
)


def _records(path: Path) -> list[RawRecord | DatasetError]:
    return list(open_records(path).records)


def test_kaggle_json_is_jeopardy_flavor_and_streams_with_line_numbers(tmp_path: Path) -> None:
    path = write_json(tmp_path / "k.json", [kaggle_row(), kaggle_row(value=None, round="Final Jeopardy!")])
    stream = open_records(path)
    assert stream.flavor == "jeopardy"
    items = list(stream.records)
    assert [type(i) for i in items] == [RawRecord, RawRecord]
    assert [i.line for i in items if isinstance(i, RawRecord)] == [2, 11]
    assert items[1].fields["value"] is None  # type: ignore[union-attr]


def test_json_streaming_across_tiny_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [kaggle_row(question=f"'Clue number {i} with some padding text'") for i in range(40)]
    path = write_json(tmp_path / "k.json", rows)
    monkeypatch.setattr(readers, "_CHUNK", 7)  # every record straddles many chunk borders
    items = _records(path)
    assert [i.fields["question"] for i in items if isinstance(i, RawRecord)] == [r["question"] for r in rows]
    assert [i.line for i in items if isinstance(i, RawRecord)] == [2 + 9 * n for n in range(40)]


def test_json_non_object_item_is_a_row_error(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text('[\n{"question": "a", "answer": "b"},\n42\n]', encoding="utf-8")
    items = _records(path)
    assert isinstance(items[1], DatasetError)
    assert items[1].line == 3
    assert "q.json:3" in str(items[1])


def test_json_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        '[\n{"question": "a", "answer": "b"},\n{"question": "c" "answer": "d"}\n]', encoding="utf-8"
    )
    with pytest.raises(DatasetError, match=r"bad\.json:3: invalid JSON") as info:
        _records(path)
    assert info.value.line == 3


def test_json_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text('[\n{"question": "a", "answer": "b"},\n{"question": "c", "ans', encoding="utf-8")
    with pytest.raises(DatasetError, match="invalid JSON"):
        _records(path)


def test_json_object_with_questions_list(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text(json.dumps({"questions": [{"question": "a", "answer": "b"}]}), encoding="utf-8")
    stream = open_records(path)
    assert stream.flavor == "custom"
    assert [i.fields for i in stream.records if isinstance(i, RawRecord)] == [
        {"question": "a", "answer": "b"}
    ]


def test_json_scalar_top_level_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text('"just a string"', encoding="utf-8")
    with pytest.raises(DatasetError, match="must be a list of objects"):
        _records(path)


def test_jarchive_csv_with_spaced_header_and_multiline_row(tmp_path: Path) -> None:
    path = tmp_path / "JEOPARDY_CSV.csv"
    path.write_text(JARCHIVE_CSV, encoding="utf-8")
    stream = open_records(path)
    assert stream.flavor == "jeopardy"
    items = [i for i in stream.records if isinstance(i, RawRecord)]
    assert len(items) == 3
    first, second, third = items
    assert first.fields["show_number"] == "4680" and first.fields["value"] == "$200"
    assert second.fields["value"] == "$3,200" and second.fields["answer"] == "(St. Ignatius) Loyola"
    assert third.fields["value"] == "None"
    assert [first.line, second.line, third.line] == [2, 3, 4]


def test_csv_row_with_wrong_field_count_is_a_row_error(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text("question,answer\nfine,yes\n\nbroken,row,extra\nalso fine,ok\n", encoding="utf-8")
    items = _records(path)
    assert isinstance(items[1], DatasetError) and items[1].line == 4
    assert [i.line for i in items if isinstance(i, RawRecord)] == [2, 5]


def test_csv_semicolons_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_bytes("\ufeffQuestion;Answer\nCapital of France?;Paris\n".encode())
    stream = open_records(path)
    assert stream.flavor == "custom"
    assert [i.fields for i in stream.records] == [{"question": "Capital of France?", "answer": "Paris"}]  # type: ignore[union-attr]


def test_jsonl_skips_blank_and_comment_lines_and_reports_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('# my questions\n{"question": "a", "answer": "b"}\n\n{oops\n[1]\n', encoding="utf-8")
    items = _records(path)
    assert isinstance(items[0], RawRecord) and items[0].line == 2
    assert isinstance(items[1], DatasetError) and items[1].line == 4
    assert isinstance(items[2], DatasetError) and items[2].line == 5


def test_yaml_list_with_record_lines(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(
        "- question: a\n  answer: b\n\n- question: c\n  answer: d\n- just text\n", encoding="utf-8"
    )
    items = _records(path)
    assert [i.line for i in items] == [1, 4, 6]
    assert isinstance(items[2], DatasetError)


def test_yaml_mapping_with_questions_and_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "q.yml"
    path.write_text("questions:\n  - question: a\n    answer: b\n", encoding="utf-8")
    assert [i.fields for i in _records(path)] == [{"question": "a", "answer": "b"}]  # type: ignore[union-attr]
    bad = tmp_path / "bad.yaml"
    bad.write_text("- question: a\n  answer: [b\n- question: c\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"bad\.yaml:\d+: invalid YAML"):
        _records(bad)


def test_unsupported_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"unsupported file type '\.txt'"):
        open_records(tmp_path / "q.txt")
    with pytest.raises(DatasetError, match="no such file"):
        open_records(tmp_path / "missing.json")


def test_json_missing_value_after_comma(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text('[\n{"question": "a", "answer": "b"},\n,\n]', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"q\.json:3: invalid JSON: Expecting value"):
        _records(path)


@pytest.mark.parametrize("suffix", [".json", ".jsonl", ".yaml", ".csv"])
def test_non_utf8_files_are_named(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"latin1{suffix}"
    body = {
        ".json": '[{"question": "Caf\xe9?", "answer": "oui"}]',
        ".jsonl": '{"question": "Caf\xe9?", "answer": "oui"}\n',
        ".yaml": "- question: Caf\xe9?\n  answer: oui\n",
        ".csv": "question,answer\nCaf\xe9?,oui\n",
    }[suffix]
    path.write_bytes(body.encode("latin-1"))
    with pytest.raises(
        DatasetError, match=r"latin1\.\w+: not UTF-8 text \(invalid continuation byte at byte \d+\)"
    ):
        _records(path)


def test_non_utf8_deep_in_a_big_csv_ends_the_file(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    rows = "".join(f"question {i},answer {i}\n" for i in range(20_000))
    path.write_bytes(("question,answer\n" + rows).encode() + "Caf\xe9,x\n".encode("latin-1"))
    with pytest.raises(DatasetError, match="not UTF-8 text"):
        _records(path)


def test_json_error_early_in_a_big_file_is_reported_without_reading_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [json.dumps(kaggle_row(question=f"'clue {i}'")) for i in range(200)]
    rows[3] = rows[3].replace('"answer":', '"answer"')
    path = tmp_path / "big.json"
    path.write_text("[\n" + ",\n".join(rows) + "\n]", encoding="utf-8")
    monkeypatch.setattr(readers, "_CHUNK", 2048)
    monkeypatch.setattr(readers, "_ERROR_MARGIN", 256)
    reads: list[int] = []
    real_open = Path.open

    def counting_open(self: Path, *args: object, **kwargs: object) -> object:
        handle = real_open(self, *args, **kwargs)  # type: ignore[call-overload]
        original = handle.read

        def read(size: int = -1) -> str:
            reads.append(size)
            return original(size)  # type: ignore[no-any-return]

        handle.read = read
        return handle

    monkeypatch.setattr(Path, "open", counting_open)
    with pytest.raises(DatasetError, match=r"big\.json:5: invalid JSON: Expecting ':' delimiter"):
        _records(path)
    assert sum(reads) < path.stat().st_size  # stopped long before the end
