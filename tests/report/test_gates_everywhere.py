"""One representation of the gates (``outcome.gates.Gates``), said the same way by every report: a gate that does
not apply to the run is "not applicable" everywhere, never a pass; accuracies read as percentages (issue 15, 19)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from pytest_llmbench.config import resolve
from pytest_llmbench.outcome.gates import Gates, evaluate_gates
from pytest_llmbench.outcome.summary import RunSummary, totals
from pytest_llmbench.report import terminal
from pytest_llmbench.report.files import render_json
from pytest_llmbench.report.junit import suite_properties
from pytest_llmbench.report.markdown import render_markdown
from pytest_llmbench.report.model import ReportData, gates_from_totals
from pytest_llmbench.report.step_summary import render_markdown as render_step_summary
from pytest_llmbench.types import Outcome, ResultRecord

ABSENT = "sim/strong accuracy"


def _gated(report: ReportData) -> Gates:
    """The report's models gated at 35%, plus a per-model gate for a model the records do not hold."""
    settings = resolve({"min-accuracy": ["0.35", "sim/strong=0.80"]})
    return evaluate_gates(settings, report.summary.models)


def test_status_verdict_and_the_stored_form_round_trip(report: ReportData) -> None:
    gates = _gated(report)
    by_name = {g.name: g for g in gates}
    assert (by_name[ABSENT].status, by_name[ABSENT].verdict) == ("not applicable", "N/A")
    assert by_name["infrastructure errors"].status == "failed"  # the records hold errors; none is allowed
    assert gates.status == "failed" and gates.verdict() == "gates FAILED" and not gates.passed
    assert Gates.from_dicts(gates.to_dicts()) == gates
    only_absent = Gates([by_name[ABSENT]])
    assert only_absent.status == "not applicable" and only_absent.passed
    assert Gates().status is None and not Gates()


def test_runs_stored_before_the_status_field_read_as_before() -> None:
    old: dict[str, object] = {"gates": [{"name": "m accuracy", "passed": True, "detail": "0.800 >= 0.700"},
                     {"name": "other accuracy", "passed": True, "detail": "n/a", "applicable": False},
                     "not a gate"]}
    gates = gates_from_totals(old)
    assert [g.status for g in gates] == ["passed", "not applicable"]


def test_json_and_totals_say_not_applicable_and_keep_the_old_keys(report: ReportData) -> None:
    report.gates = _gated(report)
    data = json.loads(render_json(report))
    absent = next(g for g in data["gates"] if g["name"] == ABSENT)
    assert absent["status"] == "not applicable" and absent["applicable"] is False
    assert absent["passed"] is True  # kept for older readers: a gate that does not apply fails nothing
    assert {g["status"] for g in data["gates"]} == {"passed", "failed", "not applicable"}
    assert data["gates_passed"] is False and data["gates_status"] == "failed"
    stored = totals(report.summary)
    assert stored["gates"] == data["gates"] and stored["gates_status"] == "failed"


@pytest.mark.parametrize("render", [render_step_summary, lambda s: render_markdown(s, [])])
def test_markdown_and_the_step_summary_tag_it_n_a(report: ReportData, render: Callable[[RunSummary], str]) -> None:
    report.gates = _gated(report)
    text = render(report.summary)
    assert f"- ➖ N/A {ABSENT}: not applicable" in text
    assert f"PASS {ABSENT}" not in text and f"✅ {ABSENT}" not in text
    assert "- ❌ FAIL infrastructure errors" in text


def test_junit_and_terminal_say_n_a(report: ReportData) -> None:
    report.gates = _gated(report)
    props = dict(suite_properties(report.summary))
    assert props[f"llm_gate[{ABSENT}]"].startswith("n/a: not applicable")
    assert props["llm_gates_status"] == "failed" and props["llm_gates_passed"] == "false"
    out = terminal.render(report.summary, width=200)
    assert f"N/A {ABSENT}: not applicable: this run has no items for this model (threshold 80.0% not applied)" in out
    assert out.rstrip().endswith("gate verdict: gates FAILED")


def _one_model(correct: int, answered: int) -> RunSummary:
    records = [ResultRecord(model="m", question_key=f"q{i}", outcome=Outcome.PASSED if i < correct else Outcome.FAILED,
                            correct=i < correct) for i in range(answered)]
    return RunSummary.from_records(records)


def test_gate_lines_show_percentages_with_enough_decimals_to_differ() -> None:
    summary = _one_model(956, 1000)
    summary.gates = evaluate_gates(resolve({"min-accuracy": ["0.9"]}), summary.models)
    line = summary.gates[0].line()
    assert line == "PASS m accuracy: 95.6% >= 90.0% (+5.6 pp; 956/1000 correct)"
    assert line in terminal.render(summary, width=80).splitlines()
    assert f"- ✅ PASS {line.removeprefix('PASS ').replace('>', '&gt;')}" in render_step_summary(summary)
    close = _one_model(8996, 10000)
    (gate, *_) = evaluate_gates(resolve({"min-accuracy": ["0.9"]}), close.models)
    assert gate.detail.startswith("89.96% < 90.00% (-0.04 pp;")  # never "90.0% < 90.0%"
    (fine, *_) = evaluate_gates(resolve({"min-accuracy": ["0.9125"]}), close.models)
    assert fine.detail.startswith("89.96% < 91.25% (-1.29 pp;")
