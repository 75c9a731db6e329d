"""The fault matrix: one real pytest run per fault against the fake OpenRouter server, as a table.

    python benchmarks/perf/fault_matrix.py            # every scenario
    python benchmarks/perf/fault_matrix.py 429 hang   # scenarios whose name contains one of the words

Each scenario runs ``pytest`` in a fresh folder on 12 questions with the real OpenRouter provider pointed at
``FakeOpenRouter``, then reads the SQLite database. Columns: items pytest reported, outcomes
(passed/failed/error/skipped), rows persisted (and whether they equal the items and the summary table's
counts), server requests, pytest's exit code, peak resident memory of the pytest process and its waited-for
children (the HTTP worker included; ``wait4``), wall time of the whole subprocess (interpreter start included).
The scenarios are the ones ``tests/hostile/test_fault_matrix.py`` asserts on.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "hostile"))

from _hostile import (  # noqa: E402 - needs the path above
    FULL_DISK_CONFTEST,
    INPUT_SCENARIOS,
    N_QUESTIONS,
    SCENARIOS,
    InputScenario,
    Scenario,
    base_args,
    db_counts,
    policy,
    pytest_outcomes,
    summary_row,
    write_project,
)
from _lifecycle import (  # noqa: E402
    AN_HOUR,
    HELD_CLUES,
    KILL_TEST_FILE,
    SLOW_CLUE,
    Finished,
    OneSlowClue,
    all_but_the_slow_one_answered,
    hour_long_429,
    rows_stored,
    run_pytest,
)

from pytest_llmbench.testing import FakeOpenRouter  # noqa: E402

TIMEOUT = 120.0
#: Address-space cap of each run: a fault that makes the plugin balloon fails inside it, not the machine.
MEMORY_CAP = 8 << 30


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


@dataclass
class Row:
    fault: str
    items: int
    outcomes: str
    persisted: str
    requests: int
    exit_code: int
    peak_mb: float
    wall: float
    ok: bool


def _pytest(workdir: Path, args: list[str]) -> Finished:
    started = time.perf_counter()
    with open(workdir / "stdout.txt", "w+b") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pytest", *args],
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_cap_memory,
        )
        killer = threading.Timer(TIMEOUT, proc.kill)
        killer.start()
        # wait4, not wait: its rusage is the child's peak memory (ru_maxrss, kB), its own children included.
        _, status, usage = os.wait4(proc.pid, 0)
        killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        stdout = out.read().decode("utf-8", "replace")
    return Finished(stdout, proc.returncode, usage.ru_maxrss / 1024, time.perf_counter() - started)


def _stored(workdir: Path) -> int:
    db = workdir / ".llmbench" / "results.db"
    return db_counts(db).rows if db.is_file() else 0


def run_input(scenario: InputScenario, workdir: Path) -> Row:
    write_project(workdir)
    if scenario.prepare is not None:
        scenario.prepare(workdir)
    with FakeOpenRouter(policy=policy) as server:
        done = _pytest(workdir, [*base_args(server.base_url), *scenario.options])
        requests = len(server.chat_requests)
    outcomes = pytest_outcomes(done.stdout)
    stored = _stored(workdir)
    one_sentence = "Traceback" not in done.stdout and "INTERNALERROR" not in done.stdout
    ok = done.exit_code == scenario.exit_code and stored == scenario.stored and one_sentence
    text = "/".join(str(outcomes[k]) for k in ("passed", "failed", "error", "skipped"))
    return Row(scenario.name, sum(outcomes.values()), text, f"{stored}/{scenario.stored} wanted", requests,
               done.exit_code, done.peak_mb, done.wall, ok)


def run(scenario: Scenario, workdir: Path) -> Row:
    write_project(workdir)
    with FakeOpenRouter(latency=scenario.latency, policy=policy, faults=scenario.faults()) as server:
        done = _pytest(workdir, [*base_args(server.base_url), *scenario.options])
        requests = len(server.chat_requests)
    stdout, proc_exit, peak, wall = done.stdout, done.exit_code, done.peak_mb, done.wall
    if not (workdir / ".llmbench" / "results.db").is_file():
        return Row(scenario.name, 0, "-", "no database", requests, proc_exit, peak, wall, False)
    outcomes = pytest_outcomes(stdout)
    items = sum(outcomes.values())
    db = db_counts(workdir / ".llmbench" / "results.db")
    table = summary_row(stdout)
    agrees = (
        table is not None
        and db.rows == db.distinct_items == items == N_QUESTIONS
        and table.items == db.rows
        and table.correct == db.correct
        and table.errors == db.outcomes["error"]
        and table.skipped == db.outcomes["skipped"]
    )
    text = "/".join(str(outcomes[k]) for k in ("passed", "failed", "error", "skipped"))
    persisted = f"{db.rows}/{items}" + (" =summary" if agrees else " MISMATCH")
    return Row(scenario.name, items, text, persisted, requests, proc_exit, peak, wall, agrees)


def main(argv: list[str]) -> int:
    def wanted(name: str) -> bool:
        return not argv or any(w.lower() in name.lower() for w in argv)

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="llmbench-faults-") as tmp:
        for i, scenario in enumerate(s for s in SCENARIOS if wanted(s.name)):
            rows.append(run(scenario, Path(tmp) / f"s{i}"))
            print(f"  ran {scenario.name!r} in {rows[-1].wall:.1f} s", file=sys.stderr)
        for i, hostile in enumerate(s for s in INPUT_SCENARIOS if wanted(s.name)):
            rows.append(run_input(hostile, Path(tmp) / f"i{i}"))
            print(f"  ran {hostile.name!r} in {rows[-1].wall:.1f} s", file=sys.stderr)
    header = ("fault", "items", "pass/fail/error/skip", "persisted", "requests", "exit", "peak MB", "wall s")
    widths = [max(len(header[0]), *(len(r.fault) for r in rows)), 5, 20, 18, 8, 4, 7, 6]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        cells = (
            r.fault, str(r.items), r.outcomes, r.persisted, str(r.requests), str(r.exit_code), f"{r.peak_mb:.0f}",
            f"{r.wall:.1f}",
        )
        print(" | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))
    total = sum(r.wall for r in rows)
    print(f"\n{len(rows)} scenarios, {sum(r.ok for r in rows)} consistent, {total:.1f} s in total")
    return 0 if all(r.ok for r in rows) else 1



# --- round 2, the run's life (issue 16 items 2, 7, 8, 9): kept apart from the rows above ----------------
# Retry-After beyond the deadline, a killed xdist worker, SIGTERM mid-run, a full disk (fault-injected commit),
# SIGTERM with answers fetched but not graded, each with the resume after it.
# Columns: exit code, wall time, peak RSS of pytest and its waited-for children, results stored / items,
# the run's status, server requests, results and answers kept in the spool for the resume.


LIFECYCLE_WORDS = "lifecycle retry-after worker sigterm disk"


@dataclass
class LifeRow:
    fault: str
    exit_code: int
    wall: float
    peak_mb: float
    stored: int
    status: str | None
    requests: int
    kept: int  # results and answers in the run's spool file, for the resume (storage/spool.py)


def _kept(workdir: Path) -> int:
    kept = 0
    for path in (workdir / ".llmbench").glob("unstored-run-*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        kept += len(data["results"]) + len(data["answers"])
    return kept


def _life_row(name: str, workdir: Path, done: Finished, requests: int) -> LifeRow:
    db = workdir / ".llmbench" / "results.db"
    counts = db_counts(db) if db.is_file() else None
    return LifeRow(name, done.exit_code, done.wall, done.peak_mb, counts.rows if counts else 0,
                   counts.run_status if counts else None, requests, _kept(workdir))


def lifecycle_rows(tmp: Path) -> list[LifeRow]:
    rows: list[LifeRow] = []
    work = tmp / "retry-after"
    write_project(work)
    with FakeOpenRouter(policy=policy, faults=hour_long_429) as server:
        done = run_pytest(work, base_args(server.base_url), timeout=TIMEOUT)
        rows.append(_life_row(f"Retry-After {AN_HOUR} on {len(HELD_CLUES)} items", work, done,
                              len(server.chat_requests)))
    work = tmp / "killed-worker"
    write_project(work)
    (work / "test_quiz.py").write_text(KILL_TEST_FILE, encoding="utf-8")
    (work / "kill-once").write_text("")
    with FakeOpenRouter(policy=policy) as server:
        args = [*base_args(server.base_url), "-n", "2"]
        rows.append(_life_row("xdist worker killed (-n 2)", work, run_pytest(work, args, timeout=TIMEOUT),
                              len(server.chat_requests)))
        server.reset()
        done = run_pytest(work, [*args, "--llm-resume=last"], timeout=TIMEOUT)
        rows.append(_life_row("  then --llm-resume=last", work, done, len(server.chat_requests)))
    work = tmp / "sigterm"
    write_project(work)
    with FakeOpenRouter(policy=policy, latency=0.5) as server:
        args = [*base_args(server.base_url), "--llm-concurrency=1", "--llm-timeout=10"]
        done = run_pytest(work, args, timeout=TIMEOUT, signal_when=lambda: rows_stored(work) >= 1)
        rows.append(_life_row("SIGTERM mid-run", work, done, len(server.chat_requests)))
        server.reset()
        done = run_pytest(work, [*args, "--llm-resume=last"], timeout=TIMEOUT)
        rows.append(_life_row("  then --llm-resume=last", work, done, len(server.chat_requests)))
    rows += _paid_for_rows(tmp)
    return rows


def _paid_for_rows(tmp: Path) -> list[LifeRow]:
    """Nothing already paid for is lost: a full disk after the first batch (its results kept, the spool
    itself unwritable in the second case), and a SIGTERM while answers are fetched but not graded."""
    rows: list[LifeRow] = []
    spool_full = ("import pytest_llmbench.storage.spool as spool\n"
                  "def _no_room(path, data):\n    raise OSError(errno.ENOSPC, 'No space left on device')\n"
                  "spool.write_atomic = _no_room\n")
    for name, conftest in (("full disk after batch 1", FULL_DISK_CONFTEST),
                           ("full disk, spool full too", FULL_DISK_CONFTEST + spool_full)):
        work = tmp / name.replace(" ", "-").replace(",", "")
        write_project(work)
        (work / "conftest.py").write_text(conftest, encoding="utf-8")
        (work / "disk-full").write_text("sqlite")
        with FakeOpenRouter(policy=policy, latency=0.05) as server:
            args = [*base_args(server.base_url), "--llm-concurrency=1"]
            rows.append(_life_row(name, work, run_pytest(work, args, timeout=TIMEOUT), len(server.chat_requests)))
            (work / "disk-full").unlink()
            server.reset()
            done = run_pytest(work, [*args, "--llm-resume=last"], timeout=TIMEOUT)
            rows.append(_life_row("  then freed, --llm-resume=last", work, done, len(server.chat_requests)))
    work = tmp / "sigterm-fetched"
    write_project(work)
    slow = OneSlowClue()
    with FakeOpenRouter(policy=policy, latency=slow) as server:
        args = [*base_args(server.base_url), "--llm-timeout=80", "--llm-retries=0"]
        done = run_pytest(work, args, timeout=TIMEOUT, signal_when=all_but_the_slow_one_answered(server, work))
        rows.append(_life_row(f"SIGTERM, {N_QUESTIONS - SLOW_CLUE - 1} answers not graded", work, done,
                              len(server.chat_requests)))
        server.reset()
        slow.seconds = 0.0
        done = run_pytest(work, [*args, "--llm-resume=last"], timeout=TIMEOUT)
        rows.append(_life_row("  then --llm-resume=last", work, done, len(server.chat_requests)))
    return rows


def lifecycle_main(argv: list[str]) -> None:
    if argv and not any(w.lower() in LIFECYCLE_WORDS for w in argv):
        return
    with tempfile.TemporaryDirectory(prefix="llmbench-life-") as tmp:
        rows = lifecycle_rows(Path(tmp))
    header = ("lifecycle fault", "exit", "wall s", "peak MB", "stored", "run status", "requests", "kept")
    widths = [max(len(header[0]), *(len(r.fault) for r in rows)), 4, 6, 7, 9, 11, 8, 4]
    print()
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        cells = (r.fault, str(r.exit_code), f"{r.wall:.1f}", f"{r.peak_mb:.0f}", f"{r.stored}/{N_QUESTIONS}",
                 str(r.status), str(r.requests), str(r.kept))
        print(" | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))


def main_with_lifecycle(argv: list[str]) -> int:
    picked = not argv or any(w.lower() in s.name.lower() for s in SCENARIOS for w in argv)
    code = main(argv) if picked else 0  # main's table needs a row
    lifecycle_main(argv)
    return code


if __name__ == "__main__":
    raise SystemExit(main_with_lifecycle(sys.argv[1:]))
