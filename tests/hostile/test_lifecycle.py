"""Round 2, the run's life: a wait no deadline allows, a worker that dies, a signal that ends the run.

Every wait is bounded by the item's deadline (``timeout x (retries + 1) + backoff_max``); a lost xdist worker
and a SIGTERM leave every finished result stored and the run resumable, like Ctrl-C.
"""

from __future__ import annotations

import signal
import sqlite3
import time

import pytest
from _hostile import (
    EXPECTED_CORRECT,
    N_QUESTIONS,
    TEST_FILE,
    base_args,
    db_counts,
    policy,
    pytest_outcomes,
    questions_jsonl,
)
from _lifecycle import (
    AN_HOUR,
    HELD_CLUES,
    KILL_TEST_FILE,
    SLOW_CLUE,
    OneSlowClue,
    all_but_the_slow_one_answered,
    hour_long_429,
    rows_stored,
    run_pytest,
)

from pytest_llmbench.engine.retry import GiveUp, RetryPolicy
from pytest_llmbench.errors import RateLimitError
from pytest_llmbench.testing import FakeOpenRouter

#: Far below the hour the server asks for: a run that waits it out fails here instead of hanging the suite.
SUBPROCESS_TIMEOUT = 90.0


def _project(pytester: pytest.Pytester, test_file: str = TEST_FILE) -> None:
    pytester.makefile(".jsonl", questions=questions_jsonl())
    pytester.makepyfile(test_quiz=test_file)
    pytester.makeini("[pytest]\n")


def _stored(pytester: pytest.Pytester) -> list[tuple[str, str, str | None, str | None]]:
    with sqlite3.connect(pytester.path / ".llmbench" / "results.db") as db:
        return db.execute("select nodeid, outcome, error_kind, error from benchmark_results order by id").fetchall()


def test_a_retry_after_beyond_the_deadline_ends_the_item_at_once() -> None:
    policy_ = RetryPolicy(retries=4, deadline=330.0, backoff_base=0.5, backoff_max=30.0)
    verdict = policy_.after(1, RateLimitError("429 slow down", retry_after=AN_HOUR), time.monotonic() + 330.0)
    assert isinstance(verdict, GiveUp)
    assert "asked to wait 3600 s, beyond this item's deadline of 330 s" in verdict.message
    assert "--llm-timeout/--llm-retries" in verdict.message
    # a wait the deadline allows is still waited (up to the backoff cap)
    assert isinstance(policy_.after(1, RateLimitError("429", retry_after=5.0), time.monotonic() + 330.0), float)


def test_an_hour_long_retry_after_errors_its_items_and_holds_back_no_other(pytester: pytest.Pytester) -> None:
    _project(pytester)
    with FakeOpenRouter(policy=policy, faults=hour_long_429) as server:
        result = pytester.runpytest_subprocess(*base_args(server.base_url), timeout=SUBPROCESS_TIMEOUT)
        requests = len(server.chat_requests)
    out = result.stdout.str()
    assert "Traceback" not in out
    rows = _stored(pytester)
    assert len(rows) == N_QUESTIONS
    errors = [r for r in rows if r[1] == "error"]
    # the held clues end after their first 429, not after retries: the wait can never fit the deadline
    assert len(errors) == len(HELD_CLUES) and requests == N_QUESTIONS
    assert all(kind == "rate_limit" and "asked to wait 3600 s" in (msg or "") for _, _, kind, msg in errors)
    assert "beyond this item's deadline" in out
    # the model was not paused for the hour: every other item was answered and graded
    graded = [r for r in rows if r[1] in ("passed", "failed")]
    assert len(graded) == N_QUESTIONS - len(HELD_CLUES)
    assert sum(r[1] == "passed" for r in graded) == EXPECTED_CORRECT - sum(1 for i in HELD_CLUES if i % 3)
    assert db_counts(pytester.path / ".llmbench" / "results.db").run_status == "completed"


def _answered(rows: list[tuple[str, str, str | None, str | None]]) -> int:
    return sum(1 for _, outcome, _, _ in rows if outcome in ("passed", "failed"))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_ends_the_run_like_ctrl_c_and_resume_finishes_it(pytester: pytest.Pytester, sig: int) -> None:
    _project(pytester)
    # 0.5 s a reply, one at a time: 6 s of asking, signalled once the first result is stored
    with FakeOpenRouter(policy=policy, latency=0.5) as server:
        args = [*base_args(server.base_url), "--llm-concurrency=1", "--llm-timeout=10"]
        done = run_pytest(pytester.path, args, timeout=SUBPROCESS_TIMEOUT,
                          signal_when=lambda: rows_stored(pytester.path) >= 1, sig=sig)
        asked_first = len(server.chat_requests)
        out = done.stdout
        assert "Traceback" not in out
        assert done.exit_code == pytest.ExitCode.INTERRUPTED, out
        # like Ctrl-C: the summary is printed, and it says how to finish the run
        assert "llmbench" in out and f"interrupted ({signal.Signals(sig).name})" in out
        assert "--llm-resume=" in out
        rows = _stored(pytester)
        counts = db_counts(pytester.path / ".llmbench" / "results.db")
        assert counts.run_status == "interrupted"
        assert 0 < _answered(rows) < N_QUESTIONS  # what finished was stored; the rest was not asked
        assert asked_first < N_QUESTIONS

        server.reset()
        resumed = run_pytest(pytester.path, [*args, "--llm-resume=last"], timeout=SUBPROCESS_TIMEOUT)
        asked_again = len(server.chat_requests)
    assert resumed.exit_code == pytest.ExitCode.TESTS_FAILED, resumed.stdout  # the 4 wrong answers only
    final = _stored(pytester)
    assert len(final) == len({r[0] for r in final}) == N_QUESTIONS
    assert sum(r[1] == "passed" for r in final) == EXPECTED_CORRECT
    # only what the first session had no answer for is asked again: answers it fetched but had not graded
    # when the signal came are kept too, so no clue is asked twice over the two sessions
    assert asked_again <= N_QUESTIONS - _answered(rows) and asked_first + asked_again == N_QUESTIONS
    assert db_counts(pytester.path / ".llmbench" / "results.db").run_status == "completed"


def test_a_killed_xdist_worker_stores_its_item_as_an_error_and_resume_finishes(pytester: pytest.Pytester) -> None:
    _project(pytester, KILL_TEST_FILE)
    (pytester.path / "kill-once").write_text("")
    with FakeOpenRouter(policy=policy) as server:
        args = [*base_args(server.base_url), "-n", "2"]
        done = run_pytest(pytester.path, args, timeout=SUBPROCESS_TIMEOUT)
        out = done.stdout
        assert not (pytester.path / "kill-once").exists(), out  # the worker did die
        assert "crashed while running" in out and "Traceback" not in out
        outcomes = pytest_outcomes(out)
        # pytest and the database agree: the lost item is an error, not a failed answer, and it is stored
        assert outcomes["error"] == 1 and sum(outcomes.values()) == N_QUESTIONS, out
        rows = _stored(pytester)
        assert len(rows) == len({r[0] for r in rows}) == N_QUESTIONS
        lost = [r for r in rows if r[1] == "error"]
        assert len(lost) == 1 and lost[0][0].endswith(":q5]") and lost[0][2] == "lost"
        assert "--llm-resume asks it again" in (lost[0][3] or "")
        assert db_counts(pytester.path / ".llmbench" / "results.db").run_status == "interrupted"
        assert "--llm-resume=" in out

        server.reset()
        resumed = run_pytest(pytester.path, [*args, "--llm-resume=last"], timeout=SUBPROCESS_TIMEOUT)
        asked_again = len(server.chat_requests)
    assert resumed.exit_code == pytest.ExitCode.TESTS_FAILED, resumed.stdout  # the 4 wrong answers only
    assert asked_again == 1  # only the lost item
    final = _stored(pytester)
    assert len(final) == N_QUESTIONS and not [r for r in final if r[1] == "error"]
    assert sum(r[1] == "passed" for r in final) == EXPECTED_CORRECT
    assert db_counts(pytester.path / ".llmbench" / "results.db").run_status == "completed"


@pytest.mark.parametrize(
    ("sig", "cache"), [(signal.SIGTERM, "off"), (signal.SIGHUP, "off"), (signal.SIGINT, "on")],
    ids=["SIGTERM", "SIGHUP", "Ctrl-C-cached"],
)
def test_answers_fetched_before_a_signal_are_not_asked_again(pytester: pytest.Pytester, sig: int, cache: str) -> None:
    _project(pytester)
    slow = OneSlowClue()
    with FakeOpenRouter(policy=policy, latency=slow) as server:
        args = [*base_args(server.base_url), f"--llm-cache={cache}", "--llm-timeout=80", "--llm-retries=0"]
        done = run_pytest(pytester.path, args, timeout=SUBPROCESS_TIMEOUT, sig=sig,
                          signal_when=all_but_the_slow_one_answered(server, pytester.path))
        assert done.exit_code == pytest.ExitCode.INTERRUPTED and "Traceback" not in done.stdout, done.stdout
        assert len(server.chat_requests) == N_QUESTIONS
        graded = _answered(_stored(pytester))
        assert graded == SLOW_CLUE  # the tests before the slow clue; the fetched answers after it are kept
        assert f"{N_QUESTIONS - SLOW_CLUE - 1} answer(s) fetched but not graded" in done.stdout, done.stdout

        server.reset()
        slow.seconds = 0.0
        resumed = run_pytest(pytester.path, [*args, "--llm-resume=last"], timeout=SUBPROCESS_TIMEOUT)
        asked_again = list(server.chat_requests)
    assert resumed.exit_code == pytest.ExitCode.TESTS_FAILED, resumed.stdout  # the 4 wrong answers only
    # Only the slow clue, whose reply never came, is asked again: every fetched answer was kept and graded.
    assert len(asked_again) == 1 and f"Clue number {SLOW_CLUE} of" in str(asked_again[0]), asked_again
    final = _stored(pytester)
    assert len(final) == len({r[0] for r in final}) == N_QUESTIONS
    assert sum(r[1] == "passed" for r in final) == EXPECTED_CORRECT
    assert db_counts(pytester.path / ".llmbench" / "results.db").run_status == "completed"
    assert not list((pytester.path / ".llmbench").glob("unstored-*"))  # the resume is done with the kept answers
