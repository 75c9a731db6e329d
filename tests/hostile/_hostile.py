"""Shared by the hostile tests and ``benchmarks/perf/fault_matrix.py``: a small question file, an answer
policy for the fake server, the fault scenarios, and readers for what a run left behind (DB rows, summary).

Not a test module (no ``test_`` prefix); the perf script imports it by path.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_llmbench.testing import Fault, FaultRule, RequestContext, first

MODEL = "openai/gpt-4o-mini"
N_QUESTIONS = 12
#: Question i is answered correctly unless i % 3 == 0: 8 correct, 4 wrong when nothing goes wrong.
QUESTIONS = [
    {"id": f"q{i}", "question": f"Clue number {i} of the hostile set", "answer": f"Answer{i}", "category": "HOSTILE"}
    for i in range(N_QUESTIONS)
]
EXPECTED_CORRECT = sum(1 for i in range(N_QUESTIONS) if i % 3)
TEST_FILE = "def test_quiz(llm_result):\n    llm_result.assert_correct()\n"
_CLUE = re.compile(r"Clue number (\d+) of the hostile set")


def policy(body: Mapping[str, Any]) -> str:
    """Right for most questions, wrong for every third: the run has passes and failures to count."""
    match = _CLUE.search(json.dumps(body.get("messages")))
    if match is None:
        return "I don't know"
    i = int(match[1])
    return f"What is Answer{i}?" if i % 3 else "What is nothing?"


def questions_jsonl() -> str:
    return "\n".join(json.dumps(q) for q in QUESTIONS) + "\n"


def write_project(path: Path) -> None:
    """The files of a tiny benchmark project (for scripts; tests use pytester's makefile)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "questions.jsonl").write_text(questions_jsonl(), encoding="utf-8")
    (path / "test_quiz.py").write_text(TEST_FILE, encoding="utf-8")
    (path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")


#: Start-up cost only: without them each subprocess spends seconds rewriting asserts in the plugin's
#: modules and importing hypothesis for its terminal summary (measured 11 s -> 4 s under cProfile).
FAST = ("--assert=plain", "-p", "no:hypothesispytest", "-p", "no:cacheprovider")


def base_args(base_url: str) -> list[str]:
    return [
        *FAST,
        "--llm-dataset=questions.jsonl",
        "--llm-sample=all",
        f"--llm-models={MODEL}",
        f"--llm-base-url={base_url}",
        "--llm-cache=off",
        "--llm-timeout=1",
        "--llm-retries=2",
    ]



#: A conftest whose database is full while a ``disk-full`` file exists, once its first ``DISK_ROOM`` batches
#: are stored: every later results write fails as SQLite's does (or, with ``disk-full`` holding ``oserror``,
#: as an ``OSError`` ENOSPC). The run's other writes (the run row, its end) still work.
DISK_ROOM = 1
FULL_DISK_CONFTEST = f"""
import errno, os, sqlite3
from sqlalchemy.exc import OperationalError
from pytest_llmbench.storage.repository import Repository

_store, _stored = Repository._add_batch, []

def _add_batch(self, run_id, batch):
    if os.path.exists("disk-full") and len(_stored) >= {DISK_ROOM}:
        if open("disk-full").read() == "oserror":
            raise OSError(errno.ENOSPC, "No space left on device", ".llmbench/results.db")
        full = sqlite3.OperationalError("database or disk is full")
        raise OperationalError("INSERT INTO benchmark_results", {{}}, full)
    _store(self, run_id, batch)
    _stored.append(len(batch))

Repository._add_batch = _add_batch
"""

# --- scenarios ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One row of the fault matrix: the fault rules, extra options, and what the items must end as.

    ``recovers``: every item gets its real answer (8 passed, 4 failed) despite the fault.
    ``errors`` > 0: exactly that many items end as errors (of one of ``kinds``), the others are graded.
    Otherwise no item is graded: each ends as an infrastructure error (of one of ``kinds``) or a skip, never
    as a wrong answer.
    """

    name: str
    faults: Callable[[], FaultRule | list[FaultRule] | None]
    recovers: bool
    options: tuple[str, ...] = ()
    latency: float = 0.0
    kinds: frozenset[str] = frozenset()  # the error kinds a non-recovering scenario may store
    errors: int = 0


def per_item(count: int, fault: Fault) -> FaultRule:
    """``fault`` for the first ``count`` attempts of every item (told apart by prompt), then answers.

    Unlike a global "first N requests", this does not depend on how the engine orders retries (its 429
    back-off and slot order change that), so a recovering scenario recovers on every run.
    """
    attempts: Counter[str] = Counter()

    def rule(context: RequestContext) -> Fault | None:
        attempts[context.prompt] += 1
        return fault if attempts[context.prompt] <= count else None

    return rule


#: Above the default reply limit (8 MB) and the HTTP worker's old 16 MB line limit.
BIG_REPLY = 20 << 20
#: Building and sending a big reply takes the fake server seconds on a busy machine: a timeout then would be
#: retried and answered, and the row would measure the timeout instead of the size limit.
SLOW_OK = "--llm-timeout=20"
#: Inflated size of the gzip bomb: 256 MB from about 250 kB on the wire.
BOMB = 256 << 20


def _k(names: str) -> frozenset[str]:
    return frozenset(names.split())


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("no fault", lambda: None, recovers=True),
    Scenario(
        "429 storm, Retry-After",
        lambda: per_item(2, Fault.rate_limited(retry_after=0.1)),  # 24 x 429, two per item
        recovers=True,
    ),
    Scenario(
        "429 forever", lambda: first(10_000, Fault.rate_limited(retry_after=0)), recovers=False, kinds=_k("rate_limit")
    ),
    Scenario(
        "5xx burst",
        lambda: [per_item(1, Fault.http(502)), per_item(1, Fault.http(503))],  # 502, then 503, then answers
        recovers=True,
    ),
    Scenario("500 forever", lambda: first(10_000, Fault.http(500)), recovers=False, kinds=_k("server")),
    Scenario("hung connection", lambda: per_item(1, Fault.hang()), recovers=True, options=("--llm-timeout=0.5",)),
    Scenario(
        "hang forever",
        lambda: first(10_000, Fault.hang()),
        recovers=False,
        kinds=_k("timeout"),
        options=("--llm-timeout=0.3", "--llm-retries=1"),
    ),
    Scenario("connection reset", lambda: per_item(2, Fault.reset()), recovers=True),
    Scenario("malformed JSON (stream)", lambda: per_item(1, Fault.malformed_json()), recovers=True),
    Scenario(
        "malformed JSON (no stream)",
        lambda: per_item(1, Fault.malformed_json()),
        recovers=True,
        options=("--llm-stream=off",),
    ),
    Scenario("truncated body (stream)", lambda: per_item(1, Fault.truncated_body()), recovers=True),
    Scenario(
        "truncated body (no stream)",
        lambda: per_item(1, Fault.truncated_body()),
        recovers=True,
        options=("--llm-stream=off",),
    ),
    Scenario("error in 200 body", lambda: per_item(1, Fault.error_in_body(502)), recovers=True),
    Scenario("error event mid-stream", lambda: per_item(1, Fault.midstream_error(502)), recovers=True),
    Scenario(
        "mid-stream error forever",
        lambda: first(10_000, Fault.midstream_error(502)),
        recovers=False,
        kinds=_k("server"),
    ),
    Scenario("slow stream", lambda: first(10_000, Fault.slow_stream(0.01)), recovers=True),
    Scenario(
        "stream slower than timeout",
        lambda: first(10_000, Fault.slow_stream(0.1)),
        recovers=False,
        kinds=_k("timeout"),
        options=("--llm-timeout=0.3", "--llm-retries=1"),
    ),
    Scenario("NUL and ESC in replies", lambda: first(10_000, Fault.dirty_text()), recovers=True),
    Scenario(
        "NUL and ESC in replies (no stream)",
        lambda: first(10_000, Fault.dirty_text()),
        recovers=True,
        options=("--llm-stream=off",),
    ),
    Scenario("HTML page on a stream", lambda: per_item(1, Fault.html_page()), recovers=True),
    Scenario(
        "20 MB reply (stream)",
        lambda: first(2, Fault.oversized(BIG_REPLY)),
        recovers=False,
        errors=2,
        kinds=_k("bad_response"),
        options=(SLOW_OK,),
    ),
    Scenario(
        "20 MB reply (no stream)",
        lambda: first(2, Fault.oversized(BIG_REPLY)),
        recovers=False,
        errors=2,
        kinds=_k("bad_response"),
        options=("--llm-stream=off", SLOW_OK),
    ),
    Scenario(
        "20 MB reply via HTTP worker",
        lambda: first(2, Fault.oversized(BIG_REPLY)),
        recovers=False,
        errors=2,
        kinds=_k("bad_response"),
        options=("--llm-concurrency=64", SLOW_OK),
    ),
    Scenario(
        "gzip bomb 256 MB",
        lambda: first(2, Fault.gzip_bomb(BOMB)),
        recovers=False,
        errors=2,
        kinds=_k("bad_response"),
        options=(SLOW_OK,),
    ),
    Scenario("401 bad key", lambda: first(10_000, Fault.http(401)), recovers=False, kinds=_k("auth stopped")),
    Scenario("402 out of credits", lambda: first(10_000, Fault.http(402)), recovers=False, kinds=_k("credits stopped")),
)


# --- hostile inputs: the run must refuse them with one sentence (exit 4) before asking anything ---------


def _write(name: str, text: str) -> Callable[[Path], None]:
    def prepare(path: Path) -> None:
        (path / name).write_text(text, encoding="utf-8")

    return prepare


def yaml_alias_bomb(levels: int = 9) -> str:
    """The "billion laughs" in YAML: ``levels`` anchors, each a list of nine aliases of the one before."""
    lines = ['a0: &a0 "lol"']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    body = "\n".join("    " + line for line in lines)
    return f'- question: "Clue number 1 of the hostile set"\n  answer: Answer1\n  metadata:\n{body}\n'


def yaml_deep(depth: int = 100_000) -> str:
    head = '- question: "Clue number 1 of the hostile set"\n  answer: Answer1\n  metadata: '
    return head + "[" * depth + "]" * depth + "\n"


@dataclass(frozen=True)
class InputScenario:
    """A hostile input, for the fault matrix: ``prepare`` writes files into the project, then ``options``."""

    name: str
    options: tuple[str, ...]
    prepare: Callable[[Path], None] | None = None
    exit_code: int = 4
    stored: int = 0


INPUT_SCENARIOS: tuple[InputScenario, ...] = (
    InputScenario("YAML alias bomb in metadata", ("--llm-dataset=bomb.yaml",), _write("bomb.yaml", yaml_alias_bomb(8))),
    InputScenario("deeply nested YAML", ("--llm-dataset=deep.yaml",), _write("deep.yaml", yaml_deep())),
    InputScenario("8 MB clue", ("--llm-dataset=long.jsonl",), _write(
        "long.jsonl", json.dumps({"question": "x" * (8 << 20), "answer": "y"}) + "\n")),
    InputScenario("--llm-concurrency=1000000", ("--llm-concurrency=1000000",)),
    InputScenario("--llm-repeat=100000000", ("--llm-repeat=100000000",)),
    InputScenario("--llm-seed=10**400", ("--llm-seed=1" + "0" * 400,)),
    InputScenario("--llm-max-image-mb=1e308", ("--llm-max-image-mb=1e308",)),
    InputScenario("--llm-base-url=http://[::1", ("--llm-base-url=http://[::1",)),
    # Careful: run as root against a version before issue 16, this replaced /dev/full with a regular file
    # (restore it with: rm /dev/full && mknod -m 666 /dev/full c 1 7).
    InputScenario("--llm-report=html:/dev/full", ("--llm-report=html:/dev/full",), exit_code=4, stored=N_QUESTIONS),
)


# --- what a run left behind -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DbCounts:
    runs: int
    rows: int
    distinct_items: int
    outcomes: Counter[str]
    correct: int
    run_status: str | None


def db_counts(db_path: Path) -> DbCounts:
    with sqlite3.connect(db_path) as db:
        runs = db.execute("select count(*) from benchmark_runs").fetchone()[0]
        status = db.execute("select status from benchmark_runs order by id desc limit 1").fetchone()
        rows = db.execute("select nodeid, outcome, correct from benchmark_results").fetchall()
    return DbCounts(
        runs=runs,
        rows=len(rows),
        distinct_items=len({r[0] for r in rows}),
        outcomes=Counter(str(r[1]) for r in rows),
        correct=sum(1 for r in rows if r[2]),
        run_status=status[0] if status else None,
    )


@dataclass(frozen=True)
class SummaryRow:
    items: int
    correct: int
    errors: int
    skipped: int


def summary_row(output: str, model: str = MODEL) -> SummaryRow | None:
    """The model's row of the terminal summary table: items, correct, errors, skipped."""
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line)]
        if len(cells) > 6 and cells[1].split(" (simulated)")[0] == model:
            return SummaryRow(int(cells[2]), int(cells[3]), int(cells[5]), int(cells[6]))
    return None


def pytest_outcomes(output: str) -> Counter[str]:
    """passed/failed/error/skipped from pytest's last line, with plural forms folded."""
    counts: Counter[str] = Counter()
    lines = [ln for ln in output.splitlines() if ln.startswith("=") and " in " in ln]
    if not lines:
        return counts
    for number, word in re.findall(r"(\d+) (\w+)", lines[-1]):
        word = {"errors": "error"}.get(word, word)
        if word in ("passed", "failed", "error", "skipped", "xfailed", "xpassed"):
            counts[word] += int(number)
    return counts
