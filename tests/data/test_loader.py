from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pytest_llmbench.data import DataOptions, load_dataset
from pytest_llmbench.data.loader import read_questions
from pytest_llmbench.errors import DatasetError, UsageError

from .conftest import kaggle_row, write_json


def test_kaggle_rows_become_clean_questions(tmp_path: Path) -> None:
    rows = [
        kaggle_row(),
        kaggle_row(
            question="'In 1534 he & his buddy founded the Society of Jesus'",
            value="$3,200",
            answer="(St. Ignatius) Loyola",
            round="Double Jeopardy!",
        ),
        kaggle_row(question="'This dog seen here is loyal'", answer="a German Shepherd"),
        kaggle_row(
            value=None, round="Final Jeopardy!", question="'She was born around 1596'", answer="Pocahontas"
        ),
    ]
    loaded = load_dataset(str(write_json(tmp_path / "dump.json", rows)))
    assert loaded.name == "jeopardy"
    assert [q.dataset for q in loaded.questions] == ["jeopardy"] * 3
    first, dd, final = sorted(loaded.questions, key=lambda q: (q.value is None, q.value or 0))
    assert first.clue == "This Roman road was begun in 312 B.C."
    assert first.value == 400 and first.show_number == 4680 and first.air_date == dt.date(2004, 12, 31)
    assert first.id.startswith("4680-") and len(first.id) == 11
    assert first.metadata == {"daily_double": False, "difficulty": 2, "decade": 2000}
    assert dd.metadata["daily_double"] is True and "difficulty" not in dd.metadata
    assert final.value is None and final.metadata["difficulty"] == 5
    assert loaded.report.dropped == {"media clue": 1}
    assert loaded.origin.startswith("file ") and "(3 questions)" in loaded.origin


def test_media_clues_kept_on_request(tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "d.json", [kaggle_row(), kaggle_row(question="'This man seen here'", answer="x")]
    )
    loaded = load_dataset(str(path), options=DataOptions(include_media=True))
    assert len(loaded.questions) == 2
    assert [q.metadata.get("media") for q in loaded.questions].count("image") == 1


def test_duplicates_are_dropped_and_counted(tmp_path: Path) -> None:
    path = write_json(tmp_path / "d.json", [kaggle_row(), kaggle_row(), kaggle_row(category="history ")])
    loaded = load_dataset(str(path))
    assert len(loaded.questions) == 1
    assert loaded.report.dropped == {"duplicate": 2}


def test_same_clue_from_csv_and_json_has_the_same_key(tmp_path: Path) -> None:
    json_path = write_json(tmp_path / "d.json", [kaggle_row(question="'Rome &amp; <i>Italy</i>'")])
    csv_path = tmp_path / "JEOPARDY_CSV.csv"
    csv_path.write_text(
        "Show Number, Air Date, Round, Category, Value, Question, Answer\n"
        "4680,2004-12-31,Jeopardy!,HISTORY,$400,Rome & Italy,the Appian Way\n",
        encoding="utf-8",
    )
    assert load_dataset(str(json_path)).questions[0].key == load_dataset(str(csv_path)).questions[0].key


def test_custom_jsonl_with_kinds_metadata_and_attachments(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "cat.png").write_bytes(b"\x89PNG")
    rows = [
        {
            "id": "q1",
            "question": "What animal?",
            "answer": "cat",
            "attachments": ["img/cat.png"],
            "source": "me",
        },
        {"question": "Give JSON", "schema": {"type": "object"}, "expected": {"a": 1}},
        {
            "question": "Call it",
            "tools": [{"type": "function", "function": {"name": "f"}}],
            "expected_call": {"name": "f", "arguments": {}},
        },
    ]
    path = tmp_path / "mine.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    loaded = load_dataset("mine.jsonl", base_dir=tmp_path)
    assert loaded.name == "mine"
    by_clue = {q.clue: q for q in loaded.questions}
    q1 = by_clue["What animal?"]
    assert q1.id == "q1" and q1.dataset == "mine" and q1.key == "mine:q1"
    assert q1.attachments == (str((tmp_path / "img" / "cat.png").resolve()),)
    assert q1.metadata == {"source": "me"}
    js = by_clue["Give JSON"]
    assert js.metadata == {} and (js.schema, js.expected) == ({"type": "object"}, {"a": 1})
    assert js.answer == '{"a": 1}' and len(js.id) == 10
    call = by_clue["Call it"]
    assert call.expected_call == {"name": "f", "arguments": {}} and call.tools == ({"type": "function",
                                                                                  "function": {"name": "f"}},)


def test_custom_csv_parses_json_cells_and_empty_cells(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text(
        "question,answer,category,value,round,air_date,schema,expected,difficulty_note\n"
        "Q1,A1,Geo,$400,DJ,1999-01-04,,,\n"
        'Q2,,,,,,"{""type"": ""object""}","{""x"": 2}",hard\n',
        encoding="utf-8",
    )
    q1, q2 = sorted(load_dataset(str(path)).questions, key=lambda q: q.clue)
    assert (q1.category, q1.value, q1.round, q1.air_date) == (
        "Geo",
        400,
        "Double Jeopardy!",
        dt.date(1999, 1, 4),
    )
    assert q1.metadata == {"daily_double": False, "difficulty": 2, "decade": 1990}
    assert q2.metadata == {"difficulty_note": "hard"} and (q2.schema, q2.expected) == ({"type": "object"}, {"x": 2})


def test_a_few_bad_rows_are_dropped_with_file_and_line(tmp_path: Path) -> None:
    lines = [json.dumps({"question": f"q{i}", "answer": f"a{i}"}) for i in range(8)]
    lines.insert(2, '{"question": "no answer"}')
    lines.insert(5, "{broken")
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    loaded = load_dataset(str(path))
    assert len(loaded.questions) == 8
    assert loaded.report.dropped == {"missing answer": 1, "malformed": 1}
    assert loaded.report.examples == (
        f"{path}:3: no 'answer' (or 'expected' / 'expected_call')",
        f"{path}:6: invalid JSON: Expecting property name enclosed in double quotes",
    )


def test_mostly_bad_file_stops_with_the_first_problem(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text("prompt,response\nhi,there\nhow,are\nyou,today\n", encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        load_dataset(str(path))
    assert str(info.value) == (
        f"{path}:2: 3 of 3 rows cannot be used (missing question 3); "
        "the first: no 'question' field (fields: prompt, response)"
    )
    assert info.value.line == 2


def test_malformed_value_is_named(tmp_path: Path) -> None:
    rows = [{"question": "a", "answer": "b", "value": "lots"}]
    path = tmp_path / "q.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    with pytest.raises(DatasetError, match=r"q\.json:1: .*value 'lots' is not a dollar amount"):
        load_dataset(str(path))


def test_invalid_kind_fields(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("- question: a\n  schema: {type: object}\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="'schema' needs an 'expected' value"):
        load_dataset(str(path))
    path.write_text("- question: a\n  answer: b\n  attachments: [missing.png]\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"attachment 'missing\.png' not found"):
        load_dataset(str(path))


def test_duplicate_explicit_ids_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(
        "- {id: x, question: a, answer: b}\n"
        "- {id: x, question: c, answer: d}\n"
        "- {id: y, question: e, answer: f}\n",
        encoding="utf-8",
    )
    loaded = load_dataset(str(path))
    assert [q.id for q in loaded.questions] == ["x", "y"]
    assert loaded.report.examples == (f"{path}:2: id 'x' already used at line 1",)


def test_unknown_name_and_missing_file_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        load_dataset("trivia", base_dir=tmp_path)
    assert str(info.value) == (
        "Unknown dataset 'trivia': use 'jeopardy' or a path to a .csv/.json/.jsonl/.yaml file."
    )
    with pytest.raises(UsageError, match=r"Dataset file 'nope\.jsonl' does not exist"):
        load_dataset("nope.jsonl", base_dir=tmp_path)


def test_empty_file_and_everything_filtered(tmp_path: Path) -> None:
    empty = tmp_path / "e.json"
    empty.write_text("[]", encoding="utf-8")
    with pytest.raises(DatasetError, match="contains no questions"):
        load_dataset(str(empty))
    path = write_json(tmp_path / "d.json", [kaggle_row()])
    with pytest.raises(
        UsageError, match=r"No question of dataset .* matches the filters \(category 'SCIENCE'\)"
    ):
        load_dataset(str(path), options=DataOptions(category="SCIENCE"))


def test_filters_apply_and_are_counted(tmp_path: Path) -> None:
    rows = [
        kaggle_row(),
        kaggle_row(
            category="SCIENCE", question="'Water boils at 100 degrees on this scale'", answer="Celsius"
        ),
    ]
    loaded = load_dataset(str(write_json(tmp_path / "d.json", rows)), options=DataOptions(category="sci*"))
    assert [q.category for q in loaded.questions] == ["SCIENCE"]
    assert loaded.report.filtered == 1


def test_loads_are_memoised_and_refresh_when_the_file_changes(tmp_path: Path) -> None:
    path = write_json(tmp_path / "d.json", [kaggle_row()])
    first = load_dataset(str(path))
    second = load_dataset(str(path))
    assert first.questions == second.questions and first.questions is not second.questions
    assert first.questions[0] is second.questions[0]  # the same objects: not read twice
    write_json(path, [kaggle_row(), kaggle_row(answer="Via Appia", question="'Roman road, in Latin'")])
    assert len(load_dataset(str(path)).questions) == 2


def test_read_questions_can_report_a_mostly_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"question": "a"}\n{"question": "b"}\n{"question": "c", "answer": "d"}\n', encoding="utf-8"
    )
    _, questions, report = read_questions(path, stop_when_mostly_bad=False)
    assert len(questions) == 1 and report.dropped == {"missing answer": 2}


def test_odd_types_in_a_hand_made_file_do_not_crash(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(
        "- {question: a, answer: b, round: [1], show_number: [2]}\n"
        "- {question: c, answer: d, round: 7, show_number: 12}\n"
        "- {question: e, answer: f}\n",
        encoding="utf-8",
    )
    loaded = load_dataset(str(path))
    assert [(q.round, q.show_number) for q in loaded.questions] == [("7", 12), (None, None)]
    assert loaded.report.dropped == {"malformed": 1}
    assert loaded.report.examples[0].endswith("q.yaml:1: show_number '[2]' is not a number")


def test_options_accept_lists_and_strings_and_stay_hashable(tmp_path: Path) -> None:
    options = DataOptions(rounds=["J"], cache_dir=str(tmp_path))  # type: ignore[arg-type]
    assert options.rounds == ("J",) and options.cache_dir == tmp_path
    assert hash(options) == hash(DataOptions(rounds=("J",), cache_dir=tmp_path))


def test_a_folder_is_not_a_dataset(tmp_path: Path) -> None:
    (tmp_path / "questions").mkdir()
    with pytest.raises(UsageError, match="is a folder"):
        load_dataset("questions", base_dir=tmp_path)


def test_gc_state_is_restored_after_a_load(tmp_path: Path) -> None:
    import gc

    path = write_json(tmp_path / "d.json", [kaggle_row()])
    assert gc.isenabled()
    load_dataset(str(path))
    assert gc.isenabled()
    gc.disable()
    try:
        load_dataset(str(path), options=DataOptions(include_media=True))
        assert not gc.isenabled()
    finally:
        gc.enable()
