"""Round-2 lifecycle faults shared by the hostile tests and ``benchmarks/perf/fault_matrix.py``: a ``Retry-After``
far beyond the item's deadline, a killed xdist worker, a signal that ends the run. Each run is a real pytest
subprocess against the fake server; ``Finished`` says how it ended (exit code, wall time, peak memory).

Not a test module (no ``test_`` prefix); the perf script imports it by path.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from _hostile import N_QUESTIONS

from pytest_llmbench.testing import FakeOpenRouter, Fault, RequestContext

#: A ``Retry-After`` no deadline of the hostile runs (1 s timeout, 2 retries) can wait out.
AN_HOUR = 3600
#: The clues that get the hour-long 429: the others must be answered and stored meanwhile.
HELD_CLUES = frozenset({0, 1, 2})
#: A test that kills its own xdist worker once, on clue 5 (a ``kill-once`` file arms it): as under the OOM
#: killer or a segfault. Disarmed, the resume runs normally.
KILL_TEST_FILE = (
    "import os\n\n"
    "def test_quiz(request, llm_result):\n"
    "    if request.node.nodeid.endswith(':q5]') and os.path.exists('kill-once'):\n"
    "        os.remove('kill-once')\n"
    "        os._exit(1)\n"
    "    llm_result.assert_correct()\n"
)


def hour_long_429(context: RequestContext) -> Fault | None:
    """An hour-long 429 for the clues in ``HELD_CLUES``, answers for the rest."""
    held = any(f"Clue number {i} of" in context.prompt for i in HELD_CLUES)
    return Fault.rate_limited(retry_after=AN_HOUR) if held else None


#: The clue whose reply is slow when a signal is to come: the items before it are graded, the answers after it
#: fetched but not graded when the signal comes.
SLOW_CLUE = 3


class OneSlowClue:
    """The fake server's latency: ``seconds`` for ``SLOW_CLUE``, none for the others (0 for the resume)."""

    def __init__(self, seconds: float = 60.0) -> None:
        self.seconds = seconds

    def __call__(self, context: RequestContext) -> float:
        return self.seconds if f"Clue number {SLOW_CLUE} of" in context.prompt else 0.0


def all_but_the_slow_one_answered(server: FakeOpenRouter, workdir: Path) -> Callable[[], bool]:
    """For ``run_pytest(signal_when=...)``: every clue asked, the ones before the slow clue stored, and a
    second more for the fast replies after it to reach the engine."""
    seen: list[float] = []

    def ready() -> bool:
        if len(server.chat_requests) < N_QUESTIONS or rows_stored(workdir) < SLOW_CLUE:
            return False
        seen.append(time.monotonic())
        return time.monotonic() - seen[0] > 1.0

    return ready


@dataclass(frozen=True)
class Finished:
    stdout: str
    exit_code: int
    peak_mb: float  # ru_maxrss of pytest and its waited-for children (xdist workers, the HTTP worker)
    wall: float


def run_pytest(
    workdir: Path, args: Sequence[str], *, timeout: float = 120.0, signal_when: Callable[[], bool] | None = None,
    sig: int = signal.SIGTERM,
) -> Finished:
    """``python -m pytest`` in ``workdir``; with ``signal_when``, ``sig`` is sent once it returns true."""
    started = time.perf_counter()
    with open(workdir / "stdout.txt", "w+b") as out:
        proc = subprocess.Popen([sys.executable, "-m", "pytest", *args], cwd=workdir, stdout=out,
                                stderr=subprocess.STDOUT)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        if signal_when is not None:
            while proc.poll() is None and not signal_when():
                time.sleep(0.02)
            if proc.poll() is None:
                proc.send_signal(sig)
        # wait4, not wait: its rusage is the child's peak memory (kB), its own children included.
        _, status, usage = os.wait4(proc.pid, 0)
        killer.cancel()
        out.seek(0)
        stdout = out.read().decode("utf-8", "replace")
    return Finished(stdout, os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024, time.perf_counter() - started)


def rows_stored(workdir: Path) -> int:
    """Results stored so far by a run still going (0 before the database or its tables exist)."""
    try:
        with sqlite3.connect(workdir / ".llmbench" / "results.db", timeout=0.1) as db:
            return int(db.execute("select count(*) from benchmark_results").fetchone()[0])
    except sqlite3.Error:
        return 0


__all__ = ["AN_HOUR", "HELD_CLUES", "KILL_TEST_FILE", "N_QUESTIONS", "SLOW_CLUE", "Finished", "OneSlowClue",
           "all_but_the_slow_one_answered", "hour_long_429", "rows_stored", "run_pytest"]
