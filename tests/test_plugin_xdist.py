"""Scale-out acceptance tests: pytest-xdist equals a serial run, JUnit XML (valid, with case and suite
properties), the step summary, and the same plugin runs against SQLite and a real PostgreSQL."""

from __future__ import annotations

import contextlib
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _quiz import quiz_project
from sqlalchemy import create_engine, text

pytest_plugins = ["pytester"]

XSD = Path(__file__).parent / "report" / "junit.xsd"

QUESTIONS = [
    {"question": "This planet is known as the Red Planet", "answer": "Mars", "category": "SPACE"},
    {"question": "He wrote 'Hamlet'", "answer": "(William) Shakespeare", "category": "AUTHORS"},
    {"question": "The largest ocean on Earth", "answer": "the Pacific", "category": "GEOGRAPHY"},
    {"question": "This metal has the chemical symbol Au", "answer": "gold", "category": "SCIENCE"},
    {"question": "First president of the United States", "answer": "(George) Washington", "category": "US"},
    {"question": "The capital of Japan", "answer": "Tokyo", "category": "CAPITALS"},
    {"question": "The longest river in Africa", "answer": "the Nile", "category": "RIVERS"},
    {"question": "He painted the Mona Lisa", "answer": "(Leonardo) da Vinci", "category": "ART"},
]
CASE_PROPERTIES = ("llm_model", "llm_question_id", "llm_correct", "llm_score", "llm_grader", "llm_latency_ms",
                   "llm_ttft_ms", "llm_prompt_tokens", "llm_completion_tokens", "llm_cost_usd", "llm_cached")
ARGS = ("--llm-dataset=questions.jsonl", "--llm-sample=all", "-p", "no:cacheprovider", "--llm-cache=off")


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    return quiz_project(pytester, QUESTIONS)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_urls(request: pytest.FixtureRequest, tmp_path: Path, pg_database: Callable[[str], str]) -> tuple[str, str]:
    """Two fresh databases of one kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'one.db'}", f"sqlite:///{tmp_path / 'two.db'}"
    return pg_database(tmp_path.name + "one"), pg_database(tmp_path.name + "two")


def rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def stored(url: str) -> dict[str, tuple[Any, ...]]:
    found = rows(url, "select nodeid, model, correct, outcome, response_text from benchmark_results")
    assert len(found) == len({r[0] for r in found}), "an item was stored twice"
    return {r[0]: r[1:] for r in found}


def junit_cases(path: Path) -> dict[str, dict[str, str]]:
    root = ET.parse(path).getroot()
    return {
        case.get("name", ""): {p.get("name", ""): p.get("value", "") for p in case.iter("property")}
        for case in root.iter("testcase")
    }


def suite_properties(path: Path) -> dict[str, str]:
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    holder = suite.find("properties")
    return {} if holder is None else {p.get("name", ""): p.get("value", "") for p in holder.iter("property")}


def validate(path: Path) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    xmlschema.XMLSchema(str(XSD)).validate(str(path))


def test_four_workers_equal_a_serial_run(project: pytest.Pytester, db_urls: tuple[str, str]) -> None:
    gate = ("--llm-min-accuracy=0.2", "--llm-min-accuracy=sim/strong=0.6")
    serial_url, parallel_url = db_urls
    serial = project.runpytest_subprocess(*ARGS, *gate, f"--llm-db={serial_url}", "--junitxml=serial.xml")
    parallel = project.runpytest_subprocess(*ARGS, *gate, f"--llm-db={parallel_url}", "--junitxml=parallel.xml",
                                            "-n", "4")
    assert serial.ret == parallel.ret == 0, (serial.stdout.str()[-2000:], parallel.stdout.str()[-2000:])
    assert "4 workers" in parallel.stdout.str()
    counts = serial.parseoutcomes()
    assert {k: parallel.parseoutcomes().get(k) for k in counts if k not in ("seconds",)} == {
        k: v for k, v in counts.items() if k not in ("seconds",)}

    a, b = stored(serial_url), stored(parallel_url)
    assert len(a) == len(QUESTIONS) * 3 and a == b
    perf = "select model, items, correct, accuracy from model_performance order by model"
    assert rows(serial_url, perf) == rows(parallel_url, perf)
    runs = "select count(*), min(status), min(dataset_origin) from benchmark_runs"
    assert rows(parallel_url, runs)[0][:2] == (1, "completed")
    assert rows(parallel_url, runs)[0][2], "the controller learnt the dataset origin from the workers"
    # The summary and the gates are printed once, by the controller.
    assert parallel.stdout.str().count("LLM benchmark summary") == 1
    assert parallel.stdout.str().count("gate verdict: all gates passed") == 1

    for name in ("serial.xml", "parallel.xml"):
        path = project.path / name
        validate(path)
        cases = junit_cases(path)
        assert len(cases) == len(a)
        for props in cases.values():
            assert set(CASE_PROPERTIES) <= set(props)
        suite = suite_properties(path)
        assert suite["llm_gates_passed"] == "true"
        assert suite["llm_gate[sim/strong accuracy]"].startswith("pass: ")
        for model in ("sim/strong", "sim/fast-cheap", "sim/weak"):
            correct = sum(1 for v in a.values() if v[0] == model and v[1])
            assert suite[f"llm_correct[{model}]"] == str(correct)
    timing = ("llm_latency_ms", "llm_ttft_ms")
    untimed = [
        {case: {p: v for p, v in props.items() if p not in timing} for case, props in junit_cases(path).items()}
        for path in (project.path / "serial.xml", project.path / "parallel.xml")
    ]
    assert untimed[0] == untimed[1]


def test_one_budget_holds_across_workers_and_spends_what_a_serial_run_spends(
    project: pytest.Pytester, db_urls: tuple[str, str]
) -> None:
    serial_url, parallel_url = db_urls
    # A request reserves its worst case (~$0.0014 here) before it is sent, and costs ~$0.0003. The workers
    # share the whole budget through the database (it used to be split: $0.00125 each).
    limit = 0.0025
    serial = project.runpytest_subprocess(*ARGS, "--llm-models=sim/strong", f"--llm-db={serial_url}",
                                          f"--llm-max-cost={limit}", "-rs")
    result = project.runpytest_subprocess(*ARGS, "--llm-models=sim/strong", f"--llm-db={parallel_url}",
                                          f"--llm-max-cost={limit}", "-n", "2", "-rs")
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped", 0) > 0 and serial.parseoutcomes().get("skipped", 0) > 0
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) >= 2  # at least one item per worker
    result.stdout.fnmatch_lines(["*Budget exhausted: $* of $0.0025 spent*"])
    spent = rows(parallel_url, "select sum(cost_usd) from benchmark_results")[0][0]
    serial_spent = rows(serial_url, "select sum(cost_usd) from benchmark_results")[0][0]
    dearest = rows(serial_url, "select max(cost_usd) from benchmark_results")[0][0]
    assert 0 < spent <= limit
    assert spent >= serial_spent - 2 * dearest  # stops where the serial run did, within one request per worker


def test_step_summary_is_written_once(project: pytest.Pytester, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "summary.md"
    target.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    result = project.runpytest_subprocess(*ARGS, f"--llm-db=sqlite:///{tmp_path / 'r.db'}", "-n", "2",
                                          "--llm-min-accuracy=sim/strong=0.5")
    assert result.ret == 0
    text_ = target.read_text()
    assert text_.startswith("earlier step\n")
    assert text_.count("| model | items |") == 1
    assert "| sim/strong *(simulated)* | 8 |" in text_
    assert "✅ PASS sim/strong accuracy" in text_


def test_workers_prefetch_their_queued_items_within_their_share(project: pytest.Pytester, tmp_path: Path) -> None:
    from pytest_llmbench.testing import FakeOpenRouter

    with FakeOpenRouter(latency=0.3) as server:
        result = project.runpytest_subprocess(
            *ARGS, "--llm-models=openai/gpt-4o-mini,anthropic/claude-3.5-haiku", f"--llm-base-url={server.base_url}",
            f"--llm-db=sqlite:///{tmp_path / 'r.db'}", "--llm-concurrency=6", "-n", "2",
        )
        peak = server.max_in_flight
        asked = len(server.chat_requests)
    assert result.ret in (0, 1)
    assert asked == 2 * len(QUESTIONS)  # every item asked once, none twice across workers
    # Without prefetch each worker has one request in flight (its current test): at most 2. With it, a
    # worker asks for everything queued for it, up to its share of the concurrency (6 / 2 workers).
    assert 2 < peak <= 6


def test_bad_usage_under_xdist_is_exit_4_with_one_sentence(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*ARGS, "--llm-grader=psychic", "-n", "2")
    assert result.ret == 4
    assert "Unknown grader 'psychic'" in result.stderr.str()
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_a_controller_that_stored_nothing_leaves_no_run(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_plain="def test_one():\n    pass\n")
    url = f"sqlite:///{tmp_path / 'r.db'}"
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--llm-models=sim/strong", f"--llm-db={url}",
                                  "-n", "2").assert_outcomes(passed=1)
    assert rows(url, "select count(*) from benchmark_runs") == [(0,)]


def test_the_controllers_summary_counts_the_workers_retries_and_429s(project: pytest.Pytester, tmp_path: Path) -> None:
    from pytest_llmbench.testing import FakeOpenRouter, Fault, first_ask_fails

    faults = first_ask_fails(Fault.rate_limited(retry_after=1), Fault.http(503))
    with FakeOpenRouter(faults=faults) as server:
        result = project.runpytest_subprocess(
            *ARGS, "--llm-models=openai/gpt-4o-mini", f"--llm-base-url={server.base_url}",
            f"--llm-db=sqlite:///{tmp_path / 'r.db'}", "-n", "2",
        )
    assert result.ret in (0, 1)
    n = len(QUESTIONS)
    [line] = [line for line in result.outlines if line.startswith("traffic: openai/gpt-4o-mini:")]
    assert f"{2 * n} requests, {n} retries, {n // 2} rate-limited (429), 0 resets" in line  # both workers' counts


def test_one_rate_limit_holds_across_workers(pytester: pytest.Pytester, tmp_path: Path) -> None:
    from pytest_llmbench.testing import FakeOpenRouter, Fault

    project = quiz_project(pytester, [{"question": f"Clue {i}", "answer": "Mars"} for i in range(48)])
    db = tmp_path / "r.db"
    arrivals: list[tuple[int, int, int]] = []  # per request: in flight at arrival, the run's limit, its epoch

    def full_over_four(context: Any) -> Fault | None:
        # The shared limit as the workers left it in the database when this request arrived.
        row = None
        if db.exists():
            with contextlib.suppress(sqlite3.Error), contextlib.closing(sqlite3.connect(db, timeout=5)) as con:
                row = con.execute("select total, epoch from llmbench_limits").fetchone()
        arrivals.append((context.in_flight, *(row or (16, 0))))
        return Fault.rate_limited(retry_after=None) if context.in_flight > 4 else None

    with FakeOpenRouter(policy="What is Mars?", faults=full_over_four, latency=0.15) as server:
        result = project.runpytest_subprocess(
            *ARGS, "--llm-models=openai/gpt-4o-mini", f"--llm-base-url={server.base_url}", f"--llm-db=sqlite:///{db}",
            "--llm-concurrency=16", "--llm-retries=12", "-n", "2",  # a loaded machine may see an item refused often
        )
    result.assert_outcomes(passed=48)
    [(cap, epoch)] = rows(f"sqlite:///{db}", "select cap, epoch from llmbench_limits")
    assert cap == 16 and epoch >= 1  # one limit for the run, cut by the 429s (by whichever worker saw them)
    first_cut = next(i for i, (_, _, e) in enumerate(arrivals) if e >= 1)
    assert first_cut > 0
    for i in range(first_cut, len(arrivals)):
        # Within the run's limit: the highest the workers' shares allowed when any request still in flight was
        # sent (no more than the cap's worth of requests ago; each of them was sent under one of those limits).
        in_force = max(t for _, t, _ in arrivals[max(0, i - cap) : i + 1])
        assert arrivals[i][0] <= in_force, (i, arrivals[i], in_force)
