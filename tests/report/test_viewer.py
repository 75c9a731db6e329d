"""The viewer's pages and routes without a browser: what each page shows, escaping, read-only, HTTP rules."""

from __future__ import annotations

import hashlib
import http.client
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from _history import CONTROL_REPLY, FLIPPED, GPT, LONG_REPLY, SYSTEM, first_run, make_history, second_run

from pytest_llmbench.cli import build_parser, main
from pytest_llmbench.report.viewer.pages import ITEM_CHARS
from pytest_llmbench.report.viewer.server import ViewerApp, make_server
from pytest_llmbench.stats import compare_runs
from pytest_llmbench.storage.repository import Repository


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "results.db"
    make_history(path)
    return path


@pytest.fixture
def app(db: Path) -> Iterator[ViewerApp]:
    repo = Repository(f"sqlite:///{db}", read_only=True)
    yield ViewerApp(repo)
    repo.close()


def _index(model: str, key: str) -> int:
    return next(i for i, r in enumerate(first_run()) if r.model == model and r.question_key == key)


def _ok(app: ViewerApp, target: str) -> str:
    response = app.handle(target)
    assert response.status == 200, response.body[-500:]
    return response.body


def test_the_run_list_shows_each_run_with_accuracy_per_model_cost_and_gates(app: ViewerApp) -> None:
    page = _ok(app, "/")
    rows = re.findall(r'<tr data-run="(\d+)">(.*?)</tr>', page, re.S)
    assert [run for run, _ in rows] == ["2", "1"]
    baseline = dict(rows)["1"]
    assert f"{GPT} <b>85.0%</b>" in baseline and "34/40" in baseline  # from the stored per-model summary
    assert "sim/weak <b>37.5%</b>" in baseline
    assert "$0.0049" in baseline and "$0.0098" in dict(rows)["2"]
    assert "candidate &lt;i&gt;2&lt;/i&gt;" in page and "<i>2</i>" not in page


@pytest.mark.parametrize(
    ("query", "shown"),
    [("model=sim/weak", ["2", "1"]), ("model=nobody/x", []), ("status=completed", ["2", "1"]),
     ("status=running", []), ("dataset=custom", ["2", "1"]), ("since=2000-01-01", ["2", "1"]),
     ("until=2000-01-01", []), ("since=not-a-date", ["2", "1"])],
)
def test_the_run_list_filters(app: ViewerApp, query: str, shown: list[str]) -> None:
    page = _ok(app, "/?" + query)
    assert re.findall(r'<tr data-run="(\d+)">', page) == shown
    assert f"{len(shown)} of 2 runs" in page


def test_a_run_page_is_the_report_with_items_linked_to_their_pages(app: ViewerApp) -> None:
    page = _ok(app, "/run/1")
    assert "<h2>Accuracy vs cost</h2>" in page and "<h2>Questions</h2>" in page
    assert page.count("<tr data-disagree=") == 40
    assert f'href="/run/1/item/{_index(GPT, "custom:q4")}"' in page
    assert '"items"' not in page  # transcripts are pages here, not embedded
    assert "<script>document.title" not in page


def test_an_item_page_shows_what_was_sent_and_measured(app: ViewerApp) -> None:
    page = _ok(app, f"/run/1/item/{_index(GPT, 'custom:q4')}")
    for shown in ("SYSTEM".lower(), "You are a quiz contestant. Answer &lt;b&gt;as a question&lt;/b&gt;.",
                  "Clue number 4 about science", "What is answer 4?", "compared &lt;key&gt;",
                  "openai/gpt-4o-mini-2024-07-18", "Azure", "gen-123", "<dt>finish reason</dt><dd>stop</dd>",
                  "<dt>attempts</dt><dd>2</dd>", "<dt>time to first token</dt><dd>120 ms</dd>",
                  "<dt>tokens</dt><dd>60 in / 8 out</dd>", "<dt>cost</dt><dd>$0.00002</dd>",
                  "same &lt;thing&gt;", "judge/m"):
        assert shown in page, shown
    assert SYSTEM not in page


def test_an_item_without_provenance_says_not_recorded(app: ViewerApp) -> None:
    page = _ok(app, f"/run/1/item/{_index('sim/weak', 'custom:q4')}")
    assert "<dt>served model</dt><dd>not recorded</dd>" in page
    assert "<dt>finish reason</dt><dd>not recorded</dd>" in page
    assert "<h2>Messages sent</h2><p class=\"muted\">not recorded</p>" in page
    assert "no judge was asked" in page


def test_hostile_replies_are_escaped_and_control_characters_shown(app: ViewerApp) -> None:
    evil = _ok(app, f"/run/1/item/{_index(GPT, 'custom:q3')}")
    assert "<script>document.title" not in evil and "&lt;script&gt;document.title" in evil
    assert "<img src=x" not in evil
    control = _ok(app, f"/run/1/item/{_index(GPT, 'custom:q8')}")
    assert CONTROL_REPLY not in control
    # Storage keeps a NUL as U+FFFD (PostgreSQL cannot store NUL; see storage/storable.py); ESC and DEL are
    # stored as sent and shown as their visible symbols.
    assert "What is \ufffdnull\u241b[31m red\u2421?" in control
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", control)


def test_a_long_reply_is_cut_with_a_way_to_see_it_all(app: ViewerApp) -> None:
    target = f"/run/1/item/{_index(GPT, 'custom:q9')}"
    page = _ok(app, target)
    assert LONG_REPLY not in page and LONG_REPLY[:ITEM_CHARS] in page
    assert f'href="{target}?full=1">Show all {len(LONG_REPLY):,} characters' in page
    assert LONG_REPLY in _ok(app, target + "?full=1")


def test_the_comparison_lists_flipped_questions_linking_both_transcripts(app: ViewerApp) -> None:
    page = _ok(app, "/compare?a=1&b=2")
    flips = re.findall(r'<tr class="flip" data-q="([^"]+)">(.*?)</tr>', page, re.S)
    assert [key for key, _ in flips] == list(FLIPPED)
    second = second_run()
    for key, row in flips:
        a = _index(GPT, key)
        b = next(i for i, r in enumerate(second) if r.model == GPT and r.question_key == key)
        assert f'href="/run/1/item/{a}"' in row and f'href="/run/2/item/{b}"' in row
    expected = compare_runs(first_run(), GPT, second, GPT)
    gpt = next(row for row in re.findall(r"<tr><td>(.*?)</tr>", page, re.S) if row.startswith(GPT))
    cells = re.findall(r"<td[^>]*>(.*?)</td>", "<td>" + gpt)
    assert cells[2:6] == [str(expected.pairs), "85.0%", "80.0%", "-5.0 pp"]
    assert cells[6:9] == ["$0.0008", "$0.0016", "+$0.0008"]
    assert cells[9:12] == [str(expected.a_only), str(expected.b_only), f"{expected.p_value:.3f}"]
    assert "anthropic/claude-3.5-haiku: no question flipped" in page


def test_routes_that_do_not_exist_or_ask_the_impossible(app: ViewerApp) -> None:
    assert app.handle("/nope").status == 404
    assert app.handle("/run/99").status == 404 and "Run 99 does not exist" in app.handle("/run/99").body
    missing = app.handle("/run/1/item/120")
    assert missing.status == 404 and "there is no item 120" in missing.body
    assert app.handle("/run/1/item/119").status == 200
    chooser = app.handle("/compare?a=1")
    assert chooser.status == 200 and 'name="b"' in chooser.body
    unknown = app.handle("/compare?a=1&b=2&model_a=nobody/x")
    assert unknown.status == 400 and "has no results for nobody/x" in unknown.body


def _request(port: int, method: str, path: str, host: str | None = None) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": host} if host else {}
    conn.request(method, path, headers=headers)
    response = conn.getresponse()
    body = response.read().decode("utf-8")
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def test_the_server_is_loopback_only_read_only_and_leaves_the_database_alone(db: Path) -> None:
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    repo = Repository(f"sqlite:///{db}", read_only=True)
    server = make_server(ViewerApp(repo))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        for path in ("/", "/run/1", "/run/2/item/5", "/compare?a=1&b=2"):
            status, headers, body = _request(port, "GET", path)
            assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
            assert body.startswith("<!DOCTYPE html>") and body.rstrip().endswith("</html>")
            assert "default-src 'none'" in headers["content-security-policy"]
        assert _request(port, "GET", "/", host=f"localhost:{port}")[0] == 200
        assert _request(port, "GET", "/", host=f"evil.example:{port}")[0] == 403
        for method in ("POST", "PUT", "DELETE"):
            assert _request(port, method, "/run/1")[0] == 405
        assert _request(port, "GET", "/missing")[0] == 404
    finally:
        server.shutdown()
        server.server_close()
        repo.close()
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_the_view_command(db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["view", "--help"])
    assert exit_info.value.code == 0 and "--no-browser" in capsys.readouterr().out
    assert main(["--db", f"sqlite:///{db}", "view", "--port", "70000", "--no-browser"]) == 2
    assert "is not a port number" in capsys.readouterr().err
    missing = tmp_path / "none.db"
    assert main(["--db", f"sqlite:///{missing}", "view", "--no-browser"]) == 2
    assert "no results database" in capsys.readouterr().err and not missing.exists()


def test_the_view_command_serves_until_interrupted(db: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    command = [sys.executable, "-m", "pytest_llmbench", "--db", f"sqlite:///{db}", "view", "--no-browser"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"at http://127\.0\.0\.1:(\d+)/", line)
        assert found, line + (process.stderr.read() if process.stderr else "")
        status, _, body = _request(int(found.group(1)), "GET", "/")
        assert status == 200 and "2 of 2 runs" in body
        os.kill(process.pid, signal.SIGINT)
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0 and "stopped" in out


def _question_rows(page: str) -> list[str]:
    return re.findall(r'<tr data-disagree=[^>]*>.*?<div class="muted">([^<#]+)', page, re.S)


def test_the_run_page_searches_filters_sorts_and_pages_on_the_server(tmp_path: Path) -> None:
    from _history import store

    from pytest_llmbench.types import Outcome, ResultRecord

    records = [
        ResultRecord(model=m, question_key=f"big:q{q:03d}", outcome=Outcome.PASSED if (q + i) % 3 else Outcome.FAILED,
                     nodeid=f"t.py::t[{m}-{q}]", dataset="big", clue=f"Clue {q} topic {q % 7}", answer=f"a{q}",
                     category=f"CAT {q % 5}", correct=bool((q + i) % 3), response_text=f"reply {q}",
                     latency_ms=float(q))
        for q in range(250) for i, m in enumerate(("m/one", "m/two"))
    ]
    repo = Repository(f"sqlite:///{tmp_path / 'big.db'}")
    store(repo, "big", records, dataset="big")
    repo.close()
    repo = Repository(f"sqlite:///{tmp_path / 'big.db'}", read_only=True)
    try:
        app = ViewerApp(repo)
        first = _ok(app, "/run/1")
        assert _question_rows(first) == [f"big:q{q:03d}" for q in range(100)]  # one page rendered, not 250 rows
        assert "250 of 250 shown" in first and "rows 1–100 of 250" in first and 'href="?p=1"' in first

        third = _ok(app, "/run/1?p=2")
        assert _question_rows(third) == [f"big:q{q:03d}" for q in range(200, 250)]
        assert 'id="q-next"' not in third and 'href="?p=1">‹ previous' in third

        found = _ok(app, "/run/1?q=topic%203")
        expected = [f"big:q{q:03d}" for q in range(250) if q % 7 == 3]
        assert _question_rows(found) == expected and f"{len(expected)} of 250 shown" in found
        assert 'value="topic 3"' in found

        disagree = _ok(app, "/run/1?f=disagree&s=2d")
        keys = _question_rows(disagree)
        clues = [f"Clue {int(k[5:])} topic {int(k[5:]) % 7}" for k in keys]
        assert keys and clues == sorted(clues, key=str.lower, reverse=True)[: len(keys)]
        assert '<option value="disagree" selected>' in disagree and 'aria-sort="descending"' in disagree
        assert _question_rows(_ok(app, "/run/1?p=99")) == [f"big:q{q:03d}" for q in range(200, 250)]
    finally:
        repo.close()


def test_a_stored_n_a_gate_stays_n_a_in_the_run_list_and_the_run_page(tmp_path: Path) -> None:
    from _records import make_records

    from pytest_llmbench.outcome.gates import GateResult, Gates
    from pytest_llmbench.outcome.summary import totals
    from pytest_llmbench.report.model import build_report

    records = make_records()
    url = f"sqlite:///{tmp_path / 'gates.db'}"
    repo = Repository(url)
    runs = []
    for gates in ([GateResult("other/model accuracy", True, "not applicable", applicable=False)],
                  [GateResult(f"{GPT} accuracy", False, "0.1 < 0.9")]):
        run_id = repo.start_run(name="g", models=[GPT], dataset="custom", grader="lenient", seed=1, sample=None,
                                config={})
        repo.add_results(run_id, records)
        summary = build_report(records).summary
        summary.gates = Gates(gates)
        repo.finish_run(run_id, status="completed", totals=totals(summary), exit_status=0)
        runs.append(run_id)
    repo.close()
    repo = Repository(url, read_only=True)
    try:
        app = ViewerApp(repo)
        rows = dict(re.findall(r'<tr data-run="(\d+)">(.*?)</tr>', _ok(app, "/"), re.S))
        assert '<span class="tag na">N/A</span>' in rows[str(runs[0])]
        assert '<span class="tag fail">FAIL</span>' in rows[str(runs[1])]
        page = _ok(app, f"/run/{runs[0]}")
        assert "GATES N/A" in page and '<span class="tag na">N/A</span><b>other/model accuracy</b>' in page
    finally:
        repo.close()
