"""``Engine.when_done``: the judge stage's signal that an answer arrived, for sent, cached and unsent jobs."""

from __future__ import annotations

import threading

from test_engine import ScriptedProvider, ok, req

from pytest_llmbench.engine.core import Engine, EngineSettings, Job
from pytest_llmbench.types import ChatRequest, Completion


def _collect(engine: Engine, job: Job) -> tuple[threading.Event, list[Completion]]:
    got: list[Completion] = []
    arrived = threading.Event()

    def callback(completion: Completion) -> None:
        got.append(completion)
        arrived.set()

    engine.when_done(job, callback)
    return arrived, got


def test_the_callback_gets_the_completion_of_a_submitted_job_once_it_arrives() -> None:
    gate = threading.Event()

    def held(request: ChatRequest, attempt: int) -> Completion:
        gate.wait(5)
        return ok(request, attempt)

    engine = Engine([ScriptedProvider(held)], EngineSettings(cache_mode="off"))
    try:
        job = Job("a", req(1))
        engine.submit([job])
        arrived, got = _collect(engine, job)
        assert not arrived.wait(0.05)  # not before the answer
        gate.set()
        assert arrived.wait(5) and got[0].text == "fine" and got[0] == engine.result(job)
    finally:
        engine.close()


def test_a_job_already_answered_or_never_submitted_is_reported_too() -> None:
    engine = Engine([ScriptedProvider(ok)], EngineSettings(cache_mode="off"))
    try:
        done = Job("done", req(1))
        engine.result(done)
        arrived, got = _collect(engine, done)
        assert arrived.is_set() and got[0].text == "fine"  # at once
        fresh = Job("fresh", req(2))
        arrived, got = _collect(engine, fresh)  # starts it
        assert arrived.wait(5) and got[0].ok
    finally:
        engine.close()


def test_jobs_submitted_beside_an_answer_take_its_place_in_line_not_the_last() -> None:
    """What the judge stage relies on: a verdict is sent before the answers pytest needs after it."""
    provider = ScriptedProvider(ok, delay=0.05)  # the one slot stays busy while the others queue up
    engine = Engine([provider], EngineSettings(cache_mode="off", concurrency=1))
    try:
        answers = [Job(f"item-{i}", req(i)) for i in range(4)]
        judged, late = Job("judge-1", req(101)), Job("judge-late", req(109))
        engine.submit(answers)
        engine.submit([judged], beside="item-1")
        engine.submit([late])  # no place given: behind every answer
        for job in (*answers, judged, late):
            engine.result(job)
        sent = [str(c.messages[0]["content"]) for c in provider.calls]
        assert sent == ["q0", "q1", "q101", "q2", "q3", "q109"]
    finally:
        engine.close()
