"""Wrong answers: a line or two each in their own section; the summary and the gates come last (issue 15, 3)."""

from __future__ import annotations

import re

import pytest

from pytest_llmbench._plugin.wrong import ATTR, WrongLine, render

ARGS = ("-p", "no:cacheprovider", "-p", "no:randomly", "--llm-models=sim/weak")


def _lines(result: pytest.RunResult) -> list[str]:
    return result.stdout.lines


def test_wrong_answers_are_short_and_the_summary_is_last(project: pytest.Pytester) -> None:
    project.makepyfile(test_plain="def test_broken():\n    assert 1 == 2\n")
    result = project.runpytest_subprocess(*ARGS)
    lines = _lines(result)
    out = "\n".join(lines)
    wrong = [i for i, line in enumerate(lines) if re.match(r"  sim/weak q\d+: expected '", line)]
    assert wrong, out
    failed = result.parseoutcomes()["failed"]
    assert len(wrong) == failed - 1  # every wrong answer listed once; the ordinary failure is not one of them
    assert "answered wrongly" not in out  # no full failure block...
    assert "ItemResult(" not in out
    assert "def test_broken" in out  # ...but an ordinary failing test keeps its block
    assert "FAILED test_plain.py::test_broken" in out
    assert not any(line.startswith("FAILED test_quiz.py") for line in lines)
    # The order: failures, short summary, wrong answers, the llmbench summary, pytest's final line.
    start = lines.index(next(line for line in lines if "wrong answers" in line and line.startswith("-")))
    short = lines.index(next(line for line in lines if "short test summary info" in line))
    table = lines.index(next(line for line in lines if line.startswith("LLM benchmark summary")))
    assert short < start < table
    assert lines[-2].startswith("stored as run ")
    assert re.match(r"=+ \d+ failed, \d+ passed", lines[-1])


def test_full_blocks_with_vv_or_tb_long(project: pytest.Pytester) -> None:
    for extra in ("-vv", "--tb=long"):
        out = project.runpytest_subprocess(*ARGS, extra).stdout.str()
        assert "answered wrongly (simulated model)" in out
        assert "  expected: " in out
        assert "FAILED test_quiz.py::test_quiz[sim/weak-" in out
        assert "ItemResult(question=Question(" not in out  # the fixture's value is shown briefly


def test_the_final_line_follows_the_gates(project: pytest.Pytester) -> None:
    green, red = "\x1b[32m", "\x1b[31m"
    passed = project.runpytest_subprocess(*ARGS, "--color=yes", "--llm-min-accuracy=0.05")
    assert passed.ret == 0
    final = passed.stdout.lines[-1]
    assert "failed" in final and final.startswith(green), final
    failing = project.runpytest_subprocess(*ARGS, "--color=yes", "--llm-min-accuracy=0.99")
    assert failing.ret == 1
    assert failing.stdout.lines[-1].startswith(red)
    without_gates = project.runpytest_subprocess(*ARGS, "--color=yes")
    assert without_gates.ret == 1 and without_gates.stdout.lines[-1].startswith(red)


LONG_MODEL = "meta-llama/llama-3.1-405b-instruct-with-a-very-long-suffix"


def _wrong(model: str = "sim/fast-cheap") -> WrongLine:
    return WrongLine(test="t.py::test_quiz", model=model, question="structured:capitals",
                     expected="'{\"capitals\": [\"Rome\", \"Madrid\", \"Lisbon\"]}'",
                     got="'{\"capitals\": [\"Rome\", \"Tuesday\", \"Lisbon\"]}'",
                     why='2 of 3 expected keys match; failed: capitals: missing "Madrid" (got ["Rome", "Tuesday"]).')


def test_at_80_columns_the_answers_are_shortened_never_the_ids() -> None:
    line = _wrong()
    narrow = line.lines(80)
    assert len(narrow) == 2 and all(len(text) <= 80 for text in narrow), narrow
    assert narrow[0].startswith("  sim/fast-cheap structured:capitals: expected '{\"capitals")
    assert re.fullmatch(r"  \S+ \S+: expected '[^']*…', got '[^']*…'", narrow[0]), narrow  # quotes kept
    assert narrow[1].startswith("      why: 2 of 3 expected keys match") and narrow[1].endswith("…")
    # Off a terminal (the default width) nothing is cut: one logical line per line, as before.
    assert line.lines() == [f"  sim/fast-cheap structured:capitals: expected {line.expected}, got {line.got}",
                            f"      why: {line.why}"]
    assert line.lines(200) == line.lines()


def test_a_model_id_too_long_to_share_a_line_gets_its_own() -> None:
    narrow = _wrong(LONG_MODEL).lines(80)
    assert narrow[0] == f"  {LONG_MODEL} structured:capitals:"  # whole, even where the ids alone are wider
    assert narrow[1].startswith("      expected '{") and ", got '{" in narrow[1]
    assert len(narrow) == 3 and all(len(text) <= 80 for text in narrow[1:]), narrow


def test_the_section_is_fitted_to_the_width_it_is_given() -> None:
    from types import SimpleNamespace

    reports = [SimpleNamespace(**{ATTR: _wrong().to_dict()})]
    assert all(len(text) <= 80 for text in render(reports, 80))
    assert max(len(text) for text in render(reports)) > 80  # unwrapped off a terminal
