"""JUnit properties: per test case (DESIGN.md 3c, through ``item.user_properties``, so they reach the XML from
xdist workers too) and per suite (per-model results and gates, added to the written file at session end)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from pytest_llmbench.outcome.summary import RunSummary
from pytest_llmbench.report._atomic import write_atomic
from pytest_llmbench.types import ResultRecord


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e-3 else f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def properties(record: ResultRecord) -> list[tuple[str, str]]:
    props = [
        ("llm_model", record.model),
        ("llm_question_id", record.question_key),
        ("llm_correct", _fmt(record.correct)),
        ("llm_score", _fmt(record.score)),
        ("llm_grader", _fmt(record.grader)),
        ("llm_latency_ms", _fmt(record.latency_ms)),
        ("llm_ttft_ms", _fmt(record.ttft_ms)),
        ("llm_prompt_tokens", _fmt(record.prompt_tokens)),
        ("llm_completion_tokens", _fmt(record.completion_tokens)),
        ("llm_cost_usd", _fmt(record.cost_usd)),
        ("llm_cached", _fmt(record.cached)),
        ("llm_simulated", _fmt(record.simulated)),
    ]
    if record.error:
        props.append(("llm_error", record.error))
    return props


# --- suite-level properties: written into the finished XML file at session end ----------------------------


def suite_properties(summary: RunSummary) -> list[tuple[str, str]]:
    """Per-model results and gate verdicts, for dashboards that read ``<testsuite><properties>``."""
    props: list[tuple[str, str]] = []
    if summary.run_id is not None:
        props.append(("llm_run_id", str(summary.run_id)))
    for m in summary.models:
        for name, value in (
            ("accuracy", m.accuracy), ("ci_low", m.ci_low), ("ci_high", m.ci_high), ("correct", m.correct),
            ("answered", m.answered), ("errors", m.errors), ("skipped", m.skipped), ("cost_usd", m.cost_usd),
            ("simulated", m.simulated),
        ):
            props.append((f"llm_{name}[{m.model}]", _fmt(value)))
    for gate in summary.gates:
        props.append((f"llm_gate[{gate.name}]", f"{gate.verdict.lower()}: {gate.detail}"))
    if summary.gates:
        props.append(("llm_gates_passed", _fmt(summary.gates_passed)))
        props.append(("llm_gates_status", summary.gates.status or ""))
    if summary.statistics is not None:
        from pytest_llmbench.outcome.statistics import suite_properties as statistics_properties

        props += statistics_properties(summary.statistics)
    return props


def add_suite_properties(path: Path, props: Sequence[tuple[str, str]]) -> None:
    """Add ``props`` to every ``<testsuite>`` of a JUnit XML file (a missing or unparsable file is left alone)."""
    if not props:
        return
    try:
        tree = ET.parse(path)
    except (OSError, ET.ParseError):
        return
    root = tree.getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    for suite in suites:
        holder = suite.find("properties")
        if holder is None:
            holder = ET.Element("properties")
            suite.insert(0, holder)
        for name, value in props:
            ET.SubElement(holder, "property", name=name, value=value)
    buffer = io.BytesIO()
    tree.write(buffer, encoding="utf-8", xml_declaration=True)
    try:
        write_atomic(path, buffer.getvalue())
    except OSError:
        return  # pytest's own file stays as pytest wrote it (a full disk is said by the session's end)
