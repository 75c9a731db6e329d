"""Shared pieces of the perf scripts: a generated question file, the fake server in its own process, and a
whole ``pytest`` run in a subprocess with its wall time and peak RSS.

The scripts run ``python -m pytest`` with the interpreter that runs them, so that interpreter needs
pytest-llmbench installed (``pip install -e .``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BENCH_TEST = "def test_quiz(llm_result):\n    llm_result.assert_correct()\n"
ANSWER = "What is Mars?"


def write_project(folder: Path, questions: int) -> Path:
    """A project with one benchmark test and ``questions`` distinct questions, all answered by ``ANSWER``."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = (
        json.dumps({"question": f"Clue number {i}: the Red Planet", "answer": "Mars", "category": f"C{i % 50}"})
        for i in range(questions)
    )
    (folder / "questions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "test_quiz.py").write_text(BENCH_TEST, encoding="utf-8")
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return folder


@contextmanager
def fake_server(
    latency: float,
    answer: str = ANSWER,
    faults: str = "none",
    *,
    catalog_prices: bool = False,
    extra: Sequence[str] = (),
    arrivals: list[str] | None = None,
) -> Iterator[str]:
    """``python -m pytest_llmbench.testing`` in its own process (its CPU is not the measured run's).

    ``extra``: more of the server's options (``python -m pytest_llmbench.testing --help``), e.g. its judge mode.
    ``arrivals``: filled when the server stops with the model of every chat request, in arrival order.
    """
    extra = [*extra, *(["--record"] if arrivals is not None else [])]
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest_llmbench.testing", "--latency", str(latency), "--answer", answer,
         "--faults", faults, *(["--catalog-prices"] if catalog_prices else []), *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    try:
        yield proc.stdout.readline().strip()
    finally:
        proc.stdin.close()
        if arrivals is not None:
            arrivals.extend(json.loads(proc.stdout.readline() or '{"models": []}')["models"])
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass(frozen=True)
class Run:
    wall: float
    peak_rss_mb: float
    cpu: float  # user + system seconds of the pytest process
    exit_code: int
    tail: str  # last line of pytest's output
    children_peak_mb: float = 0.0  # sum of the peaks of the run's child processes (watch_children=True)

    @property
    def summary_line(self) -> str:
        return self.tail


def _children_hwm(parent: int, seen: dict[int, float]) -> None:
    """Record the VmHWM (MB) of every live child of ``parent`` (Linux /proc; elsewhere nothing)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(parent) and "VmHWM" in fields:
            seen[int(entry.name)] = int(fields["VmHWM"].split()[0]) / 1024


def run_pytest(
    folder: Path, args: Sequence[str], env: dict[str, str] | None = None, *, watch_children: bool = False
) -> Run:
    """One whole ``python -m pytest`` run in ``folder``: wall time, peak RSS and CPU from ``wait4``.

    ``wait4`` reports the largest of the process and its children, not their sum: with ``watch_children``
    the children's own peaks (the HTTP worker, see providers/_remote.py) are sampled from /proc as well.
    """
    environment = {**os.environ, **(env or {})}
    environment.pop("OPENROUTER_API_KEY", None)
    # A normal install caches byte code; without it every run recompiles pytest, SQLAlchemy, httpx, rich and
    # this package (about 1 s here). Callers warm the cache with one unmeasured run first.
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    out_path = folder / ".perf-out.txt"
    with out_path.open("w") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "pytest", *args], cwd=folder, stdout=out, stderr=subprocess.STDOUT, env=environment
        )
        children: dict[int, float] = {}
        done = threading.Event()

        def watch() -> None:
            while not done.wait(0.2):
                _children_hwm(proc.pid, children)

        watcher = threading.Thread(target=watch, daemon=True)
        if watch_children:
            watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        if watch_children:
            watcher.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = [line for line in out_path.read_text().splitlines() if line.strip()]
    return Run(
        wall=wall,
        peak_rss_mb=usage.ru_maxrss / 1024,
        cpu=usage.ru_utime + usage.ru_stime,
        exit_code=proc.returncode,
        tail=lines[-1] if lines else "",
        children_peak_mb=sum(children.values()),
    )


#: Plugins of our dev environment, not of a user's: hypothesis imports itself (~0.5 s) at every session end.
NO_DEV_PLUGINS = ["-p", "no:hypothesispytest"]


def llm_args(db: Path, *extra: str) -> list[str]:
    return [
        "--llm-dataset=questions.jsonl",
        "--llm-sample=all",
        f"--llm-db=sqlite:///{db}",
        "-p",
        "no:cacheprovider",
        *NO_DEV_PLUGINS,
        "-q",
        *extra,
    ]


def write_bare_project(folder: Path, items: int) -> Path:
    """Bare pytest: ``items`` trivial parametrized tests, nothing of pytest-llmbench in use."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test_bare.py").write_text(
        f"import pytest\n\n\n@pytest.mark.parametrize('i', range({items}))\ndef test_trivial(i):\n    assert i >= 0\n",
        encoding="utf-8",
    )
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return folder


def bare_args() -> list[str]:
    return ["-p", "no:cacheprovider", *NO_DEV_PLUGINS, "-q"]
