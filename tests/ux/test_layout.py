"""The summary fits the terminal: the wide table where there is room, a compact layout at 80 columns (issue 15, 2)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest

from pytest_llmbench.outcome.summary import RunSummary
from pytest_llmbench.report import terminal
from pytest_llmbench.types import Outcome, ResultRecord

LONG = "meta-llama/llama-3.1-405b-instruct"
WIDE_HEADERS = ("items", "correct", "accuracy (95% CI)", "errors", "skipped", "latency mean / p95",
                "tokens in / out", "cost", "$ / correct")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def _summary(*models: str) -> RunSummary:
    records = [
        ResultRecord(model=m, question_key=f"q{i}", outcome=Outcome.PASSED if (i + k) % 3 else Outcome.FAILED,
                     correct=bool((i + k) % 3), latency_ms=120.0 + i, prompt_tokens=40, completion_tokens=8,
                     cost_usd=0.0004)
        for k, m in enumerate(models) for i in range(30)
    ]
    return RunSummary.from_records(records)


def test_wide_where_there_is_room_compact_at_80_and_names_are_never_cut() -> None:
    summary = _summary("openai/gpt-4o-mini", "anthropic/claude-3.5-haiku", "sim/fast-cheap")
    wide = terminal.render(summary, width=200)
    assert all(f" {h} " in wide for h in WIDE_HEADERS)
    assert "only A" in wide and "both wrong" in wide
    narrow = terminal.render(summary, width=80)
    assert max(map(len, narrow.splitlines())) <= 80
    assert "…" not in narrow
    for model in ("openai/gpt-4o-mini", "anthropic/claude-3.5-haiku", "sim/fast-cheap"):
        assert f"│ {model}" in narrow  # full name in the compact table
        assert re.search(rf"^{re.escape(model)}\n    items 30 · errors 0", narrow, re.M), narrow  # details
    # Two long names do not leave room for the paired table's core columns: every pair is stacked, complete.
    assert re.search(r"^openai/gpt-4o-mini vs sim/fast-cheap\n    pairs 30 · both right 10 · only A", narrow, re.M)
    shorter = terminal.render(_summary("openai/gpt-4o-mini", "sim/fast-cheap"), width=80)
    assert "│ openai/gpt-4o-mini │ sim/fast-cheap │" in shorter
    assert re.search(r"^openai/gpt-4o-mini vs sim/fast-cheap\n    pairs 30 · both right", shorter, re.M)
    # Every value of the wide table is still there, stacked.
    assert narrow.count("latency mean / p95 ") == 3 and narrow.count("$ / correct ") == 3


def test_stacked_when_even_the_core_columns_do_not_fit() -> None:
    summary = _summary(LONG + "-with-a-very-long-suffix-for-testing", "sim/weak")
    out = terminal.render(summary, width=50)
    assert max(map(len, out.splitlines())) <= 50
    assert "┃" not in out.split("Paired comparison")[0]  # no table at all
    assert re.search(r"^sim/weak\n    items 30 · correct 20 · accuracy \(95% CI\)\n    66\.7%", out, re.M), out


def test_a_new_column_drops_into_both_layouts(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = terminal.Column[object]("retries", lambda m: "7")
    monkeypatch.setattr(terminal, "MODEL_COLUMNS", [*terminal.MODEL_COLUMNS, extra])
    summary = _summary("openai/gpt-4o-mini", "sim/weak")
    assert " retries " in terminal.render(summary, width=200)
    assert "· retries 7" in terminal.render(summary, width=80)


@pytest.mark.skipif(shutil.which("script") is None, reason="needs util-linux script(1) for a pseudo-terminal")
@pytest.mark.parametrize("columns", [80, 200])
def test_under_a_real_pseudo_terminal(project: pytest.Pytester, columns: int) -> None:
    command = (f"stty cols {columns} rows 50; {shlex.quote(sys.executable)} -m pytest -p no:cacheprovider "
               "-p no:randomly --llm-models=sim/strong,sim/fast-cheap,sim/weak --llm-min-accuracy=0.1")
    # COLUMNS/LINES from the caller's environment (CI runners set COLUMNS=80) outrank the pseudo-terminal's own size
    # in both pytest and rich; the test is about the real terminal's width, so they must not leak in.
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    run = subprocess.run(["script", "-q", "-e", "-c", command, "/dev/null"], cwd=project.path, capture_output=True,
                         text=True, timeout=300, env=env)
    screen = ANSI.sub("", run.stdout)
    assert run.returncode == 0, screen
    summary = screen[screen.index("LLM benchmark summary"):]
    # The wrong answers fit the terminal too: only their replies and reasons may be shortened, never the ids.
    wrong = screen[screen.index("wrong answers"):screen.index("LLM benchmark summary")].splitlines()
    assert max(len(line) for line in wrong) <= columns, "\n".join(wrong)
    assert sum(bool(re.match(r"  sim/weak q\d+: expected '", line)) for line in wrong) >= 1
    lines = summary.splitlines()
    assert max(len(line) for line in lines) <= columns, summary
    assert "…" not in summary
    assert lines[-1].startswith("=") and "passed" in lines[-1]
    assert lines[-2].startswith("stored as run") and lines[-3] == "gate verdict: all gates passed"
    if columns == 80:
        assert "│ sim/fast-cheap (simulated) │" in summary and "latency mean / p95 " in summary
        assert " tokens in / out ┃" not in summary
    else:
        assert all(f" {h} ┃" in summary or f" {h} ┓" in summary for h in WIDE_HEADERS), summary
