from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmbench.errors import UsageError
from pytest_llmbench.outcome.gates import GateResult, Gates
from pytest_llmbench.outcome.summary import RunSummary
from pytest_llmbench.report.step_summary import append_step_summary, escape, render_markdown
from pytest_llmbench.types import Outcome, ResultRecord


def _summary(model: str = "org/model") -> RunSummary:
    records = [ResultRecord(model=model, question_key=f"d:{i}", outcome=Outcome.PASSED if i else Outcome.FAILED,
                            correct=bool(i), cost_usd=0.01) for i in range(4)]
    summary = RunSummary.from_records(records, run_id=3, dataset="jeopardy")
    summary.gates = Gates([GateResult(f"{model} accuracy", True, "0.750 >= 0.500")])
    return summary


def test_table_and_gates() -> None:
    text = render_markdown(_summary())
    assert "## LLM benchmark — run 3" in text
    assert "| org/model | 4 | 3 | 75.0% |" in text
    assert "Gate verdict: **all gates passed**" in text
    assert "- ✅ PASS org/model accuracy: 0.750 &gt;= 0.500" in text  # renders as >=


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a|b", "a\\|b"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("*bold* _it_ `code` [link](http://x)", "\\*bold\\* \\_it\\_ \\`code\\` \\[link\\](http://x)"),
        ("two\nlines", "two lines"),
    ],
)
def test_user_text_cannot_break_the_table_or_inject_html(raw: str, expected: str) -> None:
    assert escape(raw) == expected


def test_a_hostile_model_name_stays_in_its_cell() -> None:
    row = next(line for line in render_markdown(_summary("evil|<b>x</b>")).splitlines() if "evil" in line)
    assert row.count("|") - row.count("\\|") == 9  # 8 columns


def test_appended_only_when_the_variable_is_set(tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    target.write_text("before\n")
    assert append_step_summary(_summary(), environ={}) is None
    assert append_step_summary(_summary(), environ={"GITHUB_STEP_SUMMARY": str(target)}) == target
    assert target.read_text().startswith("before\n## LLM benchmark")
    with pytest.raises(UsageError, match="GITHUB_STEP_SUMMARY"):
        append_step_summary(_summary(), environ={"GITHUB_STEP_SUMMARY": str(tmp_path / "no" / "such" / "f")})
