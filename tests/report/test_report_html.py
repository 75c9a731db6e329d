"""The HTML renderer without a browser: sections, numbers, labels and escaping."""

from __future__ import annotations

import json
import re

from _records import EVIL_ANSWER, EVIL_CLUE

from pytest_llmbench.outcome.gates import GateResult, Gates
from pytest_llmbench.report.html import render_html, script_json
from pytest_llmbench.report.model import ReportData


def test_script_json_cannot_close_a_script_or_open_a_comment() -> None:
    value = {"name": "</script><!-- <script>alert(1)</script> ]]> & \u2028"}
    text = script_json(value)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == value


def test_untrusted_text_is_escaped_everywhere(report: ReportData) -> None:
    html = render_html(report)
    assert "<script>document.title" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;" in html
    assert "<b>bolds</b>" not in html and "&lt;b&gt;bolds&lt;/b&gt;" in html
    # Exactly our two script elements (the summary JSON and the behaviour), however hostile the data.
    assert len(re.findall(r"<script\b", html)) == 2
    assert len(re.findall(r"</script>", html)) == 2
    assert EVIL_ANSWER not in html and EVIL_CLUE not in html


def test_self_contained(report: ReportData) -> None:
    html = render_html(report)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    assert "default-src 'none'" in html  # the page itself forbids any fetch


def test_sections_and_numbers(report: ReportData) -> None:
    html = render_html(report)
    for heading in (
        "Accuracy vs cost",
        "Latency distribution",
        "Accuracy by group",
        "Paired comparison",
        "Gates",
        "Questions",
    ):
        assert f"<h2>{heading}</h2>" in html
    for m in report.summary.models:
        assert f"{m.accuracy * 100:.1f}%" in html  # type: ignore[operator]
        assert f"{m.correct:,} / {m.answered:,}" in html
    # The simulated model is labelled on its card and in the banner; the real ones are not.
    card = re.search(r'<article class="card"[^>]*><h3>sim/weak.*?</h3>', html)
    assert card is not None and "simulated" in card.group(0)
    real = re.search(r'<article class="card"[^>]*><h3>openai/gpt-4o-mini.*?</h3>', html)
    assert real is not None and "simulated" not in real.group(0)
    assert 'class="banner"><b>Simulated:</b> sim/weak.' in html
    assert html.count("<tr data-disagree=") == 40  # one row per question
    assert 'error</span><div class="answer">OpenRouter returned 502 &lt;upstream&gt;' in html


def test_gates_and_verdict(report: ReportData) -> None:
    report.gates = Gates([
        GateResult("openai/gpt-4o-mini accuracy", True, "0.8 >= 0.7"),
        GateResult("infrastructure errors", False, "1 > 0 allowed"),
    ])
    html = render_html(report)
    assert "GATES FAILED" in html
    assert '<span class="tag fail">FAIL</span><b>infrastructure errors</b>' in html
    summary = re.search(r'<script type="application/json" id="llmbench-summary">(.*?)</script>', html)
    assert summary is not None
    assert [g["passed"] for g in json.loads(summary.group(1))["gates"]] == [True, False]


def test_a_gate_for_a_model_outside_the_run_is_shown_n_a(report: ReportData) -> None:
    report.gates = Gates([GateResult("other/model accuracy", True, "not applicable: no items", applicable=False)])
    html = render_html(report)
    assert "GATES N/A" in html and "GATES PASSED" not in html
    assert '<span class="tag na">N/A</span><b>other/model accuracy</b>' in html
    report.gates = Gates([*report.gates, GateResult("infrastructure errors", True, "0 <= 0 allowed")])
    html = render_html(report)
    assert "GATES PASSED" in html and '<span class="tag pass">PASS</span><b>infrastructure errors</b>' in html
    summary = re.search(r'<script type="application/json" id="llmbench-summary">(.*?)</script>', html)
    assert summary is not None
    assert [g["verdict"] for g in json.loads(summary.group(1))["gates"]] == ["N/A", "PASS"]
