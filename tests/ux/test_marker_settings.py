"""What a marker set is what the run says it ran with; several benchmark tests get a per-test breakdown
(issue 15, item 5)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

SECOND = """
import pytest

@pytest.mark.llmbench(dataset="capitals.jsonl", grader="strict", sample=2)
def test_capitals(llm_result):
    llm_result.assert_correct()
"""


def _capitals(project: pytest.Pytester) -> None:
    rows = [{"id": f"c{i}", "question": f"Capital {i}", "answer": a} for i, a in enumerate(["Paris", "Rome", "Oslo"])]
    project.makefile(".jsonl", capitals="\n".join(json.dumps(r) for r in rows))


def _run_row(project: pytest.Pytester) -> tuple[str, str, str | None, str]:
    with sqlite3.connect(project.path / ".llmbench" / "results.db") as db:
        row: tuple[str, str, str | None, str] = db.execute(
            "select dataset, grader, sample, config from benchmark_runs"
        ).fetchone()
        return row


def _cli(project: pytest.Pytester, *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "pytest_llmbench", *args], cwd=project.path, capture_output=True,
                          text=True, check=True).stdout


def test_one_marked_test_is_reported_with_the_markers_settings(project: pytest.Pytester) -> None:
    project.makepyfile(test_quiz=SECOND)
    _capitals(project)
    project.runpytest_subprocess("-p", "no:cacheprovider", "--llm-models=sim/strong",
                                 "--llm-report=md:out.md", "--llm-report=json:out.json")
    dataset, grader, sample, config = _run_row(project)
    assert (dataset, grader, sample) == ("capitals.jsonl", "strict", "2")
    assert json.loads(config)["benchmarks"]["test_quiz.py::test_capitals"]["questions"] == 2
    shown = _cli(project, "runs", "show", "latest")
    assert "capitals.jsonl" in shown
    assert any(line.startswith("grader / seed / sample") and line.endswith(" strict / 42 / 2")
               for line in shown.splitlines()), shown
    md = (project.path / "out.md").read_text()
    assert "dataset capitals.jsonl · grader strict · sample 2" in md
    report = json.loads((project.path / "out.json").read_text())
    assert report["run"]["grader"] == "strict"
    assert report["settings"]["benchmarks"]["test_quiz.py::test_capitals"]["sample"] == "2"


def test_several_benchmark_tests_get_a_per_test_breakdown(project: pytest.Pytester) -> None:
    project.makepyfile(test_capitals=SECOND)
    _capitals(project)
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "--llm-models=sim/strong,sim/weak",
                                          "--llm-report=md:out.md")
    out = result.stdout.str()
    assert "Per benchmark test" in out
    for test in ("test_quiz", "test_capitals"):  # function names: unique, so short
        assert sum(line.startswith(f"│ {test} ") for line in result.stdout.lines) == 2, out
    dataset, grader, sample, _ = _run_row(project)
    assert sample is not None
    assert dataset == "questions.jsonl; capitals.jsonl" or dataset == "capitals.jsonl; questions.jsonl"
    assert set(grader.split("; ")) == {"lenient", "strict"} and set(sample.split("; ")) == {"all", "2"}
    md = (project.path / "out.md").read_text()
    assert "**Per benchmark test**" in md and "| test\\_capitals.py::test\\_capitals | sim/weak |" in md
