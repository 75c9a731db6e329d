"""How fast big runs open and respond in headless Chromium: the static report and the viewer.

Two runs: 10,000 items with 2 KB replies, and 100 items with 1 MB replies (two models each). For each, the
static report file (its size, render time) and the viewer's run page are opened in Chromium at 1280 px, and
these are timed: until the load event, until the page's script is ready (``data-llmbench-ready-ms``, from
navigation start), a search typed into the question table, the next page of rows, opening a transcript.
The viewer searches, sorts and pages on the server, so there each of those is a page load. The target
(issue 17): every figure under 2 s. Prints figures only; nothing here asserts.

    python benchmarks/perf/perf_report_load.py [--keep DIR]

Needs Chromium (``apt-get install chromium``) and pytest-llmbench installed (``pip install -e .``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "report"))

from _cdp import Browser

from pytest_llmbench.report.html import render_html
from pytest_llmbench.report.model import build_report
from pytest_llmbench.report.viewer.server import ViewerApp, make_server
from pytest_llmbench.storage.repository import Repository
from pytest_llmbench.types import Outcome, ResultRecord

MODELS = ("vendor/model-a", "vendor/model-b")


def records(items: int, reply_bytes: int) -> list[ResultRecord]:
    out = []
    filler = "The answer, considered at length: " + "lorem ipsum dolor sit amet " * (reply_bytes // 27 + 1)
    for q in range(items // len(MODELS)):
        for m, model in enumerate(MODELS):
            right = (q * 7 + m * 3) % 10 < 6
            out.append(ResultRecord(
                model=model, question_key=f"perf:q{q}", outcome=Outcome.PASSED if right else Outcome.FAILED,
                nodeid=f"test_perf.py::test[{model}-{q}]", dataset="perf", clue=f"Clue {q} about topic {q % 40}",
                answer=f"answer {q}", category=f"CAT {q % 40}", correct=right, score=float(right), grader="lenient",
                explanation="compared with the key", response_text=f"What is {q}? " + filler[:reply_bytes],
                latency_ms=200.0 + (q * 37 % 900), ttft_ms=90.0, prompt_tokens=60, completion_tokens=400,
                cost_usd=0.0001 * (m + 1),
            ))
    return out


def measure_viewer(browser: Browser, url: str) -> dict[str, float]:
    """The viewer pages, searches and sorts on the server: each is a page load."""
    out: dict[str, float] = {"load event": browser.open(url, 1280, 1000)}
    out["script ready (from navigation)"] = float(
        browser.evaluate("document.documentElement.getAttribute('data-llmbench-ready-ms')") or "nan") / 1000
    for name, action in (("search typed (+ Enter)", lambda: (browser.type("#q-search", "topic 7"),
                                                              browser.click("#q-form button[type=submit]"))),
                         ("next page", lambda: browser.click("#q-next")),
                         ("sort by a column", lambda: browser.click("#questions th:nth-child(2) a")),
                         ("open a transcript", lambda: browser.click("#questions a.tx"))):
        if name == "next page" and not browser.evaluate("!!document.getElementById('q-next')"):
            continue  # one page only
        started = time.perf_counter()
        action()
        browser.wait_for("Page.loadEventFired")
        out[name] = time.perf_counter() - started
    return out


def measure(browser: Browser, url: str) -> dict[str, float]:
    out: dict[str, float] = {}
    out["load event"] = browser.open(url, 1280, 1000)
    out["script ready (from navigation)"] = float(
        browser.evaluate("document.documentElement.getAttribute('data-llmbench-ready-ms')") or "nan") / 1000
    started = time.perf_counter()
    browser.type("#q-search", "topic 7")
    browser.evaluate("document.getElementById('q-count').textContent + document.body.offsetHeight")
    out["search typed"] = time.perf_counter() - started
    browser.evaluate("(i => {i.value=''; i.dispatchEvent(new Event('input'));})(document.getElementById('q-search'))")
    started = time.perf_counter()
    browser.click("#q-next")
    browser.evaluate("document.getElementById('q-page').textContent + document.body.offsetHeight")
    out["next page"] = time.perf_counter() - started
    started = time.perf_counter()
    browser.click("#questions tbody tr:not([hidden]) a.tx")
    shown = browser.evaluate("document.getElementById('tx').hidden === false && "
                             "document.getElementById('tx-body').textContent.length + document.body.offsetHeight")
    assert shown, "the transcript did not open"
    out["open a transcript"] = time.perf_counter() - started
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="keep the files (reports, database, profiles) here")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="llmbench-perf-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{'run':<28} {'page':<14} {'measure':<32} {'seconds':>8}")
    for name, items, reply in (("10,000 items x 2 KB", 10_000, 2_000), ("100 items x 1 MB", 100, 1_000_000)):
        recs = records(items, reply)
        started = time.perf_counter()
        html = render_html(build_report(recs))
        render_s = time.perf_counter() - started
        path = folder / f"report-{items}.html"
        path.write_text(html, encoding="utf-8")
        print(f"{name:<28} {'static file':<14} {'render (Python)':<32} {render_s:8.2f}")
        print(f"{name:<28} {'static file':<14} {'size (MB)':<32} {len(html.encode()) / 1e6:8.1f}")
        url = f"sqlite:///{folder / f'results-{items}.db'}"
        repo = Repository(url)
        run_id = repo.start_run(name=name, models=list(MODELS), dataset="perf", grader="lenient", seed=1,
                                sample=None, config={})
        repo.add_results(run_id, recs)
        repo.finish_run(run_id, status="completed", totals={}, exit_status=0)
        repo.close()
        reader = Repository(url, read_only=True)
        server = make_server(ViewerApp(reader))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        browser = Browser(folder)
        try:
            base = f"http://127.0.0.1:{server.server_address[1]}"
            for page, figures in (("static file", measure(browser, path.resolve().as_uri())),
                                  ("viewer run", measure_viewer(browser, f"{base}/run/{run_id}")),
                                  ("viewer again", {"load event (page kept)": browser.open(f"{base}/run/{run_id}")})):
                for measure_name, seconds in figures.items():
                    print(f"{name:<28} {page:<14} {measure_name:<32} {seconds:8.2f}")
            started = time.perf_counter()
            browser.open(f"{base}/run/{run_id}/item/0")
            print(f"{name:<28} {'viewer item':<14} {'load event (reply cut)':<32} {time.perf_counter() - started:8.2f}")
            if browser.console:
                print(f"  console: {browser.console[:3]}")
        finally:
            browser.close()
            server.shutdown()
            server.server_close()
            reader.close()
    print(f"files in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
