"""``llmbench runs|report|cache``: the stored history from the command line."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import stat
from pathlib import Path

import pytest

from pytest_llmbench.cli import build_parser, main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["runs", "list"],
        ["runs", "show"],
        ["runs", "compare"],
        ["runs", "export"],
        ["report"],
        ["cache", "stats"],
        ["cache", "clear"],
        ["runs"],
        ["cache"],
    ):
        with pytest.raises(SystemExit) as exit_info:
            build_parser().parse_args([*argv, "--help"])
        assert exit_info.value.code == 0
        assert "usage: llmbench" in capsys.readouterr().out


def test_list_and_show(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "runs", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split()[:2] == ["2", lines[1].split()[1]] and "candidate" in lines[1]
    assert "baseline" in lines[2] and "pass" in lines[2]
    code, out, _ = run(capsys, "runs", "show", "1")
    assert code == 0
    assert "1 (baseline)" in out
    assert "openai/gpt-4o-mini" in out and "60.0%" in out  # 18 of 30
    assert "sim/weak (simulated)" in out and "40.0%" in out


def test_compare_shows_paired_differences_and_significance(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "runs", "compare", "1", "2")
    assert code == 0
    gpt = next(line for line in out.splitlines() if line.startswith("openai/gpt-4o-mini @1"))
    # Run 2 gets 9 of 10 right where run 1 got 6: 9 questions only B right, none only A right, p = 2/2^9.
    cells = gpt.split()
    assert cells[4:9] == ["30", "60.0%", "90.0%", "0", "9"]
    assert "0.0039" in gpt and "better" in gpt and "in run 2" in gpt
    weak = next(line for line in out.splitlines() if line.startswith("sim/weak @1"))
    assert "no significant difference" in weak


FLIPPED = [f"quiz:q{q}" for q in range(30) if q % 10 in (6, 7, 8)]  # right in run 2 only


def test_compare_lists_the_flipped_questions(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "runs", "compare", "1", "2")
    assert code == 0
    section = out[out.index("openai/gpt-4o-mini: cost") :].split("\n\n")[0].splitlines()
    assert "9 flipped question(s)" in section[0]
    assert [line.split() for line in section[1:]] == [[key, "wrong", "->", "right"] for key in FLIPPED]
    assert "sim/weak: cost $0.0030 -> $0.0030; 0 flipped question(s)" in out

    code, out, _ = run(capsys, "runs", "compare", "1", "2", "--format", "json")
    data = json.loads(out)
    assert code == 0 and (data["a"]["id"], data["b"]["id"]) == (1, 2)
    gpt = next(m for m in data["models"] if m["model_a"] == "openai/gpt-4o-mini")
    assert [f["question"] for f in gpt["flipped"]] == FLIPPED
    assert all(f["b_correct"] and not f["a_correct"] for f in gpt["flipped"])
    assert (gpt["a_only"], gpt["b_only"], gpt["pairs"]) == (0, 9, 30) and gpt["p_value"] == pytest.approx(2 / 2**9)


def test_compare_one_model_against_another(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "runs", "compare", "2", "2", "--model-a", "openai/gpt-4o-mini", "--model-b", "sim/weak")
    assert code == 0 and "openai/gpt-4o-mini @2" in out and "sim/weak @2" in out
    code, _, err = run(capsys, "runs", "compare", "1", "2", "--model-a", "nope/model")
    assert code == 2 and err.startswith("llmbench: Run 1 has no results for nope/model")


def test_export_csv_and_json(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "runs", "export", "latest")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 60 and {r["run_id"] for r in rows} == {"2"}
    code, _, err = run(capsys, "runs", "export", "1", "--format", "json", "-o", "out/run1.json")
    data = json.loads((history / "out" / "run1.json").read_text())
    assert code == 0 and data["run"]["name"] == "baseline" and len(data["records"]) == 60
    assert "wrote 60 items" in err



def test_a_failed_export_is_one_sentence_and_keeps_the_old_file(
    history: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = history / "out" / "run.csv"
    target.parent.mkdir()
    target.write_text("the previous export\n")

    def full(src: str, dst: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("pytest_llmbench.report._atomic.os.replace", full)
    code, out, err = run(capsys, "runs", "export", "latest", "-o", str(target))
    assert code == 2 and out == ""
    assert err == f"llmbench: Cannot write the csv report to {target}: No space left on device.\n"
    assert target.read_text() == "the previous export\n"  # a reader never sees half an export
    assert sorted(p.name for p in target.parent.iterdir()) == ["run.csv"]  # and nothing is left over


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_an_export_to_a_full_device_fails_cleanly_and_keeps_the_device(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "runs", "export", "latest", "--format", "json", "-o", "/dev/full")
    assert code == 2 and "No space left on device" in err and len(err.splitlines()) == 1
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)

def test_report_writes_files(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "report", "1", "--html", "r/report.html", "--md", "r/report.md")
    assert code == 0
    html = (history / "r" / "report.html").read_text()
    assert "Run 1: baseline" in html and "clue 0 &lt;b&gt;|&lt;/b&gt;" in html
    assert (history / "r" / "report.md").read_text().startswith("## Run 1: baseline")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["runs", "show", "7"], "Run 7 does not exist"),
        (["runs", "show", "seven"], "'seven' is not a run id"),
        (["report", "1"], "Say which report to write"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(
    history: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("llmbench: ") and message in err and len(err.strip().splitlines()) == 1


def test_no_database_is_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "runs", "list")
    assert code == 2 and "There is no results database" in err
    assert not (tmp_path / ".llmbench").exists()


def test_db_option_and_config_file_choose_the_database(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (history / ".llmbench" / "results.db").rename(history / "moved.db")
    assert run(capsys, "runs", "list")[0] == 2
    assert run(capsys, "--db", "sqlite:///moved.db", "runs", "list")[0] == 0
    (history / "pyproject.toml").write_text('[tool.llmbench]\ndb = "sqlite:///moved.db"\n')
    code, out, _ = run(capsys, "runs", "list")
    assert code == 0 and "candidate" in out


def test_cache_stats_and_clear(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cache", "stats")
    assert code == 0 and "sim/weak" in out and out.splitlines()[-1].split() == ["total", "2"]
    code, out, _ = run(capsys, "cache", "clear")
    assert code == 0 and "Removed 2 cached answers" in out
    assert "empty" in run(capsys, "cache", "stats")[1]
    assert "candidate" in run(capsys, "runs", "list")[1]  # runs survive clearing the cache


def test_runs_list_never_shows_a_cached_or_unpriced_run_as_simply_free() -> None:
    from pytest_llmbench.cli.runs import cost_cell

    assert cost_cell({"cost_usd": 0.0, "cached": 30, "cost_saved_usd": 0.12}) == "$0 (30 cached, saved $0.1200)"
    assert cost_cell({"cost_usd": 0.5, "unpriced": 3}) == ">= $0.5000"
    assert cost_cell({"cost_usd": 0.0, "unpriced": 3, "cached": 0}) == ">= $0"
    assert cost_cell({"cost_usd": 0.25}) == "$0.2500"  # a run stored before these totals existed
