"""Progress: which display where, plain lines that stay few, and pytest's lines routed above the bars."""

from __future__ import annotations

import io
import json
import re

import pytest
from rich.console import Console

from pytest_llmbench._plugin.progress import LineRouter, PlainProgress, RichProgress, choose_mode
from pytest_llmbench.types import Outcome, ResultRecord

pytest_plugins = ["pytester"]


def _record(model: str = "m", cost: float = 0.01, correct: bool = True) -> ResultRecord:
    outcome = Outcome.PASSED if correct else Outcome.FAILED
    return ResultRecord(model=model, question_key="k", outcome=outcome, correct=correct, cost_usd=cost)


def test_mode_per_environment() -> None:
    assert choose_mode(isatty=True, controller=False, quiet=False, environ={}) == "rich"
    assert choose_mode(isatty=True, controller=False, quiet=False, environ={"CI": "true"}) == "plain"
    assert choose_mode(isatty=False, controller=False, quiet=False, environ={}) == "plain"
    assert choose_mode(isatty=True, controller=True, quiet=False, environ={}) == "plain"
    assert choose_mode(isatty=True, controller=False, quiet=True, environ={}) == "off"


def test_plain_lines_at_tenths_only() -> None:
    lines: list[str] = []
    ticks = iter(range(1000))
    plain = PlainProgress(lines.append, clock=lambda: float(next(ticks)), seconds=float("inf"))
    plain.start({"a": 50, "b": 50})
    for i in range(100):
        plain.update(_record("a" if i % 2 else "b", correct=i % 4 != 0))
    plain.close()
    assert lines[0] == "llmbench: 100 items over 2 model(s)"
    tenths = [f"llmbench: {n}/100 items ({n}%)" for n in range(10, 100, 10)]
    assert [line.split(",")[0] for line in lines[1:10]] == tenths
    assert "$0.1000 spent" in lines[1] and "s left" in lines[1]
    # per model: done of total, right, wrong, errors and the running accuracy
    assert "; a 5/50: 5 right, 0 wrong, 0 errors (100.0%); b 5/50: 2 right, 3 wrong, 0 errors (40.0%)" in lines[1]
    assert lines[10].startswith("llmbench: 100 items done in") and "$1.00 spent" in lines[10]
    assert len(lines) == 11


def test_plain_line_after_30_seconds_between_tenths_and_retries_counted() -> None:
    lines: list[str] = []
    now = [0.0]
    plain = PlainProgress(lines.append, clock=lambda: now[0])
    plain.start({"a": 1000})
    for _ in range(3):
        now[0] += 31.0  # a slow model: three items in 93 s, far from the first tenth
        plain.update(ResultRecord(model="a", question_key="k", outcome=Outcome.ERROR, attempts=3))
    assert len(lines) == 4, lines
    assert lines[-1].startswith("llmbench: 3/1,000 items (0%)")
    assert "a 3/1000: 0 right, 0 wrong, 3 errors, 6 retries" in lines[-1]


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


def _quiz(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".jsonl", questions="\n".join(json.dumps({"question": f"Clue {i}", "answer": f"A{i}"}) for i in range(20))
    )
    pytester.makepyfile(test_quiz="def test_quiz(llm_result):\n    pass\n")


def _progress_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stdout.lines if "llmbench: " in line]


def test_plain_progress_in_a_pytest_run_is_on_lines_of_its_own(pytester: pytest.Pytester) -> None:
    # Behaviour changed deliberately (issue 15): the lines used to go to stderr, which a CI log (stdout and
    # stderr merged) glued to pytest's dots; they now go through pytest's writer, each on a line of its own.
    _quiz(pytester)
    result = pytester.runpytest_subprocess(
        "--llm-dataset=questions.jsonl", "--llm-sample=all", "--llm-models=sim/fast-cheap,sim/weak",
        "-p", "no:cacheprovider", "-p", "no:randomly",
    )
    assert result.ret == 0
    lines = _progress_lines(result)
    assert all(line.startswith("llmbench: ") for line in lines), lines  # never after a run of dots
    assert lines[0] == "llmbench: 40 items over 2 model(s)"
    assert lines[-1].startswith("llmbench: 40 items done in")
    assert len(lines) == 11  # start, nine tenths, end: never a line per item
    assert re.search(r"; sim/fast-cheap 2/20: (\d) right, (\d) wrong, 0 errors \(\d+\.\d%\); sim/weak 2/20: ", lines[1])
    assert not any(line.startswith("llmbench:") for line in result.stderr.lines)


def test_progress_under_xdist_has_totals_and_an_eta(pytester: pytest.Pytester) -> None:
    _quiz(pytester)
    result = pytester.runpytest_subprocess(
        "--llm-dataset=questions.jsonl", "--llm-sample=all", "--llm-models=sim/fast-cheap,sim/weak",
        "-p", "no:cacheprovider", "-p", "no:randomly", "-n", "2",
    )
    assert result.ret == 0
    lines = _progress_lines(result)
    assert all(line.startswith("llmbench: ") for line in lines), lines
    assert "llmbench: 40 items over 2 model(s)" in lines
    middle = [line for line in lines if "/40 items (" in line]
    assert middle and all("s left" in line for line in middle)
    assert lines[-1].startswith("llmbench: 40 items done in")
