"""A run stopped early says so in its status and summary; its unfinished models are flagged (issue 15, 8)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from pytest_llmbench.testing import FakeOpenRouter, Fault, RequestContext, fixed

ARGS = ("-p", "no:cacheprovider", "-p", "no:randomly", "--llm-concurrency=1")


def _status(project: pytest.Pytester) -> list[tuple[str, str]]:
    with sqlite3.connect(project.path / ".llmbench" / "results.db") as db:
        return db.execute("select status, totals from benchmark_runs").fetchall()


def test_a_402_mid_run_is_a_stopped_run_with_a_partial_model(project: pytest.Pytester) -> None:
    def after_two(context: RequestContext) -> Fault | None:
        return Fault.http(402) if context.number > 2 else None

    with FakeOpenRouter(latency=0.0, policy=fixed("What is Mars?"), faults=after_two) as server:
        result = project.runpytest_subprocess(*ARGS, "--llm-models=openai/gpt-4o-mini",
                                              f"--llm-base-url={server.base_url}")
    out = result.stdout.str()
    assert "partial: 2 of 10 graded" in out  # in the table, instead of an accuracy
    assert "%" not in next(line for line in result.stdout.lines if line.startswith("│ openai/gpt-4o-mini"))
    result.stdout.fnmatch_lines([
        "stopped: the OpenRouter account is out of credits (402)*",
        "partial: openai/gpt-4o-mini was stopped after 2 of 10 items; on those, 50.0% [[]9-91] (not a result for "
        "the whole benchmark)",
    ])
    [(status, totals)] = _status(project)
    assert status == "stopped"
    assert '"partial": {"openai/gpt-4o-mini": {"graded": 2, "planned": 10}}' in totals


def test_the_budget_running_out_is_a_stop_too(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*ARGS, "--llm-models=sim/strong", "--llm-max-cost=0.0004")
    out = result.stdout.str()
    assert "stopped: the budget (--llm-max-cost) ran out" in out
    assert "partial: sim/strong was stopped after " in out
    assert _status(project)[0][0] == "stopped"


def test_a_finished_run_is_completed(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*ARGS, "--llm-models=sim/strong")
    summary = result.stdout.str().split("LLM benchmark summary")[1]
    assert "partial" not in summary and "stopped" not in summary
    assert _status(project)[0][0] == "completed"


def test_every_report_flags_the_partial_model_the_same_way(project: pytest.Pytester,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def after_two(context: RequestContext) -> Fault | None:
        return Fault.http(402) if context.number > 2 else None

    step = project.path / "step.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    reports = [f"--llm-report={kind}:out.{kind}" for kind in ("html", "json", "md")]
    with FakeOpenRouter(latency=0.0, policy=fixed("What is Mars?"), faults=after_two) as server:
        project.runpytest_subprocess(*ARGS, "--llm-models=openai/gpt-4o-mini", f"--llm-base-url={server.base_url}",
                                     *reports)
    flag = "partial: 2 of 10 graded"
    html = (project.path / "out.html").read_text()
    card = html[html.index('<article class="card"'):html.index("</article>")]
    assert flag in card and '<span class="badge">partial</span>' in card
    assert '<div class="acc">' not in card  # no plain accuracy on the card
    assert "partial: openai/gpt-4o-mini was stopped after 2 of 10 items" in html
    row = next(line for line in (project.path / "out.md").read_text().splitlines()
               if line.startswith("| openai/gpt-4o-mini"))
    assert f"**{flag}**" in row
    step_row = next(line for line in step.read_text().splitlines() if line.startswith("| openai/gpt-4o-mini"))
    assert f"**{flag}**" in step_row and "50.0%" not in step_row
    data = json.loads((project.path / "out.json").read_text())
    assert data["summary"]["models"][0]["partial"] == {"graded": 2, "planned": 10}
    assert data["summary"]["partial"] == {"openai/gpt-4o-mini": {"graded": 2, "planned": 10}}
    # Later, from the stored run alone (no live summary): llmbench runs show and llmbench report say it too.
    shown = subprocess.run([sys.executable, "-m", "pytest_llmbench", "runs", "show", "latest"], cwd=project.path,
                           capture_output=True, text=True, check=True).stdout
    assert flag in shown and "stopped: the OpenRouter account is out of credits (402)" in shown
    assert "partial: openai/gpt-4o-mini was stopped after 2 of 10 items" in shown
