"""Progress: which display where, plain lines that stay few, and pytest's lines routed above the bars."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from pytest_llmbench._plugin.progress import LineRouter, PlainProgress, RichProgress, choose_mode
from pytest_llmbench.types import Outcome, ResultRecord

pytest_plugins = ["pytester"]


def _record(model: str = "m", cost: float = 0.01) -> ResultRecord:
    return ResultRecord(model=model, question_key="k", outcome=Outcome.PASSED, correct=True, cost_usd=cost)


def test_mode_per_environment() -> None:
    assert choose_mode(isatty=True, controller=False, quiet=False, environ={}) == "rich"
    assert choose_mode(isatty=True, controller=False, quiet=False, environ={"CI": "true"}) == "plain"
    assert choose_mode(isatty=False, controller=False, quiet=False, environ={}) == "plain"
    assert choose_mode(isatty=True, controller=True, quiet=False, environ={}) == "plain"
    assert choose_mode(isatty=True, controller=False, quiet=True, environ={}) == "off"


def test_plain_lines_at_quarters_only() -> None:
    lines: list[str] = []
    ticks = iter(range(1000))
    plain = PlainProgress(lines.append, clock=lambda: float(next(ticks)))
    plain.start({"a": 50, "b": 50})
    for _ in range(100):
        plain.update(_record())
    plain.close()
    assert lines[0] == "llmbench: 100 items over 2 model(s)"
    assert [line.split(",")[0] for line in lines[1:4]] == [
        "llmbench: 25/100 items (25%)",
        "llmbench: 50/100 items (50%)",
        "llmbench: 75/100 items (75%)",
    ]
    assert "$0.2500 spent" in lines[1] and "s left" in lines[1]
    assert lines[4].startswith("llmbench: 100 items done in") and "$1.00 spent" in lines[4]
    assert len(lines) == 5


def test_plain_lines_without_a_total_every_n_items() -> None:
    lines: list[str] = []
    plain = PlainProgress(lines.append, every=10)
    for _ in range(35):
        plain.update(_record(cost=0.0))
    assert [line.split(",")[0] for line in lines] == ["llmbench: 10 items", "llmbench: 20 items", "llmbench: 30 items"]


def test_router_hands_whole_lines_to_the_display() -> None:
    terminal, after = io.StringIO(), io.StringIO()
    display = RichProgress(terminal, console=Console(file=terminal, force_terminal=True, width=100, markup=False))
    router = LineRouter(after, display)
    display.start({"[bold]model": 3})  # a model id that looks like rich markup prints literally
    router.write("..F")
    assert "..F" not in terminal.getvalue()  # a partial line waits
    router.write(".  [ 50%]\n..")
    display.update(_record("[bold]model"))
    display.close()
    out = terminal.getvalue()
    assert "..F.  [ 50%]" in out
    assert "[bold]model" in out and "1/3" in out  # the bar was drawn, the id printed literally
    router.write("x\n")  # once the display is gone, lines go straight through again
    router.flush()
    assert after.getvalue() == "..x\n"


def test_plain_progress_in_a_pytest_run_goes_to_stderr(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".jsonl", questions="\n".join(json.dumps({"question": f"Clue {i}", "answer": f"A{i}"}) for i in range(20))
    )
    pytester.makepyfile(test_quiz="def test_quiz(llm_result):\n    pass\n")
    result = pytester.runpytest_subprocess(
        "--llm-dataset=questions.jsonl",
        "--llm-sample=all",
        "-q",
        "--llm-models=sim/fast-cheap,sim/weak",
        "-p",
        "no:cacheprovider",
    )
    assert result.ret == 0
    err = [line for line in result.stderr.lines if line.startswith("llmbench:")]
    assert err[0] == "llmbench: 40 items over 2 model(s)"
    assert err[-1].startswith("llmbench: 40 items done in")
    assert len(err) == 5  # start, three quarters, end: never a line per item
    assert not any(line.startswith("llmbench:") for line in result.stdout.lines)
