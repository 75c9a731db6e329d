"""The static report and the served viewer in a real headless Chromium, driven over the DevTools protocol:
loads, typing into the search, choosing a filter, sorting by a click, opening a transcript, the item and
comparison pages, and the 400 px layout. Screenshots stay in pytest's tmp path (``--basetemp`` keeps them)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from _browser import grey_variance
from _cdp import Browser
from _history import FLIPPED, GPT, SYSTEM, first_run, make_history

from pytest_llmbench.report.html import render_html
from pytest_llmbench.report.model import build_report
from pytest_llmbench.report.viewer.server import ViewerApp, make_server
from pytest_llmbench.storage.repository import Repository

VISIBLE_ROWS = "Array.from(document.querySelectorAll('#questions tbody tr')).filter(r => !r.hidden)"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    chrome = Browser(tmp_path)
    yield chrome
    chrome.close()


def _ready(browser: Browser, shot: Path) -> None:
    """The page's script ran without errors, nothing hostile ran, and the screenshot is not blank."""
    root = browser.evaluate("document.documentElement.outerHTML.slice(0, 600)")
    assert browser.evaluate("document.documentElement.getAttribute('data-llmbench-ready')") == "yes", root
    assert browser.evaluate("document.documentElement.getAttribute('data-llmbench-error')") is None
    assert browser.evaluate("document.documentElement.getAttribute('data-pwned')") is None
    assert "pwned" not in browser.evaluate("document.title")
    assert browser.console == [], browser.console
    browser.screenshot(shot)
    variance, colours = grey_variance(shot)
    assert variance > 100 and colours > 20, f"blank screenshot {shot}"


def _no_overflow(browser: Browser, width: int, *, charts: bool = True) -> None:
    measured = browser.evaluate("[window.innerWidth, document.documentElement.scrollWidth]")
    assert measured[0] == width and measured[1] <= width, measured
    if charts:  # every chart fits its panel: drawn inside the viewport, none cut at the right edge
        rights = browser.evaluate(
            "Array.from(document.querySelectorAll('svg.chart')).map(s => s.getBoundingClientRect().right)"
        )
        assert rights and max(rights) <= width, rights


@pytest.fixture
def report_url(tmp_path: Path) -> str:
    path = tmp_path / "report.html"
    path.write_text(render_html(build_report(first_run())), encoding="utf-8")
    return path.resolve().as_uri()


def test_report_search_filter_and_sort(browser: Browser, report_url: str, tmp_path: Path) -> None:
    browser.open(report_url)
    _ready(browser, tmp_path / "report.png")
    assert browser.evaluate("document.getElementById('q-count').textContent") == "40 of 40 shown"

    browser.type("#q-search", "potent potables")
    assert browser.evaluate("document.getElementById('q-count').textContent") == "10 of 40 shown"
    assert browser.evaluate(f"{VISIBLE_ROWS}.every(r => r.textContent.includes('POTENT POTABLES'))")
    assert "q=potent%20potables" in browser.evaluate("location.hash")

    browser.evaluate("document.getElementById('q-search').value=''")
    browser.type("#q-search", " ")  # an input event with an empty query: every row again
    records = first_run()
    disagree = sum(
        len({r.correct for r in records if r.question_key == q and r.correct is not None}) > 1
        for q in dict.fromkeys(r.question_key for r in records)
    )
    browser.evaluate("(s => {s.value='disagree'; s.dispatchEvent(new Event('change'));})"
                     "(document.getElementById('q-filter'))")
    assert browser.evaluate("document.getElementById('q-count').textContent") == f"{disagree} of 40 shown"
    assert browser.evaluate(f"{VISIBLE_ROWS}.every(r => r.dataset.disagree === '1')")

    browser.click("#questions th:nth-child(2)")  # the clue column: ascending
    browser.click("#questions th:nth-child(2)")  # and descending
    clues = browser.evaluate(f"{VISIBLE_ROWS}.map(r => r.cells[1].firstChild.textContent)")
    assert len(clues) == disagree and clues == sorted(clues, key=str.lower, reverse=True)
    assert browser.evaluate("document.querySelector('#questions th:nth-child(2)').getAttribute('aria-sort')") == (
        "descending")
    _ready(browser, tmp_path / "report-filtered.png")


def test_report_opens_a_transcript_from_its_link(browser: Browser, report_url: str, tmp_path: Path) -> None:
    index = next(i for i, r in enumerate(first_run()) if r.model == GPT and r.question_key == "custom:q4")
    browser.open(report_url, 1280, 1000)
    assert browser.evaluate("document.getElementById('tx').hidden") is True
    browser.click(f'a[href="#item={index}"]')
    assert browser.evaluate("document.getElementById('tx').hidden") is False
    text = browser.evaluate("document.getElementById('tx-body').textContent")
    for shown in ("openai/gpt-4o-mini — custom:q4", "Messages sent", SYSTEM, "Azure",
                  "openai/gpt-4o-mini-2024-07-18", "same <thing>", "What is answer 4?", "attempts2"):
        assert shown in text, shown
    assert "&lt;b&gt;as a question&lt;/b&gt;" in browser.evaluate("document.getElementById('tx-body').innerHTML")
    _ready(browser, tmp_path / "report-transcript.png")
    browser.click("#tx-close")
    assert browser.evaluate("document.getElementById('tx').hidden") is True


def test_report_at_400_px(browser: Browser, report_url: str, tmp_path: Path) -> None:
    browser.open(report_url, 400, 900)
    _no_overflow(browser, 400)
    _ready(browser, tmp_path / "report-400px.png")


@pytest.fixture
def viewer(tmp_path: Path) -> Iterator[str]:
    url = make_history(tmp_path / "results.db")
    repo = Repository(url, read_only=True)
    server = make_server(ViewerApp(repo))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    repo.close()


def test_viewer_run_list_filters_and_opens_a_run(browser: Browser, viewer: str, tmp_path: Path) -> None:
    browser.open(viewer + "/", 1280, 800)
    _ready(browser, tmp_path / "viewer-runs.png")
    assert browser.evaluate("document.getElementById('run-count').textContent") == "2 of 2 runs"
    browser.evaluate("document.querySelector('select[name=status]').value='completed'")
    browser.evaluate("document.querySelector('input[name=until]').value='2000-01-01'")
    browser.click("form.filters button[type=submit]")
    browser.wait_for("Page.loadEventFired")
    assert browser.evaluate("document.getElementById('run-count').textContent") == "0 of 2 runs"
    assert "until=2000-01-01" in browser.evaluate("location.search")

    browser.open(viewer + "/", 1280, 800)
    browser.click('a[href="/run/1"]')
    browser.wait_for("Page.loadEventFired")
    assert browser.evaluate("location.pathname") == "/run/1"
    assert browser.evaluate("document.getElementById('q-count').textContent") == "40 of 40 shown"
    _ready(browser, tmp_path / "viewer-run.png")

    # The viewer filters on the server: choosing a filter submits the form, typing and Enter searches.
    browser.evaluate("(s => {s.value='allwrong'; s.dispatchEvent(new Event('change'));})"
                     "(document.getElementById('q-filter'))")
    browser.wait_for("Page.loadEventFired")
    assert "f=allwrong" in browser.evaluate("location.search")
    allwrong = browser.evaluate(f"{VISIBLE_ROWS}.length")
    assert browser.evaluate("document.getElementById('q-count').textContent") == f"{allwrong} of 40 shown"
    assert browser.evaluate(f"{VISIBLE_ROWS}.every(r => r.dataset.allwrong === '1')")
    browser.type("#q-search", "potent")
    browser.click("#q-form button[type=submit]")
    browser.wait_for("Page.loadEventFired")
    assert "q=potent" in browser.evaluate("location.search")
    assert browser.evaluate(f"{VISIBLE_ROWS}.every(r => r.textContent.includes('POTENT POTABLES'))")


def test_viewer_item_transcript(browser: Browser, viewer: str, tmp_path: Path) -> None:
    index = next(i for i, r in enumerate(first_run()) if r.model == GPT and r.question_key == "custom:q4")
    browser.open(viewer + "/run/1", 1280, 1000)
    browser.click(f'a[href="/run/1/item/{index}"]')
    browser.wait_for("Page.loadEventFired")
    text = browser.evaluate("document.body.textContent")
    for shown in ("Messages sent", SYSTEM, "Azure", "stop", "What is answer 4?", "judge/m", "same <thing>"):
        assert shown in text, shown
    _ready(browser, tmp_path / "viewer-item.png")


def test_viewer_comparison_links_both_transcripts(browser: Browser, viewer: str, tmp_path: Path) -> None:
    browser.open(viewer + "/", 1280, 800)
    browser.click("form[action='/compare'] button")
    browser.wait_for("Page.loadEventFired")
    assert browser.evaluate("location.search") == "?a=1&b=2"
    flips = browser.evaluate("Array.from(document.querySelectorAll('tr.flip')).map(r => r.dataset.q)")
    assert flips == list(FLIPPED)
    _ready(browser, tmp_path / "viewer-compare.png")
    browser.click("tr.flip a[href^='/run/2/']")
    browser.wait_for("Page.loadEventFired")
    assert browser.evaluate("location.pathname").startswith("/run/2/item/")
    assert f"What is flipped {FLIPPED[0]}?" in browser.evaluate("document.body.textContent")


def test_viewer_pages_at_400_px(browser: Browser, viewer: str, tmp_path: Path) -> None:
    for name, path in (("runs", "/"), ("run", "/run/1"), ("item", "/run/1/item/12"), ("compare", "/compare?a=1&b=2")):
        browser.open(viewer + path, 400, 900)
        _no_overflow(browser, 400, charts=path == "/run/1")
        _ready(browser, tmp_path / f"viewer-{name}-400px.png")
