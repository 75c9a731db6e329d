from __future__ import annotations

import argparse
import json
from pathlib import Path

import kagglehub
import pytest

from pytest_llmbench.cli.data import register


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="llmbench")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _no_download(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kagglehub, "dataset_download", lambda *a, **k: pytest.fail("no downloads in tests"))


def test_stats_of_the_sample(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["data", "stats", "jeopardy", "--offline"], capsys)
    assert code == 0 and err == ""
    assert out.startswith("Dataset jeopardy: bundled sample (303 clues; Kaggle dataset not available:")
    assert "rows read:   307" in out and "By round and value:" in out and "By decade: 1990s 123" in out


def test_stats_json_with_filters(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        ["data", "stats", "jeopardy-sample", "--json", "--round", "FJ", "--round", "TB"], capsys
    )
    payload = json.loads(out)
    assert code == 0 and payload["questions"] == 7 and payload["filtered"] == 296
    assert set(payload["rounds"]) == {"Final Jeopardy!", "Tiebreaker"}


def test_validate_ok_and_with_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"question": "a", "answer": "b"}\n', encoding="utf-8")
    code, out, _ = _run(["data", "validate", str(good)], capsys)
    assert code == 0 and "OK: every row is usable." in out
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"question": "a"}\n{"question": "b"}\n{"question": "c", "answer": "d"}\n', encoding="utf-8"
    )
    code, out, _ = _run(["data", "validate", str(bad)], capsys)
    assert code == 1
    assert f"{bad}:1: no 'answer'" in out and "2 of 3 rows cannot be used" in out


def test_validate_unreadable_file_is_exit_2_with_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(["data", "validate", str(tmp_path / "nope.csv")], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("llmbench: Dataset file ")


def test_sample_text_and_jsonl_are_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["data", "sample", "jeopardy-sample", "--size", "5", "--seed", "3", "--format", "jsonl"]
    code, out, _ = _run(argv, capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 5 and all(r["key"].startswith("jeopardy:") for r in rows)
    assert _run(argv, capsys)[1] == out
    code, text, _ = _run(
        ["data", "sample", "jeopardy-sample", "--size", "0.01", "--method", "balanced"], capsys
    )
    assert code == 0 and text.startswith("3 of 303 questions from bundled sample (303 clues)")


def test_sample_bad_size_and_bad_column(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["data", "sample", "jeopardy-sample", "--size", "lots"], capsys)
    assert (
        code == 2
        and err == "llmbench: Sample size 'lots' is neither a count (50) nor a fraction (0.1) nor 'all'.\n"
    )
    code, _, err = _run(["data", "sample", "jeopardy-sample", "--stratify", "colour"], capsys)
    assert code == 2 and "Unknown stratify column 'colour'" in err


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="llmbench")
    register(parser.add_subparsers(dest="command"))
    for argv in (
        ["data", "--help"],
        ["data", "stats", "--help"],
        ["data", "validate", "--help"],
        ["data", "sample", "--help"],
    ):
        with pytest.raises(SystemExit) as info:
            parser.parse_args(argv)
        assert info.value.code == 0
        assert "usage: llmbench data" in capsys.readouterr().out


def test_bad_date_is_an_argparse_error(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="llmbench")
    register(parser.add_subparsers(dest="command"))
    with pytest.raises(SystemExit) as info:
        parser.parse_args(["data", "stats", "--from", "yesterday"])
    assert info.value.code == 2
    assert "'yesterday' is not a YYYY-MM-DD date" in capsys.readouterr().err
