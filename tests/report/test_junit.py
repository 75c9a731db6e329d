from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pytest_llmbench.outcome.gates import GateResult, Gates
from pytest_llmbench.outcome.summary import RunSummary
from pytest_llmbench.report.junit import add_suite_properties, properties, suite_properties
from pytest_llmbench.types import Outcome, ResultRecord

XSD = Path(__file__).parent / "junit.xsd"
PYTEST_XML = (
    '<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" '
    'failures="1" skipped="0" tests="1" time="0.5" timestamp="2026-01-01T00:00:00" hostname="h">{props}'
    '<testcase classname="t" name="t[a]" time="0.010"><properties><property name="llm_model" value="m" />'
    '</properties><failure message="wrong">trace</failure></testcase></testsuite></testsuites>'
)


def _summary() -> RunSummary:
    records = [ResultRecord(model="m", question_key="d:1", outcome=Outcome.FAILED, correct=False, cost_usd=0.5)]
    summary = RunSummary.from_records(records, run_id=9)
    summary.gates = Gates([GateResult("m accuracy", False, "0.000 < 0.500 (-0.500; 0/1 correct)")])
    return summary


def test_case_properties_hold_design_3c_and_the_error_only_when_there_is_one() -> None:
    record = ResultRecord(model="m", question_key="d:1", outcome=Outcome.ERROR, error="HTTP 500")
    names = [n for n, _ in properties(record)]
    assert names[:11] == ["llm_model", "llm_question_id", "llm_correct", "llm_score", "llm_grader",
                          "llm_latency_ms", "llm_ttft_ms", "llm_prompt_tokens", "llm_completion_tokens",
                          "llm_cost_usd", "llm_cached"]
    assert ("llm_error", "HTTP 500") in properties(record)
    assert "llm_error" not in dict(properties(ResultRecord(model="m", question_key="d:1", outcome=Outcome.PASSED)))


def test_suite_properties() -> None:
    props = dict(suite_properties(_summary()))
    assert props["llm_run_id"] == "9"
    assert props["llm_accuracy[m]"] == "0" and props["llm_correct[m]"] == "0" and props["llm_cost_usd[m]"] == "0.5"
    assert props["llm_gate[m accuracy]"] == "fail: 0.000 < 0.500 (-0.500; 0/1 correct)"
    assert props["llm_gates_passed"] == "false"


@pytest.mark.parametrize("existing", ["", '<properties><property name="ci" value="yes" /></properties>'])
def test_suite_properties_are_added_to_the_written_file_and_it_stays_valid(tmp_path: Path, existing: str) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    path = tmp_path / "out.xml"
    path.write_text(PYTEST_XML.format(props=existing))
    add_suite_properties(path, suite_properties(_summary()))
    xmlschema.XMLSchema(str(XSD)).validate(str(path))
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None and [c.tag for c in suite][:2] == ["properties", "testcase"]
    names = [p.get("name") for p in suite.find("properties") or []]
    assert ("ci" in names) == bool(existing) and "llm_gates_passed" in names


def test_the_schema_rejects_what_dashboards_would_not_read(tmp_path: Path) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    path = tmp_path / "bad.xml"
    path.write_text(PYTEST_XML.format(props="").replace(' tests="1"', ""))
    assert not xmlschema.XMLSchema(str(XSD)).is_valid(str(path))


def test_missing_file_is_left_alone(tmp_path: Path) -> None:
    add_suite_properties(tmp_path / "none.xml", [("a", "b")])
    assert not (tmp_path / "none.xml").exists()
