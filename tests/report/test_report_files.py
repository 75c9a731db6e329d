"""JSON, CSV and Markdown reports: complete, machine-readable, and safe with hostile text."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from _records import EVIL_ANSWER

from pytest_llmbench.errors import UsageError
from pytest_llmbench.report.files import CSV_COLUMNS, render_csv, render_json, write_report
from pytest_llmbench.report.markdown import md_escape, render_markdown
from pytest_llmbench.report.model import ReportData
from pytest_llmbench.types import ResultRecord


def test_json_is_the_whole_run(report: ReportData, records: list[ResultRecord]) -> None:
    data = json.loads(render_json(report))
    assert data["format"] == "pytest-llmbench-run"
    assert len(data["records"]) == len(records) == 120  # 40 x 3, the errored item included
    assert [ResultRecord.from_dict(r) for r in data["records"]] == records
    models = {m["model"]: m for m in data["summary"]["models"]}
    assert models["sim/weak"]["simulated"] is True and models["openai/gpt-4o-mini"]["simulated"] is False
    assert len(data["comparisons"]) == 3


def test_csv_has_one_row_per_item_and_neutralises_formulas(report: ReportData) -> None:
    report.records[0] = ResultRecord.from_dict({**report.records[0].to_dict(), "response_text": "=HYPERLINK(1)"})
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert len(rows) == len(report.records)
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0]["response_text"] == "'=HYPERLINK(1)"
    evil = [r for r in rows if r["question_key"] == "custom:q3"]
    assert evil and all(r["response_text"] == EVIL_ANSWER for r in evil)  # the data itself is kept as is


def test_markdown_escapes_untrusted_text() -> None:
    assert md_escape("a | b `c` <script> *x* [l](u) \\") == ("a \\| b \\`c\\` &lt;script&gt; \\*x\\* \\[l\\](u) \\\\")
    assert md_escape("line\nbreak", limit=8) == "line br…"


def test_markdown_report(report: ReportData) -> None:
    hostile = "a | b | c <script>x</script>"
    report.records = [
        ResultRecord.from_dict({**r.to_dict(), "response_text": hostile}) if r.correct is False else r
        for r in report.records
    ]
    text = render_markdown(report.summary, report.records)
    assert "a \\| b \\| c &lt;script&gt;" in text
    assert "<script" not in text and "<img" not in text
    # A pipe inside a reply must not add a column: every row has as many cells as its table's header.
    columns = None
    for line in text.splitlines():
        if not line.startswith("|"):
            columns = None
            continue
        count = line.replace("\\|", "").count("|")
        columns = columns or count
        assert count == columns, line
    assert "sim/weak *(simulated)*" in text
    assert "exact McNemar" in text
    assert "questions where the models disagree" in text


def test_write_report_creates_folders_and_rejects_unknown_kinds(report: ReportData, tmp_path: Path) -> None:
    out = write_report("md", tmp_path / "deep" / "er" / "summary.md", report)
    assert out.read_text(encoding="utf-8").startswith("## ")
    with pytest.raises(UsageError, match="Unknown report kind"):
        write_report("pdf", tmp_path / "x.pdf", report)
