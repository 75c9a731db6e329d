"""The static report's question table, transcripts, benchmark grouping, and the charts' ticks and labels."""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import replace

import pytest
from _history import CONTROL_REPLY, GPT, first_run

from pytest_llmbench.report import charts
from pytest_llmbench.report.html import render_html
from pytest_llmbench.report.html_items import PAGE_ROWS, REPLY_CHARS
from pytest_llmbench.report.model import build_report
from pytest_llmbench.types import Outcome, ResultRecord


def _summary(html: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="llmbench-summary">(.*?)</script>', html, re.S)
    assert found is not None
    data: dict[str, object] = json.loads(found.group(1))
    return data


def test_transcripts_are_embedded_with_provenance_and_long_replies_cut() -> None:
    records = first_run()
    huge = replace(records[0], response_text="x" * (REPLY_CHARS + 5000))
    data = build_report([huge, *records[1:]])
    html = render_html(data)
    items = _summary(html)["items"]
    assert isinstance(items, list) and len(items) == len(records)
    first = items[0]
    assert len(first["reply"]) == REPLY_CHARS and first["cut"] == 5000
    with_provenance = next(i for i in items if i["model"] == GPT and i["key"] == "custom:q4")
    assert [m["role"] for m in with_provenance["messages"]] == ["system", "user"]
    facts = dict(with_provenance["facts"])
    assert (facts["served model"], facts["provider"], facts["finish reason"], facts["attempts"]) == (
        "openai/gpt-4o-mini-2024-07-18", "Azure", "stop", "2")
    assert with_provenance["judges"][0]["reason"] == "same <thing>"
    plain = next(i for i in items if i["model"] == "sim/weak")
    assert plain["messages"] is None and dict(plain["facts"])["served model"] == "not recorded"
    control = next(i for i in items if i["model"] == GPT and i["key"] == "custom:q8")
    assert control["reply"] == "What is \u2400null\u241b[31m red\u2421?" and CONTROL_REPLY not in html
    assert f'href="#item={records.index(next(r for r in records if r.question_key == "custom:q4"))}"' in html


def test_only_the_first_page_of_rows_is_shown() -> None:
    records = [
        ResultRecord(model="m", question_key=f"d:{q}", outcome=Outcome.PASSED, nodeid=f"t.py::t[{q}]", clue=f"c{q}",
                     answer="a", correct=True, response_text="r" * 1000)
        for q in range(PAGE_ROWS + 50)
    ]
    html = render_html(build_report(records))
    rows = re.findall(r"<tr data-disagree=[^>]*>", html)
    assert len(rows) == PAGE_ROWS + 50
    assert sum(" hidden" in r for r in rows) == 50 and all(" hidden" in r for r in rows[PAGE_ROWS:])
    assert f"rows 1–{PAGE_ROWS} of {PAGE_ROWS + 50}" in html
    assert '<div class="answer">' + "r" * 280 + '<span class="muted"> … 720 more</span>' in html


def test_several_benchmark_tests_are_grouped() -> None:
    one = first_run()
    other = [replace(r, nodeid=r.nodeid.replace("test_q.py::test", "test_maths.py::test_sums"),
                     question_key=r.question_key.replace("custom:", "maths:"), correct=False,
                     outcome=Outcome.FAILED) for r in one if r.nodeid]
    html = render_html(build_report(one + other))
    assert "<h2>By benchmark</h2>" in html
    table = html[html.index("<h2>By benchmark</h2>") : html.index("<h2>Accuracy by group</h2>")]
    assert "test_q.py::test" in table and "test_maths.py::test_sums" in table
    assert "0.0% <small class=muted>0/40</small>" in table  # every maths answer marked wrong
    assert '<select id="q-bench"' in html and 'data-b="test_maths.py::test_sums"' in html
    single = render_html(build_report(one))
    assert "<h2>By benchmark</h2>" not in single and 'id="q-bench"' not in single


@pytest.mark.parametrize(("lo", "hi"), [(0, 446), (0, 0.0399), (0, 1), (0, 7), (0, 1234.5), (0.2, 0.9), (0, 3e-5)])
def test_ticks_are_round_and_cover_the_range(lo: float, hi: float) -> None:
    ticks = charts.nice_ticks(lo, hi)
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-6, ticks
    assert all(abs((b - a) - step) < step * 1e-6 for a, b in itertools.pairwise(ticks))
    assert ticks[0] <= lo and ticks[-1] >= hi and 3 <= len(ticks) <= 7
    assert all(abs(t / step - round(t / step)) < 1e-6 for t in ticks)


def test_tick_labels_read_as_round_numbers() -> None:
    assert [charts.tick_ms(v, 200) for v in (0, 200, 400)] == ["0", "200 ms", "400 ms"]
    assert [charts.tick_ms(v, 500) for v in (1000, 1500)] == ["1.0 s", "1.5 s"]
    assert [charts.tick_usd(v, 0.01) for v in (0, 0.01, 0.02)] == ["$0", "$0.01", "$0.02"]


def _box(x: float, y: float, anchor: str, text: str) -> tuple[float, float, float, float]:
    width = 7.0 * len(text) + 4
    x0 = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
    return (x0, y - 12, x0 + width, y + 3)


def test_labels_never_cover_each_other_or_a_point() -> None:
    # Two models at the same spot (the "oflaky/m1" of the issue), one close by, one at the right edge.
    points = [(200.0, 100.0, "oflaky"), (200.0, 100.0, "m1"), (204.0, 104.0, "openai/gpt-4o-mini"),
              (530.0, 40.0, "anthropic/claude-3.5-haiku")]
    placed = charts.place_labels(points, (56.0, 0.0, 536.0, 296.0))
    boxes = [_box(x, y, a, t) for (x, y, a), (_, _, t) in zip(placed, points, strict=True)]
    for i, a in enumerate(boxes):
        assert 56 <= a[0] and a[2] <= 536 and a[1] >= 0, (points[i], a)
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
        for px, py, _ in points:
            assert a[2] <= px - 8 or px + 8 <= a[0] or a[3] <= py - 8 or py + 8 <= a[1], (a, px, py)


def test_the_accuracy_chart_uses_round_ticks() -> None:
    svg = charts.accuracy_vs_cost(build_report(first_run()))
    ticks = re.findall(r'<text class="tick"[^>]*text-anchor="middle">([^<]*)</text>', svg)
    assert ticks == ["$0", "$0.05", "$0.10", "$0.15"]
