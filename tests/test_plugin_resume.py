"""Interruption and resume, end to end: a real pytest process against the fake server, killed with SIGKILL
or interrupted with SIGINT mid-run, then finished with ``--llm-resume``."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from _quiz import quiz_project

from pytest_llmbench.testing import FakeOpenRouter

pytest_plugins = ["pytester"]

CLUES = [f"Clue number {i}: name the number that comes after {i}" for i in range(8)]
QUESTIONS = [{"question": clue, "answer": str(i + 1), "category": "NUMBERS"} for i, clue in enumerate(CLUES)]


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    return quiz_project(pytester, QUESTIONS)


def _answer(body: Mapping[str, Any]) -> str:
    prompt = json.dumps(body["messages"])
    for i, clue in enumerate(CLUES):
        if clue in prompt:
            return f"What is {i + 1}?"
    return "I don't know"


def _args(server: FakeOpenRouter, db: Path) -> list[str]:
    # The cache is off so that "not asked again" can only be the resume's doing.
    return ["--llm-dataset=questions.jsonl", "--llm-sample=all", "--llm-models=openai/gpt-4o-mini",
            f"--llm-base-url={server.base_url}", f"--llm-db=sqlite:///{db}", "--llm-cache=off",
            "--llm-concurrency=1", "-p", "no:cacheprovider"]


def _asked(server: FakeOpenRouter) -> list[str]:
    prompts = [json.dumps(r.body["messages"]) for r in server.chat_requests]
    return [clue for clue in CLUES for p in prompts if clue in p]


def _stored(db: Path) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "select r.nodeid, q.clue, r.error from benchmark_results r join questions q on q.id = r.question_id"
        ).fetchall()


def _status(db: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select id, status from benchmark_runs").fetchall()


def _start_and_stop(project: pytest.Pytester, server: FakeOpenRouter, db: Path, sig: signal.Signals) -> str:
    """Run pytest until two items are stored, then send ``sig``; returns what the process printed."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", *_args(server, db)], cwd=project.path, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists():
                try:
                    if len(_stored(db)) >= 2:
                        break
                except sqlite3.OperationalError:
                    pass  # the tables are being created
            time.sleep(0.05)
        assert proc.poll() is None, "the run finished before it could be stopped: make the server slower"
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return out


def test_killed_run_is_resumed_without_asking_finished_items_again(project: pytest.Pytester, tmp_path: Path) -> None:
    db = tmp_path / "results.db"
    with FakeOpenRouter(latency=0.3, policy=_answer) as server:
        _start_and_stop(project, server, db, signal.SIGKILL)
    before = _stored(db)
    assert 2 <= len(before) < len(CLUES)
    assert _status(db) == [(1, "running")]  # killed: nobody could mark it

    with FakeOpenRouter(latency=0.0, policy=_answer) as server:
        result = project.runpytest_subprocess(*_args(server, db), "--llm-resume=last")
        asked_again = _asked(server)
    result.assert_outcomes(passed=len(CLUES))
    finished_before = {clue for _, clue, error in before if error is None}
    assert finished_before and not finished_before & set(asked_again)
    assert len(asked_again) == len(CLUES) - len(finished_before)
    after = _stored(db)
    assert len(after) == len(CLUES) == len({nodeid for nodeid, _, _ in after})
    assert all(error is None for _, _, error in after)
    assert _status(db) == [(1, "completed")]


def test_ctrl_c_marks_the_run_interrupted_and_prints_the_resume_command(
    project: pytest.Pytester, tmp_path: Path
) -> None:
    db = tmp_path / "results.db"
    with FakeOpenRouter(latency=0.3, policy=_answer) as server:
        out = _start_and_stop(project, server, db, signal.SIGINT)
    assert _status(db) == [(1, "interrupted")]
    assert "--llm-resume=1" in out and "resume with pytest " in out
    finished_before = {clue for _, clue, error in _stored(db) if error is None}
    with FakeOpenRouter(latency=0.0, policy=_answer) as server:
        result = project.runpytest_subprocess(*_args(server, db), "--llm-resume=1")
        asked_again = _asked(server)
    result.assert_outcomes(passed=len(CLUES))
    assert finished_before and not finished_before & set(asked_again)
    assert len(_stored(db)) == len(CLUES)
    assert _status(db) == [(1, "completed")]


def test_resume_refuses_a_completed_run_and_other_settings(project: pytest.Pytester, tmp_path: Path) -> None:
    db = tmp_path / "results.db"
    with FakeOpenRouter(latency=0.0, policy=_answer) as server:
        project.runpytest_subprocess(*_args(server, db))
        done = project.runpytest_subprocess(*_args(server, db), "--llm-resume=1")
        assert done.ret == 4 and "Run 1 is completed" in done.stderr.str()
        with sqlite3.connect(db) as conn:
            conn.execute("update benchmark_runs set status='interrupted'")
        other = project.runpytest_subprocess(*_args(server, db), "--llm-resume=last", "--llm-seed=7")
        assert other.ret == 4 and "--llm-seed=42" in other.stderr.str()


def test_resume_under_xdist_replays_on_the_workers(project: pytest.Pytester, tmp_path: Path) -> None:
    db = tmp_path / "results.db"
    with FakeOpenRouter(latency=0.0, policy=_answer) as server:
        project.runpytest_subprocess(*_args(server, db)).assert_outcomes(passed=len(CLUES))
    with sqlite3.connect(db) as conn:  # as if the run had been killed after five items
        conn.execute("delete from benchmark_results where id > 5")
        conn.execute("update benchmark_runs set status = 'running'")
    kept = {clue for _, clue, _ in _stored(db)}
    with FakeOpenRouter(latency=0.0, policy=_answer) as server:
        result = project.runpytest_subprocess(*_args(server, db), "--llm-resume=last", "-n", "2")
        asked = _asked(server)
    result.assert_outcomes(passed=len(CLUES))
    assert sorted(asked) == sorted(set(CLUES) - kept)
    assert len(_stored(db)) == len(CLUES) and _status(db) == [(1, "completed")]
