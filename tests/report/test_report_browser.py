"""The HTML report in a real browser: it runs without console errors, draws something, and runs no model text."""

from __future__ import annotations

import re
from pathlib import Path

from _browser import grey_variance, open_page

from pytest_llmbench.report.html import render_html
from pytest_llmbench.report.model import ReportData


def test_report_opens_cleanly_and_model_text_never_runs(report: ReportData, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    page = open_page(path, tmp_path)

    assert page.console == [], f"console messages: {page.console}"
    root = re.search(r"<html[^>]*>", page.dom)
    assert root is not None
    assert 'data-llmbench-ready="yes"' in root.group(0), "the report's script did not finish"
    assert "data-llmbench-error" not in root.group(0)
    # The hostile answer and clue are shown as text, and none of their code ran.
    assert "data-pwned" not in root.group(0)
    title = re.search(r"<title>(.*?)</title>", page.dom, re.S)
    assert title is not None and "pwned" not in title.group(1)
    assert "&lt;script&gt;document.title='pwned'" in page.dom
    # The search box's script counted every question row.
    assert "40 of 40 shown" in page.dom

    variance, colours = grey_variance(page.screenshot)
    assert variance > 200, f"the screenshot looks blank (brightness variance {variance:.0f})"
    assert colours > 50, f"the screenshot has only {colours} colours"


def test_the_checks_themselves_can_fail(tmp_path: Path) -> None:
    """A blank page with a script error: the blank check and the console check both see it."""
    path = tmp_path / "blank.html"
    path.write_text(
        "<!DOCTYPE html><html><body style='background:#fff'><script>notDefined()</script></body></html>",
        encoding="utf-8",
    )
    page = open_page(path, tmp_path, size=(400, 300))
    assert any("notDefined" in line for line in page.console)
    variance, colours = grey_variance(page.screenshot)
    assert variance < 1 and colours <= 2
